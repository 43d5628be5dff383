#include "models/devicetreemodel.h"
#include "models/filterproxy.h"
#include "models/groupmodel.h"
#include "testtopology.h"

#include <QAbstractItemModelTester>
#include <QTest>

using namespace devtopo;
using namespace Qt::StringLiterals;

class TestFilterProxy : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void init()
    {
        m_tree.setTopology(test::makeTestTopology());
        m_proxy = std::make_unique<FilterProxy>();
        m_proxy->setSourceModel(&m_tree);
        m_tester = std::make_unique<QAbstractItemModelTester>(
            m_proxy.get(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    }
    void cleanup()
    {
        m_tester.reset();
        m_proxy.reset();
    }

    void parse_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<int>("terms");
        QTest::addColumn<int>("firstField");
        QTest::addColumn<QString>("firstText");
        using F = FilterProxy::Term::Field;
        QTest::newRow("plain") << "NVMe" << 1 << int(F::Any) << "nvme";
        QTest::newRow("driver key") << "driver:vfio-pci" << 1 << int(F::Driver) << "vfio-pci";
        QTest::newRow("address is not a key") << "03:00.0" << 1 << int(F::Any) << "03:00.0";
        QTest::newRow("addr key") << "addr:0000:03" << 1 << int(F::Address) << "0000:03";
        QTest::newRow("two words") << "class:ethernet  intel" << 2 << int(F::Class) << "ethernet";
        QTest::newRow("empty") << "   " << 0 << 0 << "";
    }
    void parse()
    {
        QFETCH(QString, text);
        QFETCH(int, terms);
        QFETCH(int, firstField);
        QFETCH(QString, firstText);
        const auto parsed = FilterProxy::parse(text);
        QCOMPARE(parsed.size(), terms);
        if (terms) {
            QCOMPARE(int(parsed.first().field), firstField);
            QCOMPARE(parsed.first().text, firstText);
        }
    }

    void filterTree_data()
    {
        QTest::addColumn<QString>("filter");
        QTest::addColumn<QStringList>("matches"); // functions visible (ancestors excluded)
        QTest::newRow("everything") << "" << QStringList();
        QTest::newRow("name") << "samsung" << QStringList{u"0000:03:00.0"_s};
        QTest::newRow("address") << "04:00" << QStringList{u"0000:04:00.0"_s, u"0000:04:00.1"_s};
        QTest::newRow("driver") << "driver:vfio-pci" << QStringList{u"0000:04:00.0"_s, u"0000:05:10.0"_s};
        QTest::newRow("class") << "class:non-volatile" << QStringList{u"0000:03:00.0"_s};
        QTest::newRow("class code") << "class:0x0108" << QStringList{u"0000:03:00.0"_s};
        QTest::newRow("group") << "group:4" << QStringList{u"0000:00:1f.0"_s, u"0000:00:1f.3"_s};
        QTest::newRow("kind") << "kind:vf" << QStringList{u"0000:05:10.0"_s, u"0000:05:10.2"_s};
        QTest::newRow("unbound") << "driver:none" << QStringList{u"0000:00:00.0"_s, u"0000:00:1f.0"_s};
        QTest::newRow("and, substring") << "intel driver:ixgbe" << QStringList{u"0000:05:00.0"_s, u"0000:05:10.2"_s};
        QTest::newRow("case") << "MLX5" << QStringList{u"0000:80:00.0"_s};
        QTest::newRow("nothing") << "no-such-thing" << QStringList();
    }
    void filterTree()
    {
        QFETCH(QString, filter);
        QFETCH(QStringList, matches);
        m_proxy->setFilterText(filter);
        QCOMPARE(m_proxy->filterText(), filter);
        QStringList visible;
        QList<QModelIndex> stack{QModelIndex()};
        while (!stack.isEmpty()) {
            const QModelIndex p = stack.takeLast();
            for (int r = 0; r < m_proxy->rowCount(p); ++r) {
                const QModelIndex c = m_proxy->index(r, 0, p);
                stack << c;
                if (m_tree.functionAt(m_proxy->mapToSource(c)) && m_proxy->rowCount(c) == 0)
                    visible << c.data(AddressRole).toString();
            }
        }
        visible.sort();
        if (filter.isEmpty()) {
            QCOMPARE(visible.size(), 10); // leaves of the unfiltered tree
            return;
        }
        // Every match is visible, and every visible leaf is a match.
        QCOMPARE(visible, matches);
    }

    void ancestorsStayVisible()
    {
        m_proxy->setFilterText(QStringLiteral("samsung"));
        QCOMPARE(m_proxy->rowCount(), 1); // only pci0000:00
        const QModelIndex bridge = m_proxy->index(0, 0);
        QCOMPARE(bridge.data().toString(), QStringLiteral("pci0000:00"));
        QCOMPARE(m_proxy->rowCount(bridge), 1);
        QCOMPARE(m_proxy->index(0, 0, bridge).data().toString(), QStringLiteral("0000:00:01.0"));
    }

    void sortsByAddressNumerically()
    {
        m_proxy->sort(DeviceTreeModel::AddressColumn, Qt::DescendingOrder);
        QCOMPARE(m_proxy->index(0, 0).data().toString(), QStringLiteral("pci0000:80"));
    }

    void filterGroups_data()
    {
        QTest::addColumn<QString>("filter");
        QTest::addColumn<int>("rows");
        QTest::newRow("member address") << "03:00.0" << 1;
        QTest::newRow("member driver") << "driver:snd_hda" << 2;
        QTest::newRow("group id") << "group:7" << 1;
        QTest::newRow("member name") << "name:virtual" << 2;
    }
    void filterGroups()
    {
        QFETCH(QString, filter);
        QFETCH(int, rows);
        GroupModel groups;
        groups.setTopology(test::makeTestTopology());
        FilterProxy proxy;
        proxy.setSourceModel(&groups);
        QAbstractItemModelTester tester(&proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);
        proxy.setFilterText(filter);
        QCOMPARE(proxy.rowCount(), rows);
    }

private:
    DeviceTreeModel m_tree;
    std::unique_ptr<FilterProxy> m_proxy;
    std::unique_ptr<QAbstractItemModelTester> m_tester;
};

QTEST_GUILESS_MAIN(TestFilterProxy)
#include "tst_filterproxy.moc"
