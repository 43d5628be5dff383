#include "scalehost.h"

#include "simlogging.h"

using namespace Qt::StringLiterals;

namespace devtopo::sim {

namespace {

constexpr int kVfsPerPf = 100; // two PFs fill device 0's ARI function space (devfn 2..201)

struct BridgeCursor
{
    int hostBridge; // index into SimHost::hostBridges
    int nextDevice = 1; // root port device numbers on the root bus
    int nextBus; // next free bus number below it
    int lastBus;
};

class Builder
{
public:
    explicit Builder(SimHost &host) : m_host(host) {}

    SimFunction &add(const PciAddress &a, quint16 vendor, quint16 device, quint32 cls, PortKind kind)
    {
        SimFunction f;
        f.address = a;
        f.vendorId = vendor;
        f.deviceId = device;
        f.subsystemVendorId = vendor;
        f.subsystemDeviceId = device;
        f.classCode = cls;
        f.kind = kind;
        f.numaNode = m_numa;
        m_host.functions.append(f);
        return m_host.functions.last();
    }

    // A root port (with ACS) on the cursor's root bus; returns its secondary bus or -1 when full.
    int rootPort(BridgeCursor &c, const PciAddress &root)
    {
        if (c.nextDevice > 31 || c.nextBus > c.lastBus)
            return -1;
        PciAddress a = root;
        a.device = quint8(c.nextDevice++);
        SimFunction &rp = add(a, 0x8086, 0x2030, 0x060400, PortKind::RootPort);
        rp.acs = {true, AcsBit::SV | AcsBit::TB | AcsBit::RR | AcsBit::CR | AcsBit::UF, 0};
        rp.link = {16, 16, 16, 16};
        rp.driver = u"pcieport"_s;
        rp.secondaryBus = c.nextBus++;
        return rp.secondaryBus;
    }

    void nic(quint32 domain, int bus)
    {
        for (int fn = 0; fn < 2; ++fn) {
            SimFunction &pf = add({domain, quint8(bus), 0, quint8(fn)}, 0x15b3, 0x101d, 0x020000, PortKind::Endpoint);
            pf.acs = {true, 0, 0};
            pf.ari = pf.ats = true;
            pf.link = {16, 16, 16, 16};
            pf.driver = u"mlx5_core"_s;
            pf.resetMethods = {u"flr"_s};
            pf.sriov.capable = true;
            pf.sriov.totalVfs = 127;
            pf.sriov.initialVfs = 127;
            pf.sriov.offset = fn == 0 ? 2 : 1 + kVfsPerPf; // VFs of both PFs share device 0's ARI space
            pf.sriov.stride = 1;
            pf.sriov.vfDeviceId = 0x101e;
            pf.sriov.vfDriver = u"mlx5_core"_s;
            pf.sriov.numVfs = kVfsPerPf;
        }
    }

    // RP -> switch upstream -> `ports` downstream ports (with ACS), one NVMe each.
    int nvmeSwitch(BridgeCursor &c, quint32 domain, int upBus, int ports)
    {
        if (c.nextBus + ports >= c.lastBus)
            return 0;
        SimFunction &up = add({domain, quint8(upBus), 0, 0}, 0x1000, 0xc010, 0x060400, PortKind::SwitchUpstream);
        up.link = {16, 16, 16, 16};
        up.driver = u"pcieport"_s;
        up.secondaryBus = c.nextBus++;
        const int downBus = up.secondaryBus;
        for (int p = 0; p < ports; ++p) {
            SimFunction &dp = add({domain, quint8(downBus), quint8(p), 0}, 0x1000, 0xc010, 0x060400,
                                  PortKind::SwitchDownstream);
            dp.acs = {true, AcsBit::SV | AcsBit::RR | AcsBit::CR | AcsBit::UF, 0};
            dp.link = {16, 4, 16, 4};
            dp.driver = u"pcieport"_s;
            dp.secondaryBus = c.nextBus++;
            SimFunction &nvme = add({domain, quint8(dp.secondaryBus), 0, 0}, 0x144d, 0xa80a, 0x010802,
                                    PortKind::Endpoint);
            nvme.link = {16, 4, 16, 4};
            nvme.driver = u"nvme"_s;
            nvme.resetMethods = {u"flr"_s, u"bus"_s};
        }
        return 1 + 2 * ports; // the upstream port, then a port and a drive per slot
    }

    void gpu(quint32 domain, int bus)
    {
        SimFunction &g = add({domain, quint8(bus), 0, 0}, 0x10de, 0x2230, 0x030000, PortKind::Endpoint);
        g.link = {16, 16, 16, 16};
        g.driver = u"nvidia"_s;
        SimFunction &a = add({domain, quint8(bus), 0, 1}, 0x10de, 0x1aef, 0x040300, PortKind::Endpoint);
        a.link = {16, 16, 16, 16};
        a.driver = u"snd_hda_intel"_s;
    }

