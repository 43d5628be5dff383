// Every parser fed what real copies and broken hosts contain: nothing crashes, hangs or lies.
#include "scanner.h"
#include "sysfsreader.h"
#include "testutil.h"

#include <QTemporaryDir>
#include <QTest>

#include <sys/stat.h>

using namespace devtopo;
using namespace testutil;

namespace {
// A minimal valid host: one root port with one endpoint, a group holding the endpoint.
void baseTree(const QString &r)
{
    const QString rp = r + u"/sys/devices/pci0000:00/0000:00:01.0"_qs;
    const QString ep = rp + u"/0000:01:00.0"_qs;
    for (const QString &d : {rp, ep}) {
        writeFile(d + u"/vendor"_qs, "0x8086\n");
        writeFile(d + u"/device"_qs, "0x10d3\n");
    }
    writeFile(rp + u"/class"_qs, "0x060400\n");
    writeFile(ep + u"/class"_qs, "0x020000\n");
    writeFile(ep + u"/numa_node"_qs, "0\n");
    link(u"../../../../kernel/iommu_groups/1"_qs, ep + u"/iommu_group"_qs);
    link(u"../../../bus/pci/drivers/e1000e"_qs, ep + u"/driver"_qs);
    writeFile(r + u"/sys/kernel/iommu_groups/1/type"_qs, "DMA\n");
    writeFile(r + u"/sys/kernel/iommu_groups/1/reserved_regions"_qs,
              "0x00000000fee00000 0x00000000feefffff msi\n");
    link(u"../../../../devices/pci0000:00/0000:00:01.0/0000:01:00.0"_qs,
         r + u"/sys/kernel/iommu_groups/1/devices/0000:01:00.0"_qs);
}

Topology scanRoot(const QString &r)
{
    ScanOptions o;
    o.root = r;
    return scanHost(o);
}

const QString Ep = u"/sys/devices/pci0000:00/0000:00:01.0/0000:01:00.0"_qs;
} // namespace

