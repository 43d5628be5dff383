#include "simhost.h"

#include "kernelgroups.h"

#include <QSet>

#include <algorithm>
#include <functional>

using namespace Qt::StringLiterals;

namespace devtopo::sim {

namespace {

quint64 busKey(quint32 domain, int bus)
{
    return (quint64(domain) << 8) | quint64(bus & 0xff);
}

// Drivers whose sriov_configure lets sriov_numvfs work (vfio-pci only with enable_sriov=1,
// which the simulated host does not set).
bool driverConfiguresSriov(const QString &driver)
{
    static const QSet<QString> drivers = {
        u"i40e"_s, u"ice"_s, u"ixgbe"_s, u"igb"_s, u"mlx5_core"_s, u"bnxt_en"_s, u"qede"_s,
        u"nfp"_s, u"sfc"_s, u"cxgb4"_s, u"hns3"_s, u"octeon_ep"_s, u"4xxx"_s, u"qlcnic"_s,
    };
    return drivers.contains(driver);
}

struct KindKey
{
    PortKind kind;
    const char16_t *key;
};
constexpr KindKey kKindKeys[] = {
    {PortKind::Endpoint, u"endpoint"},
    {PortKind::LegacyEndpoint, u"legacy-endpoint"},
    {PortKind::RootPort, u"root-port"},
    {PortKind::SwitchUpstream, u"switch-up"},
    {PortKind::SwitchDownstream, u"switch-down"},
    {PortKind::PcieToPciBridge, u"pcie-to-pci-bridge"},
    {PortKind::PciToPcieBridge, u"pci-to-pcie-bridge"},
    {PortKind::RcIntegratedEndpoint, u"rciep"},
    {PortKind::RcEventCollector, u"rc-event-collector"},
    {PortKind::ConventionalDevice, u"conventional"},
    {PortKind::ConventionalBridge, u"conventional-bridge"},
};

} // namespace

bool isPcie(PortKind k)
{
    return k != PortKind::ConventionalDevice && k != PortKind::ConventionalBridge;
}

bool isBridge(PortKind k)
{
    switch (k) {
    case PortKind::RootPort:
    case PortKind::SwitchUpstream:
    case PortKind::SwitchDownstream:
    case PortKind::PcieToPciBridge:
    case PortKind::PciToPcieBridge:
    case PortKind::ConventionalBridge:
        return true;
    default:
        return false;
    }
}

int pcieTypeCode(PortKind k)
{
    switch (k) {
    case PortKind::Endpoint: return 0x0;
    case PortKind::LegacyEndpoint: return 0x1;
    case PortKind::RootPort: return 0x4;
    case PortKind::SwitchUpstream: return 0x5;
    case PortKind::SwitchDownstream: return 0x6;
    case PortKind::PcieToPciBridge: return 0x7;
    case PortKind::PciToPcieBridge: return 0x8;
    case PortKind::RcIntegratedEndpoint: return 0x9;
    case PortKind::RcEventCollector: return 0xa;
    default: return -1;
    }
}

QString portKindKey(PortKind k)
{
    for (const KindKey &e : kKindKeys) {
        if (e.kind == k)
            return QString::fromUtf16(e.key);
    }
    return {};
}

std::optional<PortKind> portKindFromKey(QStringView key)
{
    for (const KindKey &e : kKindKeys) {
        if (key == QStringView(e.key))
            return e.kind;
    }
    return std::nullopt;
}

QString SimHostBridge::name() const
{
    return u"pci%1:%2"_s.arg(domain, 4, 16, QLatin1Char('0')).arg(bus, 2, 16, QLatin1Char('0'));
}

const SimFunction *SimHost::function(const PciAddress &a) const
{
    const int i = indexOf(a);
    return i < 0 ? nullptr : &functions[i];
}

SimFunction *SimHost::function(const PciAddress &a)
{
    const int i = indexOf(a);
    return i < 0 ? nullptr : &functions[i];
}

void SimHost::reindex()
{
    std::sort(functions.begin(), functions.end(),
              [](const SimFunction &a, const SimFunction &b) { return a.address < b.address; });
    m_index.clear();
    m_index.reserve(functions.size());
    m_busSelf.clear();
    for (int i = 0; i < functions.size(); ++i) {
        const SimFunction &f = functions[i];
        m_index.insert(f.address, i);
        if (f.isBridge() && f.secondaryBus >= 0)
            m_busSelf.insert(busKey(f.address.domain, f.secondaryBus), i);
    }
}

const SimFunction *SimHost::upstreamBridge(const SimFunction &f) const
{
    // A VF beyond its PF's bus sits on a virtual bus without a bridge; the kernel skips it and
    // continues on the PF's bus, so the PF's bus decides for every VF.
    quint8 bus = f.address.bus;
    if (f.isVf())
        bus = f.physfn->bus;
    const int i = m_busSelf.value(busKey(f.address.domain, bus), -1);
    return i < 0 ? nullptr : &functions[i];
}

const SimHostBridge *SimHost::hostBridgeFor(const PciAddress &a) const
{
    const SimFunction *f = function(a);
    if (!f)
        return nullptr;
    const SimFunction *top = f;
    for (const SimFunction *up = upstreamBridge(*f); up; up = upstreamBridge(*up))
        top = up;
    const int rootBus = top->isVf() ? top->physfn->bus : top->address.bus;
    for (const SimHostBridge &hb : hostBridges) {
        if (hb.domain == top->address.domain && hb.bus == rootBus)
            return &hb;
    }
    return nullptr;
}

QList<PciAddress> SimHost::vfsOf(const PciAddress &pf) const
{
    QList<std::pair<int, PciAddress>> vfs;
    for (const SimFunction &f : functions) {
        if (f.physfn && *f.physfn == pf)
            vfs.append({f.vfIndex, f.address});
    }
    std::sort(vfs.begin(), vfs.end());
    QList<PciAddress> out;
    for (const auto &v : vfs)
        out.append(v.second);
    return out;
}

std::optional<PciAddress> SimHost::vfAddress(const SimFunction &pf, int index)
{
    // pci_iov_virtfn_bus()/pci_iov_virtfn_devfn()
    const int devfn = (pf.address.device << 3) | pf.address.function;
    const int rid = devfn + pf.sriov.offset + pf.sriov.stride * index;
    const int bus = pf.address.bus + (rid >> 8);
    if (bus > 0xff || index < 0)
        return std::nullopt;
    PciAddress a;
    a.domain = pf.address.domain;
    a.bus = quint8(bus);
    a.device = quint8((rid & 0xff) >> 3);
    a.function = quint8(rid & 7);
    return a;
}

QString SimHost::setDriver(const PciAddress &a, const QString &driver)
{
    SimFunction *f = function(a);
    if (!f)
        return u"ENODEV: no device %1"_s.arg(a.toString());
    if (driver.isEmpty()) {
        if (f->driver.isEmpty())
            return u"ENODEV: %1 is not bound to a driver"_s.arg(a.toString());
        // A PF driver tears down the VFs it created when it is removed (pci_disable_sriov()).
        if (f->sriov.numVfs > 0)
            setNumVfs(a, 0);
        f->driver.clear();
        return {};
    }
    if (!f->driver.isEmpty())
        return u"EBUSY: %1 is already bound to %2"_s.arg(a.toString(), f->driver);
    if (!f->driverOverride.isEmpty() && f->driverOverride != driver)
        return u"ENODEV: driver_override of %1 is %2, %3 cannot bind"_s.arg(a.toString(), f->driverOverride,
                                                                            driver);
    f->driver = driver;
    return {};
}

QString SimHost::setDriverOverride(const PciAddress &a, const QString &driverName)
{
    SimFunction *f = function(a);
    if (!f)
        return u"ENODEV: no device %1"_s.arg(a.toString());
    if (driverName.contains(u'\n') || driverName.size() >= 4096)
        return u"EINVAL: bad driver name"_s;
    f->driverOverride = driverName;
    return {};
}

QString SimHost::setDriversAutoprobe(const PciAddress &pf, bool on)
{
    SimFunction *f = function(pf);
    if (!f || !f->sriov.capable)
        return u"ENOENT: %1 has no sriov_drivers_autoprobe"_s.arg(pf.toString());
    f->sriov.driversAutoprobe = on;
    return {};
}

namespace {

// Creates the VF functions of `pfIndex` (no grouping). Empty string on success.
QString createVfs(SimHost &host, int pfIndex, int numVfs)
{
    const SimFunction pf = host.functions[pfIndex];
    QList<SimFunction> vfs;
    for (int i = 0; i < numVfs; ++i) {
        const auto addr = SimHost::vfAddress(pf, i);
        if (!addr)
            return u"ENOMEM: not enough bus numbers for %1 VFs of %2"_s.arg(numVfs).arg(pf.address.toString());
        if (host.function(*addr))
            return u"EEXIST: VF %1 of %2 would be %3, which already exists"_s.arg(i).arg(
                pf.address.toString(), addr->toString());
        SimFunction vf;
        vf.address = *addr;
        vf.vendorId = pf.vendorId;
        vf.deviceId = pf.sriov.vfDeviceId;
        vf.subsystemVendorId = pf.subsystemVendorId;
        vf.subsystemDeviceId = pf.subsystemDeviceId;
        vf.classCode = pf.classCode;
        vf.revision = pf.revision;
        vf.kind = PortKind::Endpoint;
        vf.acs = {}; // VFs are isolated by rule, not by an ACS capability
        vf.ats = pf.ats;
        vf.link = pf.link;
        vf.numaNode = pf.numaNode;
        vf.iommuUnit = pf.iommuUnit;
        vf.resetMethods = {u"flr"_s};
        vf.physfn = pf.address;
        vf.vfIndex = i;
        vf.driver = pf.sriov.driversAutoprobe ? pf.sriov.vfDriver : QString();
        // vfio_pci_bus_notifier(): VFs of a PF on vfio-pci get driver_override = the PF's driver,
        // and an override lets them probe even with autoprobe off (pci_device_can_probe()).
        if (pf.driver == u"vfio-pci"_s) {
            vf.driverOverride = pf.driver;
            vf.driver = pf.driver;
        }
        vfs.append(vf);
    }
    host.functions += vfs;
    host.functions[pfIndex].sriov.numVfs = numVfs;
    host.reindex();
    return {};
}

} // namespace

QString SimHost::setNumVfs(const PciAddress &pfAddr, int numVfs)
{
    const int pfIndex = indexOf(pfAddr);
    if (pfIndex < 0)
        return u"ENODEV: no device %1"_s.arg(pfAddr.toString());
    const SimFunction &pf = functions[pfIndex];
    if (!pf.sriov.capable || pf.isVf())
        return u"ENOENT: %1 has no sriov_numvfs"_s.arg(pfAddr.toString());
    if (numVfs < 0)
        return u"EINVAL: invalid number of VFs"_s;
    if (numVfs > pf.sriov.totalVfs)
        return u"ERANGE: %1 supports at most %2 VFs"_s.arg(pfAddr.toString()).arg(pf.sriov.totalVfs);
    if (numVfs == pf.sriov.numVfs)
        return {};
    if (pf.driver.isEmpty())
        return u"ENOENT: no driver bound to device; cannot configure SR-IOV"_s;
    if (!driverConfiguresSriov(pf.driver) && !(vfioEnableSriov && pf.driver == u"vfio-pci"_s))
        return u"ENOENT: driver %1 does not support SR-IOV configuration via sysfs"_s.arg(pf.driver);
    if (numVfs == 0) {
        functions.removeIf([&](const SimFunction &f) { return f.physfn && *f.physfn == pfAddr; });
        reindex();
        function(pfAddr)->sriov.numVfs = 0;
        return {}; // their group ids are free again, ida-style
    }
    if (pf.sriov.numVfs != 0)
        return u"EBUSY: %1 VFs already enabled. Disable before enabling %2 VFs"_s.arg(pf.sriov.numVfs).arg(numVfs);
    if (const QString err = createVfs(*this, pfIndex, numVfs); !err.isEmpty())
        return err;
    for (const PciAddress &vf : vfsOf(pfAddr))
        addToIommuGroups(*this, vf);
    return {};
}

QString validateHost(const SimHost &host)
{
    QSet<PciAddress> seen;
    QSet<quint64> secondaries;
    QSet<QString> units;
    for (const SimIommuUnit &u : host.iommuUnits)
        units.insert(u.name);
    for (const SimHostBridge &hb : host.hostBridges) {
        if (!hb.iommuUnit.isEmpty() && !units.contains(hb.iommuUnit))
            return u"host bridge %1 names unknown IOMMU unit %2"_s.arg(hb.name(), hb.iommuUnit);
        secondaries.insert(busKey(hb.domain, hb.bus));
    }
    for (const SimFunction &f : host.functions) {
        if (!f.address.isValid())
            return u"invalid address %1"_s.arg(f.address.toString());
        if (seen.contains(f.address))
            return u"duplicate function %1"_s.arg(f.address.toString());
        seen.insert(f.address);
        if (f.isBridge()) {
            if (f.secondaryBus <= int(f.address.bus) || f.secondaryBus > 0xff)
                return u"bridge %1 has invalid secondary bus %2"_s.arg(f.address.toString()).arg(f.secondaryBus);
            if (secondaries.contains(busKey(f.address.domain, f.secondaryBus)))
                return u"bus %1 claimed twice (bridge %2)"_s.arg(f.secondaryBus).arg(f.address.toString());
            secondaries.insert(busKey(f.address.domain, f.secondaryBus));
        }
        if (!f.iommuUnit.isEmpty() && !units.contains(f.iommuUnit))
            return u"%1 names unknown IOMMU unit %2"_s.arg(f.address.toString(), f.iommuUnit);
        if (f.sriov.capable && (f.sriov.totalVfs < 0 || f.sriov.offset <= 0 || f.sriov.stride <= 0))
            return u"%1 has an invalid SR-IOV capability"_s.arg(f.address.toString());
    }
    for (const SimFunction &f : host.functions) {
        if (f.isVf())
            continue;
        if (!secondaries.contains(busKey(f.address.domain, f.address.bus)))
            return u"%1 sits on bus %2, which no host bridge or bridge provides"_s.arg(f.address.toString())
                .arg(f.address.bus, 2, 16, QLatin1Char('0'));
    }
    return {};
}

QString bootHost(SimHost &host)
{
    // VFs do not survive a reboot; remember what the boot script will enable again.
    QHash<PciAddress, int> requestedVfs;
    host.functions.removeIf([](const SimFunction &f) { return f.isVf(); });
    for (SimFunction &f : host.functions) {
        if (f.sriov.capable && f.sriov.numVfs > 0)
            requestedVfs.insert(f.address, f.sriov.numVfs);
        f.sriov.numVfs = 0;
    }
    host.reindex();
    if (const QString err = validateHost(host); !err.isEmpty())
        return err;

    // Header type bit 7: set on every function of a slot that holds more than one.
    QHash<PciAddress, int> perSlot;
    for (const SimFunction &f : std::as_const(host.functions)) {
        PciAddress slot = f.address;
        slot.function = 0;
        perSlot[slot] += 1;
    }
    for (SimFunction &f : host.functions) {
        PciAddress slot = f.address;
        slot.function = 0;
        f.multifunction = f.multifunction || perSlot.value(slot) > 1;
    }

    // Subordinate bus: the highest bus number below each bridge, as firmware programs it.
    QHash<quint64, QList<int>> bridgesOnBus;
    for (int i = 0; i < host.functions.size(); ++i) {
        const SimFunction &f = host.functions[i];
        if (f.isBridge())
            bridgesOnBus[busKey(f.address.domain, f.address.bus)].append(i);
    }
    std::function<int(int)> subordinate = [&](int i) {
        SimFunction &br = host.functions[i];
        if (br.subordinateBus >= 0)
            return br.subordinateBus;
        br.subordinateBus = br.secondaryBus; // also stops a cycle in a broken description
        int highest = br.secondaryBus;
        for (int child : bridgesOnBus.value(busKey(br.address.domain, br.secondaryBus)))
            highest = std::max(highest, subordinate(child));
        host.functions[i].subordinateBus = highest;
        return highest;
    };
    for (SimFunction &f : host.functions)
        f.subordinateBus = -1;
    for (int i = 0; i < host.functions.size(); ++i) {
        if (host.functions[i].isBridge())
            subordinate(i);
    }

    // pci_enable_acs(): with an IOMMU the kernel turns on every ACS feature it needs that the
    // port has; pci=disable_acs_redir turns request/completion redirect and egress control off.
    const QSet<PciAddress> noRedir(host.disableAcsRedir.cbegin(), host.disableAcsRedir.cend());
    for (SimFunction &f : host.functions) {
        if (!f.acs.present || host.iommuUnits.isEmpty())
            continue;
        f.acs.control |= f.acs.capability & AcsBit::Required;
        if (noRedir.contains(f.address))
            f.acs.control &= quint16(~(AcsBit::RR | AcsBit::CR | AcsBit::EC));
    }

    for (SimFunction &f : host.functions) {
        if (f.iommuUnit.isEmpty() && !host.iommuUnits.isEmpty()) {
            if (const SimHostBridge *hb = host.hostBridgeFor(f.address))
                f.iommuUnit = hb->iommuUnit;
        }
    }

    // The boot script enables SR-IOV after every device has been probed and grouped.
    QList<PciAddress> pfs = requestedVfs.keys();
    std::sort(pfs.begin(), pfs.end());
    for (const PciAddress &pf : pfs) {
        const SimFunction *f = host.function(pf);
        if (requestedVfs.value(pf) > f->sriov.totalVfs)
            return u"%1: %2 VFs requested, %3 supported"_s.arg(pf.toString()).arg(requestedVfs.value(pf)).arg(
                f->sriov.totalVfs);
        if (const QString err = createVfs(host, host.indexOf(pf), requestedVfs.value(pf)); !err.isEmpty())
            return err;
    }
    assignIommuGroups(host);
    return {};
}

} // namespace devtopo::sim
