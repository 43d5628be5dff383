#pragma once

#include "roles.h"
#include "topology.h"

#include <QAbstractItemModel>
#include <QHash>
#include <QList>

namespace devtopo {

// The PCI hierarchy as the kernel nests it in /sys/devices: host bridges (pci0000:00) on top, then
// functions by PciFunction::parent. VFs sit under their PF's upstream bridge, as in sysfs.
// The node table is built once per setTopology(), so index()/parent()/rowCount() are O(1).
class DeviceTreeModel : public QAbstractItemModel
{
    Q_OBJECT
public:
    enum Column { AddressColumn, NameColumn, ClassColumn, DriverColumn, GroupColumn, NumaColumn, LinkColumn,
                  ColumnCount };
    Q_ENUM(Column)

    explicit DeviceTreeModel(QObject *parent = nullptr);

    void setTopology(const Topology &topology);
    const Topology &topology() const { return m_topology; }

    // Index (column 0) of a function's row, or invalid if it is not in the model.
    QModelIndex indexForAddress(const PciAddress &address) const;
    // Index (column 0) of a host bridge's row ("pci0000:00").
    QModelIndex indexForHostBridge(const QString &name) const;
    // The function behind an index, or nullptr for host bridge rows.
    const PciFunction *functionAt(const QModelIndex &index) const;

    QModelIndex index(int row, int column, const QModelIndex &parent = {}) const override;
    QModelIndex parent(const QModelIndex &child) const override;
    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    bool hasChildren(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    struct Node
    {
        int parent = -1; // node index, -1 for top-level rows
        int row = 0; // row within the parent
        int function = -1; // index into m_topology.functions, -1 for host bridge rows
        int hostBridge = -1; // index into m_bridges, for host bridge rows
        QList<int> children;
    };
    struct BridgeRow
    {
        QString name;
        quint32 domain = 0;
        int bus = -1;
        int numaNode = -1;
    };

    void rebuild();
    QVariant functionData(const PciFunction &f, int column, int role) const;
    QVariant bridgeData(const BridgeRow &b, const Node &node, int column, int role) const;

    Topology m_topology;
    QList<Node> m_nodes;
    QList<int> m_topLevel; // node indices
    QList<BridgeRow> m_bridges;
    QList<int> m_nodeOfFunction; // function index -> node index
    QHash<QString, int> m_nodeOfBridge;
};

} // namespace devtopo
