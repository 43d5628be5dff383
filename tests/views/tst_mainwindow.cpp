// The whole window on the simulated demo host: scan off the UI thread, select a device and a group,
// check every panel has content, and leave screenshots for a human to look at.

#include "devicedetailsview.h"
#include "devicetreepanel.h"
#include "grouppanel.h"
#include "iommuunitspanel.h"
#include "iovamappanel.h"
#include "iovamapwidget.h"
#include "mainwindow.h"
#include "migrationpanel.h"
#include "models/detailsmodel.h"
#include "screenshots.h"
#include "sriovpanel.h"

#ifdef DEVTOPO_HAVE_SIM
#include "demoroot.h"
#endif

#include <QDockWidget>
#include <QLineEdit>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTableView>
#include <QTest>
#include <QTreeView>

using namespace devtopo;

class TestMainWindow : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true); // keep QSettings away from the user's config
#ifndef DEVTOPO_HAVE_SIM
        QSKIP("built without backend/sim: no demo host to open");
#else
        QString error;
        m_root = sim::createDemoRoot(&error);
        QVERIFY2(!m_root.isEmpty(), qPrintable(error));
#endif
        m_window = std::make_unique<gui::MainWindow>();
        m_window->resize(1600, 1000);
        m_window->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
        QSignalSpy loaded(m_window.get(), &gui::MainWindow::topologyLoaded);
        QSignalSpy failed(m_window.get(), &gui::MainWindow::scanFailed);
        m_window->openSource(m_root, QStringLiteral("demo host"));
        QVERIFY(m_window->isScanning());
        QTRY_VERIFY_WITH_TIMEOUT(loaded.count() == 1 || failed.count() == 1, 120000);
        QVERIFY2(failed.isEmpty(), failed.isEmpty() ? "" : qPrintable(failed.first().first().toString()));
        QVERIFY(!m_window->isScanning());
    }

    void cleanupTestCase()
    {
        m_window.reset();
    }

    void showsTheDemoHost()
    {
        const Topology &t = m_window->topology();
        QVERIFY(t.functions.size() > 10);
        QVERIFY(!t.groups.isEmpty());
        QVERIFY(m_window->windowTitle().contains(QStringLiteral("demo host")));
        QTreeView *tree = m_window->deviceTreePanel()->treeView();
        QVERIFY(tree->model()->rowCount() >= 1);
        QVERIFY(test::saveScreenshot(m_window.get(), QStringLiteral("mainwindow")));
    }

    void selectingADeviceSelectsItsGroup()
    {
        const Topology &t = m_window->topology();
        // An endpoint with a group: the most common thing to click.
        const PciFunction *pick = nullptr;
        for (const PciFunction &f : t.functions)
            if (f.iommuGroup && !f.isBridge() && !f.driver.isEmpty()) {
                pick = &f;
                break;
            }
        QVERIFY(pick);
        QTreeView *tree = m_window->deviceTreePanel()->treeView();
        // Select it the way a user does: through the tree's selection model.
        m_window->deviceTreePanel()->selectFunction(pick->address); // reveals it, quietly
        const QModelIndex row = tree->currentIndex();
        tree->setCurrentIndex(QModelIndex());
        tree->setCurrentIndex(row);
        DetailsModel *details = m_window->detailsView()->detailsModel();
        QCOMPARE(details->subject(), DetailsModel::Subject::Function);
        QVERIFY(details->title().startsWith(pick->address.toString()));
        QVERIFY(details->findSection(QStringLiteral("Capabilities")).isValid());
        QCOMPARE(m_window->groupPanel()->currentGroup(), *pick->iommuGroup);
        QCOMPARE(m_window->deviceTreePanel()->highlightedGroup(), *pick->iommuGroup);
        QVERIFY(m_window->iovaPanel()->map()->segments().size() >= 1);
        QVERIFY(test::saveScreenshot(m_window->detailsView(), QStringLiteral("dock-details")));
    }

    void nonViableGroupIsExplained()
    {
        const Topology &t = m_window->topology();
        const IommuGroup *pick = nullptr;
        for (const IommuGroup &g : t.groups)
            if (!g.viability.viable && !g.reasons.isEmpty() && (!pick || g.reservedRegions.size() > pick->reservedRegions.size()))
                pick = &g;
        QVERIFY2(pick, "the demo host should have a shared, non-viable group");
        m_window->selectGroup(pick->id);
        gui::MainWindow *w = m_window.get();
        QCOMPARE(w->groupPanel()->currentGroup(), pick->id);
        const QString text = w->groupPanel()->explanationText();
        QVERIFY(text.contains(QStringLiteral("not viable for VFIO")));
        // The first reason's own words are on screen.
        QVERIFY2(text.contains(pick->reasons.first().text.left(40)), qPrintable(text));
        QCOMPARE(w->detailsView()->detailsModel()->subject(), DetailsModel::Subject::Group);
        QCOMPARE(w->deviceTreePanel()->highlightedGroup(), pick->id);
        views::IovaMapWidget *map = w->iovaPanel()->map();
        QVERIFY(map->segments().size() >= 2);
        QVERIFY(w->iovaPanel()->regionTable()->model()->rowCount() >= 2);
        QVERIFY(test::saveScreenshot(w, QStringLiteral("mainwindow-group")));
        QVERIFY(test::saveScreenshot(w->groupPanel(), QStringLiteral("dock-groups")));
        QVERIFY(test::saveScreenshot(w->iovaPanel(), QStringLiteral("dock-iova")));
        QVERIFY(test::saveScreenshot(w->detailsView(), QStringLiteral("dock-details-group")));
    }

    void everyDockHasContent()
    {
        gui::MainWindow *w = m_window.get();
        // groups, details, SR-IOV, IOMMU units, IOVA map, actions log, DMA, VF token, device migration, P2P
        QCOMPARE(w->docks().size(), 10);
        for (QDockWidget *d : w->docks()) {
            d->show();
            d->raise();
            QVERIFY2(d->isVisible(), qPrintable(d->objectName()));
        }
        const Topology &t = w->topology();
        bool hasSriov = false;
        for (const PciFunction &f : t.functions)
            hasSriov |= !f.vfs.isEmpty() || f.sriov.capable;
        if (hasSriov)
            QVERIFY(w->sriovPanel()->summaryText().contains(QStringLiteral("physical function")));
        QCOMPARE(w->iommuUnitsPanel()->unitCount(), int(t.iommuUnits.size()));
        for (QDockWidget *d : w->docks()) {
            d->raise();
            QCoreApplication::processEvents();
            QVERIFY(test::saveScreenshot(d, QStringLiteral("dock-") + d->objectName()));
        }
    }

    // The VM migration tab runs the simulated VM through the same QMP client as a real QEMU: a
    // converging demo (sped up) must end completed with the verdict saying so.
    void vmMigrationTabRunsTheDemoVm()
    {
        gui::MainWindow *w = m_window.get();
        auto *tabs = w->findChild<QTabWidget *>(QStringLiteral("centralTabs"));
        QVERIFY(tabs);
        QVERIFY(tabs->indexOf(w->vmMigrationPanel()) >= 0);
        w->showVmMigration();
        QCOMPARE(tabs->currentWidget(), w->vmMigrationPanel());
        QString error;
        QSignalSpy finished(w->vmMigrationPanel(), &migration::MigrationPanel::migrationFinished);
        QVERIFY2(w->vmMigrationPanel()->startDemo(QStringLiteral("converging"), 20.0, &error), qPrintable(error));
        QTRY_VERIFY_WITH_TIMEOUT(finished.count() == 1, 60000);
        QVERIFY2(w->vmMigrationPanel()->verdictText().startsWith(QStringLiteral("Completed")),
                 qPrintable(w->vmMigrationPanel()->verdictText()));
        QVERIFY(!w->vmMigrationPanel()->recording().samples().isEmpty());
        QVERIFY(test::saveScreenshot(w, QStringLiteral("mainwindow-vm-migration")));
        tabs->setCurrentIndex(0);
    }

    void filterNarrowsTheTree()
    {
        views::DeviceTreePanel *panel = m_window->deviceTreePanel();
        panel->filterEdit()->setText(QStringLiteral("class:bridge"));
        QVERIFY(panel->treeView()->model()->rowCount() >= 1);
        panel->filterEdit()->setText(QStringLiteral("no-such-device-anywhere"));
        QCOMPARE(panel->treeView()->model()->rowCount(), 0);
        panel->filterEdit()->clear();
        QVERIFY(panel->treeView()->model()->rowCount() >= 1);
    }

    void rescanKeepsTheWindowUsable()
    {
        QSignalSpy loaded(m_window.get(), &gui::MainWindow::topologyLoaded);
        QSignalSpy failed(m_window.get(), &gui::MainWindow::scanFailed);
        const int group = m_window->groupPanel()->currentGroup();
        m_window->rescan();
        QVERIFY(m_window->isScanning());
        // The old topology stays on screen while the new scan runs.
        QVERIFY(!m_window->topology().functions.isEmpty());
        QTRY_VERIFY_WITH_TIMEOUT(loaded.count() == 1, 120000);
        QCOMPARE(m_window->groupPanel()->currentGroup(), group);
    }

    void cancelStopsTheScan()
    {
        QSignalSpy loaded(m_window.get(), &gui::MainWindow::topologyLoaded);
        QSignalSpy failed(m_window.get(), &gui::MainWindow::scanFailed);
        m_window->rescan();
        m_window->cancelScan();
        // A fast scan may finish before the flag is seen; either way the scan ends and the UI is idle.
        QTRY_VERIFY_WITH_TIMEOUT(loaded.count() + failed.count() == 1, 120000);
        QVERIFY(!m_window->isScanning());
        QVERIFY(!m_window->topology().functions.isEmpty());
    }

    void badPathFails()
    {
        QSignalSpy failed(m_window.get(), &gui::MainWindow::scanFailed);
        m_window->openSource(QStringLiteral("/nonexistent/devtopo-test"));
        QTRY_COMPARE_WITH_TIMEOUT(failed.count(), 1, 30000);
        QVERIFY(!m_window->topology().functions.isEmpty()); // the previous host is still shown
    }

private:
    QString m_root;
    std::unique_ptr<gui::MainWindow> m_window;
};

QTEST_MAIN(TestMainWindow)
#include "tst_mainwindow.moc"
