#pragma once

#include "topology.h"

#include <QWidget>

class QLabel;
class QTextBrowser;
class QTreeWidget;

namespace devtopo::views {

// The host's IOMMU units (dmar0, ivhd0, ...): what each can do (address width, scalable mode,
// nesting, dirty tracking, PASID, ...), which devices it translates for, and what that means for
// someone assigning those devices to VMs with VFIO (a "VFIO impact" branch and, for the selected
// unit, the same in prose below the tree).

// One consequence of a unit's capabilities for VFIO users; good: a capability it has.
struct IommuImplication
{
    bool good = false;
    QString headline; // "No dirty tracking"
    QString text; // what it means, in a sentence or two
};
QList<IommuImplication> iommuImplications(const IommuUnit &unit);
class IommuUnitsPanel : public QWidget
{
    Q_OBJECT
public:
    enum Column { NameColumn, KindColumn, WidthColumn, FeaturesColumn, DevicesColumn, ColumnCount };

    explicit IommuUnitsPanel(QWidget *parent = nullptr);

    void setTopology(const Topology &topology);
    QTreeWidget *treeWidget() const { return m_tree; }
    int unitCount() const;
    // The prose for the selected unit, for tests and copy.
    QString explanationText() const;

Q_SIGNALS:
    void functionActivated(const devtopo::PciAddress &address);

private:
    void showUnit(int index);

    QList<IommuUnit> m_units;
    QLabel *m_empty = nullptr;
    QTreeWidget *m_tree = nullptr;
    QTextBrowser *m_text = nullptr;
};

} // namespace devtopo::views
