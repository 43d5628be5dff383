// The Topology tab offscreen on the demo host: fit, zoom, search-to-focus, VF expansion by click,
// a highlighted culprit port, exports; then inside the main window, selection both ways with the
// device tree and the details panel. Screenshots land in ${CMAKE_BINARY_DIR}/screenshots.

#include "devicedetailsview.h"
#include "devicetreepanel.h"
#include "drawingtestutil.h"
#include "mainwindow.h"
#include "models/detailsmodel.h"
#include "topologycanvas.h"
#include "topologyview.h"

#include <QDir>
#include <QLineEdit>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTest>
#include <QTreeView>

using namespace devtopo;
using layout::DrawNode;
using Kind = DrawNode::Kind;

namespace {
PciAddress addr(const char *s)
{
    return *PciAddress::parse(QString::fromLatin1(s));
}

QString shotPath(const QString &name)
{
    const QString dir = QStringLiteral(DEVTOPO_SCREENSHOT_DIR);
    QDir().mkpath(dir);
    return dir + QLatin1Char('/') + name;
}

bool screenshot(QWidget *w, const QString &name)
{
    QTest::qWait(100);
    return w->grab().save(shotPath(name + QStringLiteral(".png")));
}

QPoint pointOn(views::TopologyCanvas *canvas, const DrawNode &n)
{
    // Inside the box, below its title: the centre of a container may be one of its children.
    return canvas->mapFromScene(n.rect.topLeft() + QPointF(std::min<qreal>(20, n.rect.width() / 2), 8)).toPoint();
}
} // namespace

