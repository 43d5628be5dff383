#include "mainwindow.h"

#include "actionlogpanel.h"
#include "applogging.h"
#include "capture.h"
#include "devicemigrationdock.h"
#include "migrationpanel.h"
#include "dmapanel.h"
#include "vftokenpanel.h"
#include "devicedetailsview.h"
#include "devicetreepanel.h"
#include "grouppanel.h"
#include "iommuunitspanel.h"
#include "iovamappanel.h"
#include "models/detailsmodel.h"
#include "p2pheatmappanel.h"
#include "scanworker.h"
#include "snapshot.h"
#include "sriovpanel.h"
#include "topologyview.h"

#include <QApplication>
#include <QCloseEvent>
#include <QDir>
#include <QDockWidget>
#include <QFileDialog>
#include <QFileInfo>
#include <QFutureWatcher>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QProgressBar>
#include <QSettings>
#include <QStatusBar>
#include <QTabWidget>
#include <QToolButton>
#include <QtConcurrent/QtConcurrentRun>

// Q_INIT_RESOURCE must run at global scope; the .qrc lives in a static library, whose
// registration the linker would otherwise drop.
static void initResources()
{
    Q_INIT_RESOURCE(devtopo);
}

namespace devtopo::gui {

namespace {
const auto GeometryKey = QStringLiteral("mainwindow/geometry");
const auto StateKey = QStringLiteral("mainwindow/state");
const auto LastDirKey = QStringLiteral("mainwindow/lastDirectory");
// Bump when the dock layout changes so an old saved state does not hide new docks.
constexpr int StateVersion = 3; // 2: Actions log, DMA and VF token docks; 3: Device migration dock
} // namespace

MainWindow::MainWindow(QWidget *parent)
    : QMainWindow(parent)
{
    initResources();
    setWindowIcon(QIcon(QStringLiteral(":/icons/devtopo.svg")));
    setObjectName(QStringLiteral("devtopoMainWindow"));
    m_worker = new ScanWorker(this);
    connect(m_worker, &ScanWorker::progress, this, [this](int done, int total, const QString &stage) {
        m_progress->setRange(0, std::max(total, 0));
        m_progress->setValue(std::min(done, std::max(total, 0)));
        m_progressLabel->setText(stage);
    });
    connect(m_worker, &ScanWorker::finished, this, [this](const Topology &topology) {
        setScanning(false);
        m_path = m_pendingPath;
        m_label = m_pendingLabel;
        applyTopology(topology);
        if (m_keepSelection) {
            // A rescan after a change: stay where the user was.
            m_keepSelection = false;
            if (m_keepFunction && m_topology.function(*m_keepFunction))
                selectFunction(*m_keepFunction);
            else if (m_keepGroup >= 0 && m_topology.group(m_keepGroup))
                selectGroup(m_keepGroup);
        }
        Q_EMIT topologyLoaded();
        if (m_rescanAgain) {
            m_rescanAgain = false;
            rescanKeepingSelection();
        }
    });
    connect(m_worker, &ScanWorker::failed, this, [this](const QString &error) {
        setScanning(false);
        qCWarning(lcApp) << "scan of" << m_pendingPath << "failed:" << error;
        statusBar()->showMessage(tr("Could not open %1: %2").arg(m_pendingPath, error), 15000);
        Q_EMIT scanFailed(error);
    });

    createPanels();
    createControl();
    createDeviceMigration();
    createDocks();
    createMenus();
    createStatusBar();
    resize(1440, 900);
    restoreSettings();
    updateTitle();
}

MainWindow::~MainWindow() = default;

void MainWindow::createPanels()
{
    m_tree = new views::DeviceTreePanel(this);
    // The centre holds the tree and the drawing as tabs; the drawing follows the same selection.
    auto *centre = new QTabWidget(this);
    centre->setObjectName(QStringLiteral("centralTabs"));
    centre->setDocumentMode(true);
    centre->addTab(m_tree, tr("Devices"));
    auto *drawing = new views::TopologyView(this);
    centre->addTab(drawing, tr("Topology"));
    // VM live migration is about a VM, not the PCI tree: its charts get the whole centre.
    m_vmMigration = new migration::MigrationPanel(this);
    m_vmMigration->setObjectName(QStringLiteral("vmMigrationPanel"));
    centre->addTab(m_vmMigration, tr("VM migration"));
    m_centre = centre;
    setCentralWidget(centre);
    m_groups = new views::GroupPanel(this);
    m_details = new views::DeviceDetailsView(this);
    m_details->setObjectName(QStringLiteral("detailsView"));
    m_sriov = new views::SriovPanel(this);
    m_units = new views::IommuUnitsPanel(this);

    connect(m_tree, &views::DeviceTreePanel::functionSelected, this, &MainWindow::showFunction);
    connect(m_tree, &views::DeviceTreePanel::hostBridgeSelected, this, [this] {
        m_details->clear();
        m_tree->highlightGroup(-1);
    });
    connect(m_groups, &views::GroupPanel::groupSelected, this, &MainWindow::selectGroup);
    connect(m_groups, &views::GroupPanel::functionActivated, this, &MainWindow::selectFunction);
    connect(m_details, &views::DeviceDetailsView::functionActivated, this, &MainWindow::selectFunction);
    connect(m_details, &views::DeviceDetailsView::groupActivated, this, &MainWindow::selectGroup);
    connect(m_sriov, &views::SriovPanel::functionSelected, this, &MainWindow::selectFunction);
    connect(m_units, &views::IommuUnitsPanel::functionActivated, this, &MainWindow::selectFunction);
    connect(drawing, &views::TopologyView::functionSelected, this, &MainWindow::selectFunction);
    // A group explanation's culprit (the port without ACS, the PCIe-to-PCI bridge) is shown where
    // it sits: highlighted in the drawing, which comes to the front.
    auto showPort = [this, centre, drawing](const PciAddress &port) {
        drawing->highlightPort(port);
        centre->setCurrentWidget(drawing);
    };
    connect(m_details, &views::DeviceDetailsView::portHighlightRequested, this, showPort);
    connect(m_groups, &views::GroupPanel::functionActivated, this, [this, showPort](const PciAddress &a) {
        // The selection has already moved to the culprit's own group; any group blaming it counts.
        for (const IommuGroup &g : std::as_const(m_topology.groups))
            for (const GroupReason &r : g.reasons)
                if (r.culprit == a)
                    return showPort(a);
    });
}

void MainWindow::showVmMigration()
{
    m_centre->setCurrentWidget(m_vmMigration);
}

views::IovaMapPanel *MainWindow::iovaPanel() const
{
    return m_groups->iovaPanel();
}

void MainWindow::createDocks()
{
    setDockOptions(QMainWindow::AnimatedDocks | QMainWindow::AllowTabbedDocks | QMainWindow::AllowNestedDocks);
    auto dock = [this](const QString &name, const QString &title, QWidget *w, Qt::DockWidgetArea area) {
        auto *d = new QDockWidget(title, this);
        d->setObjectName(name); // saveState() keys on it
        d->setWidget(w);
        addDockWidget(area, d);
        m_docks << d;
        return d;
    };
    QDockWidget *details = dock(QStringLiteral("detailsDock"), tr("Details"), m_details, Qt::RightDockWidgetArea);
    QDockWidget *sriov = dock(QStringLiteral("sriovDock"), tr("SR-IOV"), m_sriov, Qt::RightDockWidgetArea);
    QDockWidget *units = dock(QStringLiteral("iommuUnitsDock"), tr("IOMMU units"), m_units, Qt::RightDockWidgetArea);
    QDockWidget *groups = dock(QStringLiteral("groupsDock"), tr("IOMMU groups"), m_groups, Qt::BottomDockWidgetArea);
    // The group panel's IOVA map gets a dock of its own: it is wide by nature.
    QDockWidget *iova = dock(QStringLiteral("iovaDock"), tr("IOVA map"), m_groups->iovaPanel(), Qt::BottomDockWidgetArea);
    tabifyDockWidget(details, sriov);
    tabifyDockWidget(sriov, units);
    details->raise();
    splitDockWidget(groups, iova, Qt::Horizontal);
    // The P2P heat map shares the IOVA map's place; it gets every topology that loads.
    auto *p2p = new views::P2pHeatMapPanel(this);
    auto *p2pDock = new QDockWidget(tr("P2P"), this);
    p2pDock->setObjectName(QStringLiteral("p2pDock"));
    p2pDock->setWidget(p2p);
    addDockWidget(Qt::BottomDockWidgetArea, p2pDock);
    tabifyDockWidget(iova, p2pDock);
    m_docks << p2pDock; // View menu, saved layout
    iova->raise();
    connect(this, &MainWindow::topologyLoaded, p2p, [this, p2p] { p2p->setTopology(m_topology); });
    connect(p2p, &views::P2pHeatMapPanel::functionActivated, this, &MainWindow::selectFunction);
    // Control: the actions log beside the groups, DMA and VF token with the details.
    QDockWidget *log = dock(QStringLiteral("actionLogDock"), tr("Actions log"), m_logPanel, Qt::BottomDockWidgetArea);
    tabifyDockWidget(groups, log);
    groups->raise();
    QDockWidget *dmaDock = dock(QStringLiteral("dmaDock"), tr("DMA"), m_dma, Qt::RightDockWidgetArea);
    QDockWidget *tokenDock = dock(QStringLiteral("vfTokenDock"), tr("VF token"), m_vfToken, Qt::RightDockWidgetArea);
    tabifyDockWidget(units, dmaDock);
    tabifyDockWidget(dmaDock, tokenDock);
    // Device migration needs room for its diagram and chart: with the IOVA map and P2P.
    QDockWidget *devMigDock = dock(QStringLiteral("deviceMigrationDock"), tr("Device migration"), m_devMig, Qt::BottomDockWidgetArea);
    tabifyDockWidget(p2pDock, devMigDock);
    iova->raise();
    details->raise();
    resizeDocks({details}, {430}, Qt::Horizontal);
    resizeDocks({groups, iova}, {700, 700}, Qt::Horizontal);
    resizeDocks({groups}, {360}, Qt::Vertical);
}

void MainWindow::createMenus()
{
    QMenu *file = menuBar()->addMenu(tr("&File"));
    QAction *openRoot = file->addAction(tr("Open &root directory…"), this, &MainWindow::openRootDialog);
    openRoot->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_O));
    openRoot->setToolTip(tr("A directory laid out like / (with sys/ inside), e.g. an unpacked capture"));
    QAction *openSnap = file->addAction(tr("&Open snapshot or capture…"), this, &MainWindow::openSnapshotDialog);
    openSnap->setShortcut(QKeySequence::Open);
    m_saveAction = file->addAction(tr("&Save snapshot…"), this, &MainWindow::saveSnapshotDialog);
    m_saveAction->setShortcut(QKeySequence::Save);
    m_saveAction->setEnabled(false);
    file->addAction(tr("&Capture host…"), this, &MainWindow::captureHostDialog);
    file->addAction(tr("&Export drawing…"), this, [this] { findChild<views::TopologyView *>()->exportDialog(); });
    file->addSeparator();
    m_rescanAction = file->addAction(tr("&Rescan"), this, &MainWindow::rescan);
    m_rescanAction->setShortcut(QKeySequence(Qt::Key_F5));
    m_rescanAction->setEnabled(false);
    file->addAction(tr("Scan &warnings…"), this, &MainWindow::showWarnings);
    file->addSeparator();
    QAction *quit = file->addAction(tr("&Quit"), this, &QWidget::close);
    quit->setShortcut(QKeySequence::Quit);

    QMenu *view = menuBar()->addMenu(tr("&View"));
    for (QDockWidget *d : std::as_const(m_docks))
        view->addAction(d->toggleViewAction());

    m_actionsMenu = menuBar()->addMenu(tr("&Actions"));
    m_actionsMenu->setObjectName(QStringLiteral("actionsMenu"));
    m_actionsMenu->setToolTipsVisible(true);
    connect(m_actionsMenu, &QMenu::aboutToShow, this, &MainWindow::updateActionsMenu);
    updateActionsMenu();

    QMenu *help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&About devtopo"), this, &MainWindow::about);
    help->addAction(tr("About &Qt"), qApp, &QApplication::aboutQt);
}

