#pragma once

#include "roles.h"
#include "topology.h"

#include <QAbstractItemModel>

namespace devtopo {

// A property tree for whatever the user selected: one PCI function (identity, driver, link,
// decoded capabilities, SR-IOV, IOMMU) or one IOMMU group (members, reserved regions, usable IOVA,
// viability, reasons). Rows that name a function carry AddressRole/PciAddressRole, rows that name
// a group carry GroupRole, so a view can navigate from them. A group reason's culprit (the port or
// bridge to blame) has KindRole "culprit", so a view can point at it in the topology drawing.
class DetailsModel : public QAbstractItemModel
{
    Q_OBJECT
public:
    enum Column { KeyColumn, ValueColumn, ColumnCount };
    Q_ENUM(Column)
    enum class Subject { None, Function, Group };
    Q_ENUM(Subject)

    explicit DetailsModel(QObject *parent = nullptr);

    // Keeps showing the same subject if it still exists in the new topology.
    void setTopology(const Topology &topology);
    const Topology &topology() const { return m_topology; }

    void showFunction(const PciAddress &address);
    void showGroup(int groupId);
    void clear();

    Subject subject() const { return m_subject; }
    QString title() const; // "0000:03:00.0 Samsung ... NVMe" or "IOMMU group 12"

    // First top-level row whose key is `key` (e.g. "Capabilities"), for tests and views.
    QModelIndex findSection(const QString &key) const;
    // Depth-first search for a row by key anywhere below parent.
    QModelIndex findKey(const QString &key, const QModelIndex &parent = {}) const;

    QModelIndex index(int row, int column, const QModelIndex &parent = {}) const override;
    QModelIndex parent(const QModelIndex &child) const override;
    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    struct Node
    {
        QString key;
        QString value;
        QString toolTip;
        int parent = -1;
        int row = 0;
        QList<int> children;
        std::optional<PciAddress> address;
        int group = -1;
        QString kind; // KindRole when not the default "section"/"property", e.g. "culprit"
    };
    class Builder;

    void rebuild();
    void buildFunction(Builder &b, const PciFunction &f) const;
    void buildCapabilities(Builder &b, int parent, const PciFunction &f) const;
    void buildGroup(Builder &b, const IommuGroup &g) const;
    void buildReasons(Builder &b, int parent, const IommuGroup &g) const;
    void buildMemoryOnlyNodes(Builder &b, int parent, const PciFunction &f) const;

    Topology m_topology;
    Subject m_subject = Subject::None;
    PciAddress m_address;
    int m_group = -1;
    QList<Node> m_nodes;
    QList<int> m_topLevel;
};

} // namespace devtopo
