#pragma once

#include "roles.h"
#include "topology.h"

#include <QAbstractTableModel>

namespace devtopo {

// One row per IOMMU group: what is in it, whether VFIO can take it, and why its members share it.
class GroupModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    // Why is last: it is the long one, and a stretched last column gives it the room.
    enum Column { IdColumn, TypeColumn, CountColumn, MembersColumn, ViableColumn, ReservedColumn, WhyColumn,
                  ColumnCount };
    Q_ENUM(Column)

    explicit GroupModel(QObject *parent = nullptr);

    void setTopology(const Topology &topology);
    const Topology &topology() const { return m_topology; }

    QModelIndex indexForGroup(int groupId, int column = IdColumn) const;
    const IommuGroup *groupAt(const QModelIndex &index) const;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    QString memberText(const IommuGroup &g) const;
    QString memberDrivers(const IommuGroup &g) const;
    QString memberNames(const IommuGroup &g) const;

    Topology m_topology;
};

} // namespace devtopo
