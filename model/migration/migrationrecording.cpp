#include "migrationrecording.h"

namespace devtopo::migration {

void MigrationRecording::clear()
{
    *this = MigrationRecording();
}

void MigrationRecording::addSample(const MigrationSample &sample)
{
    m_samples.append(sample);
    const int index = int(m_samples.size()) - 1;
    // A pass is what one dirty-sync-count value covers (QEMU syncs the dirty bitmap once per pass).
    if (sample.ram.present && sample.ram.dirtySyncCount > 0
        && (sample.status == MigrationStatus::Active || sample.status == MigrationStatus::Device
            || sample.status == MigrationStatus::PreSwitchover)) {
        if (m_passes.isEmpty() || m_passes.last().syncCount != sample.ram.dirtySyncCount) {
            PassInfo p;
            p.syncCount = sample.ram.dirtySyncCount;
            p.startMs = sample.timeMs;
            p.firstSample = index;
            p.remainingAtStart = sample.ram.remaining;
            m_passes.append(p);
        }
        PassInfo &p = m_passes.last();
        p.lastSample = index;
        // remaining jumps up at a pass end and falls through the pass: the pass's work is its peak.
        p.remainingAtStart = std::max(p.remainingAtStart, sample.ram.remaining);
        if (sample.expectedDowntimeMs >= 0)
            p.expectedDowntimeMs = sample.expectedDowntimeMs;
        if (sample.ram.dirtyPagesRate >= 0)
            p.dirtyPagesRate = sample.ram.dirtyPagesRate;
    }
    updateVerdict();
    m_sampleVerdicts.append(m_verdict.kind);
}

void MigrationRecording::addEvent(const MigrationEvent &event)
{
    m_events.append(event);
    if (event.kind == MigrationEvent::Kind::Status) {
        m_eventStatus = migrationStatusFromString(event.value);
        m_eventStatusMs = event.timeMs;
    } else if (event.kind == MigrationEvent::Kind::VfioState && !event.device.isEmpty()) {
        m_vfioStates.insert(event.device, event.value);
    }
    updateVerdict();
}

void MigrationRecording::addDirtyRate(const DirtyRateResult &result)
{
    m_dirtyRates.append(result);
    updateVerdict();
}

MigrationStatus MigrationRecording::currentStatus() const
{
    if (m_samples.isEmpty())
        return m_eventStatus;
    const MigrationSample &last = m_samples.last();
    // A final status from a sample is never overridden by an older event.
    if (m_eventStatusMs > last.timeMs || (m_eventStatusMs == last.timeMs && !isFinalStatus(last.status)))
        return m_eventStatus;
    return last.status;
}

double MigrationRecording::measuredDirtyBytesPerSecond() const
{
    for (auto it = m_dirtyRates.crbegin(); it != m_dirtyRates.crend(); ++it)
        if (it->measured())
            return double(it->dirtyRateMiBps) * 1024.0 * 1024.0;
    return -1;
}

void MigrationRecording::updateVerdict()
{
    m_verdict = computeVerdict(*this);
}

} // namespace devtopo::migration
