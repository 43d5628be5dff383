#include "p2pheatmappanel.h"

#include "models/p2pmatrixmodel.h"
#include "p2pcolors.h"
#include "p2plegend.h"

#include <QCheckBox>
#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPainter>
#include <QSplitter>
#include <QStyledItemDelegate>
#include <QTableView>
#include <QTextBrowser>
#include <QVBoxLayout>

namespace devtopo::views {

namespace {

// Paints a cell in its class colour with the class name, and a dark corner when the kernel
// refuses the pair, so class and verdict read together.
class P2pCellDelegate : public QStyledItemDelegate
{
public:
    using QStyledItemDelegate::QStyledItemDelegate;

    void paint(QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const override
    {
        const auto cls = P2pClass(index.data(P2pMatrixModel::P2pClassRole).toInt());
        const QRect r = option.rect.adjusted(1, 1, -1, -1);
        painter->save();
        painter->fillRect(r, p2pClassColor(cls));
        if (index.data(P2pMatrixModel::MapTypeRole).toString() == p2pMapTypeName(P2pMapType::NotSupported)) {
            const int m = std::min(r.width(), r.height()) / 3;
            painter->setPen(Qt::NoPen);
            painter->setBrush(QColor(0x20, 0x20, 0x20));
            painter->drawPolygon(QPolygon({QPoint(r.right() - m, r.top()), QPoint(r.right() + 1, r.top()),
                                           QPoint(r.right() + 1, r.top() + m)}));
        }
        QFont f = option.font;
        f.setBold(cls != P2pClass::X);
        painter->setFont(f);
        painter->setPen(p2pClassTextColor(cls));
        painter->drawText(r, Qt::AlignCenter, p2pClassName(cls));
        if (option.state & QStyle::State_Selected) {
            painter->setPen(QPen(option.palette.highlight(), 2));
            painter->setBrush(Qt::NoBrush);
            painter->drawRect(r.adjusted(1, 1, -1, -1));
        }
        painter->restore();
    }
};

struct KindChoice
{
    P2pKind kind;
    const char *label;
};
constexpr KindChoice KindChoices[] = {
    {P2pKind::Gpu, QT_TRANSLATE_NOOP("P2pHeatMapPanel", "GPUs and 3D controllers")},
    {P2pKind::Nic, QT_TRANSLATE_NOOP("P2pHeatMapPanel", "NICs")},
    {P2pKind::Nvme, QT_TRANSLATE_NOOP("P2pHeatMapPanel", "NVMe drives")},
    {P2pKind::Accel, QT_TRANSLATE_NOOP("P2pHeatMapPanel", "Accelerators")},
    {P2pKind::All, QT_TRANSLATE_NOOP("P2pHeatMapPanel", "All endpoints")},
};

} // namespace

P2pHeatMapPanel::P2pHeatMapPanel(QWidget *parent)
    : QWidget(parent)
{
    setObjectName(QStringLiteral("p2pHeatMap"));
    m_model = new P2pMatrixModel(this);

    m_kindCombo = new QComboBox(this);
    m_kindCombo->setObjectName(QStringLiteral("p2pKind"));
    for (const KindChoice &c : KindChoices)
        m_kindCombo->addItem(tr(c.label), int(c.kind));
    m_vfs = new QCheckBox(tr("Include VFs"), this);
    m_vfs->setChecked(true);
    m_summary = new QLabel(this);
    m_summary->setTextInteractionFlags(Qt::TextSelectableByMouse);

    auto *top = new QHBoxLayout;
    top->addWidget(new QLabel(tr("Devices:"), this));
    top->addWidget(m_kindCombo);
    top->addWidget(m_vfs);
    top->addSpacing(12);
    top->addWidget(m_summary, 1);

    m_table = new QTableView(this);
    m_table->setObjectName(QStringLiteral("p2pTable"));
    m_table->setModel(m_model);
    m_table->setItemDelegate(new P2pCellDelegate(m_table));
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setShowGrid(false);
    m_table->setMouseTracking(true);
    const int cellHeight = fontMetrics().height() + 10;
    const int cellWidth = fontMetrics().horizontalAdvance(QStringLiteral("NODE")) + 22;
    for (QHeaderView *h : {m_table->horizontalHeader(), m_table->verticalHeader()}) {
        h->setSectionResizeMode(QHeaderView::Fixed);
        h->setSectionsClickable(true);
        h->setHighlightSections(true);
    }
    m_table->horizontalHeader()->setDefaultSectionSize(cellWidth);
    m_table->horizontalHeader()->setMinimumSectionSize(cellWidth);
    m_table->verticalHeader()->setDefaultSectionSize(cellHeight);
    m_table->verticalHeader()->setMinimumSectionSize(cellHeight);

    // The matrix keeps its natural size with the legend right below it; the explanation of the
    // selected pair takes the rest of the width, where its sentences have room.
    m_table->setSizeAdjustPolicy(QAbstractScrollArea::AdjustToContents);
    m_table->setSizePolicy(QSizePolicy::Maximum, QSizePolicy::Maximum);
    auto *left = new QWidget(this);
    auto *leftLayout = new QVBoxLayout(left);
    leftLayout->setContentsMargins(0, 0, 0, 0);
    leftLayout->addWidget(m_table);
    leftLayout->addWidget(new P2pLegend(left));
    leftLayout->addStretch(1);

    m_details = new QTextBrowser(this);
    m_details->setObjectName(QStringLiteral("p2pDetails"));
    m_details->setOpenLinks(false);
    m_details->setMinimumWidth(320);

    auto *split = new QSplitter(Qt::Horizontal, this);
    split->addWidget(left);
    split->addWidget(m_details);
    split->setStretchFactor(0, 1);
    split->setStretchFactor(1, 1);
    split->setChildrenCollapsible(false);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addLayout(top);
    layout->addWidget(split, 1);

    connect(m_kindCombo, &QComboBox::activated, this, [this] {
        m_userChoseKind = true;
        kindChosen();
    });
    connect(m_vfs, &QCheckBox::toggled, this, [this](bool on) {
        m_model->setIncludeVfs(on);
        modelChanged();
    });
    connect(m_table->selectionModel(), &QItemSelectionModel::currentChanged, this,
            [this](const QModelIndex &current) { showPair(current); });
    auto activateHeader = [this](int section) {
        const QVariant v = m_model->headerData(section, Qt::Horizontal, PciAddressRole);
        if (v.isValid())
            Q_EMIT functionActivated(v.value<PciAddress>());
    };
    connect(m_table->horizontalHeader(), &QHeaderView::sectionDoubleClicked, this, activateHeader);
    connect(m_table->verticalHeader(), &QHeaderView::sectionDoubleClicked, this, activateHeader);
    modelChanged();
}

void P2pHeatMapPanel::setTopology(const Topology &topology)
{
    m_model->setTopology(topology);
    if (!m_userChoseKind) {
        // GPUs are what people come for; a host without any shows every endpoint instead of nothing.
        const P2pKind k = P2pEngine(m_model->topology()).endpoints(P2pKind::Gpu, m_vfs->isChecked()).size() >= 2
            ? P2pKind::Gpu
            : P2pKind::All;
        m_kindCombo->setCurrentIndex(m_kindCombo->findData(int(k)));
        m_model->setKind(k);
    }
    modelChanged();
}

void P2pHeatMapPanel::setKind(P2pKind kind)
{
    m_kindCombo->setCurrentIndex(m_kindCombo->findData(int(kind)));
    m_userChoseKind = true;
    kindChosen();
}

P2pKind P2pHeatMapPanel::kind() const
{
    return m_model->kind();
}

void P2pHeatMapPanel::kindChosen()
{
    m_model->setKind(P2pKind(m_kindCombo->currentData().toInt()));
    modelChanged();
}

void P2pHeatMapPanel::modelChanged()
{
    const P2pMatrix &m = m_model->matrix();
    int counts[std::size(AllP2pClasses)] = {};
    int refused = 0;
    for (int r = 0; r < m.size(); ++r)
        for (int c = r + 1; c < m.size(); ++c) {
            ++counts[int(m.at(r, c).cls)];
            if (m.at(r, c).mapType == P2pMapType::NotSupported)
                ++refused;
        }
    QStringList parts;
    for (P2pClass c : AllP2pClasses)
        if (c != P2pClass::X && counts[int(c)] > 0)
            parts << QStringLiteral("%1 %2").arg(counts[int(c)]).arg(p2pClassName(c));
    const int pairs = m.size() * (m.size() - 1) / 2;
    m_summary->setText(m.size() == 0 ? tr("No devices of this kind.")
                                     : tr("%n device(s), %1 pairs: %2; the kernel refuses %3.", nullptr, m.size())
                                           .arg(pairs)
                                           .arg(parts.join(QStringLiteral(", ")))
                                           .arg(refused));
    // Open on the first pair rather than on an empty explanation.
    if (m.size() >= 2)
        m_table->setCurrentIndex(m_model->index(0, 1));
    else
        showPair({});
}

void P2pHeatMapPanel::showPair(const QModelIndex &index)
{
    if (!index.isValid()) {
        m_details->setHtml(tr("<p>Select a cell to see how the two devices reach each other.</p>"));
        return;
    }
    m_details->setHtml(index.data(Qt::ToolTipRole).toString());
}

QString P2pHeatMapPanel::summaryText() const
{
    return m_summary->text();
}

QString P2pHeatMapPanel::detailsText() const
{
    return m_details->toPlainText();
}

} // namespace devtopo::views
