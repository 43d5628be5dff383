// The window's control actions end to end against the real demo helper (devtopo-helper --demo on
// a peer connection, the same D-Bus interface as the system helper): bind a whole group through the
// confirmation dialog and restore it, refusals (EPERM for a partly bound multifunction group,
// EBUSY for the mounted root disk) shown in the log with nothing changed, the DMA panel (open, map,
// EEXIST, dirty bitmap, unmap, close) and the VF token panel (EACCES, then success).

#include "actiondialog.h"
#include "actionlogmodel.h"
#include "actionlogpanel.h"
#include "controlaction.h"
#include "controlclient.h"
#include "devicetreepanel.h"
#include "dirtybitmapwidget.h"
#include "dmamappingmodel.h"
#include "dmapanel.h"
#include "grouppanel.h"
#include "iovamappanel.h"
#include "iovamapwidget.h"
#include "mainwindow.h"
#include "models/devicetreemodel.h"
#include "screenshots.h"
#include "vftokenpanel.h"

#include <QAction>
#include <QComboBox>
#include <QDockWidget>
#include <QLineEdit>
#include <QMenu>
#include <QPushButton>
#include <QRadioButton>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTableView>
#include <QTest>
#include <QTreeView>

using namespace Qt::StringLiterals;
using namespace devtopo;
using namespace devtopo::control;

namespace {
PciAddress pa(const char *text)
{
    return *PciAddress::parse(QString::fromLatin1(text));
}
const char *const kGroup16[] = {"0000:1b:00.0", "0000:1b:00.1", "0000:1b:00.2", "0000:1b:00.3"};
} // namespace

class TestControlWindow : public QObject
{
    Q_OBJECT
    std::unique_ptr<gui::MainWindow> m_w;

