#include "analysis.h"

#include "logging.h"

#include <QMap>

#include <algorithm>
#include <numeric>

namespace devtopo {

namespace {

// Assumed when no unit says: x86-64 4-level second-stage tables.
constexpr int DefaultAddressWidth = 48;

enum class Tri { No, Yes, Unknown };

struct AcsVerdict
{
    Tri enabled = Tri::Unknown;
    quint16 missing = 0; // required bits that are off (or all of them without a capability)
    bool noCapability = false;
};

// pci_acs_flags_enabled(): only the bits the device implements are required (plus EC, which
// the kernel never masks out).
AcsVerdict flagsEnabled(const PciFunction &f, quint16 flags)
{
    AcsVerdict v;
    if (!f.caps.acs.present) {
        v.enabled = Tri::No;
        v.noCapability = true;
        v.missing = flags;
        return v;
    }
    const quint16 req = flags & (f.caps.acs.capability | Acs::EC);
    v.missing = req & ~f.caps.acs.control;
    v.enabled = v.missing ? Tri::No : Tri::Yes;
    return v;
}

// pci_acs_enabled() without the device-specific quirks, which we cannot know from sysfs.
AcsVerdict acsEnabled(const PciFunction &f, quint16 flags = Acs::RequiredForIsolation)
{
    if (!f.caps.configReadable || f.caps.configSize < 256)
        return {};
    AcsVerdict no;
    no.enabled = Tri::No;
    no.missing = flags;
    no.noCapability = !f.caps.acs.present;
    if (!f.caps.pcie)
        return no; // conventional PCI never isolates
    switch (f.portType) {
    case PortType::PciToPcieBridge:
    case PortType::PcieToPciBridge:
    case PortType::RootComplexEventCollector:
        return no;
    case PortType::RootPort:
    case PortType::SwitchDownstream:
        return flagsEnabled(f, flags);
    default:
        break;
    }
    if (f.multifunction && !f.isVf())
        return flagsEnabled(f, flags);
    AcsVerdict yes;
    yes.enabled = Tri::Yes;
    return yes;
}

// pci_acs_path_enabled(start, NULL): the bridge and everything above it. Returns the first
// function on the path that breaks isolation, if any.
const PciFunction *firstAcsBreak(const Topology &topo, const PciFunction &start, Tri *result)
{
    const PciFunction *p = &start;
    *result = Tri::Yes;
    for (int guard = 0; p && guard < 64; ++guard) {
        const AcsVerdict v = acsEnabled(*p);
        if (v.enabled != Tri::Yes) {
            *result = v.enabled;
            return p;
        }
        p = p->parent ? topo.function(*p->parent) : nullptr;
    }
    return nullptr;
}

// The PCIe-to-PCI (or PCI/X) bridge a conventional device's DMA is aliased to, if any:
// pci_for_each_dma_alias() stops at the first bridge whose primary side is PCIe.
const PciFunction *dmaAliasBridge(const Topology &topo, const PciFunction &f)
{
    if (!f.caps.configReadable || f.caps.pcie)
        return nullptr;
    const PciFunction *p = f.parent ? topo.function(*f.parent) : nullptr;
    for (int guard = 0; p && guard < 64; ++guard) {
        if (p->caps.pcie && p->portType == PortType::PcieToPciBridge)
            return p;
        if (p->caps.pcie)
            return nullptr;
        p = p->parent ? topo.function(*p->parent) : nullptr;
    }
    return nullptr;
}

QString describe(const PciFunction &f)
{
    return QStringLiteral("%1 (%2)").arg(f.address.toString(), f.isBridge() ? portTypeName(f.portType) : f.displayName());
}

QString addressList(const QList<PciAddress> &list)
{
    QStringList s;
    for (const PciAddress &a : list)
        s << a.toString();
    return s.join(u", ");
}

struct UnionFind
{
    QList<int> parent;
    explicit UnionFind(qsizetype n) : parent(n) { std::iota(parent.begin(), parent.end(), 0); }
    int find(int x)
    {
        while (parent[x] != x)
            x = parent[x] = parent[parent[x]];
        return x;
    }
    void unite(int a, int b)
    {
        a = find(a);
        b = find(b);
        if (a != b)
            parent[std::max(a, b)] = std::min(a, b);
    }
};

} // namespace

bool isVfioDriver(const QString &driver)
{
    // vfio-pci itself and the variant drivers (mlx5_vfio_pci, hisi_acc_vfio_pci, pds-vfio-pci,
    // nvgrace-gpu-vfio-pci, ...), all of which own DMA the VFIO way.
    return driver == QLatin1String("vfio-pci") || driver.endsWith(QLatin1String("_vfio_pci"))
        || driver.endsWith(QLatin1String("-vfio-pci"));
}

bool driverAllowsVfioOwnership(const QString &driver, bool isBridge)
{
    if (driver.isEmpty() || isVfioDriver(driver) || driver == QLatin1String("pci-stub"))
        return true;
    // pcieport sets driver_managed_dma: a bridge bound to it does not block the group.
    return isBridge && driver == QLatin1String("pcieport");
}

QList<IovaRange> usableIovaRanges(int addressWidth, const QList<ReservedRegion> &reserved)
{
    const quint64 top = addressWidth >= 64 ? ~quint64(0) : (quint64(1) << addressWidth) - 1;
    QList<ReservedRegion> holes;
    for (const ReservedRegion &r : reserved)
        if (r.type != QLatin1String("direct-relaxable") && r.start <= top)
            holes << r;
    std::sort(holes.begin(), holes.end(), [](const ReservedRegion &a, const ReservedRegion &b) { return a.start < b.start; });
    QList<IovaRange> out;
    quint64 cursor = 0;
    bool done = false;
    for (const ReservedRegion &h : std::as_const(holes)) {
        if (h.end < cursor)
            continue; // inside an earlier hole
        if (h.start > cursor)
            out << IovaRange{cursor, h.start - 1};
        if (h.end >= top) {
            done = true;
            break;
        }
        cursor = h.end + 1;
    }
    if (!done)
        out << IovaRange{cursor, top};
    return out;
}

QList<QList<PciAddress>> predictIommuGroups(const Topology &topo)
{
    // Follows pci_device_group(): DMA alias, then the first upstream bridge whose ACS path is not
    // enabled, then the multifunction slot. Unknown ACS (no config space) counts as not enabled,
    // as the kernel treats a missing capability.
    const auto &fns = topo.functions;
    UnionFind uf(fns.size());
    for (int i = 0; i < fns.size(); ++i) {
        const PciFunction &f = fns[i];
        if (const PciFunction *alias = dmaAliasBridge(topo, f)) {
            uf.unite(i, topo.functionIndex.value(alias->address));
            continue;
        }
        bool joined = false;
        for (const PciFunction *b = f.parent ? topo.function(*f.parent) : nullptr; b;
             b = b->parent ? topo.function(*b->parent) : nullptr) {
            Tri path;
            firstAcsBreak(topo, *b, &path);
            if (path == Tri::Yes)
                break;
            uf.unite(i, topo.functionIndex.value(b->address));
            joined = true;
            break;
        }
        if (joined)
            continue;
        if (f.multifunction && !f.isVf() && acsEnabled(f).enabled != Tri::Yes) {
            for (int j = 0; j < fns.size(); ++j)
                if (j != i && fns[j].address.sameSlot(f.address) && !fns[j].isVf()
                    && acsEnabled(fns[j]).enabled != Tri::Yes)
                    uf.unite(i, j);
        }
    }
    QMap<int, QList<PciAddress>> byRoot;
    for (int i = 0; i < fns.size(); ++i)
        byRoot[uf.find(i)] << fns[i].address;
    return byRoot.values();
}

QList<GroupReason> explainGroup(const Topology &topo, const IommuGroup &group)
{
    QList<GroupReason> reasons;
    if (group.devices.size() + group.otherMembers.size() < 2)
        return reasons;
    auto add = [&](GroupReason::Kind kind, const PciFunction &culprit, const PciAddress &affected, quint16 missing) {
        for (GroupReason &r : reasons)
            if (r.kind == kind && r.culprit == culprit.address) {
                if (!r.affected.contains(affected))
                    r.affected << affected;
                return;
            }
        GroupReason r;
        r.kind = kind;
        r.culprit = culprit.address;
        r.affected << affected;
        r.missingAcsBits = missing;
        reasons << r;
    };
    bool unknownConfig = false;
    for (const PciAddress &a : group.devices) {
        const PciFunction *f = topo.function(a);
        if (!f)
            continue;
        if (!f->caps.configReadable)
            unknownConfig = true;
        if (const PciFunction *alias = dmaAliasBridge(topo, *f)) {
            if (group.devices.contains(alias->address))
                add(GroupReason::Kind::PcieToPciBridge, *alias, a, 0);
            continue;
        }
        // Upstream: the member joins the first bridge above it whose ACS path breaks; the reason
        // points at the port that actually lacks isolation.
        bool explained = false;
        for (const PciFunction *b = f->parent ? topo.function(*f->parent) : nullptr; b;
             b = b->parent ? topo.function(*b->parent) : nullptr) {
            Tri path;
            const PciFunction *breaker = firstAcsBreak(topo, *b, &path);
            if (path == Tri::Yes)
                break;
            if (path == Tri::Unknown) {
                unknownConfig = true;
                break;
            }
            if (group.devices.contains(b->address) && breaker) {
                const AcsVerdict v = acsEnabled(*breaker);
                const auto kind = !breaker->caps.pcie ? GroupReason::Kind::ConventionalBus
                    : v.noCapability ? GroupReason::Kind::MissingAcs
                                     : GroupReason::Kind::AcsControlOff;
                add(kind, *breaker, a, v.missing);
                explained = true;
            }
            break;
        }
        if (explained)
            continue;
        if (f->multifunction && !f->isVf()) {
            const AcsVerdict v = acsEnabled(*f);
            if (v.enabled == Tri::No) {
                bool shares = false;
                for (const PciAddress &o : group.devices)
                    shares |= (o != a && o.sameSlot(a));
                if (shares) {
                    PciAddress leader = a;
                    leader.function = 0;
                    const PciFunction *lf = topo.function(leader);
                    add(GroupReason::Kind::MultifunctionWithoutAcs, lf ? *lf : *f, a, v.missing);
                }
            } else if (v.enabled == Tri::Unknown) {
                unknownConfig = true;
            }
        }
    }

    // Ports that are themselves members are part of the reason, not a separate one.
    for (GroupReason &r : reasons) {
        const PciFunction *c = topo.function(r.culprit);
        const QString who = c ? describe(*c) : r.culprit.toString();
        QList<PciAddress> others;
        for (const PciAddress &x : std::as_const(r.affected))
            if (x != r.culprit)
                others << x;
        const QString list = addressList(others.isEmpty() ? r.affected : others);
        switch (r.kind) {
        case GroupReason::Kind::MissingAcs:
            r.text = QStringLiteral("%1 has no ACS capability, so peer-to-peer traffic below it can bypass the IOMMU: "
                                    "%2 can only be isolated together with it.").arg(who, list);
            break;
        case GroupReason::Kind::AcsControlOff:
            r.text = QStringLiteral("%1 has ACS, but %2 %3 off in ACSCtl, so the IOMMU cannot keep traffic below it apart: "
                                    "%4 share its group.")
                         .arg(who, Acs::bitsToString(r.missingAcsBits),
                              QLatin1StringView(qPopulationCount(r.missingAcsBits) > 1 ? "are" : "is"), list);
            break;
        case GroupReason::Kind::MultifunctionWithoutAcs:
            r.text = QStringLiteral("%1 is a multifunction device whose functions do not advertise ACS isolation; "
                                    "the kernel assumes they can reach each other inside the device: %2.")
                         .arg(who, addressList(r.affected));
            break;
        case GroupReason::Kind::PcieToPciBridge:
            r.text = (others.size() > 1
                          ? QStringLiteral("%1 sit on the conventional PCI bus behind %2; their DMA reaches the IOMMU with "
                                           "the bridge's requester ID, so they cannot be told apart from it.")
                          : QStringLiteral("%1 sits on the conventional PCI bus behind %2; its DMA reaches the IOMMU with "
                                           "the bridge's requester ID, so it cannot be told apart from the bridge."))
                         .arg(list, who);
            break;
        case GroupReason::Kind::ConventionalBus:
            r.text = QStringLiteral("%1 is a conventional PCI bridge; devices on a shared PCI bus can see each other's "
                                    "DMA: %2 share its group.").arg(who, list);
            break;
        case GroupReason::Kind::Unexplained:
            break;
        }
    }
    // Members no rule accounts for (besides the culprits themselves).
    QList<PciAddress> accounted;
    for (const GroupReason &r : std::as_const(reasons)) {
        accounted << r.culprit;
        accounted << r.affected;
    }
    QList<PciAddress> rest;
    for (const PciAddress &a : group.devices)
        if (!accounted.contains(a))
            rest << a;
    if (!rest.isEmpty()) {
        GroupReason r;
        r.kind = GroupReason::Kind::Unexplained;
        r.culprit = rest.first();
        r.affected = rest;
        r.text = unknownConfig
            ? QStringLiteral("%1: config space is not readable here (a copy without config files, or not root), so the "
                             "ACS rules cannot be checked; the kernel grouped them.").arg(addressList(rest))
            : QStringLiteral("%1: no ACS or alias rule explains this; the kernel probably applies a device-specific "
                             "ACS quirk.").arg(addressList(rest));
        reasons << r;
    }
    if (!group.otherMembers.isEmpty()) {
        GroupReason r;
        r.kind = GroupReason::Kind::Unexplained;
        r.text = QStringLiteral("Non-PCI members share the group: %1.").arg(group.otherMembers.join(u", "));
        reasons << r;
    }
    return reasons;
}

void analyzeTopology(Topology &topo)
{
    topo.reindex();
    for (IommuGroup &g : topo.groups) {
        // Address space: the serving unit's width; VT-d's MGAW bounds the second-stage aperture.
        const IommuUnit *unit = nullptr;
        for (const IommuUnit &u : std::as_const(topo.iommuUnits))
            if (u.name == g.unit)
                unit = &u;
        if (!unit && topo.iommuUnits.size() == 1)
            unit = &topo.iommuUnits.first();
        g.addressWidthAssumed = false;
        if (unit && unit->addressWidth > 0)
            g.addressWidth = unit->addressWidth;
        else if (unit && unit->kind == QLatin1String("amd-vi"))
            g.addressWidth = 64;
        else {
            g.addressWidth = DefaultAddressWidth;
            g.addressWidthAssumed = true;
        }
        g.usableIova = usableIovaRanges(g.addressWidth, g.reservedRegions);

        GroupViability v;
        v.viable = !g.devices.isEmpty();
        for (const PciAddress &a : std::as_const(g.devices)) {
            const PciFunction *f = topo.function(a);
            if (!f) {
                v.viable = false;
                v.blockers << QStringLiteral("%1 is in the group but was not found").arg(a.toString());
                continue;
            }
            if (driverAllowsVfioOwnership(f->driver, f->isBridge()))
                continue;
            v.viable = false;
            v.blockers << QStringLiteral("%1 is bound to %2").arg(a.toString(), f->driver);
            if (f->isBridge())
                v.actions << QStringLiteral("unbind %1 from %2 (bridges may stay on pcieport)").arg(f->driver, a.toString());
            else {
                const QString target = f->variantDrivers.isEmpty() ? QStringLiteral("vfio-pci") : f->variantDrivers.first();
                v.actions << QStringLiteral("unbind %1 from %2 and bind it to %3").arg(f->driver, a.toString(), target);
            }
        }
        if (g.devices.isEmpty())
            v.blockers << QStringLiteral("the group has no PCI devices");
        g.viability = v;
        g.reasons = explainGroup(topo, g);
    }
}

} // namespace devtopo