void MainWindow::createStatusBar()
{
    m_statusSummary = new QLabel(this);
    m_progressLabel = new QLabel(this);
    m_progress = new QProgressBar(this);
    m_progress->setMaximumWidth(220);
    m_progress->setTextVisible(true);
    m_cancel = new QToolButton(this);
    m_cancel->setText(tr("Cancel"));
    m_cancel->setObjectName(QStringLiteral("cancelScan"));
    connect(m_cancel, &QToolButton::clicked, this, &MainWindow::cancelScan);
    statusBar()->addWidget(m_statusSummary, 1);
    statusBar()->addPermanentWidget(m_progressLabel);
    statusBar()->addPermanentWidget(m_progress);
    statusBar()->addPermanentWidget(m_cancel);
    setScanning(false);
}

void MainWindow::restoreSettings()
{
    QSettings settings;
    restoreGeometry(settings.value(GeometryKey).toByteArray());
    restoreState(settings.value(StateKey).toByteArray(), StateVersion);
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    QSettings settings;
    settings.setValue(GeometryKey, saveGeometry());
    settings.setValue(StateKey, saveState(StateVersion));
    m_worker->cancel();
    closeMigrationDevice(); // the helper would close them when we leave; say so ourselves
    QMainWindow::closeEvent(event);
}

