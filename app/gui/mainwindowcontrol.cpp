// The main window's control side: the Actions menu and context menus, the confirmation dialog, the
// actions log, the DMA and VF token docks, and the rescan after every change. Every call to the
// helper is asynchronous (ControlClient); answers come back on the event loop.

#include "mainwindow.h"

#include "actiondialog.h"
#include "actionlogmodel.h"
#include "actionlogpanel.h"
#include "analysis.h"
#include "applogging.h"
#include "changeplanner.h"
#include "controlclient.h"
#include "devicetreepanel.h"
#include "dmapanel.h"
#include "grouppanel.h"
#include "iovamappanel.h"
#include "iovamapwidget.h"
#include "migrationcandidate.h"
#include "models/format.h"
#include "vftokenpanel.h"

#include <QDockWidget>
#include <QInputDialog>
#include <QLabel>
#include <QMenu>
#include <QMenuBar>
#include <QStatusBar>
#include <QTableView>
#include <QTimer>
#include <QTreeView>

using namespace Qt::StringLiterals;

namespace devtopo::gui {

using control::ActionKind;
using control::ControlAction;

void MainWindow::createControl()
{
    m_control = new client::ControlClient(this);
    m_log = new control::ActionLogModel(this);
    m_logPanel = new views::ActionLogPanel(m_log, this);
    m_dma = new views::DmaPanel(this);
    m_vfToken = new views::VfTokenPanel(this);
    m_rescanTimer = new QTimer(this);
    m_rescanTimer->setSingleShot(true);
    m_rescanTimer->setInterval(150); // one rescan for a burst of HostChanged signals
    connect(m_rescanTimer, &QTimer::timeout, this, &MainWindow::rescanKeepingSelection);

    connect(m_control, &client::ControlClient::hostChanged, this, &MainWindow::scheduleRescan);
    connect(m_control, &client::ControlClient::progress, this,
            [this](const QString &op, int done, int total, const QString &message) {
                m_logPanel->showProgress(op, done, total, message);
                statusBar()->showMessage(message, 5000);
            });

    // Context menus: the device tree (the device and its group) and the group table (the group).
    QTreeView *tree = m_tree->treeView();
    tree->setContextMenuPolicy(Qt::CustomContextMenu);
    connect(tree, &QWidget::customContextMenuRequested, this, [this, tree](const QPoint &pos) {
        const QModelIndex index = tree->indexAt(pos);
        if (!index.isValid())
            return;
        tree->setCurrentIndex(index); // selects it everywhere, like a left click
        const auto f = m_tree->currentFunction();
        if (!f)
            return;
        QMenu menu(this);
        menu.setToolTipsVisible(true);
        const PciFunction *fn = m_topology.function(*f);
        fillActionsMenu(&menu, f, fn && fn->iommuGroup ? *fn->iommuGroup : -1);
        menu.exec(tree->viewport()->mapToGlobal(pos));
    });
    QTableView *groups = m_groups->table();
    groups->setContextMenuPolicy(Qt::CustomContextMenu);
    connect(groups, &QWidget::customContextMenuRequested, this, [this, groups](const QPoint &pos) {
        const QModelIndex index = groups->indexAt(pos);
        if (!index.isValid())
            return;
        groups->selectRow(index.row()); // the panel reports the group it now shows
        QMenu menu(this);
        menu.setToolTipsVisible(true);
        fillActionsMenu(&menu, std::nullopt, m_groups->currentGroup());
        menu.exec(groups->viewport()->mapToGlobal(pos));
    });

    // DMA panel -> helper -> panel, each step in the log.
    connect(m_dma, &views::DmaPanel::backendsRequested, this, [this](int group) {
        if (!actionsUnavailableReason().isEmpty())
            return;
        m_control->dmaBackends(group, [this, group](bool ok, const QStringList &backends, const QString &reason, const QString &error) {
            m_dma->setBackends(group, ok ? backends : QStringList{u"type1v2"_s}, ok ? reason : error);
        });
    });
    connect(m_dma, &views::DmaPanel::openRequested, this, [this](int group, const QString &backend) {
        const int id = m_log->start(tr("Open IOMMU group %1 for DMA (%2)").arg(group).arg(backend));
        m_control->openGroupWith(group, backend,
                                 [this, id, group](bool ok, quint32 handle, const QString &used, const QStringList &changes, const QString &error) {
            if (!ok) {
                m_dma->showError(error);
                m_log->fail(id, error);
                Q_EMIT actionFinished(id, false);
                return;
            }
            m_log->succeed(id, changes.isEmpty() ? QStringList{tr("group %1 open on %2, handle %3").arg(group).arg(used).arg(handle)} : changes);
            selectGroup(group);
            refreshDma(handle, changes.isEmpty() ? tr("Group %1 is open on %2.").arg(group).arg(used) : changes.join(u'\n'));
            Q_EMIT actionFinished(id, true);
        });
    });
    connect(m_dma, &views::DmaPanel::mapRequested, this, [this](quint32 handle, quint64 iova, quint64 size, bool huge) {
        const int id = m_log->start(tr("Map %1 at %2%3").arg(fmt::byteSize(size), fmt::hex(iova), huge ? tr(" (huge pages)") : QString()));
        m_control->mapDma(handle, iova, size, huge, [this, id, handle](bool ok, const QStringList &changes, const QString &error) {
            if (!ok) {
                m_dma->showError(error);
                m_log->fail(id, error);
            } else {
                m_log->succeed(id, changes);
                refreshDma(handle, changes.isEmpty() ? tr("Mapped.") : changes.join(u'\n'));
            }
            Q_EMIT actionFinished(id, ok);
        });
    });
    connect(m_dma, &views::DmaPanel::unmapRequested, this, [this](quint32 handle, quint64 iova, quint64 size) {
        const int id = m_log->start(tr("Unmap %1 at %2").arg(fmt::byteSize(size), fmt::hex(iova)));
        m_control->unmapDma(handle, iova, size, [this, id, handle, iova](bool ok, quint64 unmapped, const QString &error) {
            if (!ok) {
                m_dma->showError(error);
                m_log->fail(id, error);
            } else {
                const QString text = tr("unmapped %1 at %2").arg(fmt::byteSize(unmapped), fmt::hex(iova));
                m_log->succeed(id, {text});
                refreshDma(handle, text);
            }
            Q_EMIT actionFinished(id, ok);
        });
    });
    auto dirty = [this](quint32 handle, bool start) {
        const int id = m_log->start(start ? tr("Start dirty page tracking") : tr("Stop dirty page tracking"));
        auto done = [this, id, handle, start](bool ok, const QStringList &, const QString &error) {
            if (!ok) {
                m_dma->showError(error);
                m_log->fail(id, error);
            } else {
                const QString text = start ? tr("dirty tracking started") : tr("dirty tracking stopped");
                m_log->succeed(id, {text});
                refreshDma(handle, text);
            }
            Q_EMIT actionFinished(id, ok);
        };
        if (start)
            m_control->dirtyStart(handle, done);
        else
            m_control->dirtyStop(handle, done);
    };
    connect(m_dma, &views::DmaPanel::dirtyStartRequested, this, [dirty](quint32 h) { dirty(h, true); });
    connect(m_dma, &views::DmaPanel::dirtyStopRequested, this, [dirty](quint32 h) { dirty(h, false); });
    connect(m_dma, &views::DmaPanel::bitmapRequested, this, [this](quint32 handle, quint64 iova, quint64 size) {
        const int id = m_log->start(tr("Read the dirty bitmap of %1").arg(fmt::hexRange(iova, iova + size - 1)));
        m_control->dirtyBitmap(handle, iova, size, [this, id](bool ok, const control::DirtyBitmapData &b, const QString &error) {
            if (!ok) {
                m_dma->showError(error);
                m_log->fail(id, error);
            } else {
                m_dma->setBitmap(b);
                const QString text = tr("%1 of %2 pages dirty").arg(b.dirtyPages()).arg(b.pages());
                m_dma->showMessage(text);
                m_log->succeed(id, {text});
            }
            Q_EMIT actionFinished(id, ok);
        });
    });
    connect(m_dma, &views::DmaPanel::closeRequested, this, [this](quint32 handle) {
        const int group = m_dma->state().group;
        const int id = m_log->start(tr("Close IOMMU group %1").arg(group));
        m_control->closeGroup(handle, [this, id, group](bool ok, const QStringList &, const QString &error) {
            if (!ok) {
                m_dma->showError(error);
                m_log->fail(id, error);
            } else {
                m_dma->setClosed();
                m_dma->showMessage(tr("Group %1 closed; its mappings are gone.").arg(group));
                m_log->succeed(id, {tr("group %1 closed").arg(group)});
                updateDmaOverlay();
            }
            Q_EMIT actionFinished(id, ok);
        });
    });

    // VF token panel.
    connect(m_vfToken, &views::VfTokenPanel::setTokenRequested, this, [this](const QString &pf, const QString &uuid) {
        const int id = m_log->start(tr("Set the VF token of %1").arg(pf));
        m_control->setVfToken(pf, uuid, [this, id](bool ok, const QStringList &changes, const QString &error) {
            m_vfToken->showTokenResult(ok, error);
            ok ? m_log->succeed(id, changes) : m_log->fail(id, error);
            Q_EMIT actionFinished(id, ok);
        });
    });
    connect(m_vfToken, &views::VfTokenPanel::openRequested, this, [this](const QString &vf, const QString &uuid) {
        const bool gave = !uuid.isEmpty();
        const int id = m_log->start(gave ? tr("Open %1 with a VF token").arg(vf) : tr("Open %1 with no VF token").arg(vf));
        m_control->openDevice(vf, uuid, [this, id, gave](bool ok, const QStringList &changes, const QString &error) {
            m_vfToken->showOpenResult(ok, error, gave);
            ok ? m_log->succeed(id, changes) : m_log->fail(id, error);
            Q_EMIT actionFinished(id, ok);
        });
    });
}

bool MainWindow::startDemoHelper(const QString &helperPath, QString *error)
{
    if (!m_control->startDemo(helperPath, error))
        return false;
    m_logPanel->showNote(tr("Demo: changes go to a simulated host run by %1 --demo, through the same D-Bus interface as "
                            "the system helper.")
                             .arg(helperPath),
                         false);
    openSource(m_control->demoRoot(), tr("demo host"));
    return true;
}

void MainWindow::setReadOnly(const QString &why)
{
    m_control->setReadOnly(why);
    m_dma->setReadOnly(why);
    m_vfToken->setReadOnly(why);
    m_logPanel->showNote(tr("Read-only: %1").arg(why), true);
    auto *note = new QLabel(tr("Read-only: %1").arg(why), this);
    note->setObjectName(QStringLiteral("readOnlyNote"));
    note->setStyleSheet(QStringLiteral("QLabel { color: #a50e0e; }"));
    statusBar()->addPermanentWidget(note);
    updateActionsMenu();
}

QString MainWindow::actionsUnavailableReason() const
{
    switch (m_control->mode()) {
    case client::ControlClient::Mode::ReadOnly:
        return tr("read-only: %1").arg(m_control->readOnlyReason());
    case client::ControlClient::Mode::Demo:
        if (m_path != m_control->demoRoot())
            return tr("this window shows %1, not the demo helper's host").arg(m_path);
        return {};
    case client::ControlClient::Mode::System:
        if (m_path != QStringLiteral("/"))
            return tr("this window shows %1; actions act on the live host only (open it with no path)").arg(m_path);
        return {};
    }
    return {};
}

views::ActionDialog *MainWindow::requestAction(const ControlAction &action)
{
    const QString blocked = actionsUnavailableReason();
    control::ChangePlan plan = control::planChange(m_topology, action);
    if (!blocked.isEmpty() && plan.isValid())
        plan.error = blocked;
    if (!plan.isValid()) {
        // Refused before anything is sent: said where the outcomes are, nothing changed.
        const int id = m_log->start(action.title());
        m_log->fail(id, plan.error);
        statusBar()->showMessage(tr("%1: %2").arg(action.title(), plan.error), 10000);
        Q_EMIT actionFinished(id, false);
        return nullptr;
    }
    auto *dialog = new views::ActionDialog(plan, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setWindowModality(Qt::WindowModal);
    connect(dialog, &QDialog::accepted, this, [this, dialog] { sendAction(dialog->confirmedAction()); });
    dialog->open();
    return dialog;
}

void MainWindow::sendAction(const ControlAction &action)
{
    const int id = m_log->start(action.title() + (action.force ? tr(" (forced)") : QString()));
    for (QDockWidget *d : std::as_const(m_docks))
        if (d->widget() == m_logPanel)
            d->raise();
    auto finished = [this, id](bool ok, const QStringList &changes, const QString &error) {
        if (ok) {
            m_log->succeed(id, changes);
            statusBar()->showMessage(changes.isEmpty() ? tr("Nothing needed changing.") : changes.join(u"; "_s), 10000);
        } else {
            m_log->fail(id, error);
            statusBar()->showMessage(error, 15000);
        }
        Q_EMIT actionFinished(id, ok);
        scheduleRescan(); // even a refusal: the host is what it is, show it
    };
    if (action.kind != ActionKind::RestoreGroup)
        return m_control->run(action, finished);
    // The helper restores one device per call: every member the plan says devtopo rebound.
    QList<ControlAction> steps;
    for (const control::PlannedChange &c : control::planChange(m_topology, action).changes) {
        if (c.kind != control::PlannedChange::Kind::Restore)
            continue;
        ControlAction step;
        step.kind = ActionKind::RestoreDriver;
        step.address = c.device;
        steps << step;
    }
    m_control->runAll(steps, finished);
}

void MainWindow::scheduleRescan()
{
    if (m_path.isEmpty() || !actionsUnavailableReason().isEmpty())
        return; // a snapshot or a foreign tree does not change with the helper's host
    m_rescanTimer->start();
}

void MainWindow::rescanKeepingSelection()
{
    if (isScanning()) {
        m_rescanAgain = true;
        return;
    }
    m_keepSelection = true;
    m_keepFunction = m_tree->currentFunction();
    m_keepGroup = m_groups->currentGroup();
    rescan();
}

void MainWindow::refreshDma(quint32 handle, const QString &message)
{
    m_control->groupInfo(handle, [this, message](bool ok, const control::DmaGroupState &state, const QString &error) {
        if (!ok) {
            m_dma->showError(error);
            return;
        }
        m_dma->setOpened(state);
        if (!message.isEmpty())
            m_dma->showMessage(message);
        updateDmaOverlay();
    });
}

void MainWindow::updateDmaOverlay()
{
    if (!m_dma)
        return;
    views::IovaMapWidget *map = iovaPanel()->map();
    const control::DmaGroupState &s = m_dma->state();
    if (!s.isOpen() || iovaPanel()->groupId() != s.group) {
        map->clearDmaOverlay();
        return;
    }
    QList<IovaRange> ranges, maps;
    for (const control::DmaRange &r : s.iovaRanges)
        ranges << IovaRange{r.start, r.end};
    for (const control::DmaMap &m : s.mappings)
        maps << IovaRange{m.iova, m.iova + m.size - 1};
    map->setDmaOverlay(ranges, maps);
}

void MainWindow::showDmaFor(int group)
{
    m_dma->chooseGroup(group);
    for (QDockWidget *d : std::as_const(m_docks))
        if (d->widget() == m_dma) {
            d->show();
            d->raise();
        }
}

void MainWindow::showVfTokenFor(const PciAddress &pf)
{
    m_vfToken->choosePf(pf);
    for (QDockWidget *d : std::as_const(m_docks))
        if (d->widget() == m_vfToken) {
            d->show();
            d->raise();
        }
}

void MainWindow::chooseDriverAndBind(const PciAddress &address, bool wholeGroup)
{
    const PciFunction *f = m_topology.function(address);
    if (!f)
        return;
    bool ok = false;
    const QString driver = QInputDialog::getItem(this, wholeGroup ? tr("Bind group to a driver") : tr("Bind to a driver"),
                                                 wholeGroup ? tr("Driver for every device of group %1:").arg(f->iommuGroup.value_or(-1))
                                                            : tr("Driver for %1:").arg(address.toString()),
                                                 control::candidateDrivers(m_topology, *f), 0, true, &ok);
    if (!ok)
        return;
    ControlAction a;
    a.kind = wholeGroup ? ActionKind::BindGroup : ActionKind::BindDevice;
    a.address = address;
    a.group = f->iommuGroup.value_or(-1);
    a.driver = driver.trimmed();
    requestAction(a);
}

void MainWindow::chooseVfCount(const PciAddress &pf)
{
    const PciFunction *f = m_topology.function(pf);
    if (!f)
        return;
    const int now = f->sriov.numVfs >= 0 ? f->sriov.numVfs : int(f->vfs.size());
    bool ok = false;
    const int n = QInputDialog::getInt(this, tr("Set VF count"),
                                       tr("VFs on %1 (0 to %2; now %3). Going from one nonzero count to another "
                                          "writes 0 first: every current VF disappears.")
                                           .arg(pf.toString())
                                           .arg(f->sriov.totalVfs)
                                           .arg(now),
                                       now, 0, std::max(0, f->sriov.totalVfs), 1, &ok);
    if (!ok)
        return;
    ControlAction a;
    a.kind = ActionKind::SetNumVfs;
    a.address = pf;
    a.count = n;
    requestAction(a);
}

void MainWindow::persistOverrideDialog(const PciAddress &address)
{
    const PciFunction *f = m_topology.function(address);
    if (!f)
        return;
    QStringList drivers = control::candidateDrivers(m_topology, *f);
    if (!f->driver.isEmpty()) {
        drivers.removeAll(f->driver);
        drivers.prepend(f->driver); // persisting what it has now is the common case
    }
    bool ok = false;
    const QString driver = QInputDialog::getItem(this, tr("Persist driver override"),
                                                 tr("Driver for %1 at every boot (driverctl):").arg(address.toString()), drivers,
                                                 0, true, &ok);
    if (!ok)
        return;
    ControlAction a;
    a.kind = ActionKind::PersistOverride;
    a.address = address;
    a.driver = driver.trimmed();
    requestAction(a);
}

void MainWindow::updateActionsMenu()
{
    if (!m_actionsMenu)
        return;
    m_actionsMenu->clear();
    auto f = m_tree->currentFunction();
    int group = m_groups->currentGroup();
    if (f) {
        const PciFunction *fn = m_topology.function(*f);
        const int own = fn ? fn->iommuGroup.value_or(-1) : -1;
        if (group >= 0 && own != group)
            f.reset(); // a group was picked after the device: the menu is about that group
        else
            group = own;
    }
    fillActionsMenu(m_actionsMenu, f, group);
}

void MainWindow::fillActionsMenu(QMenu *menu, const std::optional<PciAddress> &function, int group)
{
    const QString blocked = actionsUnavailableReason();
    // An entry enabled by what the topology says; its tooltip says why when it is not.
    auto add = [this, menu, &blocked](const QString &text, ActionKind kind, const PciAddress &a, int g, auto slot) {
        QAction *act = menu->addAction(text);
        const QString why = blocked.isEmpty() ? control::unavailableReason(m_topology, kind, a, g) : blocked;
        act->setEnabled(why.isEmpty());
        act->setToolTip(why);
        connect(act, &QAction::triggered, this, slot);
        return act;
    };
    const PciFunction *f = function ? m_topology.function(*function) : nullptr;
    if (!f && group < 0) {
        QAction *none = menu->addAction(tr("Select a device or an IOMMU group first"));
        none->setEnabled(false);
        return;
    }
    if (f) {
        const PciAddress a = f->address;
        const QString suggested = control::suggestedDriver(*f);
        add(tr("Bind %1 to %2").arg(a.toString(), suggested), ActionKind::BindDevice, a, -1, [this, a, suggested] {
            ControlAction act;
            act.kind = ActionKind::BindDevice;
            act.address = a;
            act.driver = suggested;
            requestAction(act);
        })->setObjectName(QStringLiteral("bindDevice"));
        add(tr("Bind %1 to driver…").arg(a.toString()), ActionKind::BindDevice, a, -1, [this, a] { chooseDriverAndBind(a, false); });
        add(tr("Restore the original driver of %1").arg(a.toString()), ActionKind::RestoreDriver, a, -1, [this, a] {
            ControlAction act;
            act.kind = ActionKind::RestoreDriver;
            act.address = a;
            requestAction(act);
        })->setObjectName(QStringLiteral("restoreDriver"));
        // VFIO migration: the driver decides (driverMigrationCaps); the tooltip says why not.
        const QString cannotMigrate = blocked.isEmpty() ? devmig::migrationUnavailableReason(*f) : blocked;
        QAction *migrate = menu->addAction(tr("Migrate device %1…").arg(a.toString()));
        migrate->setObjectName(QStringLiteral("migrateDevice"));
        migrate->setEnabled(cannotMigrate.isEmpty());
        migrate->setToolTip(cannotMigrate.isEmpty() ? tr("Open it for VFIO migration in the Device migration dock") : cannotMigrate);
        connect(migrate, &QAction::triggered, this, [this, a, g = f->iommuGroup.value_or(-1)] { migrateDevice(a.toString(), g); });
        menu->addSeparator();
    }
    if (group >= 0) {
        const QString suggested = control::suggestedGroupDriver(m_topology, group);
        add(tr("Bind whole group %1 to %2").arg(group).arg(suggested), ActionKind::BindGroup, {}, group, [this, group, suggested] {
            ControlAction act;
            act.kind = ActionKind::BindGroup;
            act.group = group;
            act.driver = suggested;
            requestAction(act);
        })->setObjectName(QStringLiteral("bindGroup"));
        if (const IommuGroup *g = m_topology.group(group); g && !g->devices.isEmpty()) {
            const PciAddress first = f ? f->address : g->devices.first();
            add(tr("Bind whole group %1 to driver…").arg(group), ActionKind::BindGroup, {}, group,
                [this, first] { chooseDriverAndBind(first, true); });
        }
        add(tr("Restore the original drivers of group %1").arg(group), ActionKind::RestoreGroup, {}, group, [this, group] {
            ControlAction act;
            act.kind = ActionKind::RestoreGroup;
            act.group = group;
            requestAction(act);
        })->setObjectName(QStringLiteral("restoreGroup"));
        QAction *dma = menu->addAction(tr("Open group %1 in the DMA panel").arg(group));
        connect(dma, &QAction::triggered, this, [this, group] { showDmaFor(group); });
        // mdevs (mtty, ...) are group members without a PCI address; the helper opens them by UUID.
        if (const IommuGroup *g = m_topology.group(group))
            for (const QString &member : g->otherMembers) {
                if (!devmig::isMdevName(member))
                    continue;
                QAction *migrate = menu->addAction(tr("Migrate mdev %1…").arg(member));
                migrate->setEnabled(blocked.isEmpty());
                migrate->setToolTip(blocked);
                connect(migrate, &QAction::triggered, this, [this, member, group] { migrateDevice(member, group); });
            }
        menu->addSeparator();
    }
    if (!f)
        return;
    const PciAddress a = f->address;
    add(tr("Persist a driver override for %1 (driverctl)…").arg(a.toString()), ActionKind::PersistOverride, a, -1,
        [this, a] { persistOverrideDialog(a); });
    add(tr("Remove the persistent override of %1").arg(a.toString()), ActionKind::RemoveOverride, a, -1, [this, a] {
        ControlAction act;
        act.kind = ActionKind::RemoveOverride;
        act.address = a;
        requestAction(act);
    });
    menu->addSeparator();
    const int total = f->sriov.totalVfs;
    add(total > 0 ? tr("Set VF count of %1 (0–%2)…").arg(a.toString()).arg(total) : tr("Set VF count…"), ActionKind::SetNumVfs, a, -1,
        [this, a] { chooseVfCount(a); })
        ->setObjectName(QStringLiteral("setNumVfs"));
    QAction *autoprobe = add(tr("VFs bind to their driver when created (drivers_autoprobe)"), ActionKind::SetDriversAutoprobe, a, -1,
                             [] { });
    autoprobe->setCheckable(true);
    autoprobe->setChecked(f->sriov.driversAutoprobe != 0);
    connect(autoprobe, &QAction::triggered, this, [this, a](bool on) {
        ControlAction act;
        act.kind = ActionKind::SetDriversAutoprobe;
        act.address = a;
        act.on = on;
        requestAction(act);
    });
    // The VF token belongs to PFs, like the VF count.
    add(tr("VF token of %1…").arg(a.toString()), ActionKind::SetNumVfs, a, -1, [this, a] { showVfTokenFor(a); });
    menu->addSeparator();
    add(f->resetMethods.isEmpty() ? tr("Reset %1").arg(a.toString())
                                  : tr("Reset %1 (reset_method: %2)").arg(a.toString(), f->resetMethods.join(u", "_s)),
        ActionKind::ResetDevice, a, -1, [this, a] {
            ControlAction act;
            act.kind = ActionKind::ResetDevice;
            act.address = a;
            requestAction(act);
        })
        ->setObjectName(QStringLiteral("resetDevice"));
}

} // namespace devtopo::gui
