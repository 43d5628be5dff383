// The scanner on real machines' trees (../shared/realdata): skipped where they are absent.
#include "analysis.h"
#include "scanner.h"
#include "testutil.h"

#include <QTest>

using namespace devtopo;
using namespace testutil;

namespace {
Topology scan(const QString &root)
{
    ScanOptions o;
    o.root = root;
    return scanHost(o);
}

} // namespace

class TestRealData : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void qemuBefore()
    {
        const QString root = sharedRealdata("qemu-q35-vtd-linux6.12-before");
        if (root.isEmpty())
            QSKIP("../shared/realdata is not here");
        const Topology t = scan(root);
        QCOMPARE(t.functions.size(), 23);
        QCOMPARE(t.groups.size(), 17);
        QCOMPARE(t.kernelRelease.isEmpty(), true); // the copy has no proc/
        QCOMPARE(t.iommuUnits.size(), 1);
        QCOMPARE(t.iommuUnits[0].addressWidth, 48);

        // Hierarchy from the nesting.
        const PciFunction *nvmeBehindSwitch = t.function(addr("0000:07:00.0"));
        QVERIFY(nvmeBehindSwitch);
        QCOMPARE(*nvmeBehindSwitch->parent, addr("0000:05:01.0"));
        QCOMPARE(t.function(addr("0000:05:01.0"))->portType, PortType::SwitchDownstream);
        QCOMPARE(t.function(addr("0000:04:00.0"))->portType, PortType::SwitchUpstream);
        QCOMPARE(t.function(addr("0000:00:02.3"))->portType, PortType::RootPort);
        QCOMPARE(t.function(addr("0000:09:00.0"))->portType, PortType::PcieToPciBridge);
        QCOMPARE(t.function(addr("0000:0a:01.0"))->portType, PortType::ConventionalDevice);
        QVERIFY(t.function(addr("0000:00:02.3"))->caps.acs.present);
        QVERIFY(!t.function(addr("0000:05:01.0"))->caps.acs.present);
        QVERIFY(t.function(addr("0000:08:00.0"))->multifunction);

        // igb: the driver caps total VFs at 7 though the capability says 8.
        const PciFunction *igb = t.function(addr("0000:01:00.0"));
        QCOMPARE(igb->driver, u"igb"_qs);
        QCOMPARE(igb->sriov.totalVfs, 7);
        QCOMPARE(igb->sriov.numVfs, 0);
        QCOMPARE(igb->sriov.vfOffset, 128);
        QCOMPARE(igb->sriov.vfStride, 2);
        QCOMPARE(igb->sriov.vfDeviceId, 0x10ca);
        QVERIFY(igb->caps.sriov);
        QCOMPARE(igb->vendorName, u"Intel Corporation"_qs);

        // The e1000e's group: exactly what VFIO_IOMMU_GET_INFO reported on that kernel.
        const IommuGroup *g = t.group(*t.function(addr("0000:02:00.0"))->iommuGroup);
        QVERIFY(g);
        QCOMPARE(g->type, u"DMA"_qs);
        QCOMPARE(g->usableIova, (QList<IovaRange>{{0, 0xfedfffff}, {0xfef00000, 0xffffffffffff}}));
        QVERIFY(!g->addressWidthAssumed);

        // Why the shared groups form.
        auto reasonKind = [&](const char *member) {
            const IommuGroup *grp = t.group(*t.function(addr(member))->iommuGroup);
            return grp->reasons.isEmpty() ? GroupReason::Kind::Unexplained : grp->reasons.first().kind;
        };
        QCOMPARE(reasonKind("0000:06:00.0"), GroupReason::Kind::MissingAcs);
        QCOMPARE(reasonKind("0000:08:00.1"), GroupReason::Kind::MultifunctionWithoutAcs);
        QCOMPARE(reasonKind("0000:0a:01.0"), GroupReason::Kind::PcieToPciBridge);
        QCOMPARE(reasonKind("0000:00:1f.2"), GroupReason::Kind::MultifunctionWithoutAcs);

        // Viability by the kernel's rule: the switch port on pcieport does not block, e1000e does.
        const IommuGroup *sw = t.group(13);
        QVERIFY(!sw->viability.viable);
        QCOMPARE(sw->viability.actions.size(), 1);
        QVERIFY(t.group(2)->viability.viable); // a root port alone on pcieport
    }

    void predictedGroupsMatchTheKernel_data()
    {
        QTest::addColumn<QString>("tree");
        QTest::newRow("before") << u"qemu-q35-vtd-linux6.12-before"_qs;
        QTest::newRow("after VFs") << u"qemu-q35-vtd-linux6.12-after"_qs;
        QTest::newRow("vfio") << u"qemu-q35-vtd-linux6.12-vfio"_qs;
    }
    void predictedGroupsMatchTheKernel()
    {
        QFETCH(QString, tree);
        const QString root = sharedRealdata(tree.toLatin1().constData());
        if (root.isEmpty())
            QSKIP("../shared/realdata is not here");
        const Topology t = scan(root);
        QList<QList<PciAddress>> real;
        for (const IommuGroup &g : t.groups)
            real << g.devices;
        QCOMPARE(normalised(predictIommuGroups(t)), normalised(real));
    }

    void qemuAfterVfs()
    {
        const QString root = sharedRealdata("qemu-q35-vtd-linux6.12-after");
        if (root.isEmpty())
            QSKIP("../shared/realdata is not here");
        const Topology t = scan(root);
        const PciFunction *pf = t.function(addr("0000:01:00.0"));
        QCOMPARE(pf->vfs, (QList<PciAddress>{addr("0000:01:10.0"), addr("0000:01:10.2")}));
        QCOMPARE(pf->sriov.numVfs, 2);
        const PciFunction *vf1 = t.function(addr("0000:01:10.2"));
        QCOMPARE(*vf1->physfn, pf->address);
        QCOMPARE(vf1->vfIndex, 1);
        QCOMPARE(vf1->driver, u"igbvf"_qs);
        QVERIFY(vf1->caps.configReadable); // VF config reads vendor 0xffff by design
        QVERIFY(vf1->iommuGroup && *vf1->iommuGroup != *pf->iommuGroup);
        QVERIFY(t.warnings.isEmpty());
    }

    void qemuVfioViable()
    {
        const QString root = sharedRealdata("qemu-q35-vtd-linux6.12-vfio");
        if (root.isEmpty())
            QSKIP("../shared/realdata is not here");
        const Topology t = scan(root);
        // dev-vfio.txt: the kernel made /dev/vfio/{10,13,15,16}; VFIO used all four.
        for (int id : {10, 13, 15, 16})
            QVERIFY2(t.group(id)->viability.viable, qPrintable(QString::number(id)));
        QVERIFY(!t.group(11)->viability.viable); // nvme still on nvme
        QVERIFY(!t.group(9)->viability.viable); // igb
    }

    void laptopDerivedGroups()
    {
        const QString root = sharedRealdata("thinkpad-x1-gen10-groups-derived-23fn");
        if (root.isEmpty())
            QSKIP("../shared/realdata is not here");
        const Topology t = scan(root);
        QCOMPARE(t.functions.size(), 23);
        QCOMPARE(t.groups.size(), 15);
        int members = 0;
        for (const IommuGroup &g : t.groups) {
            members += int(g.devices.size());
            QVERIFY(!g.reservedRegionsKnown); // the copy has none; not an empty list
            if (g.devices.size() > 1) {
                QVERIFY(!g.reasons.isEmpty());
                QCOMPARE(g.reasons.last().kind, GroupReason::Kind::Unexplained); // no config in this copy
            }
        }
        QCOMPARE(members, 23);
        QCOMPARE(t.numaNodes.size(), 1);
    }

    void xeonSriov()
    {
        const QString root = sharedRealdata("xeon-l5640-sriov-82fn");
        if (root.isEmpty())
            QSKIP("../shared/realdata is not here");
        const Topology t = scan(root);
        QCOMPARE(t.functions.size(), 82);
        int pfs = 0, vfs = 0;
        for (const PciFunction &f : t.functions) {
            if (f.sriov.capable && f.sriov.numVfs > 0) {
                ++pfs;
                QCOMPARE(f.vfs.size(), f.sriov.numVfs);
                QCOMPARE(f.sriov.totalVfs, 7);
                QCOMPARE(f.sriov.vfDeviceId, 0x1520);
            }
            if (f.isVf()) {
                ++vfs;
                QVERIFY(t.function(*f.physfn)->vfs.contains(f.address));
            }
        }
        QCOMPARE(pfs, 2);
        QCOMPARE(vfs, 8);
        QCOMPARE(t.numaNodes.size(), 2);
    }

    void dellServers_data()
    {
        QTest::addColumn<QString>("tree");
        QTest::addColumn<int>("functions");
        QTest::addColumn<int>("nodes");
        QTest::addColumn<int>("hostBridges");
        QTest::newRow("dcs8000z") << u"dell-dcs8000z-2socket-137fn"_qs << 137 << 2 << 4;
        QTest::newRow("r910") << u"dell-r910-4socket-37fn"_qs << 37 << 4 << 2;
    }
    void dellServers()
    {
        QFETCH(QString, tree);
        QFETCH(int, functions);
        QFETCH(int, nodes);
        QFETCH(int, hostBridges);
        const QString root = sharedRealdata(tree.toLatin1().constData());
        if (root.isEmpty())
            QSKIP("../shared/realdata is not here");
        const Topology t = scan(root);
        QCOMPARE(t.functions.size(), functions);
        QCOMPARE(t.numaNodes.size(), nodes);
        QCOMPARE(t.hostBridges.size(), hostBridges);
        QVERIFY(t.groups.isEmpty());
        for (const PciFunction &f : t.functions) {
            QVERIFY(!f.vendorName.isEmpty());
            QVERIFY(f.caps.configReadable); // 64-byte configs: header only
            if (f.parent)
                QVERIFY(t.function(*f.parent)->children.contains(f.address));
        }
    }
};

QTEST_GUILESS_MAIN(TestRealData)
#include "tst_realdata.moc"
