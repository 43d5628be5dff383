#include "models/groupmodel.h"
#include "testtopology.h"

#include <QAbstractItemModelTester>
#include <QTest>

using namespace devtopo;

class TestGroupModel : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void init()
    {
        m_model = std::make_unique<GroupModel>();
        m_tester = std::make_unique<QAbstractItemModelTester>(
            m_model.get(), QAbstractItemModelTester::FailureReportingMode::QtTest);
        m_model->setTopology(test::makeTestTopology());
    }
    void cleanup()
    {
        m_tester.reset();
        m_model.reset();
    }

    void shape()
    {
        QCOMPARE(m_model->rowCount(), 9);
        QCOMPARE(m_model->columnCount(), int(GroupModel::ColumnCount));
        QCOMPARE(m_model->rowCount(m_model->index(0, 0)), 0);
    }

    void cells_data()
    {
        QTest::addColumn<int>("group");
        QTest::addColumn<int>("column");
        QTest::addColumn<QString>("text");
        QTest::newRow("id") << 2 << int(GroupModel::IdColumn) << "2";
        QTest::newRow("type") << 2 << int(GroupModel::TypeColumn) << "DMA-FQ";
        QTest::newRow("count") << 2 << int(GroupModel::CountColumn) << "6";
        QTest::newRow("members") << 4 << int(GroupModel::MembersColumn) << "0000:00:1f.0, 0000:00:1f.3";
        QTest::newRow("not viable") << 2 << int(GroupModel::ViableColumn) << "no";
        QTest::newRow("viable") << 6 << int(GroupModel::ViableColumn) << "yes";
        QTest::newRow("why: first sentence") << 2 << int(GroupModel::WhyColumn)
                                             << "Switch downstream port 0000:02:00.0 has no ACS capability.";
        QTest::newRow("why: single device") << 6 << int(GroupModel::WhyColumn) << "";
        QTest::newRow("reserved") << 2 << int(GroupModel::ReservedColumn) << "3";
        QTest::newRow("reserved unknown") << 8 << int(GroupModel::ReservedColumn) << "?";
    }
    void cells()
    {
        QFETCH(int, group);
        QFETCH(int, column);
        QFETCH(QString, text);
        const QModelIndex idx = m_model->indexForGroup(group, column);
        QVERIFY(idx.isValid());
        QCOMPARE(idx.data().toString(), text);
    }

    void roles()
    {
        const QModelIndex g2 = m_model->indexForGroup(2);
        QCOMPARE(g2.data(GroupRole).toInt(), 2);
        QCOMPARE(g2.data(GroupIndexRole).toInt(), g2.row());
        QVERIFY(g2.data(AddressRole).toString().contains(QStringLiteral("0000:03:00.0")));
        const QString drivers = g2.data(DriverRole).toString();
        QVERIFY(drivers.contains(QStringLiteral("nvme")));
        QVERIFY(drivers.contains(QStringLiteral("vfio-pci")));
        QCOMPARE(drivers.count(QStringLiteral("pcieport")), 1); // each driver once
        QVERIFY(g2.siblingAtColumn(GroupModel::WhyColumn).data(Qt::ToolTipRole).toString().contains(QStringLiteral("one slot")));
        QVERIFY(g2.siblingAtColumn(GroupModel::ViableColumn).data(Qt::ToolTipRole).toString().contains(QStringLiteral("nvme")));
        QCOMPARE(g2.siblingAtColumn(GroupModel::CountColumn).data(SortRole).toInt(), 6);
        QCOMPARE(m_model->groupAt(g2)->id, 2);
        QVERIFY(!m_model->indexForGroup(99).isValid());
    }

    void otherMembersCount()
    {
        Topology t = test::makeTestTopology();
        t.groups[0].otherMembers = {QStringLiteral("mdev-uuid-1")};
        m_model->setTopology(t);
        QCOMPARE(m_model->indexForGroup(0, GroupModel::CountColumn).data().toInt(), 2);
        QVERIFY(m_model->indexForGroup(0, GroupModel::MembersColumn).data().toString().endsWith(QStringLiteral("mdev-uuid-1")));
    }

private:
    std::unique_ptr<GroupModel> m_model;
    std::unique_ptr<QAbstractItemModelTester> m_tester;
};

QTEST_GUILESS_MAIN(TestGroupModel)
#include "tst_groupmodel.moc"
