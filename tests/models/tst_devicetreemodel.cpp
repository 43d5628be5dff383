#include "models/devicetreemodel.h"
#include "testtopology.h"

#include <QAbstractItemModelTester>
#include <QTest>

using namespace devtopo;

class TestDeviceTreeModel : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void init()
    {
        m_model = std::make_unique<DeviceTreeModel>();
        m_tester = std::make_unique<QAbstractItemModelTester>(
            m_model.get(), QAbstractItemModelTester::FailureReportingMode::QtTest);
        m_model->setTopology(test::makeTestTopology());
    }
    void cleanup()
    {
        m_tester.reset();
        m_model.reset();
    }

    void hostBridgesAreTopLevel()
    {
        QCOMPARE(m_model->rowCount(), 2);
        QCOMPARE(m_model->index(0, 0).data().toString(), QStringLiteral("pci0000:00"));
        QCOMPARE(m_model->index(1, 0).data().toString(), QStringLiteral("pci0000:80"));
        QCOMPARE(m_model->index(0, 0).data(KindRole).toString(), QStringLiteral("hostbridge"));
        QCOMPARE(m_model->index(1, DeviceTreeModel::NumaColumn).data().toInt(), 1);
        QVERIFY(!m_model->functionAt(m_model->index(0, 0)));
    }

    void parentOf_data()
    {
        QTest::addColumn<QString>("address");
        QTest::addColumn<QString>("parent");
        QTest::addColumn<int>("children");
        QTest::newRow("root port") << "0000:00:01.0" << "pci0000:00" << 1;
        QTest::newRow("host bridge device") << "0000:00:00.0" << "pci0000:00" << 0;
        QTest::newRow("switch upstream") << "0000:01:00.0" << "0000:00:01.0" << 2;
        QTest::newRow("downstream port") << "0000:02:01.0" << "0000:01:00.0" << 2;
        QTest::newRow("nvme") << "0000:03:00.0" << "0000:02:00.0" << 0;
        QTest::newRow("gpu audio") << "0000:04:00.1" << "0000:02:01.0" << 0;
        // VFs hang off the PF's upstream bridge, as sysfs nests them.
        QTest::newRow("pf's port") << "0000:00:02.0" << "pci0000:00" << 3;
        QTest::newRow("vf") << "0000:05:10.2" << "0000:00:02.0" << 0;
        QTest::newRow("second host bridge") << "0000:80:00.0" << "pci0000:80" << 0;
    }
    void parentOf()
    {
        QFETCH(QString, address);
        QFETCH(QString, parent);
        QFETCH(int, children);
        const QModelIndex idx = m_model->indexForAddress(*PciAddress::parse(address));
        QVERIFY(idx.isValid());
        QCOMPARE(idx.data().toString(), address);
        QCOMPARE(idx.parent().data().toString(), parent);
        QCOMPARE(m_model->rowCount(idx), children);
        // Round trip through index(): the row found by address is the row index() hands out.
        QCOMPARE(m_model->index(idx.row(), 0, idx.parent()), idx);
    }

    void columns_data()
    {
        QTest::addColumn<QString>("address");
        QTest::addColumn<int>("column");
        QTest::addColumn<QString>("text");
        QTest::newRow("name") << "0000:03:00.0" << int(DeviceTreeModel::NameColumn)
                              << "Samsung Electronics Co Ltd NVMe SSD Controller SM981/PM981/PM983";
        QTest::newRow("class") << "0000:03:00.0" << int(DeviceTreeModel::ClassColumn) << "Non-Volatile memory controller";
        QTest::newRow("driver") << "0000:04:00.0" << int(DeviceTreeModel::DriverColumn) << "vfio-pci";
        QTest::newRow("group") << "0000:04:00.0" << int(DeviceTreeModel::GroupColumn) << "2";
        QTest::newRow("numa") << "0000:80:00.0" << int(DeviceTreeModel::NumaColumn) << "1";
        QTest::newRow("link ok") << "0000:00:01.0" << int(DeviceTreeModel::LinkColumn) << "8 GT/s x16";
        QTest::newRow("link degraded") << "0000:04:00.0" << int(DeviceTreeModel::LinkColumn)
                                       << "2.5 GT/s x8 (degraded; capable of 8 GT/s x16)";
        QTest::newRow("vf name") << "0000:05:10.2" << int(DeviceTreeModel::NameColumn)
                                 << "Intel Corporation 82599 Ethernet Controller Virtual Function (VF 1)";
        QTest::newRow("no driver") << "0000:00:1f.0" << int(DeviceTreeModel::DriverColumn) << "";
    }
    void columns()
    {
        QFETCH(QString, address);
        QFETCH(int, column);
        QFETCH(QString, text);
        const QModelIndex idx = m_model->indexForAddress(*PciAddress::parse(address));
        QCOMPARE(idx.siblingAtColumn(column).data().toString(), text);
    }

    void roles()
    {
        const QModelIndex gpu = m_model->indexForAddress(test::addr("0000:04:00.0"));
        QCOMPARE(gpu.data(AddressRole).toString(), QStringLiteral("0000:04:00.0"));
        QCOMPARE(gpu.data(PciAddressRole).value<PciAddress>(), test::addr("0000:04:00.0"));
        QCOMPARE(gpu.data(GroupRole).toInt(), 2);
        QCOMPARE(gpu.data(DriverRole).toString(), QStringLiteral("vfio-pci"));
        QCOMPARE(gpu.data(FunctionIndexRole).toInt(), m_model->topology().functionIndex.value(test::addr("0000:04:00.0")));
        QVERIFY(gpu.siblingAtColumn(DeviceTreeModel::LinkColumn).data(DegradedRole).toBool());
        QVERIFY(!m_model->indexForAddress(test::addr("0000:03:00.0")).data(DegradedRole).toBool());
        QCOMPARE(m_model->indexForAddress(test::addr("0000:05:10.0")).data(KindRole).toString(), QStringLiteral("vf"));
        // Address order sorts numerically, not as text.
        QVERIFY(m_model->indexForAddress(test::addr("0000:03:00.0")).data(SortRole).toULongLong()
                < m_model->indexForAddress(test::addr("0000:80:00.0")).data(SortRole).toULongLong());
    }

    void everyFunctionAppearsOnce()
    {
        int seen = 0;
        QList<QModelIndex> stack{QModelIndex()};
        while (!stack.isEmpty()) {
            const QModelIndex p = stack.takeLast();
            for (int r = 0; r < m_model->rowCount(p); ++r) {
                const QModelIndex c = m_model->index(r, 0, p);
                if (m_model->functionAt(c))
                    ++seen;
                stack << c;
            }
        }
        QCOMPARE(seen, m_model->topology().functions.size());
    }

    void parentCycleDoesNotHideFunctions()
    {
        Topology t = test::makeTestTopology();
        t.function(test::addr("0000:00:01.0"))->parent = test::addr("0000:01:00.0"); // loop
        m_model->setTopology(t);
        QVERIFY(m_model->indexForAddress(test::addr("0000:03:00.0")).isValid());
        QVERIFY(m_model->rowCount() >= 3);
    }

    void resetToEmpty()
    {
        m_model->setTopology(Topology());
        QCOMPARE(m_model->rowCount(), 0);
        QVERIFY(!m_model->indexForAddress(test::addr("0000:03:00.0")).isValid());
    }

    void tenThousandFunctions()
    {
        const Topology big = test::makeLargeTopology(10000);
        QCOMPARE(big.functions.size(), 10000);
        QBENCHMARK_ONCE {
            m_model->setTopology(big);
        }
        const QModelIndex last = m_model->indexForAddress(big.functions.last().address);
        QVERIFY(last.isValid());
        QVERIFY(last.parent().isValid());
        QCOMPARE(m_model->rowCount(), big.hostBridges.size());
    }

private:
    std::unique_ptr<DeviceTreeModel> m_model;
    std::unique_ptr<QAbstractItemModelTester> m_tester;
};

QTEST_GUILESS_MAIN(TestDeviceTreeModel)
#include "tst_devicetreemodel.moc"
