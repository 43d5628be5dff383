#include "devicetreemodel.h"

#include "format.h"
#include "modelslogging.h"

namespace devtopo {

namespace {
// Bus order key: domain, bus, device, function packed so that numeric order is address order.
qulonglong addressKey(const PciAddress &a)
{
    return (qulonglong(a.domain) << 16) | (qulonglong(a.bus) << 8) | (qulonglong(a.device) << 3) | a.function;
}

// "pci0000:00" -> domain 0, bus 0; malformed names keep -1 so they sort last.
void parseBridgeName(const QString &name, quint32 *domain, int *bus)
{
    if (!name.startsWith(QStringLiteral("pci")))
        return;
    const QStringList parts = name.mid(3).split(QLatin1Char(':'));
    if (parts.size() != 2)
        return;
    bool ok1 = false, ok2 = false;
    const uint d = parts[0].toUInt(&ok1, 16);
    const int b = parts[1].toInt(&ok2, 16);
    if (ok1 && ok2) {
        *domain = d;
        *bus = b;
    }
}
} // namespace

DeviceTreeModel::DeviceTreeModel(QObject *parent)
    : QAbstractItemModel(parent)
{
}

void DeviceTreeModel::setTopology(const Topology &topology)
{
    beginResetModel();
    m_topology = topology;
    m_topology.ensureIndexed();
    rebuild();
    endResetModel();
}

void DeviceTreeModel::rebuild()
{
    m_nodes.clear();
    m_topLevel.clear();
    m_bridges.clear();
    m_nodeOfBridge.clear();
    const auto &functions = m_topology.functions;
    m_nodeOfFunction.fill(-1, functions.size());
    m_nodes.reserve(functions.size() + m_topology.hostBridges.size() + 1);

    auto bridgeNode = [this](const QString &name) {
        auto it = m_nodeOfBridge.constFind(name);
        if (it != m_nodeOfBridge.cend())
            return *it;
        BridgeRow b;
        b.name = name;
        parseBridgeName(name, &b.domain, &b.bus);
        m_bridges.append(b);
        Node n;
        n.hostBridge = int(m_bridges.size() - 1);
        n.row = int(m_topLevel.size());
        const int id = int(m_nodes.size());
        m_nodes.append(n);
        m_topLevel.append(id);
        m_nodeOfBridge.insert(name, id);
        return id;
    };

    // Known host bridges first so their order and NUMA come from the scanner.
    for (const HostBridge &hb : m_topology.hostBridges) {
        const int id = bridgeNode(hb.name);
        BridgeRow &b = m_bridges[m_nodes[id].hostBridge];
        b.domain = hb.domain;
        b.bus = hb.bus;
        b.numaNode = hb.numaNode;
    }

    for (int i = 0; i < functions.size(); ++i) {
        Node n;
        n.function = i;
        m_nodeOfFunction[i] = int(m_nodes.size());
        m_nodes.append(n);
    }
    // Attach after all nodes exist: a parent may sort after its child (domains, odd bus numbers).
    for (int i = 0; i < functions.size(); ++i) {
        const PciFunction &f = functions[i];
        const int id = m_nodeOfFunction[i];
        int parentNode = -1;
        if (f.parent) {
            auto it = m_topology.functionIndex.constFind(*f.parent);
            if (it != m_topology.functionIndex.cend() && *it != i)
                parentNode = m_nodeOfFunction[*it];
        }
        if (parentNode < 0) {
            QString bridge = f.hostBridge;
            if (bridge.isEmpty())
                bridge = QStringLiteral("pci%1:%2").arg(f.address.domain, 4, 16, QLatin1Char('0'))
                                                   .arg(f.address.bus, 2, 16, QLatin1Char('0'));
            parentNode = bridgeNode(bridge);
        }
        Node &parentRef = m_nodes[parentNode];
        m_nodes[id].parent = parentNode;
        m_nodes[id].row = int(parentRef.children.size());
        parentRef.children.append(id);
    }
    // A parent cycle in bad input would leave nodes unreachable from the top; detach them to the
    // top level so no function disappears and parent() never loops.
    QList<char> reachable(m_nodes.size(), 0);
    QList<int> stack = m_topLevel;
    while (!stack.isEmpty()) {
        const int id = stack.takeLast();
        reachable[id] = 1;
        stack.append(m_nodes[id].children);
    }
    for (int id = 0; id < m_nodes.size(); ++id) {
        if (reachable[id])
            continue;
        qCWarning(lcItemModels) << "parent links form a cycle at function"
                                << m_topology.functions[m_nodes[id].function].address.toString();
        Node &n = m_nodes[id];
        Node &oldParent = m_nodes[n.parent];
        oldParent.children.removeOne(id);
        for (int r = 0; r < oldParent.children.size(); ++r)
            m_nodes[oldParent.children[r]].row = r;
        n.parent = -1;
        n.row = int(m_topLevel.size());
        m_topLevel.append(id);
        // Its own subtree is now reachable; mark it so it is not detached again.
        QList<int> sub{id};
        while (!sub.isEmpty()) {
            const int s = sub.takeLast();
            reachable[s] = 1;
            sub.append(m_nodes[s].children);
        }
    }
}

QModelIndex DeviceTreeModel::indexForAddress(const PciAddress &address) const
{
    auto it = m_topology.functionIndex.constFind(address);
    if (it == m_topology.functionIndex.cend() || *it >= m_nodeOfFunction.size())
        return {};
    const int id = m_nodeOfFunction[*it];
    return createIndex(m_nodes[id].row, 0, quintptr(id));
}

QModelIndex DeviceTreeModel::indexForHostBridge(const QString &name) const
{
    auto it = m_nodeOfBridge.constFind(name);
    if (it == m_nodeOfBridge.cend())
        return {};
    return createIndex(m_nodes[*it].row, 0, quintptr(*it));
}

const PciFunction *DeviceTreeModel::functionAt(const QModelIndex &index) const
{
    if (!index.isValid() || index.model() != this)
        return nullptr;
    const Node &n = m_nodes[int(index.internalId())];
    return n.function >= 0 ? &m_topology.functions[n.function] : nullptr;
}

QModelIndex DeviceTreeModel::index(int row, int column, const QModelIndex &parent) const
{
    if (row < 0 || column < 0 || column >= ColumnCount)
        return {};
    const QList<int> &siblings = parent.isValid() ? m_nodes[int(parent.internalId())].children : m_topLevel;
    if (parent.isValid() && parent.column() != 0)
        return {};
    if (row >= siblings.size())
        return {};
    return createIndex(row, column, quintptr(siblings[row]));
}

QModelIndex DeviceTreeModel::parent(const QModelIndex &child) const
{
    if (!child.isValid())
        return {};
    const int p = m_nodes[int(child.internalId())].parent;
    if (p < 0)
        return {};
    return createIndex(m_nodes[p].row, 0, quintptr(p));
}

int DeviceTreeModel::rowCount(const QModelIndex &parent) const
{
    if (!parent.isValid())
        return int(m_topLevel.size());
    if (parent.column() != 0)
        return 0;
    return int(m_nodes[int(parent.internalId())].children.size());
}

int DeviceTreeModel::columnCount(const QModelIndex &) const
{
    return ColumnCount;
}

bool DeviceTreeModel::hasChildren(const QModelIndex &parent) const
{
    return rowCount(parent) > 0;
}

QVariant DeviceTreeModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.model() != this)
        return {};
    const Node &n = m_nodes[int(index.internalId())];
    if (n.function >= 0) {
        if (role == FunctionIndexRole)
            return n.function;
        return functionData(m_topology.functions[n.function], index.column(), role);
    }
    return bridgeData(m_bridges[n.hostBridge], n, index.column(), role);
}

