#pragma once

#include "topology.h"

#include <QWidget>

class QLineEdit;
class QSplitter;
class QTableView;
class QTextBrowser;

namespace devtopo {
class FilterProxy;
class GroupModel;
}

namespace devtopo::views {

class IovaMapPanel;

// IOMMU groups: a filterable table, the selected group's explanation (viability, reasons,
// blockers, actions) and its address space (IovaMapPanel). The IOVA panel is a child of this
// panel's splitter until a host re-homes it (the main window puts it in its own dock); it follows
// the selected group wherever it lives.
class GroupPanel : public QWidget
{
    Q_OBJECT
public:
    explicit GroupPanel(QWidget *parent = nullptr);

    void setTopology(const Topology &topology);
    // Selects the group's row without emitting groupSelected (the caller already knows).
    void selectGroup(int groupId);
    int currentGroup() const { return m_current; }

    QString explanationText() const; // plain text, for tests and copy
    QTableView *table() const { return m_table; }
    QLineEdit *filterEdit() const { return m_filter; }
    IovaMapPanel *iovaPanel() const { return m_iova; }
    GroupModel *groupModel() const { return m_model; }

Q_SIGNALS:
    void groupSelected(int groupId); // by the user
    void functionActivated(const devtopo::PciAddress &address); // a member link was clicked

private:
    void showGroupDetails(int groupId);

    Topology m_topology;
    int m_current = -1;
    bool m_selecting = false;
    QLineEdit *m_filter = nullptr;
    QTableView *m_table = nullptr;
    QTextBrowser *m_text = nullptr;
    IovaMapPanel *m_iova = nullptr;
    GroupModel *m_model = nullptr;
    FilterProxy *m_proxy = nullptr;
};

} // namespace devtopo::views
