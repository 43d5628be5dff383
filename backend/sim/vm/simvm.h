#pragma once

// A simulated QEMU for the demo host and the tests: real QMP (greeting, qmp_capabilities, ids, errors
// with class and desc, events with timestamps) on a QLocalServer socket, one client at a time as QEMU
// (a second one waits, ungreeted, until the first leaves), and a pre-copy memory model:
//   pass 1 sends all of RAM; meanwhile the guest dirties its working set at the scenario's rate; each
//   pass end (a "sync") makes what was dirtied the next pass's work, so remaining shrinks by about
//   dirty-rate / bandwidth per pass; once a pass's work fits bandwidth × downtime-limit the VM stops
//   (STOP, status device, VFIO devices to stop-copy) and the migration completes (source postmigrate).
// With dirty rate above bandwidth the working set never shrinks: it runs until migrate_cancel
// (cancelling → cancelled, the VM runs on). max-bandwidth and downtime-limit act at once, as in QEMU.
// Time can be scaled (setTimeScale(20): 20 simulated seconds per real second).

#include "simvmscenario.h"

#include <QElapsedTimer>
#include <QJsonObject>
#include <QList>
#include <QObject>
#include <QTimer>

class QLocalServer;
class QLocalSocket;

namespace devtopo::simvm {

class SimVm : public QObject
{
    Q_OBJECT
public:
    explicit SimVm(const SimVmScenario &scenario, QObject *parent = nullptr);
    ~SimVm() override;

    bool listen(const QString &socketPath, QString *error);
    QString socketPath() const { return m_path; }
    void setTimeScale(double scale) { m_timeScale = scale; }
    const SimVmScenario &scenario() const { return m_scenario; }

    QString runState() const { return m_runState; }
    QString migrationStatus() const { return m_status; }
    qint64 passCount() const { return m_syncCount; }
    // QEMU dies: every connection closes and the socket goes away.
    void crash();

Q_SIGNALS:
    void statusChanged(const QString &status);

private:
    struct Client;
    void onNewConnection();
    void greetNext();
    void onReadyRead(QLocalSocket *socket);
    void dropClient(QLocalSocket *socket);
    void handle(Client &client, const QJsonObject &msg);
    QJsonObject dispatch(const QString &command, const QJsonObject &args, Client &client);
    void sendEvent(const QString &name, const QJsonObject &data = {}, bool needsEventsCapability = false);
    void write(QLocalSocket *socket, const QJsonObject &msg);

    void tick();
    void advance(double dtMs);
    void setStatus(const QString &status);
    void sync();
    void switchOver();
    void setVfioState(const QString &state);
    double bandwidth() const;
    double dirtyRateNow() const;
    QJsonObject queryMigrate() const;

    SimVmScenario m_scenario;
    QLocalServer *m_server = nullptr;
    QList<Client *> m_clients; // front is the one served
    QString m_path;
    double m_timeScale = 1.0;
    QTimer m_timer;
    QElapsedTimer m_wall;
    qint64 m_lastWallMs = 0;
    double m_simMs = 0;

    QString m_runState = QStringLiteral("running");
    QString m_status = QStringLiteral("none");
    bool m_eventsCapability = false;
    qint64 m_maxBandwidth = 0;
    qint64 m_downtimeLimitMs = 300;
    // migration
    double m_startMs = 0, m_setupEndMs = 0, m_passStartMs = 0, m_phaseEndMs = 0;
    double m_remaining = 0, m_dirtied = 0, m_transferred = 0, m_vfioTransferred = 0;
    double m_dirtyPagesRate = 0;
    qint64 m_syncCount = 0;
    qint64 m_expectedDowntimeMs = 0, m_downtimeMs = -1, m_setupTimeMs = -1, m_totalTimeMs = -1;
    QString m_vfioState = QStringLiteral("running");
    // calc-dirty-rate
    QString m_dirtyRateStatus = QStringLiteral("unstarted");
    double m_dirtyRateEndsMs = 0;
    qint64 m_dirtyRateStart = 0, m_dirtyRateCalcTime = 0, m_dirtyRateMiB = 0;
    QString m_dirtyRateMode = QStringLiteral("page-sampling");
};

} // namespace devtopo::simvm
