#pragma once

// The mappings of an open VFIO group, one row each: IOVA range, size, pages.

#include "dmastate.h"

#include <QAbstractTableModel>

namespace devtopo::control {

class DmaMappingModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column { StartColumn, EndColumn, SizeColumn, PagesColumn, ColumnCount };
    enum Role { IovaRole = Qt::UserRole + 1, SizeRole };

    using QAbstractTableModel::QAbstractTableModel;

    void setMappings(const QList<DmaMap> &mappings, quint64 pageSize);
    const QList<DmaMap> &mappings() const { return m_maps; }

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    QList<DmaMap> m_maps;
    quint64 m_pageSize = 4096;
};

} // namespace devtopo::control
