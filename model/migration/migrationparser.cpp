#include "migrationparser.h"

#include <QJsonValue>

namespace devtopo::migration {

namespace {

// Integers in QMP are JSON numbers; QJsonValue keeps them as double, exact up to 2^53 (8 PiB).
bool readInt(const QJsonObject &o, QLatin1StringView key, qint64 *out, QString *error, const QString &where)
{
    const QJsonValue v = o.value(key);
    if (v.isUndefined())
        return true;
    if (!v.isDouble()) {
        *error = where % QStringLiteral(".") % key % QStringLiteral(" is not a number");
        return false;
    }
    const double d = v.toDouble();
    if (d < 0 || d > 9007199254740992.0) {
        *error = where % QStringLiteral(".") % key % QStringLiteral(" is out of range: ") % QString::number(d);
        return false;
    }
    *out = qint64(d);
    return true;
}

bool readDouble(const QJsonObject &o, QLatin1StringView key, double *out, QString *error, const QString &where)
{
    const QJsonValue v = o.value(key);
    if (v.isUndefined())
        return true;
    if (!v.isDouble()) {
        *error = where % QStringLiteral(".") % key % QStringLiteral(" is not a number");
        return false;
    }
    *out = v.toDouble();
    return true;
}

} // namespace

std::optional<MigrationSample> parseQueryMigrate(const QJsonObject &reply, qint64 timeMs, QString *error)
{
    MigrationSample s;
    s.timeMs = timeMs;
    const QString where = QStringLiteral("query-migrate");
    const QJsonValue status = reply.value(QLatin1StringView("status"));
    if (status.isUndefined()) {
        // QEMU answers {} before any migration ran.
        if (!reply.isEmpty()) {
            *error = QStringLiteral("query-migrate: no status in a reply that has other fields");
            return std::nullopt;
        }
        s.status = MigrationStatus::None;
        s.statusText = QStringLiteral("none");
    } else if (!status.isString()) {
        *error = QStringLiteral("query-migrate: status is not a string");
        return std::nullopt;
    } else {
        s.statusText = status.toString();
        s.status = migrationStatusFromString(s.statusText);
    }
    if (!readInt(reply, QLatin1StringView("total-time"), &s.totalTimeMs, error, where)
        || !readInt(reply, QLatin1StringView("expected-downtime"), &s.expectedDowntimeMs, error, where)
        || !readInt(reply, QLatin1StringView("downtime"), &s.downtimeMs, error, where)
        || !readInt(reply, QLatin1StringView("setup-time"), &s.setupTimeMs, error, where)
        || !readDouble(reply, QLatin1StringView("cpu-throttle-percentage"), &s.cpuThrottlePercentage, error, where))
        return std::nullopt;
    if (reply.contains(QLatin1StringView("error-desc")))
        s.errorDesc = reply.value(QLatin1StringView("error-desc")).toString();

    const QJsonValue ramValue = reply.value(QLatin1StringView("ram"));
    if (!ramValue.isUndefined()) {
        if (!ramValue.isObject()) {
            *error = QStringLiteral("query-migrate: ram is not an object");
            return std::nullopt;
        }
        const QJsonObject ram = ramValue.toObject();
        const QString w = QStringLiteral("query-migrate.ram");
        RamStats &r = s.ram;
        r.present = true;
        if (!readInt(ram, QLatin1StringView("total"), &r.total, error, w)
            || !readInt(ram, QLatin1StringView("remaining"), &r.remaining, error, w)
            || !readInt(ram, QLatin1StringView("transferred"), &r.transferred, error, w)
            || !readInt(ram, QLatin1StringView("duplicate"), &r.duplicate, error, w)
            || !readInt(ram, QLatin1StringView("normal"), &r.normal, error, w)
            || !readInt(ram, QLatin1StringView("normal-bytes"), &r.normalBytes, error, w)
            || !readInt(ram, QLatin1StringView("dirty-pages-rate"), &r.dirtyPagesRate, error, w)
            || !readInt(ram, QLatin1StringView("dirty-sync-count"), &r.dirtySyncCount, error, w)
            || !readInt(ram, QLatin1StringView("page-size"), &r.pageSize, error, w)
            || !readDouble(ram, QLatin1StringView("mbps"), &r.mbps, error, w)
            || !readInt(ram, QLatin1StringView("precopy-bytes"), &r.precopyBytes, error, w)
            || !readInt(ram, QLatin1StringView("downtime-bytes"), &r.downtimeBytes, error, w)
            || !readInt(ram, QLatin1StringView("postcopy-requests"), &r.postcopyRequests, error, w))
            return std::nullopt;
    }
    const QJsonValue vfioValue = reply.value(QLatin1StringView("vfio"));
    if (!vfioValue.isUndefined()) {
        if (!vfioValue.isObject()) {
            *error = QStringLiteral("query-migrate: vfio is not an object");
            return std::nullopt;
        }
        s.vfio.present = true;
        if (!readInt(vfioValue.toObject(), QLatin1StringView("transferred"), &s.vfio.transferred, error,
                     QStringLiteral("query-migrate.vfio")))
            return std::nullopt;
    }
    return s;
}

std::optional<MigrationParameters> parseMigrationParameters(const QJsonObject &reply, QString *error)
{
    MigrationParameters p;
    const QString w = QStringLiteral("query-migrate-parameters");
    if (!readInt(reply, QLatin1StringView("max-bandwidth"), &p.maxBandwidth, error, w)
        || !readInt(reply, QLatin1StringView("downtime-limit"), &p.downtimeLimitMs, error, w)
        || !readInt(reply, QLatin1StringView("avail-switchover-bandwidth"), &p.avoidSwitchoverBandwidth, error, w)
        || !readInt(reply, QLatin1StringView("cpu-throttle-initial"), &p.cpuThrottleInitial, error, w)
        || !readInt(reply, QLatin1StringView("cpu-throttle-increment"), &p.cpuThrottleIncrement, error, w)
        || !readInt(reply, QLatin1StringView("max-cpu-throttle"), &p.maxCpuThrottle, error, w))
        return std::nullopt;
    if (p.maxBandwidth < 0 && p.downtimeLimitMs < 0) {
        *error = QStringLiteral("query-migrate-parameters: neither max-bandwidth nor downtime-limit in the reply");
        return std::nullopt;
    }
    return p;
}

std::optional<DirtyRateResult> parseDirtyRate(const QJsonObject &reply, qint64 timeMs, QString *error)
{
    DirtyRateResult r;
    r.timeMs = timeMs;
    const QJsonValue status = reply.value(QLatin1StringView("status"));
    if (!status.isString()) {
        *error = QStringLiteral("query-dirty-rate: no status");
        return std::nullopt;
    }
    r.status = status.toString();
    r.mode = reply.value(QLatin1StringView("mode")).toString();
    const QString w = QStringLiteral("query-dirty-rate");
    if (!readInt(reply, QLatin1StringView("dirty-rate"), &r.dirtyRateMiBps, error, w)
        || !readInt(reply, QLatin1StringView("start-time"), &r.startTime, error, w)
        || !readInt(reply, QLatin1StringView("calc-time"), &r.calcTimeSeconds, error, w)
        || !readInt(reply, QLatin1StringView("sample-pages"), &r.samplePages, error, w))
        return std::nullopt;
    return r;
}

std::optional<MigrationEvent> parseMigrationEvent(const QString &name, const QJsonObject &data, qint64 timeMs)
{
    MigrationEvent e;
    e.timeMs = timeMs;
    e.name = name;
    if (name == QLatin1String("MIGRATION")) {
        e.kind = MigrationEvent::Kind::Status;
        e.value = data.value(QLatin1StringView("status")).toString();
    } else if (name == QLatin1String("MIGRATION_PASS")) {
        e.kind = MigrationEvent::Kind::Pass;
        e.value = QString::number(data.value(QLatin1StringView("pass")).toInteger());
    } else if (name == QLatin1String("VFIO_MIGRATION")) {
        e.kind = MigrationEvent::Kind::VfioState;
        e.value = data.value(QLatin1StringView("device-state")).toString();
        e.device = data.value(QLatin1StringView("device-id")).toString();
        if (e.device.isEmpty())
            e.device = data.value(QLatin1StringView("qom-path")).toString();
    } else if (name == QLatin1String("STOP")) {
        e.kind = MigrationEvent::Kind::Stop;
    } else if (name == QLatin1String("RESUME")) {
        e.kind = MigrationEvent::Kind::Resume;
    } else {
        return std::nullopt;
    }
    return e;
}

} // namespace devtopo::migration
