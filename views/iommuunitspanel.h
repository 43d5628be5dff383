#pragma once

#include "topology.h"

#include <QWidget>

class QLabel;
class QTreeWidget;

namespace devtopo::views {

// The host's IOMMU units (dmar0, ivhd0, ...): what each can do (address width, scalable mode,
// nesting, dirty tracking, PASID, ...) and which devices it translates for.
class IommuUnitsPanel : public QWidget
{
    Q_OBJECT
public:
    enum Column { NameColumn, KindColumn, WidthColumn, FeaturesColumn, DevicesColumn, ColumnCount };

    explicit IommuUnitsPanel(QWidget *parent = nullptr);

    void setTopology(const Topology &topology);
    QTreeWidget *treeWidget() const { return m_tree; }
    int unitCount() const;

Q_SIGNALS:
    void functionActivated(const devtopo::PciAddress &address);

private:
    QLabel *m_empty = nullptr;
    QTreeWidget *m_tree = nullptr;
};

} // namespace devtopo::views
