#include "devicemigrationpanel.h"

#include "devmigviewslogging.h"
#include "dirtybitmapwidget.h"
#include "dmastate.h"
#include "models/format.h"
#include "migrationstatediagram.h"

#include <QChart>
#include <QChartView>
#include <QComboBox>
#include <QFileDialog>
#include <QGroupBox>
#include <QLineEdit>
#include <QRadioButton>
#include <QHBoxLayout>
#include <QLabel>
#include <QLegendMarker>
#include <QLineSeries>
#include <QPointer>
#include <QProgressBar>
#include <QPushButton>
#include <QValueAxis>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;
using devtopo::vfiomig::State;

namespace devtopo::devmig {

namespace {

constexpr int kMaxSamples = 4 * 3600 * 2; // two hours at 4 Hz; older samples scroll out
constexpr int kMaxDrawnPages = 65536; // a bigger report is counted, not drawn

double mib(quint64 bytes)
{
    return double(bytes) / (1024.0 * 1024.0);
}

// A client answer for a panel that may be gone by then: dropped.
template<typename F>
auto guarded(DeviceMigrationPanel *panel, F f)
{
    return [self = QPointer<DeviceMigrationPanel>(panel), f = std::move(f)](auto &&...args) mutable {
        if (self)
            f(std::forward<decltype(args)>(args)...);
    };
}

} // namespace

DeviceMigrationPanel::DeviceMigrationPanel(DeviceMigrationClient *client, QWidget *parent)
    : QWidget(parent), m_client(client)
{
    auto *layout = new QVBoxLayout(this);
    m_title = new QLabel(this);
    m_title->setTextFormat(Qt::PlainText);
    m_title->setWordWrap(true);
    m_title->setText(tr("Asking the helper about the device…"));
    layout->addWidget(m_title);
    // Diagram and chart: side by side in a wide dock, stacked in a narrow one (resizeEvent).
    m_views = new QBoxLayout(QBoxLayout::TopToBottom);
    auto *stateColumn = new QVBoxLayout; // the diagram with what moves it
    m_diagram = new MigrationStateDiagram(this);
    stateColumn->addWidget(m_diagram, 1);
    auto *moveRow = new QHBoxLayout;
    moveRow->addWidget(new QLabel(tr("Move to"), this));
    m_target = new QComboBox(this);
    m_target->setObjectName(u"targetState"_s);
    m_target->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    m_target->setMinimumContentsLength(12); // PRE_COPY_P2P, before any status fills it
    moveRow->addWidget(m_target);
    m_move = new QPushButton(tr("Move"), this);
    m_move->setObjectName(u"moveButton"_s);
    moveRow->addWidget(m_move);
    moveRow->addStretch();
    stateColumn->addLayout(moveRow);
    // The planned path gets a row of its own: a five-step walk is long and must wrap, not clip.
    m_path = new QLabel(this);
    m_path->setObjectName(u"plannedPath"_s);
    m_path->setWordWrap(true);
    m_path->setTextFormat(Qt::PlainText);
    m_path->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_path->setSizePolicy(QSizePolicy::Preferred, QSizePolicy::MinimumExpanding);
    m_path->setMinimumHeight(2 * m_path->fontMetrics().lineSpacing() + 4);
    m_path->setAlignment(Qt::AlignLeft | Qt::AlignTop);
    stateColumn->addWidget(m_path);

    // Pre-copy initial bytes often equal the stop-copy size (nothing dirtied yet): stop-copy is
    // drawn first, wide and pale, so the thin initial line on top of it leaves both visible.
    m_stopCopy = new QLineSeries(this);
    m_stopCopy->setName(tr("stop-copy size"));
    m_stopCopy->setPen(QPen(QColor(0x1a, 0x73, 0xe8, 110), 7, Qt::SolidLine, Qt::RoundCap));
    m_initial = new QLineSeries(this);
    m_initial->setName(tr("pre-copy initial"));
    m_initial->setPen(QPen(QColor(0xd9, 0x30, 0x25), 2, Qt::SolidLine));
    m_dirty = new QLineSeries(this);
    m_dirty->setName(tr("pre-copy dirty"));
    m_dirty->setPen(QPen(QColor(0x18, 0x80, 0x38), 2, Qt::DashLine));
    m_chart = new QChart;
    // No chart title (the axis says it): in a short dock every line goes to the plot.
    m_chart->setMargins(QMargins(4, 4, 4, 4));
    for (QLineSeries *s : {m_stopCopy, m_initial, m_dirty})
        m_chart->addSeries(s);
    m_x = new QValueAxis(this);
    m_x->setTitleText(tr("seconds"));
    m_y = new QValueAxis(this);
    m_y->setTitleText(tr("MiB to transfer"));
    m_chart->addAxis(m_x, Qt::AlignBottom);
    m_chart->addAxis(m_y, Qt::AlignLeft);
    for (QLineSeries *s : {m_stopCopy, m_initial, m_dirty}) {
        s->attachAxis(m_x);
        s->attachAxis(m_y);
    }
    m_chart->legend()->setAlignment(Qt::AlignBottom);
    m_chartView = new QChartView(m_chart, this);
    m_chartView->setRenderHint(QPainter::Antialiasing);
    m_chartView->setMinimumHeight(230);
    m_views->addLayout(stateColumn, 2);
    m_views->addWidget(m_chartView, 2);
    layout->addLayout(m_views, 1);


    auto *fileRow = new QHBoxLayout;
    m_save = new QPushButton(tr("Save state…"), this);
    m_save->setObjectName(u"saveButton"_s);
    m_load = new QPushButton(tr("Load state…"), this);
    m_load->setObjectName(u"loadButton"_s);
    m_reset = new QPushButton(tr("Reset device"), this);
    m_reset->setObjectName(u"resetButton"_s);
    fileRow->addWidget(m_save);
    fileRow->addWidget(m_load);
    fileRow->addWidget(m_reset);
    fileRow->addStretch();
    layout->addLayout(fileRow);
    layout->addWidget(buildDirtyBox());

    auto *progressRow = new QHBoxLayout;
    m_progress = new QProgressBar(this);
    m_progress->setMaximumWidth(160);
    m_progress->setTextVisible(false);
    m_progress->hide();
    m_progressText = new QLabel(this);
    m_progressText->setObjectName(u"progressText"_s);
    m_progressText->setTextFormat(Qt::PlainText);
    progressRow->addWidget(m_progress);
    progressRow->addWidget(m_progressText, 1);
    layout->addLayout(progressRow);
    m_message = new QLabel(this);
    m_message->setObjectName(u"message"_s);
    m_message->setWordWrap(true);
    m_message->setTextFormat(Qt::PlainText);
    m_message->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_message->setMinimumHeight(2 * m_message->fontMetrics().lineSpacing() + 4); // a saved file's name and its SHA-256
    m_message->setAlignment(Qt::AlignLeft | Qt::AlignTop);
    layout->addWidget(m_message);

    connect(m_target, &QComboBox::currentTextChanged, this, [this](const QString &t) {
        planFor(t);
        updateButtons();
    });
    connect(m_move, &QPushButton::clicked, this, [this] { moveTo(m_target->currentText()); });
    connect(m_save, &QPushButton::clicked, this, [this] {
        const QString path = QFileDialog::getSaveFileName(this, tr("Save device state"), {}, tr("Device state (*.dtstate)"));
        if (!path.isEmpty())
            saveTo(path);
    });
    connect(m_load, &QPushButton::clicked, this, [this] {
        const QString path = QFileDialog::getOpenFileName(this, tr("Load device state"), {}, tr("Device state (*.dtstate)"));
        if (!path.isEmpty())
            loadFrom(path);
    });
    connect(m_reset, &QPushButton::clicked, this, &DeviceMigrationPanel::resetDevice);
    connect(client, &DeviceMigrationClient::progress, this, [this](const QString &, int done, int total, const QString &text) {
        if (!m_busy)
            return;
        m_progress->setRange(0, std::max(total, 1));
        m_progress->setValue(done);
        m_progressText->setText(done < total ? tr("step %1 of %2: %3").arg(done + 1).arg(total).arg(text) : text);
    });
    m_poll.setInterval(500);
    connect(&m_poll, &QTimer::timeout, this, &DeviceMigrationPanel::pollOnce);
    m_clock.start();
    updateButtons();
    refresh();
    m_poll.start();
}

DeviceMigrationPanel::~DeviceMigrationPanel() = default;

void DeviceMigrationPanel::resizeEvent(QResizeEvent *event)
{
    m_views->setDirection(width() >= 1100 ? QBoxLayout::LeftToRight : QBoxLayout::TopToBottom);
    QWidget::resizeEvent(event);
}

void DeviceMigrationPanel::say(const QString &text, bool error)
{
    m_message->setText(text);
    m_message->setStyleSheet(error ? u"color: #b00020"_s : QString());
}

QString DeviceMigrationPanel::statusText() const
{
    return m_title->text();
}

QString DeviceMigrationPanel::plannedPathText() const
{
    return m_path->text();
}

QString DeviceMigrationPanel::messageText() const
{
    return m_message->text();
}

QString DeviceMigrationPanel::progressText() const
{
    return m_progressText->text();
}

void DeviceMigrationPanel::setBusy(bool busy, const QString &what)
{
    if (busy) {
        m_progress->setRange(0, 0); // busy until the helper reports a step
        m_progressText->setText(what);
    }
    m_progress->setVisible(busy);
    if (m_busy == busy)
        return;
    m_busy = busy;
    updateButtons();
    Q_EMIT busyChanged(busy);
}

void DeviceMigrationPanel::updateButtons()
{
    const bool free = !m_busy && m_hasStatus;
    const bool migrates = m_status.flags != 0;
    State t = State::Error;
    const bool planned = vfiomig::parseState(m_target->currentText(), &t)
        && !vfiomig::pathTo(State(m_status.state), t, m_status.flags).steps.isEmpty()
        && vfiomig::pathTo(State(m_status.state), t, m_status.flags).ok();
    m_move->setEnabled(free && migrates && planned);
    m_save->setEnabled(free && migrates && vfiomig::isSavingState(State(m_status.state)));
    m_load->setEnabled(free && migrates && State(m_status.state) == State::Resuming);
    m_reset->setEnabled(free);
    m_save->setToolTip(vfiomig::isSavingState(State(m_status.state)) ? QString() : tr("Save needs PRE_COPY, PRE_COPY_P2P or STOP_COPY"));
    m_load->setToolTip(State(m_status.state) == State::Resuming ? QString() : tr("Load needs RESUMING"));
    updateDirtyControls();
}

QWidget *DeviceMigrationPanel::buildDirtyBox()
{
    m_logBox = new QGroupBox(tr("Device dirty tracking"), this);
    m_logBox->setObjectName(u"deviceDirtyBox"_s);
    auto *box = new QVBoxLayout(m_logBox);
    m_logNote = new QLabel(m_logBox);
    m_logNote->setObjectName(u"logNote"_s);
    m_logNote->setWordWrap(true);
    m_logNote->setTextFormat(Qt::PlainText);
    m_logNote->setStyleSheet(u"color: #5f6368"_s);
    box->addWidget(m_logNote);
    auto *over = new QHBoxLayout;
    m_logMapped = new QRadioButton(tr("the group's mapped ranges"), m_logBox);
    m_logMapped->setObjectName(u"logMapped"_s);
    m_logMapped->setToolTip(tr("Every DMA mapping of the device's group, as its container has them when Start is pressed (what QEMU logs)"));
    m_logRange = new QRadioButton(tr("IOVA"), m_logBox);
    m_logRange->setObjectName(u"logRange"_s);
    m_logRange->setChecked(true);
    m_logIova = new QLineEdit(u"0x100000"_s, m_logBox);
    m_logIova->setObjectName(u"logIova"_s);
    m_logIova->setToolTip(tr("Hexadecimal, aligned to the page size"));
    m_logIova->setMinimumWidth(m_logIova->fontMetrics().horizontalAdvance(u"0x00000000000000"_s) + 12);
    m_logSize = new QLineEdit(u"1M"_s, m_logBox);
    m_logSize->setObjectName(u"logSize"_s);
    m_logSize->setToolTip(tr("With units: 4k, 2M, 1G (binary), or bytes"));
    m_logSize->setMaximumWidth(m_logSize->fontMetrics().horizontalAdvance(u"0000 MiB"_s) + 16);
    m_logPage = new QComboBox(m_logBox);
    m_logPage->setObjectName(u"logPageSize"_s);
    for (quint64 page : {quint64(4096), quint64(64) << 10, quint64(2) << 20})
        m_logPage->addItem(fmt::byteSize(page), page);
    m_logPage->setToolTip(tr("The granule the device logs (and reports) dirty pages in"));
    over->addWidget(new QLabel(tr("Over"), m_logBox));
    over->addWidget(m_logMapped);
    over->addWidget(m_logRange);
    over->addWidget(m_logIova, 1);
    over->addWidget(new QLabel(tr("size"), m_logBox));
    over->addWidget(m_logSize);
    over->addWidget(new QLabel(tr("pages of"), m_logBox));
    over->addWidget(m_logPage);
    box->addLayout(over);
    auto *buttons = new QHBoxLayout;
    m_logStart = new QPushButton(tr("Start"), m_logBox);
    m_logStart->setObjectName(u"logStart"_s);
    m_logReport = new QPushButton(tr("Report"), m_logBox);
    m_logReport->setObjectName(u"logReport"_s);
    m_logReport->setToolTip(tr("Reads (and clears) the pages the device wrote in the logged ranges"));
    m_logStop = new QPushButton(tr("Stop"), m_logBox);
    m_logStop->setObjectName(u"logStop"_s);
    buttons->addWidget(m_logStart);
    buttons->addWidget(m_logReport);
    buttons->addWidget(m_logStop);
    buttons->addStretch();
    box->addLayout(buttons);
    m_logMessage = new QLabel(m_logBox);
    m_logMessage->setObjectName(u"logMessage"_s);
    m_logMessage->setWordWrap(true);
    m_logMessage->setTextFormat(Qt::PlainText);
    m_logMessage->setTextInteractionFlags(Qt::TextSelectableByMouse);
    box->addWidget(m_logMessage);
    m_logBitmap = new views::DirtyBitmapWidget(m_logBox);
    m_logBitmap->setObjectName(u"deviceDirtyBitmap"_s);
    box->addWidget(m_logBitmap);

    connect(m_logStart, &QPushButton::clicked, this, &DeviceMigrationPanel::startDirtyTracking);
    connect(m_logReport, &QPushButton::clicked, this, &DeviceMigrationPanel::reportDirty);
    connect(m_logStop, &QPushButton::clicked, this, &DeviceMigrationPanel::stopDirtyTracking);
    connect(m_logRange, &QRadioButton::toggled, this, &DeviceMigrationPanel::updateDirtyControls);
    return m_logBox;
}

void DeviceMigrationPanel::updateDirtyControls()
{
    if (!m_logBox)
        return;
    const bool supported = m_hasStatus && m_status.dmaLoggingSupported;
    const bool on = m_status.dmaLogging;
    const bool free = supported && !m_busy && !m_logBusy;
    for (QWidget *w : std::initializer_list<QWidget *>{m_logMapped, m_logRange, m_logPage})
        w->setEnabled(free && !on);
    m_logIova->setEnabled(free && !on && m_logRange->isChecked());
    m_logSize->setEnabled(free && !on && m_logRange->isChecked());
    m_logStart->setEnabled(free && !on);
    m_logReport->setEnabled(free && on && !m_logRanges.isEmpty());
    m_logStop->setEnabled(free && on);
    if (!m_hasStatus)
        m_logNote->setText(tr("Asking whether the device logs its own DMA…"));
    else if (!supported)
        m_logNote->setText(tr("%1's driver has no DMA logging (VFIO_DEVICE_FEATURE_DMA_LOGGING): the device cannot track the pages it writes. "
                              "The IOMMU's dirty tracking (DMA panel) works for any device.").arg(m_status.device));
    else if (on && m_logRanges.isEmpty())
        m_logNote->setText(tr("DMA logging is on (started elsewhere): Stop ends it; start it here to report."));
    else if (on)
        m_logNote->setText((m_logRanges.size() == 1 ? tr("The device logs its DMA writes over %1 in %2 pages; Report reads and clears them.")
                                                     .arg(fmt::hexRange(m_logRanges.first().iova, m_logRanges.first().iova + m_logRanges.first().length - 1))
                                               : tr("The device logs its DMA writes over %1 ranges in %2 pages; Report reads and clears them.")
                                                     .arg(m_logRanges.size()))
                               .arg(fmt::byteSize(m_logPageSize)));
    else
        m_logNote->setText(tr("The device can log the pages it writes by DMA (VFIO_DEVICE_FEATURE_DMA_LOGGING), as a migration's pre-copy needs."));
}

QString DeviceMigrationPanel::dirtyMessageText() const
{
    return m_logMessage->text();
}

QString DeviceMigrationPanel::dirtyNoteText() const
{
    return m_logNote->text();
}

void DeviceMigrationPanel::sayDirty(const QString &text, bool error)
{
    m_logError = error;
    m_logMessage->setText(text);
    m_logMessage->setStyleSheet(error ? u"color: #b00020"_s : QString());
}

QString DeviceMigrationPanel::explainLoggingError(const QString &helperError)
{
    const QString e = control::dma::errnoName(helperError);
    QString plain;
    if (e == u"ENOTTY"_s)
        plain = tr("The device's driver has no DMA logging (ENOTTY).");
    else if (e == u"EOPNOTSUPP"_s)
        plain = tr("The driver took the request but cannot do it (EOPNOTSUPP): some drivers (the mtty sample on a real kernel) "
                   "accept DMA logging yet cannot report dirty pages. Use the IOMMU's dirty tracking in the DMA panel instead.");
    else if (e == u"EINVAL"_s)
        plain = tr("The range or page size was refused (EINVAL): ranges must be aligned to the page size, must not overlap, and a report "
                   "must lie inside one logged range.");
    else if (e == u"E2BIG"_s)
        plain = tr("Too much at once (E2BIG): too many ranges, or too many pages in one report.");
    else if (e == u"EEXIST"_s || e == u"EBUSY"_s)
        plain = tr("DMA logging is already running on this device (%1): stop it first.").arg(e);
    else if (e == u"ENOMEM"_s)
        plain = tr("The device cannot track that much (ENOMEM): log a smaller range or larger pages.");
    return plain.isEmpty() ? helperError : tr("%1\nThe helper said: %2").arg(plain, helperError);
}

void DeviceMigrationPanel::concludeDirty(const QString &operation, const QString &error, const QString &success)
{
    m_logBusy = false;
    const bool ok = error.isEmpty();
    const QString text = ok ? success : explainLoggingError(error);
    sayDirty(text, !ok);
    updateDirtyControls();
    Q_EMIT dirtyFinished(operation, ok, text);
}

bool DeviceMigrationPanel::startDirtyTracking()
{
    if (!m_client || m_busy || m_logBusy || !m_hasStatus || !m_status.dmaLoggingSupported || m_status.dmaLogging)
        return false;
    const quint64 page = m_logPage->currentData().toULongLong();
    if (m_logMapped->isChecked()) {
        m_logBusy = true;
        updateDirtyControls();
        sayDirty(tr("Asking for the group's DMA mappings…"), false);
        m_client->mappedRanges(guarded(this, [this, page](const QString &e, const QList<IovaSpan> &spans) {
            if (!e.isEmpty())
                return concludeDirty(u"log-start"_s, e, {});
            if (spans.isEmpty()) {
                // Nothing to log: said here, nothing sent.
                m_logBusy = false;
                sayDirty(tr("Not sent: the group has no DMA mappings to log (nothing is mapped in its container). Give an IOVA range instead."), true);
                updateDirtyControls();
                Q_EMIT dirtyFinished(u"log-start"_s, false, dirtyMessageText());
                return;
            }
            startLogging(spans, page);
        }));
        return true;
    }
    QString error;
    const auto iova = control::dma::parseIova(m_logIova->text(), &error);
    const auto size = iova ? control::dma::parseSize(m_logSize->text(), &error) : std::nullopt;
    if (!iova || !size || *size == 0) {
        sayDirty(tr("Not sent: %1").arg(error.isEmpty() ? tr("the size must be more than 0 bytes") : error), true);
        return false;
    }
    m_logBusy = true;
    startLogging({IovaSpan{*iova, *size}}, page);
    return true;
}

void DeviceMigrationPanel::startLogging(const QList<IovaSpan> &ranges, quint64 pageSize)
{
    updateDirtyControls();
    QStringList where;
    for (const IovaSpan &r : ranges)
        where << fmt::hexRange(r.iova, r.iova + r.length - 1);
    sayDirty(tr("Starting DMA logging over %1…").arg(where.join(u", "_s)), false);
    qCInfo(lcDevMigViews).noquote() << "DMA logging start on" << m_status.device << where.join(u", "_s);
    m_client->dmaLoggingStart(ranges, pageSize, guarded(this, [this, ranges, pageSize, where](const QString &e) {
        if (e.isEmpty()) {
            m_logRanges = ranges;
            m_logPageSize = pageSize;
            m_status.dmaLogging = true;
            m_logBitmap->clear();
        }
        concludeDirty(u"log-start"_s, e, tr("DMA logging started over %1 in %2 pages.").arg(where.join(u", "_s), fmt::byteSize(pageSize)));
        refresh(); // the helper's word on the logging flag
    }));
}

bool DeviceMigrationPanel::reportDirty()
{
    if (!m_client || m_busy || m_logBusy || !m_status.dmaLogging || m_logRanges.isEmpty())
        return false;
    m_logBusy = true;
    updateDirtyControls();
    reportFrom(0, 0, 0);
    return true;
}

// One report per logged range (a report must lie inside one), in turn; the picture is the first
// range's, the counts cover all of them.
void DeviceMigrationPanel::reportFrom(int index, int dirty, int pages)
{
    if (!m_client)
        return;
    if (index >= m_logRanges.size()) {
        const QString more = m_logRanges.size() > 1 ? tr(" in %1 ranges (the picture shows the first)").arg(m_logRanges.size()) : QString();
        return concludeDirty(u"log-report"_s, {}, tr("%1 of %2 pages written by the device since the last report%3.").arg(dirty).arg(pages).arg(more));
    }
    const IovaSpan r = m_logRanges.at(index);
    m_client->dmaLoggingReport(r.iova, r.length, m_logPageSize, guarded(this, [this, index, dirty, pages, r](const QString &e, const QByteArray &bits) {
        if (!e.isEmpty())
            return concludeDirty(u"log-report"_s, e, {});
        control::DirtyBitmapData b;
        b.iova = r.iova;
        b.size = r.length;
        b.pageSize = m_logPageSize;
        b.bits = bits;
        if (index == 0) {
            if (b.pages() <= kMaxDrawnPages)
                m_logBitmap->setBitmap(b);
            else
                m_logBitmap->clear();
        }
        reportFrom(index + 1, dirty + b.dirtyPages(), pages + b.pages());
    }));
}

bool DeviceMigrationPanel::stopDirtyTracking()
{
    if (!m_client || m_busy || m_logBusy || !m_status.dmaLogging)
        return false;
    m_logBusy = true;
    updateDirtyControls();
    m_client->dmaLoggingStop(guarded(this, [this](const QString &e) {
        if (e.isEmpty()) {
            m_status.dmaLogging = false;
            m_logRanges.clear();
        }
        concludeDirty(u"log-stop"_s, e, tr("DMA logging stopped."));
        refresh();
    }));
    return true;
}

void DeviceMigrationPanel::refresh()
{
    if (m_refreshing || !m_client)
        return;
    m_refreshing = true;
    m_client->status(guarded(this, [this](const QString &e, const DeviceMigrationStatus &st) {
        m_refreshing = false;
        if (!e.isEmpty()) {
            say(e, true);
            Q_EMIT refreshed();
            return;
        }
        m_status = st;
        m_hasStatus = true;
        m_title->setText(tr("%1 (IOMMU group %2): %3, migration flags %4").arg(st.device).arg(st.group)
                             .arg(vfiomig::stateName(State(st.state)), vfiomig::flagsText(st.flags)));
        m_diagram->setDevice(st.flags, State(st.state));
        const QString keep = m_target->currentText();
        m_target->blockSignals(true);
        m_target->clear();
        for (State s : vfiomig::supportedStates(st.flags))
            m_target->addItem(vfiomig::stateName(s));
        m_target->setCurrentText(keep);
        m_target->blockSignals(false);
        planFor(m_target->currentText());
        updateButtons();
        Q_EMIT refreshed();
        pollOnce();
    }));
}

void DeviceMigrationPanel::planFor(const QString &target)
{
    State t = State::Error;
    if (!vfiomig::parseState(target, &t)) {
        m_path->clear();
        m_diagram->setPlannedPath({});
        return;
    }
    const vfiomig::MigrationPath p = vfiomig::pathTo(State(m_status.state), t, m_status.flags);
    if (!p.ok()) {
        m_path->setText(p.why);
        m_diagram->setPlannedPath({});
        return;
    }
    m_path->setText(p.steps.isEmpty() ? tr("already there")
                                      : tr("%1 (%n step(s))", nullptr, int(p.steps.size())).arg(vfiomig::pathText(State(m_status.state), p.steps)));
    m_diagram->setPlannedPath(p.steps);
}

void DeviceMigrationPanel::conclude(const QString &operation, const QString &error, const QString &success)
{
    const bool ok = error.isEmpty();
    const QString text = ok ? success : error;
    say(text, !ok);
    // One refresh (status + sample), then the buttons come back.
    auto once = std::make_shared<QMetaObject::Connection>();
    *once = connect(this, &DeviceMigrationPanel::refreshed, this, [this, once, operation, ok, text] {
        disconnect(*once);
        setBusy(false);
        if (ok)
            m_progressText->clear();
        Q_EMIT finished(operation, ok, text);
    });
    refresh(); // the helper answers in order: no status asked before the call is still out
}

bool DeviceMigrationPanel::moveTo(const QString &target)
{
    if (m_busy || !m_client)
        return false;
    State t = State::Error;
    if (!vfiomig::parseState(target, &t)) {
        say(tr("\"%1\" is not a migration state").arg(target), true);
        return false;
    }
    // The kernel's table decides here, before anything is sent.
    const vfiomig::MigrationPath p = vfiomig::pathTo(State(m_status.state), t, m_status.flags);
    if (!p.ok()) {
        say(tr("Not sent: %1").arg(p.why), true);
        return false;
    }
    if (p.steps.isEmpty()) {
        say(tr("The device is already in %1.").arg(vfiomig::stateName(t)), false);
        return false;
    }
    setBusy(true, tr("Walking %1…").arg(vfiomig::pathText(State(m_status.state), p.steps)));
    qCInfo(lcDevMigViews).noquote() << "move" << m_status.device << "to" << target;
    m_client->setState(target, guarded(this, [this](const QString &e, const QStringList &changes) {
        conclude(u"move"_s, e, tr("Walked %1").arg(changes.join(u"; "_s)));
    }));
    return true;
}

bool DeviceMigrationPanel::saveTo(const QString &path)
{
    if (m_busy || !m_client)
        return false;
    setBusy(true, tr("Saving the device state to %1…").arg(path));
    m_client->saveTo(path, guarded(this, [this, path](const QString &e, quint64 bytes, const QString &sha) {
        conclude(u"save"_s, e, tr("Saved %1 bytes of device state to %2 (SHA-256 %3)").arg(bytes).arg(path, sha));
    }));
    return true;
}

bool DeviceMigrationPanel::loadFrom(const QString &path)
{
    if (m_busy || !m_client)
        return false;
    setBusy(true, tr("Loading %1 into the device…").arg(path));
    m_client->loadFrom(path, guarded(this, [this](const QString &e, quint64 bytes) {
        conclude(u"load"_s, e, tr("Loaded %1 bytes into the device; move it to STOP or RUNNING to apply them").arg(bytes));
    }));
    return true;
}

bool DeviceMigrationPanel::resetDevice()
{
    if (m_busy || !m_client)
        return false;
    setBusy(true, tr("Resetting the device…"));
    m_client->reset(guarded(this, [this](const QString &e) {
        conclude(u"reset"_s, e, tr("Device reset: it is RUNNING again."));
    }));
    return true;
}

void DeviceMigrationPanel::pollOnce()
{
    // One poll at a time, and none behind a walk, save or load: the helper answers in order, so a
    // poll sent now would only wait behind them and report a state about to change.
    if (!m_client || !m_hasStatus || !m_status.flags || m_polling || m_busy || m_refreshing)
        return;
    m_polling = true;
    ++m_pollsSent;
    PrecopySample s;
    s.msecs = m_clock.elapsed();
    auto stopCopy = [this](PrecopySample sample) {
        if (!m_client)
            return;
        m_client->stopCopySize(guarded(this, [this, sample](const QString &, quint64 bytes) mutable {
            sample.stopCopyBytes = bytes; // 0 where the state has no stop-copy size
            m_polling = false;
            addSample(sample);
        }));
    };
    const State st = State(m_status.state);
    if (st != State::PreCopy && st != State::PreCopyP2p)
        return stopCopy(s);
    m_client->precopy(guarded(this, [s, stopCopy](const QString &e, quint64 initial, quint64 dirty) mutable {
        s.precopy = e.isEmpty();
        s.initialBytes = initial;
        s.dirtyBytes = dirty;
        stopCopy(s);
    }));
}

void DeviceMigrationPanel::addSample(const PrecopySample &s)
{
    m_samples.append(s);
    if (m_samples.size() > kMaxSamples)
        m_samples.removeFirst();
    // Rebuild in one go (replace() repaints once), so hours of samples stay smooth.
    QList<QPointF> initial, dirty, stop;
    double top = 1;
    for (const PrecopySample &x : std::as_const(m_samples)) {
        const double t = double(x.msecs) / 1000.0;
        if (x.precopy) {
            initial.append({t, mib(x.initialBytes)});
            dirty.append({t, mib(x.dirtyBytes)});
        }
        stop.append({t, mib(x.stopCopyBytes)});
        top = std::max({top, mib(x.initialBytes), mib(x.dirtyBytes), mib(x.stopCopyBytes)});
    }
    m_initial->replace(initial);
    m_dirty->replace(dirty);
    m_stopCopy->replace(stop);
    // When the lines coincide the legend says so, not only the pens.
    const bool same = s.precopy && s.initialBytes == s.stopCopyBytes;
    m_stopCopy->setName(same ? tr("stop-copy size (= pre-copy initial now)") : tr("stop-copy size"));
    m_x->setRange(m_samples.isEmpty() ? 0 : double(m_samples.first().msecs) / 1000.0, std::max(1.0, double(s.msecs) / 1000.0));
    m_x->applyNiceNumbers(); // 0, 0.5, 1 s rather than 0.02, 0.27, 0.51
    m_y->setRange(0, top * 1.1);
    m_y->applyNiceNumbers();
    Q_EMIT sampled();
}

} // namespace devtopo::devmig
