#include "detailsmodel.h"

#include "format.h"

namespace devtopo {

// Appends rows to the node table; parent -1 means a top-level section.
class DetailsModel::Builder
{
public:
    Builder(QList<Node> &nodes, QList<int> &topLevel)
        : m_nodes(nodes)
        , m_topLevel(topLevel)
    {
    }
    int add(int parent, const QString &key, const QString &value = {}, const QString &toolTip = {})
    {
        Node n;
        n.key = key;
        n.value = value;
        n.toolTip = toolTip;
        n.parent = parent;
        QList<int> &siblings = parent < 0 ? m_topLevel : m_nodes[parent].children;
        n.row = int(siblings.size());
        const int id = int(m_nodes.size());
        m_nodes.append(n);
        (parent < 0 ? m_topLevel : m_nodes[parent].children).append(id);
        return id;
    }
    int addFunction(int parent, const QString &key, const QString &value, const PciAddress &a)
    {
        const int id = add(parent, key, value);
        m_nodes[id].address = a;
        return id;
    }
    void setGroup(int id, int group) { m_nodes[id].group = group; }
    void setKind(int id, const QString &kind) { m_nodes[id].kind = kind; }
    void setToolTip(int id, const QString &toolTip) { m_nodes[id].toolTip = toolTip; }
    void setAddress(int id, const PciAddress &a) { m_nodes[id].address = a; }

private:
    QList<Node> &m_nodes;
    QList<int> &m_topLevel;
};

namespace {
QString orUnknown(const QString &s)
{
    return s.isEmpty() ? QStringLiteral("—") : s;
}
QString intOrUnknown(int v)
{
    return v >= 0 ? QString::number(v) : QStringLiteral("unknown");
}
QString acsBits(quint16 bits)
{
    const QString names = Acs::bitsToString(bits);
    return fmt::hex(bits, 4) + (names.isEmpty() ? QString() : QStringLiteral(" (") + names + QLatin1Char(')'));
}
} // namespace

DetailsModel::DetailsModel(QObject *parent)
    : QAbstractItemModel(parent)
{
}

void DetailsModel::setTopology(const Topology &topology)
{
    beginResetModel();
    m_topology = topology;
    m_topology.ensureIndexed();
    rebuild();
    endResetModel();
}

void DetailsModel::showFunction(const PciAddress &address)
{
    beginResetModel();
    m_subject = Subject::Function;
    m_address = address;
    rebuild();
    endResetModel();
}

void DetailsModel::showGroup(int groupId)
{
    beginResetModel();
    m_subject = Subject::Group;
    m_group = groupId;
    rebuild();
    endResetModel();
}

void DetailsModel::clear()
{
    beginResetModel();
    m_subject = Subject::None;
    rebuild();
    endResetModel();
}

QString DetailsModel::title() const
{
    switch (m_subject) {
    case Subject::Function:
        if (const PciFunction *f = m_topology.function(m_address))
            return f->address.toString() + QLatin1Char(' ') + fmt::functionName(*f);
        return {};
    case Subject::Group:
        return m_topology.group(m_group) ? tr("IOMMU group %1").arg(m_group) : QString();
    case Subject::None:
        break;
    }
    return {};
}

void DetailsModel::rebuild()
{
    m_nodes.clear();
    m_topLevel.clear();
    Builder b(m_nodes, m_topLevel);
    if (m_subject == Subject::Function) {
        if (const PciFunction *f = m_topology.function(m_address))
            buildFunction(b, *f);
    } else if (m_subject == Subject::Group) {
        if (const IommuGroup *g = m_topology.group(m_group))
            buildGroup(b, *g);
    }
}

void DetailsModel::buildFunction(Builder &b, const PciFunction &f) const
{
    const int id = b.add(-1, tr("Identity"), f.address.toString());
    b.add(id, tr("Address"), f.address.toString());
    b.add(id, tr("Vendor"), fmt::hex(f.vendorId, 4) + QLatin1Char(' ') + orUnknown(f.vendorName));
    b.add(id, tr("Device"), fmt::hex(f.deviceId, 4) + QLatin1Char(' ') + orUnknown(f.deviceName));
    if (f.subsystemVendorId || f.subsystemDeviceId)
        b.add(id, tr("Subsystem"),
              fmt::vendorDevice(f.subsystemVendorId, f.subsystemDeviceId)
                  + (f.subsystemName.isEmpty() ? QString() : QLatin1Char(' ') + f.subsystemName));
    b.add(id, tr("Class"), fmt::classCode(f.classCode) + QLatin1Char(' ') + fmt::className(f));
    if (f.revision >= 0)
        b.add(id, tr("Revision"), fmt::hex(quint64(f.revision), 2));
    b.add(id, tr("Port type"), portTypeName(f.portType));
    b.add(id, tr("Multifunction"), fmt::yesNo(f.multifunction));
    b.add(id, tr("Host bridge"), orUnknown(f.hostBridge));
    b.add(id, tr("sysfs path"), orUnknown(f.sysfsPath));

    const int drv = b.add(-1, tr("Driver"), f.driver.isEmpty() ? tr("(none)") : f.driver);
    b.add(drv, tr("Bound driver"), f.driver.isEmpty() ? tr("(none)") : f.driver);
    b.add(drv, tr("driver_override"), orUnknown(f.driverOverride));
    b.add(drv, tr("modalias"), orUnknown(f.modalias));
    const int variants = b.add(drv, tr("VFIO variant drivers"),
                               f.variantDrivers.isEmpty() ? tr("none (vfio-pci)") : f.variantDrivers.join(QStringLiteral(", ")),
                               tr("From modules.alias vfio_pci: entries, most specific first"));
    for (int i = 0; i < f.variantDrivers.size(); ++i)
        b.add(variants, f.variantDrivers[i],
              i == 0 ? tr("the candidate to bind for passthrough (device-specific migration and quirks)")
                     : tr("also matches, less specifically"));
    if (!f.resetMethods.isEmpty())
        b.add(drv, tr("Reset methods"), f.resetMethods.join(QLatin1Char(' ')));

    const int place = b.add(-1, tr("Placement"));
    b.add(place, tr("NUMA node"), f.numaNode >= 0 ? QString::number(f.numaNode) : tr("none"));
    if (!f.localCpus.isEmpty())
        b.add(place, tr("Local CPUs"), f.localCpus);
    if (f.link.known()) {
        const int link = b.add(place, tr("Link"), fmt::linkText(f.link));
        b.add(link, tr("Current"),
              fmt::linkSpeed(f.link.currentSpeed) + QStringLiteral(" x") + QString::number(f.link.currentWidth));
        b.add(link, tr("Maximum"),
              fmt::linkSpeed(f.link.maxSpeed) + QStringLiteral(" x") + QString::number(f.link.maxWidth));
        b.add(link, tr("Degraded"), fmt::yesNo(f.link.degraded()));
    } else {
        b.add(place, tr("Link"), tr("unknown"));
    }
    buildMemoryOnlyNodes(b, place, f);
    if (f.parent) {
        const PciFunction *p = m_topology.function(*f.parent);
        b.addFunction(place, tr("Upstream bridge"),
                      f.parent->toString() + (p ? QLatin1Char(' ') + fmt::functionName(*p) : QString()), *f.parent);
    }
    if (f.secondaryBus >= 0)
        b.add(place, tr("Bus range"),
              QStringLiteral("[%1-%2]").arg(f.secondaryBus, 2, 16, QLatin1Char('0')).arg(f.subordinateBus, 2, 16, QLatin1Char('0')),
              tr("secondary-subordinate bus numbers behind this bridge"));
    if (!f.children.isEmpty()) {
        const int kids = b.add(place, tr("Downstream"), tr("%n function(s)", nullptr, int(f.children.size())));
        for (const PciAddress &c : f.children) {
            const PciFunction *cf = m_topology.function(c);
            b.addFunction(kids, c.toString(), cf ? fmt::functionName(*cf) : QString(), c);
        }
    }

    buildCapabilities(b, b.add(-1, tr("Capabilities"), f.caps.names.join(QStringLiteral(", "))), f);

    if (f.sriov.capable || f.isVf() || !f.vfs.isEmpty()) {
        const int sr = b.add(-1, tr("SR-IOV"), f.isVf() ? tr("VF %1").arg(f.vfIndex) : tr("physical function"));
        if (f.isVf()) {
            const PciFunction *pf = m_topology.function(*f.physfn);
            b.addFunction(sr, tr("Physical function"),
                          f.physfn->toString() + (pf ? QLatin1Char(' ') + fmt::functionName(*pf) : QString()), *f.physfn);
            b.add(sr, tr("VF index"), QString::number(f.vfIndex));
        } else {
            b.add(sr, tr("Total VFs"), intOrUnknown(f.sriov.totalVfs));
            b.add(sr, tr("Enabled VFs"), intOrUnknown(f.sriov.numVfs));
            b.add(sr, tr("Initial VFs"), intOrUnknown(f.sriov.initialVfs));
            b.add(sr, tr("VF offset"), intOrUnknown(f.sriov.vfOffset));
            b.add(sr, tr("VF stride"), intOrUnknown(f.sriov.vfStride));
            b.add(sr, tr("VF device ID"), f.sriov.vfDeviceId >= 0 ? fmt::hex(quint64(f.sriov.vfDeviceId), 4) : tr("unknown"));
            b.add(sr, tr("Drivers autoprobe"),
                  f.sriov.driversAutoprobe < 0 ? tr("unknown") : fmt::yesNo(f.sriov.driversAutoprobe == 1));
            if (!f.vfs.isEmpty()) {
                const int vfs = b.add(sr, tr("Virtual functions"), QString::number(f.vfs.size()));
                for (int i = 0; i < f.vfs.size(); ++i) {
                    const PciFunction *vf = m_topology.function(f.vfs[i]);
                    b.addFunction(vfs, tr("VF %1").arg(vf ? vf->vfIndex : i),
                                  f.vfs[i].toString() + (vf && !vf->driver.isEmpty() ? QStringLiteral(" (") + vf->driver + QLatin1Char(')') : QString()),
                                  f.vfs[i]);
                }
            }
        }
    }

    const int iommu = b.add(-1, tr("IOMMU"), f.iommuGroup ? tr("group %1").arg(*f.iommuGroup) : tr("no group"));
    if (f.iommuGroup) {
        const IommuGroup *g = m_topology.group(*f.iommuGroup);
        const int gr = b.add(iommu, tr("Group"),
                             QString::number(*f.iommuGroup)
                                 + (g ? QStringLiteral(" (%1, %2)").arg(g->type.isEmpty() ? QStringLiteral("?") : g->type,
                                                                         tr("%n device(s)", nullptr, int(g->devices.size())))
                                      : QString()));
        b.setGroup(gr, *f.iommuGroup);
        if (g) {
            b.add(iommu, tr("Group viable for VFIO"), fmt::yesNo(g->viability.viable));
            if (!g->reasons.isEmpty())
                buildReasons(b, b.add(iommu, tr("Why it shares the group"), QString::number(g->reasons.size()),
                                      tr("Activate a culprit to highlight it in the topology drawing")),
                             *g);
        }
    }
    b.add(iommu, tr("IOMMU unit"), orUnknown(f.iommuUnit));

    if (!f.missing.isEmpty()) {
        const int miss = b.add(-1, tr("Missing attributes"), QString::number(f.missing.size()),
                               tr("Files the scan could not read (permissions, older kernel, partial capture)"));
        for (const QString &m : f.missing)
            b.add(miss, m);
    }
}

void DetailsModel::buildCapabilities(Builder &b, int parent, const PciFunction &f) const
{
    const Capabilities &c = f.caps;
    if (!c.configReadable) {
        b.add(parent, tr("Config space"), tr("not readable"),
              tr("Capabilities need the config file; without root only 64 bytes may be readable"));
        return;
    }
    b.add(parent, tr("Config space"), tr("%1 bytes").arg(c.configSize));
    b.add(parent, tr("Header type"), fmt::hex(c.headerType, 2) + (c.multifunctionBit ? tr(" (multifunction bit set)") : QString()));
    b.add(parent, tr("PCI Express"), fmt::yesNo(c.pcie));
    const int acs = b.add(parent, tr("ACS"), c.acs.present ? tr("present") : tr("absent"),
                          tr("Access Control Services: what lets the kernel isolate devices below a port"));
    if (c.acs.present) {
        b.add(acs, tr("ACSCap"), acsBits(c.acs.capability));
        b.add(acs, tr("ACSCtl"), acsBits(c.acs.control));
        const quint16 missingBits = quint16(Acs::RequiredForIsolation & ~c.acs.control);
        b.add(acs, tr("Isolation"),
              missingBits ? tr("off: %1 not enabled").arg(Acs::bitsToString(missingBits)) : tr("SrcValid ReqRedir CmpltRedir UpstreamFwd enabled"),
              tr("The kernel needs SV, RR, CR and UF enabled (REQ_ACS_FLAGS)"));
    }
    b.add(parent, tr("ARI"), fmt::yesNo(c.ari));
    b.add(parent, tr("ATS"), fmt::yesNo(c.ats));
    b.add(parent, tr("PRI"), fmt::yesNo(c.pri));
    b.add(parent, tr("PASID"), c.pasid ? tr("yes, %1 bits").arg(c.pasidWidth) : fmt::yesNo(false));
    b.add(parent, tr("SR-IOV"), fmt::yesNo(c.sriov));
    b.add(parent, tr("MSI"), fmt::yesNo(c.msi));
    b.add(parent, tr("MSI-X"), fmt::yesNo(c.msix));
    b.add(parent, tr("AER"), fmt::yesNo(c.aer));
    if (!c.names.isEmpty()) {
        const int all = b.add(parent, tr("All capabilities"), QString::number(c.names.size()), tr("In config space order"));
        for (int i = 0; i < c.names.size(); ++i)
            b.add(all, QString::number(i + 1), c.names[i]);
    }
}

void DetailsModel::buildReasons(Builder &b, int parent, const IommuGroup &g) const
{
    for (const GroupReason &r : g.reasons) {
        const int rr = b.add(parent, fmt::groupReasonKindName(r.kind), fmt::firstSentence(r.text, 120), r.text);
        const PciFunction *c = m_topology.function(r.culprit);
        const int culprit = b.addFunction(rr, tr("Culprit"),
                                          r.culprit.toString() + (c ? QLatin1Char(' ') + fmt::functionName(*c) : QString()),
                                          r.culprit);
        b.setKind(culprit, QStringLiteral("culprit"));
        b.setToolTip(culprit, tr("Double-click to highlight this port in the topology drawing"));
        if (r.missingAcsBits)
            b.add(rr, tr("Missing ACS bits"), acsBits(r.missingAcsBits));
        QStringList affected;
        for (const PciAddress &a : r.affected)
            affected << a.toString();
        if (!affected.isEmpty())
            b.add(rr, tr("Affected"), affected.join(QStringLiteral(", ")));
        b.add(rr, tr("Explanation"), r.text, r.text);
    }
}

void DetailsModel::buildMemoryOnlyNodes(Builder &b, int parent, const PciFunction &f) const
{
    // CXL expanders and HBM appear as NUMA nodes with memory and no CPUs; a device's DMA buffers
    // may land there, at the distance the firmware reports from the device's own node.
    int own = -1;
    for (int i = 0; i < m_topology.numaNodes.size(); ++i)
        if (m_topology.numaNodes[i].id == f.numaNode)
            own = i;
    QStringList ids;
    QList<QPair<QString, QString>> rows;
    for (int i = 0; i < m_topology.numaNodes.size(); ++i) {
        const NumaNode &n = m_topology.numaNodes[i];
        if (!n.memoryOnly())
            continue;
        QString value = n.memTotalKiB ? fmt::byteSize(n.memTotalKiB * 1024) : tr("size unknown");
        if (own >= 0 && i < m_topology.numaNodes[own].distances.size())
            value += tr(", distance %1 from node %2").arg(m_topology.numaNodes[own].distances[i]).arg(f.numaNode);
        ids << QString::number(n.id);
        rows << qMakePair(tr("Node %1").arg(n.id), value);
    }
    if (rows.isEmpty())
        return;
    const int id = b.add(parent, tr("Memory-only NUMA nodes"), ids.join(QStringLiteral(", ")),
                         tr("NUMA nodes with memory and no CPUs (CXL memory expanders, HBM)"));
    for (const auto &r : std::as_const(rows))
        b.add(id, r.first, r.second);
}

void DetailsModel::buildGroup(Builder &b, const IommuGroup &g) const
{
    const int id = b.add(-1, tr("IOMMU group"), QString::number(g.id));
    b.setGroup(id, g.id);
    b.add(id, tr("Type"), g.type.isEmpty() ? tr("unknown") : g.type);
    b.add(id, tr("IOMMU unit"), orUnknown(g.unit));

    const int members = b.add(-1, tr("Members"), QString::number(g.devices.size() + g.otherMembers.size()));
    for (const PciAddress &a : g.devices) {
        const PciFunction *f = m_topology.function(a);
        QString value = f ? fmt::functionName(*f) : tr("(not scanned)");
        if (f)
            value += QStringLiteral(" — ") + (f->driver.isEmpty() ? tr("no driver") : f->driver);
        b.addFunction(members, a.toString(), value, a);
    }
    for (const QString &other : g.otherMembers)
        b.add(members, other, tr("non-PCI member"));

    const int via = b.add(-1, tr("Viability"), g.viability.viable ? tr("viable: VFIO can take this group") : tr("not viable"));
    if (!g.viability.blockers.isEmpty()) {
        const int bl = b.add(via, tr("Blockers"), QString::number(g.viability.blockers.size()));
        for (const QString &s : g.viability.blockers)
            b.add(bl, QString(), s);
    }
    if (!g.viability.actions.isEmpty()) {
        const int ac = b.add(via, tr("Actions"), QString::number(g.viability.actions.size()));
        for (const QString &s : g.viability.actions)
            b.add(ac, QString(), s);
    }

    const int why = b.add(-1, tr("Why these devices share the group"),
                          g.reasons.isEmpty() ? (g.devices.size() > 1 ? tr("not explained") : tr("single device"))
                                              : QString::number(g.reasons.size()));
    buildReasons(b, why, g);

    const int res = b.add(-1, tr("Reserved regions"),
                          g.reservedRegionsKnown ? QString::number(g.reservedRegions.size()) : tr("unknown"));
    for (const ReservedRegion &r : g.reservedRegions)
        b.add(res, r.type, fmt::hexRange(r.start, r.end) + QStringLiteral("  (") + fmt::rangeSize(r.start, r.end) + QLatin1Char(')'),
              fmt::exactRangeSize(r.start, r.end));

    const int iova = b.add(-1, tr("Usable IOVA"),
                           g.addressWidth > 0 ? tr("%1-bit space%2").arg(g.addressWidth).arg(g.addressWidthAssumed ? tr(" (assumed)") : QString())
                                              : tr("unknown"));
    for (const IovaRange &r : g.usableIova)
        b.add(iova, fmt::rangeSize(r.start, r.end), fmt::hexRange(r.start, r.end), fmt::exactRangeSize(r.start, r.end));
}

QModelIndex DetailsModel::findSection(const QString &key) const
{
    for (int r = 0; r < m_topLevel.size(); ++r)
        if (m_nodes[m_topLevel[r]].key == key)
            return index(r, 0);
    return {};
}

QModelIndex DetailsModel::findKey(const QString &key, const QModelIndex &parent) const
{
    for (int r = 0; r < rowCount(parent); ++r) {
        const QModelIndex i = index(r, 0, parent);
        if (i.data().toString() == key)
            return i;
        const QModelIndex below = findKey(key, i);
        if (below.isValid())
            return below;
    }
    return {};
}

QModelIndex DetailsModel::index(int row, int column, const QModelIndex &parent) const
{
    if (row < 0 || column < 0 || column >= ColumnCount || (parent.isValid() && parent.column() != 0))
        return {};
    const QList<int> &siblings = parent.isValid() ? m_nodes[int(parent.internalId())].children : m_topLevel;
    if (row >= siblings.size())
        return {};
    return createIndex(row, column, quintptr(siblings[row]));
}

QModelIndex DetailsModel::parent(const QModelIndex &child) const
{
    if (!child.isValid())
        return {};
    const int p = m_nodes[int(child.internalId())].parent;
    return p < 0 ? QModelIndex() : createIndex(m_nodes[p].row, 0, quintptr(p));
}

int DetailsModel::rowCount(const QModelIndex &parent) const
{
    if (!parent.isValid())
        return int(m_topLevel.size());
    if (parent.column() != 0)
        return 0;
    return int(m_nodes[int(parent.internalId())].children.size());
}

int DetailsModel::columnCount(const QModelIndex &) const
{
    return ColumnCount;
}

QVariant DetailsModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.model() != this)
        return {};
    const Node &n = m_nodes[int(index.internalId())];
    switch (role) {
    case Qt::DisplayRole:
        return index.column() == KeyColumn ? n.key : n.value;
    case Qt::ToolTipRole:
        if (!n.toolTip.isEmpty())
            return n.toolTip;
        return index.column() == ValueColumn && n.value.size() > 60 ? QVariant(n.value) : QVariant();
    case AddressRole:
        return n.address ? QVariant(n.address->toString()) : QVariant();
    case PciAddressRole:
        return n.address ? QVariant::fromValue(*n.address) : QVariant();
    case GroupRole:
        return n.group;
    case KindRole:
        if (!n.kind.isEmpty())
            return n.kind;
        return n.parent < 0 ? QStringLiteral("section") : QStringLiteral("property");
    case SortRole:
        return n.row;
    }
    return {};
}

QVariant DetailsModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    return section == KeyColumn ? tr("Property") : tr("Value");
}

} // namespace devtopo
