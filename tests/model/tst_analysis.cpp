#include "analysis.h"
#include "testutil.h"

#include <QTest>

using namespace devtopo;
using namespace testutil;

Q_DECLARE_METATYPE(QList<devtopo::ReservedRegion>)
Q_DECLARE_METATYPE(QList<devtopo::IovaRange>)

namespace {
constexpr quint16 FullAcs = Acs::SV | Acs::TB | Acs::RR | Acs::CR | Acs::UF;

// Root port -> switch upstream -> two downstream ports -> an endpoint each.
Topology switchTopology(bool downstreamAcs, quint16 ctrl = FullAcs)
{
    Topology t;
    auto rp = fn("0000:00:01.0", PortType::RootPort);
    withAcs(rp, FullAcs, FullAcs);
    auto up = fn("0000:01:00.0", PortType::SwitchUpstream, "0000:00:01.0");
    auto dn1 = fn("0000:02:00.0", PortType::SwitchDownstream, "0000:01:00.0");
    auto dn2 = fn("0000:02:01.0", PortType::SwitchDownstream, "0000:01:00.0");
    if (downstreamAcs) {
        withAcs(dn1, FullAcs, ctrl);
        withAcs(dn2, FullAcs, ctrl);
    }
    auto ep1 = fn("0000:03:00.0", PortType::Endpoint, "0000:02:00.0");
    auto ep2 = fn("0000:04:00.0", PortType::Endpoint, "0000:02:01.0");
    t.functions = {rp, up, dn1, dn2, ep1, ep2};
    t.reindex();
    return t;
}

QList<QList<PciAddress>> sorted(QList<QList<PciAddress>> groups)
{
    for (auto &g : groups)
        std::sort(g.begin(), g.end());
    std::sort(groups.begin(), groups.end());
    return groups;
}
} // namespace

