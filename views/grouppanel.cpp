#include "grouppanel.h"

#include "groupexplanation.h"
#include "iovamappanel.h"
#include "models/filterproxy.h"
#include "models/groupmodel.h"

#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLineEdit>
#include <QSplitter>
#include <QStyledItemDelegate>
#include <QTableView>
#include <QTextBrowser>
#include <QVBoxLayout>

namespace devtopo::views {

namespace {
// "no" in the Viable column in red, "yes" in green: the one thing people scan the table for.
class ViableDelegate : public QStyledItemDelegate
{
public:
    using QStyledItemDelegate::QStyledItemDelegate;

protected:
    void initStyleOption(QStyleOptionViewItem *option, const QModelIndex &index) const override
    {
        QStyledItemDelegate::initStyleOption(option, index);
        if (index.column() != GroupModel::ViableColumn)
            return;
        const bool viable = index.data().toString() == QStringLiteral("yes");
        option->palette.setColor(QPalette::Text, viable ? QColor(0x2e, 0x7d, 0x32) : QColor(0xc6, 0x28, 0x28));
        option->font.setBold(!viable);
    }
};
} // namespace

GroupPanel::GroupPanel(QWidget *parent)
    : QWidget(parent)
{
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    auto *splitter = new QSplitter(Qt::Vertical, this);
    splitter->setChildrenCollapsible(false);
    layout->addWidget(splitter);

    auto *top = new QWidget(splitter);
    auto *topLayout = new QVBoxLayout(top);
    topLayout->setContentsMargins(4, 4, 4, 0);
    m_filter = new QLineEdit(top);
    m_filter->setObjectName(QStringLiteral("groupFilter"));
    m_filter->setPlaceholderText(tr("Filter groups: address, name, driver:nvme, group:12…"));
    m_filter->setClearButtonEnabled(true);
    topLayout->addWidget(m_filter);

    m_model = new GroupModel(this);
    m_proxy = new FilterProxy(this);
    m_proxy->setSourceModel(m_model);
    m_table = new QTableView(top);
    m_table->setObjectName(QStringLiteral("groupTable"));
    m_table->setModel(m_proxy);
    m_table->setItemDelegate(new ViableDelegate(m_table));
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setSortingEnabled(true);
    m_table->sortByColumn(GroupModel::IdColumn, Qt::AscendingOrder);
    m_table->verticalHeader()->hide();
    m_table->verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 8); // compact rows
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->setWordWrap(false);
    topLayout->addWidget(m_table);

    m_text = new QTextBrowser(splitter);
    m_text->setObjectName(QStringLiteral("groupExplanation"));
    m_text->setOpenLinks(false);
    m_text->setPlaceholderText(tr("Select a group to see why its devices share it and whether VFIO can take it."));

    m_iova = new IovaMapPanel(splitter);
    m_iova->setObjectName(QStringLiteral("iovaPanel"));
    splitter->setStretchFactor(0, 3);
    splitter->setStretchFactor(1, 2);
    splitter->setStretchFactor(2, 2);

    connect(m_filter, &QLineEdit::textChanged, m_proxy, &FilterProxy::setFilterText);
    connect(m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this, [this](const QModelIndex &current) {
        const int id = current.isValid() ? current.data(GroupRole).toInt() : -1;
        showGroupDetails(id);
        if (!m_selecting && id >= 0)
            Q_EMIT groupSelected(id);
    });
    connect(m_text, &QTextBrowser::anchorClicked, this, [this](const QUrl &url) {
        if (url.scheme() != QStringLiteral("pci"))
            return;
        if (const auto a = PciAddress::parse(url.path()))
            Q_EMIT functionActivated(*a);
    });
}

void GroupPanel::setTopology(const Topology &topology)
{
    m_topology = topology;
    m_topology.ensureIndexed();
    const int keep = m_current;
    m_model->setTopology(m_topology);
    m_iova->setTopology(m_topology);
    m_table->resizeColumnsToContents();
    // Member lists can be long; keep the table readable and let the tooltip carry the rest.
    m_table->setColumnWidth(GroupModel::MembersColumn, std::min(m_table->columnWidth(GroupModel::MembersColumn), 200));
    m_table->setColumnWidth(GroupModel::WhyColumn, std::min(m_table->columnWidth(GroupModel::WhyColumn), 400));
    m_current = -1;
    selectGroup(keep);
    if (m_current < 0)
        showGroupDetails(-1);
}

void GroupPanel::selectGroup(int groupId)
{
    const QModelIndex source = m_model->indexForGroup(groupId);
    QModelIndex row = m_proxy->mapFromSource(source);
    if (source.isValid() && !row.isValid()) {
        // Hidden by the filter: a selection from elsewhere must still show.
        m_filter->clear();
        row = m_proxy->mapFromSource(source);
    }
    m_selecting = true;
    if (row.isValid()) {
        m_table->setCurrentIndex(row);
        m_table->scrollTo(row);
    } else {
        m_table->clearSelection();
        m_table->setCurrentIndex({});
        showGroupDetails(-1);
    }
    m_selecting = false;
}

void GroupPanel::showGroupDetails(int groupId)
{
    m_current = m_topology.group(groupId) ? groupId : -1;
    m_iova->setGroup(m_current);
    if (const IommuGroup *g = m_topology.group(m_current))
        m_text->setHtml(groupExplanationHtml(m_topology, *g));
    else if (m_topology.groups.isEmpty() && !m_topology.functions.isEmpty())
        m_text->setHtml(tr("<h3>No IOMMU groups on this host</h3><p>The kernel created no "
                           "/sys/kernel/iommu_groups: the IOMMU is absent, disabled in firmware, or the kernel "
                           "was booted without it (<tt>intel_iommu=on</tt> / <tt>amd_iommu=on</tt>). Without "
                           "groups, VFIO cannot assign any device. See the IOMMU units panel.</p>"));
    else
        m_text->clear();
}

QString GroupPanel::explanationText() const
{
    return m_text->toPlainText();
}

} // namespace devtopo::views
