#include "snapshot.h"

#include "analysis.h"
#include "logging.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSaveFile>

namespace devtopo {

namespace {

QString hex(quint64 v, int width = 0)
{
    return QStringLiteral("0x%1").arg(v, width, 16, QLatin1Char('0'));
}

// Reads "0x.." strings (and plain numbers, for hand-written snapshots).
bool readHex(const QJsonValue &v, quint64 *out)
{
    if (v.isDouble()) {
        if (v.toDouble() < 0)
            return false;
        *out = quint64(v.toDouble());
        return true;
    }
    QStringView s = QStringView(v.toString());
    if (!s.startsWith(u"0x"))
        return false;
    bool ok = false;
    *out = s.mid(2).toULongLong(&ok, 16);
    return ok;
}

quint64 hexOr(const QJsonValue &v, quint64 fallback = 0)
{
    quint64 out;
    return readHex(v, &out) ? out : fallback;
}

QJsonValue optAddress(const std::optional<PciAddress> &a)
{
    return a ? QJsonValue(a->toString()) : QJsonValue(QJsonValue::Null);
}

QJsonArray addresses(const QList<PciAddress> &list)
{
    QJsonArray out;
    for (const PciAddress &a : list)
        out << a.toString();
    return out;
}

bool readAddresses(const QJsonValue &v, QList<PciAddress> *out)
{
    for (const QJsonValue &x : v.toArray()) {
        auto a = PciAddress::parse(x.toString());
        if (!a)
            return false;
        *out << *a;
    }
    return true;
}

const std::pair<PortType, const char *> PortTypeKeys[] = {
    {PortType::Unknown, "unknown"}, {PortType::Endpoint, "endpoint"}, {PortType::LegacyEndpoint, "legacy-endpoint"},
    {PortType::RootPort, "root-port"}, {PortType::SwitchUpstream, "switch-upstream"},
    {PortType::SwitchDownstream, "switch-downstream"}, {PortType::PcieToPciBridge, "pcie-to-pci-bridge"},
    {PortType::PciToPcieBridge, "pci-to-pcie-bridge"}, {PortType::RootComplexIntegratedEndpoint, "rc-integrated-endpoint"},
    {PortType::RootComplexEventCollector, "rc-event-collector"}, {PortType::ConventionalDevice, "conventional"},
    {PortType::ConventionalBridge, "pci-bridge"}, {PortType::CardBusBridge, "cardbus-bridge"},
};

const std::pair<GroupReason::Kind, const char *> ReasonKeys[] = {
    {GroupReason::Kind::MissingAcs, "missing-acs"}, {GroupReason::Kind::AcsControlOff, "acs-control-off"},
    {GroupReason::Kind::MultifunctionWithoutAcs, "multifunction-without-acs"},
    {GroupReason::Kind::PcieToPciBridge, "pcie-to-pci-bridge"}, {GroupReason::Kind::ConventionalBus, "conventional-bus"},
    {GroupReason::Kind::Unexplained, "unexplained"},
};

template<typename E, size_t N>
QString keyOf(const std::pair<E, const char *> (&table)[N], E e)
{
    for (const auto &p : table)
        if (p.first == e)
            return QString::fromLatin1(p.second);
    return QString::fromLatin1(table[0].second);
}

template<typename E, size_t N>
E enumOf(const std::pair<E, const char *> (&table)[N], const QString &key)
{
    for (const auto &p : table)
        if (key == QLatin1StringView(p.second))
            return p.first;
    return table[0].first;
}

QJsonObject functionToJson(const PciFunction &f)
{
    QJsonObject o;
    o[u"address"] = f.address.toString();
    o[u"sysfs_path"] = f.sysfsPath;
    o[u"host_bridge"] = f.hostBridge;
    o[u"vendor_id"] = hex(f.vendorId, 4);
    o[u"device_id"] = hex(f.deviceId, 4);
    o[u"subsystem_vendor_id"] = hex(f.subsystemVendorId, 4);
    o[u"subsystem_device_id"] = hex(f.subsystemDeviceId, 4);
    o[u"class"] = hex(f.classCode, 6);
    o[u"revision"] = f.revision < 0 ? QJsonValue(QJsonValue::Null) : QJsonValue(hex(quint64(f.revision), 2));
    o[u"name"] = f.displayName();
    o[u"vendor_name"] = f.vendorName;
    o[u"device_name"] = f.deviceName;
    o[u"subsystem_name"] = f.subsystemName;
    o[u"class_name"] = f.className;
    o[u"parent"] = optAddress(f.parent);
    o[u"children"] = addresses(f.children);
    o[u"driver"] = f.driver.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(f.driver);
    o[u"driver_override"] = f.driverOverride;
    o[u"modalias"] = f.modalias;
    o[u"variant_drivers"] = QJsonArray::fromStringList(f.variantDrivers);
    o[u"iommu_group"] = f.iommuGroup ? QJsonValue(*f.iommuGroup) : QJsonValue(QJsonValue::Null);
    o[u"iommu_unit"] = f.iommuUnit;
    o[u"numa_node"] = f.numaNode;
    o[u"local_cpus"] = f.localCpus;
    o[u"port_type"] = keyOf(PortTypeKeys, f.portType);
    o[u"secondary_bus"] = f.secondaryBus;
    o[u"subordinate_bus"] = f.subordinateBus;
    o[u"multifunction"] = f.multifunction;
    o[u"link"] = QJsonObject{{QStringLiteral("current_speed"), f.link.currentSpeed}, {QStringLiteral("max_speed"), f.link.maxSpeed},
                             {QStringLiteral("current_width"), f.link.currentWidth}, {QStringLiteral("max_width"), f.link.maxWidth}};
    const Capabilities &c = f.caps;
    o[u"capabilities"] = QJsonObject{
        {QStringLiteral("config_readable"), c.configReadable}, {QStringLiteral("config_size"), c.configSize}, {QStringLiteral("pcie"), c.pcie},
        {QStringLiteral("header_type"), c.headerType}, {QStringLiteral("multifunction_bit"), c.multifunctionBit},
        {QStringLiteral("acs"), QJsonObject{{QStringLiteral("present"), c.acs.present}, {QStringLiteral("capability"), hex(c.acs.capability, 4)},
                             {QStringLiteral("control"), hex(c.acs.control, 4)}}},
        {QStringLiteral("ari"), c.ari}, {QStringLiteral("ats"), c.ats}, {QStringLiteral("pri"), c.pri}, {QStringLiteral("pasid"), c.pasid}, {QStringLiteral("pasid_width"), c.pasidWidth},
        {QStringLiteral("sriov"), c.sriov}, {QStringLiteral("msi"), c.msi}, {QStringLiteral("msix"), c.msix}, {QStringLiteral("aer"), c.aer},
        {QStringLiteral("names"), QJsonArray::fromStringList(c.names)}};
    const SriovInfo &s = f.sriov;
    o[u"sriov"] = s.capable ? QJsonValue(QJsonObject{
                      {QStringLiteral("initial_vfs"), s.initialVfs}, {QStringLiteral("total_vfs"), s.totalVfs}, {QStringLiteral("num_vfs"), s.numVfs},
                      {QStringLiteral("vf_offset"), s.vfOffset}, {QStringLiteral("vf_stride"), s.vfStride},
                      {QStringLiteral("vf_device_id"), s.vfDeviceId < 0 ? QJsonValue(QJsonValue::Null) : QJsonValue(hex(quint64(s.vfDeviceId), 4))},
                      {QStringLiteral("drivers_autoprobe"), s.driversAutoprobe}})
                            : QJsonValue(QJsonValue::Null);
    o[u"physfn"] = optAddress(f.physfn);
    o[u"vfs"] = addresses(f.vfs);
    o[u"vf_index"] = f.vfIndex;
    o[u"reset_methods"] = QJsonArray::fromStringList(f.resetMethods);
    o[u"missing"] = QJsonArray::fromStringList(f.missing);
    return o;
}

QStringList strings(const QJsonValue &v)
{
    QStringList out;
    for (const QJsonValue &x : v.toArray())
        out << x.toString();
    return out;
}

std::optional<PciAddress> optAddressFrom(const QJsonValue &v, bool *ok)
{
    if (v.isNull() || v.isUndefined())
        return std::nullopt;
    auto a = PciAddress::parse(v.toString());
    if (!a)
        *ok = false;
    return a;
}

bool functionFromJson(const QJsonObject &o, PciFunction *f, QString *error)
{
    auto a = PciAddress::parse(o[u"address"].toString());
    if (!a) {
        *error = QStringLiteral("device with a malformed address \"%1\"").arg(o[u"address"].toString());
        return false;
    }
    f->address = *a;
    f->sysfsPath = o[u"sysfs_path"].toString();
    f->hostBridge = o[u"host_bridge"].toString();
    f->vendorId = quint16(hexOr(o[u"vendor_id"]));
    f->deviceId = quint16(hexOr(o[u"device_id"]));
    f->subsystemVendorId = quint16(hexOr(o[u"subsystem_vendor_id"]));
    f->subsystemDeviceId = quint16(hexOr(o[u"subsystem_device_id"]));
    f->classCode = quint32(hexOr(o[u"class"]) & 0xffffff);
    f->revision = o[u"revision"].isNull() ? -1 : int(hexOr(o[u"revision"]));
    f->vendorName = o[u"vendor_name"].toString();
    f->deviceName = o[u"device_name"].toString();
    f->subsystemName = o[u"subsystem_name"].toString();
    f->className = o[u"class_name"].toString();
    bool ok = true;
    f->parent = optAddressFrom(o[u"parent"], &ok);
    f->physfn = optAddressFrom(o[u"physfn"], &ok);
    ok = ok && readAddresses(o[u"children"], &f->children) && readAddresses(o[u"vfs"], &f->vfs);
    if (!ok) {
        *error = QStringLiteral("%1: malformed address in parent, physfn, children or vfs").arg(a->toString());
        return false;
    }
    f->driver = o[u"driver"].toString();
    f->driverOverride = o[u"driver_override"].toString();
    f->modalias = o[u"modalias"].toString();
    f->variantDrivers = strings(o[u"variant_drivers"]);
    if (!o[u"iommu_group"].isNull() && !o[u"iommu_group"].isUndefined())
        f->iommuGroup = o[u"iommu_group"].toInt();
    f->iommuUnit = o[u"iommu_unit"].toString();
    f->numaNode = o[u"numa_node"].toInt(-1);
    f->localCpus = o[u"local_cpus"].toString();
    f->portType = enumOf(PortTypeKeys, o[u"port_type"].toString());
    f->secondaryBus = o[u"secondary_bus"].toInt(-1);
    f->subordinateBus = o[u"subordinate_bus"].toInt(-1);
    f->multifunction = o[u"multifunction"].toBool();
    const QJsonObject l = o[u"link"].toObject();
    f->link = {l[u"current_speed"].toDouble(), l[u"max_speed"].toDouble(), l[u"current_width"].toInt(), l[u"max_width"].toInt()};
    const QJsonObject c = o[u"capabilities"].toObject();
    Capabilities &k = f->caps;
    k.configReadable = c[u"config_readable"].toBool();
    k.configSize = c[u"config_size"].toInt();
    k.pcie = c[u"pcie"].toBool();
    k.headerType = quint8(c[u"header_type"].toInt());
    k.multifunctionBit = c[u"multifunction_bit"].toBool();
    const QJsonObject acs = c[u"acs"].toObject();
    k.acs = {acs[u"present"].toBool(), quint16(hexOr(acs[u"capability"])), quint16(hexOr(acs[u"control"]))};
    k.ari = c[u"ari"].toBool();
    k.ats = c[u"ats"].toBool();
    k.pri = c[u"pri"].toBool();
    k.pasid = c[u"pasid"].toBool();
    k.pasidWidth = c[u"pasid_width"].toInt();
    k.sriov = c[u"sriov"].toBool();
    k.msi = c[u"msi"].toBool();
    k.msix = c[u"msix"].toBool();
    k.aer = c[u"aer"].toBool();
    k.names = strings(c[u"names"]);
    if (o[u"sriov"].isObject()) {
        const QJsonObject s = o[u"sriov"].toObject();
        f->sriov.capable = true;
        f->sriov.initialVfs = s[u"initial_vfs"].toInt(-1);
        f->sriov.totalVfs = s[u"total_vfs"].toInt(-1);
        f->sriov.numVfs = s[u"num_vfs"].toInt(-1);
        f->sriov.vfOffset = s[u"vf_offset"].toInt(-1);
        f->sriov.vfStride = s[u"vf_stride"].toInt(-1);
        f->sriov.vfDeviceId = s[u"vf_device_id"].isNull() ? -1 : int(hexOr(s[u"vf_device_id"]));
        f->sriov.driversAutoprobe = s[u"drivers_autoprobe"].toInt(-1);
    }
    f->vfIndex = o[u"vf_index"].toInt(-1);
    f->resetMethods = strings(o[u"reset_methods"]);
    f->missing = strings(o[u"missing"]);
    return true;
}

QJsonObject groupToJson(const IommuGroup &g)
{
    QJsonObject o;
    o[u"id"] = g.id;
    o[u"type"] = g.type;
    o[u"devices"] = addresses(g.devices);
    o[u"other_members"] = QJsonArray::fromStringList(g.otherMembers);
    o[u"unit"] = g.unit;
    QJsonArray rr;
    for (const ReservedRegion &r : g.reservedRegions)
        rr << QJsonObject{{QStringLiteral("start"), hex(r.start)}, {QStringLiteral("end"), hex(r.end)}, {QStringLiteral("size"), hex(r.end - r.start + 1)}, {QStringLiteral("type"), r.type}};
    o[u"reserved_regions"] = g.reservedRegionsKnown ? QJsonValue(rr) : QJsonValue(QJsonValue::Null);
    QJsonArray iova;
    for (const IovaRange &r : g.usableIova)
        iova << QJsonObject{{QStringLiteral("start"), hex(r.start)}, {QStringLiteral("end"), hex(r.end)}};
    o[u"usable_iova"] = iova;
    o[u"address_width"] = g.addressWidth;
    o[u"address_width_assumed"] = g.addressWidthAssumed;
    o[u"viable"] = g.viability.viable;
    o[u"blockers"] = QJsonArray::fromStringList(g.viability.blockers);
    o[u"actions"] = QJsonArray::fromStringList(g.viability.actions);
    QJsonArray reasons;
    for (const GroupReason &r : g.reasons)
        reasons << QJsonObject{{QStringLiteral("kind"), keyOf(ReasonKeys, r.kind)}, {QStringLiteral("culprit"), r.culprit.toString()},
                               {QStringLiteral("affected"), addresses(r.affected)}, {QStringLiteral("missing_acs"), Acs::bitsToString(r.missingAcsBits)},
                               {QStringLiteral("text"), r.text}};
    o[u"reasons"] = reasons;
    return o;
}

bool groupFromJson(const QJsonObject &o, IommuGroup *g, QString *error)
{
    g->id = o[u"id"].toInt(-1);
    if (g->id < 0) {
        *error = QStringLiteral("group without a valid id");
        return false;
    }
    g->type = o[u"type"].toString();
    if (!readAddresses(o[u"devices"], &g->devices)) {
        *error = QStringLiteral("group %1: malformed member address").arg(g->id);
        return false;
    }
    g->otherMembers = strings(o[u"other_members"]);
    g->unit = o[u"unit"].toString();
    g->reservedRegionsKnown = o[u"reserved_regions"].isArray();
    for (const QJsonValue &v : o[u"reserved_regions"].toArray()) {
        const QJsonObject r = v.toObject();
        ReservedRegion region;
        if (!readHex(r[u"start"], &region.start) || !readHex(r[u"end"], &region.end) || region.end < region.start) {
            *error = QStringLiteral("group %1: malformed reserved region").arg(g->id);
            return false;
        }
        region.type = r[u"type"].toString();
        g->reservedRegions << region;
    }
    return true; // analyses are recomputed from the facts, not trusted from the file
}

QJsonObject unitToJson(const IommuUnit &u)
{
    return QJsonObject{{QStringLiteral("name"), u.name}, {QStringLiteral("kind"), u.kind}, {QStringLiteral("version"), u.version}, {QStringLiteral("cap"), hex(u.cap)},
                       {QStringLiteral("ecap"), hex(u.ecap)}, {QStringLiteral("address_width"), u.addressWidth}, {QStringLiteral("scalable_mode"), u.scalableMode},
                       {QStringLiteral("nesting"), u.nesting}, {QStringLiteral("dirty_tracking"), u.dirtyTracking}, {QStringLiteral("pasid"), u.pasid},
                       {QStringLiteral("pasid_bits"), u.pasidBits}, {QStringLiteral("pass_through"), u.passThrough},
                       {QStringLiteral("interrupt_remapping"), u.interruptRemapping}, {QStringLiteral("caching_mode"), u.cachingMode},
                       {QStringLiteral("page_request"), u.pageRequest}, {QStringLiteral("large_pages"), QJsonArray::fromStringList(u.largePages)},
                       {QStringLiteral("features"), QJsonArray::fromStringList(u.featureText)}, {QStringLiteral("devices"), addresses(u.devices)}};
}

IommuUnit unitFromJson(const QJsonObject &o)
{
    IommuUnit u;
    u.name = o[u"name"].toString();
    u.kind = o[u"kind"].toString();
    u.version = o[u"version"].toString();
    u.cap = hexOr(o[u"cap"]);
    u.ecap = hexOr(o[u"ecap"]);
    u.addressWidth = o[u"address_width"].toInt();
    u.scalableMode = o[u"scalable_mode"].toBool();
    u.nesting = o[u"nesting"].toBool();
    u.dirtyTracking = o[u"dirty_tracking"].toBool();
    u.pasid = o[u"pasid"].toBool();
    u.pasidBits = o[u"pasid_bits"].toInt();
    u.passThrough = o[u"pass_through"].toBool();
    u.interruptRemapping = o[u"interrupt_remapping"].toBool();
    u.cachingMode = o[u"caching_mode"].toBool();
    u.pageRequest = o[u"page_request"].toBool();
    u.largePages = strings(o[u"large_pages"]);
    u.featureText = strings(o[u"features"]);
    readAddresses(o[u"devices"], &u.devices);
    return u;
}

} // namespace

QJsonObject topologyToJson(const Topology &topo)
{
    QJsonObject root;
    root[u"format"] = QStringLiteral("devtopo-snapshot");
    root[u"version"] = SnapshotFormatVersion;
    root[u"source"] = topo.source;
    root[u"source_kind"] = topo.sourceKind;
    root[u"kernel_release"] = topo.kernelRelease;
    root[u"hostname"] = topo.hostname;
    QJsonArray devices;
    for (const PciFunction &f : topo.functions)
        devices << functionToJson(f);
    root[u"devices"] = devices;
    QJsonArray groups;
    for (const IommuGroup &g : topo.groups)
        groups << groupToJson(g);
    root[u"groups"] = groups;
    QJsonArray units;
    for (const IommuUnit &u : topo.iommuUnits)
        units << unitToJson(u);
    root[u"iommu_units"] = units;
    QJsonArray nodes;
    for (const NumaNode &n : topo.numaNodes) {
        QJsonArray d;
        for (int x : n.distances)
            d << x;
        nodes << QJsonObject{{QStringLiteral("id"), n.id}, {QStringLiteral("cpus"), n.cpuList}, {QStringLiteral("has_cpu"), n.hasCpu}, {QStringLiteral("has_memory"), n.hasMemory},
                             {QStringLiteral("memory_only"), n.memoryOnly()}, {QStringLiteral("mem_total_kib"), hex(n.memTotalKiB)}, {QStringLiteral("distances"), d}};
    }
    root[u"numa_nodes"] = nodes;
    QJsonArray bridges;
    for (const HostBridge &b : topo.hostBridges)
        bridges << QJsonObject{{QStringLiteral("name"), b.name}, {QStringLiteral("domain"), hex(b.domain, 4)}, {QStringLiteral("bus"), hex(quint64(b.bus), 2)},
                               {QStringLiteral("numa_node"), b.numaNode}};
    root[u"host_bridges"] = bridges;
    root[u"warnings"] = QJsonArray::fromStringList(topo.warnings);
    return root;
}

bool topologyFromJson(const QJsonObject &json, Topology *out, QString *error)
{
    QString err;
    if (json[u"format"].toString() != QLatin1String("devtopo-snapshot")) {
        *error = QStringLiteral("not a devtopo snapshot (no \"format\": \"devtopo-snapshot\")");
        return false;
    }
    if (json[u"version"].toInt() > SnapshotFormatVersion) {
        *error = QStringLiteral("snapshot format %1 is newer than this devtopo understands (%2)")
                     .arg(json[u"version"].toInt()).arg(SnapshotFormatVersion);
        return false;
    }
    Topology t;
    t.source = json[u"source"].toString();
    t.sourceKind = QStringLiteral("snapshot");
    t.kernelRelease = json[u"kernel_release"].toString();
    t.hostname = json[u"hostname"].toString();
    for (const QJsonValue &v : json[u"devices"].toArray()) {
        PciFunction f;
        if (!functionFromJson(v.toObject(), &f, &err)) {
            *error = err;
            return false;
        }
        t.functions << f;
    }
    std::sort(t.functions.begin(), t.functions.end(),
              [](const PciFunction &a, const PciFunction &b) { return a.address < b.address; });
    for (const QJsonValue &v : json[u"groups"].toArray()) {
        IommuGroup g;
        if (!groupFromJson(v.toObject(), &g, &err)) {
            *error = err;
            return false;
        }
        t.groups << g;
    }
    for (const QJsonValue &v : json[u"iommu_units"].toArray())
        t.iommuUnits << unitFromJson(v.toObject());
    for (const QJsonValue &v : json[u"numa_nodes"].toArray()) {
        const QJsonObject o = v.toObject();
        NumaNode n;
        n.id = o[u"id"].toInt(-1);
        n.cpuList = o[u"cpus"].toString();
        n.hasCpu = o[u"has_cpu"].toBool();
        n.hasMemory = o[u"has_memory"].toBool();
        n.memTotalKiB = hexOr(o[u"mem_total_kib"]);
        for (const QJsonValue &d : o[u"distances"].toArray())
            n.distances << d.toInt();
        t.numaNodes << n;
    }
    for (const QJsonValue &v : json[u"host_bridges"].toArray()) {
        const QJsonObject o = v.toObject();
        t.hostBridges << HostBridge{o[u"name"].toString(), quint32(hexOr(o[u"domain"])), int(hexOr(o[u"bus"])),
                                    o[u"numa_node"].toInt(-1)};
    }
    t.warnings = strings(json[u"warnings"]);
    analyzeTopology(t);
    *out = std::move(t);
    return true;
}

bool saveSnapshot(const Topology &topo, const QString &path, QString *error)
{
    // QSaveFile: a failed write never leaves a half snapshot where the old one was.
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly)) {
        *error = QStringLiteral("cannot write %1: %2").arg(path, file.errorString());
        return false;
    }
    file.write(QJsonDocument(topologyToJson(topo)).toJson(QJsonDocument::Indented));
    if (!file.commit()) {
        *error = QStringLiteral("cannot write %1: %2").arg(path, file.errorString());
        return false;
    }
    return true;
}

bool loadSnapshot(const QString &path, Topology *out, QString *error)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        *error = QStringLiteral("cannot open %1: %2").arg(path, file.errorString());
        return false;
    }
    constexpr qint64 MaxSnapshot = 512ll << 20;
    if (file.size() > MaxSnapshot) {
        *error = QStringLiteral("%1 is larger than 512 MiB; not a snapshot").arg(path);
        return false;
    }
    QJsonParseError perr;
    const QJsonDocument doc = QJsonDocument::fromJson(file.readAll(), &perr);
    if (doc.isNull() || !doc.isObject()) {
        *error = QStringLiteral("%1 is not valid JSON: %2 at offset %3").arg(path, perr.errorString()).arg(perr.offset);
        return false;
    }
    if (!topologyFromJson(doc.object(), out, error)) {
        *error = path + QStringLiteral(": ") + *error;
        return false;
    }
    out->source = path;
    return true;
}

} // namespace devtopo
