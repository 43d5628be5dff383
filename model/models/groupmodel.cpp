#include "groupmodel.h"

#include "format.h"

namespace devtopo {

GroupModel::GroupModel(QObject *parent)
    : QAbstractTableModel(parent)
{
}

void GroupModel::setTopology(const Topology &topology)
{
    beginResetModel();
    m_topology = topology;
    m_topology.ensureIndexed();
    endResetModel();
}

QModelIndex GroupModel::indexForGroup(int groupId, int column) const
{
    const auto it = m_topology.groupIndex.constFind(groupId);
    if (it == m_topology.groupIndex.cend())
        return {};
    return index(*it, column);
}

const IommuGroup *GroupModel::groupAt(const QModelIndex &index) const
{
    if (!index.isValid() || index.model() != this || index.row() >= m_topology.groups.size())
        return nullptr;
    return &m_topology.groups[index.row()];
}

int GroupModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_topology.groups.size());
}

int GroupModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QString GroupModel::memberText(const IommuGroup &g) const
{
    QStringList out;
    for (const PciAddress &a : g.devices)
        out << a.toString();
    out << g.otherMembers;
    return out.join(QStringLiteral(", "));
}

QString GroupModel::memberDrivers(const IommuGroup &g) const
{
    QStringList out;
    for (const PciAddress &a : g.devices)
        if (const PciFunction *f = m_topology.function(a); f && !f->driver.isEmpty() && !out.contains(f->driver))
            out << f->driver;
    return out.join(QLatin1Char(' '));
}

QString GroupModel::memberNames(const IommuGroup &g) const
{
    QStringList out;
    for (const PciAddress &a : g.devices)
        if (const PciFunction *f = m_topology.function(a))
            out << fmt::functionName(*f);
    return out.join(QStringLiteral("; "));
}

QVariant GroupModel::data(const QModelIndex &index, int role) const
{
    const IommuGroup *g = groupAt(index);
    if (!g)
        return {};
    const int memberCount = int(g->devices.size() + g->otherMembers.size());
    const QString why = g->reasons.isEmpty()
        ? (memberCount > 1 ? QStringLiteral("not explained") : QString())
        : fmt::firstSentence(g->reasons.first().text);
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case IdColumn: return g->id;
        case TypeColumn: return g->type.isEmpty() ? QStringLiteral("?") : g->type;
        case CountColumn: return memberCount;
        case MembersColumn: return memberText(*g);
        case ViableColumn: return fmt::yesNo(g->viability.viable);
        case WhyColumn: return why;
        case ReservedColumn:
            return g->reservedRegionsKnown ? QVariant(int(g->reservedRegions.size())) : QVariant(QStringLiteral("?"));
        }
        return {};
    case Qt::ToolTipRole:
        switch (index.column()) {
        case MembersColumn: return memberNames(*g);
        case ViableColumn:
            return g->viability.viable ? QStringLiteral("Every member can be handed to VFIO as is.")
                                       : g->viability.blockers.join(QLatin1Char('\n'));
        case WhyColumn: {
            QStringList texts;
            for (const GroupReason &r : g->reasons)
                texts << r.text;
            return texts.join(QStringLiteral("\n\n"));
        }
        case ReservedColumn:
            return g->reservedRegionsKnown ? QVariant() : QVariant(QStringLiteral("reserved_regions could not be read"));
        }
        return {};
    case Qt::TextAlignmentRole:
        if (index.column() == IdColumn || index.column() == CountColumn || index.column() == ReservedColumn)
            return int(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    case GroupRole: return g->id;
    case GroupIndexRole: return index.row();
    case AddressRole: return memberText(*g);
    case DriverRole: return memberDrivers(*g);
    case NameRole: return memberNames(*g);
    case KindRole: return QStringLiteral("group");
    case SortRole:
        switch (index.column()) {
        case IdColumn: return g->id;
        case CountColumn: return memberCount;
        case ViableColumn: return g->viability.viable ? 1 : 0;
        case ReservedColumn: return g->reservedRegionsKnown ? int(g->reservedRegions.size()) : -1;
        default: return data(index, Qt::DisplayRole).toString().toLower();
        }
    }
    return {};
}

QVariant GroupModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case IdColumn: return tr("Group");
    case TypeColumn: return tr("Type");
    case CountColumn: return tr("Devices");
    case MembersColumn: return tr("Members");
    case ViableColumn: return tr("Viable");
    case WhyColumn: return tr("Why shared");
    case ReservedColumn: return tr("Reserved");
    }
    return {};
}

} // namespace devtopo
