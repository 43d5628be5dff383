#include "sriovmodel.h"

#include "format.h"

namespace devtopo {

SriovModel::SriovModel(QObject *parent)
    : QAbstractItemModel(parent)
{
}

void SriovModel::setTopology(const Topology &topology)
{
    beginResetModel();
    m_topology = topology;
    m_topology.ensureIndexed();
    m_pfs.clear();
    QHash<int, int> pfRowOfFunction;
    for (int i = 0; i < m_topology.functions.size(); ++i) {
        const PciFunction &f = m_topology.functions[i];
        if (f.isVf() || (!f.sriov.capable && f.vfs.isEmpty()))
            continue;
        PfRow row;
        row.function = i;
        for (const PciAddress &vf : f.vfs) {
            const auto it = m_topology.functionIndex.constFind(vf);
            if (it != m_topology.functionIndex.cend())
                row.vfs << *it;
        }
        pfRowOfFunction.insert(i, int(m_pfs.size()));
        m_pfs << row;
    }
    // VFs whose PF did not list them (a partial scan) still belong under it.
    for (int i = 0; i < m_topology.functions.size(); ++i) {
        const PciFunction &f = m_topology.functions[i];
        if (!f.physfn)
            continue;
        const auto pf = m_topology.functionIndex.constFind(*f.physfn);
        if (pf == m_topology.functionIndex.cend())
            continue;
        const auto row = pfRowOfFunction.constFind(*pf);
        if (row != pfRowOfFunction.cend() && !m_pfs[*row].vfs.contains(i))
            m_pfs[*row].vfs << i;
    }
    endResetModel();
}

int SriovModel::vfCount() const
{
    int n = 0;
    for (const PfRow &pf : m_pfs)
        n += int(pf.vfs.size());
    return n;
}

QModelIndex SriovModel::indexForAddress(const PciAddress &address) const
{
    const auto it = m_topology.functionIndex.constFind(address);
    if (it == m_topology.functionIndex.cend())
        return {};
    for (int r = 0; r < m_pfs.size(); ++r) {
        if (m_pfs[r].function == *it)
            return index(r, 0);
        const qsizetype vf = m_pfs[r].vfs.indexOf(*it);
        if (vf >= 0)
            return createIndex(int(vf), 0, quintptr(r + 1));
    }
    return {};
}

int SriovModel::functionIndexAt(const QModelIndex &index) const
{
    if (!index.isValid() || index.model() != this)
        return -1;
    if (index.internalId() == 0)
        return m_pfs[index.row()].function;
    return m_pfs[int(index.internalId() - 1)].vfs[index.row()];
}

const PciFunction *SriovModel::functionAt(const QModelIndex &index) const
{
    const int i = functionIndexAt(index);
    return i >= 0 ? &m_topology.functions[i] : nullptr;
}

QModelIndex SriovModel::index(int row, int column, const QModelIndex &parent) const
{
    if (row < 0 || column < 0 || column >= ColumnCount)
        return {};
    if (!parent.isValid())
        return row < m_pfs.size() ? createIndex(row, column, quintptr(0)) : QModelIndex();
    if (parent.internalId() != 0 || parent.column() != 0 || row >= m_pfs[parent.row()].vfs.size())
        return {};
    return createIndex(row, column, quintptr(parent.row() + 1));
}

QModelIndex SriovModel::parent(const QModelIndex &child) const
{
    if (!child.isValid() || child.internalId() == 0)
        return {};
    return createIndex(int(child.internalId() - 1), 0, quintptr(0));
}

int SriovModel::rowCount(const QModelIndex &parent) const
{
    if (!parent.isValid())
        return int(m_pfs.size());
    if (parent.internalId() != 0 || parent.column() != 0)
        return 0;
    return int(m_pfs[parent.row()].vfs.size());
}

int SriovModel::columnCount(const QModelIndex &) const
{
    return ColumnCount;
}

QVariant SriovModel::data(const QModelIndex &index, int role) const
{
    const int fi = functionIndexAt(index);
    if (fi < 0)
        return {};
    const PciFunction &f = m_topology.functions[fi];
    const bool isPf = index.internalId() == 0;
    const int group = f.iommuGroup.value_or(-1);
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case AddressColumn: return f.address.toString();
        case NameColumn: return fmt::functionName(f);
        case VfColumn:
            if (!isPf)
                return QString(QStringLiteral("VF ") + QString::number(f.vfIndex));
            if (f.sriov.totalVfs >= 0)
                return QStringLiteral("%1 of %2 VFs").arg(qMax(0, f.sriov.numVfs)).arg(f.sriov.totalVfs);
            return QStringLiteral("%1 VFs").arg(m_pfs[index.row()].vfs.size());
        case DriverColumn: return f.driver;
        case GroupColumn: return group >= 0 ? QVariant(group) : QVariant();
        case NumaColumn: return f.numaNode >= 0 ? QVariant(f.numaNode) : QVariant();
        }
        return {};
    case Qt::ToolTipRole:
        if (isPf && index.column() == VfColumn)
            return QStringLiteral("sriov_numvfs %1, sriov_totalvfs %2, VF device ID %3")
                .arg(f.sriov.numVfs)
                .arg(f.sriov.totalVfs)
                .arg(f.sriov.vfDeviceId >= 0 ? QString::number(f.sriov.vfDeviceId, 16) : QStringLiteral("?"));
        return {};
    case AddressRole: return f.address.toString();
    case PciAddressRole: return QVariant::fromValue(f.address);
    case GroupRole: return group;
    case DriverRole: return f.driver;
    case NameRole: return fmt::functionName(f);
    case ClassRole: return QString(fmt::className(f) + QLatin1Char(' ') + fmt::classCode(f.classCode));
    case FunctionIndexRole: return fi;
    case KindRole: return isPf ? QStringLiteral("pf") : QStringLiteral("vf");
    case SortRole:
        switch (index.column()) {
        case VfColumn: return isPf ? f.sriov.numVfs : f.vfIndex;
        case GroupColumn: return group;
        case NumaColumn: return f.numaNode;
        case AddressColumn:
            return (qulonglong(f.address.domain) << 16) | (qulonglong(f.address.bus) << 8)
                | (qulonglong(f.address.device) << 3) | f.address.function;
        default: return data(index, Qt::DisplayRole).toString().toLower();
        }
    case Qt::TextAlignmentRole:
        if (index.column() == GroupColumn || index.column() == NumaColumn)
            return int(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    }
    return {};
}

QVariant SriovModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case AddressColumn: return tr("Function");
    case NameColumn: return tr("Name");
    case VfColumn: return tr("VFs");
    case DriverColumn: return tr("Driver");
    case GroupColumn: return tr("IOMMU group");
    case NumaColumn: return tr("NUMA");
    }
    return {};
}

} // namespace devtopo
