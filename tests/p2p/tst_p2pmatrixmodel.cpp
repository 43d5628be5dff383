// P2pMatrixModel under QAbstractItemModelTester: headers, roles, kind and VF switches.

#include "models/p2pmatrixmodel.h"
#include "p2ptopologies.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QTest>

using namespace devtopo;
using namespace devtopo::test;

class TestP2pMatrixModel : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void tester();
    void roles();
    void kindAndVfs();
};

void TestP2pMatrixModel::tester()
{
    P2pMatrixModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setTopology(makeP2pTopology());
    model.setKind(P2pKind::All);
    model.setIncludeVfs(false);
    model.setKind(P2pKind::Nic);
    model.setTopology(Topology{});
    model.setTopology(makeP2pTopology());
}

void TestP2pMatrixModel::roles()
{
    P2pMatrixModel model;
    model.setTopology(makeP2pTopology());
    QCOMPARE(model.kind(), P2pKind::Gpu);
    QCOMPARE(model.rowCount(), 5);
    QCOMPARE(model.columnCount(), 5);
    QCOMPARE(model.headerData(0, Qt::Horizontal).toString(), QStringLiteral("GPU0"));
    QCOMPARE(model.headerData(4, Qt::Vertical, PciAddressRole).value<PciAddress>(), at("0000:81:00.0"));
    QVERIFY(model.headerData(0, Qt::Horizontal, Qt::ToolTipRole).toString().contains(QStringLiteral("0000:03:00.0")));

    const QModelIndex pix = model.index(0, 2); // 03:00.0 and 04:00.0 under one switch
    QCOMPARE(pix.data().toString(), QStringLiteral("PIX"));
    QCOMPARE(pix.data(P2pMatrixModel::P2pClassRole).toInt(), int(P2pClass::PIX));
    QCOMPARE(pix.data(P2pMatrixModel::MapTypeRole).toString(), QStringLiteral("BUS_ADDR"));
    QCOMPARE(pix.data(P2pMatrixModel::DistanceRole).toInt(), 4);
    QCOMPARE(pix.data(P2pMatrixModel::PathRole).toStringList(),
             (QStringList{QStringLiteral("0000:03:00.0"), QStringLiteral("0000:02:00.0"), QStringLiteral("0000:01:00.0"),
                          QStringLiteral("0000:02:01.0"), QStringLiteral("0000:04:00.0")}));
    QVERIFY(pix.data(P2pMatrixModel::AcsRedirectRole).toStringList().isEmpty());
    QVERIFY(pix.data(P2pMatrixModel::BottleneckRole).toString().contains(QStringLiteral("8 GT/s x16")));
    QVERIFY(!pix.data(P2pMatrixModel::ReasonsRole).toStringList().isEmpty());
    QCOMPARE(pix.data(PciAddressRole).value<PciAddress>(), at("0000:03:00.0"));
    QCOMPARE(pix.data(P2pMatrixModel::ColumnAddressRole).value<PciAddress>(), at("0000:04:00.0"));
    const QString tip = pix.data(Qt::ToolTipRole).toString();
    for (const char *part : {"GPU0 ↔ GPU2: PIX", "PCI_P2PDMA_MAP_BUS_ADDR", "distance 4", "Path:", "ACS redirect:", "Bottleneck:"})
        QVERIFY2(tip.contains(QString::fromUtf8(part)), part);

    const QModelIndex sys = model.index(0, 4);
    QCOMPARE(sys.data().toString(), QStringLiteral("SYS"));
    QCOMPARE(model.index(3, 3).data().toString(), QStringLiteral("X"));
}

void TestP2pMatrixModel::kindAndVfs()
{
    Topology t = makeP2pTopology();
    PciFunction vf = *fn(t, "0000:08:00.0");
    vf.address = at("0000:08:00.2");
    vf.physfn = at("0000:08:00.0");
    t.functions << vf;
    std::sort(t.functions.begin(), t.functions.end(),
              [](const PciFunction &x, const PciFunction &y) { return x.address < y.address; });
    t.reindex();

    P2pMatrixModel model;
    model.setTopology(t);
    QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
    model.setKind(P2pKind::Nic);
    QCOMPARE(reset.size(), 1);
    QCOMPARE(model.rowCount(), 2);
    QCOMPARE(model.matrix().shortNames, (QStringList{QStringLiteral("NIC0"), QStringLiteral("NIC1")}));
    model.setIncludeVfs(false);
    QCOMPARE(model.rowCount(), 1);
    model.setKind(P2pKind::Nic); // unchanged: no reset
    QCOMPARE(reset.size(), 2);
}

QTEST_GUILESS_MAIN(TestP2pMatrixModel)
#include "tst_p2pmatrixmodel.moc"
