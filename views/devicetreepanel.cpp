#include "devicetreepanel.h"

#include "devicetreedelegate.h"
#include "models/devicetreemodel.h"
#include "models/filterproxy.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLineEdit>
#include <QTreeView>
#include <QVBoxLayout>

namespace devtopo::views {

DeviceTreePanel::DeviceTreePanel(QWidget *parent)
    : QWidget(parent)
{
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    auto *row = new QHBoxLayout;
    m_filter = new QLineEdit(this);
    m_filter->setObjectName(QStringLiteral("deviceFilter"));
    m_filter->setPlaceholderText(tr("Filter: address, name, driver or class — e.g. nvme, driver:vfio-pci, class:ethernet, group:12"));
    m_filter->setClearButtonEnabled(true);
    m_count = new QLabel(this);
    row->addWidget(m_filter, 1);
    row->addWidget(m_count);
    layout->addLayout(row);

    m_model = new DeviceTreeModel(this);
    m_proxy = new FilterProxy(this);
    m_proxy->setSourceModel(m_model);
    m_tree = new QTreeView(this);
    m_tree->setObjectName(QStringLiteral("deviceTree"));
    m_tree->setModel(m_proxy);
    m_delegate = new DeviceTreeDelegate(m_tree);
    m_tree->setItemDelegate(m_delegate);
    m_tree->setUniformRowHeights(true); // 10,000 rows scroll smoothly
    m_tree->setSortingEnabled(true);
    m_tree->sortByColumn(DeviceTreeModel::AddressColumn, Qt::AscendingOrder);
    m_tree->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_tree->setAlternatingRowColors(true);
    m_tree->header()->setStretchLastSection(true);
    layout->addWidget(m_tree, 1);

    connect(m_filter, &QLineEdit::textChanged, this, [this](const QString &text) {
        m_proxy->setFilterText(text);
        if (!text.isEmpty())
            m_tree->expandAll(); // matches deep in the tree must be visible
        updateCount();
    });
    connect(m_tree->selectionModel(), &QItemSelectionModel::currentRowChanged, this, [this](const QModelIndex &current) {
        if (m_selecting || !current.isValid())
            return;
        const QModelIndex source = m_proxy->mapToSource(current);
        if (const PciFunction *f = m_model->functionAt(source))
            Q_EMIT functionSelected(f->address);
        else
            Q_EMIT hostBridgeSelected(source.siblingAtColumn(0).data().toString());
    });
}

void DeviceTreePanel::setTopology(const Topology &topology)
{
    const auto keep = currentFunction();
    m_model->setTopology(topology);
    // Bridges open, endpoints visible: the tree is the picture people come for.
    m_tree->expandAll();
    for (int c = 0; c < DeviceTreeModel::LinkColumn; ++c)
        m_tree->resizeColumnToContents(c);
    m_tree->setColumnWidth(DeviceTreeModel::NameColumn,
                           std::min(m_tree->columnWidth(DeviceTreeModel::NameColumn), 300));
    m_tree->setColumnWidth(DeviceTreeModel::ClassColumn,
                           std::min(m_tree->columnWidth(DeviceTreeModel::ClassColumn), 160));
    if (keep)
        selectFunction(*keep);
    updateCount();
}

void DeviceTreePanel::updateCount()
{
    const int total = int(m_model->topology().functions.size());
    if (m_filter->text().isEmpty()) {
        m_count->setText(tr("%n function(s)", nullptr, total));
        return;
    }
    int shown = 0;
    QList<QModelIndex> stack{QModelIndex()};
    while (!stack.isEmpty()) {
        const QModelIndex p = stack.takeLast();
        for (int r = 0; r < m_proxy->rowCount(p); ++r) {
            const QModelIndex c = m_proxy->index(r, 0, p);
            if (c.data(FunctionIndexRole).toInt() >= 0)
                ++shown;
            stack << c;
        }
    }
    m_count->setText(tr("%1 of %2 shown").arg(shown).arg(total));
}

void DeviceTreePanel::selectFunction(const PciAddress &address)
{
    QModelIndex row = m_proxy->mapFromSource(m_model->indexForAddress(address));
    if (!row.isValid() && m_model->indexForAddress(address).isValid()) {
        m_filter->clear(); // filtered out: a selection from elsewhere must still show
        row = m_proxy->mapFromSource(m_model->indexForAddress(address));
    }
    if (!row.isValid())
        return;
    m_selecting = true;
    m_tree->setCurrentIndex(row);
    m_tree->scrollTo(row);
    m_selecting = false;
}

void DeviceTreePanel::highlightGroup(int groupId)
{
    m_delegate->setHighlightedGroup(groupId);
    if (groupId >= 0) {
        if (const IommuGroup *g = m_model->topology().group(groupId)) {
            for (const PciAddress &a : g->devices) {
                const QModelIndex row = m_proxy->mapFromSource(m_model->indexForAddress(a));
                for (QModelIndex p = row.parent(); p.isValid(); p = p.parent())
                    m_tree->expand(p);
            }
            if (!g->devices.isEmpty())
                m_tree->scrollTo(m_proxy->mapFromSource(m_model->indexForAddress(g->devices.first())));
        }
    }
    m_tree->viewport()->update();
}

int DeviceTreePanel::highlightedGroup() const
{
    return m_delegate->highlightedGroup();
}

std::optional<PciAddress> DeviceTreePanel::currentFunction() const
{
    if (const PciFunction *f = m_model->functionAt(m_proxy->mapToSource(m_tree->currentIndex())))
        return f->address;
    return std::nullopt;
}

} // namespace devtopo::views
