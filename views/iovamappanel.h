#pragma once

#include "topology.h"

#include <QWidget>

class QLabel;
class QScrollArea;
class QTableView;

namespace devtopo {
class ReservedRegionModel;
class FilterProxy;
}

namespace devtopo::views {

class IovaMapWidget;

// One group's address space: the IOVA map (scrolls sideways when a group has many regions), its
// legend, and the table of reserved regions and usable ranges. Selecting a table row outlines its
// segments on the map; clicking a segment selects its row.
class IovaMapPanel : public QWidget
{
    Q_OBJECT
public:
    explicit IovaMapPanel(QWidget *parent = nullptr);

    void setTopology(const Topology &topology);
    void setGroup(int groupId);
    int groupId() const { return m_groupId; }

    IovaMapWidget *map() const { return m_map; }
    QTableView *regionTable() const { return m_table; }
    ReservedRegionModel *regionModel() const { return m_model; }

private:
    void refresh();
    void fitMapHeight();

    Topology m_topology;
    int m_groupId = -1;
    QLabel *m_title = nullptr;
    QScrollArea *m_scroll = nullptr;
    IovaMapWidget *m_map = nullptr;
    QTableView *m_table = nullptr;
    ReservedRegionModel *m_model = nullptr;
    FilterProxy *m_proxy = nullptr;
};

} // namespace devtopo::views
