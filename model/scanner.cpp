#include "scanner.h"

#include "analysis.h"
#include "iommuunits.h"
#include "logging.h"
#include "pciconfig.h"
#include "sysfsreader.h"
#include "variantdrivers.h"

#include <QElapsedTimer>
#include <QFile>
#include <QHash>
#include <QMap>
#include <QMutex>
#include <QRegularExpression>
#include <QSysInfo>
#include <QThread>
#include <QThreadPool>
#include <QtConcurrent/QtConcurrentMap>

#include <sys/utsname.h>

#include <algorithm>
#include <numeric>

namespace devtopo {

namespace {

constexpr int MaxDepth = 48; // deeper than any real hierarchy; stops loops in broken copies
constexpr qsizetype ReservedRegionsMax = 1 << 20;
constexpr int ProgressStep = 256;

// A function directory found while walking sys/devices.
struct Found
{
    PciAddress address;
    QString path;
    std::optional<PciAddress> parent;
    QString hostBridge;
    QStringList entries; // directory listing, kept to find virtfnN without listing again
};

std::optional<std::pair<quint32, int>> parseHostBridgeName(const QString &name)
{
    // "pci0000:00", "pci10000:e0"
    if (!name.startsWith(QLatin1String("pci")))
        return std::nullopt;
    const qsizetype colon = name.indexOf(QLatin1Char(':'));
    if (colon < 7 || name.size() - colon - 1 != 2)
        return std::nullopt;
    bool ok1 = false, ok2 = false;
    const quint32 domain = name.mid(3, colon - 3).toUInt(&ok1, 16);
    const int bus = name.mid(colon + 1).toInt(&ok2, 16);
    if (!ok1 || !ok2)
        return std::nullopt;
    return std::make_pair(domain, bus);
}

class Walker
{
public:
    Walker(const SysfsReader &sys, QList<Found> *found, QList<HostBridge> *bridges)
        : m_sys(sys), m_found(found), m_bridges(bridges) { }

    // Host bridges and the functions directly below them, run in parallel: each top-level
    // subtree is walked by its own Walker and the results are joined in order.
    void walkRoot(QThreadPool *pool)
    {
        struct Task
        {
            QString dir, name, hostBridge;
            QList<Found> found;
            QList<HostBridge> bridges;
        };
        QList<Task> tasks;
        for (const QString &hb : m_sys.listing(QStringLiteral("sys/devices")).directories) {
            auto parsed = parseHostBridgeName(hb);
            if (!parsed)
                continue;
            const QString rel = QStringLiteral("sys/devices/") + hb;
            m_bridges->append(HostBridge{hb, parsed->first, parsed->second, -1});
            for (const QString &child : m_sys.listing(rel).directories)
                tasks << Task{rel, child, hb, {}, {}};
        }
        QtConcurrent::blockingMap(pool, tasks, [this](Task &t) {
            Walker w(m_sys, &t.found, &t.bridges);
            w.walk(t.dir, {t.name}, std::nullopt, t.hostBridge, 0);
        });
        for (Task &t : tasks) {
            *m_found << t.found;
            *m_bridges << t.bridges;
        }
    }

private:
    void visitHostBridge(const QString &rel, const QString &name)
    {
        auto hb = parseHostBridgeName(name);
        if (!hb || !m_sys.isDirectory(rel))
            return;
        HostBridge b;
        b.name = name;
        b.domain = hb->first;
        b.bus = hb->second;
        m_bridges->append(b);
        walk(rel, m_sys.listing(rel).directories, std::nullopt, name, 0);
    }

    void walk(const QString &dir, const QStringList &subdirs, std::optional<PciAddress> parent,
              const QString &hostBridge, int depth)
    {
        if (depth > MaxDepth)
            return;
        for (const QString &name : subdirs) {
            const QString rel = dir + QLatin1Char('/') + name;
            if (auto a = PciAddress::parse(name); a && name.size() >= 12) {
                SysfsReader::Listing l = m_sys.listing(rel);
                Found f;
                f.address = *a;
                f.path = rel;
                f.parent = parent;
                f.hostBridge = hostBridge;
                f.entries = std::move(l.names);
                m_found->append(f);
                walk(rel, l.directories, *a, hostBridge, depth + 1);
            } else if (name.startsWith(QLatin1String("pci")) && parseHostBridgeName(name)) {
                // A host bridge below a device: VMD and similar controllers own a domain of their own.
                visitHostBridge(rel, name);
            }
        }
    }

