#pragma once

// One VFIO device's migration: its state diagram, "move to" any state (showing the path the
// helper will walk, step by step with progress), a live chart of pre-copy initial/dirty bytes and
// the stop-copy size (polled), and save/load of the device state to a file. Everything goes
// through a DeviceMigrationClient, asynchronously: while a call is out the buttons are disabled
// and the helper's progress is shown; polls skip a tick rather than pile up behind a slow answer.
// A "Device dirty tracking" box drives the device's own DMA logging (start over the group's
// mapped ranges or one IOVA range with a page size, report as a picture, stop) where the driver
// has it, and says plainly why not where it does not.

#include "devicemigrationclient.h"
#include "migrationstate.h"

#include <QElapsedTimer>
#include <QList>
#include <QPointF>
#include <QPointer>
#include <QTimer>
#include <QLayout>
#include <QWidget>

class QBoxLayout;
class QComboBox;
class QGroupBox;
class QLineEdit;
class QRadioButton;
class QLabel;
class QLineSeries;
class QChart;
class QChartView;
class QProgressBar;
class QPushButton;
class QValueAxis;

namespace devtopo::views {
class DirtyBitmapWidget;
}

namespace devtopo::devmig {

class MigrationStateDiagram;

class DeviceMigrationPanel : public QWidget
{
    Q_OBJECT
public:
    explicit DeviceMigrationPanel(DeviceMigrationClient *client, QWidget *parent = nullptr);
    ~DeviceMigrationPanel() override;
    void setPollInterval(int msecs) { m_poll.setInterval(msecs); }
    const QList<PrecopySample> &samples() const { return m_samples; }
    const DeviceMigrationStatus &status() const { return m_status; }
    bool hasStatus() const { return m_hasStatus; }
    QString statusText() const;
    QString plannedPathText() const;
    QString messageText() const;
    QString progressText() const;
    // A walk, save, load or reset is out (the buttons are disabled until it and the refresh
    // after it are answered).
    bool isBusy() const { return m_busy; }
    bool isPolling() const { return m_polling; }
    int pollsSent() const { return m_pollsSent; }
    MigrationStateDiagram *diagram() const { return m_diagram; }
    // Device dirty tracking.
    QGroupBox *dirtyBox() const { return m_logBox; }
    QRadioButton *logMappedRadio() const { return m_logMapped; }
    QRadioButton *logRangeRadio() const { return m_logRange; }
    QLineEdit *logIovaEdit() const { return m_logIova; }
    QLineEdit *logSizeEdit() const { return m_logSize; }
    QComboBox *logPageSizeCombo() const { return m_logPage; }
    QPushButton *logStartButton() const { return m_logStart; }
    QPushButton *logReportButton() const { return m_logReport; }
    QPushButton *logStopButton() const { return m_logStop; }
    views::DirtyBitmapWidget *logBitmap() const { return m_logBitmap; }
    QString dirtyMessageText() const;
    bool dirtyMessageIsError() const { return m_logError; }
    QString dirtyNoteText() const;
    const QList<IovaSpan> &loggedRanges() const { return m_logRanges; }
    bool isLogBusy() const { return m_logBusy; }
    // The plain sentence for the helper's DMA logging refusals (ENOTTY, EOPNOTSUPP, EINVAL, ...).
    static QString explainLoggingError(const QString &helperError);
    // The dock's scroll area sizes the panel by its height for the width, which the layout answers
    // with the preferred height: a short dock would scroll even where the minimum fits. The minimum
    // must still count the wrapped labels at this width, or rows overlap (the move row used to sit
    // on the diagram's caption).
    int heightForWidth(int w) const override { return layout() ? layout()->totalMinimumHeightForWidth(w) : minimumSizeHint().height(); }

public Q_SLOTS:
    void refresh(); // status, then one sample
    // Each returns false when nothing was sent: busy, or refused here (the reason is shown; a move
    // the kernel would refuse, like STOP_COPY -> PRE_COPY, never reaches the helper).
    bool moveTo(const QString &target);
    bool saveTo(const QString &path);
    bool loadFrom(const QString &path);
    bool resetDevice();
    void pollOnce();
    // Each returns false when nothing was sent (busy, not supported, bad input: said in the box).
    bool startDirtyTracking();
    bool reportDirty();
    bool stopDirtyTracking();

Q_SIGNALS:
    void busyChanged(bool busy);
    // A walk/save/load/reset was answered and the status refreshed after it. operation: "move",
    // "save", "load", "reset".
    void finished(const QString &operation, bool ok, const QString &message);
    void refreshed();
    void sampled();
    // A DMA logging call was answered. operation: "log-start", "log-report", "log-stop".
    void dirtyFinished(const QString &operation, bool ok, const QString &message);

protected:
    void resizeEvent(QResizeEvent *event) override;

private:
    void planFor(const QString &target);
    void say(const QString &text, bool error);
    void setBusy(bool busy, const QString &what = {});
    void updateButtons();
    // Ends a user call: shows the outcome, refreshes, then frees the buttons and says finished().
    void conclude(const QString &operation, const QString &error, const QString &success);
    void addSample(const PrecopySample &s);
    QWidget *buildDirtyBox();
    void updateDirtyControls();
    void sayDirty(const QString &text, bool error);
    void concludeDirty(const QString &operation, const QString &error, const QString &success);
    void startLogging(const QList<IovaSpan> &ranges, quint64 pageSize);
    void reportFrom(int index, int dirty, int pages);

    QPointer<DeviceMigrationClient> m_client; // the window may drop it before the panel goes
    DeviceMigrationStatus m_status;
    bool m_hasStatus = false;
    bool m_busy = false;
    bool m_polling = false;
    bool m_refreshing = false;
    int m_pollsSent = 0;
    QBoxLayout *m_views;
    MigrationStateDiagram *m_diagram;
    QLabel *m_title;
    QComboBox *m_target;
    QPushButton *m_move;
    QPushButton *m_save;
    QPushButton *m_load;
    QPushButton *m_reset;
    QLabel *m_path;
    QProgressBar *m_progress;
    QLabel *m_progressText;
    QLabel *m_message;
    QChart *m_chart;
    QChartView *m_chartView;
    QLineSeries *m_initial;
    QLineSeries *m_dirty;
    QLineSeries *m_stopCopy;
    QValueAxis *m_x;
    QValueAxis *m_y;
    QTimer m_poll;
    QElapsedTimer m_clock;
    QList<PrecopySample> m_samples;

    QGroupBox *m_logBox = nullptr;
    QLabel *m_logNote = nullptr;
    QRadioButton *m_logMapped = nullptr;
    QRadioButton *m_logRange = nullptr;
    QLineEdit *m_logIova = nullptr;
    QLineEdit *m_logSize = nullptr;
    QComboBox *m_logPage = nullptr;
    QPushButton *m_logStart = nullptr;
    QPushButton *m_logReport = nullptr;
    QPushButton *m_logStop = nullptr;
    QLabel *m_logMessage = nullptr;
    views::DirtyBitmapWidget *m_logBitmap = nullptr;
    bool m_logBusy = false;
    bool m_logError = false;
    QList<IovaSpan> m_logRanges; // what this panel started logging over
    quint64 m_logPageSize = 0;
};

} // namespace devtopo::devmig
