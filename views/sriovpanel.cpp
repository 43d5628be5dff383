#include "sriovpanel.h"

#include "models/filterproxy.h"
#include "models/sriovmodel.h"

#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QTreeView>
#include <QVBoxLayout>

namespace devtopo::views {

SriovPanel::SriovPanel(QWidget *parent)
    : QWidget(parent)
{
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    m_summary = new QLabel(this);
    m_summary->setObjectName(QStringLiteral("sriovSummary"));
    m_summary->setWordWrap(true);
    layout->addWidget(m_summary);

    m_model = new SriovModel(this);
    m_proxy = new FilterProxy(this);
    m_proxy->setSourceModel(m_model);
    m_tree = new QTreeView(this);
    m_tree->setObjectName(QStringLiteral("sriovTree"));
    m_tree->setModel(m_proxy);
    m_tree->setSortingEnabled(true);
    m_tree->sortByColumn(SriovModel::AddressColumn, Qt::AscendingOrder);
    m_tree->setAlternatingRowColors(true);
    m_tree->setUniformRowHeights(true);
    m_tree->header()->setStretchLastSection(true);
    layout->addWidget(m_tree, 1);

    connect(m_tree->selectionModel(), &QItemSelectionModel::currentRowChanged, this, [this](const QModelIndex &current) {
        if (m_selecting || !current.isValid())
            return;
        if (const PciFunction *f = m_model->functionAt(m_proxy->mapToSource(current)))
            Q_EMIT functionSelected(f->address);
    });
    setTopology(Topology());
}

void SriovPanel::setTopology(const Topology &topology)
{
    m_model->setTopology(topology);
    m_tree->expandAll();
    for (int c = 0; c < SriovModel::ColumnCount; ++c)
        m_tree->resizeColumnToContents(c);
    m_tree->setColumnWidth(SriovModel::NameColumn, std::min(m_tree->columnWidth(SriovModel::NameColumn), 320));
    m_tree->setVisible(m_model->pfCount() > 0);
    m_summary->setText(summaryText());
}

QString SriovPanel::summaryText() const
{
    if (m_model->pfCount() == 0)
        return tr("No SR-IOV capable device on this host.");
    int enabled = 0;
    for (int r = 0; r < m_model->rowCount(); ++r)
        if (m_model->rowCount(m_model->index(r, 0)) > 0)
            ++enabled;
    return tr("%1 SR-IOV physical function(s), %2 with VFs enabled, %3 virtual function(s) in total.")
        .arg(m_model->pfCount())
        .arg(enabled)
        .arg(m_model->vfCount());
}

bool SriovPanel::selectFunction(const PciAddress &address)
{
    const QModelIndex row = m_proxy->mapFromSource(m_model->indexForAddress(address));
    if (!row.isValid())
        return false;
    m_selecting = true;
    m_tree->setCurrentIndex(row);
    m_tree->scrollTo(row);
    m_selecting = false;
    return true;
}

} // namespace devtopo::views
