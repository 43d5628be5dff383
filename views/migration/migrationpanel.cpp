#include "migrationpanel.h"

#include "migrationcharts.h"
#include "migrationcontrol.h"
#include "migrationcsv.h"
#include "migrationsampler.h"
#include "migrationsamplemodel.h"
#include "migrationviewslogging.h"
#include "qmpclient.h"
#include "qmpdiscovery.h"
#include "simvm.h"

#include <QChartView>
#include <QComboBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QPushButton>
#include <QSpinBox>
#include <QTabWidget>
#include <QTableView>
#include <QTemporaryDir>
#include <QToolButton>
#include <QVBoxLayout>
#include <QXYSeries>

namespace devtopo::migration {

namespace {

constexpr qint64 MiB = 1024 * 1024;

QString verdictStyle(VerdictKind kind)
{
    QString bg, fg = QStringLiteral("#1b1b1b");
    switch (kind) {
    case VerdictKind::Converging:
    case VerdictKind::Completed: bg = QStringLiteral("#d8f0d2"); break;
    case VerdictKind::Borderline:
    case VerdictKind::FirstPass:
    case VerdictKind::Setup: bg = QStringLiteral("#fff1c2"); break;
    case VerdictKind::NotConverging:
    case VerdictKind::Failed: bg = QStringLiteral("#f9d0cd"); break;
    case VerdictKind::Cancelled:
    case VerdictKind::Idle: bg = QStringLiteral("#e6e6e6"); break;
    }
    return QStringLiteral("QLabel { background: %1; color: %2; border-radius: 4px; padding: 8px; font-size: 15pt; font-weight: 600; }").arg(bg, fg);
}

} // namespace

MigrationPanel::MigrationPanel(QWidget *parent)
    : QWidget(parent)
{
    m_client = new qmp::QmpClient(this);
    m_sampler = new qmp::MigrationSampler(m_client, this);
    m_sampler->setKeepRawReplies(true);
    m_model = new MigrationSampleModel(this);
    m_model->setRecording(&m_sampler->recording());
    buildUi();

    m_redrawTimer.setInterval(200);
    m_redrawTimer.setSingleShot(true);
    connect(&m_redrawTimer, &QTimer::timeout, this, &MigrationPanel::refreshNow);

    connect(m_client, &qmp::QmpClient::ready, this, &MigrationPanel::onReady);
    connect(m_client, &qmp::QmpClient::failed, this, [this](const QString &e) {
        m_vmLabel->setText(tr("Not connected."));
        showError(e);
        updateButtons();
        Q_EMIT connectedChanged(false);
    });
    connect(m_client, &qmp::QmpClient::disconnected, this, [this](const QString &e) {
        m_vmLabel->setText(tr("Not connected: QEMU went away."));
        showError(e);
        updateButtons();
        Q_EMIT connectedChanged(false);
    });
    connect(m_sampler, &qmp::MigrationSampler::recordingReset, this, [this] {
        m_model->reset();
        m_charts->clear();
        scheduleRedraw();
    });
    connect(m_sampler, &qmp::MigrationSampler::sampleAdded, this, [this] {
        m_model->samplesAppended();
        scheduleRedraw();
    });
    connect(m_sampler, &qmp::MigrationSampler::eventAdded, this, [this] { scheduleRedraw(); });
    connect(m_sampler, &qmp::MigrationSampler::verdictChanged, this, [this] { updateVerdict(); });
    connect(m_sampler, &qmp::MigrationSampler::dirtyRateChanged, this, [this](const DirtyRateResult &r) {
        m_measure->setText(r.measured() ? tr("Measure dirty rate") : tr("Measuring…"));
        m_measure->setEnabled(r.measured());
        scheduleRedraw();
    });
    connect(m_sampler, &qmp::MigrationSampler::parametersChanged, this, [this](const MigrationParameters &p) {
        if (p.maxBandwidth >= 0 && !m_bandwidth->hasFocus())
            m_bandwidth->setValue(int(std::min<qint64>(p.maxBandwidth / MiB, m_bandwidth->maximum())));
        if (p.downtimeLimitMs >= 0 && !m_downtime->hasFocus())
            m_downtime->setValue(int(std::min<qint64>(p.downtimeLimitMs, m_downtime->maximum())));
    });
    connect(m_sampler, &qmp::MigrationSampler::finished, this, [this](const Verdict &v) {
        refreshNow();
        updateButtons();
        // The source's run state changed (postmigrate after completion).
        qmp::queryVmInfo(m_client, this, [this](const qmp::VmInfo &info, const QString &) {
            m_vmInfo.status = info.status;
            m_vmInfo.running = info.running;
            updateVmLabel();
        });
        Q_EMIT migrationFinished(v.text);
    });
    connect(m_sampler, &qmp::MigrationSampler::failed, this, &MigrationPanel::showError);
    updateVerdict();
    updateButtons();
}

MigrationPanel::~MigrationPanel()
{
    // The client goes before the simulated VM it talks to.
    delete m_sampler;
    m_sampler = nullptr;
    delete m_client;
    m_client = nullptr;
}

void MigrationPanel::buildUi()
{
    auto *top = new QVBoxLayout(this);

    auto *connectRow = new QHBoxLayout;
    connectRow->addWidget(new QLabel(tr("QMP socket:"), this));
    m_socket = new QComboBox(this);
    m_socket->setEditable(true);
    m_socket->setObjectName(QStringLiteral("socket"));
    m_socket->setMinimumWidth(320);
    m_socket->lineEdit()->setPlaceholderText(tr("/var/lib/libvirt/qemu/domain-1-vm/monitor.sock"));
    connectRow->addWidget(m_socket, 1);
    m_find = new QPushButton(tr("Find"), this);
    m_find->setToolTip(tr("Look for QMP sockets in QEMU's and libvirt's usual run directories"));
    connectRow->addWidget(m_find);
    m_connect = new QPushButton(tr("Connect"), this);
    connectRow->addWidget(m_connect);
    m_demo = new QToolButton(this);
    m_demo->setText(tr("Demo VM"));
    m_demo->setPopupMode(QToolButton::InstantPopup);
    auto *demoMenu = new QMenu(m_demo);
    demoMenu->addAction(tr("Converging migration"), this, [this] { startDemo(QStringLiteral("converging")); });
    demoMenu->addAction(tr("Non-converging migration"), this, [this] { startDemo(QStringLiteral("non-converging")); });
    m_demo->setMenu(demoMenu);
    connectRow->addWidget(m_demo);
    top->addLayout(connectRow);

    m_vmLabel = new QLabel(this);
    m_vmLabel->setObjectName(QStringLiteral("vmLabel"));
    m_vmLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_vmLabel->setWordWrap(true);
    top->addWidget(m_vmLabel);

    auto *controls = new QHBoxLayout;
    m_uri = new QLineEdit(this);
    m_uri->setPlaceholderText(tr("tcp:destination:4444"));
    m_uri->setObjectName(QStringLiteral("uri"));
    controls->addWidget(new QLabel(tr("To:"), this));
    controls->addWidget(m_uri, 1);
    m_start = new QPushButton(tr("Start"), this);
    m_cancel = new QPushButton(tr("Cancel"), this);
    m_uri->setMinimumWidth(220);
    controls->addWidget(m_start);
    controls->addWidget(m_cancel);
    top->addLayout(controls);
    // Tuning on a row of its own: the URI keeps its room in a narrow window.
    controls = new QHBoxLayout;
    controls->addWidget(new QLabel(tr("Max bandwidth:"), this));
    m_bandwidth = new QSpinBox(this);
    m_bandwidth->setRange(1, 1000000);
    m_bandwidth->setSuffix(tr(" MiB/s"));
    m_bandwidth->setValue(128);
    controls->addWidget(m_bandwidth);
    m_setBandwidth = new QPushButton(tr("Set"), this);
    controls->addWidget(m_setBandwidth);
    controls->addWidget(new QLabel(tr("Downtime limit:"), this));
    m_downtime = new QSpinBox(this);
    m_downtime->setRange(1, 2000000);
    m_downtime->setSuffix(tr(" ms"));
    m_downtime->setValue(300);
    controls->addWidget(m_downtime);
    m_setDowntime = new QPushButton(tr("Set"), this);
    controls->addWidget(m_setDowntime);
    controls->addSpacing(12);
    controls->addStretch(1);
    m_measure = new QPushButton(tr("Measure dirty rate"), this);
    m_measure->setToolTip(tr("calc-dirty-rate (page sampling, 1 s): the guest's true dirty rate, which "
                             "QEMU's per-pass figure cannot exceed the link's speed to show"));
    controls->addWidget(m_measure);
    m_exportCsv = new QPushButton(tr("CSV…"), this);
    m_exportPng = new QPushButton(tr("PNG…"), this);
    controls->addWidget(m_exportCsv);
    controls->addWidget(m_exportPng);
    top->addLayout(controls);

    m_verdict = new QLabel(this);
    m_verdict->setObjectName(QStringLiteral("verdict"));
    m_verdict->setWordWrap(true);
    m_verdict->setMinimumHeight(56);
    top->addWidget(m_verdict);
    m_error = new QLabel(this);
    m_error->setObjectName(QStringLiteral("error"));
    m_error->setWordWrap(true);
    m_error->setStyleSheet(QStringLiteral("QLabel { color: #b00020; }"));
    m_error->hide();
    top->addWidget(m_error);

    auto *tabs = new QTabWidget(this);
    m_charts = new MigrationCharts(tabs);
    tabs->addTab(m_charts, tr("Charts"));
    m_table = new QTableView(tabs);
    m_table->setModel(m_model);
    m_table->verticalHeader()->hide();
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    tabs->addTab(m_table, tr("Samples"));
    top->addWidget(tabs, 1);

    connect(m_connect, &QPushButton::clicked, this, [this] {
        if (isConnected())
            disconnectFromVm();
        else
            connectTo(m_socket->currentData().toString().isEmpty() ? m_socket->currentText().trimmed()
                                                                    : m_socket->currentData().toString());
    });
    connect(m_find, &QPushButton::clicked, this, &MigrationPanel::findSockets);
    connect(m_start, &QPushButton::clicked, this, [this] { startMigration(m_uri->text().trimmed()); });
    connect(m_cancel, &QPushButton::clicked, this, &MigrationPanel::cancelMigration);
    connect(m_setBandwidth, &QPushButton::clicked, this, [this] { setMaxBandwidth(qint64(m_bandwidth->value()) * MiB); });
    connect(m_setDowntime, &QPushButton::clicked, this, [this] { setDowntimeLimit(m_downtime->value()); });
    connect(m_measure, &QPushButton::clicked, this, &MigrationPanel::measureDirtyRate);
    connect(m_exportCsv, &QPushButton::clicked, this, [this] {
        const QString path = QFileDialog::getSaveFileName(this, tr("Export samples"), QStringLiteral("migration.csv"), tr("CSV (*.csv)"));
        QString error;
        if (!path.isEmpty() && !exportCsv(path, &error))
            showError(error);
    });
    connect(m_exportPng, &QPushButton::clicked, this, [this] {
        const QString path = QFileDialog::getSaveFileName(this, tr("Export charts"), QStringLiteral("migration.png"), tr("PNG (*.png)"));
        QString error;
        if (!path.isEmpty() && !exportPng(path, &error))
            showError(error);
    });
}

bool MigrationPanel::isConnected() const
{
    return m_client && m_client->isReady();
}

const MigrationRecording &MigrationPanel::recording() const
{
    return m_sampler->recording();
}

const QList<QJsonObject> &MigrationPanel::rawReplies() const
{
    return m_sampler->rawReplies();
}

QXYSeries *MigrationPanel::series(ChartSeries s) const
{
    return m_charts->series(s);
}

const MigrationChartData &MigrationPanel::chartData() const
{
    return m_charts->data();
}

QString MigrationPanel::verdictText() const
{
    return m_verdict->text();
}

QString MigrationPanel::errorText() const
{
    return m_error->isVisible() || !m_error->text().isEmpty() ? m_error->text() : QString();
}

void MigrationPanel::setSampleInterval(int ms)
{
    m_sampler->setInterval(ms);
}

void MigrationPanel::connectTo(const QString &socketPath)
{
    m_sampler->stop();
    m_error->clear();
    m_error->hide();
    m_vmInfo = {};
    if (m_socket->currentText() != socketPath)
        m_socket->setEditText(socketPath);
    m_vmLabel->setText(tr("Connecting to %1…").arg(socketPath));
    m_client->connectToSocket(socketPath);
    updateButtons();
}

void MigrationPanel::disconnectFromVm()
{
    m_sampler->stop();
    m_client->disconnectFromSocket();
    m_vmLabel->setText(tr("Not connected."));
    updateButtons();
    Q_EMIT connectedChanged(false);
}

bool MigrationPanel::startDemo(const QString &scenario, double timeScale, QString *errorOut)
{
    QString error;
    auto s = simvm::SimVmScenario::load(scenario, &error);
    if (s) {
        disconnectFromVm();
        m_demoVm.reset();
        m_demoDir = std::make_unique<QTemporaryDir>();
        m_demoVm = std::make_unique<simvm::SimVm>(*s);
        m_demoVm->setTimeScale(timeScale);
        if (m_demoVm->listen(m_demoDir->filePath(QStringLiteral("demo-") + s->name + QStringLiteral(".qmp")), &error)) {
            m_pendingDemoUri = QStringLiteral("tcp:demo-destination:4444");
            m_uri->setText(m_pendingDemoUri);
            connectTo(m_demoVm->socketPath());
            return true;
        }
        m_demoVm.reset();
    }
    showError(error);
    if (errorOut)
        *errorOut = error;
    return false;
}

void MigrationPanel::findSockets()
{
    if (!m_discovery) {
        m_discovery = new qmp::QmpDiscovery(this);
        connect(m_discovery, &qmp::QmpDiscovery::finished, this, [this](const QList<qmp::QmpCandidate> &found) {
            m_find->setEnabled(true);
            const QString typed = m_socket->currentText();
            m_socket->clear();
            int reachable = 0;
            // Reachable sockets first: they are the ones a click can use.
            for (int pass = 0; pass < 2; ++pass)
                for (const qmp::QmpCandidate &c : found) {
                    if (c.reachable != (pass == 0))
                        continue;
                    reachable += c.reachable ? 1 : 0;
                    m_socket->addItem(c.path % QStringLiteral(" — ") % (c.reachable ? c.detail : tr("not reachable: ") + c.detail), c.path);
                }
            if (found.isEmpty())
                m_vmLabel->setText(tr("No QMP sockets found in QEMU's and libvirt's usual directories; type a path."));
            else
                m_vmLabel->setText((found.size() == 1 ? tr("1 QMP socket found, %1 reachable.")
                                                      : tr("%1 QMP sockets found, %2 reachable.").arg(found.size()))
                                       .arg(reachable));
            if (found.isEmpty())
                m_socket->setEditText(typed);
            Q_EMIT socketsFound(reachable);
        });
    }
    m_find->setEnabled(false);
    m_discovery->start();
}

void MigrationPanel::onReady()
{
    m_sampler->start();
    qmp::queryVmInfo(m_client, this, [this](const qmp::VmInfo &info, const QString &error) {
        m_vmInfo = info;
        if (!error.isEmpty())
            showError(error);
        if (info.hasParameters) {
            m_bandwidth->setValue(int(std::min<qint64>(info.parameters.maxBandwidth / MiB, m_bandwidth->maximum())));
            m_downtime->setValue(int(std::min<qint64>(info.parameters.downtimeLimitMs, m_downtime->maximum())));
        }
        updateVmLabel();
        m_charts->setVfioNote(info.vfioDevices.isEmpty() ? tr("This VM has no VFIO devices: QEMU reports no VFIO migration data.")
                                                         : tr("VFIO devices: %n, no state change yet.", nullptr, int(info.vfioDevices.size())));
        Q_EMIT vmInfoChanged();
        if (!m_pendingDemoUri.isEmpty()) {
            const QString uri = std::exchange(m_pendingDemoUri, QString());
            startMigration(uri);
        }
    });
    updateButtons();
    Q_EMIT connectedChanged(true);
}

void MigrationPanel::updateVmLabel()
{
    QString text = tr("VM <b>%1</b> · %2 · QEMU %3")
                       .arg((m_vmInfo.name.isEmpty() ? tr("(unnamed)") : m_vmInfo.name).toHtmlEscaped(),
                            m_vmInfo.status.toHtmlEscaped(), m_client->greeting().versionString().toHtmlEscaped());
    if (m_vmInfo.vfioDevices.isEmpty()) {
        text += tr(" · no VFIO devices");
    } else {
        QStringList devs;
        for (const VfioDevice &d : m_vmInfo.vfioDevices) {
            QString s = d.id % QStringLiteral(" (host ") % d.host % QStringLiteral(" → guest ") % d.guestAddress % QStringLiteral(")");
            const QString state = recording().vfioStates().value(d.id);
            if (!state.isEmpty())
                s += QStringLiteral(" ") % state;
            devs.append(s.toHtmlEscaped());
        }
        text += tr(" · VFIO: %1").arg(devs.join(QStringLiteral(", ")));
    }
    m_vmLabel->setText(text);
}

void MigrationPanel::showError(const QString &error)
{
    m_error->setText(error);
    m_error->show();
    Q_EMIT errorOccurred(error);
}

void MigrationPanel::updateVerdict()
{
    const Verdict &v = recording().verdict();
    const QString status = migrationStatusName(recording().currentStatus());
    m_verdict->setText(v.text);
    m_verdict->setToolTip(tr("Migration status: %1").arg(status));
    m_verdict->setStyleSheet(verdictStyle(v.kind));
    updateButtons();
    Q_EMIT verdictChanged(v.text);
}

void MigrationPanel::updateButtons()
{
    const bool ready = isConnected();
    const bool running = isRunningStatus(recording().currentStatus());
    m_connect->setText(ready ? tr("Disconnect") : tr("Connect"));
    m_start->setEnabled(ready && !running);
    m_cancel->setEnabled(ready && running);
    m_setBandwidth->setEnabled(ready);
    m_setDowntime->setEnabled(ready);
    m_measure->setEnabled(ready && m_measure->text() != tr("Measuring…"));
}

void MigrationPanel::startMigration(const QString &uri)
{
    qmp::startMigration(m_client, this, uri, [this](const qmp::QmpReply &r) {
        if (!r.ok)
            showError(r.errorText());
        else
            m_error->hide();
    });
}

void MigrationPanel::cancelMigration()
{
    qmp::cancelMigration(m_client, this, [this](const qmp::QmpReply &r) {
        if (!r.ok)
            showError(r.errorText());
    });
}

void MigrationPanel::setMaxBandwidth(qint64 bytesPerSecond)
{
    qmp::setMigrationParameters(m_client, this, bytesPerSecond, -1, [this](const qmp::QmpReply &r) {
        if (!r.ok)
            showError(r.errorText());
        m_sampler->refreshParameters();
    });
}

void MigrationPanel::setDowntimeLimit(qint64 ms)
{
    qmp::setMigrationParameters(m_client, this, -1, ms, [this](const qmp::QmpReply &r) {
        if (!r.ok)
            showError(r.errorText());
        m_sampler->refreshParameters();
    });
}

void MigrationPanel::measureDirtyRate()
{
    m_sampler->measureDirtyRate(1);
}

bool MigrationPanel::exportCsv(const QString &path, QString *error) const
{
    return writeMigrationCsv(recording(), path, error);
}

bool MigrationPanel::exportPng(const QString &path, QString *error)
{
    refreshNow();
    const QPixmap pixmap = grab();
    if (!pixmap.save(path, "PNG")) {
        *error = tr("cannot write %1").arg(path);
        return false;
    }
    return true;
}

void MigrationPanel::scheduleRedraw()
{
    if (!m_redrawTimer.isActive())
        m_redrawTimer.start();
}

void MigrationPanel::refreshNow()
{
    m_redrawTimer.stop();
    m_charts->refresh(recording());
    if (!m_vmInfo.vfioDevices.isEmpty())
        updateVmLabel();
}

} // namespace devtopo::migration
