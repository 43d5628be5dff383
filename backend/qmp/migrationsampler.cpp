#include "migrationsampler.h"

#include "migrationparser.h"
#include "qmplogging.h"

#include <QJsonArray>

using namespace devtopo::migration;

namespace devtopo::qmp {

MigrationSampler::MigrationSampler(QmpClient *client, QObject *parent)
    : QObject(parent)
    , m_client(client)
{
    m_timer.setInterval(100);
    connect(&m_timer, &QTimer::timeout, this, &MigrationSampler::poll);
    connect(client, &QmpClient::event, this, &MigrationSampler::onEvent);
    connect(client, &QmpClient::disconnected, this, &MigrationSampler::onDisconnected);
    connect(client, &QmpClient::failed, this, &MigrationSampler::onDisconnected);
}

qint64 MigrationSampler::now() const
{
    return m_client->elapsedMs() - m_t0;
}

void MigrationSampler::start()
{
    m_recording.clear();
    m_raw.clear();
    m_armed = false;
    m_anyRecorded = false;
    m_finishedSent = false;
    m_inFlight = false;
    m_t0 = m_client->elapsedMs();
    Q_EMIT recordingReset();
    // Without the events capability QEMU sends no MIGRATION/MIGRATION_PASS events. Refused (harmlessly)
    // while a migration runs.
    m_client->execute(QStringLiteral("migrate-set-capabilities"),
                      {{QStringLiteral("capabilities"),
                        QJsonArray{QJsonObject{{QStringLiteral("capability"), QStringLiteral("events")},
                                               {QStringLiteral("state"), true}}}}},
                      this, [](const QmpReply &r) {
                          if (!r.ok)
                              qCDebug(lcQmp).noquote() << "events capability not set:" << r.errorText();
                      });
    refreshParameters();
    m_client->execute(QStringLiteral("query-name"), {}, this, [this](const QmpReply &r) {
        if (r.ok)
            m_recording.setVmName(r.object().value(QLatin1StringView("name")).toString());
    });
    m_timer.start();
    poll();
}

void MigrationSampler::stop()
{
    m_timer.stop();
}

void MigrationSampler::refreshParameters()
{
    m_client->execute(QStringLiteral("query-migrate-parameters"), {}, this, [this](const QmpReply &r) {
        if (!r.ok)
            return;
        QString error;
        if (auto p = parseMigrationParameters(r.object(), &error)) {
            m_recording.setParameters(*p);
            Q_EMIT parametersChanged(*p);
        } else {
            qCWarning(lcQmp).noquote() << error;
        }
    });
}

void MigrationSampler::measureDirtyRate(int seconds)
{
    m_client->execute(QStringLiteral("calc-dirty-rate"),
                      {{QStringLiteral("calc-time"), seconds}, {QStringLiteral("mode"), QStringLiteral("page-sampling")}},
                      this, [this, seconds](const QmpReply &r) {
                          if (!r.ok) {
                              Q_EMIT failed(r.errorText());
                              return;
                          }
                          DirtyRateResult measuring;
                          measuring.timeMs = now();
                          measuring.status = QStringLiteral("measuring");
                          Q_EMIT dirtyRateChanged(measuring);
                          QTimer::singleShot(seconds * 1000 + 200, this, [this] { pollDirtyRate(20); });
                      });
}

void MigrationSampler::pollDirtyRate(int attemptsLeft)
{
    m_client->execute(QStringLiteral("query-dirty-rate"), {}, this, [this, attemptsLeft](const QmpReply &r) {
        if (!r.ok) {
            Q_EMIT failed(r.errorText());
            return;
        }
        QString error;
        auto result = parseDirtyRate(r.object(), now(), &error);
        if (!result) {
            Q_EMIT failed(error);
            return;
        }
        if (!result->measured()) {
            if (attemptsLeft > 0)
                QTimer::singleShot(250, this, [this, attemptsLeft] { pollDirtyRate(attemptsLeft - 1); });
            else
                Q_EMIT failed(QStringLiteral("calc-dirty-rate did not finish (status %1)").arg(result->status));
            return;
        }
        m_recording.addDirtyRate(*result);
        Q_EMIT dirtyRateChanged(*result);
        Q_EMIT verdictChanged(m_recording.verdict());
    });
}

void MigrationSampler::poll()
{
    if (m_inFlight || !m_client->isReady())
        return;
    m_inFlight = true;
    m_client->execute(QStringLiteral("query-migrate"), {}, this, [this](const QmpReply &r) {
        m_inFlight = false;
        onReply(r);
    });
}

void MigrationSampler::onReply(const QmpReply &reply)
{
    if (!reply.ok) {
        if (reply.errorClass != QLatin1String("Disconnected"))
            Q_EMIT failed(reply.errorText());
        return;
    }
    const QJsonObject obj = reply.object();
    QString error;
    auto sample = parseQueryMigrate(obj, now(), &error);
    if (!sample) {
        m_timer.stop();
        Q_EMIT failed(error);
        return;
    }
    const bool running = isRunningStatus(sample->status);
    if (running && !m_armed) {
        // A migration began: a recording of its own (an earlier ended one is not mixed in).
        if (m_anyRecorded) {
            const auto events = m_recording.events();
            const auto params = m_recording.parameters();
            const QString name = m_recording.vmName();
            m_recording.clear();
            m_recording.setParameters(params);
            m_recording.setVmName(name);
            m_raw.clear();
            Q_EMIT recordingReset();
            // Events of this migration that came before its first sample.
            for (const MigrationEvent &e : events)
                if (e.kind == MigrationEvent::Kind::Status && e.value == QLatin1String("setup"))
                    m_recording.addEvent(e);
        }
        m_armed = true;
        m_finishedSent = false;
    }
    // Idle or ended polls are recorded once, not 10 times a second for as long as nothing happens.
    if (!running && !m_armed && m_anyRecorded)
        return;
    m_recording.addSample(*sample);
    if (m_keepRaw)
        m_raw.append(obj);
    m_anyRecorded = true;
    Q_EMIT sampleAdded(int(m_recording.samples().size()) - 1);
    const Verdict &v = m_recording.verdict();
    if (v.kind != m_lastVerdict || v.text != m_lastVerdictText) {
        m_lastVerdict = v.kind;
        m_lastVerdictText = v.text;
        Q_EMIT verdictChanged(v);
    }
    if (isFinalStatus(sample->status) && !m_finishedSent) {
        m_armed = false;
        m_finishedSent = true;
        Q_EMIT finished(v);
    }
}

void MigrationSampler::onEvent(const QString &name, const QJsonObject &data, qint64 timeMs)
{
    auto e = parseMigrationEvent(name, data, timeMs - m_t0);
    if (!e)
        return;
    m_recording.addEvent(*e);
    Q_EMIT eventAdded(*e);
    if (e->kind == MigrationEvent::Kind::Status) {
        // A status change is worth a sample at once (the final figures, the first active ones).
        poll();
        const Verdict &v = m_recording.verdict();
        if (v.kind != m_lastVerdict) {
            m_lastVerdict = v.kind;
            m_lastVerdictText = v.text;
            Q_EMIT verdictChanged(v);
        }
    }
}

void MigrationSampler::onDisconnected(const QString &reason)
{
    const bool wasRunning = m_armed;
    m_timer.stop();
    m_inFlight = false;
    if (wasRunning) {
        const MigrationStatus status = m_recording.currentStatus();
        Q_EMIT failed(QStringLiteral("QEMU went away mid-migration (last status %1 at %2 s, %3 samples kept): %4")
                          .arg(migrationStatusName(status), QString::number(double(now()) / 1000.0, 'f', 1),
                               QString::number(m_recording.samples().size()), reason));
    } else {
        Q_EMIT failed(reason);
    }
}

} // namespace devtopo::qmp
