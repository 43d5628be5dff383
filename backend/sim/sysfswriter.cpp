#include "sysfswriter.h"

#include "configspace.h"
#include "reservedregions.h"
#include "treefiles.h"

#include <QDir>
#include <QFileInfo>
#include <QMap>
#include <QSet>

#include <algorithm>
#include <functional>

using namespace Qt::StringLiterals;

namespace devtopo::sim {

namespace {

QByteArray hex(quint64 v, int width)
{
    return "0x" + QByteArray::number(v, 16).rightJustified(width, '0') + '\n';
}

QByteArray num(qint64 v)
{
    return QByteArray::number(v) + '\n';
}

QByteArray text(const QString &s)
{
    return s.toUtf8() + '\n';
}

QByteArray addr(const PciAddress &a)
{
    return a.toString().toLatin1();
}

QByteArray upperHex(quint32 v, int width)
{
    return QByteArray::number(v, 16).toUpper().rightJustified(width, '0');
}

QByteArray modalias(const SimFunction &f)
{
    return "pci:v" + upperHex(f.vendorId, 8) + 'd' + upperHex(f.deviceId, 8) + "sv" + upperHex(f.subsystemVendorId, 8)
        + "sd" + upperHex(f.subsystemDeviceId, 8) + "bc" + upperHex((f.classCode >> 16) & 0xff, 2) + "sc"
        + upperHex((f.classCode >> 8) & 0xff, 2) + 'i' + upperHex(f.classCode & 0xff, 2) + '\n';
}

int depthOf(const QByteArray &rel)
{
    return int(rel.count('/')) + 1;
}

// The ARI "next function" of a PF: the next physical function of the same device.
int ariNextFunction(const SimHost &host, const SimFunction &f)
{
    for (int fn = f.address.function + 1; fn < 8; ++fn) {
        PciAddress a = f.address;
        a.function = quint8(fn);
        const SimFunction *n = host.function(a);
        if (n && !n->isVf())
            return fn;
    }
    return 0;
}

QString moduleFor(const QString &driver)
{
    static const QHash<QString, QString> special = {
        {u"xhci_hcd"_s, u"xhci_pci"_s},     {u"nvidia-gpu"_s, u"i2c_nvidia_gpu"_s},
        {u"intel-spi"_s, u"spi_intel_pci"_s}, {u"i801_smbus"_s, u"i2c_i801"_s},
        {u"vfio-pci"_s, u"vfio_pci"_s},
    };
    const QString m = special.value(driver);
    return m.isEmpty() ? QString(driver).replace(u'-', u'_') : m;
}

class Writer
{
public:
    Writer(const SimHost &host, const QString &dir) : m_host(host), m_t(dir) {}
    bool run();
    QString error() const { return m_t.error(); }

private:
    void writeFunction(const SimFunction &f, const QByteArray &rel);
    void writeGroups();
    void writeIommuUnits();
    void writeDrivers();
    void writeNuma();
    void writeProcAndModules();

