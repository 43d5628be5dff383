#include "simvmscenario.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace devtopo::simvm {

namespace {

constexpr double MiB = 1024.0 * 1024.0;

bool number(const QJsonObject &o, const char *key, double min, double *out, QString *error, bool required = true)
{
    const QJsonValue v = o.value(QLatin1StringView(key));
    if (v.isUndefined() && !required)
        return true;
    if (!v.isDouble() || v.toDouble() < min) {
        *error = QStringLiteral("scenario: \"%1\" must be a number of at least %2").arg(QLatin1StringView(key)).arg(min);
        return false;
    }
    *out = v.toDouble();
    return true;
}

int hex(const QJsonValue &v)
{
    bool ok = false;
    const int n = v.toString().toInt(&ok, 0);
    return ok ? n : 0;
}

} // namespace

QStringList SimVmScenario::builtinNames()
{
    return {QStringLiteral("converging"), QStringLiteral("non-converging")};
}

std::optional<SimVmScenario> SimVmScenario::fromJson(const QByteArray &json, QString *error)
{
    QJsonParseError pe;
    const QJsonDocument doc = QJsonDocument::fromJson(json, &pe);
    if (pe.error != QJsonParseError::NoError || !doc.isObject()) {
        *error = QStringLiteral("scenario: not a JSON object (%1)").arg(pe.errorString());
        return std::nullopt;
    }
    const QJsonObject o = doc.object();
    SimVmScenario s;
    s.name = o.value(QLatin1StringView("name")).toString();
    s.description = o.value(QLatin1StringView("description")).toString();
    s.vmName = o.value(QLatin1StringView("vm-name")).toString(s.name);
    double ram = 0, ws = 0, dirty = 0, jitter = 0, bw = 0, link = 0, limit = 300, setup = 100;
    if (!number(o, "ram-mib", 1, &ram, error) || !number(o, "working-set-mib", 0, &ws, error)
        || !number(o, "dirty-mib-per-s", 0, &dirty, error) || !number(o, "dirty-jitter", 0, &jitter, error, false)
        || !number(o, "max-bandwidth-mib-per-s", 1, &bw, error) || !number(o, "link-mib-per-s", 1, &link, error)
        || !number(o, "downtime-limit-ms", 1, &limit, error, false) || !number(o, "setup-ms", 0, &setup, error, false))
        return std::nullopt;
    if (ws > ram) {
        *error = QStringLiteral("scenario: the working set (%1 MiB) is larger than RAM (%2 MiB)").arg(ws).arg(ram);
        return std::nullopt;
    }
    s.ramBytes = qint64(ram * MiB);
    s.workingSetBytes = qint64(ws * MiB);
    s.dirtyBytesPerSecond = dirty * MiB;
    s.dirtyJitter = std::min(jitter, 0.5);
    s.maxBandwidth = qint64(bw * MiB);
    s.linkBytesPerSecond = qint64(link * MiB);
    s.downtimeLimitMs = qint64(limit);
    s.setupMs = int(setup);
    for (const QJsonValue &v : o.value(QLatin1StringView("vfio")).toArray()) {
        const QJsonObject d = v.toObject();
        SimVfioDevice dev;
        dev.id = d.value(QLatin1StringView("id")).toString();
        if (dev.id.isEmpty()) {
            *error = QStringLiteral("scenario: a VFIO device without an id");
            return std::nullopt;
        }
        dev.host = d.value(QLatin1StringView("host")).toString();
        dev.guestAddress = d.value(QLatin1StringView("addr")).toString();
        dev.vendor = hex(d.value(QLatin1StringView("vendor")));
        dev.device = hex(d.value(QLatin1StringView("device")));
        dev.pciClass = hex(d.value(QLatin1StringView("class")));
        dev.precopyBytes = qint64(d.value(QLatin1StringView("precopy-mib")).toDouble() * MiB);
        dev.stopCopyBytes = qint64(d.value(QLatin1StringView("stop-copy-mib")).toDouble() * MiB);
        s.vfio.append(dev);
    }
    return s;
}

std::optional<SimVmScenario> SimVmScenario::load(const QString &nameOrPath, QString *error)
{
    const QString path = builtinNames().contains(nameOrPath)
        ? QStringLiteral(":/demo/vm/vm-") + nameOrPath + QStringLiteral(".json")
        : nameOrPath;
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) {
        *error = QStringLiteral("no VM scenario \"%1\" (built in: %2; or a JSON file)")
                     .arg(nameOrPath, builtinNames().join(QStringLiteral(", ")));
        return std::nullopt;
    }
    return fromJson(f.readAll(), error);
}

} // namespace devtopo::simvm