    void setNuma(int n) { m_numa = n; }

private:
    SimHost &m_host;
    int m_numa = -1;
};

} // namespace

SimHost makeScaleHost(int targetFunctions)
{
    SimHost host;
    host.name = u"scale-%1"_s.arg(targetFunctions);
    host.hostname = u"scale-host"_s;
    host.cmdline = u"BOOT_IMAGE=/vmlinuz-6.12.95+deb12-amd64 ro intel_iommu=on"_s;
    for (int n = 0; n < 4; ++n) {
        SimNumaNode node;
        node.id = n;
        node.cpuList = u"%1-%2"_s.arg(n * 64).arg(n * 64 + 63);
        node.memTotalKiB = quint64(512) * 1024 * 1024;
        for (int m = 0; m < 4; ++m)
            node.distances.append(n == m ? 10 : (n / 2 == m / 2 ? 12 : 32));
        host.numaNodes.append(node);
    }
    // Host bridges: four in domain 0, two in domain 1 (a second PCI segment), one VMD domain.
    const QList<std::pair<quint32, int>> roots = {{0, 0x00}, {0, 0x40}, {0, 0x80}, {0, 0xc0}, {1, 0x00}, {1, 0x80}};
    for (int i = 0; i < roots.size(); ++i) {
        SimIommuUnit u;
        u.name = u"dmar%1"_s.arg(i);
        u.cap = 0x9d2078c106f0466ull;
        u.ecap = 0x3ef9a26f020dfull;
        u.registerBase = 0xc5ffc000ull + quint64(i) * 0x1000000;
        host.iommuUnits.append(u);
        SimHostBridge hb;
        hb.domain = roots[i].first;
        hb.bus = roots[i].second;
        hb.numaNode = i % 4;
        hb.iommuUnit = u.name;
        host.hostBridges.append(hb);
    }

    host.functions.reserve(targetFunctions + 4096); // Builder hands out references while adding
    Builder b(host);
    // The VMD endpoint in domain 0 and its domain 10000 with four NVMe root ports.
    b.setNuma(0);
    SimFunction &vmd = b.add({0, 0x00, 0x00, 0x5}, 0x8086, 0x201d, 0x010400, PortKind::RcIntegratedEndpoint);
    vmd.driver = u"vmd"_s;
    SimHostBridge vmdBridge;
    vmdBridge.domain = 0x10000;
    vmdBridge.bus = 0;
    vmdBridge.numaNode = 0;
    vmdBridge.iommuUnit = u"dmar0"_s;
    vmdBridge.parentDevice = PciAddress{0, 0x00, 0x00, 0x5};
    host.hostBridges.append(vmdBridge);
    BridgeCursor vmdCursor{int(host.hostBridges.size()) - 1, 0, 1, 0x1f};
    for (int p = 0; p < 4; ++p) {
        const int bus = b.rootPort(vmdCursor, {0x10000, 0, 0, 0});
        SimFunction &nvme = b.add({0x10000, quint8(bus), 0, 0}, 0x8086, 0x0b60, 0x010802, PortKind::Endpoint);
        nvme.link = {16, 4, 16, 4};
        nvme.driver = u"nvme"_s;
    }

    QList<BridgeCursor> cursors;
    for (int i = 0; i < roots.size(); ++i)
        cursors.append({i, 1, roots[i].second + 1, roots[i].second + 0x3f});
    int estimate = int(host.functions.size());
    int unit = 0;
    bool progress = true;
    while (estimate < targetFunctions && progress) {
        progress = false;
        for (BridgeCursor &c : cursors) {
            if (estimate >= targetFunctions)
                break;
            const SimHostBridge &hb = host.hostBridges[c.hostBridge];
            b.setNuma(hb.numaNode);
            const PciAddress root{hb.domain, quint8(hb.bus), 0, 0};
            const int bus = b.rootPort(c, root);
            if (bus < 0)
                continue;
            progress = true;
            ++estimate;
            switch (unit++ % 4) {
            case 0:
            case 1:
                b.nic(hb.domain, bus);
                estimate += 2 + 2 * kVfsPerPf;
                break;
            case 2:
                estimate += b.nvmeSwitch(c, hb.domain, bus, 8);
                break;
            default:
                b.gpu(hb.domain, bus);
                estimate += 2;
                break;
            }
        }
    }
    // Every 16th VF of every NIC goes to vfio-pci after boot, like a VM host handing them out.
    if (const QString error = bootHost(host); !error.isEmpty())
        qCWarning(lcSim) << "scale host did not boot:" << error; // a generator bug, not user input
    QList<PciAddress> toVfio;
    for (const SimFunction &f : std::as_const(host.functions)) {
        if (f.isVf() && f.vfIndex % 16 == 15)
            toVfio.append(f.address);
    }
    for (const PciAddress &a : std::as_const(toVfio)) {
        host.setDriver(a, {});
        host.setDriverOverride(a, u"vfio-pci"_s);
        host.setDriver(a, u"vfio-pci"_s);
    }
    return host;
}

} // namespace devtopo::sim
