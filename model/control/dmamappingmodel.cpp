#include "dmamappingmodel.h"

#include "models/format.h"

#include <algorithm>

using namespace Qt::StringLiterals;

namespace devtopo::control {

void DmaMappingModel::setMappings(const QList<DmaMap> &mappings, quint64 pageSize)
{
    beginResetModel();
    m_maps = mappings;
    std::sort(m_maps.begin(), m_maps.end(), [](const DmaMap &a, const DmaMap &b) { return a.iova < b.iova; });
    m_pageSize = pageSize ? pageSize : 4096;
    endResetModel();
}

int DmaMappingModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_maps.size());
}

int DmaMappingModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant DmaMappingModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const DmaMap &m = m_maps.at(index.row());
    const quint64 last = m.iova + m.size - 1;
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case StartColumn:
            return fmt::hex(m.iova, 12);
        case EndColumn:
            return fmt::hex(last, 12);
        case SizeColumn:
            return fmt::byteSize(m.size);
        case PagesColumn:
            return QString::number(m.size / m_pageSize);
        }
        break;
    case Qt::ToolTipRole:
        return u"%1 (%2)"_s.arg(fmt::hexRange(m.iova, last), fmt::exactRangeSize(m.iova, last));
    case Qt::TextAlignmentRole:
        return QVariant::fromValue(Qt::Alignment(Qt::AlignRight | Qt::AlignVCenter));
    case IovaRole:
        return QVariant::fromValue(qulonglong(m.iova));
    case SizeRole:
        return QVariant::fromValue(qulonglong(m.size));
    default:
        break;
    }
    return {};
}

QVariant DmaMappingModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case StartColumn:
        return u"IOVA"_s;
    case EndColumn:
        return u"Last byte"_s;
    case SizeColumn:
        return u"Size"_s;
    case PagesColumn:
        return u"Pages"_s;
    }
    return {};
}

} // namespace devtopo::control