class TestAnalysis : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void usableIova_data()
    {
        QTest::addColumn<int>("width");
        QTest::addColumn<QList<ReservedRegion>>("reserved");
        QTest::addColumn<QList<IovaRange>>("expected");
        const ReservedRegion msi{0xfee00000, 0xfeefffff, u"msi"_qs};
        QTest::newRow("none, 48-bit") << 48 << QList<ReservedRegion>{} << QList<IovaRange>{{0, 0xffffffffffff}};
        // What the kernel's VFIO reported for the e1000e's group on the real 6.12 test host.
        QTest::newRow("msi window, 48-bit") << 48 << QList<ReservedRegion>{msi}
                                            << QList<IovaRange>{{0, 0xfedfffff}, {0xfef00000, 0xffffffffffff}};
        QTest::newRow("direct-relaxable is mappable")
            << 48 << QList<ReservedRegion>{{0, 0xffffff, u"direct-relaxable"_qs}, msi}
            << QList<IovaRange>{{0, 0xfedfffff}, {0xfef00000, 0xffffffffffff}};
        QTest::newRow("direct at zero") << 39 << QList<ReservedRegion>{{0, 0xfff, u"direct"_qs}}
                                        << QList<IovaRange>{{0x1000, 0x7fffffffff}};
        QTest::newRow("overlapping and unsorted")
            << 48 << QList<ReservedRegion>{{0x2000, 0x2fff, u"reserved"_qs}, {0x1000, 0x2800, u"reserved"_qs}}
            << QList<IovaRange>{{0, 0xfff}, {0x3000, 0xffffffffffff}};
        QTest::newRow("region past the top") << 32 << QList<ReservedRegion>{{0xfff00000, 0x1ffffffff, u"reserved"_qs}}
                                             << QList<IovaRange>{{0, 0xffefffff}};
        QTest::newRow("64-bit space") << 64 << QList<ReservedRegion>{msi}
                                      << QList<IovaRange>{{0, 0xfedfffff}, {0xfef00000, ~quint64(0)}};
        QTest::newRow("everything reserved") << 32 << QList<ReservedRegion>{{0, 0xffffffff, u"reserved"_qs}}
                                             << QList<IovaRange>{};
    }
    void usableIova()
    {
        QFETCH(int, width);
        QFETCH(QList<ReservedRegion>, reserved);
        QFETCH(QList<IovaRange>, expected);
        QCOMPARE(usableIovaRanges(width, reserved), expected);
    }

    void driverOwnership_data()
    {
        QTest::addColumn<QString>("driver");
        QTest::addColumn<bool>("bridge");
        QTest::addColumn<bool>("allowed");
        QTest::newRow("unbound") << QString() << false << true;
        QTest::newRow("vfio-pci") << u"vfio-pci"_qs << false << true;
        QTest::newRow("mlx5 variant") << u"mlx5_vfio_pci"_qs << false << true;
        QTest::newRow("pds variant") << u"pds-vfio-pci"_qs << false << true;
        QTest::newRow("pci-stub") << u"pci-stub"_qs << false << true;
        QTest::newRow("pcieport on a bridge") << u"pcieport"_qs << true << true;
        QTest::newRow("pcieport on an endpoint") << u"pcieport"_qs << false << false;
        QTest::newRow("nvme") << u"nvme"_qs << false << false;
        QTest::newRow("vfio lookalike") << u"vfio-pci-evil"_qs << false << false;
    }
    void driverOwnership()
    {
        QFETCH(QString, driver);
        QFETCH(bool, bridge);
        QFETCH(bool, allowed);
        QCOMPARE(driverAllowsVfioOwnership(driver, bridge), allowed);
    }

    void predictSwitch_data()
    {
        QTest::addColumn<bool>("acs");
        QTest::addColumn<quint16>("ctrl");
        QTest::addColumn<int>("groups");
        QTest::newRow("downstream ports without ACS") << false << quint16(0) << 4;
        QTest::newRow("downstream ports with ACS on") << true << FullAcs << 6;
        QTest::newRow("ACS present, RR off") << true << quint16(FullAcs & ~Acs::RR) << 4;
        QTest::newRow("ACS present, only TB off (not required)") << true << quint16(FullAcs & ~Acs::TB) << 6;
    }
    void predictSwitch()
    {
        QFETCH(bool, acs);
        QFETCH(quint16, ctrl);
        QFETCH(int, groups);
        const Topology t = switchTopology(acs, ctrl);
        const auto predicted = predictIommuGroups(t);
        QCOMPARE(predicted.size(), groups);
        if (groups == 4)
            QVERIFY(sorted(predicted).contains(QList<PciAddress>{addr("0000:02:00.0"), addr("0000:03:00.0")}));
    }

    void explainSwitchWithoutAcs()
    {
        Topology t = switchTopology(false);
        IommuGroup g;
        g.id = 7;
        g.devices = {addr("0000:02:00.0"), addr("0000:03:00.0")};
        const auto reasons = explainGroup(t, g);
        QCOMPARE(reasons.size(), 1);
        QCOMPARE(reasons[0].kind, GroupReason::Kind::MissingAcs);
        QCOMPARE(reasons[0].culprit, addr("0000:02:00.0"));
        QVERIFY(reasons[0].text.contains(u"no ACS capability"));
        QVERIFY(reasons[0].text.contains(u"0000:03:00.0"));
    }

    void explainAcsControlOff()
    {
        Topology t = switchTopology(true, FullAcs & ~(Acs::RR | Acs::CR));
        IommuGroup g;
        g.id = 7;
        g.devices = {addr("0000:02:00.0"), addr("0000:03:00.0")};
        const auto reasons = explainGroup(t, g);
        QCOMPARE(reasons.size(), 1);
        QCOMPARE(reasons[0].kind, GroupReason::Kind::AcsControlOff);
        QCOMPARE(reasons[0].missingAcsBits, quint16(Acs::RR | Acs::CR));
        QVERIFY(reasons[0].text.contains(u"ReqRedir CmpltRedir are off"));
    }

    void multifunction_data()
    {
        QTest::addColumn<bool>("acs");
        QTest::addColumn<int>("groups");
        QTest::newRow("without ACS: one group") << false << 2;
        QTest::newRow("with ACS: separate") << true << 3;
    }
    void multifunction()
    {
        QFETCH(bool, acs);
        QFETCH(int, groups);
        Topology t;
        auto rp = fn("0000:00:01.0", PortType::RootPort);
        withAcs(rp, FullAcs, FullAcs);
        auto f0 = fn("0000:01:00.0", PortType::Endpoint, "0000:00:01.0");
        auto f1 = fn("0000:01:00.1", PortType::Endpoint, "0000:00:01.0");
        f0.multifunction = f1.multifunction = true;
        if (acs) {
            withAcs(f0, Acs::RR | Acs::CR, Acs::RR | Acs::CR);
            withAcs(f1, Acs::RR | Acs::CR, Acs::RR | Acs::CR);
        }
        t.functions = {rp, f0, f1};
        t.reindex();
        QCOMPARE(predictIommuGroups(t).size(), groups);
        if (!acs) {
            IommuGroup g;
            g.devices = {f0.address, f1.address};
            const auto r = explainGroup(t, g);
            QCOMPARE(r.size(), 1);
            QCOMPARE(r[0].kind, GroupReason::Kind::MultifunctionWithoutAcs);
            QCOMPARE(r[0].culprit, f0.address);
        }
    }

    void pcieToPciBridge()
    {
        Topology t;
        auto rp = fn("0000:00:01.0", PortType::RootPort);
        withAcs(rp, FullAcs, FullAcs);
        auto br = fn("0000:01:00.0", PortType::PcieToPciBridge, "0000:00:01.0");
        auto a = fn("0000:02:01.0", PortType::ConventionalDevice, "0000:01:00.0");
        auto b = fn("0000:02:02.0", PortType::ConventionalDevice, "0000:01:00.0");
        t.functions = {rp, br, a, b};
        t.reindex();
        const auto predicted = sorted(predictIommuGroups(t));
        QCOMPARE(predicted.size(), 2);
        QVERIFY(predicted.contains(QList<PciAddress>{br.address, a.address, b.address}));
        IommuGroup g;
        g.devices = {br.address, a.address, b.address};
        const auto r = explainGroup(t, g);
        QCOMPARE(r.size(), 1);
        QCOMPARE(r[0].kind, GroupReason::Kind::PcieToPciBridge);
        QCOMPARE(r[0].culprit, br.address);
        QCOMPARE(r[0].affected.size(), 2);
    }

    void rootPortWithoutAcsGroupsEverythingBelow()
    {
        // A root port without ACS: the switch below is isolated from nothing.
        Topology t = switchTopology(true);
        t.functions[0].caps.acs = {};
        t.reindex();
        const auto predicted = predictIommuGroups(t);
        QCOMPARE(predicted.size(), 1);
    }

    void unknownConfigIsSaid()
    {
        Topology t = switchTopology(false);
        for (PciFunction &f : t.functions)
            f.caps = {};
        t.reindex();
        IommuGroup g;
        g.devices = {addr("0000:02:00.0"), addr("0000:03:00.0")};
        const auto r = explainGroup(t, g);
        QCOMPARE(r.size(), 1);
        QCOMPARE(r[0].kind, GroupReason::Kind::Unexplained);
        QVERIFY(r[0].text.contains(u"config space is not readable"));
    }

    void viability()
    {
        Topology t = switchTopology(false);
        t.functions[2].driver = u"pcieport"_qs; // downstream port 02:00.0
        t.functions[4].driver = u"e1000e"_qs; // endpoint 03:00.0
        IommuGroup g;
        g.id = 3;
        g.devices = {addr("0000:02:00.0"), addr("0000:03:00.0")};
        t.groups = {g};
        analyzeTopology(t);
        QVERIFY(!t.groups[0].viability.viable);
        QCOMPARE(t.groups[0].viability.actions,
                 QStringList{u"unbind e1000e from 0000:03:00.0 and bind it to vfio-pci"_qs});
        t.functions[4].driver = u"vfio-pci"_qs;
        analyzeTopology(t);
        QVERIFY(t.groups[0].viability.viable);
        QVERIFY(t.groups[0].addressWidthAssumed); // no IOMMU unit in this topology
        QCOMPARE(t.groups[0].addressWidth, 48);
    }
};

QTEST_GUILESS_MAIN(TestAnalysis)
#include "tst_analysis.moc"