class TestParsers : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void baseline()
    {
        QTemporaryDir d;
        baseTree(d.path());
        const Topology t = scanRoot(d.path());
        QCOMPARE(t.functions.size(), 2);
        QCOMPARE(t.function(addr("0000:01:00.0"))->driver, u"e1000e"_qs);
        QCOMPARE(t.groups.size(), 1);
        QCOMPARE(t.groups[0].reservedRegions.size(), 1);
    }

    void reservedRegions_data()
    {
        QTest::addColumn<QByteArray>("content");
        QTest::addColumn<int>("regions");
        QTest::addColumn<bool>("warned");
        QTest::newRow("truncated line") << QByteArray("0x00000000fee00000 0x00000000fee") << 0 << true;
        QTest::newRow("good then truncated") << QByteArray("0x0000000000000000 0x0000000000ffffff direct-relaxable\n0x00000000fee0")
                                             << 1 << true;
        QTest::newRow("end before start") << QByteArray("0x0000000000002000 0x0000000000001000 msi\n") << 0 << true;
        QTest::newRow("no type") << QByteArray("0x0000000000000000 0x0000000000000fff\n") << 0 << true;
        QTest::newRow("empty") << QByteArray() << 0 << false;
        QTest::newRow("binary junk") << QByteArray("\x00\xff\xfe garbage\n", 13) << 0 << true;
        QTest::newRow("not hex") << QByteArray("0xZZ 0x10 msi\n") << 0 << true;
    }
    void reservedRegions()
    {
        QFETCH(QByteArray, content);
        QFETCH(int, regions);
        QFETCH(bool, warned);
        QTemporaryDir d;
        baseTree(d.path());
        writeFile(d.path() + u"/sys/kernel/iommu_groups/1/reserved_regions"_qs, content);
        const Topology t = scanRoot(d.path());
        QCOMPARE(t.groups[0].reservedRegions.size(), regions);
        QVERIFY(t.groups[0].reservedRegionsKnown);
        bool anyWarning = false;
        for (const QString &w : t.warnings)
            anyWarning |= w.contains(u"reserved region"_qs);
        QCOMPARE(anyWarning, warned);
        QVERIFY(!t.groups[0].usableIova.isEmpty());
    }

    void hugeReservedRegionsIsBounded()
    {
        QTemporaryDir d;
        baseTree(d.path());
        QByteArray big;
        const QByteArray line = "0x00000000fee00000 0x00000000feefffff msi\n";
        while (big.size() < (8 << 20))
            big += line;
        writeFile(d.path() + u"/sys/kernel/iommu_groups/1/reserved_regions"_qs, big);
        const Topology t = scanRoot(d.path());
        QVERIFY(t.groups[0].reservedRegions.size() < (1 << 20) / line.size() + 2);
        QVERIFY(t.warnings.join(u'\n').contains(u"larger than 1 MiB"_qs));
    }

    void numaNode_data()
    {
        QTest::addColumn<QByteArray>("content");
        QTest::addColumn<int>("node");
        QTest::newRow("garbage") << QByteArray("banana\n") << -1;
        QTest::newRow("minus one") << QByteArray("-1\n") << -1;
        QTest::newRow("huge") << QByteArray("99999999999999999999\n") << -1;
        QTest::newRow("one") << QByteArray("1\n") << 1;
        QTest::newRow("empty") << QByteArray() << -1;
    }
    void numaNode()
    {
        QFETCH(QByteArray, content);
        QFETCH(int, node);
        QTemporaryDir d;
        baseTree(d.path());
        writeFile(d.path() + Ep + u"/numa_node"_qs, content);
        QCOMPARE(scanRoot(d.path()).function(addr("0000:01:00.0"))->numaNode, node);
    }

    void configSizes_data()
    {
        QTest::addColumn<int>("size");
        QTest::addColumn<bool>("readable");
        QTest::newRow("10 bytes") << 10 << false;
        QTest::newRow("64 bytes, unprivileged") << 64 << true;
        QTest::newRow("all ones: device gone") << -1 << false;
    }
    void configSizes()
    {
        QFETCH(int, size);
        QFETCH(bool, readable);
        QTemporaryDir d;
        baseTree(d.path());
        QByteArray cfg = size < 0 ? QByteArray(4096, '\xff') : QByteArray(size, '\0');
        if (size >= 4) {
            cfg[0] = char(0x86);
            cfg[1] = char(0x80);
        }
        writeFile(d.path() + Ep + u"/config"_qs, cfg);
        const Topology t = scanRoot(d.path());
        const PciFunction *f = t.function(addr("0000:01:00.0"));
        QCOMPARE(f->caps.configReadable, readable);
        QVERIFY(!f->missing.isEmpty());
    }

    void danglingAndLoopingLinks()
    {
        QTemporaryDir d;
        baseTree(d.path());
        const QString ep = d.path() + Ep;
        QFile::remove(ep + u"/iommu_group"_qs);
        link(u"../../../../kernel/iommu_groups/99"_qs, ep + u"/iommu_group"_qs); // group dir absent
        link(u"../0000:01:00.7"_qs, ep + u"/virtfn0"_qs); // VF absent
        link(u"loop"_qs, ep + u"/physfn"_qs); // link to itself
        QFile::link(u"loop2"_qs, ep + u"/loop2"_qs);
        const Topology t = scanRoot(d.path());
        const PciFunction *f = t.function(addr("0000:01:00.0"));
        QVERIFY(f);
        // The group directory lists the device, the link disagrees: the directory wins and it is said.
        QCOMPARE(*f->iommuGroup, 1);
        QVERIFY(t.warnings.join(u'\n').contains(u"iommu_group link says 99 but group 1 lists it"_qs));
        QVERIFY(t.warnings.join(u'\n').contains(u"VF 0000:01:00.7 is linked but not present"_qs));
    }

    void fifoDoesNotHang()
    {
        QTemporaryDir d;
        baseTree(d.path());
        const QByteArray fifo = QFile::encodeName(d.path() + Ep + u"/modalias"_qs);
        QCOMPARE(::mkfifo(fifo.constData(), 0644), 0);
        const Topology t = scanRoot(d.path());
        QVERIFY(t.function(addr("0000:01:00.0"))->modalias.isEmpty());
    }

    void flattenedLinks()
    {
        // Copies that lost their symlinks keep the target as the file's content.
        QTemporaryDir d;
        baseTree(d.path());
        const QString ep = d.path() + Ep;
        QFile::remove(ep + u"/driver"_qs);
        writeFile(ep + u"/driver"_qs, "../../../bus/pci/drivers/vfio-pci");
        QCOMPARE(scanRoot(d.path()).function(addr("0000:01:00.0"))->driver, u"vfio-pci"_qs);
        SysfsReader sys(d.path());
        QVERIFY(!sys.readLink(Ep.mid(1) + u"/vendor"_qs)); // an ordinary attribute is no link
    }

    void linkEscapingRootIsRefused()
    {
        QTemporaryDir d;
        baseTree(d.path());
        link(u"../../../../../../../../../../etc"_qs, d.path() + u"/sys/class/iommu/evil"_qs);
        SysfsReader sys(d.path());
        QVERIFY(!sys.resolveLink(u"sys/class/iommu/evil"_qs));
    }

    void emptyAndMissingRoots()
    {
        QTemporaryDir d;
        const Topology t = scanRoot(d.path());
        QVERIFY(t.functions.isEmpty());
        QVERIFY(t.warnings.join(u'\n').contains(u"no PCI functions"_qs));
        const Topology missing = scanRoot(d.path() + u"/nope"_qs);
        QVERIFY(missing.functions.isEmpty());
    }

    void cpuList_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QList<int>>("cpus");
        QTest::newRow("ranges") << u"0-3,8,10-11"_qs << QList<int>{0, 1, 2, 3, 8, 10, 11};
        QTest::newRow("empty") << QString() << QList<int>{};
        QTest::newRow("reversed") << u"5-2"_qs << QList<int>{};
        QTest::newRow("junk") << u"a-b"_qs << QList<int>{};
    }
    void cpuList()
    {
        QFETCH(QString, text);
        QFETCH(QList<int>, cpus);
        QCOMPARE(parseCpuList(text), cpus);
        QCOMPARE(parseCpuList(u"0-100000000"_qs, 16).size(), 16); // bounded
    }

    void cancelReturnsQuickly()
    {
        QTemporaryDir d;
        baseTree(d.path());
        std::atomic<bool> cancel{true};
        ScanOptions o;
        o.root = d.path();
        const Topology t = scanHost(o, &cancel);
        QVERIFY(t.warnings.contains(u"cancelled"_qs));
    }
};

QTEST_GUILESS_MAIN(TestParsers)
#include "tst_parsers.moc"
