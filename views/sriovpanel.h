#pragma once

#include "topology.h"

#include <QWidget>

class QLabel;
class QTreeView;

namespace devtopo {
class FilterProxy;
class SriovModel;
}

namespace devtopo::views {

// SR-IOV physical functions and their virtual functions, with a one-line summary on top.
class SriovPanel : public QWidget
{
    Q_OBJECT
public:
    explicit SriovPanel(QWidget *parent = nullptr);

    void setTopology(const Topology &topology);
    // Selects the function if it is a PF or VF, without emitting functionSelected.
    bool selectFunction(const PciAddress &address);
    QString summaryText() const;

    QTreeView *treeView() const { return m_tree; }
    SriovModel *sriovModel() const { return m_model; }

Q_SIGNALS:
    void functionSelected(const devtopo::PciAddress &address);

private:
    QLabel *m_summary = nullptr;
    QTreeView *m_tree = nullptr;
    SriovModel *m_model = nullptr;
    FilterProxy *m_proxy = nullptr;
    bool m_selecting = false;
};

} // namespace devtopo::views
