#include "kernelgroups.h"

#include <QSet>

#include <algorithm>
#include <functional>

namespace devtopo::sim {

namespace {

bool acsFlagsEnabled(const SimFunction &f, quint16 flags)
{
    if (!f.acs.present)
        return false;
    // Capabilities the device lacks count as hard-wired enabled, except egress control.
    flags &= (f.acs.capability | AcsBit::EC);
    return (f.acs.control & flags) == flags;
}

quint64 busKey(quint32 domain, int bus)
{
    return (quint64(domain) << 8) | quint64(bus & 0xff);
}

} // namespace

bool acsEnabled(const SimFunction &f, quint16 flags)
{
    // Conventional PCI: a shared bus, every device can see every other's DMA.
    if (!f.isPcie())
        return false;
    switch (f.kind) {
    case PortKind::PciToPcieBridge:
    case PortKind::PcieToPciBridge:
    case PortKind::RcEventCollector:
        return false;
    case PortKind::RootPort:
    case PortKind::SwitchDownstream:
        return acsFlagsEnabled(f, flags);
    case PortKind::Endpoint:
    case PortKind::SwitchUpstream:
    case PortKind::LegacyEndpoint:
    case PortKind::RcIntegratedEndpoint:
        // Only functions of a multifunction device need ACS to be isolated from their siblings.
        if (!f.multifunction || f.isVf())
            break;
        return acsFlagsEnabled(f, flags);
    default:
        break;
    }
    return true;
}

bool acsPathEnabled(const SimHost &host, const SimFunction &start, quint16 flags)
{
    const SimFunction *p = &start;
    while (p) {
        if (!acsEnabled(*p, flags))
            return false;
        p = host.upstreamBridge(*p); // nullptr: p sits on a root bus, the path is complete
    }
    return true;
}

QList<int> enumerationOrder(const SimHost &host)
{
    QHash<quint64, QList<int>> onBus;
    for (int i = 0; i < host.functions.size(); ++i) {
        const SimFunction &f = host.functions[i];
        if (!f.isVf())
            onBus[busKey(f.address.domain, f.address.bus)].append(i); // functions are sorted
    }
    QList<SimHostBridge> roots = host.hostBridges;
    std::sort(roots.begin(), roots.end(), [](const SimHostBridge &a, const SimHostBridge &b) {
        return std::pair(a.domain, a.bus) < std::pair(b.domain, b.bus);
    });

    QList<int> order;
    order.reserve(host.functions.size());
    QSet<quint64> visited; // guards against a bus claimed twice in a broken description
    std::function<void(quint32, int)> addBus = [&](quint32 domain, int bus) {
        const quint64 key = busKey(domain, bus);
        if (visited.contains(key))
            return;
        visited.insert(key);
        const QList<int> devs = onBus.value(key);
        order += devs;
        for (int i : devs) {
            const SimFunction &f = host.functions[i];
            if (f.isBridge() && f.secondaryBus >= 0)
                addBus(domain, f.secondaryBus);
        }
    };
    for (const SimHostBridge &hb : roots)
        addBus(hb.domain, hb.bus);
    return order;
}

int existingGroupFor(const SimHost &host, int index)
{
    const SimFunction *pdev = &host.functions[index];
    if (pdev->iommuGroup >= 0)
        return pdev->iommuGroup;
    // pci_real_dma_dev(): behind a VMD domain every device's DMA comes from the VMD endpoint.
    if (const SimHostBridge *hb = host.hostBridgeFor(pdev->address); hb && hb->parentDevice) {
        if (const SimFunction *real = host.function(*hb->parentDevice)) {
            pdev = real;
            if (pdev->iommuGroup >= 0)
                return pdev->iommuGroup;
        }
    }

    // pci_for_each_dma_alias(): bridges to conventional PCI take over their devices' requester ID.
    for (const SimFunction *b = host.upstreamBridge(*pdev); b; b = host.upstreamBridge(*b)) {
        if (b->isPcie()) {
            if (b->kind != PortKind::PcieToPciBridge && b->kind != PortKind::PciToPcieBridge)
                continue;
        }
        pdev = b;
        if (pdev->iommuGroup >= 0)
            return pdev->iommuGroup;
    }

    // Upstream from the alias until ACS isolates the path to the root.
    for (const SimFunction *b = host.upstreamBridge(*pdev); b; b = host.upstreamBridge(*b)) {
        if (acsPathEnabled(host, *b))
            break;
        pdev = b;
        if (pdev->iommuGroup >= 0)
            return pdev->iommuGroup;
    }

    // get_pci_function_alias_group(): functions of one slot that are not isolated by ACS.
    if (pdev->multifunction && !acsEnabled(*pdev)) {
        for (int fn = 0; fn < 8; ++fn) {
            PciAddress a = pdev->address;
            a.function = quint8(fn);
            const SimFunction *tmp = host.function(a);
            if (!tmp || tmp == pdev || acsEnabled(*tmp))
                continue;
            if (tmp->iommuGroup >= 0)
                return tmp->iommuGroup;
        }
    }
    return -1;
}

void assignIommuGroups(SimHost &host)
{
    for (SimFunction &f : host.functions)
        f.iommuGroup = -1;
    if (host.iommuUnits.isEmpty())
        return; // no IOMMU, no groups
    int next = 0;
    for (int i : enumerationOrder(host)) {
        const int g = existingGroupFor(host, i);
        host.functions[i].iommuGroup = g >= 0 ? g : next++;
    }
    // VFs appear when a boot script enables SR-IOV: PF by PF, VF by VF.
    QList<int> vfs;
    for (int i = 0; i < host.functions.size(); ++i) {
        if (host.functions[i].isVf())
            vfs.append(i);
    }
    std::sort(vfs.begin(), vfs.end(), [&](int a, int b) {
        const SimFunction &x = host.functions[a];
        const SimFunction &y = host.functions[b];
        return std::pair(*x.physfn, x.vfIndex) < std::pair(*y.physfn, y.vfIndex);
    });
    for (int i : vfs) {
        const int g = existingGroupFor(host, i);
        host.functions[i].iommuGroup = g >= 0 ? g : next++;
    }
}

int addToIommuGroups(SimHost &host, const PciAddress &added)
{
    const int i = host.indexOf(added);
    if (i < 0 || host.iommuUnits.isEmpty())
        return -1;
    host.functions[i].iommuGroup = -1;
    int g = existingGroupFor(host, i);
    if (g < 0) {
        QSet<int> used;
        for (const SimFunction &f : std::as_const(host.functions))
            used.insert(f.iommuGroup);
        g = 0;
        while (used.contains(g))
            ++g;
    }
    host.functions[i].iommuGroup = g;
    return g;
}

} // namespace devtopo::sim
