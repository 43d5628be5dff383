#include "dmapanel.h"

#include "dirtybitmapwidget.h"
#include "dmamappingmodel.h"
#include "models/format.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QScrollArea>
#include <QStandardItemModel>
#include <QTableView>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

namespace devtopo::views {

namespace {
const QString kErrorStyle = u"QLabel { color: #a50e0e; background: #fce8e6; border: 1px solid #d93025; padding: 4px; }"_s;
const QString kWarnStyle = u"QLabel { color: #7a4f01; background: #fef7e0; border: 1px solid #f9ab00; padding: 4px; }"_s;
const QString kOkStyle = u"QLabel { color: #0d3b17; }"_s;
} // namespace

DmaPanel::DmaPanel(QWidget *parent) : QWidget(parent)
{
    setObjectName(u"dmaPanel"_s);
    auto *outer = new QVBoxLayout(this);
    outer->setContentsMargins(0, 0, 0, 0);
    auto *scroll = new QScrollArea(this);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    outer->addWidget(scroll);
    auto *body = new QWidget(scroll);
    scroll->setWidget(body);
    auto *layout = new QVBoxLayout(body);

    auto *top = new QHBoxLayout;
    top->addWidget(new QLabel(tr("IOMMU group:"), body));
    m_group = new QComboBox(body);
    m_group->setObjectName(u"dmaGroup"_s);
    m_group->setMinimumContentsLength(16); // the backend choice shares the row
    top->addWidget(m_group, 1);
    m_backend = new QComboBox(body);
    m_backend->setObjectName(u"dmaBackend"_s);
    m_backend->addItem(tr("Auto"), u"auto"_s);
    m_backend->setItemData(0, tr("iommufd where the helper can use it, else a type1v2 container (the reason is shown)"), Qt::ToolTipRole);
    m_backend->addItem(tr("type1v2 container"), u"type1v2"_s);
    m_backend->setItemData(1, tr("The legacy VFIO container: /dev/vfio/vfio with VFIO_TYPE1v2_IOMMU"), Qt::ToolTipRole);
    m_backend->addItem(tr("iommufd IOAS"), u"iommufd"_s);
    m_backend->setItemData(2, tr("/dev/iommu: every VFIO member's cdev bound, an IOAS, a dirty-tracking HWPT where the IOMMU can"), Qt::ToolTipRole);
    m_backend->setToolTip(tr("How the group's DMA is set up"));
    top->addWidget(m_backend);
    m_open = new QPushButton(tr("Open"), body);
    m_open->setObjectName(u"dmaOpen"_s);
    m_open->setToolTip(tr("Open the group (it must be viable) on the chosen backend"));
    m_close = new QPushButton(tr("Close"), body);
    m_close->setObjectName(u"dmaClose"_s);
    top->addWidget(m_open);
    top->addWidget(m_close);
    layout->addLayout(top);
    m_backendNote = new QLabel(body);
    m_backendNote->setObjectName(u"dmaBackendNote"_s);
    m_backendNote->setWordWrap(true);
    m_backendNote->setStyleSheet(u"QLabel { color: #5f6368; }"_s);
    m_backendNote->setVisible(false);
    layout->addWidget(m_backendNote);

    m_status = new QLabel(tr("No group open."), body);
    m_status->setObjectName(u"dmaStatus"_s);
    m_status->setWordWrap(true);
    layout->addWidget(m_status);

    auto *info = new QFormLayout;
    m_backendInfo = new QLabel(u"—"_s, body);
    m_backendInfo->setObjectName(u"dmaBackendInfo"_s);
    m_backendInfo->setWordWrap(true);
    m_devices = new QLabel(u"—"_s, body);
    m_devices->setObjectName(u"dmaBoundDevices"_s);
    m_devices->setWordWrap(true);
    m_devices->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_note = new QLabel(u"—"_s, body);
    m_note->setObjectName(u"dmaNote"_s);
    m_note->setWordWrap(true);
    m_note->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_ranges = new QLabel(u"—"_s, body);
    m_ranges->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_pageSizes = new QLabel(u"—"_s, body);
    m_dmaAvail = new QLabel(u"—"_s, body);
    auto *memRow = new QVBoxLayout;
    m_gauge = new QProgressBar(body);
    m_gauge->setObjectName(u"memlockGauge"_s);
    m_gauge->setRange(0, 1000);
    m_gauge->setValue(0);
    m_gauge->setTextVisible(false);
    m_gauge->setMaximumHeight(14);
    m_memlock = new QLabel(u"—"_s, body);
    m_memlock->setObjectName(u"memlockText"_s);
    m_memlock->setWordWrap(true);
    memRow->addWidget(m_gauge);
    memRow->addWidget(m_memlock);
    info->addRow(tr("Backend:"), m_backendInfo);
    info->addRow(tr("Bound devices:"), m_devices);
    info->addRow(tr("Note:"), m_note);
    info->addRow(tr("IOVA ranges:"), m_ranges);
    info->addRow(tr("Page sizes:"), m_pageSizes);
    info->addRow(tr("DMA entries left:"), m_dmaAvail);
    info->addRow(tr("Locked memory:"), memRow);
    layout->addLayout(info);

    auto *mapsBox = new QGroupBox(tr("Mappings"), body);
    auto *mapsLayout = new QVBoxLayout(mapsBox);
    m_model = new control::DmaMappingModel(this);
    m_table = new QTableView(mapsBox);
    m_table->setObjectName(u"dmaMappings"_s);
    m_table->setModel(m_model);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->verticalHeader()->hide();
    m_table->horizontalHeader()->setStretchLastSection(true);
    for (int c = 0; c < control::DmaMappingModel::PagesColumn; ++c)
        m_table->horizontalHeader()->setSectionResizeMode(c, QHeaderView::ResizeToContents);
    m_table->verticalHeader()->setDefaultSectionSize(m_table->fontMetrics().height() + 6);
    m_table->setMinimumHeight(90);
    mapsLayout->addWidget(m_table);
    auto *form = new QHBoxLayout;
    form->addWidget(new QLabel(tr("IOVA:"), mapsBox));
    m_iova = new QLineEdit(u"0x100000"_s, mapsBox);
    m_iova->setObjectName(u"dmaIova"_s);
    m_iova->setToolTip(tr("Hexadecimal, e.g. 0x100000"));
    m_iova->setMinimumWidth(m_iova->fontMetrics().horizontalAdvance(u"0x0000000000000000"_s) + 12);
    form->addWidget(m_iova, 2);
    form->addWidget(new QLabel(tr("Size:"), mapsBox));
    m_size = new QLineEdit(u"2M"_s, mapsBox);
    m_size->setObjectName(u"dmaSize"_s);
    m_size->setToolTip(tr("With units: 4k, 2M, 1G (binary), or bytes"));
    form->addWidget(m_size, 1);
    mapsLayout->addLayout(form);
    auto *buttons = new QHBoxLayout;
    m_huge = new QCheckBox(tr("Huge pages (2 MiB)"), mapsBox);
    m_huge->setObjectName(u"dmaHuge"_s);
    buttons->addWidget(m_huge);
    buttons->addStretch(1);
    m_map = new QPushButton(tr("Map"), mapsBox);
    m_map->setObjectName(u"dmaMap"_s);
    buttons->addWidget(m_map);
    m_unmap = new QPushButton(tr("Unmap selected"), mapsBox);
    m_unmap->setObjectName(u"dmaUnmap"_s);
    buttons->addWidget(m_unmap);
    m_unmapRange = new QPushButton(tr("Unmap range"), mapsBox);
    m_unmapRange->setObjectName(u"dmaUnmapRange"_s);
    m_unmapRange->setToolTip(tr("Unmaps [IOVA, IOVA + size) as typed; iommufd refuses a range that would split a mapping (ENOENT)"));
    buttons->addWidget(m_unmapRange);
    mapsLayout->addLayout(buttons);
    m_error = new QLabel(mapsBox);
    m_error->setObjectName(u"dmaError"_s);
    m_error->setWordWrap(true);
    m_error->setStyleSheet(kErrorStyle);
    m_error->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_error->setVisible(false);
    mapsLayout->addWidget(m_error);
    m_message = new QLabel(mapsBox);
    m_message->setObjectName(u"dmaMessage"_s);
    m_message->setWordWrap(true);
    m_message->setStyleSheet(kOkStyle);
    mapsLayout->addWidget(m_message);
    layout->addWidget(mapsBox);

    auto *dirtyBox = new QGroupBox(tr("Dirty page tracking"), body);
    dirtyBox->setObjectName(u"dmaDirtyBox"_s);
    m_dirtyBox = dirtyBox;
    auto *dirtyLayout = new QVBoxLayout(dirtyBox);
    m_dirtyNote = new QLabel(dirtyBox);
    m_dirtyNote->setObjectName(u"dmaDirtyNote"_s);
    m_dirtyNote->setWordWrap(true);
    m_dirtyNote->setVisible(false);
    dirtyLayout->addWidget(m_dirtyNote);
    auto *dirtyButtons = new QHBoxLayout;
    m_dirtyStart = new QPushButton(tr("Start"), dirtyBox);
    m_dirtyStart->setObjectName(u"dirtyStart"_s);
    m_bitmapButton = new QPushButton(tr("Read bitmap"), dirtyBox);
    m_bitmapButton->setObjectName(u"dirtyRead"_s);
    m_bitmapButton->setToolTip(tr("Reads the dirty bitmap of the span the mappings cover"));
    m_dirtyStop = new QPushButton(tr("Stop"), dirtyBox);
    m_dirtyStop->setObjectName(u"dirtyStop"_s);
    dirtyButtons->addWidget(m_dirtyStart);
    dirtyButtons->addWidget(m_bitmapButton);
    dirtyButtons->addWidget(m_dirtyStop);
    dirtyButtons->addStretch(1);
    dirtyLayout->addLayout(dirtyButtons);
    m_bitmap = new DirtyBitmapWidget(dirtyBox);
    dirtyLayout->addWidget(m_bitmap);
    layout->addWidget(dirtyBox);
    layout->addStretch(1);

    connect(m_open, &QPushButton::clicked, this, [this] {
        clearFeedback();
        if (chosenGroup() >= 0)
            Q_EMIT openRequested(chosenGroup(), chosenBackend());
    });
    connect(m_close, &QPushButton::clicked, this, [this] {
        clearFeedback();
        if (m_state.isOpen())
            Q_EMIT closeRequested(m_state.handle);
    });
    connect(m_map, &QPushButton::clicked, this, &DmaPanel::requestMap);
    connect(m_iova, &QLineEdit::returnPressed, this, &DmaPanel::requestMap);
    connect(m_size, &QLineEdit::returnPressed, this, &DmaPanel::requestMap);
    connect(m_unmap, &QPushButton::clicked, this, &DmaPanel::requestUnmap);
    connect(m_unmapRange, &QPushButton::clicked, this, &DmaPanel::requestUnmapRange);
    connect(m_dirtyStart, &QPushButton::clicked, this, [this] {
        clearFeedback();
        Q_EMIT dirtyStartRequested(m_state.handle);
    });
    connect(m_dirtyStop, &QPushButton::clicked, this, [this] {
        clearFeedback();
        Q_EMIT dirtyStopRequested(m_state.handle);
    });
    connect(m_bitmapButton, &QPushButton::clicked, this, &DmaPanel::requestBitmap);
    connect(m_table->selectionModel(), &QItemSelectionModel::selectionChanged, this, &DmaPanel::updateEnabled);
    connect(m_group, &QComboBox::currentIndexChanged, this, [this] {
        updateEnabled();
        if (chosenGroup() >= 0 && chosenGroup() != m_backendsGroup && !m_state.isOpen() && m_readOnly.isEmpty())
            Q_EMIT backendsRequested(chosenGroup());
    });
    connect(m_backend, &QComboBox::currentIndexChanged, this, &DmaPanel::updateEnabled);
    updateEnabled();
}

QString DmaPanel::chosenBackend() const
{
    return m_backend->currentData().toString();
}

void DmaPanel::chooseBackend(const QString &backend)
{
    const int i = m_backend->findData(backend);
    if (i >= 0)
        m_backend->setCurrentIndex(i);
}

bool DmaPanel::iommufdOffered() const
{
    const auto *items = qobject_cast<QStandardItemModel *>(m_backend->model());
    return items && items->item(m_backend->findData(u"iommufd"_s))->isEnabled();
}

QString DmaPanel::backendNoteText() const
{
    return m_backendNote->isHidden() ? QString() : m_backendNote->text();
}

void DmaPanel::setBackends(int group, const QStringList &backends, const QString &iommufdReason)
{
    if (group != chosenGroup())
        return; // an answer for a group chosen before
    m_backendsGroup = group;
    auto *items = qobject_cast<QStandardItemModel *>(m_backend->model());
    const int fd = m_backend->findData(u"iommufd"_s);
    const bool offered = backends.contains(u"iommufd"_s);
    if (QStandardItem *item = items ? items->item(fd) : nullptr) {
        item->setEnabled(offered);
        item->setToolTip(offered ? tr("/dev/iommu: every VFIO member's cdev bound, an IOAS, a dirty-tracking HWPT where the IOMMU can")
                                 : tr("Not available for group %1: %2").arg(group).arg(iommufdReason));
    }
    if (!offered && chosenBackend() == u"iommufd"_s)
        chooseBackend(u"auto"_s);
    if (offered) {
        m_backendNote->clear();
        m_backendNote->setVisible(false);
    } else {
        m_backendNote->setText(tr("iommufd is not available for group %1: %2. Auto will use a type1v2 container.")
                                   .arg(group)
                                   .arg(iommufdReason.isEmpty() ? tr("the helper does not offer it") : iommufdReason));
        m_backendNote->setVisible(true);
    }
    updateEnabled();
}

void DmaPanel::setTopology(const Topology &topology)
{
    m_topology = topology;
    const int keep = m_state.isOpen() ? m_state.group : chosenGroup();
    QSignalBlocker block(m_group);
    m_group->clear();
    // Viable groups first: those are the ones VFIO lets a user open.
    for (bool viable : {true, false}) {
        for (const IommuGroup &g : topology.groups) {
            if (g.viability.viable != viable)
                continue;
            QStringList members;
            for (const PciAddress &a : g.devices) {
                const PciFunction *f = topology.function(a);
                members << (f && !f->driver.isEmpty() ? u"%1 (%2)"_s.arg(a.toString(), f->driver) : a.toString());
            }
            const QString label = viable ? tr("group %1 — viable — %2").arg(g.id).arg(members.join(u", "_s))
                                         : tr("group %1 — not viable — %2").arg(g.id).arg(members.join(u", "_s));
            m_group->addItem(label, g.id);
            m_group->setItemData(m_group->count() - 1, g.viability.blockers.join(u"\n"_s), Qt::ToolTipRole);
        }
    }
    chooseGroup(keep);
    updateEnabled();
    // Drivers may have moved: what the chosen group can be opened on is asked again.
    m_backendsGroup = -1;
    if (chosenGroup() >= 0 && !m_state.isOpen() && m_readOnly.isEmpty())
        Q_EMIT backendsRequested(chosenGroup());
}

void DmaPanel::setReadOnly(const QString &why)
{
    m_readOnly = why;
    m_status->setText(why.isEmpty() ? tr("No group open.") : tr("Read-only: %1").arg(why));
    updateEnabled();
}

void DmaPanel::chooseGroup(int group)
{
    const int i = m_group->findData(group);
    if (i >= 0)
        m_group->setCurrentIndex(i);
}

int DmaPanel::chosenGroup() const
{
    return m_group->currentIndex() >= 0 ? m_group->currentData().toInt() : -1;
}

void DmaPanel::clearFeedback()
{
    m_error->clear();
    m_error->setVisible(false);
    m_message->clear();
}

void DmaPanel::setOpened(const control::DmaGroupState &state)
{
    const bool wasOpen = m_state.isOpen() && m_state.group == state.group;
    m_state = state;
    chooseGroup(state.group);
    const QString where = state.isIommufd() ? tr("on iommufd (IOAS %1%2)").arg(state.ioasId).arg(state.hwptId ? tr(", HWPT %1").arg(state.hwptId) : QString())
                                            : tr("in its own type1v2 container");
    m_status->setText(tr("Group %1 is open %2, handle %3%4")
                          .arg(state.group)
                          .arg(where)
                          .arg(state.handle)
                          .arg(state.dirtyTracking ? tr("; dirty tracking is on") : QString()));
    QString tracking;
    if (state.isIommufd())
        tracking = state.dirtyTrackingSupported ? tr("hardware dirty tracking available") : tr("no hardware dirty tracking");
    else
        tracking = state.dirtyTrackingSupported ? tr("dirty tracking in software (type1)") : tr("no dirty tracking");
    m_backendInfo->setText(tr("%1 — %2").arg(control::dma::backendText(state), tracking));
    m_devices->setText(state.isIommufd() ? (state.boundDevices.isEmpty() ? tr("none") : state.boundDevices.join(u", "_s))
                                         : tr("— (type1 attaches the group, not single devices)"));
    m_note->setText(state.backendNote.isEmpty() ? u"—"_s : state.backendNote);
    m_dirtyBox->setTitle(state.isIommufd() ? tr("Dirty page tracking (iommufd HWPT)") : tr("Dirty page tracking (type1)"));
    m_dirtyNote->setText(control::dma::dirtyTrackingText(state));
    m_dirtyNote->setStyleSheet(state.dirtyTrackingSupported ? u"QLabel { color: #5f6368; }"_s : kWarnStyle);
    m_dirtyNote->setVisible(true);
    QStringList ranges;
    for (const control::DmaRange &r : state.iovaRanges)
        ranges << u"%1  (%2)"_s.arg(fmt::hexRange(r.start, r.end), fmt::rangeSize(r.start, r.end));
    m_ranges->setText(ranges.isEmpty() ? tr("none reported") : ranges.join(u'\n'));
    m_pageSizes->setText(control::dma::pageSizesText(state.pageSizes));
    m_dmaAvail->setText(state.dmaAvail < 0 ? tr("not reported by this kernel") : QString::number(state.dmaAvail));
    const int permille = control::dma::memlockPermille(state);
    m_gauge->setValue(permille < 0 ? 0 : permille);
    m_gauge->setEnabled(permille >= 0);
    m_memlock->setText(control::dma::memlockText(state));
    m_model->setMappings(state.mappings, state.smallestPageSize());
    if (!wasOpen)
        m_bitmap->clear();
    updateEnabled();
}

void DmaPanel::setClosed()
{
    m_state = {};
    m_status->setText(m_readOnly.isEmpty() ? tr("No group open.") : tr("Read-only: %1").arg(m_readOnly));
    m_backendInfo->setText(u"—"_s);
    m_devices->setText(u"—"_s);
    m_note->setText(u"—"_s);
    m_dirtyBox->setTitle(tr("Dirty page tracking"));
    m_dirtyNote->clear();
    m_dirtyNote->setVisible(false);
    m_ranges->setText(u"—"_s);
    m_pageSizes->setText(u"—"_s);
    m_dmaAvail->setText(u"—"_s);
    m_gauge->setValue(0);
    m_memlock->setText(u"—"_s);
    m_model->setMappings({}, 4096);
    m_bitmap->clear();
    updateEnabled();
}

void DmaPanel::showError(const QString &helperError)
{
    const QString plain = control::dma::explainDmaError(helperError);
    m_error->setText(plain.isEmpty() ? helperError : plain + u"\n"_s + tr("The kernel said: %1").arg(helperError));
    m_error->setVisible(true);
    m_message->clear();
}

void DmaPanel::showMessage(const QString &text)
{
    m_error->clear();
    m_error->setVisible(false);
    m_message->setText(text);
}

void DmaPanel::setBitmap(const control::DirtyBitmapData &bitmap)
{
    m_bitmap->setBitmap(bitmap);
}

QString DmaPanel::errorText() const
{
    return m_error->text();
}

QString DmaPanel::messageText() const
{
    return m_message->text();
}

QString DmaPanel::memlockText() const
{
    return m_memlock->text();
}

QString DmaPanel::statusText() const
{
    return m_status->text();
}

QString DmaPanel::backendText() const
{
    return m_backendInfo->text();
}

QString DmaPanel::dirtyTitle() const
{
    return m_dirtyBox->title();
}

QString DmaPanel::dirtyNoteText() const
{
    return m_dirtyNote->text();
}

void DmaPanel::updateEnabled()
{
    const bool writable = m_readOnly.isEmpty();
    const bool open = m_state.isOpen();
    m_group->setEnabled(!open);
    m_backend->setEnabled(writable && !open);
    m_open->setEnabled(writable && !open && chosenGroup() >= 0);
    m_close->setEnabled(open);
    m_map->setEnabled(open);
    m_iova->setEnabled(open);
    m_size->setEnabled(open);
    // iommufd reports only an IOVA alignment; it takes 2 MiB-aligned huge-page buffers all the same.
    m_huge->setEnabled(open && (m_state.isIommufd() || (m_state.pageSizes & (quint64(2) << 20))));
    m_unmap->setEnabled(open && m_table->selectionModel()->hasSelection());
    m_unmapRange->setEnabled(open);
    // Not offered where the kernel would refuse it (the note in the box says why).
    const bool canTrack = m_state.dirtyTrackingSupported;
    m_dirtyStart->setEnabled(open && !m_state.dirtyTracking && canTrack);
    m_dirtyStart->setToolTip(open && !canTrack ? control::dma::dirtyTrackingText(m_state) : QString());
    m_dirtyStop->setEnabled(open && m_state.dirtyTracking);
    m_bitmapButton->setEnabled(open && m_state.dirtyTracking && !m_state.mappings.isEmpty());
}

void DmaPanel::requestMap()
{
    if (!m_state.isOpen())
        return;
    QString error;
    const auto iova = control::dma::parseIova(m_iova->text(), &error);
    const auto size = iova ? control::dma::parseSize(m_size->text(), &error) : std::nullopt;
    if (!iova || !size) {
        showError(error); // nothing sent
        return;
    }
    if (*size == 0) {
        showError(tr("size must be more than 0 bytes"));
        return;
    }
    clearFeedback();
    Q_EMIT mapRequested(m_state.handle, *iova, *size, m_huge->isChecked() && m_huge->isEnabled());
}

void DmaPanel::requestUnmap()
{
    const QModelIndexList rows = m_table->selectionModel()->selectedRows();
    if (!m_state.isOpen() || rows.isEmpty())
        return;
    clearFeedback();
    const QModelIndex r = rows.first();
    Q_EMIT unmapRequested(m_state.handle, r.data(control::DmaMappingModel::IovaRole).toULongLong(),
                          r.data(control::DmaMappingModel::SizeRole).toULongLong());
}

void DmaPanel::requestUnmapRange()
{
    if (!m_state.isOpen())
        return;
    QString error;
    const auto iova = control::dma::parseIova(m_iova->text(), &error);
    const auto size = iova ? control::dma::parseSize(m_size->text(), &error) : std::nullopt;
    if (!iova || !size) {
        showError(error); // nothing sent
        return;
    }
    if (*size == 0) {
        showError(tr("size must be more than 0 bytes"));
        return;
    }
    clearFeedback();
    Q_EMIT unmapRequested(m_state.handle, *iova, *size);
}

std::pair<quint64, quint64> DmaPanel::mappedSpan() const
{
    quint64 lo = ~quint64(0), hi = 0;
    for (const control::DmaMap &m : m_state.mappings) {
        lo = std::min(lo, m.iova);
        hi = std::max(hi, m.iova + m.size);
    }
    return {lo, hi > lo ? hi - lo : 0};
}

void DmaPanel::requestBitmap()
{
    const auto [iova, size] = mappedSpan();
    if (!m_state.isOpen() || size == 0)
        return;
    clearFeedback();
    Q_EMIT bitmapRequested(m_state.handle, iova, size);
}

} // namespace devtopo::views