void MainWindow::openSource(const QString &path, const QString &label)
{
    qCInfo(lcApp) << "opening" << path;
    m_pendingPath = path;
    m_pendingLabel = label;
    setScanning(true);
    m_progressLabel->setText(tr("Opening %1…").arg(label.isEmpty() ? path : label));
    m_worker->start(path);
}

bool MainWindow::isScanning() const
{
    return m_worker->isRunning();
}

void MainWindow::rescan()
{
    if (!m_path.isEmpty())
        openSource(m_path, m_label);
}

void MainWindow::cancelScan()
{
    m_worker->cancel();
}

void MainWindow::setScanning(bool scanning)
{
    m_progress->setVisible(scanning);
    m_progressLabel->setVisible(scanning);
    m_cancel->setVisible(scanning);
    if (scanning)
        m_progress->setRange(0, 0); // busy until the first progress report
    if (m_rescanAction)
        m_rescanAction->setEnabled(!scanning && !m_path.isEmpty());
}

void MainWindow::applyTopology(const Topology &topology)
{
    m_topology = topology;
    m_topology.ensureIndexed();
    const bool first = m_groups->currentGroup() < 0 && !m_tree->currentFunction();
    m_tree->setTopology(m_topology);
    m_groups->setTopology(m_topology);
    m_details->setTopology(m_topology);
    m_sriov->setTopology(m_topology);
    m_units->setTopology(m_topology);
    findChild<views::TopologyView *>()->setTopology(m_topology);
    m_dma->setTopology(m_topology);
    m_vfToken->setTopology(m_topology);
    m_saveAction->setEnabled(true);
    m_rescanAction->setEnabled(true);

    int notViable = 0;
    for (const IommuGroup &g : std::as_const(m_topology.groups))
        if (!g.viability.viable)
            ++notViable;
    QString summary = tr("%n function(s)", nullptr, int(m_topology.functions.size())) + QStringLiteral(" · ")
        + tr("%n IOMMU group(s)", nullptr, int(m_topology.groups.size())) + QStringLiteral(" · ")
        + tr("%1 not viable for VFIO").arg(notViable);
    if (!m_topology.warnings.isEmpty())
        summary += QStringLiteral(" · ") + tr("%n scan warning(s) (File → Scan warnings)", nullptr, int(m_topology.warnings.size()));
    m_statusSummary->setText(summary);
    m_statusSummary->setToolTip(m_topology.warnings.mid(0, 30).join(QLatin1Char('\n')));
    updateTitle();
    if (first) {
        // Open on the most telling group (shared and not viable) rather than on empty panels.
        const IommuGroup *start = nullptr;
        for (const IommuGroup &g : std::as_const(m_topology.groups))
            if (!g.viability.viable && !g.reasons.isEmpty()) {
                start = &g;
                break;
            }
        if (!start && !m_topology.groups.isEmpty())
            start = &m_topology.groups.first();
        if (start)
            selectGroup(start->id);
        else if (!m_topology.functions.isEmpty())
            selectFunction(m_topology.functions.first().address); // no IOMMU: details still say something
    }
    updateDmaOverlay();
    updateActionsMenu();
    qCInfo(lcApp) << "loaded" << m_topology.functions.size() << "functions from" << m_path;
}

