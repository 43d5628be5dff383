// The IOMMU units panel's "what it means for VFIO": on the demo host, the scalable-mode units
// (dmar0-3) can track dirty pages and nest, the PCH's legacy-mode unit (dmar4) cannot, and the
// panel says what that costs in words.

#include "drawingtestutil.h"
#include "iommuunitspanel.h"

#include <QDir>
#include <QTest>
#include <QTreeWidget>

using namespace devtopo;
using views::IommuImplication;

namespace {
const IommuImplication *find(const QList<IommuImplication> &list, const QString &headline)
{
    for (const IommuImplication &i : list)
        if (i.headline == headline)
            return &i;
    return nullptr;
}
} // namespace

class TestIommuImpact : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase()
    {
        QString error;
        QVERIFY2(test::scanDemoHost(&m_topo, &error), qPrintable(error));
        m_topo.reindex();
        QCOMPARE(m_topo.iommuUnits.size(), 5);
    }

    void implications()
    {
        for (const IommuUnit &u : std::as_const(m_topo.iommuUnits)) {
            const QList<IommuImplication> list = views::iommuImplications(u);
            if (u.name == QStringLiteral("dmar4")) {
                QVERIFY(find(list, QStringLiteral("Legacy mode only")));
                const IommuImplication *dirty = find(list, QStringLiteral("No dirty tracking"));
                QVERIFY(dirty && !dirty->good);
                QVERIFY(dirty->text.contains(QStringLiteral("cannot converge in pre-copy")));
                QVERIFY(find(list, QStringLiteral("No nesting")));
                QVERIFY(find(list, QStringLiteral("No nesting"))->text.contains(QStringLiteral("vIOMMU")));
                QVERIFY(find(list, QStringLiteral("No PASID")));
            } else {
                QVERIFY2(find(list, QStringLiteral("Dirty tracking")) && find(list, QStringLiteral("Dirty tracking"))->good, qPrintable(u.name));
                QVERIFY(find(list, QStringLiteral("Nesting")));
                QVERIFY(find(list, QStringLiteral("PASID, 20 bits")));
            }
            const IommuImplication *width = find(list, QStringLiteral("48-bit address space"));
            QVERIFY2(width, qPrintable(u.name));
            QVERIFY(width->text.contains(QStringLiteral("256 TiB")));
        }
        IommuUnit noIr;
        noIr.kind = QStringLiteral("intel-vtd");
        noIr.addressWidth = 39;
        const QList<IommuImplication> list = views::iommuImplications(noIr);
        QVERIFY(find(list, QStringLiteral("No interrupt remapping")));
        QVERIFY(!find(list, QStringLiteral("39-bit address space"))->good);
        QVERIFY(find(list, QStringLiteral("39-bit address space"))->text.contains(QStringLiteral("512 GiB")));
    }

    void panel()
    {
        views::IommuUnitsPanel panel;
        panel.resize(900, 700);
        panel.setTopology(m_topo);
        QCOMPARE(panel.unitCount(), 5);
        QTreeWidget *tree = panel.treeWidget();
        // dmar4 serves the PCH devices; select it and read the prose.
        QTreeWidgetItem *dmar4 = nullptr;
        for (int i = 0; i < tree->topLevelItemCount(); ++i)
            if (tree->topLevelItem(i)->text(0) == QStringLiteral("dmar4"))
                dmar4 = tree->topLevelItem(i);
        QVERIFY(dmar4);
        tree->setCurrentItem(dmar4->child(0));
        QVERIFY(panel.explanationText().contains(QStringLiteral("dmar4")));
        QVERIFY(panel.explanationText().contains(QStringLiteral("cannot converge in pre-copy")));
        bool impact = false;
        for (int i = 0; i < dmar4->childCount(); ++i)
            if (dmar4->child(i)->text(0) == QStringLiteral("VFIO impact")) {
                impact = true;
                QVERIFY(dmar4->child(i)->childCount() >= 4);
            }
        QVERIFY(impact);
        panel.show();
        QVERIFY(QTest::qWaitForWindowExposed(&panel));
        QTest::qWait(100);
        const QString dir = QStringLiteral(DEVTOPO_SCREENSHOT_DIR);
        QDir().mkpath(dir);
        QVERIFY(panel.grab().save(dir + QStringLiteral("/panel-iommu-impact.png")));
    }

private:
    Topology m_topo;
};

QTEST_MAIN(TestIommuImpact)
#include "tst_iommuimpact.moc"
