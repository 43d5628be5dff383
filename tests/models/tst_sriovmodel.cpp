#include "models/sriovmodel.h"
#include "testtopology.h"

#include <QAbstractItemModelTester>
#include <QTest>

using namespace devtopo;

class TestSriovModel : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void init()
    {
        m_model = std::make_unique<SriovModel>();
        m_tester = std::make_unique<QAbstractItemModelTester>(
            m_model.get(), QAbstractItemModelTester::FailureReportingMode::QtTest);
        m_model->setTopology(test::makeTestTopology());
    }
    void cleanup()
    {
        m_tester.reset();
        m_model.reset();
    }

    void pfsAndVfs()
    {
        QCOMPARE(m_model->rowCount(), 1);
        QCOMPARE(m_model->pfCount(), 1);
        QCOMPARE(m_model->vfCount(), 2);
        const QModelIndex pf = m_model->index(0, 0);
        QCOMPARE(pf.data().toString(), QStringLiteral("0000:05:00.0"));
        QCOMPARE(pf.data(KindRole).toString(), QStringLiteral("pf"));
        QCOMPARE(m_model->rowCount(pf), 2);
        QCOMPARE(pf.siblingAtColumn(SriovModel::VfColumn).data().toString(), QStringLiteral("2 of 63 VFs"));
    }

    void vfRows_data()
    {
        QTest::addColumn<int>("row");
        QTest::addColumn<QString>("address");
        QTest::addColumn<QString>("vf");
        QTest::addColumn<QString>("driver");
        QTest::addColumn<int>("group");
        QTest::newRow("vf0") << 0 << "0000:05:10.0" << "VF 0" << "vfio-pci" << 6;
        QTest::newRow("vf1") << 1 << "0000:05:10.2" << "VF 1" << "ixgbevf" << 7;
    }
    void vfRows()
    {
        QFETCH(int, row);
        QFETCH(QString, address);
        QFETCH(QString, vf);
        QFETCH(QString, driver);
        QFETCH(int, group);
        const QModelIndex pf = m_model->index(0, 0);
        const QModelIndex idx = m_model->index(row, 0, pf);
        QCOMPARE(idx.parent(), pf);
        QCOMPARE(idx.data().toString(), address);
        QCOMPARE(idx.siblingAtColumn(SriovModel::VfColumn).data().toString(), vf);
        QCOMPARE(idx.siblingAtColumn(SriovModel::DriverColumn).data().toString(), driver);
        QCOMPARE(idx.siblingAtColumn(SriovModel::GroupColumn).data().toInt(), group);
        QCOMPARE(idx.siblingAtColumn(SriovModel::NumaColumn).data().toInt(), 0);
        QCOMPARE(idx.data(KindRole).toString(), QStringLiteral("vf"));
        QCOMPARE(m_model->indexForAddress(*PciAddress::parse(address)), idx);
        QCOMPARE(m_model->rowCount(idx), 0);
    }

    void unlistedVfStillFindsItsPf()
    {
        Topology t = test::makeTestTopology();
        t.function(test::addr("0000:05:00.0"))->vfs.removeLast();
        m_model->setTopology(t);
        QCOMPARE(m_model->vfCount(), 2);
    }

    void noSriov()
    {
        Topology t = test::makeTestTopology();
        t.functions.removeIf([](const PciFunction &f) { return f.address.bus == 5; });
        t.reindex();
        m_model->setTopology(t);
        QCOMPARE(m_model->rowCount(), 0);
    }

private:
    std::unique_ptr<SriovModel> m_model;
    std::unique_ptr<QAbstractItemModelTester> m_tester;
};

QTEST_GUILESS_MAIN(TestSriovModel)
#include "tst_sriovmodel.moc"
