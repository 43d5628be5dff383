// Each panel on the hand-built topology: content assertions plus a screenshot per panel.

#include "devicedetailsview.h"
#include "devicetreepanel.h"
#include "grouppanel.h"
#include "iommuunitspanel.h"
#include "iovamappanel.h"
#include "iovamapwidget.h"
#include "models/detailsmodel.h"
#include "models/devicetreemodel.h"
#include "models/reservedregionmodel.h"
#include "screenshots.h"
#include "sriovpanel.h"
#include "testtopology.h"

#include <QLineEdit>
#include <QSignalSpy>
#include <QTableView>
#include <QTest>
#include <QTreeView>
#include <QTreeWidget>

using namespace devtopo;
using namespace devtopo::views;

class TestPanels : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void groupPanelExplainsANonViableGroup()
    {
        GroupPanel panel;
        panel.resize(900, 900);
        panel.setTopology(test::makeTestTopology());
        QSignalSpy selected(&panel, &GroupPanel::groupSelected);
        panel.selectGroup(2);
        QCOMPARE(selected.count(), 0); // programmatic selection stays quiet
        QCOMPARE(panel.currentGroup(), 2);
        const QString text = panel.explanationText();
        QVERIFY(text.contains(QStringLiteral("not viable for VFIO")));
        QVERIFY(text.contains(QStringLiteral("has no ACS capability")));
        QVERIFY(text.contains(QStringLiteral("unbind nvme from 0000:03:00.0")));
        QVERIFY(text.contains(QStringLiteral("0000:03:00.0 Samsung")));
        QCOMPARE(panel.iovaPanel()->map()->segments().size(), 7);
        QCOMPARE(panel.iovaPanel()->regionTable()->model()->rowCount(), 6);

        // The user clicking a row does emit.
        panel.table()->setCurrentIndex(panel.table()->model()->index(0, 0));
        QCOMPARE(selected.count(), 1);
        QCOMPARE(selected.first().first().toInt(), 0);
        panel.selectGroup(2);
        panel.show();
        QVERIFY(QTest::qWaitForWindowExposed(&panel));
        QVERIFY(test::saveScreenshot(&panel, QStringLiteral("panel-groups")));
    }

    void groupFilterKeepsExternalSelectionVisible()
    {
        GroupPanel panel;
        panel.setTopology(test::makeTestTopology());
        panel.filterEdit()->setText(QStringLiteral("driver:mlx5"));
        QCOMPARE(panel.table()->model()->rowCount(), 1);
        panel.selectGroup(2);
        QCOMPARE(panel.currentGroup(), 2);
        QVERIFY(panel.filterEdit()->text().isEmpty());
    }

    void iovaPanelSelectsRowsFromTheMap()
    {
        IovaMapPanel panel;
        panel.resize(1000, 520);
        panel.setTopology(test::makeTestTopology());
        panel.setGroup(5);
        panel.show();
        QVERIFY(QTest::qWaitForWindowExposed(&panel));
        IovaMapWidget *map = panel.map();
        QCOMPARE(map->segments().size(), 5);
        QCOMPARE(map->segments()[3].kind, QStringLiteral("reserved"));
        QTest::mouseClick(map, Qt::LeftButton, {}, map->segmentRect(3).center());
        QCOMPARE(panel.regionTable()->currentIndex().data(KindRole).toString(), QStringLiteral("reserved"));
        QVERIFY(test::saveScreenshot(&panel, QStringLiteral("panel-iova-group5")));
        panel.setGroup(2);
        QVERIFY(test::saveScreenshot(&panel, QStringLiteral("panel-iova-group2")));
        panel.setGroup(8); // regions unreadable, assumed 57 bits
        QCOMPARE(map->segments().size(), 1);
        panel.setGroup(-1);
        QVERIFY(map->segments().isEmpty());
    }

    void treePanelFiltersAndHighlights()
    {
        DeviceTreePanel panel;
        panel.resize(1100, 500);
        panel.setTopology(test::makeTestTopology());
        QSignalSpy selected(&panel, &DeviceTreePanel::functionSelected);
        panel.selectFunction(test::addr("0000:04:00.0"));
        QCOMPARE(selected.count(), 0);
        QCOMPARE(panel.currentFunction(), std::optional(test::addr("0000:04:00.0")));
        panel.highlightGroup(2);
        QCOMPARE(panel.highlightedGroup(), 2);
        panel.show();
        QVERIFY(QTest::qWaitForWindowExposed(&panel));
        QVERIFY(test::saveScreenshot(&panel, QStringLiteral("panel-tree")));

        panel.filterEdit()->setText(QStringLiteral("driver:vfio-pci"));
        QTreeView *tree = panel.treeView();
        QCOMPARE(tree->model()->rowCount(), 1); // only pci0000:00 holds matches
        QVERIFY(test::saveScreenshot(&panel, QStringLiteral("panel-tree-filtered")));
        panel.filterEdit()->clear();
        QCOMPARE(tree->model()->rowCount(), 2);

        const QModelIndex first = tree->model()->index(0, 0);
        tree->setCurrentIndex(tree->model()->index(1, 0, first));
        QCOMPARE(selected.count(), 1);
    }

    void detailsViewShowsCapabilities()
    {
        DeviceDetailsView view;
        view.resize(600, 800);
        view.setTopology(test::makeTestTopology());
        view.showFunction(test::addr("0000:00:01.0"));
        const QModelIndex acs = view.detailsModel()->findKey(QStringLiteral("ACSCtl"));
        QVERIFY(acs.isValid());
        view.expandAll();
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        QVERIFY(test::saveScreenshot(&view, QStringLiteral("panel-details-rootport")));
        QSignalSpy activated(&view, &DeviceDetailsView::functionActivated);
        view.showGroup(2);
        const QModelIndex members = view.detailsModel()->findSection(QStringLiteral("Members"));
        Q_EMIT view.activated(view.model()->index(0, 0, members));
        QCOMPARE(activated.count(), 1);
        QVERIFY(test::saveScreenshot(&view, QStringLiteral("panel-details-group2")));
    }

    void sriovAndUnits()
    {
        SriovPanel sriov;
        sriov.resize(800, 300);
        sriov.setTopology(test::makeTestTopology());
        QVERIFY(sriov.summaryText().contains(QStringLiteral("1 SR-IOV physical function(s)")));
        QVERIFY(sriov.selectFunction(test::addr("0000:05:10.2")));
        QVERIFY(!sriov.selectFunction(test::addr("0000:03:00.0")));
        sriov.show();
        QVERIFY(QTest::qWaitForWindowExposed(&sriov));
        QVERIFY(test::saveScreenshot(&sriov, QStringLiteral("panel-sriov")));

        IommuUnitsPanel units;
        units.resize(800, 500);
        units.setTopology(test::makeTestTopology());
        QCOMPARE(units.unitCount(), 2);
        QTreeWidgetItem *dmar1 = units.treeWidget()->topLevelItem(1);
        QCOMPARE(dmar1->text(IommuUnitsPanel::WidthColumn), QStringLiteral("57 bits"));
        QVERIFY(dmar1->text(IommuUnitsPanel::FeaturesColumn).contains(QStringLiteral("dirty tracking")));
        units.show();
        QVERIFY(QTest::qWaitForWindowExposed(&units));
        QVERIFY(test::saveScreenshot(&units, QStringLiteral("panel-iommu-units")));
        units.setTopology(Topology());
        QCOMPARE(units.unitCount(), 0);
    }
};

QTEST_MAIN(TestPanels)
#include "tst_panels.moc"