    const SysfsReader &m_sys;
    QList<Found> *m_found;
    QList<HostBridge> *m_bridges;
};

struct ModaliasIds
{
    int vendor, device, subsystemVendor, subsystemDevice, classCode;
};

// "pci:v00008086d000010D3sv00008086sd0000A01Fbc02sc00i00"
std::optional<ModaliasIds> parseModalias(const QString &m)
{
    if (m.size() != 54 || !m.startsWith(QLatin1String("pci:v")))
        return std::nullopt;
    auto field = [&](int at, const char *tag, int digits, bool *ok) {
        const int tagLen = int(qstrlen(tag));
        if (QStringView(m).mid(at, tagLen) != QLatin1StringView(tag)) {
            *ok = false;
            return 0;
        }
        bool good = false;
        const int v = QStringView(m).mid(at + tagLen, digits).toInt(&good, 16);
        *ok = *ok && good;
        return v;
    };
    bool ok = true;
    ModaliasIds ids;
    ids.vendor = field(4, "v", 8, &ok);
    ids.device = field(13, "d", 8, &ok);
    ids.subsystemVendor = field(22, "sv", 8, &ok);
    ids.subsystemDevice = field(32, "sd", 8, &ok);
    const int base = field(42, "bc", 2, &ok);
    const int sub = field(46, "sc", 2, &ok);
    const int progIf = field(50, "i", 2, &ok);
    if (!ok || ids.vendor > 0xffff || ids.device > 0xffff || ids.subsystemVendor > 0xffff || ids.subsystemDevice > 0xffff)
        return std::nullopt;
    ids.classCode = base << 16 | sub << 8 | progIf;
    return ids;
}

std::optional<int> readHex(const SysfsReader::Dir &dir, const char *name)
{
    auto v = dir.readInt(name, 16);
    if (!v || *v < 0 || *v > 0xffffff)
        return std::nullopt;
    return int(*v);
}

PciFunction readFunction(const SysfsReader &sys, const PciConfigDecoder &decoder, const Found &found)
{
    PciFunction f;
    f.address = found.address;
    f.sysfsPath = found.path;
    f.hostBridge = found.hostBridge;
    f.parent = found.parent;
    const SysfsReader::Dir dir(sys, found.path);
    // Attributes the directory does not hold are not even tried: a copy may lack half of them.
    auto has = [&](const char *name) { return found.entries.contains(QLatin1StringView(name)); };

    ConfigDecode cfg;
    if (has("config")) {
        if (auto bytes = dir.readFile("config", 4096))
            cfg = decoder.decode(f.address, *bytes);
        if (!cfg.caps.configReadable)
            f.missing << QStringLiteral("config (unreadable or truncated)");
        else if (cfg.caps.configSize < 256)
            f.missing << QStringLiteral("config beyond 64 bytes (capabilities need root)");
    } else {
        f.missing << QStringLiteral("config");
    }
    f.caps = cfg.caps;

    // modalias is the kernel's own view of vendor, device, subsystem and class in one file; the
    // separate attributes are read only when it is missing or malformed.
    f.modalias = dir.readLine("modalias").value_or(QString());
    const std::optional<ModaliasIds> ids = parseModalias(f.modalias);
    const bool header0 = cfg.caps.configReadable && cfg.caps.headerType == 0;
    const auto vendor = ids ? std::optional<int>(ids->vendor) : readHex(dir, "vendor");
    const auto device = ids ? std::optional<int>(ids->device) : readHex(dir, "device");
    const auto svendor = ids ? std::optional<int>(ids->subsystemVendor)
        : header0            ? std::optional<int>(cfg.subsystemVendor)
                             : readHex(dir, "subsystem_vendor");
    const auto sdevice = ids ? std::optional<int>(ids->subsystemDevice)
        : header0            ? std::optional<int>(cfg.subsystemDevice)
                             : readHex(dir, "subsystem_device");
    const auto cls = ids ? std::optional<int>(ids->classCode) : readHex(dir, "class");
    // Revision is a plain config register the kernel never rewrites.
    const auto rev = cfg.caps.configReadable ? std::optional<int>(cfg.revision) : readHex(dir, "revision");
    f.vendorId = quint16(vendor.value_or(0));
    f.deviceId = quint16(device.value_or(0));
    f.subsystemVendorId = quint16(svendor.value_or(0));
    f.subsystemDeviceId = quint16(sdevice.value_or(0));
    f.classCode = quint32(cls.value_or(int(cfg.classCode)));
    f.revision = rev.value_or(-1);
    if (!vendor)
        f.missing << QStringLiteral("vendor");
    if (!device)
        f.missing << QStringLiteral("device");
    if (!cls)
        f.missing << QStringLiteral("class");

    if (auto drv = dir.linkName("driver"))
        f.driver = *drv;
    if (auto ov = dir.readLine("driver_override"); ov && *ov != QLatin1String("(null)"))
        f.driverOverride = *ov;

    if (has("numa_node")) {
        auto n = dir.readInt("numa_node");
        if (n && *n >= -1 && *n < 4096)
            f.numaNode = int(*n);
        else
            f.missing << QStringLiteral("numa_node (malformed)");
    }
    f.link = cfg.link;
    // LNKCAP/LNKSTA in config are what the link files print; read the files only without them.
    if (!cfg.link.known()) {
    if (auto s = dir.readLine("current_link_speed"); s && parseLinkSpeed(*s) > 0)
        f.link.currentSpeed = parseLinkSpeed(*s);
    if (auto s = dir.readLine("max_link_speed"); s && parseLinkSpeed(*s) > 0)
        f.link.maxSpeed = parseLinkSpeed(*s);
    if (auto w = dir.readInt("current_link_width"); w && *w > 0 && *w <= 32)
        f.link.currentWidth = int(*w);
    if (auto w = dir.readInt("max_link_width"); w && *w > 0 && *w <= 32)
        f.link.maxWidth = int(*w);
    }

    f.portType = cfg.portType;
    f.secondaryBus = cfg.secondaryBus;
    f.subordinateBus = cfg.subordinateBus;
    if (f.secondaryBus < 0) {
        if (auto v = dir.readInt("secondary_bus_number"))
            f.secondaryBus = int(*v);
        if (auto v = dir.readInt("subordinate_bus_number"))
            f.subordinateBus = int(*v);
    }

    // SR-IOV: sysfs is the kernel's view (sriov_totalvfs can be capped by the driver); the
    // capability fills in what the files do not say.
    f.sriov = cfg.sriov;
    if (has("sriov_totalvfs")) {
        f.sriov.capable = true;
        auto rd = [&](const char *n) { return dir.readInt(n); };
        if (auto v = rd("sriov_totalvfs")) f.sriov.totalVfs = int(*v);
        if (auto v = rd("sriov_numvfs")) f.sriov.numVfs = int(*v);
        if (auto v = rd("sriov_offset")) f.sriov.vfOffset = int(*v);
        if (auto v = rd("sriov_stride")) f.sriov.vfStride = int(*v);
        if (auto v = dir.readInt("sriov_vf_device", 16)) f.sriov.vfDeviceId = int(*v);
        if (auto v = rd("sriov_drivers_autoprobe")) f.sriov.driversAutoprobe = int(*v);
    }
    QList<std::pair<int, PciAddress>> vfs;
    for (const QString &e : found.entries) {
        if (!e.startsWith(QLatin1String("virtfn")))
            continue;
        bool ok = false;
        const int n = e.mid(6).toInt(&ok);
        auto target = ok ? dir.linkName(e.toLatin1().constData()) : std::nullopt;
        auto a = target ? PciAddress::parse(*target) : std::nullopt;
        if (a)
            vfs.append({n, *a});
        else
            f.missing << QStringLiteral("%1 (dangling or malformed)").arg(e);
    }
    std::sort(vfs.begin(), vfs.end(), [](const auto &x, const auto &y) { return x.first < y.first; });
    for (const auto &v : vfs)
        f.vfs << v.second;
    if (has("physfn")) {
        auto target = dir.linkName("physfn");
        auto a = target ? PciAddress::parse(*target) : std::nullopt;
        if (a)
            f.physfn = *a;
        else
            f.missing << QStringLiteral("physfn (dangling or malformed)");
    }

    if (auto g = dir.linkName("iommu_group")) {
        bool ok = false;
        const int id = g->toInt(&ok);
        if (ok && id >= 0)
            f.iommuGroup = id;
    }
    // The unit is filled from each IOMMU's devices/ list, which names the same thing once per unit.
    if (auto r = dir.readLine("reset_method"))
        f.resetMethods = r->split(QLatin1Char(' '), Qt::SkipEmptyParts);
    return f;
}

std::optional<ReservedRegion> parseReservedRegion(QStringView line)
{
    // "0x%016llx 0x%016llx %s"
    const auto parts = line.split(u' ', Qt::SkipEmptyParts);
    if (parts.size() != 3 || !parts[0].startsWith(u"0x") || !parts[1].startsWith(u"0x"))
        return std::nullopt;
    bool ok1 = false, ok2 = false;
    ReservedRegion r;
    r.start = parts[0].mid(2).toULongLong(&ok1, 16);
    r.end = parts[1].mid(2).toULongLong(&ok2, 16);
    r.type = parts[2].toString();
    if (!ok1 || !ok2 || r.end < r.start || r.type.isEmpty())
        return std::nullopt;
    return r;
}

IommuGroup readGroup(const SysfsReader &sys, int id, QStringList *warnings)
{
    const QString dir = QStringLiteral("sys/kernel/iommu_groups/%1").arg(id);
    IommuGroup g;
    g.id = id;
    g.type = sys.readLine(dir + QStringLiteral("/type")).value_or(QString());
    if (auto content = sys.readFile(dir + QStringLiteral("/reserved_regions"), ReservedRegionsMax + 1)) {
        g.reservedRegionsKnown = true;
        if (content->size() > ReservedRegionsMax) {
            *warnings << QStringLiteral("group %1: reserved_regions larger than 1 MiB, read in part").arg(id);
            content->truncate(ReservedRegionsMax);
        }
        const QString text = QString::fromUtf8(*content);
        for (QStringView line : QStringView(text).split(u'\n', Qt::SkipEmptyParts)) {
            if (auto r = parseReservedRegion(line.trimmed()))
                g.reservedRegions << *r;
            else
                *warnings << QStringLiteral("group %1: malformed reserved region \"%2\"").arg(id).arg(line.left(80).toString());
        }
        std::sort(g.reservedRegions.begin(), g.reservedRegions.end(),
                  [](const ReservedRegion &a, const ReservedRegion &b) { return a.start < b.start; });
    }
    for (const QString &dev : sys.list(dir + QStringLiteral("/devices"))) {
        // The kernel appends ".N" when two members share a name; PCI names never do.
        if (auto a = PciAddress::parse(dev); a && dev.size() >= 12)
            g.devices << *a;
        else
            g.otherMembers << dev;
    }
    std::sort(g.devices.begin(), g.devices.end());
    return g;
}

QList<IommuGroup> scanGroups(const SysfsReader &sys, QThreadPool *pool, QStringList *warnings)
{
    QList<int> ids;
    for (const QString &name : sys.list(QStringLiteral("sys/kernel/iommu_groups"))) {
        bool ok = false;
        const int id = name.toInt(&ok);
        if (ok && id >= 0)
            ids << id;
    }
    std::sort(ids.begin(), ids.end());
    // Thousands of groups on hosts with many VFs: read them like the functions, in parallel.
    QList<IommuGroup> groups(ids.size());
    QList<QStringList> groupWarnings(ids.size());
    QList<int> positions(ids.size());
    std::iota(positions.begin(), positions.end(), 0);
    QtConcurrent::blockingMap(pool, positions, [&](int i) { groups[i] = readGroup(sys, ids[i], &groupWarnings[i]); });
    for (const QStringList &w : std::as_const(groupWarnings))
        *warnings << w;
    return groups;
}

QList<NumaNode> scanNumaNodes(const SysfsReader &sys)
{
    const QString base = QStringLiteral("sys/devices/system/node");
    QList<int> ids;
    for (const QString &e : sys.list(base))
        if (e.startsWith(QLatin1String("node")) && e.size() > 4) {
            bool ok = false;
            const int id = e.mid(4).toInt(&ok);
            if (ok && id >= 0)
                ids << id;
        }
    if (ids.isEmpty()) // copies often keep only the summary lists
        ids = parseCpuList(sys.readLine(base + QStringLiteral("/online")).value_or(QString()), 4096);
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    auto listed = [&](const char *file) -> std::optional<QList<int>> {
        auto line = sys.readLine(base + QLatin1Char('/') + QLatin1StringView(file));
        if (!line)
            return std::nullopt;
        return parseCpuList(*line, 4096);
    };
    const auto hasCpu = listed("has_cpu");
    const auto hasMemory = listed("has_memory");
    const auto hasNormal = listed("has_normal_memory");
    QList<NumaNode> nodes;
    for (int id : std::as_const(ids)) {
        NumaNode n;
        n.id = id;
        const QString dir = base + QStringLiteral("/node%1/").arg(id);
        n.cpuList = sys.readLine(dir + QStringLiteral("cpulist")).value_or(QString());
        n.hasCpu = hasCpu ? hasCpu->contains(id) : !n.cpuList.isEmpty();
        n.hasMemory = hasMemory ? hasMemory->contains(id) : (hasNormal ? hasNormal->contains(id) : true);
        if (auto meminfo = sys.readFile(dir + QStringLiteral("meminfo"), 16384)) {
            for (const QByteArray &line : meminfo->split('\n')) {
                const qsizetype at = line.indexOf("MemTotal:");
                if (at < 0)
                    continue;
                QByteArray v = line.mid(at + 9).trimmed();
                v = v.left(v.indexOf(' '));
                n.memTotalKiB = v.toULongLong();
            }
        }
        if (auto d = sys.readLine(dir + QStringLiteral("distance")))
            for (const QString &x : d->split(QLatin1Char(' '), Qt::SkipEmptyParts))
                n.distances << x.toInt();
        nodes << n;
    }
    return nodes;
}

QString kernelRelease(const SysfsReader &sys, const ScanOptions &o)
{
    if (!o.kernelRelease.isEmpty())
        return o.kernelRelease;
    if (auto r = sys.readLine(QStringLiteral("proc/sys/kernel/osrelease")); r && !r->isEmpty())
        return *r;
    if (sys.root() == QLatin1String("/")) {
        struct utsname u;
        if (::uname(&u) == 0)
            return QString::fromUtf8(u.release);
    }
    return {};
}

VariantDriverIndex loadVariantIndex(const SysfsReader &sys, const ScanOptions &o, const QString &release,
                                    QStringList *warnings)
{
    QStringList candidates;
    if (!o.modulesAlias.isEmpty())
        candidates << o.modulesAlias;
    else if (!release.isEmpty())
        candidates << sys.absolute(QStringLiteral("lib/modules/%1/modules.alias").arg(release))
                   << sys.absolute(QStringLiteral("usr/lib/modules/%1/modules.alias").arg(release));
    for (const QString &c : std::as_const(candidates)) {
        QFile file(c);
        if (file.open(QIODevice::ReadOnly))
            return VariantDriverIndex::fromAliasFile(file.read(64 << 20));
    }
    if (!candidates.isEmpty())
        warnings->append(QStringLiteral("modules.alias not found (%1): no VFIO variant driver suggestions")
                             .arg(candidates.first()));
    return {};
}

} // namespace

Topology scanHost(const ScanOptions &options, const std::atomic<bool> *cancel, const ScanProgressFn &progress)
{
    QElapsedTimer timer;
    timer.start();
    const SysfsReader sys(options.root);
    Topology topo;
    topo.source = sys.root();
    topo.sourceKind = QStringLiteral("sysfs");
    auto cancelled = [cancel] { return cancel && cancel->load(std::memory_order_relaxed); };
    QMutex progressLock;
    auto report = [&](int done, int total, const QString &stage) {
        if (!progress)
            return;
        QMutexLocker lock(&progressLock);
        progress(done, total, stage);
    };

    topo.kernelRelease = kernelRelease(sys, options);
    topo.hostname = sys.readLine(QStringLiteral("proc/sys/kernel/hostname"))
                        .value_or(sys.root() == QLatin1String("/") ? QSysInfo::machineHostName() : QString());

    report(0, 0, QStringLiteral("Walking the PCI hierarchy"));
    QThreadPool pool;
    pool.setMaxThreadCount(std::max(1, QThread::idealThreadCount()));
    QList<Found> found;
    Walker(sys, &found, &topo.hostBridges).walkRoot(&pool);

    qCDebug(lcScan) << "phase walk" << timer.elapsed() << "ms";
    // Devices the walk missed but the bus lists (a partial copy, an odd layout).
    QSet<PciAddress> seen;
    for (const Found &f : std::as_const(found)) {
        if (seen.contains(f.address))
            topo.warnings << QStringLiteral("%1 appears twice under sys/devices").arg(f.address.toString());
        seen.insert(f.address);
    }
    for (const QString &name : sys.list(QStringLiteral("sys/bus/pci/devices"))) {
        auto a = PciAddress::parse(name);
        if (!a || seen.contains(*a))
            continue;
        const QString rel = QStringLiteral("sys/bus/pci/devices/") + name;
        auto target = sys.resolveLink(rel);
        const QString dir = target && sys.isDirectory(*target) ? *target : (sys.isDirectory(rel) ? rel : QString());
        if (dir.isEmpty()) {
            topo.warnings << QStringLiteral("%1 is listed in sys/bus/pci/devices but its directory is missing").arg(name);
            continue;
        }
        Found f;
        f.address = *a;
        f.path = dir;
        const QStringList comps = dir.split(QLatin1Char('/'));
        if (comps.size() >= 2)
            f.parent = PciAddress::parse(comps.at(comps.size() - 2));
        for (const QString &c : comps)
            if (c.startsWith(QLatin1String("pci")) && parseHostBridgeName(c))
                f.hostBridge = c;
        f.entries = sys.list(dir);
        found << f;
        seen.insert(*a);
    }
    if (cancelled()) {
        topo.warnings << QStringLiteral("cancelled");
        return topo;
    }

    qCDebug(lcScan) << "phase bus-list" << timer.elapsed() << "ms";
    // Attributes: independent per function, so spread over the cores in chunks, each with its
    // own libpci handle.
    const int total = int(found.size());
    QList<PciFunction> functions(total);
    std::atomic<int> done{0};
    constexpr int ChunkSize = 128;
    QList<int> chunkStarts;
    for (int i = 0; i < total; i += ChunkSize)
        chunkStarts << i;
    QtConcurrent::blockingMap(&pool, chunkStarts, [&](int start) {
        if (cancelled())
            return;
        const PciConfigDecoder decoder;
        const int end = std::min(total, start + ChunkSize);
        for (int i = start; i < end; ++i) {
            functions[i] = readFunction(sys, decoder, found[i]);
            const int n = done.fetch_add(1) + 1;
            if (n % ProgressStep == 0)
                report(n, total, QStringLiteral("Reading functions"));
        }
    });
    if (cancelled()) {
        topo.warnings << QStringLiteral("cancelled");
        return topo;
    }
    report(total, total, QStringLiteral("Reading IOMMU groups and units"));

    qCDebug(lcScan) << "phase attributes" << timer.elapsed() << "ms";
    std::sort(functions.begin(), functions.end(),
              [](const PciFunction &a, const PciFunction &b) { return a.address < b.address; });
    functions.erase(std::unique(functions.begin(), functions.end(),
                                [](const PciFunction &a, const PciFunction &b) { return a.address == b.address; }),
                    functions.end());
    topo.functions = std::move(functions);
    topo.reindex();

    // Hierarchy, multifunction slots, SR-IOV back links.
    for (PciFunction &f : topo.functions) {
        if (f.parent) {
            if (PciFunction *parent = topo.function(*f.parent))
                parent->children << f.address;
            else
                f.parent.reset();
        }
    }
    QHash<PciAddress, int> slotCount;
    for (const PciFunction &f : std::as_const(topo.functions))
        if (!f.isVf())
            ++slotCount[PciAddress{f.address.domain, f.address.bus, f.address.device, 0}];
    for (PciFunction &f : topo.functions) {
        const bool siblings = !f.isVf() && slotCount.value(PciAddress{f.address.domain, f.address.bus, f.address.device, 0}) > 1;
        f.multifunction = f.caps.configReadable ? (f.caps.multifunctionBit || siblings) : siblings;
        if (f.portType == PortType::Unknown && (f.classCode >> 8) == 0x0604 && !f.caps.configReadable)
            f.missing << QStringLiteral("port type (no config space)");
        for (const PciAddress &vf : std::as_const(f.vfs)) {
            PciFunction *v = topo.function(vf);
            if (!v) {
                topo.warnings << QStringLiteral("%1: VF %2 is linked but not present").arg(f.address.toString(), vf.toString());
                continue;
            }
            if (!v->physfn)
                v->physfn = f.address;
            v->vfIndex = int(f.vfs.indexOf(vf));
        }
    }
    for (PciFunction &f : topo.functions) {
        if (!f.physfn)
            continue;
        PciFunction *pf = topo.function(*f.physfn);
        if (!pf)
            topo.warnings << QStringLiteral("%1: physfn %2 is not present").arg(f.address.toString(), f.physfn->toString());
        else if (!pf->vfs.contains(f.address)) {
            pf->vfs << f.address;
            f.vfIndex = int(pf->vfs.size()) - 1;
        }
    }

    qCDebug(lcScan) << "phase hierarchy" << timer.elapsed() << "ms";
    // IOMMU groups: the group directories when present; the per-device links otherwise (or both
    // when one side of a copy is incomplete).
    topo.groups = scanGroups(sys, &pool, &topo.warnings);
    topo.reindex();
    for (IommuGroup &g : topo.groups)
        for (const PciAddress &a : std::as_const(g.devices))
            if (PciFunction *f = topo.function(a)) {
                if (f->iommuGroup && *f->iommuGroup != g.id)
                    topo.warnings << QStringLiteral("%1: iommu_group link says %2 but group %3 lists it")
                                         .arg(a.toString()).arg(*f->iommuGroup).arg(g.id);
                f->iommuGroup = g.id;
            }
    for (const PciFunction &f : std::as_const(topo.functions)) {
        if (!f.iommuGroup)
            continue;
        auto it = topo.groupIndex.constFind(*f.iommuGroup);
        if (it == topo.groupIndex.cend()) {
            IommuGroup g;
            g.id = *f.iommuGroup;
            g.devices << f.address;
            topo.groups << g;
            topo.reindex();
        } else if (!topo.groups[*it].devices.contains(f.address)) {
            topo.groups[*it].devices << f.address;
            std::sort(topo.groups[*it].devices.begin(), topo.groups[*it].devices.end());
        }
    }
    std::sort(topo.groups.begin(), topo.groups.end(), [](const IommuGroup &a, const IommuGroup &b) { return a.id < b.id; });

    qCDebug(lcScan) << "phase groups" << timer.elapsed() << "ms";
    topo.iommuUnits = scanIommuUnits(sys, &topo.warnings);
    topo.reindex();
    for (const IommuUnit &u : std::as_const(topo.iommuUnits))
        for (const PciAddress &a : u.devices)
            if (PciFunction *f = topo.function(a); f && f->iommuUnit.isEmpty())
                f->iommuUnit = u.name;
    for (IommuGroup &g : topo.groups)
        for (const PciAddress &a : std::as_const(g.devices))
            if (const PciFunction *f = topo.function(a); f && !f->iommuUnit.isEmpty()) {
                g.unit = f->iommuUnit;
                break;
            }

    topo.numaNodes = scanNumaNodes(sys);
    for (PciFunction &f : topo.functions)
        for (const NumaNode &n : std::as_const(topo.numaNodes))
            if (n.id == f.numaNode)
                f.localCpus = n.cpuList;
    for (HostBridge &b : topo.hostBridges)
        for (const PciFunction &f : std::as_const(topo.functions))
            if (f.hostBridge == b.name && f.numaNode >= 0) {
                b.numaNode = f.numaNode;
                break;
            }

    qCDebug(lcScan) << "phase units+numa" << timer.elapsed() << "ms";
    const VariantDriverIndex variants = loadVariantIndex(sys, options, topo.kernelRelease, &topo.warnings);
    if (!variants.isEmpty())
        for (PciFunction &f : topo.functions)
            // The vfio_pci catch-all matches everything; only real variants are suggestions.
            f.variantDrivers = variants.match(f.modalias).filter(QRegularExpression(QStringLiteral("^(?!vfio_pci$)")));

    qCDebug(lcScan) << "phase variants" << timer.elapsed() << "ms";
    // pci.ids names; identical devices are common (VFs), so remember what was looked up.
    const PciNameDatabase names;
    QHash<quint32, QString> vendorNames, deviceNames, classNames;
    for (PciFunction &f : topo.functions) {
        auto vn = vendorNames.constFind(f.vendorId);
        if (vn == vendorNames.cend())
            vn = vendorNames.insert(f.vendorId, names.vendor(f.vendorId));
        f.vendorName = *vn;
        const quint32 key = quint32(f.vendorId) << 16 | f.deviceId;
        auto dn = deviceNames.constFind(key);
        if (dn == deviceNames.cend())
            dn = deviceNames.insert(key, names.device(f.vendorId, f.deviceId));
        f.deviceName = *dn;
        auto cn = classNames.constFind(f.classCode);
        if (cn == classNames.cend())
            cn = classNames.insert(f.classCode, names.className(f.classCode));
        f.className = *cn;
        if (f.subsystemVendorId || f.subsystemDeviceId)
            f.subsystemName = names.subsystem(f.vendorId, f.deviceId, f.subsystemVendorId, f.subsystemDeviceId);
    }

    qCDebug(lcScan) << "phase names" << timer.elapsed() << "ms";
    if (topo.functions.isEmpty())
        topo.warnings << QStringLiteral("no PCI functions found under %1/sys").arg(sys.root());
    // One line per kind of gap, not per function: a copy without config files would otherwise
    // bury everything else under thousands of identical lines.
    QMap<QString, QList<PciAddress>> gaps;
    for (const PciFunction &f : std::as_const(topo.functions))
        for (const QString &m : f.missing)
            gaps[m] << f.address;
    for (auto it = gaps.cbegin(); it != gaps.cend(); ++it) {
        const auto &who = it.value();
        topo.warnings << (who.size() == 1 ? QStringLiteral("%1: missing %2").arg(who.first().toString(), it.key())
                                          : QStringLiteral("%1 functions (%2, ...): missing %3")
                                                .arg(who.size()).arg(who.first().toString(), it.key()));
    }

    qCDebug(lcScan) << "phase warnings" << timer.elapsed() << "ms";
    report(total, total, QStringLiteral("Analysing groups"));
    topo.reindex();
    analyzeTopology(topo);
    qCDebug(lcScan) << "scanned" << topo.functions.size() << "functions from" << topo.source << "in"
                    << timer.elapsed() << "ms";
    return topo;
}

} // namespace devtopo
