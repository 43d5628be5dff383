#pragma once

// One VFIO device's migration: its state diagram, "move to" any state (showing the path the
// helper will walk, step by step with progress), a live chart of pre-copy initial/dirty bytes and
// the stop-copy size (polled), and save/load of the device state to a file. Everything goes
// through a DeviceMigrationClient.

#include "devicemigrationclient.h"
#include "migrationstate.h"

#include <QElapsedTimer>
#include <QList>
#include <QPointF>
#include <QTimer>
#include <QWidget>

class QComboBox;
class QLabel;
class QLineSeries;
class QChart;
class QChartView;
class QPushButton;
class QValueAxis;

namespace devtopo::devmig {

class MigrationStateDiagram;

class DeviceMigrationPanel : public QWidget
{
    Q_OBJECT
public:
    explicit DeviceMigrationPanel(DeviceMigrationClient *client, QWidget *parent = nullptr);
    void setPollInterval(int msecs) { m_poll.setInterval(msecs); }
    const QList<PrecopySample> &samples() const { return m_samples; }
    QString statusText() const;
    QString plannedPathText() const;
    MigrationStateDiagram *diagram() const { return m_diagram; }

public Q_SLOTS:
    void refresh(); // status + one sample
    bool moveTo(const QString &target);
    bool saveTo(const QString &path);
    bool loadFrom(const QString &path);
    void pollOnce();

private:
    void planFor(const QString &target);
    void say(const QString &text, bool error);

    DeviceMigrationClient *m_client;
    DeviceMigrationStatus m_status;
    MigrationStateDiagram *m_diagram;
    QLabel *m_title;
    QComboBox *m_target;
    QPushButton *m_move;
    QLabel *m_path;
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
};

} // namespace devtopo::devmig
