#pragma once

// The "Topology" tab: the lstopo-style drawing (TopologyCanvas) with a tool bar for search, zoom,
// fit, VF expansion and export. It owns the layout and rebuilds it when VFs are expanded or
// collapsed; selection is by PCI address so it can follow the device tree and the details panel.

#include "layout/topologylayout.h"
#include "topology.h"

#include <QWidget>

class QLabel;
class QLineEdit;
class QToolButton;

namespace devtopo::views {

class TopologyCanvas;

class TopologyView : public QWidget
{
    Q_OBJECT
public:
    explicit TopologyView(QWidget *parent = nullptr);

    void setTopology(const Topology &topology);
    const layout::TopologyLayout &drawing() const { return m_layout; }

    // Selects and reveals a function without emitting functionSelected. A VF inside a collapsed
    // "N × VF" box expands its PF's VFs first so the VF gets a box of its own.
    void selectFunction(const PciAddress &address);
    std::optional<PciAddress> selectedFunction() const { return m_selected; }
    // The port a group explanation blames (missing ACS, ...): an orange dashed ring that stays
    // until another port is highlighted or clearPortHighlight().
    void highlightPort(const PciAddress &address);
    void clearPortHighlight();
    std::optional<PciAddress> highlightedPort() const { return m_port; }
    void highlightGroup(int groupId);

    // Centres and flashes the first box matching an address or a name; again with the same text:
    // the next match. Returns false when nothing matches.
    bool focusSearch(const QString &text);
    void fitToWindow();
    void zoomBy(qreal factor);
    void setExpandAllVfs(bool expand);
    void setVfsExpanded(const PciAddress &pf, bool expanded);

    // .svg or .png by suffix; what is exported is the whole drawing with the current selection.
    bool exportDrawing(const QString &path, QString *error = nullptr) const;
    void exportDialog();

    TopologyCanvas *canvas() const { return m_canvas; }
    QLineEdit *searchEdit() const { return m_search; }

Q_SIGNALS:
    void functionSelected(const devtopo::PciAddress &address); // by the user

private:
    void relayout(bool keepView);
    void applyState();
    void onNodeClicked(int node);

    Topology m_topology;
    layout::LayoutOptions m_options;
    layout::TopologyLayout m_layout;
    std::optional<PciAddress> m_selected;
    std::optional<PciAddress> m_port;
    int m_group = -1;
    QString m_lastSearch;
    int m_searchIndex = -1;

    TopologyCanvas *m_canvas = nullptr;
    QLineEdit *m_search = nullptr;
    QLabel *m_searchStatus = nullptr;
    QLabel *m_zoomLabel = nullptr;
    QToolButton *m_expandVfs = nullptr;
};

} // namespace devtopo::views