QVariant DeviceTreeModel::functionData(const PciFunction &f, int column, int role) const
{
    const int group = f.iommuGroup.value_or(-1);
    switch (role) {
    case Qt::DisplayRole:
        switch (column) {
        case AddressColumn: return f.address.toString();
        case NameColumn:
            return f.isVf() ? fmt::functionName(f) + QStringLiteral(" (VF %1)").arg(f.vfIndex)
                            : fmt::functionName(f);
        case ClassColumn: return fmt::className(f);
        case DriverColumn: return f.driver;
        case GroupColumn: return group >= 0 ? QVariant(group) : QVariant();
        case NumaColumn: return f.numaNode >= 0 ? QVariant(f.numaNode) : QVariant();
        case LinkColumn: return fmt::linkText(f.link);
        }
        return {};
    case Qt::ToolTipRole: {
        QStringList lines{f.address.toString() + QStringLiteral("  ") + fmt::functionName(f),
                          fmt::className(f) + QStringLiteral(" (") + fmt::classCode(f.classCode)
                              + QStringLiteral("), ") + portTypeName(f.portType)};
        if (f.isVf())
            lines << QStringLiteral("VF %1 of %2").arg(f.vfIndex).arg(f.physfn->toString());
        if (!f.vfs.isEmpty())
            lines << QStringLiteral("PF with %1 VFs").arg(f.vfs.size());
        if (column == LinkColumn && f.link.degraded())
            lines << QStringLiteral("The link trained below what both ends support (or is idle in a "
                                    "power-saving state).");
        return lines.join(QLatin1Char('\n'));
    }
    case AddressRole: return f.address.toString();
    case PciAddressRole: return QVariant::fromValue(f.address);
    case GroupRole: return group;
    case DriverRole: return f.driver;
    case ClassRole: return QString(fmt::className(f) + QLatin1Char(' ') + fmt::classCode(f.classCode));
    case NameRole: return fmt::functionName(f);
    case DegradedRole: return f.link.degraded();
    case KindRole: return f.isVf() ? QStringLiteral("vf") : QStringLiteral("function");
    case GroupIndexRole: {
        const auto it = m_topology.groupIndex.constFind(group);
        return it == m_topology.groupIndex.cend() ? -1 : *it;
    }
    case SortRole:
        switch (column) {
        case AddressColumn: return addressKey(f.address);
        case GroupColumn: return group;
        case NumaColumn: return f.numaNode;
        case LinkColumn: return f.link.currentSpeed * f.link.currentWidth;
        default: return functionData(f, column, Qt::DisplayRole).toString().toLower();
        }
    case Qt::TextAlignmentRole:
        if (column == GroupColumn || column == NumaColumn)
            return int(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    }
    return {};
}

QVariant DeviceTreeModel::bridgeData(const BridgeRow &b, const Node &node, int column, int role) const
{
    switch (role) {
    case Qt::DisplayRole:
        switch (column) {
        case AddressColumn: return b.name;
        case NameColumn:
            if (b.bus < 0)
                return QStringLiteral("Host bridge");
            return QStringLiteral("Host bridge, domain %1 bus %2")
                .arg(b.domain, 4, 16, QLatin1Char('0'))
                .arg(b.bus, 2, 16, QLatin1Char('0'));
        case NumaColumn: return b.numaNode >= 0 ? QVariant(b.numaNode) : QVariant();
        }
        return {};
    case Qt::ToolTipRole:
        return QStringLiteral("%1: %2 function(s) directly below").arg(b.name).arg(node.children.size());
    case AddressRole: return b.name;
    case NameRole: return QStringLiteral("Host bridge");
    case KindRole: return QStringLiteral("hostbridge");
    case GroupRole: return -1;
    case GroupIndexRole: return -1;
    case FunctionIndexRole: return -1;
    case SortRole:
        switch (column) {
        case AddressColumn: return (qulonglong(b.domain) << 16) | (qulonglong(b.bus < 0 ? 0xff : b.bus) << 8);
        case NumaColumn: return b.numaNode;
        default: return bridgeData(b, node, column, Qt::DisplayRole).toString().toLower();
        }
    case Qt::TextAlignmentRole:
        if (column == NumaColumn)
            return int(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    }
    return {};
}

QVariant DeviceTreeModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case AddressColumn: return tr("Address");
    case NameColumn: return tr("Name");
    case ClassColumn: return tr("Class");
    case DriverColumn: return tr("Driver");
    case GroupColumn: return tr("Group");
    case NumaColumn: return tr("NUMA");
    case LinkColumn: return tr("Link");
    }
    return {};
}

} // namespace devtopo