class TestTopologyView : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QString error;
        QVERIFY2(test::scanDemoHost(&m_topo, &error), qPrintable(error));
        m_topo.reindex();
        m_view = std::make_unique<views::TopologyView>();
        m_view->resize(1400, 900);
        m_view->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_view.get()));
        m_view->setTopology(m_topo);
    }

    void cleanupTestCase()
    {
        m_view.reset();
    }

    void fitShowsEverything()
    {
        m_view->fitToWindow();
        auto *canvas = m_view->canvas();
        QVERIFY(canvas->visibleSceneRect().contains(m_view->drawing().bounds));
        QVERIFY(canvas->zoom() > 0.2 && canvas->zoom() <= 1.5);
        QVERIFY(screenshot(m_view.get(), QStringLiteral("topology-fit")));
    }

    void zoomAroundTheView()
    {
        auto *canvas = m_view->canvas();
        const qreal before = canvas->zoom();
        m_view->zoomBy(2.0);
        QVERIFY(qAbs(canvas->zoom() - 2 * before) < 1e-6);
        // The wheel zooms around the cursor: the scene point under it stays.
        const QPoint at(400, 300);
        const QPointF scene = canvas->mapToScene(at);
        QWheelEvent wheel(at, canvas->mapToGlobal(at), QPoint(), QPoint(0, 240), Qt::NoButton, Qt::NoModifier, Qt::NoScrollPhase, false);
        QCoreApplication::sendEvent(canvas, &wheel);
        QVERIFY(canvas->zoom() > 2 * before);
        QVERIFY((canvas->mapToScene(at) - scene).manhattanLength() < 1);
        // Drag pans.
        const QPointF origin = canvas->mapToScene(QPoint(0, 0));
        QTest::mousePress(canvas, Qt::LeftButton, {}, QPoint(600, 400));
        QMouseEvent move(QEvent::MouseMove, QPointF(500, 350), canvas->mapToGlobal(QPointF(500, 350)), Qt::NoButton, Qt::LeftButton, Qt::NoModifier);
        QCoreApplication::sendEvent(canvas, &move);
        QTest::mouseRelease(canvas, Qt::LeftButton, {}, QPoint(500, 350));
        QVERIFY((canvas->mapToScene(QPoint(0, 0)) - origin).manhattanLength() > 10);
    }

    void searchCentresAndSelects()
    {
        QSignalSpy selected(m_view.get(), &views::TopologyView::functionSelected);
        m_view->searchEdit()->setText(QStringLiteral("0000:3b:00.0"));
        QTest::keyClick(m_view->searchEdit(), Qt::Key_Return);
        QCOMPARE(selected.count(), 1);
        QCOMPARE(selected.first().first().value<PciAddress>(), addr("0000:3b:00.0"));
        QCOMPARE(m_view->selectedFunction(), addr("0000:3b:00.0"));
        auto *canvas = m_view->canvas();
        const DrawNode &n = m_view->drawing().nodes[m_view->drawing().nodeFor(addr("0000:3b:00.0"))];
        QVERIFY(canvas->visibleSceneRect().contains(n.rect));
        QVERIFY(canvas->zoom() >= 0.6);
        QVERIFY(canvas->paintState().flashNode >= 0);
        QTest::qWait(300); // mid-flash
        QVERIFY(screenshot(m_view.get(), QStringLiteral("topology-search")));
        QVERIFY(!m_view->focusSearch(QStringLiteral("no such device")));
    }

    void clickingAStackExpandsIt()
    {
        const layout::TopologyLayout &l = m_view->drawing();
        const int stack = l.nodeFor(addr("0000:3b:02.0"));
        QCOMPARE(l.nodes[stack].kind, Kind::VfStack);
        auto *canvas = m_view->canvas();
        canvas->reveal(stack);
        QSignalSpy selected(m_view.get(), &views::TopologyView::functionSelected);
        QTest::mouseClick(canvas, Qt::LeftButton, {}, pointOn(canvas, l.nodes[stack]));
        QCOMPARE(m_view->drawing().nodes[m_view->drawing().nodeFor(addr("0000:3b:02.0"))].kind, Kind::Device);
        QCOMPARE(selected.count(), 1);
        QVERIFY(screenshot(m_view.get(), QStringLiteral("topology-vfs-expanded")));
        // A double-click on a VF folds them back.
        const DrawNode &vf = m_view->drawing().nodes[m_view->drawing().nodeFor(addr("0000:3b:02.3"))];
        canvas->reveal(m_view->drawing().nodeFor(addr("0000:3b:02.3")));
        QTest::mouseDClick(canvas, Qt::LeftButton, {}, pointOn(canvas, vf));
        QCOMPARE(m_view->drawing().nodes[m_view->drawing().nodeFor(addr("0000:3b:02.3"))].kind, Kind::VfStack);
    }

    void selectingAVfExpandsItsStack()
    {
        m_view->selectFunction(addr("0000:af:00.3"));
        const layout::TopologyLayout &l = m_view->drawing();
        QCOMPARE(l.nodes[l.nodeFor(addr("0000:af:00.3"))].kind, Kind::Device);
        QCOMPARE(m_view->canvas()->paintState().selectedNode, l.nodeFor(addr("0000:af:00.3")));
    }

    void highlightsACulpritPort()
    {
        // The Promontory-style riser: a root port without ACS the group explanation blames.
        std::optional<PciAddress> culprit;
        for (const IommuGroup &g : std::as_const(m_topo.groups))
            for (const GroupReason &r : g.reasons)
                if (!culprit && m_topo.function(r.culprit) && m_topo.function(r.culprit)->isBridge())
                    culprit = r.culprit;
        QVERIFY(culprit);
        m_view->highlightPort(*culprit);
        QCOMPARE(m_view->canvas()->paintState().highlightedPort, m_view->drawing().nodeFor(*culprit));
        QTest::qWait(1600); // after the flash: the ring stays
        QVERIFY(screenshot(m_view.get(), QStringLiteral("topology-culprit-port")));
    }

    void exportsFromTheView()
    {
        QString error;
        QVERIFY2(m_view->exportDrawing(shotPath(QStringLiteral("topology-export.png")), &error), qPrintable(error));
        QVERIFY2(m_view->exportDrawing(shotPath(QStringLiteral("topology-export.svg")), &error), qPrintable(error));
        QVERIFY(!m_view->exportDrawing(shotPath(QStringLiteral("topology-export.bmp")), &error));
        QVERIFY(error.contains(QStringLiteral(".svg")));
    }

    void expandAllAndFit()
    {
        m_view->setExpandAllVfs(true);
        QCOMPARE(m_view->drawing().count(Kind::VfStack), 0);
        m_view->fitToWindow();
        QVERIFY(screenshot(m_view.get(), QStringLiteral("topology-all-vfs")));
        m_view->setExpandAllVfs(false);
        QVERIFY(m_view->drawing().count(Kind::VfStack) > 0);
    }

    void insideTheMainWindow()
    {
        const QString root = sim::createDemoRoot();
        QVERIFY(!root.isEmpty());
        gui::MainWindow window;
        window.resize(1600, 1000);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QSignalSpy loaded(&window, &gui::MainWindow::topologyLoaded);
        window.openSource(root, QStringLiteral("demo host"));
        QTRY_VERIFY_WITH_TIMEOUT(loaded.count() == 1, 120000);
        auto *tabs = window.findChild<QTabWidget *>(QStringLiteral("centralTabs"));
        auto *view = window.findChild<views::TopologyView *>();
        QVERIFY(tabs && view);
        tabs->setCurrentWidget(view);
        QTest::qWait(50);
        view->fitToWindow();

        // Tree → drawing.
        window.selectFunction(addr("0000:1d:00.0"));
        QCOMPARE(view->selectedFunction(), addr("0000:1d:00.0"));
        // Drawing → tree and details.
        const layout::TopologyLayout &l = view->drawing();
        const int nvme = l.nodeFor(addr("0000:3c:00.0"));
        view->canvas()->reveal(nvme);
        QTest::mouseClick(view->canvas(), Qt::LeftButton, {}, pointOn(view->canvas(), l.nodes[nvme]));
        QCOMPARE(window.deviceTreePanel()->currentFunction(), addr("0000:3c:00.0"));
        QCOMPARE(window.detailsView()->detailsModel()->title().left(12), QStringLiteral("0000:3c:00.0"));

        // Details → drawing: the culprit row of a function whose group is explained.
        window.selectFunction(addr("0000:22:00.0"));
        DetailsModel *details = window.detailsView()->detailsModel();
        const QModelIndex culprit = details->findKey(QStringLiteral("Culprit"));
        QVERIFY(culprit.isValid());
        QCOMPARE(culprit.data(KindRole).toString(), QStringLiteral("culprit"));
        const PciAddress port = culprit.data(PciAddressRole).value<PciAddress>();
        tabs->setCurrentIndex(0);
        Q_EMIT window.detailsView()->activated(culprit);
        QCOMPARE(view->highlightedPort(), port);
        QCOMPARE(tabs->currentWidget(), view);
        QVERIFY(!details->findKey(QStringLiteral("Memory-only NUMA nodes")).isValid()
                || details->findKey(QStringLiteral("Node 2")).isValid());
        QTest::qWait(1600);
        QVERIFY(screenshot(&window, QStringLiteral("mainwindow-topology")));
    }

private:
    Topology m_topo;
    std::unique_ptr<views::TopologyView> m_view;
};

QTEST_MAIN(TestTopologyView)
#include "tst_topologyview.moc"
