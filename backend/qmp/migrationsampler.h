#pragma once

// Polls query-migrate (10 Hz by default) and merges QMP's migration events into a MigrationRecording:
// status changes (device and cancelling last milliseconds and show up only as events), MIGRATION_PASS,
// VFIO_MIGRATION device states, STOP/RESUME. One poll in flight at a time; samples are stamped with
// the client's clock when the reply arrives. A new migration (setup after an ended one) starts a
// fresh recording. If QEMU goes away, what was recorded stays and failed() says so.

#include "migrationrecording.h"
#include "qmpclient.h"

#include <QJsonObject>
#include <QObject>
#include <QTimer>

namespace devtopo::qmp {

class MigrationSampler : public QObject
{
    Q_OBJECT
public:
    explicit MigrationSampler(QmpClient *client, QObject *parent = nullptr);

    void setInterval(int ms) { m_timer.setInterval(ms); }
    int interval() const { return m_timer.interval(); }
    // Begins polling (the client must be ready). Enables the "events" migration capability first
    // when no migration is running (QEMU refuses to change capabilities during one).
    void start();
    void stop();
    bool isSampling() const { return m_timer.isActive(); }

    // Asks query-migrate-parameters again (after a change).
    void refreshParameters();
    // calc-dirty-rate in page-sampling mode (works under TCG), then query-dirty-rate until measured.
    void measureDirtyRate(int seconds = 1);

    const migration::MigrationRecording &recording() const { return m_recording; }
    // The first reply that began the current recording, and the raw replies in order (the tests
    // compare charts and recording with exactly what QEMU said).
    const QList<QJsonObject> &rawReplies() const { return m_raw; }
    void setKeepRawReplies(bool keep) { m_keepRaw = keep; }

Q_SIGNALS:
    void recordingReset();
    void sampleAdded(int index);
    void eventAdded(const devtopo::migration::MigrationEvent &event);
    void parametersChanged(const devtopo::migration::MigrationParameters &parameters);
    void dirtyRateChanged(const devtopo::migration::DirtyRateResult &result);
    void verdictChanged(const devtopo::migration::Verdict &verdict);
    // The migration reached completed, failed or cancelled.
    void finished(const devtopo::migration::Verdict &verdict);
    void failed(const QString &error);

private:
    void poll();
    void onReply(const QmpReply &reply);
    void onEvent(const QString &name, const QJsonObject &data, qint64 timeMs);
    void onDisconnected(const QString &reason);
    void pollDirtyRate(int attemptsLeft);
    qint64 now() const;

    QmpClient *m_client;
    QTimer m_timer;
    migration::MigrationRecording m_recording;
    QList<QJsonObject> m_raw;
    bool m_keepRaw = true;
    bool m_inFlight = false;
    bool m_armed = false;     // recording a migration that has not ended
    bool m_anyRecorded = false;
    bool m_finishedSent = false;
    qint64 m_t0 = 0;
    migration::VerdictKind m_lastVerdict = migration::VerdictKind::Idle;
    QString m_lastVerdictText;
};

} // namespace devtopo::qmp