void MainWindow::updateTitle()
{
    QString source = m_label.isEmpty() ? m_path : m_label;
    if (!m_topology.hostname.isEmpty())
        source = m_topology.hostname + QStringLiteral(" — ") + source;
    setWindowTitle(source.isEmpty() ? QStringLiteral("devtopo") : source + QStringLiteral(" — devtopo"));
}

void MainWindow::showFunction(const PciAddress &address)
{
    const PciFunction *f = m_topology.function(address);
    if (!f)
        return;
    m_details->showFunction(address);
    const int group = f->iommuGroup.value_or(-1);
    m_groups->selectGroup(group);
    m_tree->highlightGroup(group);
    m_sriov->selectFunction(address);
    auto *drawing = findChild<views::TopologyView *>();
    drawing->selectFunction(address);
    drawing->highlightGroup(group);
    for (QDockWidget *d : std::as_const(m_docks))
        if (d->widget() == m_details)
            d->raise();
    updateMigrationNote(f);
    updateDmaOverlay();
    updateActionsMenu();
}

void MainWindow::selectFunction(const PciAddress &address)
{
    m_tree->selectFunction(address);
    showFunction(address);
}

void MainWindow::selectGroup(int groupId)
{
    m_groups->selectGroup(groupId);
    m_details->showGroup(groupId);
    m_tree->highlightGroup(groupId);
    findChild<views::TopologyView *>()->highlightGroup(groupId);
    updateDmaOverlay();
    updateActionsMenu();
}

