// The captures the real-kernel test host made (tests/data/testhost, `devtopo-cli capture` inside a
// Linux 6.12 guest with an emulated VT-d): devtopo must read them as that kernel saw itself.
#include "analysis.h"
#include "source.h"
#include "testutil.h"

#include <QDir>
#include <QTest>

using namespace devtopo;
using namespace testutil;


class TestKernelFixtures : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void fixture_data()
    {
        QTest::addColumn<QString>("path");
        const QDir dir(QStringLiteral(DEVTOPO_TEST_DATA "/testhost"));
        const QStringList files = dir.entryList({QStringLiteral("*.tar.gz")}, QDir::Files, QDir::Name);
        QVERIFY2(files.size() >= 9, "tests/data/testhost should hold three topologies in three stages");
        for (const QString &f : files)
            QTest::newRow(qPrintable(f)) << dir.filePath(f);
    }
    void fixture()
    {
        QFETCH(QString, path);
        const SourceResult r = openSource(path);
        QVERIFY2(r.ok, qPrintable(r.error));
        const Topology &t = r.topology;
        QVERIFY(t.kernelRelease.startsWith(u"6.12"_qs));
        QVERIFY(!t.groups.isEmpty());
        QCOMPARE(t.iommuUnits.size(), 1);
        QCOMPARE(t.iommuUnits[0].addressWidth, 48);

        // Every function is in exactly one group, and the kernel's groups are the ones its rules predict.
        QList<QList<PciAddress>> real;
        for (const IommuGroup &g : t.groups) {
            real << g.devices;
            QVERIFY(g.reservedRegionsKnown);
            // The MSI window is always cut out; direct-relaxable regions are not (as VFIO reported).
            QCOMPARE(g.usableIova.first(), (IovaRange{0, 0xfedfffff}));
            QCOMPARE(g.usableIova.last(), (IovaRange{0xfef00000, 0xffffffffffff}));
            if (g.devices.size() > 1)
                for (const GroupReason &why : g.reasons)
                    QVERIFY2(why.kind != GroupReason::Kind::Unexplained, qPrintable(why.text));
        }
        QCOMPARE(normalised(predictIommuGroups(t)), normalised(real));

        const bool vfs = path.contains(u"-vfs"_qs) || path.contains(u"-vfio"_qs);
        int vfCount = 0;
        for (const PciFunction &f : t.functions) {
            QVERIFY(f.iommuGroup.has_value());
            if (f.isVf()) {
                ++vfCount;
                QVERIFY(t.function(*f.physfn)->vfs.contains(f.address));
            }
        }
        QCOMPARE(vfCount > 0, vfs);

        if (path.contains(u"-vfio"_qs)) {
            int viableVfio = 0;
            for (const IommuGroup &g : t.groups) {
                bool anyVfio = false;
                for (const PciAddress &a : g.devices)
                    anyVfio |= t.function(a)->driver == u"vfio-pci"_qs;
                if (anyVfio && g.viability.viable)
                    ++viableVfio;
            }
            QVERIFY(viableVfio >= 2);
        }
        if (path.contains(u"pxb-numa"_qs)) {
            QCOMPARE(t.numaNodes.size(), 2);
            bool onNode1 = false;
            for (const HostBridge &b : t.hostBridges)
                onNode1 |= b.numaNode == 1;
            QVERIFY2(onNode1, "the pxb-pcie expander's devices report NUMA node 1");
        }
    }
};

QTEST_GUILESS_MAIN(TestKernelFixtures)
#include "tst_kernelfixtures.moc"