    const SimHost &m_host;
    TreeFiles m_t;
    QHash<PciAddress, QByteArray> m_paths;
    QHash<int, QList<int>> m_cpusOfNode;
    QList<int> m_allCpus;
    int m_nrCpus = 1;
};

bool Writer::run()
{
    m_paths = sysfsDevicePaths(m_host);
    for (const SimNumaNode &n : m_host.numaNodes) {
        const QList<int> cpus = parseCpuList(n.cpuList);
        m_cpusOfNode.insert(n.id, cpus);
        m_allCpus += cpus;
    }
    std::sort(m_allCpus.begin(), m_allCpus.end());
    m_allCpus.erase(std::unique(m_allCpus.begin(), m_allCpus.end()), m_allCpus.end());
    if (m_allCpus.isEmpty())
        m_allCpus = {0};
    m_nrCpus = m_allCpus.last() + 1;

    for (const char *d : {"sys/devices/virtual/iommu", "sys/devices/system/node", "sys/devices/system/cpu",
                          "sys/bus/pci/devices", "sys/bus/pci/drivers", "sys/kernel/iommu_groups",
                          "sys/class/iommu", "proc/sys/kernel"})
        m_t.mkpath(d);
    m_t.write("sys/bus/pci/drivers_autoprobe", "1\n");
    m_t.write("sys/bus/pci/drivers_probe", {});
    m_t.write("sys/bus/pci/rescan", {});
    auto makeHostBridge = [&](const SimHostBridge &hb, const QByteArray &under) {
        const QByteArray rel = under + '/' + hb.name().toLatin1();
        m_t.mkdir(rel);
        m_t.mkdir(rel + "/pci_bus");
        m_t.mkdir(rel + "/pci_bus/" + hb.name().mid(3).toLatin1());
    };
    for (const SimHostBridge &hb : m_host.hostBridges) {
        if (!hb.parentDevice)
            makeHostBridge(hb, "sys/devices");
    }

    // Parents before children: a parent's path is a prefix of its children's.
    QList<std::pair<QByteArray, int>> order;
    order.reserve(m_host.functions.size());
    for (int i = 0; i < m_host.functions.size(); ++i)
        order.append({m_paths.value(m_host.functions[i].address), i});
    std::sort(order.begin(), order.end(), [](const auto &a, const auto &b) {
        return std::pair(a.first.size(), a.first) < std::pair(b.first.size(), b.first);
    });
    for (const auto &[rel, i] : std::as_const(order)) {
        if (!m_t.ok())
            return false;
        writeFunction(m_host.functions[i], rel);
        for (const SimHostBridge &hb : m_host.hostBridges) {
            if (hb.parentDevice == m_host.functions[i].address)
                makeHostBridge(hb, "sys/" + rel);
        }
    }
    writeGroups();
    writeIommuUnits();
    writeDrivers();
    writeNuma();
    writeProcAndModules();
    return m_t.ok();
}

void Writer::writeFunction(const SimFunction &f, const QByteArray &rel)
{
    const QByteArray d = "sys/" + rel;
    const QByteArray toSys = ups(depthOf(rel));
    m_t.mkdir(d);
    auto file = [&](const char *name, const QByteArray &data) { m_t.write(d + '/' + name, data); };
    auto link = [&](const QByteArray &name, const QByteArray &target) { m_t.symlink(target, d + '/' + name); };

    file("vendor", hex(f.vendorId, 4));
    file("device", hex(f.deviceId, 4));
    file("subsystem_vendor", hex(f.subsystemVendorId, 4));
    file("subsystem_device", hex(f.subsystemDeviceId, 4));
    file("class", hex(f.classCode, 6));
    file("revision", hex(f.revision, 2));
    file("config", buildConfigSpace(f, f.ari ? ariNextFunction(m_host, f) : 0));
    file("modalias", modalias(f));
    file("driver_override", f.driverOverride.isEmpty() ? QByteArray("(null)\n") : text(f.driverOverride));
    file("numa_node", num(f.numaNode));
    const QList<int> cpus = m_cpusOfNode.contains(f.numaNode) && !m_cpusOfNode.value(f.numaNode).isEmpty()
        ? m_cpusOfNode.value(f.numaNode)
        : m_allCpus;
    file("local_cpulist", cpuListText(cpus));
    file("local_cpus", cpuMaskText(cpus, m_nrCpus));
    file("enable", f.driver.isEmpty() ? "0\n" : "1\n");
    file("irq", f.isVf() || f.driver.isEmpty() ? "0\n" : num(24 + (qHash(f.address) % 200)));
    file("power_state", "D0\n");
    file("d3cold_allowed", "1\n");
    file("broken_parity_status", "0\n");
    file("msi_bus", "1\n");
    file("ari_enabled", f.ari ? "1\n" : "0\n");
    QByteArray resource;
    const int resources = f.isBridge() ? 17 : 13; // bridges add their four windows
    for (int i = 0; i < resources; ++i)
        resource += "0x0000000000000000 0x0000000000000000 0x0000000000000000\n";
    file("resource", resource);
    if (f.isPcie()) {
        file("max_link_speed", text(linkSpeedText(f.link.maxSpeed)));
        file("max_link_width", num(f.link.maxWidth));
        file("current_link_speed", text(linkSpeedText(f.link.currentWidth > 0 ? f.link.currentSpeed : 0)));
        file("current_link_width", num(f.link.currentWidth));
    }
    if (f.isBridge()) {
        file("secondary_bus_number", num(f.secondaryBus));
        file("subordinate_bus_number", num(f.subordinateBus >= 0 ? f.subordinateBus : f.secondaryBus));
    }
    if (!f.resetMethods.isEmpty())
        file("reset_method", text(f.resetMethods.join(u' ')));
    if (f.sriov.capable && !f.isVf()) {
        file("sriov_totalvfs", num(f.sriov.totalVfs));
        file("sriov_numvfs", num(f.sriov.numVfs));
        file("sriov_offset", num(f.sriov.offset));
        file("sriov_stride", num(f.sriov.stride));
        file("sriov_vf_device", QByteArray::number(f.sriov.vfDeviceId, 16) + '\n');
        file("sriov_drivers_autoprobe", f.sriov.driversAutoprobe ? "1\n" : "0\n");
        const QList<PciAddress> vfs = m_host.vfsOf(f.address);
        for (const PciAddress &vf : vfs) {
            const SimFunction *v = m_host.function(vf);
            link("virtfn" + QByteArray::number(v->vfIndex), "../" + addr(vf));
        }
    }
    if (f.physfn)
        link("physfn", "../" + addr(*f.physfn));
    link("subsystem", toSys + "bus/pci");
    if (!f.driver.isEmpty())
        link("driver", toSys + "bus/pci/drivers/" + f.driver.toUtf8());
    if (f.iommuGroup >= 0)
        link("iommu_group", toSys + "kernel/iommu_groups/" + QByteArray::number(f.iommuGroup));
    if (!f.iommuUnit.isEmpty())
        link("iommu", ups(depthOf(rel) - 1) + "virtual/iommu/" + f.iommuUnit.toUtf8());

    m_t.symlink("../../../" + rel, "sys/bus/pci/devices/" + addr(f.address));
}

void Writer::writeGroups()
{
    QMap<int, QList<const SimFunction *>> members;
    for (const SimFunction &f : m_host.functions) {
        if (f.iommuGroup >= 0)
            members[f.iommuGroup].append(&f);
    }
    const QHash<int, QList<SimResvRegion>> regions = groupReservedRegions(m_host);
    for (auto it = members.cbegin(); it != members.cend(); ++it) {
        const QByteArray g = "sys/kernel/iommu_groups/" + QByteArray::number(it.key());
        m_t.mkdir(g);
        m_t.mkdir(g + "/devices");
        m_t.write(g + "/type", "DMA\n");
        m_t.write(g + "/reserved_regions", reservedRegionsText(regions.value(it.key())));
        for (const SimFunction *f : it.value())
            m_t.symlink("../../../../" + m_paths.value(f->address), g + "/devices/" + addr(f->address));
    }
}

void Writer::writeIommuUnits()
{
    for (const SimIommuUnit &u : m_host.iommuUnits) {
        const QByteArray name = u.name.toUtf8();
        const QByteArray d = "sys/devices/virtual/iommu/" + name;
        m_t.mkdir(d);
        m_t.mkdir(d + "/intel-iommu");
        m_t.mkdir(d + "/devices");
        m_t.write(d + "/intel-iommu/cap", QByteArray::number(u.cap, 16) + '\n');
        m_t.write(d + "/intel-iommu/ecap", QByteArray::number(u.ecap, 16) + '\n');
        m_t.write(d + "/intel-iommu/version", text(u.version));
        m_t.write(d + "/intel-iommu/address", QByteArray::number(u.registerBase, 16) + '\n');
        m_t.write(d + "/intel-iommu/domains_supported", num(qint64(1) << (4 + 2 * (u.cap & 7))));
        QSet<int> groups;
        for (const SimFunction &f : m_host.functions) {
            if (f.iommuUnit != u.name)
                continue;
            groups.insert(f.iommuGroup);
            // From .../dmarN/devices four levels climb to sys/devices.
            m_t.symlink("../../../../" + m_paths.value(f.address).mid(int(sizeof("devices/")) - 1),
                        d + "/devices/" + addr(f.address));
        }
        m_t.write(d + "/intel-iommu/domains_used", num(groups.size()));
        m_t.symlink("../../devices/virtual/iommu/" + name, "sys/class/iommu/" + name);
    }
}

void Writer::writeDrivers()
{
    QMap<QString, QList<const SimFunction *>> bound;
    for (const QString &d : m_host.loadedDrivers)
        bound[d];
    for (const SimFunction &f : m_host.functions) {
        if (!f.driver.isEmpty())
            bound[f.driver].append(&f);
    }
    for (auto it = bound.cbegin(); it != bound.cend(); ++it) {
        const QByteArray d = "sys/bus/pci/drivers/" + it.key().toUtf8();
        m_t.mkdir(d);
        for (const char *ctl : {"bind", "unbind", "new_id", "remove_id"})
            m_t.write(d + '/' + ctl, {});
        for (const SimFunction *f : it.value())
            m_t.symlink("../../../../" + m_paths.value(f->address), d + '/' + addr(f->address));
    }
}

void Writer::writeNuma()
{
    QList<int> all, withCpu, withMem, normalMem;
    for (const SimNumaNode &n : m_host.numaNodes) {
        all.append(n.id);
        if (!m_cpusOfNode.value(n.id).isEmpty()) {
            withCpu.append(n.id);
            normalMem.append(n.id); // memory-only (CXL) nodes come up as ZONE_MOVABLE
        }
        if (n.memTotalKiB > 0)
            withMem.append(n.id);
    }
    const QByteArray base = "sys/devices/system/node/";
    m_t.write(base + "online", cpuListText(all));
    m_t.write(base + "possible", cpuListText(all));
    m_t.write(base + "has_cpu", cpuListText(withCpu));
    m_t.write(base + "has_memory", cpuListText(withMem));
    m_t.write(base + "has_normal_memory", cpuListText(normalMem));
    for (const SimNumaNode &n : m_host.numaNodes) {
        const QByteArray d = base + "node" + QByteArray::number(n.id);
        m_t.mkdir(d);
        const QList<int> cpus = m_cpusOfNode.value(n.id);
        m_t.write(d + "/cpulist", cpuListText(cpus));
        m_t.write(d + "/cpumap", cpuMaskText(cpus, m_nrCpus));
        QStringList dist;
        for (int v : n.distances)
            dist.append(QString::number(v));
        m_t.write(d + "/distance", text(dist.join(u' ')));
        const quint64 free = n.memTotalKiB / 10 * 7; // an idle host: most memory free
        auto line = [&](const char *key, quint64 kib) {
            return QStringLiteral("Node %1 %2 %3 kB\n")
                .arg(n.id)
                .arg(QLatin1StringView(key), -15)
                .arg(kib, 8)
                .toLatin1();
        };
        m_t.write(d + "/meminfo",
                  line("MemTotal:", n.memTotalKiB) + line("MemFree:", free) + line("MemUsed:", n.memTotalKiB - free));
    }
    m_t.write("sys/devices/system/cpu/online", cpuListText(m_allCpus));
    m_t.write("sys/devices/system/cpu/possible", cpuListText(m_allCpus));
    m_t.write("sys/devices/system/cpu/present", cpuListText(m_allCpus));
}

void Writer::writeProcAndModules()
{
    m_t.write("proc/sys/kernel/osrelease", text(m_host.kernelRelease));
    m_t.write("proc/sys/kernel/hostname", text(m_host.hostname));
    QString cmdline = m_host.cmdline;
    if (!m_host.disableAcsRedir.isEmpty()) {
        QStringList devs;
        for (const PciAddress &a : m_host.disableAcsRedir)
            devs.append(a.toString());
        cmdline += u" pci=disable_acs_redir="_s + devs.join(u';');
    }
    m_t.write("proc/cmdline", text(cmdline.trimmed()));
    const QByteArray modules = "lib/modules/" + m_host.kernelRelease.toUtf8();
    m_t.mkpath(modules);
    m_t.write(modules + "/modules.alias", modulesAliasText(m_host));
}

} // namespace

QHash<PciAddress, QByteArray> sysfsDevicePaths(const SimHost &host)
{
    QHash<PciAddress, QByteArray> paths;
    paths.reserve(host.functions.size());
    std::function<QByteArray(const SimFunction &, int)> pathOf = [&](const SimFunction &f, int guard) {
        if (const auto it = paths.constFind(f.address); it != paths.cend())
            return *it;
        QByteArray parent;
        const SimFunction *up = host.upstreamBridge(f);
        if (up && guard < 256) {
            parent = pathOf(*up, guard + 1);
        } else {
            // On a root bus: below the host bridge of the function's (or its PF's) bus.
            SimHostBridge hb;
            hb.domain = f.address.domain;
            hb.bus = f.isVf() ? f.physfn->bus : f.address.bus;
            parent = "devices/" + hb.name().toLatin1();
            for (const SimHostBridge &real : host.hostBridges) {
                const SimFunction *owner = real.parentDevice ? host.function(*real.parentDevice) : nullptr;
                if (real.domain == hb.domain && real.bus == hb.bus && owner && guard < 256)
                    parent = pathOf(*owner, guard + 1) + '/' + hb.name().toLatin1();
            }
        }
        const QByteArray p = parent + '/' + addr(f.address);
        paths.insert(f.address, p);
        return p;
    };
    for (const SimFunction &f : host.functions)
        pathOf(f, 0);
    return paths;
}

QList<int> parseCpuList(const QString &list)
{
    QList<int> cpus;
    for (const QString &part : list.split(u',', Qt::SkipEmptyParts)) {
        const QStringList ends = part.trimmed().split(u'-');
        bool ok1 = false, ok2 = false;
        const int a = ends.value(0).toInt(&ok1);
        const int b = ends.size() > 1 ? ends.value(1).toInt(&ok2) : a;
        if (!ok1 || (ends.size() > 1 && !ok2) || b < a)
            continue;
        for (int c = a; c <= b; ++c)
            cpus.append(c);
    }
    std::sort(cpus.begin(), cpus.end());
    cpus.erase(std::unique(cpus.begin(), cpus.end()), cpus.end());
    return cpus;
}

QByteArray cpuListText(const QList<int> &cpus)
{
    QByteArray out;
    for (int i = 0; i < cpus.size();) {
        int j = i;
        while (j + 1 < cpus.size() && cpus[j + 1] == cpus[j] + 1)
            ++j;
        if (!out.isEmpty())
            out += ',';
        out += QByteArray::number(cpus[i]);
        if (j > i)
            out += '-' + QByteArray::number(cpus[j]);
        i = j + 1;
    }
    return out + '\n';
}

QByteArray cpuMaskText(const QList<int> &cpus, int nrCpus)
{
    // bitmap_print_to_pagebuf(): 32-bit words, most significant first, the first only as wide as needed.
    const int words = std::max(1, (nrCpus + 31) / 32);
    QList<quint32> bits(words, 0);
    for (int c : cpus) {
        if (c >= 0 && c < words * 32)
            bits[c / 32] |= 1u << (c % 32);
    }
    QByteArray out;
    for (int w = words - 1; w >= 0; --w) {
        const int width = (w == words - 1) ? std::max(1, ((nrCpus - 32 * w) + 3) / 4) : 8;
        if (!out.isEmpty())
            out += ',';
        out += QByteArray::number(bits[w], 16).rightJustified(width, '0');
    }
    return out + '\n';
}

QByteArray modulesAliasText(const SimHost &host)
{
    QByteArray out = "# Aliases extracted from modules themselves.\n";
    QSet<QByteArray> seen;
    auto add = [&](const QByteArray &line) {
        if (!seen.contains(line)) {
            seen.insert(line);
            out += line + '\n';
        }
    };
    auto idAlias = [](const char *prefix, quint16 v, quint16 d, const QString &module) -> QByteArray {
        return QByteArray(prefix) + ":v" + upperHex(v, 8) + 'd' + upperHex(d, 8) + "sv*sd*bc*sc*i* " + module.toUtf8();
    };
    // Native drivers of the devices present, by ID; VFIO-bound devices keep their native alias.
    for (const SimFunction &f : host.functions) {
        QString driver = f.driver;
        if (f.isVf()) {
            if (const SimFunction *pf = host.function(*f.physfn))
                driver = pf->sriov.vfDriver;
        }
        if (driver.isEmpty() || driver.contains(u"vfio"_s) || driver == u"pcieport"_s)
            continue;
        add(idAlias("alias pci", f.vendorId, f.deviceId, moduleFor(driver)));
    }
    // Class-based matches as real modules declare them.
    add("alias pci:v*d*sv*sd*bc01sc08i02* nvme");
    add("alias pci:v*d*sv*sd*bc01sc06i01* ahci");
    add("alias pci:v*d*sv*sd*bc0Csc03i30* xhci_pci");
    add("alias pci:v000010DEd*sv*sd*bc03sc00i00* nvidia");
    add("alias pci:v000010DEd*sv*sd*bc03sc02i00* nvidia");
    add("alias pci:v000010DEd*sv*sd*bc03sc*i* nouveau");
    add("alias pci:v000010DEd*sv*sd*bc04sc03i00* snd_hda_intel");
    // VFIO variant drivers (override_only entries, emitted with the vfio_pci: prefix).
    add("alias vfio_pci:v000015B3d0000101Esv*sd*bc*sc*i* mlx5_vfio_pci");
    add("alias vfio_pci:v000015B3d00002101sv*sd*bc*sc*i* mlx5_vfio_pci");
    add("alias vfio_pci:v000019E5d0000A22Esv*sd*bc*sc*i* hisi_acc_vfio_pci");
    add("alias vfio_pci:v000019E5d0000A251sv*sd*bc*sc*i* hisi_acc_vfio_pci");
    add("alias vfio_pci:v00001DD8d00001003sv*sd*bc*sc*i* pds_vfio_pci");
    add("alias vfio_pci:v00001AF4d00001041sv00001AF4sd*bc*sc*i* virtio_vfio_pci");
    add("alias vfio_pci:v000010DEd00002342sv*sd*bc*sc*i* nvgrace_gpu_vfio_pci");
    add("alias vfio_pci:v*d*sv*sd*bc*sc*i* vfio_pci");
    return out;
}

bool writeSysfsTree(const SimHost &host, const QString &dir, QString *error)
{
    auto fail = [&](const QString &why) {
        if (error)
            *error = why;
        return false;
    };
    if (!QDir().mkpath(dir))
        return fail(u"cannot create %1"_s.arg(dir));
    if (QFileInfo::exists(dir + u"/sys"_s))
        return fail(u"%1 already holds a sys/ tree; write a changed host into a fresh directory"_s.arg(dir));
    Writer w(host, dir);
    if (!w.run())
        return fail(w.error());
    return true;
}

} // namespace devtopo::sim