void MainWindow::openRootDialog()
{
    QSettings settings;
    const QString dir = QFileDialog::getExistingDirectory(this, tr("Open a root directory (containing sys/)"),
                                                          settings.value(LastDirKey, QDir::homePath()).toString());
    if (dir.isEmpty())
        return;
    settings.setValue(LastDirKey, dir);
    openSource(dir);
}

void MainWindow::openSnapshotDialog()
{
    QSettings settings;
    const QString file = QFileDialog::getOpenFileName(
        this, tr("Open a snapshot or capture"), settings.value(LastDirKey, QDir::homePath()).toString(),
        tr("Snapshots and captures (*.json *.tar *.tar.gz *.tgz *.tar.xz);;All files (*)"));
    if (file.isEmpty())
        return;
    settings.setValue(LastDirKey, QFileInfo(file).absolutePath());
    openSource(file);
}

void MainWindow::saveSnapshotDialog()
{
    QSettings settings;
    QString file = QFileDialog::getSaveFileName(this, tr("Save snapshot"),
                                                settings.value(LastDirKey, QDir::homePath()).toString()
                                                    + QStringLiteral("/devtopo-snapshot.json"),
                                                tr("JSON snapshot (*.json)"));
    if (file.isEmpty())
        return;
    if (!file.endsWith(QStringLiteral(".json")))
        file += QStringLiteral(".json");
    QString error;
    if (!saveSnapshot(m_topology, file, &error)) {
        QMessageBox::warning(this, tr("Save snapshot"), tr("Could not save %1:\n%2").arg(file, error));
        return;
    }
    settings.setValue(LastDirKey, QFileInfo(file).absolutePath());
    statusBar()->showMessage(tr("Saved %1").arg(file), 8000);
}

void MainWindow::captureHostDialog()
{
    // Capture what is on screen when it came from a directory (a demo or copied root), else the
    // live host.
    const QString root = !m_path.isEmpty() && QFileInfo(m_path).isDir() ? m_path : QStringLiteral("/");
    QSettings settings;
    const QString dest = QFileDialog::getSaveFileName(
        this, tr("Capture %1 to a tarball or a new directory").arg(root),
        settings.value(LastDirKey, QDir::homePath()).toString() + QStringLiteral("/devtopo-capture.tar.gz"),
        tr("Tarball (*.tar.gz *.tgz *.tar.xz *.tar);;Directory (*)"), nullptr, QFileDialog::DontConfirmOverwrite);
    if (dest.isEmpty())
        return;
    if (QFileInfo::exists(dest) && !(QFileInfo(dest).isDir() && QDir(dest).isEmpty())) {
        QMessageBox::warning(this, tr("Capture host"), tr("%1 exists; choose a new name so nothing is overwritten.").arg(dest));
        return;
    }
    statusBar()->showMessage(tr("Capturing %1 to %2…").arg(root, dest));
    QtConcurrent::run([root, dest] { return captureHost(root, dest); })
        .then(this, [this, dest](const CaptureResult &r) {
            if (r.ok)
                statusBar()->showMessage(tr("Captured %1 files and %2 links to %3").arg(r.files).arg(r.links).arg(dest), 15000);
            else
                QMessageBox::warning(this, tr("Capture host"), tr("Capture to %1 failed:\n%2").arg(dest, r.error));
        });
}

void MainWindow::showWarnings()
{
    const QString text = m_topology.warnings.isEmpty() ? tr("The last scan reported nothing missing or malformed.")
                                                       : m_topology.warnings.join(QLatin1Char('\n'));
    auto *box = new QMessageBox(QMessageBox::Information, tr("Scan warnings"),
                                tr("%n warning(s) from the last scan.", nullptr, int(m_topology.warnings.size())),
                                QMessageBox::Close, this);
    box->setDetailedText(text);
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->open();
}

void MainWindow::about()
{
    QMessageBox::about(this, tr("About devtopo"),
                       tr("<h3>devtopo %1</h3><p>See how PCI devices sit behind the IOMMU: the PCI tree, IOMMU "
                          "groups and why devices share them, reserved regions and usable IOVA, SR-IOV, and the "
                          "IOMMU units.</p><p>Source: %2</p>")
                           .arg(QStringLiteral(DEVTOPO_VERSION), (m_label.isEmpty() ? m_path : m_label).toHtmlEscaped()));
}

} // namespace devtopo::gui
