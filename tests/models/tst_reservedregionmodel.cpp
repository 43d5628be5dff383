#include "models/reservedregionmodel.h"
#include "testtopology.h"

#include <QAbstractItemModelTester>
#include <QTest>

using namespace devtopo;
using namespace Qt::StringLiterals;

class TestReservedRegionModel : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void init()
    {
        m_model = std::make_unique<ReservedRegionModel>();
        m_tester = std::make_unique<QAbstractItemModelTester>(
            m_model.get(), QAbstractItemModelTester::FailureReportingMode::QtTest);
        m_model->setTopology(test::makeTestTopology());
    }
    void cleanup()
    {
        m_tester.reset();
        m_model.reset();
    }

    void rowsPerGroup_data()
    {
        QTest::addColumn<int>("group");
        QTest::addColumn<int>("rows");
        QTest::addColumn<QStringList>("kinds");
        QTest::newRow("none selected") << -1 << 0 << QStringList();
        QTest::newRow("msi only") << 0 << 3 << QStringList{u"usable"_s, u"msi"_s, u"usable"_s};
        // Relaxable regions stay inside usable space (VFIO lets users map over them) and still get a row.
        QTest::newRow("rmrr and relaxable") << 2 << 6
                                            << QStringList{u"usable"_s, u"direct-relaxable"_s, u"direct"_s, u"usable"_s, u"msi"_s, u"usable"_s};
        QTest::newRow("ht hole") << 5 << 5 << QStringList{u"usable"_s, u"msi"_s, u"usable"_s, u"reserved"_s, u"usable"_s};
        QTest::newRow("regions unknown") << 8 << 1 << QStringList{u"usable"_s};
        QTest::newRow("no such group") << 42 << 0 << QStringList();
    }
    void rowsPerGroup()
    {
        QFETCH(int, group);
        QFETCH(int, rows);
        QFETCH(QStringList, kinds);
        m_model->setGroup(group);
        QCOMPARE(m_model->rowCount(), rows);
        QStringList got;
        quint64 lastStart = 0;
        for (int r = 0; r < m_model->rowCount(); ++r) {
            const QModelIndex idx = m_model->index(r, ReservedRegionModel::KindColumn);
            got << idx.data().toString();
            QCOMPARE(idx.data(KindRole).toString(), got.last());
            const quint64 start = idx.data(RangeStartRole).toULongLong();
            QVERIFY(start >= lastStart);
            lastStart = start;
        }
        QCOMPARE(got, kinds);
        QCOMPARE(m_model->groupId(), m_model->rowCount() ? group : -1);
    }

    void cells()
    {
        m_model->setGroup(2);
        // Row 4 is the MSI window.
        QCOMPARE(m_model->index(4, ReservedRegionModel::StartColumn).data().toString(), QStringLiteral("0x0000fee00000"));
        QCOMPARE(m_model->index(4, ReservedRegionModel::EndColumn).data().toString(), QStringLiteral("0x0000feefffff"));
        QCOMPARE(m_model->index(4, ReservedRegionModel::SizeColumn).data().toString(), QStringLiteral("1 MiB"));
        QCOMPARE(m_model->index(4, ReservedRegionModel::KindColumn).data().toString(), QStringLiteral("msi"));
        QVERIFY(m_model->index(4, 0).data(Qt::ToolTipRole).toString().contains(QStringLiteral("1048576 bytes")));
        QCOMPARE(m_model->index(5, ReservedRegionModel::SizeColumn).data().toString(), QStringLiteral("≈256 TiB"));
        QCOMPARE(m_model->index(4, 0).data(RangeEndRole).toULongLong(), 0xfeefffffULL);
    }

    void wholeSixtyFourBitSpace()
    {
        IommuGroup g;
        g.id = 1;
        g.usableIova = {{0, ~quint64(0)}};
        m_model->setGroupData(g);
        QCOMPARE(m_model->index(0, ReservedRegionModel::SizeColumn).data().toString(), QStringLiteral("16 EiB"));
        QCOMPARE(m_model->index(0, ReservedRegionModel::EndColumn).data().toString(), QStringLiteral("0xffffffffffffffff"));
    }

    void topologyChangeDropsMissingGroup()
    {
        m_model->setGroup(2);
        Topology t = test::makeTestTopology();
        t.groups.removeIf([](const IommuGroup &g) { return g.id == 2; });
        t.reindex();
        m_model->setTopology(t);
        QCOMPARE(m_model->rowCount(), 0);
        QCOMPARE(m_model->groupId(), -1);
    }

private:
    std::unique_ptr<ReservedRegionModel> m_model;
    std::unique_ptr<QAbstractItemModelTester> m_tester;
};

QTEST_GUILESS_MAIN(TestReservedRegionModel)
#include "tst_reservedregionmodel.moc"
