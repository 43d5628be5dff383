#pragma once

#include "roles.h"
#include "topology.h"

#include <QAbstractItemModel>

namespace devtopo {

// SR-IOV physical functions on top, their virtual functions below in virtfn order.
class SriovModel : public QAbstractItemModel
{
    Q_OBJECT
public:
    enum Column { AddressColumn, NameColumn, VfColumn, DriverColumn, GroupColumn, NumaColumn, ColumnCount };
    Q_ENUM(Column)

    explicit SriovModel(QObject *parent = nullptr);

    void setTopology(const Topology &topology);
    const Topology &topology() const { return m_topology; }

    int pfCount() const { return int(m_pfs.size()); }
    int vfCount() const;
    QModelIndex indexForAddress(const PciAddress &address) const;
    const PciFunction *functionAt(const QModelIndex &index) const;

    QModelIndex index(int row, int column, const QModelIndex &parent = {}) const override;
    QModelIndex parent(const QModelIndex &child) const override;
    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    struct PfRow
    {
        int function = -1; // index into m_topology.functions
        QList<int> vfs; // function indices
    };
    // internalId 0 marks a PF row; a VF row stores its PF's row + 1.
    int functionIndexAt(const QModelIndex &index) const;

    Topology m_topology;
    QList<PfRow> m_pfs;
};

} // namespace devtopo
