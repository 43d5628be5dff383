#include "reservedregionmodel.h"

#include "format.h"

#include <algorithm>

namespace devtopo {

ReservedRegionModel::ReservedRegionModel(QObject *parent)
    : QAbstractTableModel(parent)
{
}

void ReservedRegionModel::setTopology(const Topology &topology)
{
    beginResetModel();
    m_topology = topology;
    if (m_topology.groupIndex.size() != m_topology.groups.size())
        m_topology.reindex();
    const IommuGroup *g = m_topology.group(m_groupId);
    if (!g)
        m_groupId = -1;
    fill(g);
    endResetModel();
}

void ReservedRegionModel::setGroup(int groupId)
{
    beginResetModel();
    const IommuGroup *g = m_topology.group(groupId);
    m_groupId = g ? groupId : -1;
    fill(g);
    endResetModel();
}

void ReservedRegionModel::setGroupData(const IommuGroup &group)
{
    beginResetModel();
    m_groupId = group.id;
    fill(&group);
    endResetModel();
}

void ReservedRegionModel::fill(const IommuGroup *group)
{
    m_rows.clear();
    if (!group)
        return;
    for (const ReservedRegion &r : group->reservedRegions)
        m_rows.append({r.start, r.end, r.type.isEmpty() ? QStringLiteral("reserved") : r.type});
    for (const IovaRange &r : group->usableIova)
        m_rows.append({r.start, r.end, QStringLiteral("usable")});
    // Stable: a usable range that starts where a relaxable region starts stays after it.
    std::stable_sort(m_rows.begin(), m_rows.end(), [](const Row &a, const Row &b) {
        return a.start != b.start ? a.start < b.start : a.end < b.end;
    });
}

QString ReservedRegionModel::kindDescription(const QString &kind)
{
    if (kind == QStringLiteral("usable"))
        return tr("Usable IOVA: a VFIO user may map DMA here");
    if (kind == QStringLiteral("msi"))
        return tr("MSI doorbell window: interrupts are written here, DMA may not map it");
    if (kind == QStringLiteral("direct"))
        return tr("Direct-mapped (e.g. RMRR): firmware keeps using it; blocks VFIO assignment on most kernels");
    if (kind == QStringLiteral("direct-relaxable"))
        return tr("Direct-mapped but relaxable (e.g. USB/graphics RMRR): VFIO type1 lets a user map over it");
    if (kind == QStringLiteral("reserved"))
        return tr("Reserved: never mapped (e.g. PCI host bridge windows)");
    return tr("Region type %1").arg(kind);
}

int ReservedRegionModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int ReservedRegionModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant ReservedRegionModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.model() != this || index.row() >= m_rows.size())
        return {};
    const Row &r = m_rows[index.row()];
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case StartColumn: return fmt::hex(r.start, r.end > 0xffffffffffffULL ? 16 : 12);
        case EndColumn: return fmt::hex(r.end, r.end > 0xffffffffffffULL ? 16 : 12);
        case SizeColumn: return fmt::rangeSize(r.start, r.end);
        case KindColumn: return r.kind;
        }
        return {};
    case Qt::ToolTipRole:
        return QString(fmt::hexRange(r.start, r.end) + QLatin1Char('\n') + fmt::exactRangeSize(r.start, r.end)
                       + QLatin1Char('\n') + kindDescription(r.kind));
    case Qt::TextAlignmentRole:
        if (index.column() != KindColumn)
            return int(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    case KindRole: return r.kind;
    case RangeStartRole: return qulonglong(r.start);
    case RangeEndRole: return qulonglong(r.end);
    case GroupRole: return m_groupId;
    case SortRole:
        switch (index.column()) {
        case StartColumn: return qulonglong(r.start);
        case EndColumn: return qulonglong(r.end);
        case SizeColumn: return qulonglong(r.end - r.start); // size - 1: does not overflow
        case KindColumn: return r.kind;
        }
        return {};
    }
    return {};
}

QVariant ReservedRegionModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case StartColumn: return tr("Start");
    case EndColumn: return tr("End");
    case SizeColumn: return tr("Size");
    case KindColumn: return tr("Kind");
    }
    return {};
}

} // namespace devtopo
