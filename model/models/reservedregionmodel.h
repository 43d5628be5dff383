#pragma once

#include "roles.h"
#include "topology.h"

#include <QAbstractTableModel>

namespace devtopo {

// One group's IOVA picture as rows: its reserved regions and the usable ranges left between them,
// merged and sorted by start address. Kind is the region type ("msi", "direct", ...) or "usable".
class ReservedRegionModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column { StartColumn, EndColumn, SizeColumn, KindColumn, ColumnCount };
    Q_ENUM(Column)

    struct Row
    {
        quint64 start = 0;
        quint64 end = 0; // inclusive
        QString kind;
    };

    explicit ReservedRegionModel(QObject *parent = nullptr);

    // Forgets the group when it is not in the new topology.
    void setTopology(const Topology &topology);
    void setGroup(int groupId);
    // Shows these rows directly, without a topology (tests, snapshots of one group).
    void setGroupData(const IommuGroup &group);

    int groupId() const { return m_groupId; }
    const QList<Row> &rows() const { return m_rows; }

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    static QString kindDescription(const QString &kind);

private:
    void fill(const IommuGroup *group);

    Topology m_topology;
    int m_groupId = -1;
    QList<Row> m_rows;
};

} // namespace devtopo