    QString driverOf(const char *a) const
    {
        const PciFunction *f = m_w->topology().function(pa(a));
        return f ? f->driver : u"(absent)"_s;
    }
    // The driver the device tree shows, as a user sees it.
    QString treeDriverOf(const char *a) const
    {
        m_w->deviceTreePanel()->selectFunction(pa(a));
        const QModelIndex i = m_w->deviceTreePanel()->treeView()->currentIndex();
        return i.siblingAtColumn(DeviceTreeModel::DriverColumn).data().toString();
    }
    // Waits for the rescan(s) that follow a change: at least one load, then quiet.
    bool waitForRescan(QSignalSpy &loaded)
    {
        if (!QTest::qWaitFor([&] { return loaded.size() >= 1 && !m_w->isScanning(); }, 60000))
            return false;
        for (int i = 0; i < 100; ++i) {
            QTest::qWait(300);
            if (!m_w->isScanning())
                return true;
        }
        return false;
    }
    // Plans the action, presses Apply in its dialog, waits for the answer and the rescan.
    // Returns the log entry, or nullptr.
    const ActionLogEntry *apply(const ControlAction &a, views::ActionDialog **shown = nullptr)
    {
        QSignalSpy finished(m_w.get(), &gui::MainWindow::actionFinished);
        QSignalSpy loaded(m_w.get(), &gui::MainWindow::topologyLoaded);
        views::ActionDialog *d = m_w->requestAction(a);
        if (!d)
            return nullptr;
        if (shown)
            *shown = d;
        if (!d->isVisible() || d->parent() != m_w.get())
            return nullptr;
        QTest::mouseClick(d->applyButton(), Qt::LeftButton);
        if (!QTest::qWaitFor([&] { return finished.size() == 1; }, 60000))
            return nullptr;
        if (!waitForRescan(loaded))
            return nullptr;
        return m_w->actionLog()->entry(finished.first().first().toInt());
    }
    static ControlAction bindGroup(int g)
    {
        ControlAction a;
        a.kind = ActionKind::BindGroup;
        a.group = g;
        a.driver = u"vfio-pci"_s;
        return a;
    }
    static ControlAction device(ActionKind k, const char *addr, const QString &driver = {})
    {
        ControlAction a;
        a.kind = k;
        a.address = pa(addr);
        a.driver = driver;
        return a;
    }
    void raise(QWidget *panel)
    {
        for (QDockWidget *d : m_w->docks())
            if (d->widget() == panel) {
                d->show();
                d->raise();
            }
    }

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        m_w = std::make_unique<gui::MainWindow>();
        m_w->resize(1600, 1000);
        m_w->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_w.get()));
        QSignalSpy loaded(m_w.get(), &gui::MainWindow::topologyLoaded);
        QString error;
        QVERIFY2(m_w->startDemoHelper(QStringLiteral(DEVTOPO_HELPER_BIN), &error), qPrintable(error));
        QTRY_VERIFY_WITH_TIMEOUT(loaded.size() == 1, 60000);
        QVERIFY(m_w->sourcePath().endsWith(u"/tree/current"_s));
        QVERIFY(m_w->actionsUnavailableReason().isEmpty());
    }
    void cleanupTestCase()
    {
        m_w.reset();
    }

    void menusFollowTheTopology()
    {
        m_w->selectFunction(pa("0000:1b:00.1"));
        QMenu menu;
        m_w->fillActionsMenu(&menu, pa("0000:1b:00.1"), 16);
        auto find = [&menu](const char *name) { return menu.findChild<QAction *>(QString::fromLatin1(name)); };
        QVERIFY(find("bindDevice") && find("bindDevice")->isEnabled());
        QVERIFY(find("bindGroup") && find("bindGroup")->text().contains(u"group 16"_s));
        // SR-IOV only on PFs: not on an audio function.
        QVERIFY(find("setNumVfs") && !find("setNumVfs")->isEnabled());
        QVERIFY(find("setNumVfs")->toolTip().contains(u"not an SR-IOV physical function"_s));
        QMenu pfMenu;
        m_w->fillActionsMenu(&pfMenu, pa("0000:3b:00.0"), -1);
        QVERIFY(pfMenu.findChild<QAction *>(u"setNumVfs"_s)->isEnabled());
        // The window's Actions menu is the same, for the current selection.
        QVERIFY(m_w->actionsMenu()->findChild<QAction *>(u"bindDevice"_s));
    }

    void bindWholeGroupAndRestore()
    {
        QStringList before;
        for (const char *a : kGroup16)
            before << driverOf(a);
        QVERIFY2(before.contains(u"snd_hda_intel"_s), qPrintable(before.join(u", "_s)));
        m_w->selectGroup(16);
        views::ActionDialog *dialog = nullptr;
        // The dialog lists every member that moves, then Apply sends it.
        QSignalSpy finished(m_w.get(), &gui::MainWindow::actionFinished);
        QSignalSpy loaded(m_w.get(), &gui::MainWindow::topologyLoaded);
        QSignalSpy progress(m_w->controlClient(), &client::ControlClient::progress);
        dialog = m_w->requestAction(bindGroup(16));
        QVERIFY(dialog);
        QVERIFY(dialog->summaryText().contains(u"— same group 16 —"_s));
        QVERIFY(dialog->summaryText().contains(u"snd_hda_intel from 0000:1b:00.1"_s));
        QCOMPARE(dialog->changeTexts().size(), 4);
        QVERIFY(test::saveScreenshot(dialog, u"control-window-bind-group-dialog"_s));
        QTest::mouseClick(dialog->applyButton(), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(finished.size() == 1, 60000);
        QVERIFY(finished.first().at(1).toBool());
        QVERIFY(waitForRescan(loaded));
        const ActionLogEntry *e = m_w->actionLog()->entry(finished.first().first().toInt());
        QCOMPARE(e->status, ActionLogEntry::Status::Succeeded);
        QVERIFY(e->changes.join(u'\n').contains(u"unbind snd_hda_intel from 0000:1b:00.1"_s));
        for (const char *a : kGroup16) {
            QCOMPARE(driverOf(a), u"vfio-pci"_s);
            QCOMPARE(treeDriverOf(a), u"vfio-pci"_s);
        }
        QVERIFY(m_w->topology().group(16)->viability.viable);
        QVERIFY(progress.size() >= 4); // the helper reports each device it moves
        QVERIFY(m_w->actionLogPanel()->messageText().startsWith(u"✔ Bind IOMMU group 16 to vfio-pci"_s));

        ControlAction restore;
        restore.kind = ActionKind::RestoreGroup;
        restore.group = 16;
        views::ActionDialog *rd = nullptr;
        const ActionLogEntry *r = apply(restore, &rd);
        QVERIFY(r);
        QVERIFY2(r->status == ActionLogEntry::Status::Succeeded, qPrintable(r->error));
        QVERIFY(r->changes.join(u'\n').contains(u"0000:1b:00.1 to snd_hda_intel"_s));
        QStringList after;
        for (const char *a : kGroup16)
            after << driverOf(a);
        QCOMPARE(after, before);
        QCOMPARE(treeDriverOf("0000:1b:00.1"), u"snd_hda_intel"_s);
        QVERIFY(test::saveScreenshot(m_w.get(), u"control-window-after-restore"_s));
    }

    void refusalsAreLoggedAndChangeNothing()
    {
        // One function of the multifunction group on vfio-pci: VFIO refuses the group (EPERM).
        const ActionLogEntry *bound = apply(device(ActionKind::BindDevice, "0000:1b:00.0", u"vfio-pci"_s));
        QVERIFY(bound && bound->status == ActionLogEntry::Status::Succeeded);
        const Topology before = m_w->topology();
        views::DmaPanel *dma = m_w->dmaPanel();
        raise(dma);
        QSignalSpy finished(m_w.get(), &gui::MainWindow::actionFinished);
        dma->chooseGroup(16);
        QTest::mouseClick(dma->openButton(), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(finished.size() == 1, 30000);
        QVERIFY(!finished.first().at(1).toBool());
        const ActionLogEntry *e = m_w->actionLog()->entry(finished.first().first().toInt());
        QCOMPARE(e->status, ActionLogEntry::Status::Failed);
        QVERIFY2(e->error.startsWith(u"EPERM: "_s), qPrintable(e->error));
        QVERIFY2(dma->errorText().contains(u"EPERM"_s), qPrintable(dma->errorText()));
        QVERIFY(!dma->state().isOpen());
        const QModelIndex row = m_w->actionLog()->index(m_w->actionLog()->rowCount() - 1, ActionLogModel::OutcomeColumn);
        QCOMPARE(row.data().toString(), u"refused"_s);
        QVERIFY(m_w->actionLogPanel()->messageIsError());
        for (const char *a : kGroup16)
            QCOMPARE(driverOf(a), before.function(pa(a))->driver);

        // The mounted root disk: EBUSY with the helper's reason, the driver stays.
        const QString disk = driverOf("0000:18:00.0");
        views::ActionDialog *d = nullptr;
        const ActionLogEntry *busy = apply(device(ActionKind::BindDevice, "0000:18:00.0", u"vfio-pci"_s), &d);
        QVERIFY(busy);
        QCOMPARE(busy->status, ActionLogEntry::Status::Failed);
        QVERIFY2(busy->error.startsWith(u"EBUSY: "_s) && busy->error.contains(u"mounted on /"_s), qPrintable(busy->error));
        QCOMPARE(driverOf("0000:18:00.0"), disk);
        raise(m_w->actionLogPanel());
        QVERIFY(m_w->actionLogPanel()->messageText().contains(u"mounted on /"_s));
        QVERIFY(test::saveScreenshot(m_w->actionLogPanel(), u"control-window-actions-log"_s));

        // Refused before sending: the planner's reason, logged, nothing sent.
        ControlAction vfs = device(ActionKind::SetNumVfs, "0000:1b:00.1");
        vfs.count = 2;
        QVERIFY(!m_w->requestAction(vfs));
        QVERIFY(m_w->actionLog()->entries().last().error.contains(u"not an SR-IOV physical function"_s));

        const ActionLogEntry *back = apply(device(ActionKind::RestoreDriver, "0000:1b:00.0"));
        QVERIFY(back && back->status == ActionLogEntry::Status::Succeeded);
    }

    void dmaPanelEndToEnd()
    {
        const IommuGroup *g17 = m_w->topology().group(17);
        QVERIFY(g17 && g17->viability.viable);
        views::DmaPanel *dma = m_w->dmaPanel();
        raise(dma);
        QSignalSpy finished(m_w.get(), &gui::MainWindow::actionFinished);
        dma->chooseGroup(17);
        dma->chooseBackend(u"type1v2"_s);
        QTest::mouseClick(dma->openButton(), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(dma->state().isOpen(), 30000);
        QCOMPARE(dma->state().group, 17);
        QCOMPARE(dma->state().backend, u"type1v2"_s);
        QCOMPARE(dma->dirtyTitle(), u"Dirty page tracking (type1)"_s);
        QVERIFY(dma->state().iovaRanges.size() >= 2);
        QCOMPARE(dma->memlockText(), u"0 bytes of 64 MiB locked (0%)"_s);
        QCOMPARE(m_w->iovaPanel()->groupId(), 17); // the IOVA map shows the open group

        auto map = [&](const QString &iova, const QString &size) {
            const qsizetype n = finished.size();
            dma->iovaEdit()->setText(iova);
            dma->sizeEdit()->setText(size);
            QTest::mouseClick(dma->mapButton(), Qt::LeftButton);
            return QTest::qWaitFor([&] { return finished.size() == n + 1; }, 30000) && finished.last().at(1).toBool();
        };
        QVERIFY(map(u"0x100000"_s, u"2M"_s));
        QTRY_COMPARE(dma->mappingModel()->rowCount(), 1);
        QCOMPARE(dma->memlockText(), u"2 MiB of 64 MiB locked (3%)"_s);
        QTRY_COMPARE(m_w->iovaPanel()->map()->dmaMappingRects().size(), 1);
        // The same range again: EEXIST, said next to the form, nothing added.
        QVERIFY(!map(u"0x100000"_s, u"2M"_s));
        QVERIFY2(dma->errorText().contains(u"(EEXIST)"_s), qPrintable(dma->errorText()));
        QCOMPARE(dma->mappingModel()->rowCount(), 1);
        // The MSI window: EINVAL.
        QVERIFY(!map(u"0xfee00000"_s, u"4k"_s));
        QVERIFY2(dma->errorText().contains(u"(EINVAL)"_s), qPrintable(dma->errorText()));
        QVERIFY(map(u"0x400000"_s, u"4k"_s));
        QTRY_COMPARE(dma->mappingModel()->rowCount(), 2);

        QTest::mouseClick(dma->dirtyStartButton(), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(dma->state().dirtyTracking, 30000);
        QTest::mouseClick(dma->bitmapButton(), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(dma->bitmapWidget()->hasBitmap(), 30000);
        const DirtyBitmapData &b = dma->bitmapWidget()->bitmap();
        QCOMPARE(b.iova, 0x100000ull);
        QCOMPARE(b.pages(), 769); // 0x100000 .. 0x401000 in 4 KiB pages
        QCOMPARE(b.dirtyPages(), 513); // every mapped page counts as dirty once tracking starts
        QVERIFY(b.isDirty(0) && b.isDirty(511) && !b.isDirty(512) && b.isDirty(768));
        QVERIFY(test::saveScreenshot(dma, u"control-window-dma-panel"_s));
        QVERIFY(test::saveScreenshot(m_w->iovaPanel(), u"control-window-iova-overlay"_s));
        QVERIFY(test::saveScreenshot(m_w.get(), u"control-window-dma"_s));
        QTest::mouseClick(dma->dirtyStopButton(), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(!dma->state().dirtyTracking, 30000);

        dma->mappingTable()->selectRow(0);
        QTest::mouseClick(dma->unmapButton(), Qt::LeftButton);
        QTRY_COMPARE(dma->mappingModel()->rowCount(), 1);
        QVERIFY(dma->messageText().contains(u"unmapped 2 MiB at 0x100000"_s));
        QTest::mouseClick(dma->closeButton(), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(!dma->state().isOpen(), 30000);
        QVERIFY(!m_w->iovaPanel()->map()->hasDmaOverlay());
    }

    // Each backend on the demo helper (it has /dev/iommu): iommufd on group 17 (dmar0, a
    // dirty-tracking HWPT), auto picking it, iommufd unavailable for a group with nothing on VFIO,
    // and group 4 behind dmar4 (legacy-mode VT-d: no HWPT, so dirty start is EOPNOTSUPP).
    void dmaBackendsEndToEnd()
    {
        views::DmaPanel *dma = m_w->dmaPanel();
        raise(dma);
        QSignalSpy finished(m_w.get(), &gui::MainWindow::actionFinished);
        auto waitFor = [&](qsizetype n) { return QTest::qWaitFor([&] { return finished.size() >= n; }, 30000); };
        dma->chooseGroup(16); // nothing of it on VFIO: no cdev, so no iommufd
        QTRY_VERIFY_WITH_TIMEOUT(!dma->backendNoteText().isEmpty(), 30000);
        QVERIFY(!dma->iommufdOffered());
        QVERIFY2(dma->backendNoteText().contains(u"iommufd is not available for group 16: ENOENT: no /dev/vfio/devices/vfioN"_s), qPrintable(dma->backendNoteText()));
        QVERIFY(test::saveScreenshot(dma, u"control-window-dma-no-iommufd"_s));

        dma->chooseGroup(17);
        QTRY_VERIFY_WITH_TIMEOUT(dma->iommufdOffered() && dma->backendNoteText().isEmpty(), 30000);
        dma->chooseBackend(u"iommufd"_s);
        QTest::mouseClick(dma->openButton(), Qt::LeftButton);
        QVERIFY(waitFor(1));
        QVERIFY2(finished.last().at(1).toBool(), qPrintable(dma->errorText()));
        QTRY_VERIFY_WITH_TIMEOUT(dma->state().isOpen(), 30000);
        const DmaGroupState &s = dma->state();
        QCOMPARE(s.backend, u"iommufd"_s);
        QCOMPARE(s.ioasId, 5u);
        QCOMPARE(s.hwptId, 6u);
        QVERIFY(s.dirtyTrackingSupported);
        QCOMPARE(s.boundDevices.size(), 4);
        QVERIFY2(dma->statusText().startsWith(u"Group 17 is open on iommufd (IOAS 5, HWPT 6)"_s), qPrintable(dma->statusText()));
        QCOMPARE(dma->dirtyTitle(), u"Dirty page tracking (iommufd HWPT)"_s);
        QVERIFY2(dma->memlockText().startsWith(u"0 bytes of 64 MiB RLIMIT_MEMLOCK (0%) pinned by this handle"_s), qPrintable(dma->memlockText()));
        dma->iovaEdit()->setText(u"0x100000"_s);
        dma->sizeEdit()->setText(u"64k"_s);
        QTest::mouseClick(dma->mapButton(), Qt::LeftButton);
        QVERIFY(waitFor(2));
        QVERIFY2(finished.last().at(1).toBool(), qPrintable(dma->errorText()));
        QTRY_COMPARE(dma->mappingModel()->rowCount(), 1);
        QVERIFY(dma->memlockText().startsWith(u"64 KiB of 64 MiB RLIMIT_MEMLOCK"_s));
        // An unmap that would split the mapping: iommufd's ENOENT, said plainly, nothing unmapped.
        dma->sizeEdit()->setText(u"4k"_s);
        QTest::mouseClick(dma->unmapRangeButton(), Qt::LeftButton);
        QVERIFY(waitFor(3));
        QVERIFY(!finished.last().at(1).toBool());
        QVERIFY2(dma->errorText().startsWith(u"Nothing was unmapped (ENOENT)"_s), qPrintable(dma->errorText()));
        QVERIFY(dma->errorText().contains(u"The kernel said: ENOENT: IOMMU_IOAS_UNMAP"_s));
        QCOMPARE(dma->mappingModel()->rowCount(), 1);
        // The HWPT's dirty bitmap: only pages the device wrote, read clears.
        QTest::mouseClick(dma->dirtyStartButton(), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(dma->state().dirtyTracking, 30000);
        QTest::mouseClick(dma->bitmapButton(), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(dma->bitmapWidget()->hasBitmap(), 30000);
        QCOMPARE(dma->bitmapWidget()->bitmap().pages(), 16);
        QVERIFY(dma->bitmapWidget()->bitmap().dirtyPages() < 16); // not every pinned page, as type1 says
        QVERIFY(test::saveScreenshot(dma, u"control-window-dma-iommufd"_s));
        QTest::mouseClick(dma->dirtyStopButton(), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(!dma->state().dirtyTracking, 30000);
        QTest::mouseClick(dma->closeButton(), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(!dma->state().isOpen(), 30000);

        // Auto picks iommufd here and says so.
        dma->chooseBackend(u"auto"_s);
        const qsizetype before = finished.size();
        QTest::mouseClick(dma->openButton(), Qt::LeftButton);
        QVERIFY(waitFor(before + 1));
        QTRY_VERIFY_WITH_TIMEOUT(dma->state().isOpen(), 30000);
        QCOMPARE(dma->state().backend, u"iommufd"_s);
        QVERIFY(m_w->actionLog()->entries().last().changes.join(u'\n').contains(u"on iommufd"_s));
        QTest::mouseClick(dma->closeButton(), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(!dma->state().isOpen(), 30000);

        // Group 4 behind dmar4: iommufd opens, but there is no dirty-tracking HWPT.
        const ActionLogEntry *bound = apply(bindGroup(4));
        QVERIFY(bound);
        QVERIFY2(bound->status == ActionLogEntry::Status::Succeeded, qPrintable(bound->error));
        raise(dma);
        dma->chooseGroup(4);
        QTRY_VERIFY_WITH_TIMEOUT(dma->iommufdOffered(), 30000);
        dma->chooseBackend(u"iommufd"_s);
        const qsizetype n4 = finished.size();
        QTest::mouseClick(dma->openButton(), Qt::LeftButton);
        QVERIFY(waitFor(n4 + 1));
        QTRY_VERIFY_WITH_TIMEOUT(dma->state().isOpen(), 30000);
        QCOMPARE(dma->state().group, 4);
        QCOMPARE(dma->state().hwptId, 0u);
        QVERIFY(!dma->state().dirtyTrackingSupported);
        QVERIFY(!dma->dirtyStartButton()->isEnabled());
        QVERIFY2(dma->dirtyNoteText().contains(u"cannot track dirty pages"_s), qPrintable(dma->dirtyNoteText()));
        // Asked all the same (as a script would): the kernel's EOPNOTSUPP, explained.
        const qsizetype n5 = finished.size();
        Q_EMIT dma->dirtyStartRequested(dma->state().handle);
        QVERIFY(waitFor(n5 + 1));
        QVERIFY(!finished.last().at(1).toBool());
        QVERIFY2(dma->errorText().startsWith(u"This IOMMU cannot track dirty pages (EOPNOTSUPP)"_s), qPrintable(dma->errorText()));
        QVERIFY(dma->errorText().contains(u"The kernel said: EOPNOTSUPP: this IOMMU cannot track dirty pages"_s));
        QVERIFY(!dma->state().dirtyTracking);
        QVERIFY(test::saveScreenshot(dma, u"control-window-dma-eopnotsupp"_s));
        QTest::mouseClick(dma->closeButton(), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(!dma->state().isOpen(), 30000);
        ControlAction restore;
        restore.kind = ActionKind::RestoreGroup;
        restore.group = 4;
        const ActionLogEntry *r = apply(restore);
        QVERIFY(r && r->status == ActionLogEntry::Status::Succeeded);
    }

    void readOnlyWithoutHelper()
    {
        gui::MainWindow w;
        QString error;
        QVERIFY(!w.startDemoHelper(u"/nonexistent/devtopo-helper"_s, &error));
        QVERIFY2(error.contains(u"cannot start /nonexistent/devtopo-helper"_s), qPrintable(error));
        w.setReadOnly(u"the demo helper could not be started: "_s + error);
        QSignalSpy loaded(&w, &gui::MainWindow::topologyLoaded);
        w.openSource(m_w->sourcePath(), u"demo host (read-only)"_s);
        QTRY_VERIFY_WITH_TIMEOUT(loaded.size() == 1, 60000);
        QVERIFY(w.actionsUnavailableReason().startsWith(u"read-only: the demo helper could not be started"_s));
        QMenu menu;
        w.fillActionsMenu(&menu, pa("0000:1b:00.1"), 16);
        QAction *bind = menu.findChild<QAction *>(u"bindGroup"_s);
        QVERIFY(bind && !bind->isEnabled());
        QVERIFY(bind->toolTip().startsWith(u"read-only"_s));
        QVERIFY(!w.requestAction(bindGroup(16)));
        QVERIFY(w.actionLog()->entries().last().error.startsWith(u"read-only"_s));
        QVERIFY(!w.dmaPanel()->openButton()->isEnabled());
        QVERIFY(w.actionLogPanel()->messageIsError());
    }

    void vfTokenEaccesThenSuccess()
    {
        const ActionLogEntry *e = apply(device(ActionKind::BindDevice, "0000:3b:00.1", u"vfio-pci"_s));
        QVERIFY(e && e->status == ActionLogEntry::Status::Succeeded);
        views::VfTokenPanel *p = m_w->vfTokenPanel();
        raise(p);
        p->choosePf(pa("0000:3b:00.1"));
        QTest::mouseClick(p->generateButton(), Qt::LeftButton);
        const QString token = p->tokenEdit()->text();
        QVERIFY(p->setTokenButton()->isEnabled());
        QSignalSpy finished(m_w.get(), &gui::MainWindow::actionFinished);
        QTest::mouseClick(p->setTokenButton(), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(finished.size() == 1, 30000);
        QVERIFY2(!p->resultIsError(), qPrintable(p->resultText()));

        ControlAction vfs = device(ActionKind::SetNumVfs, "0000:3b:00.1");
        vfs.count = 1;
        views::ActionDialog *d = nullptr;
        const ActionLogEntry *n = apply(vfs, &d);
        QVERIFY(n && n->status == ActionLogEntry::Status::Succeeded);
        const PciFunction *pf = m_w->topology().function(pa("0000:3b:00.1"));
        QCOMPARE(pf->vfs.size(), 1);
        p->choosePf(pa("0000:3b:00.1"));
        QCOMPARE(p->vfCombo()->count(), 1);

        auto open = [&](bool withToken) {
            const qsizetype before = finished.size();
            (withToken ? p->withTokenRadio() : p->noTokenRadio())->setChecked(true);
            QTest::mouseClick(p->openButton(), Qt::LeftButton);
            return QTest::qWaitFor([&] { return finished.size() == before + 1; }, 30000);
        };
        QVERIFY(open(false));
        QVERIFY(p->resultIsError());
        QVERIFY2(p->resultText().contains(u"the PF is bound to vfio-pci and has a VF token; this open gave none"_s), qPrintable(p->resultText()));
        QVERIFY(p->resultText().contains(u"EACCES: VF token required to access device"_s));
        QVERIFY(test::saveScreenshot(p, u"control-window-vf-token-eacces"_s));
        p->openTokenEdit()->setText(token);
        QVERIFY(open(true));
        QVERIFY2(!p->resultIsError(), qPrintable(p->resultText()));
        QVERIFY(p->resultText().contains(u"the kernel accepted it"_s));
        QVERIFY(test::saveScreenshot(p, u"control-window-vf-token-ok"_s));
    }
};

QTEST_MAIN(TestControlWindow)
#include "tst_controlwindow.moc"
