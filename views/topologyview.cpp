#include "topologyview.h"

#include "topologycanvas.h"
#include "topologyexport.h"
#include "viewslogging.h"

#include <QFileDialog>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QSettings>
#include <QToolButton>
#include <QVBoxLayout>

namespace devtopo::views {

TopologyView::TopologyView(QWidget *parent)
    : QWidget(parent)
{
    setObjectName(QStringLiteral("topologyView"));
    m_options.metrics = topologyMetrics();

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(2);
    auto *bar = new QHBoxLayout;
    bar->setContentsMargins(4, 4, 4, 0);
    m_search = new QLineEdit(this);
    m_search->setObjectName(QStringLiteral("topologySearch"));
    m_search->setPlaceholderText(tr("Find an address or a name (Enter: next)"));
    m_search->setClearButtonEnabled(true);
    m_search->setMaximumWidth(320);
    connect(m_search, &QLineEdit::returnPressed, this, [this] { focusSearch(m_search->text()); });
    m_searchStatus = new QLabel(this);
    m_searchStatus->setMinimumWidth(90);
    bar->addWidget(m_search);
    bar->addWidget(m_searchStatus);
    bar->addStretch(1);

    auto button = [this, bar](const QString &text, const QString &tip) {
        auto *b = new QToolButton(this);
        b->setText(text);
        b->setToolTip(tip);
        b->setAutoRaise(true);
        bar->addWidget(b);
        return b;
    };
    m_expandVfs = button(tr("Expand VFs"), tr("Draw every virtual function as its own box instead of \"N × VF\""));
    m_expandVfs->setCheckable(true);
    connect(m_expandVfs, &QToolButton::toggled, this, &TopologyView::setExpandAllVfs);
    connect(button(tr("−"), tr("Zoom out (−, wheel)")), &QToolButton::clicked, this, [this] { zoomBy(0.8); });
    m_zoomLabel = new QLabel(this);
    m_zoomLabel->setMinimumWidth(44);
    m_zoomLabel->setAlignment(Qt::AlignCenter);
    bar->addWidget(m_zoomLabel);
    connect(button(tr("+"), tr("Zoom in (+, wheel)")), &QToolButton::clicked, this, [this] { zoomBy(1.25); });
    connect(button(tr("Fit"), tr("Fit the whole host in the window (0)")), &QToolButton::clicked, this, &TopologyView::fitToWindow);
    connect(button(tr("Export…"), tr("Save the drawing as SVG or PNG")), &QToolButton::clicked, this, &TopologyView::exportDialog);
    layout->addLayout(bar);

    m_canvas = new TopologyCanvas(this);
    layout->addWidget(m_canvas, 1);
    connect(m_canvas, &TopologyCanvas::nodeClicked, this, &TopologyView::onNodeClicked);
    connect(m_canvas, &TopologyCanvas::nodeDoubleClicked, this, [this](int node) {
        // Double-clicking any VF folds its siblings back into one box.
        if (node < 0)
            return;
        const layout::DrawNode &n = m_layout.nodes[node];
        if (!n.address)
            return;
        if (const PciFunction *f = m_topology.function(*n.address); f && f->physfn)
            setVfsExpanded(*f->physfn, false);
    });
    connect(m_canvas, &TopologyCanvas::zoomChanged, this,
            [this](qreal z) { m_zoomLabel->setText(QStringLiteral("%1%").arg(qRound(z * 100))); });
    m_zoomLabel->setText(QStringLiteral("100%"));
}

void TopologyView::setTopology(const Topology &topology)
{
    m_topology = topology;
    m_topology.ensureIndexed();
    // Expanded PFs, the selection and the highlighted port survive a rescan when they still exist.
    QSet<PciAddress> still;
    for (const PciAddress &pf : std::as_const(m_options.expandedPfs))
        if (m_topology.function(pf))
            still.insert(pf);
    m_options.expandedPfs = still;
    if (m_selected && !m_topology.function(*m_selected))
        m_selected.reset();
    if (m_port && !m_topology.function(*m_port))
        m_port.reset();
    m_lastSearch.clear();
    relayout(false);
}

void TopologyView::relayout(bool keepView)
{
    m_layout = layout::layoutTopology(m_topology, m_options);
    m_canvas->setDrawing(&m_layout, keepView);
    applyState();
}

void TopologyView::applyState()
{
    m_canvas->setSelectedNode(m_selected ? m_layout.nodeFor(*m_selected) : -1);
    m_canvas->setHighlightedPort(m_port ? m_layout.nodeFor(*m_port) : -1);
    m_canvas->setHighlightedGroup(m_group);
}

void TopologyView::selectFunction(const PciAddress &address)
{
    const PciFunction *f = m_topology.function(address);
    if (!f)
        return;
    m_selected = address;
    const int node = m_layout.nodeFor(address);
    if (f->physfn && node >= 0 && m_layout.nodes[node].kind == layout::DrawNode::Kind::VfStack) {
        m_options.expandedPfs.insert(*f->physfn);
        relayout(true);
    } else {
        applyState();
    }
    m_canvas->reveal(m_layout.nodeFor(address));
}

void TopologyView::highlightPort(const PciAddress &address)
{
    if (!m_topology.function(address))
        return;
    m_port = address;
    applyState();
    const int node = m_layout.nodeFor(address);
    m_canvas->reveal(node);
    m_canvas->flashNode(node);
}

void TopologyView::clearPortHighlight()
{
    m_port.reset();
    applyState();
}

void TopologyView::highlightGroup(int groupId)
{
    m_group = groupId;
    applyState();
}

bool TopologyView::focusSearch(const QString &text)
{
    const QList<int> hits = m_layout.search(text);
    if (hits.isEmpty()) {
        m_searchStatus->setText(text.trimmed().isEmpty() ? QString() : tr("no match"));
        m_lastSearch.clear();
        return false;
    }
    m_searchIndex = text == m_lastSearch ? (m_searchIndex + 1) % int(hits.size()) : 0;
    m_lastSearch = text;
    const int node = hits[m_searchIndex];
    m_searchStatus->setText(tr("%1 of %2").arg(m_searchIndex + 1).arg(hits.size()));
    m_canvas->reveal(node);
    m_canvas->centerOn(m_layout.nodes[node].rect.center());
    m_canvas->flashNode(node);
    const layout::DrawNode &n = m_layout.nodes[node];
    if (n.isFunction() && n.address) {
        m_selected = n.address;
        applyState();
        Q_EMIT functionSelected(*n.address);
    }
    return true;
}

void TopologyView::fitToWindow()
{
    m_canvas->fitToWindow();
}

void TopologyView::zoomBy(qreal factor)
{
    m_canvas->zoomBy(factor);
}

void TopologyView::setExpandAllVfs(bool expand)
{
    if (m_options.expandAllVfs == expand)
        return;
    m_options.expandAllVfs = expand;
    if (!expand)
        m_options.expandedPfs.clear();
    if (m_expandVfs->isChecked() != expand)
        m_expandVfs->setChecked(expand);
    relayout(true);
}

void TopologyView::setVfsExpanded(const PciAddress &pf, bool expanded)
{
    if (expanded == m_options.expandedPfs.contains(pf) && !(m_options.expandAllVfs && !expanded))
        return;
    if (expanded) {
        m_options.expandedPfs.insert(pf);
    } else {
        m_options.expandedPfs.remove(pf);
        if (m_options.expandAllVfs) {
            // Folding one PF while "all" is on: switch to per-PF expansion of the others.
            m_options.expandAllVfs = false;
            for (const PciFunction &f : std::as_const(m_topology.functions))
                if (!f.vfs.isEmpty() && f.address != pf)
                    m_options.expandedPfs.insert(f.address);
            const QSignalBlocker block(m_expandVfs);
            m_expandVfs->setChecked(false);
        }
    }
    relayout(true);
    m_canvas->reveal(m_layout.nodeFor(pf));
}

void TopologyView::onNodeClicked(int node)
{
    if (node < 0)
        return;
    const layout::DrawNode &n = m_layout.nodes[node];
    if (n.kind == layout::DrawNode::Kind::VfStack && n.address) {
        const PciAddress first = n.members.first();
        setVfsExpanded(*n.address, true);
        m_selected = first;
        applyState();
        Q_EMIT functionSelected(first);
        return;
    }
    if (!n.isFunction() || !n.address)
        return;
    m_selected = n.address;
    applyState();
    Q_EMIT functionSelected(*n.address);
}

bool TopologyView::exportDrawing(const QString &path, QString *error) const
{
    TopologyPaintState state = m_canvas->paintState();
    state.flashNode = -1;
    const QString title = (m_topology.hostname.isEmpty() ? m_topology.source : m_topology.hostname)
        + QStringLiteral(" — PCI topology (devtopo)");
    return exportTopology(m_layout, path, title, error, state);
}

void TopologyView::exportDialog()
{
    QSettings settings;
    const QString key = QStringLiteral("topology/exportDirectory");
    const QString base = m_topology.hostname.isEmpty() ? QStringLiteral("topology") : m_topology.hostname + QStringLiteral("-topology");
    QString selectedFilter;
    QString file = QFileDialog::getSaveFileName(this, tr("Export drawing"),
                                                settings.value(key, QDir::homePath()).toString() + QLatin1Char('/') + base + QStringLiteral(".svg"),
                                                tr("SVG drawing (*.svg);;PNG image (*.png)"), &selectedFilter);
    if (file.isEmpty())
        return;
    const QString suffix = QFileInfo(file).suffix().toLower();
    if (suffix != QStringLiteral("svg") && suffix != QStringLiteral("png"))
        file += selectedFilter.contains(QStringLiteral("png")) ? QStringLiteral(".png") : QStringLiteral(".svg");
    QString error;
    if (!exportDrawing(file, &error)) {
        QMessageBox::warning(this, tr("Export drawing"), tr("Could not export the drawing:\n%1").arg(error));
        return;
    }
    settings.setValue(key, QFileInfo(file).absolutePath());
    qCInfo(lcViews) << "exported the topology drawing to" << file;
}

} // namespace devtopo::views
