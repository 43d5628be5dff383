#include "scanner.h"
#include "snapshot.h"
#include "source.h"
#include "testutil.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QTemporaryDir>
#include <QTest>

using namespace devtopo;
using namespace testutil;

class TestSnapshot : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void roundTrip()
    {
        const QString root = sharedRealdata("qemu-q35-vtd-linux6.12-after");
        if (root.isEmpty())
            QSKIP("../shared/realdata is not here");
        ScanOptions o;
        o.root = root;
        const Topology t = scanHost(o);
        QTemporaryDir d;
        const QString path = d.filePath(u"snap.json"_qs);
        QString error;
        QVERIFY2(saveSnapshot(t, path, &error), qPrintable(error));
        const SourceResult back = openSource(path);
        QVERIFY2(back.ok, qPrintable(back.error));
        QCOMPARE(back.topology.sourceKind, u"snapshot"_qs);
        QJsonObject a = topologyToJson(t), b = topologyToJson(back.topology);
        for (auto *j : {&a, &b}) {
            j->remove(u"source"_qs);
            j->remove(u"source_kind"_qs);
        }
        QCOMPARE(b, a); // analyses recomputed from facts give the same answers
    }

    void cliContract()
    {
        // The keys devtopo-cli scan --json promises.
        Topology t;
        auto f = fn("0000:01:00.0", PortType::Endpoint);
        f.vendorId = 0x8086;
        f.iommuGroup = 3;
        t.functions = {f};
        IommuGroup g;
        g.id = 3;
        g.devices = {f.address};
        g.reservedRegionsKnown = true;
        g.reservedRegions = {{0xfee00000, 0xfeefffff, u"msi"_qs}};
        t.groups = {g};
        t.reindex();
        const QJsonObject j = topologyToJson(t);
        const QJsonObject dev = j[u"devices"].toArray().first().toObject();
        for (const char *k : {"address", "vendor_id", "device_id", "class", "name", "parent", "driver", "iommu_group",
                              "numa_node", "physfn", "vfs", "sriov"})
            QVERIFY2(dev.contains(QLatin1StringView(k)), k);
        QCOMPARE(dev[u"vendor_id"].toString(), u"0x8086"_qs);
        QCOMPARE(dev[u"address"].toString(), u"0000:01:00.0"_qs);
        const QJsonObject grp = j[u"groups"].toArray().first().toObject();
        for (const char *k : {"id", "type", "devices", "reserved_regions", "usable_iova", "viable", "reasons"})
            QVERIFY2(grp.contains(QLatin1StringView(k)), k);
        QCOMPARE(grp[u"reserved_regions"].toArray().first().toObject()[u"start"].toString(), u"0xfee00000"_qs);
    }

    void malformed_data()
    {
        QTest::addColumn<QByteArray>("content");
        QTest::addColumn<QString>("error");
        QTest::newRow("not json") << QByteArray("{nope") << u"not valid JSON"_qs;
        QTest::newRow("other json") << QByteArray("{\"a\":1}") << u"not a devtopo snapshot"_qs;
        QTest::newRow("newer") << QByteArray("{\"format\":\"devtopo-snapshot\",\"version\":99}") << u"newer"_qs;
        QTest::newRow("bad address")
            << QByteArray("{\"format\":\"devtopo-snapshot\",\"version\":1,\"devices\":[{\"address\":\"../etc\"}]}")
            << u"malformed address"_qs;
        QTest::newRow("bad region")
            << QByteArray("{\"format\":\"devtopo-snapshot\",\"version\":1,\"groups\":[{\"id\":1,\"reserved_regions\":"
                          "[{\"start\":\"0x10\",\"end\":\"0x1\",\"type\":\"msi\"}]}]}")
            << u"malformed reserved region"_qs;
    }
    void malformed()
    {
        QFETCH(QByteArray, content);
        QFETCH(QString, error);
        QTemporaryDir d;
        const QString path = d.filePath(u"bad.json"_qs);
        writeFile(path, content);
        Topology t;
        QString e;
        QVERIFY(!loadSnapshot(path, &t, &e));
        QVERIFY2(e.contains(error), qPrintable(e));
    }
};

QTEST_GUILESS_MAIN(TestSnapshot)
#include "tst_snapshot.moc"
