#include "migrationsample.h"

#include <array>
#include <utility>

namespace devtopo::migration {

namespace {

// QAPI's MigrationStatus spellings.
constexpr std::array<std::pair<MigrationStatus, const char *>, 15> Names{{
    {MigrationStatus::None, "none"},
    {MigrationStatus::Setup, "setup"},
    {MigrationStatus::Cancelling, "cancelling"},
    {MigrationStatus::Cancelled, "cancelled"},
    {MigrationStatus::Active, "active"},
    {MigrationStatus::PostcopyActive, "postcopy-active"},
    {MigrationStatus::PostcopyPaused, "postcopy-paused"},
    {MigrationStatus::PostcopyRecover, "postcopy-recover"},
    {MigrationStatus::Completed, "completed"},
    {MigrationStatus::Failed, "failed"},
    {MigrationStatus::Colo, "colo"},
    {MigrationStatus::PreSwitchover, "pre-switchover"},
    {MigrationStatus::Device, "device"},
    {MigrationStatus::WaitUnplug, "wait-unplug"},
    {MigrationStatus::Unknown, "unknown"},
}};

} // namespace

MigrationStatus migrationStatusFromString(const QString &text)
{
    for (const auto &[status, name] : Names)
        if (text == QLatin1String(name))
            return status;
    return MigrationStatus::Unknown;
}

QString migrationStatusName(MigrationStatus status)
{
    for (const auto &[s, name] : Names)
        if (s == status)
            return QLatin1String(name);
    return QStringLiteral("unknown");
}

bool isFinalStatus(MigrationStatus status)
{
    return status == MigrationStatus::Completed || status == MigrationStatus::Failed
        || status == MigrationStatus::Cancelled;
}

bool isRunningStatus(MigrationStatus status)
{
    return status != MigrationStatus::None && !isFinalStatus(status) && status != MigrationStatus::Unknown;
}

double MigrationSample::dirtyBytesPerSecond() const
{
    if (ram.dirtyPagesRate < 0)
        return -1;
    return double(ram.dirtyPagesRate) * double(ram.pageSize > 0 ? ram.pageSize : 4096);
}

double MigrationSample::throughputBytesPerSecond() const
{
    return ram.mbps < 0 ? -1 : ram.mbps * 1e6 / 8.0;
}

} // namespace devtopo::migration
