#pragma once

// Everything one watch of a migration saw: every sample (never thinned: charts decimate their own
// copy), the events, dirty-rate measurements, parameters, the passes and the verdict per sample.

#include "migrationsample.h"
#include "migrationverdict.h"

#include <QList>
#include <QMap>

namespace devtopo::migration {

struct PassInfo {
    qint64 syncCount = 0;      // ram.dirty-sync-count during this pass
    qint64 startMs = 0;        // time of the first sample that showed it
    int firstSample = 0;
    int lastSample = 0;
    qint64 remainingAtStart = -1; // what this pass had to send (pass 1: all of RAM)
    qint64 expectedDowntimeMs = -1; // the latest expected-downtime seen in this pass
    qint64 dirtyPagesRate = -1;
};

class MigrationRecording
{
public:
    MigrationRecording() { updateVerdict(); }
    void clear();
    void setVmName(const QString &name) { m_vmName = name; }
    QString vmName() const { return m_vmName; }
    void setParameters(const MigrationParameters &p) { m_parameters = p; }
    const MigrationParameters &parameters() const { return m_parameters; }

    // Appends a sample, updates the passes and the verdict.
    void addSample(const MigrationSample &sample);
    void addEvent(const MigrationEvent &event);
    void addDirtyRate(const DirtyRateResult &result);

    const QList<MigrationSample> &samples() const { return m_samples; }
    const QList<VerdictKind> &sampleVerdicts() const { return m_sampleVerdicts; }
    const QList<MigrationEvent> &events() const { return m_events; }
    const QList<DirtyRateResult> &dirtyRates() const { return m_dirtyRates; }
    const QList<PassInfo> &passes() const { return m_passes; }
    // VFIO device id -> its latest state (from VFIO_MIGRATION events).
    const QMap<QString, QString> &vfioStates() const { return m_vfioStates; }

    // The newest status from samples and events together (events carry device and cancelling).
    MigrationStatus currentStatus() const;
    const Verdict &verdict() const { return m_verdict; }
    // The latest measured calc-dirty-rate in bytes per second, -1 when none.
    double measuredDirtyBytesPerSecond() const;

private:
    void updateVerdict();

    QString m_vmName;
    MigrationParameters m_parameters;
    QList<MigrationSample> m_samples;
    QList<VerdictKind> m_sampleVerdicts;
    QList<MigrationEvent> m_events;
    QList<DirtyRateResult> m_dirtyRates;
    QList<PassInfo> m_passes;
    QMap<QString, QString> m_vfioStates;
    MigrationStatus m_eventStatus = MigrationStatus::None;
    qint64 m_eventStatusMs = -1;
    Verdict m_verdict;
};

} // namespace devtopo::migration
