#include "testtopology.h"

#include <algorithm>

namespace devtopo::test {

PciAddress addr(const char *text)
{
    const auto a = PciAddress::parse(QString::fromLatin1(text));
    Q_ASSERT(a);
    return *a;
}

namespace {

struct FnSpec
{
    const char *address;
    const char *parent; // nullptr: directly below the host bridge
    quint16 vendor, device;
    quint32 cls;
    const char *vendorName, *deviceName, *className;
    const char *driver;
    PortType portType;
    int group;
};

// Usable ranges of [0, 2^width): everything but non-relaxable reserved regions (same rule as
// analysis.cpp, written out here so these tests do not depend on it).
QList<IovaRange> usable(int width, QList<ReservedRegion> regions)
{
    std::sort(regions.begin(), regions.end(), [](auto &a, auto &b) { return a.start < b.start; });
    const quint64 last = width >= 64 ? ~quint64(0) : (quint64(1) << width) - 1;
    QList<IovaRange> out;
    quint64 next = 0;
    for (const ReservedRegion &r : regions) {
        if (r.type == QStringLiteral("direct-relaxable"))
            continue;
        if (r.start > next)
            out.append({next, r.start - 1});
        next = std::max(next, r.end + 1);
    }
    if (next <= last)
        out.append({next, last});
    return out;
}

} // namespace

Topology makeTestTopology()
{
    static const FnSpec specs[] = {
        {"0000:00:00.0", nullptr, 0x8086, 0x2020, 0x060000, "Intel Corporation", "Sky Lake-E DMI3 Registers", "Host bridge", "", PortType::RootComplexIntegratedEndpoint, 0},
        {"0000:00:01.0", nullptr, 0x8086, 0x2030, 0x060400, "Intel Corporation", "Sky Lake-E PCI Express Root Port A", "PCI bridge", "pcieport", PortType::RootPort, 1},
        {"0000:00:02.0", nullptr, 0x8086, 0x2031, 0x060400, "Intel Corporation", "Sky Lake-E PCI Express Root Port B", "PCI bridge", "pcieport", PortType::RootPort, 3},
        {"0000:00:1f.0", nullptr, 0x8086, 0xa1c1, 0x060100, "Intel Corporation", "C621 Series Chipset LPC/eSPI Controller", "ISA bridge", "", PortType::RootComplexIntegratedEndpoint, 4},
        {"0000:00:1f.3", nullptr, 0x8086, 0xa1f0, 0x040300, "Intel Corporation", "Lewisburg MROM 0", "Audio device", "snd_hda_intel", PortType::RootComplexIntegratedEndpoint, 4},
        {"0000:01:00.0", "0000:00:01.0", 0x10b5, 0x8747, 0x060400, "PLX Technology, Inc.", "PEX 8747 48-Lane PCI Express Gen 3 Switch", "PCI bridge", "pcieport", PortType::SwitchUpstream, 2},
        {"0000:02:00.0", "0000:01:00.0", 0x10b5, 0x8747, 0x060400, "PLX Technology, Inc.", "PEX 8747 48-Lane PCI Express Gen 3 Switch", "PCI bridge", "pcieport", PortType::SwitchDownstream, 2},
        {"0000:02:01.0", "0000:01:00.0", 0x10b5, 0x8747, 0x060400, "PLX Technology, Inc.", "PEX 8747 48-Lane PCI Express Gen 3 Switch", "PCI bridge", "pcieport", PortType::SwitchDownstream, 2},
        {"0000:03:00.0", "0000:02:00.0", 0x144d, 0xa808, 0x010802, "Samsung Electronics Co Ltd", "NVMe SSD Controller SM981/PM981/PM983", "Non-Volatile memory controller", "nvme", PortType::Endpoint, 2},
        {"0000:04:00.0", "0000:02:01.0", 0x10de, 0x1eb8, 0x030200, "NVIDIA Corporation", "TU104GL [Tesla T4]", "3D controller", "vfio-pci", PortType::Endpoint, 2},
        {"0000:04:00.1", "0000:02:01.0", 0x10de, 0x10f8, 0x040300, "NVIDIA Corporation", "TU104 HD Audio Controller", "Audio device", "snd_hda_intel", PortType::Endpoint, 2},
        {"0000:05:00.0", "0000:00:02.0", 0x8086, 0x10fb, 0x020000, "Intel Corporation", "82599ES 10-Gigabit SFI/SFP+ Network Connection", "Ethernet controller", "ixgbe", PortType::Endpoint, 5},
        {"0000:05:10.0", "0000:00:02.0", 0x8086, 0x10ed, 0x020000, "Intel Corporation", "82599 Ethernet Controller Virtual Function", "Ethernet controller", "vfio-pci", PortType::Endpoint, 6},
        {"0000:05:10.2", "0000:00:02.0", 0x8086, 0x10ed, 0x020000, "Intel Corporation", "82599 Ethernet Controller Virtual Function", "Ethernet controller", "ixgbevf", PortType::Endpoint, 7},
        {"0000:80:00.0", nullptr, 0x15b3, 0x1017, 0x020000, "Mellanox Technologies", "MT27800 Family [ConnectX-5]", "Ethernet controller", "mlx5_core", PortType::Endpoint, 8},
    };

    Topology t;
    t.source = QStringLiteral("/test/root");
    t.sourceKind = QStringLiteral("sysfs");
    t.hostname = QStringLiteral("testhost");
    t.kernelRelease = QStringLiteral("6.12.0-test");
    t.hostBridges = {{QStringLiteral("pci0000:00"), 0, 0, 0}, {QStringLiteral("pci0000:80"), 0, 0x80, 1}};

    for (const FnSpec &s : specs) {
        PciFunction f;
        f.address = addr(s.address);
        f.hostBridge = f.address.bus >= 0x80 ? QStringLiteral("pci0000:80") : QStringLiteral("pci0000:00");
        f.sysfsPath = QStringLiteral("sys/devices/") + f.hostBridge + QLatin1Char('/') + QString::fromLatin1(s.address);
        if (s.parent)
            f.parent = addr(s.parent);
        f.vendorId = s.vendor;
        f.deviceId = s.device;
        f.classCode = s.cls;
        f.revision = 1;
        f.vendorName = QString::fromUtf8(s.vendorName);
        f.deviceName = QString::fromUtf8(s.deviceName);
        f.className = QString::fromUtf8(s.className);
        f.driver = QString::fromLatin1(s.driver);
        f.portType = s.portType;
        f.iommuGroup = s.group;
        f.numaNode = f.address.bus >= 0x80 ? 1 : 0;
        f.iommuUnit = f.address.bus >= 0x80 ? QStringLiteral("dmar1") : QStringLiteral("dmar0");
        f.modalias = QStringLiteral("pci:v0000%1d0000%2sv*sd*bc*sc*i*")
                         .arg(s.vendor, 4, 16, QLatin1Char('0')).arg(s.device, 4, 16, QLatin1Char('0')).toUpper();
        f.caps.configReadable = true;
        f.caps.configSize = 4096;
        f.caps.pcie = true;
        f.caps.headerType = f.isBridge() ? 1 : 0;
        f.caps.names = {QStringLiteral("Power Management"), QStringLiteral("MSI"), QStringLiteral("PCI Express")};
        f.caps.msi = true;
        if (f.isBridge()) {
            f.secondaryBus = 0;
            f.subordinateBus = 0;
        }
        t.functions << f;
    }
    t.reindex();

    auto fn = [&t](const char *a) { return t.function(addr(a)); };
    // Root ports isolate (full ACS); the switch's downstream ports have none, which merges group 2.
    for (const char *rp : {"0000:00:01.0", "0000:00:02.0"}) {
        PciFunction *f = fn(rp);
        f->caps.acs = {true, 0x005f, 0x001d};
        f->caps.names << QStringLiteral("Access Control Services");
        f->caps.aer = true;
    }
    fn("0000:00:01.0")->secondaryBus = 1;
    fn("0000:00:01.0")->subordinateBus = 4;
    fn("0000:00:02.0")->secondaryBus = 5;
    fn("0000:00:02.0")->subordinateBus = 5;
    fn("0000:01:00.0")->secondaryBus = 2;
    fn("0000:01:00.0")->subordinateBus = 4;
    fn("0000:02:00.0")->secondaryBus = 3;
    fn("0000:02:00.0")->subordinateBus = 3;
    fn("0000:02:01.0")->secondaryBus = 4;
    fn("0000:02:01.0")->subordinateBus = 4;
    fn("0000:00:01.0")->link = {8, 8, 16, 16};
    fn("0000:03:00.0")->link = {8, 8, 4, 4};
    fn("0000:04:00.0")->link = {2.5, 8, 8, 16}; // degraded: speed and width
    fn("0000:80:00.0")->link = {8, 8, 8, 16}; // degraded: width
    for (const char *mf : {"0000:00:1f.0", "0000:00:1f.3", "0000:04:00.0", "0000:04:00.1"})
        fn(mf)->multifunction = true;
    fn("0000:00:1f.0")->caps.multifunctionBit = true;
    fn("0000:00:1f.0")->caps.pcie = false;
    fn("0000:04:00.0")->variantDrivers = {QStringLiteral("nvgrace_gpu_vfio_pci")};
    fn("0000:04:00.0")->caps.pasid = true;
    fn("0000:04:00.0")->caps.pasidWidth = 20;
    fn("0000:80:00.0")->missing = {QStringLiteral("reset_method"), QStringLiteral("config (beyond 64 bytes)")};
    fn("0000:80:00.0")->caps.configReadable = false;

    PciFunction *pf = fn("0000:05:00.0");
    pf->sriov = {true, 63, 63, 2, 128, 2, 0x10ed, 1};
    pf->caps.sriov = true;
    pf->caps.ari = true;
    pf->caps.msix = true;
    pf->caps.names << QStringLiteral("Single Root I/O Virtualization");
    pf->vfs = {addr("0000:05:10.0"), addr("0000:05:10.2")};
    for (int i = 0; i < pf->vfs.size(); ++i) {
        PciFunction *vf = fn(i == 0 ? "0000:05:10.0" : "0000:05:10.2");
        vf->physfn = pf->address;
        vf->vfIndex = i;
        vf->caps.configSize = 256; // VFs' extended space reads as zeros in some captures
    }

    // Children lists mirror the parent links.
    for (const PciFunction &f : std::as_const(t.functions))
        if (f.parent)
            t.function(*f.parent)->children << f.address;

    auto pcis = [](std::initializer_list<const char *> list) {
        QList<PciAddress> out;
        for (const char *a : list)
            out << addr(a);
        return out;
    };
    const ReservedRegion msi{0xfee00000, 0xfeefffff, QStringLiteral("msi")};
    auto group = [&](int id, QList<PciAddress> devices, QList<ReservedRegion> regions, bool viable) {
        IommuGroup g;
        g.id = id;
        g.type = id == 2 ? QStringLiteral("DMA-FQ") : QStringLiteral("DMA");
        g.devices = devices;
        g.reservedRegionsKnown = true;
        g.reservedRegions = regions;
        g.unit = id == 8 ? QStringLiteral("dmar1") : QStringLiteral("dmar0");
        g.addressWidth = 48;
        g.usableIova = usable(48, regions);
        g.viability.viable = viable;
        return g;
    };
    t.groups << group(0, pcis({"0000:00:00.0"}), {msi}, true)
             << group(1, pcis({"0000:00:01.0"}), {msi}, true);
    IommuGroup g2 = group(2, pcis({"0000:01:00.0", "0000:02:00.0", "0000:02:01.0", "0000:03:00.0", "0000:04:00.0", "0000:04:00.1"}),
                          {{0x000a0000, 0x000bffff, QStringLiteral("direct-relaxable")},
                           {0xbf800000, 0xbfffffff, QStringLiteral("direct")},
                           msi},
                          false);
    g2.viability.blockers = {QStringLiteral("0000:03:00.0 is bound to nvme"),
                             QStringLiteral("0000:04:00.1 is bound to snd_hda_intel")};
    g2.viability.actions = {QStringLiteral("unbind nvme from 0000:03:00.0 and bind it to vfio-pci"),
                            QStringLiteral("unbind snd_hda_intel from 0000:04:00.1 and bind it to vfio-pci")};
    GroupReason missingAcs;
    missingAcs.kind = GroupReason::Kind::MissingAcs;
    missingAcs.culprit = addr("0000:02:00.0");
    missingAcs.affected = pcis({"0000:03:00.0", "0000:04:00.0", "0000:04:00.1"});
    missingAcs.missingAcsBits = Acs::RequiredForIsolation;
    missingAcs.text = QStringLiteral("Switch downstream port 0000:02:00.0 has no ACS capability. Peer-to-peer "
                                     "requests between devices below switch 0000:01:00.0 can bypass the IOMMU, "
                                     "so the kernel puts them all in one group.");
    GroupReason multi;
    multi.kind = GroupReason::Kind::MultifunctionWithoutAcs;
    multi.culprit = addr("0000:04:00.0");
    multi.affected = pcis({"0000:04:00.0", "0000:04:00.1"});
    multi.text = QStringLiteral("0000:04:00.0 and 0000:04:00.1 are functions of one slot without ACS. They may "
                                "talk to each other directly.");
    g2.reasons = {missingAcs, multi};
    t.groups << g2 << group(3, pcis({"0000:00:02.0"}), {msi}, true);
    IommuGroup g4 = group(4, pcis({"0000:00:1f.0", "0000:00:1f.3"}), {msi}, false);
    g4.viability.blockers = {QStringLiteral("0000:00:1f.3 is bound to snd_hda_intel")};
    GroupReason chipset = multi;
    chipset.culprit = addr("0000:00:1f.0");
    chipset.affected = g4.devices;
    chipset.text = QStringLiteral("0000:00:1f.0 and 0000:00:1f.3 are functions of one slot without ACS.");
    g4.reasons = {chipset};
    t.groups << g4;
    IommuGroup g5 = group(5, pcis({"0000:05:00.0"}), {msi, {0xfd00000000, 0xffffffffff, QStringLiteral("reserved")}}, false);
    g5.viability.blockers = {QStringLiteral("0000:05:00.0 is bound to ixgbe")};
    t.groups << g5 << group(6, pcis({"0000:05:10.0"}), {msi}, true);
    IommuGroup g7 = group(7, pcis({"0000:05:10.2"}), {msi}, false);
    g7.viability.blockers = {QStringLiteral("0000:05:10.2 is bound to ixgbevf")};
    t.groups << g7;
    IommuGroup g8 = group(8, pcis({"0000:80:00.0"}), {}, false);
    g8.reservedRegionsKnown = false;
    g8.addressWidth = 57;
    g8.addressWidthAssumed = true;
    g8.usableIova = usable(57, {});
    g8.viability.blockers = {QStringLiteral("0000:80:00.0 is bound to mlx5_core")};
    t.groups << g8;

    IommuUnit dmar0;
    dmar0.name = QStringLiteral("dmar0");
    dmar0.kind = QStringLiteral("intel-vtd");
    dmar0.version = QStringLiteral("1:0");
    dmar0.cap = 0xd2008c40660462;
    dmar0.ecap = 0xf050da;
    dmar0.addressWidth = 48;
    dmar0.scalableMode = true;
    dmar0.pasid = true;
    dmar0.pasidBits = 20;
    dmar0.nesting = true;
    dmar0.passThrough = true;
    dmar0.interruptRemapping = true;
    dmar0.largePages = {QStringLiteral("2M"), QStringLiteral("1G")};
    dmar0.featureText = {QStringLiteral("48-bit guest address width"), QStringLiteral("scalable mode"),
                         QStringLiteral("20-bit PASID"), QStringLiteral("nested translation")};
    for (const PciFunction &f : std::as_const(t.functions))
        if (f.address.bus < 0x80)
            dmar0.devices << f.address;
    IommuUnit dmar1 = dmar0;
    dmar1.name = QStringLiteral("dmar1");
    dmar1.addressWidth = 57;
    dmar1.dirtyTracking = true;
    dmar1.scalableMode = false;
    dmar1.nesting = false;
    dmar1.featureText = {QStringLiteral("57-bit guest address width"), QStringLiteral("dirty tracking")};
    dmar1.devices = {addr("0000:80:00.0")};
    t.iommuUnits = {dmar0, dmar1};

    NumaNode n0{0, QStringLiteral("0-15"), true, true, 64 * 1024 * 1024, {10, 21}};
    NumaNode n1{1, QStringLiteral("16-31"), true, true, 64 * 1024 * 1024, {21, 10}};
    t.numaNodes = {n0, n1};
    t.reindex();
    return t;
}

Topology makeLargeTopology(int count)
{
    // 8 host bridges, each with root ports holding 16 endpoints (or VFs of the port's first one).
    Topology t;
    t.sourceKind = QStringLiteral("sysfs");
    int made = 0;
    for (quint32 domain = 0; made < count; ++domain) {
        const QString bridge = QStringLiteral("pci%1:00").arg(domain, 4, 16, QLatin1Char('0'));
        t.hostBridges << HostBridge{bridge, domain, 0, int(domain % 2)};
        for (int port = 0; port < 32 && made < count; ++port) {
            PciFunction rp;
            rp.address = {domain, 0, quint8(port), 0};
            rp.hostBridge = bridge;
            rp.portType = PortType::RootPort;
            rp.classCode = 0x060400;
            rp.iommuGroup = made;
            t.functions << rp;
            ++made;
            for (int ep = 0; ep < 16 && made < count; ++ep) {
                PciFunction f;
                f.address = {domain, quint8(port + 1), quint8(ep), 0};
                f.hostBridge = bridge;
                f.parent = rp.address;
                f.classCode = 0x020000;
                f.driver = QStringLiteral("ixgbevf");
                f.iommuGroup = made;
                t.functions << f;
                ++made;
            }
        }
    }
    std::sort(t.functions.begin(), t.functions.end(), [](auto &a, auto &b) { return a.address < b.address; });
    for (const PciFunction &f : std::as_const(t.functions)) {
        IommuGroup g;
        g.id = *f.iommuGroup;
        g.devices = {f.address};
        t.groups << g;
    }
    std::sort(t.groups.begin(), t.groups.end(), [](auto &a, auto &b) { return a.id < b.id; });
    t.reindex();
    return t;
}

} // namespace devtopo::test
