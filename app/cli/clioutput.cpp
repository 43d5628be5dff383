#include "clioutput.h"

namespace devtopo::cli {

namespace {

QString linkText(const LinkInfo &l)
{
    if (!l.known())
        return {};
    QString s = QStringLiteral("%1 GT/s x%2").arg(l.currentSpeed, 0, 'g', 3).arg(l.currentWidth);
    if (l.degraded())
        s += QStringLiteral(" (max %1 GT/s x%2)").arg(l.maxSpeed, 0, 'g', 3).arg(l.maxWidth);
    return s;
}

QString line(const PciFunction &f)
{
    QStringList extra;
    if (!f.driver.isEmpty())
        extra << QStringLiteral("driver=%1").arg(f.driver);
    if (f.iommuGroup)
        extra << QStringLiteral("group=%1").arg(*f.iommuGroup);
    if (f.numaNode >= 0)
        extra << QStringLiteral("numa=%1").arg(f.numaNode);
    if (const QString l = linkText(f.link); !l.isEmpty())
        extra << l;
    if (f.sriov.capable)
        extra << QStringLiteral("VFs %1/%2").arg(f.sriov.numVfs).arg(f.sriov.totalVfs);
    if (f.physfn)
        extra << QStringLiteral("VF %1 of %2").arg(f.vfIndex).arg(f.physfn->toString());
    const QString vendor = f.vendorName.isEmpty() ? QString() : f.vendorName + QLatin1Char(' ');
    return QStringLiteral("%1 %2%3 [%4:%5]  %6")
        .arg(f.address.toString(), vendor, f.displayName())
        .arg(f.vendorId, 4, 16, QLatin1Char('0'))
        .arg(f.deviceId, 4, 16, QLatin1Char('0'))
        .arg(extra.join(u"  "));
}

void printSubtree(const Topology &topo, const PciAddress &a, const QString &prefix, bool last, QTextStream &out)
{
    const PciFunction *f = topo.function(a);
    if (!f)
        return;
    out << prefix << (last ? "└─ " : "├─ ") << line(*f) << '\n';
    const QString childPrefix = prefix + (last ? QStringLiteral("   ") : QStringLiteral("│  "));
    for (int i = 0; i < f->children.size(); ++i)
        printSubtree(topo, f->children[i], childPrefix, i == f->children.size() - 1, out);
}

} // namespace

void printTree(const Topology &topo, QTextStream &out)
{
    QStringList bridges;
    for (const HostBridge &b : topo.hostBridges)
        bridges << b.name;
    for (const PciFunction &f : topo.functions)
        if (!f.parent && !bridges.contains(f.hostBridge))
            bridges << f.hostBridge;
    for (const QString &b : std::as_const(bridges)) {
        int numa = -1;
        for (const HostBridge &h : topo.hostBridges)
            if (h.name == b)
                numa = h.numaNode;
        out << (b.isEmpty() ? QStringLiteral("(no host bridge)") : b);
        if (numa >= 0)
            out << "  numa=" << numa;
        out << '\n';
        QList<PciAddress> roots;
        for (const PciFunction &f : topo.functions)
            if (!f.parent && f.hostBridge == b)
                roots << f.address;
        for (int i = 0; i < roots.size(); ++i)
            printSubtree(topo, roots[i], QString(), i == roots.size() - 1, out);
    }
}

void printGroups(const Topology &topo, QTextStream &out)
{
    if (topo.groups.isEmpty()) {
        out << "No IOMMU groups: the IOMMU is off, absent, or the copy did not include sys/kernel/iommu_groups.\n";
        return;
    }
    for (const IommuGroup &g : topo.groups) {
        out << "Group " << g.id;
        if (!g.type.isEmpty())
            out << "  type=" << g.type;
        out << "  " << (g.viability.viable ? "viable for VFIO" : "not viable for VFIO") << '\n';
        for (const PciAddress &a : g.devices)
            if (const PciFunction *f = topo.function(a))
                out << "  " << line(*f) << '\n';
        for (const QString &m : g.otherMembers)
            out << "  " << m << '\n';
        for (const ReservedRegion &r : g.reservedRegions)
            out << QStringLiteral("  reserved 0x%1-0x%2 %3\n").arg(r.start, 0, 16).arg(r.end, 0, 16).arg(r.type);
        QStringList ranges;
        for (const IovaRange &r : g.usableIova)
            ranges << QStringLiteral("0x%1-0x%2").arg(r.start, 0, 16).arg(r.end, 0, 16);
        out << "  usable IOVA: " << ranges.join(u", ") << QStringLiteral(" (%1-bit%2)\n")
                   .arg(g.addressWidth).arg(g.addressWidthAssumed ? QStringLiteral(", assumed") : QString());
        for (const QString &b : g.viability.actions)
            out << "  to make it viable: " << b << '\n';
        for (const GroupReason &r : g.reasons)
            out << "  why: " << r.text << '\n';
    }
}

void printWarnings(const Topology &topo, QTextStream &err)
{
    for (const QString &w : topo.warnings)
        err << "warning: " << w << '\n';
}

} // namespace devtopo::cli
