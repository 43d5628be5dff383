#include "devicemigrationpanel.h"

#include "migrationstatediagram.h"

#include <QChart>
#include <QChartView>
#include <QComboBox>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineSeries>
#include <QPushButton>
#include <QValueAxis>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;
using devtopo::vfiomig::State;

namespace devtopo::devmig {

namespace {

constexpr int kMaxSamples = 4 * 3600 * 2; // two hours at 4 Hz; older samples scroll out

double mib(quint64 bytes)
{
    return double(bytes) / (1024.0 * 1024.0);
}

} // namespace

DeviceMigrationPanel::DeviceMigrationPanel(DeviceMigrationClient *client, QWidget *parent)
    : QWidget(parent), m_client(client)
{
    auto *layout = new QVBoxLayout(this);
    m_title = new QLabel(this);
    m_title->setTextFormat(Qt::PlainText);
    layout->addWidget(m_title);
    m_diagram = new MigrationStateDiagram(this);
    layout->addWidget(m_diagram, 2);

    auto *moveRow = new QHBoxLayout;
    moveRow->addWidget(new QLabel(tr("Move to"), this));
    m_target = new QComboBox(this);
    moveRow->addWidget(m_target);
    m_move = new QPushButton(tr("Move"), this);
    moveRow->addWidget(m_move);
    m_path = new QLabel(this);
    m_path->setWordWrap(true);
    moveRow->addWidget(m_path, 1);
    layout->addLayout(moveRow);

    m_initial = new QLineSeries(this);
    m_initial->setName(tr("pre-copy initial bytes (MiB)"));
    m_dirty = new QLineSeries(this);
    m_dirty->setName(tr("pre-copy dirty bytes (MiB)"));
    m_stopCopy = new QLineSeries(this);
    m_stopCopy->setName(tr("stop-copy size (MiB)"));
    m_chart = new QChart;
    m_chart->setTitle(tr("Device state to transfer"));
    for (QLineSeries *s : {m_initial, m_dirty, m_stopCopy})
        m_chart->addSeries(s);
    m_x = new QValueAxis(this);
    m_x->setTitleText(tr("seconds"));
    m_y = new QValueAxis(this);
    m_y->setTitleText(tr("MiB"));
    m_chart->addAxis(m_x, Qt::AlignBottom);
    m_chart->addAxis(m_y, Qt::AlignLeft);
    for (QLineSeries *s : {m_initial, m_dirty, m_stopCopy}) {
        s->attachAxis(m_x);
        s->attachAxis(m_y);
    }
    m_chartView = new QChartView(m_chart, this);
    m_chartView->setRenderHint(QPainter::Antialiasing);
    m_chartView->setMinimumHeight(200);
    layout->addWidget(m_chartView, 2);

    auto *fileRow = new QHBoxLayout;
    auto *save = new QPushButton(tr("Save state…"), this);
    auto *load = new QPushButton(tr("Load state…"), this);
    auto *reset = new QPushButton(tr("Reset device"), this);
    fileRow->addWidget(save);
    fileRow->addWidget(load);
    fileRow->addWidget(reset);
    fileRow->addStretch();
    layout->addLayout(fileRow);
    m_message = new QLabel(this);
    m_message->setWordWrap(true);
    m_message->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(m_message);

    connect(m_target, &QComboBox::currentTextChanged, this, &DeviceMigrationPanel::planFor);
    connect(m_move, &QPushButton::clicked, this, [this] { moveTo(m_target->currentText()); });
    connect(save, &QPushButton::clicked, this, [this] {
        const QString path = QFileDialog::getSaveFileName(this, tr("Save device state"), {}, tr("Device state (*.dtstate)"));
        if (!path.isEmpty())
            saveTo(path);
    });
    connect(load, &QPushButton::clicked, this, [this] {
        const QString path = QFileDialog::getOpenFileName(this, tr("Load device state"), {}, tr("Device state (*.dtstate)"));
        if (!path.isEmpty())
            loadFrom(path);
    });
    connect(reset, &QPushButton::clicked, this, [this] {
        const QString e = m_client->reset();
        say(e.isEmpty() ? tr("Device reset: it is RUNNING again.") : e, !e.isEmpty());
        refresh();
    });
    connect(m_client, &DeviceMigrationClient::progress, this, [this](const QString &, int done, int total, const QString &text) {
        m_message->setText(u"%1/%2 %3"_s.arg(done).arg(total).arg(text));
    });
    m_poll.setInterval(500);
    connect(&m_poll, &QTimer::timeout, this, &DeviceMigrationPanel::pollOnce);
    m_clock.start();
    refresh();
    m_poll.start();
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

void DeviceMigrationPanel::refresh()
{
    DeviceMigrationStatus st;
    if (const QString e = m_client->status(&st); !e.isEmpty()) {
        say(e, true);
        return;
    }
    m_status = st;
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
    m_move->setEnabled(st.flags != 0);
    planFor(m_target->currentText());
    pollOnce();
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

bool DeviceMigrationPanel::moveTo(const QString &target)
{
    QStringList changes;
    const QString e = m_client->setState(target, &changes);
    say(e.isEmpty() ? tr("Walked %1").arg(changes.join(u"; "_s)) : e, !e.isEmpty());
    refresh();
    return e.isEmpty();
}

bool DeviceMigrationPanel::saveTo(const QString &path)
{
    quint64 bytes = 0;
    QString sha;
    const QString e = m_client->saveTo(path, &bytes, &sha);
    say(e.isEmpty() ? tr("Saved %1 bytes of device state to %2 (SHA-256 %3)").arg(bytes).arg(path, sha) : e, !e.isEmpty());
    refresh();
    return e.isEmpty();
}

bool DeviceMigrationPanel::loadFrom(const QString &path)
{
    quint64 bytes = 0;
    const QString e = m_client->loadFrom(path, &bytes);
    say(e.isEmpty() ? tr("Loaded %1 bytes into the device; move it to STOP or RUNNING to apply them").arg(bytes) : e, !e.isEmpty());
    refresh();
    return e.isEmpty();
}

void DeviceMigrationPanel::pollOnce()
{
    if (!m_status.flags)
        return;
    PrecopySample s;
    s.msecs = m_clock.elapsed();
    const State st = State(m_status.state);
    if (st == State::PreCopy || st == State::PreCopyP2p)
        s.precopy = m_client->precopy(&s.initialBytes, &s.dirtyBytes).isEmpty();
    m_client->stopCopySize(&s.stopCopyBytes);
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
    m_x->setRange(m_samples.isEmpty() ? 0 : double(m_samples.first().msecs) / 1000.0, std::max(1.0, double(s.msecs) / 1000.0));
    m_y->setRange(0, top * 1.1);
}

} // namespace devtopo::devmig
