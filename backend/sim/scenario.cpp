#include "scenario.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSet>

using namespace Qt::StringLiterals;

// The scenario resource lives in a static library; make sure its initialiser is linked and run.
static void initDemoResources()
{
    Q_INIT_RESOURCE(demo_scenarios);
}

namespace devtopo::sim {

namespace {

// Thrown inside the loader only; fromScenario() turns it into the error string.
struct ScenarioError
{
    QString message;
};

[[noreturn]] void fail(const QString &message)
{
    throw ScenarioError{message};
}

quint64 parseHex(const QJsonValue &v, const QString &what)
{
    if (v.isDouble())
        return quint64(v.toDouble());
    QString s = v.toString().trimmed();
    if (s.startsWith(u"0x"_s, Qt::CaseInsensitive))
        s = s.mid(2);
    bool ok = false;
    const quint64 n = s.toULongLong(&ok, 16);
    if (!ok)
        fail(u"%1: \"%2\" is not a hex number"_s.arg(what, v.toString()));
    return n;
}

PciAddress parseAddress(const QJsonValue &v, const QString &what)
{
    const auto a = PciAddress::parse(v.toString());
    if (!a)
        fail(u"%1: \"%2\" is not a PCI address (DDDD:BB:DD.F)"_s.arg(what, v.toString()));
    return *a;
}

// "16GT/s x16" -> speed and width
void parseLink(const QJsonValue &v, const QString &what, double *speed, int *width)
{
    const QStringList parts = v.toString().split(u' ', Qt::SkipEmptyParts);
    bool ok1 = false, ok2 = false;
    if (parts.size() == 2 && parts[0].endsWith(u"GT/s"_s) && parts[1].startsWith(u'x')) {
        *speed = parts[0].chopped(4).toDouble(&ok1);
        *width = parts[1].mid(1).toInt(&ok2);
    }
    if (!ok1 || !ok2)
        fail(u"%1: link \"%2\" should look like \"8GT/s x16\""_s.arg(what, v.toString()));
}

void checkKeys(const QJsonObject &o, const QSet<QString> &known, const QString &what)
{
    for (auto it = o.begin(); it != o.end(); ++it) {
        if (!known.contains(it.key()))
            fail(u"%1: unknown key \"%2\""_s.arg(what, it.key()));
    }
}

quint16 acsBits(const QJsonArray &names, const QString &what)
{
    static const QHash<QString, quint16> bits = {
        {u"SV"_s, AcsBit::SV}, {u"TB"_s, AcsBit::TB}, {u"RR"_s, AcsBit::RR}, {u"CR"_s, AcsBit::CR},
        {u"UF"_s, AcsBit::UF}, {u"EC"_s, AcsBit::EC}, {u"DT"_s, AcsBit::DT},
    };
    quint16 v = 0;
    for (const QJsonValue &n : names) {
        if (!bits.contains(n.toString()))
            fail(u"%1: unknown ACS bit \"%2\""_s.arg(what, n.toString()));
        v |= bits.value(n.toString());
    }
    return v;
}

const QSet<QString> kModelKeys = {
    u"vendor"_s, u"device"_s, u"subsystem"_s, u"class"_s, u"revision"_s, u"kind"_s, u"acs"_s, u"ari"_s,
    u"ats"_s, u"pri"_s, u"pasid"_s, u"link"_s, u"driver"_s, u"reset"_s, u"sriov"_s, u"serial"_s, u"note"_s,
};

const QSet<QString> kInstanceKeys = kModelKeys
    + QSet<QString>{u"at"_s, u"model"_s, u"bus"_s, u"linkNow"_s, u"numaNode"_s, u"iommu"_s,
                    u"driverOverride"_s, u"numVfs"_s, u"vfDrivers"_s, u"autoprobe"_s};

struct VfDriverRequest
{
    PciAddress pf;
    int index;
    QString driver;
};

SimFunction parseFunction(const QJsonObject &o, const QString &what, bool *explicitNuma,
                          QList<VfDriverRequest> *vfDrivers)
{
    SimFunction f;
    f.address = parseAddress(o.value(u"at"_s), what);
    const auto kind = portKindFromKey(o.value(u"kind"_s).toString(u"endpoint"_s));
    if (!kind)
        fail(u"%1: unknown kind \"%2\""_s.arg(what, o.value(u"kind"_s).toString()));
    f.kind = *kind;
    f.vendorId = quint16(parseHex(o.value(u"vendor"_s), what + u" vendor"_s));
    f.deviceId = quint16(parseHex(o.value(u"device"_s), what + u" device"_s));
    const QStringList sub = o.value(u"subsystem"_s).toString().split(u':');
    if (sub.size() == 2) {
        f.subsystemVendorId = quint16(parseHex(sub[0], what + u" subsystem"_s));
        f.subsystemDeviceId = quint16(parseHex(sub[1], what + u" subsystem"_s));
    } else if (o.contains(u"subsystem"_s)) {
        fail(u"%1: subsystem should be \"vvvv:dddd\""_s.arg(what));
    }
    f.classCode = quint32(parseHex(o.value(u"class"_s), what + u" class"_s));
    f.revision = quint8(o.value(u"revision"_s).isString() ? parseHex(o.value(u"revision"_s), what) : o.value(u"revision"_s).toInt());
    if (o.contains(u"acs"_s)) {
        f.acs.present = true;
        f.acs.capability = acsBits(o.value(u"acs"_s).toArray(), what);
    }
    f.ari = o.value(u"ari"_s).toBool();
    f.ats = o.value(u"ats"_s).toBool();
    f.pri = o.value(u"pri"_s).toBool();
    if (o.value(u"pasid"_s).isDouble()) {
        f.pasid = true;
        f.pasidWidth = o.value(u"pasid"_s).toInt();
    }
    if (o.contains(u"link"_s)) {
        parseLink(o.value(u"link"_s), what, &f.link.maxSpeed, &f.link.maxWidth);
        f.link.currentSpeed = f.link.maxSpeed;
        f.link.currentWidth = f.link.maxWidth;
    }
    if (o.contains(u"linkNow"_s)) {
        if (o.value(u"linkNow"_s).toString() == u"down"_s)
            f.link.currentWidth = 0;
        else
            parseLink(o.value(u"linkNow"_s), what, &f.link.currentSpeed, &f.link.currentWidth);
    }
    f.driver = o.value(u"driver"_s).toString();
    f.driverOverride = o.value(u"driverOverride"_s).toString();
    // Something bound to a VFIO driver got there through driver_override, as binding tools do it.
    if (f.driverOverride.isEmpty() && f.driver.contains(u"vfio"_s))
        f.driverOverride = f.driver;
    for (const QJsonValue &m : o.value(u"reset"_s).toArray())
        f.resetMethods.append(m.toString());
    if (o.contains(u"serial"_s))
        f.serialNumber = o.value(u"serial"_s).isBool() ? ((0x0c42a103ull << 32) | (qHash(f.address) & 0xffffffffull))
                                                        : parseHex(o.value(u"serial"_s), what);
    if (o.contains(u"bus"_s))
        f.secondaryBus = int(parseHex(o.value(u"bus"_s), what + u" bus"_s));
    if (f.isBridge() && f.secondaryBus < 0)
        fail(u"%1: a bridge needs \"bus\" (its secondary bus)"_s.arg(what));
    *explicitNuma = o.contains(u"numaNode"_s);
    f.numaNode = o.value(u"numaNode"_s).toInt(-1);
    f.iommuUnit = o.value(u"iommu"_s).toString();

    if (o.contains(u"sriov"_s)) {
        const QJsonObject s = o.value(u"sriov"_s).toObject();
        checkKeys(s, {u"total"_s, u"initial"_s, u"offset"_s, u"stride"_s, u"vfDevice"_s, u"vfDriver"_s},
                  what + u" sriov"_s);
        f.sriov.capable = true;
        f.sriov.totalVfs = s.value(u"total"_s).toInt();
        f.sriov.initialVfs = s.value(u"initial"_s).toInt(f.sriov.totalVfs);
        f.sriov.offset = s.value(u"offset"_s).toInt(1);
        f.sriov.stride = s.value(u"stride"_s).toInt(1);
        f.sriov.vfDeviceId = quint16(parseHex(s.value(u"vfDevice"_s), what + u" vfDevice"_s));
        f.sriov.vfDriver = s.value(u"vfDriver"_s).toString();
        f.sriov.numVfs = o.value(u"numVfs"_s).toInt(0);
        f.sriov.driversAutoprobe = o.value(u"autoprobe"_s).toBool(true);
        const QJsonObject vfd = o.value(u"vfDrivers"_s).toObject();
        for (auto it = vfd.begin(); it != vfd.end(); ++it) {
            bool ok = false;
            const int index = it.key().toInt(&ok);
            if (!ok || index < 0 || index >= f.sriov.numVfs)
                fail(u"%1: vfDrivers names VF \"%2\", but only %3 VFs are enabled"_s.arg(what, it.key())
                         .arg(f.sriov.numVfs));
            vfDrivers->append({f.address, index, it.value().toString()});
        }
    } else if (o.contains(u"numVfs"_s) || o.contains(u"vfDrivers"_s)) {
        fail(u"%1: numVfs/vfDrivers on a device without \"sriov\""_s.arg(what));
    }
    return f;
}

SimHost buildHost(const QJsonObject &root)
{
    checkKeys(root,
              {u"name"_s, u"description"_s, u"hostname"_s, u"kernelRelease"_s, u"cmdline"_s, u"numaNodes"_s,
               u"iommuUnits"_s, u"hostBridges"_s, u"models"_s, u"functions"_s, u"reservedRegions"_s,
               u"disableAcsRedir"_s, u"loadedDrivers"_s},
              u"scenario"_s);
    SimHost host;
    host.name = root.value(u"name"_s).toString();
    host.hostname = root.value(u"hostname"_s).toString(host.hostname);
    host.kernelRelease = root.value(u"kernelRelease"_s).toString(host.kernelRelease);
    host.cmdline = root.value(u"cmdline"_s).toString();

    for (const QJsonValue &v : root.value(u"numaNodes"_s).toArray()) {
        const QJsonObject o = v.toObject();
        checkKeys(o, {u"id"_s, u"cpus"_s, u"memoryGiB"_s, u"distances"_s, u"note"_s}, u"numa node"_s);
        SimNumaNode n;
        n.id = o.value(u"id"_s).toInt();
        n.cpuList = o.value(u"cpus"_s).toString();
        n.memTotalKiB = quint64(o.value(u"memoryGiB"_s).toDouble() * 1024 * 1024);
        for (const QJsonValue &d : o.value(u"distances"_s).toArray())
            n.distances.append(d.toInt());
        host.numaNodes.append(n);
    }
    for (const SimNumaNode &n : std::as_const(host.numaNodes)) {
        if (n.distances.size() != host.numaNodes.size())
            fail(u"numa node %1: needs %2 distances"_s.arg(n.id).arg(host.numaNodes.size()));
    }

    for (const QJsonValue &v : root.value(u"iommuUnits"_s).toArray()) {
        const QJsonObject o = v.toObject();
        checkKeys(o, {u"name"_s, u"address"_s, u"cap"_s, u"ecap"_s, u"version"_s, u"note"_s}, u"iommu unit"_s);
        SimIommuUnit u;
        u.name = o.value(u"name"_s).toString();
        u.registerBase = parseHex(o.value(u"address"_s), u.name);
        u.cap = parseHex(o.value(u"cap"_s), u.name + u" cap"_s);
        u.ecap = parseHex(o.value(u"ecap"_s), u.name + u" ecap"_s);
        u.version = o.value(u"version"_s).toString(u.version);
        host.iommuUnits.append(u);
    }

    for (const QJsonValue &v : root.value(u"hostBridges"_s).toArray()) {
        const QJsonObject o = v.toObject();
        checkKeys(o, {u"name"_s, u"numaNode"_s, u"iommu"_s, u"note"_s}, u"host bridge"_s);
        const QString name = o.value(u"name"_s).toString();
        const QStringList parts = name.mid(3).split(u':');
        if (!name.startsWith(u"pci"_s) || parts.size() != 2)
            fail(u"host bridge \"%1\" should be named like pci0000:00"_s.arg(name));
        SimHostBridge hb;
        hb.domain = quint32(parseHex(parts[0], name));
        hb.bus = int(parseHex(parts[1], name));
        hb.numaNode = o.value(u"numaNode"_s).toInt(-1);
        hb.iommuUnit = o.value(u"iommu"_s).toString();
        host.hostBridges.append(hb);
    }

    const QJsonObject models = root.value(u"models"_s).toObject();
    for (auto it = models.begin(); it != models.end(); ++it)
        checkKeys(it.value().toObject(), kModelKeys, u"model "_s + it.key());

    QSet<PciAddress> explicitNuma;
    QList<VfDriverRequest> vfDrivers;
    for (const QJsonValue &v : root.value(u"functions"_s).toArray()) {
        const QJsonObject inst = v.toObject();
        const QString what = inst.value(u"at"_s).toString(u"(function without \"at\")"_s);
        checkKeys(inst, kInstanceKeys, what);
        QJsonObject merged;
        if (inst.contains(u"model"_s)) {
            const QString model = inst.value(u"model"_s).toString();
            if (!models.contains(model))
                fail(u"%1: unknown model \"%2\""_s.arg(what, model));
            merged = models.value(model).toObject();
        }
        for (auto it = inst.begin(); it != inst.end(); ++it)
            merged.insert(it.key(), it.value());
        bool numa = false;
        SimFunction f = parseFunction(merged, what, &numa, &vfDrivers);
        if (numa)
            explicitNuma.insert(f.address);
        host.functions.append(f);
    }

    for (const QJsonValue &v : root.value(u"reservedRegions"_s).toArray()) {
        const QJsonObject o = v.toObject();
        checkKeys(o, {u"start"_s, u"end"_s, u"type"_s, u"devices"_s, u"note"_s}, u"reserved region"_s);
        SimRegion r;
        r.start = parseHex(o.value(u"start"_s), u"reserved region start"_s);
        r.end = parseHex(o.value(u"end"_s), u"reserved region end"_s);
        r.type = o.value(u"type"_s).toString();
        if (r.end < r.start || r.type.isEmpty())
            fail(u"reserved region %1: needs start <= end and a type"_s.arg(o.value(u"start"_s).toString()));
        for (const QJsonValue &d : o.value(u"devices"_s).toArray())
            r.scope.append(parseAddress(d, u"reserved region"_s));
        host.regions.append(r);
    }
    for (const QJsonValue &v : root.value(u"disableAcsRedir"_s).toArray())
        host.disableAcsRedir.append(parseAddress(v, u"disableAcsRedir"_s));
    for (const QJsonValue &v : root.value(u"loadedDrivers"_s).toArray())
        host.loadedDrivers.append(v.toString());

    // NUMA locality comes from the host bridge (_PXM) unless a function says otherwise.
    host.reindex();
    if (const QString err = validateHost(host); !err.isEmpty())
        fail(err);
    for (SimFunction &f : host.functions) {
        if (!explicitNuma.contains(f.address)) {
            if (const SimHostBridge *hb = host.hostBridgeFor(f.address))
                f.numaNode = hb->numaNode;
        }
    }
    if (const QString err = bootHost(host); !err.isEmpty())
        fail(err);
    for (const VfDriverRequest &r : std::as_const(vfDrivers)) {
        const QList<PciAddress> vfs = host.vfsOf(r.pf);
        const PciAddress vf = vfs.value(r.index);
        if (!host.function(vf)->driver.isEmpty())
            host.setDriver(vf, {});
        if (r.driver.contains(u"vfio"_s))
            host.setDriverOverride(vf, r.driver);
        if (!r.driver.isEmpty()) {
            if (const QString err = host.setDriver(vf, r.driver); !err.isEmpty())
                fail(u"VF %1 of %2: %3"_s.arg(r.index).arg(r.pf.toString(), err));
        }
    }
    return host;
}

} // namespace

SimHost fromScenario(const QJsonObject &scenario, QString *error)
{
    try {
        SimHost host = buildHost(scenario);
        if (error)
            error->clear();
        return host;
    } catch (const ScenarioError &e) {
        if (error)
            *error = e.message;
        return {};
    }
}

SimHost loadScenarioFile(const QString &path, QString *error)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        if (error)
            *error = u"cannot open scenario %1: %2"_s.arg(path, file.errorString());
        return {};
    }
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(file.readAll(), &parseError);
    if (!doc.isObject()) {
        if (error)
            *error = u"scenario %1: %2 at offset %3"_s.arg(path, parseError.errorString()).arg(parseError.offset);
        return {};
    }
    QString err;
    SimHost host = fromScenario(doc.object(), &err);
    if (!err.isEmpty() && error)
        *error = u"scenario %1: %2"_s.arg(path, err);
    return host;
}

QString defaultScenarioPath()
{
    initDemoResources();
    return u":/devtopo/demo/demo-server.json"_s;
}

SimHost defaultDemoHost(QString *error)
{
    return loadScenarioFile(defaultScenarioPath(), error);
}

} // namespace devtopo::sim
