#include "iovamappanel.h"

#include "iovalegend.h"
#include "iovamapwidget.h"
#include "models/filterproxy.h"
#include "models/reservedregionmodel.h"
#include "regioncolors.h"

#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QScrollArea>
#include <QScrollBar>
#include <QStyledItemDelegate>
#include <QTableView>
#include <QVBoxLayout>

namespace devtopo::views {

namespace {
// Paints the Kind column in the map's colours so table and map read as one picture.
class KindDelegate : public QStyledItemDelegate
{
public:
    using QStyledItemDelegate::QStyledItemDelegate;

protected:
    void initStyleOption(QStyleOptionViewItem *option, const QModelIndex &index) const override
    {
        QStyledItemDelegate::initStyleOption(option, index);
        if (index.column() != ReservedRegionModel::KindColumn)
            return;
        const QString kind = index.data(KindRole).toString();
        option->backgroundBrush = regionColor(kind);
        option->palette.setColor(QPalette::Text, regionTextColor(kind));
    }
};
} // namespace

IovaMapPanel::IovaMapPanel(QWidget *parent)
    : QWidget(parent)
{
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    m_title = new QLabel(this);
    m_title->setObjectName(QStringLiteral("iovaTitle"));
    layout->addWidget(m_title);

    m_map = new IovaMapWidget;
    m_map->setObjectName(QStringLiteral("iovaMap"));
    m_scroll = new QScrollArea(this);
    m_scroll->setWidget(m_map);
    m_scroll->setWidgetResizable(true);
    m_scroll->setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    m_scroll->setFrameShape(QFrame::NoFrame);
    m_scroll->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
    layout->addWidget(m_scroll);
    layout->addWidget(new IovaLegend(this));

    m_model = new ReservedRegionModel(this);
    m_proxy = new FilterProxy(this);
    m_proxy->setSourceModel(m_model);
    m_table = new QTableView(this);
    m_table->setObjectName(QStringLiteral("regionTable"));
    m_table->setModel(m_proxy);
    m_table->setItemDelegate(new KindDelegate(m_table));
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setSortingEnabled(true);
    m_table->sortByColumn(ReservedRegionModel::StartColumn, Qt::AscendingOrder);
    m_table->verticalHeader()->hide();
    m_table->verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 8); // compact rows
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->setAlternatingRowColors(true);
    layout->addWidget(m_table, 1);

    connect(m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this, [this](const QModelIndex &current) {
        if (current.isValid())
            m_map->setHighlight(current.data(RangeStartRole).toULongLong(), current.data(RangeEndRole).toULongLong());
        else
            m_map->clearHighlight();
    });
    connect(m_map, &IovaMapWidget::segmentClicked, this, [this](quint64 start, quint64 end) {
        // Select the region table row that covers the clicked segment (most specific first).
        for (int r = 0; r < m_proxy->rowCount(); ++r) {
            const QModelIndex i = m_proxy->index(r, 0);
            if (i.data(RangeStartRole).toULongLong() <= start && i.data(RangeEndRole).toULongLong() >= end
                && i.data(KindRole).toString() != QStringLiteral("usable")) {
                m_table->setCurrentIndex(i);
                return;
            }
        }
        for (int r = 0; r < m_proxy->rowCount(); ++r) {
            const QModelIndex i = m_proxy->index(r, 0);
            if (i.data(RangeStartRole).toULongLong() <= start && i.data(RangeEndRole).toULongLong() >= end) {
                m_table->setCurrentIndex(i);
                return;
            }
        }
    });
    refresh();
}

void IovaMapPanel::setTopology(const Topology &topology)
{
    m_topology = topology;
    if (m_topology.groupIndex.size() != m_topology.groups.size())
        m_topology.reindex();
    m_model->setTopology(m_topology);
    if (!m_topology.group(m_groupId))
        m_groupId = -1;
    refresh();
}

void IovaMapPanel::setGroup(int groupId)
{
    m_groupId = m_topology.group(groupId) ? groupId : -1;
    m_model->setGroup(m_groupId);
    refresh();
}

void IovaMapPanel::fitMapHeight()
{
    // The scroll area asks its widget's size only once; the label area grows with the longest
    // address, so size the area to the map every time (room kept for the sideways scrollbar).
    m_scroll->setFixedHeight(m_map->minimumSizeHint().height() + m_scroll->horizontalScrollBar()->sizeHint().height());
}

void IovaMapPanel::refresh()
{
    const IommuGroup *g = m_topology.group(m_groupId);
    if (!g) {
        m_title->setText(m_topology.groups.isEmpty() && !m_topology.functions.isEmpty()
                             ? tr("This host has no IOMMU groups, so there is no IOVA space to show.")
                             : tr("No group selected: pick one in the Groups panel or a device in the tree."));
        m_map->clear();
        fitMapHeight();
        return;
    }
    QString text = tr("<b>IOMMU group %1</b>: %2-bit IOVA space%3, %n reserved region(s)", nullptr,
                      int(g->reservedRegions.size()))
                       .arg(g->id)
                       .arg(g->addressWidth > 0 ? g->addressWidth : 48)
                       .arg(g->addressWidthAssumed || g->addressWidth <= 0 ? tr(" (width assumed)") : QString());
    if (!g->reservedRegionsKnown)
        text += tr(" — <i>reserved_regions could not be read; the map shows the whole space as usable</i>");
    m_title->setText(text);
    m_map->setGroup(*g);
    fitMapHeight();
    m_table->resizeColumnsToContents();
}

} // namespace devtopo::views
