#pragma once

// The VM live-migration panel, self-contained: pick or type a QMP socket (or start the simulated VM),
// see the VM, its VFIO devices and migration status, start a migration to a URI, cancel it, set
// max-bandwidth and downtime-limit, measure the dirty rate, watch four live charts and the verdict in
// words, export CSV and PNG. Everything is asynchronous on the event loop: the UI never waits on QEMU.
//
// Wiring into a window: add it as a tab/dock; call connectTo(path) for a real VM, or startDemo(name)
// ("converging", "non-converging") for the simulated one.

#include "migrationrecording.h"
#include "migrationchartdata.h"
#include "vminfo.h"

#include <QPointer>
#include <QTimer>
#include <QWidget>

#include <memory>

class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QSpinBox;
class QTableView;
class QTemporaryDir;
class QToolButton;
class QXYSeries;

namespace devtopo::qmp {
class QmpClient;
class MigrationSampler;
class QmpDiscovery;
}
namespace devtopo::simvm {
class SimVm;
}

namespace devtopo::migration {

class MigrationCharts;
class MigrationSampleModel;

class MigrationPanel : public QWidget
{
    Q_OBJECT
public:
    explicit MigrationPanel(QWidget *parent = nullptr);
    ~MigrationPanel() override;

    void connectTo(const QString &socketPath);
    void disconnectFromVm();
    // Runs the simulated VM of that scenario in this process, connects and starts its migration.
    bool startDemo(const QString &scenario, double timeScale = 1.0, QString *error = nullptr);
    void findSockets();

    void startMigration(const QString &uri);
    void cancelMigration();
    void setMaxBandwidth(qint64 bytesPerSecond);
    void setDowntimeLimit(qint64 ms);
    void measureDirtyRate();
    bool exportCsv(const QString &path, QString *error) const;
    bool exportPng(const QString &path, QString *error);

    void setSampleInterval(int ms);
    // Charts redraw at most this often (default 200 ms); samples come faster.
    void setRedrawInterval(int ms) { m_redrawTimer.setInterval(ms); }
    void refreshNow();

    bool isConnected() const;
    const MigrationRecording &recording() const;
    const qmp::VmInfo &vmInfo() const { return m_vmInfo; }
    QXYSeries *series(ChartSeries s) const;
    const MigrationChartData &chartData() const;
    QString verdictText() const;
    QString errorText() const;
    MigrationSampleModel *sampleModel() const { return m_model; }
    // The query-migrate replies as QEMU sent them, one per sample of the current recording.
    const QList<QJsonObject> &rawReplies() const;
    simvm::SimVm *demoVm() const { return m_demoVm.get(); }

Q_SIGNALS:
    void connectedChanged(bool connected);
    void vmInfoChanged();
    void verdictChanged(const QString &text);
    void errorOccurred(const QString &error);
    void migrationFinished(const QString &verdict);
    void socketsFound(int reachable);

private:
    void buildUi();
    void onReady();
    void showError(const QString &error);
    void updateVmLabel();
    void updateVerdict();
    void updateButtons();
    void scheduleRedraw();

    qmp::QmpClient *m_client = nullptr;
    qmp::MigrationSampler *m_sampler = nullptr;
    qmp::QmpDiscovery *m_discovery = nullptr;
    std::unique_ptr<simvm::SimVm> m_demoVm;
    std::unique_ptr<QTemporaryDir> m_demoDir;
    QString m_pendingDemoUri;
    qmp::VmInfo m_vmInfo;
    MigrationSampleModel *m_model = nullptr;

    QComboBox *m_socket = nullptr;
    QPushButton *m_find = nullptr;
    QPushButton *m_connect = nullptr;
    QToolButton *m_demo = nullptr;
    QLabel *m_vmLabel = nullptr;
    QLineEdit *m_uri = nullptr;
    QPushButton *m_start = nullptr;
    QPushButton *m_cancel = nullptr;
    QSpinBox *m_bandwidth = nullptr;
    QPushButton *m_setBandwidth = nullptr;
    QSpinBox *m_downtime = nullptr;
    QPushButton *m_setDowntime = nullptr;
    QPushButton *m_measure = nullptr;
    QPushButton *m_exportCsv = nullptr;
    QPushButton *m_exportPng = nullptr;
    QLabel *m_verdict = nullptr;
    QLabel *m_error = nullptr;
    MigrationCharts *m_charts = nullptr;
    QTableView *m_table = nullptr;
    QTimer m_redrawTimer;
    bool m_redrawPending = false;
};

} // namespace devtopo::migration
