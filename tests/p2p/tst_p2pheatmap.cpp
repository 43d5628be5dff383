// The P2P heat map on the demo host: content, kind switch, and screenshots to look at.

#include "demoroot.h"
#include "models/p2pmatrixmodel.h"
#include "p2pheatmappanel.h"
#include "screenshots.h"
#include "source.h"

#include <QApplication>
#include <QComboBox>
#include <QHeaderView>
#include <QTableView>
#include <QTest>

using namespace devtopo;

class TestP2pHeatMap : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void demoGpus();
    void allEndpoints();

private:
    Topology m_demo;
};

void TestP2pHeatMap::initTestCase()
{
    QString error;
    const QString root = sim::createDemoRoot(&error);
    QVERIFY2(!root.isEmpty(), qPrintable(error));
    SourceResult r = openSource(root);
    QVERIFY2(r.ok, qPrintable(r.error));
    m_demo = std::move(r.topology);
}

void TestP2pHeatMap::demoGpus()
{
    views::P2pHeatMapPanel panel;
    panel.resize(1100, 420);
    panel.setTopology(m_demo);
    panel.show();
    QVERIFY(QTest::qWaitForWindowExposed(&panel));
    QCOMPARE(panel.kind(), P2pKind::Gpu);
    P2pMatrixModel *model = panel.matrixModel();
    QVERIFY(model->rowCount() >= 4);
    QCOMPARE(model->headerData(0, Qt::Horizontal).toString(), QStringLiteral("GPU0"));
    QVERIFY(panel.summaryText().contains(QStringLiteral("SYS")));
    // Opens on the first pair, explained.
    QCOMPARE(panel.tableView()->currentIndex(), model->index(0, 1));
    QVERIFY(panel.detailsText().contains(QStringLiteral("PCI_P2PDMA_MAP_")));
    QVERIFY(panel.detailsText().contains(QStringLiteral("Bottleneck")));
    // Every cell is visible without scrolling at this size.
    const QRect last = panel.tableView()->visualRect(model->index(model->rowCount() - 1, model->columnCount() - 1));
    QVERIFY(panel.tableView()->viewport()->rect().contains(last));
    QVERIFY(devtopo::test::saveScreenshot(&panel, QStringLiteral("p2p-heatmap-demo-gpus")));
}

void TestP2pHeatMap::allEndpoints()
{
    views::P2pHeatMapPanel panel;
    panel.resize(1400, 700);
    panel.setTopology(m_demo);
    panel.setKind(P2pKind::All);
    panel.show();
    QVERIFY(QTest::qWaitForWindowExposed(&panel));
    QVERIFY(panel.matrixModel()->rowCount() > 20);
    QVERIFY(panel.summaryText().contains(QStringLiteral("NODE")));
    // The user's choice survives a rescan.
    panel.setTopology(m_demo);
    QCOMPARE(panel.kind(), P2pKind::All);
    QVERIFY(devtopo::test::saveScreenshot(&panel, QStringLiteral("p2p-heatmap-demo-all")));
}

QTEST_MAIN(TestP2pHeatMap)
#include "tst_p2pheatmap.moc"
