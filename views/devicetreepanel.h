#pragma once

#include "topology.h"

#include <QWidget>

class QLabel;
class QLineEdit;
class QTreeView;

namespace devtopo {
class DeviceTreeModel;
class FilterProxy;
}

namespace devtopo::views {

class DeviceTreeDelegate;

// The PCI tree with its filter line ("nvme", "driver:vfio-pci", "class:ethernet group:12").
// The members of the highlighted IOMMU group get a tinted background; degraded links are red.
class DeviceTreePanel : public QWidget
{
    Q_OBJECT
public:
    explicit DeviceTreePanel(QWidget *parent = nullptr);

    void setTopology(const Topology &topology);
    // Selects and reveals a function without emitting functionSelected.
    void selectFunction(const PciAddress &address);
    // Tints the members of a group (-1: none) and reveals them.
    void highlightGroup(int groupId);
    int highlightedGroup() const;
    std::optional<PciAddress> currentFunction() const;

    QTreeView *treeView() const { return m_tree; }
    QLineEdit *filterEdit() const { return m_filter; }
    DeviceTreeModel *treeModel() const { return m_model; }
    FilterProxy *proxy() const { return m_proxy; }

Q_SIGNALS:
    void functionSelected(const devtopo::PciAddress &address); // by the user
    void hostBridgeSelected(const QString &name);

private:
    void updateCount();

    QLineEdit *m_filter = nullptr;
    QLabel *m_count = nullptr;
    QTreeView *m_tree = nullptr;
    DeviceTreeModel *m_model = nullptr;
    FilterProxy *m_proxy = nullptr;
    DeviceTreeDelegate *m_delegate = nullptr;
    bool m_selecting = false;
};

} // namespace devtopo::views
