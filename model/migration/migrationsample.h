#pragma once

// What QEMU says about a live migration, as plain values. Field names follow QMP's MigrationInfo;
// -1 means "QEMU did not say" (query-migrate leaves out what does not apply: setup and cancelled
// replies hold only the status, expected-downtime is there only while active).

#include <QList>
#include <QString>

namespace devtopo::migration {

enum class MigrationStatus {
    None, Setup, Cancelling, Cancelled, Active, PostcopyActive, PostcopyPaused, PostcopyRecover,
    Completed, Failed, Colo, PreSwitchover, Device, WaitUnplug, Unknown,
};

MigrationStatus migrationStatusFromString(const QString &text);
QString migrationStatusName(MigrationStatus status);
// completed, failed, cancelled: nothing more will happen in this migration.
bool isFinalStatus(MigrationStatus status);
// setup, active, device, cancelling, ...: a migration is under way.
bool isRunningStatus(MigrationStatus status);

struct RamStats {
    bool present = false;
    qint64 total = -1;
    qint64 remaining = -1;
    qint64 transferred = -1;
    qint64 duplicate = -1;
    qint64 normal = -1;
    qint64 normalBytes = -1;
    qint64 dirtyPagesRate = -1; // pages per second, as of the last pass end
    qint64 dirtySyncCount = -1; // 1 through the first pass, +1 per pass
    qint64 pageSize = -1;
    double mbps = -1;           // megabits per second
    qint64 precopyBytes = -1;
    qint64 downtimeBytes = -1;
    qint64 postcopyRequests = -1;
    friend bool operator==(const RamStats &, const RamStats &) = default;
};

struct VfioStats {
    bool present = false;
    qint64 transferred = -1;
    friend bool operator==(const VfioStats &, const VfioStats &) = default;
};

struct MigrationSample {
    qint64 timeMs = 0; // since the recording started
    MigrationStatus status = MigrationStatus::None;
    QString statusText;
    qint64 totalTimeMs = -1;
    qint64 expectedDowntimeMs = -1;
    qint64 downtimeMs = -1;
    qint64 setupTimeMs = -1;
    double cpuThrottlePercentage = -1;
    QString errorDesc;
    RamStats ram;
    VfioStats vfio;

    // Bytes per second that memory is dirtied at, from dirty-pages-rate × page-size; -1 when unknown.
    double dirtyBytesPerSecond() const;
    // Bytes per second the link moves, from mbps; -1 when unknown.
    double throughputBytesPerSecond() const;
    friend bool operator==(const MigrationSample &, const MigrationSample &) = default;
};

// calc-dirty-rate / query-dirty-rate (page-sampling works under TCG; dirty-bitmap reads 0 there).
struct DirtyRateResult {
    qint64 timeMs = 0;
    QString status; // unstarted, measuring, measured
    qint64 dirtyRateMiBps = -1;
    qint64 startTime = -1;
    qint64 calcTimeSeconds = -1;
    qint64 samplePages = -1;
    QString mode;
    bool measured() const { return status == QLatin1String("measured") && dirtyRateMiBps >= 0; }
};

struct MigrationParameters {
    qint64 maxBandwidth = -1;  // bytes per second
    qint64 downtimeLimitMs = -1;
    qint64 avoidSwitchoverBandwidth = -1;
    qint64 cpuThrottleInitial = -1;
    qint64 cpuThrottleIncrement = -1;
    qint64 maxCpuThrottle = -1;
};

// Events are what query-migrate cannot show: device and cancelling last milliseconds.
struct MigrationEvent {
    enum class Kind { Status, Pass, VfioState, Stop, Resume, Other };
    qint64 timeMs = 0;
    Kind kind = Kind::Other;
    QString name;   // the QMP event name
    QString value;  // status, pass number, device state
    QString device; // VFIO_MIGRATION's device-id
};

struct VfioDevice {
    QString id;       // qdev id (device-id of VFIO_MIGRATION), or the QOM path's last part
    QString qomPath;
    QString host;     // host PCI address
    QString guestAddress;
    QString state;    // the last VFIO_MIGRATION device-state, empty until one came
};

} // namespace devtopo::migration
