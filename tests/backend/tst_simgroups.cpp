// The simulated kernel's IOMMU grouping against the rules of pci_device_group(), on small
// hand-built topologies, including one whose expected groups come from a real kernel.

#include "kernelgroups.h"
#include "simhost.h"

#include <QTest>

#include <QMap>

using namespace Qt::StringLiterals;
using namespace devtopo;
using namespace devtopo::sim;

Q_DECLARE_METATYPE(devtopo::sim::SimHost)

namespace {

constexpr int NoAcs = -1;
constexpr quint16 FullAcs = AcsBit::SV | AcsBit::TB | AcsBit::RR | AcsBit::CR | AcsBit::UF;

SimFunction fn(const char *addr, PortKind kind, int acsCap = NoAcs, int secondaryBus = -1)
{
    SimFunction f;
    f.address = *PciAddress::parse(QString::fromLatin1(addr));
    f.vendorId = 0x8086;
    f.deviceId = 0x1234;
    f.classCode = isBridge(kind) ? 0x060400 : 0x020000;
    f.kind = kind;
    if (acsCap >= 0)
        f.acs = {true, quint16(acsCap), 0};
    f.secondaryBus = secondaryBus;
    f.driver = u"drv"_s;
    return f;
}

SimFunction sriovPf(const char *addr, int numVfs)
{
    SimFunction pf = fn(addr, PortKind::Endpoint);
    pf.driver = u"i40e"_s;
    pf.sriov = {true, 8, 8, numVfs, 1, 1, 0x154c, true, u"iavf"_s};
    return pf;
}

SimHost host(const QList<SimFunction> &functions, const QList<SimHostBridge> &extraBridges = {})
{
    SimHost h;
    h.iommuUnits = {{u"dmar0"_s, 0xd2008c222f0686ull, 0xf00f4aull, u"1:0"_s, 0xfed90000ull}};
    SimHostBridge hb;
    hb.iommuUnit = u"dmar0"_s;
    h.hostBridges = QList<SimHostBridge>{hb} + extraBridges;
    h.functions = functions;
    return h;
}

// "a b | c": members of each group separated by spaces, groups in id order.
QString render(const SimHost &h)
{
    QMap<int, QStringList> groups;
    for (const SimFunction &f : h.functions) {
        QString a = f.address.toString();
        if (a.startsWith(u"0000:"_s))
            a = a.mid(5);
        groups[f.iommuGroup].append(a);
    }
    QStringList out;
    for (const QStringList &g : std::as_const(groups))
        out.append(g.join(u' '));
    return out.join(u" | "_s);
}

} // namespace

class TestSimGroups : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void groups_data();
    void groups();
    void acsEnabledRule_data();
    void acsEnabledRule();
    void hotAddedVfTakesLowestFreeId();
};

void TestSimGroups::groups_data()
{
    QTest::addColumn<SimHost>("host");
    QTest::addColumn<QString>("expected");

    const SimFunction rp = fn("0000:00:01.0", PortKind::RootPort, FullAcs, 1);
    const SimFunction rpNoAcs = fn("0000:00:01.0", PortKind::RootPort, NoAcs, 1);

    QTest::newRow("switch downstream ports with ACS isolate")
        << host({rp, fn("0000:01:00.0", PortKind::SwitchUpstream, NoAcs, 2),
                 fn("0000:02:00.0", PortKind::SwitchDownstream, FullAcs, 3),
                 fn("0000:02:01.0", PortKind::SwitchDownstream, FullAcs, 4), fn("0000:03:00.0", PortKind::Endpoint),
                 fn("0000:04:00.0", PortKind::Endpoint)})
        << u"00:01.0 | 01:00.0 | 02:00.0 | 02:01.0 | 03:00.0 | 04:00.0"_s;

    QTest::newRow("switch downstream ports without ACS take their endpoints")
        << host({rp, fn("0000:01:00.0", PortKind::SwitchUpstream, NoAcs, 2),
                 fn("0000:02:00.0", PortKind::SwitchDownstream, NoAcs, 3),
                 fn("0000:02:01.0", PortKind::SwitchDownstream, NoAcs, 4), fn("0000:03:00.0", PortKind::Endpoint),
                 fn("0000:04:00.0", PortKind::Endpoint)})
        << u"00:01.0 | 01:00.0 | 02:00.0 03:00.0 | 02:01.0 04:00.0"_s;

    QTest::newRow("downstream port with ACS capability but no SV/RR/CR/UF bits is isolated")
        << host({rp, fn("0000:01:00.0", PortKind::SwitchUpstream, NoAcs, 2),
                 fn("0000:02:00.0", PortKind::SwitchDownstream, 0, 3), fn("0000:03:00.0", PortKind::Endpoint)})
        << u"00:01.0 | 01:00.0 | 02:00.0 | 03:00.0"_s;

    QTest::newRow("root port without ACS")
        << host({rpNoAcs, fn("0000:01:00.0", PortKind::Endpoint)}) << u"00:01.0 01:00.0"_s;

    {
        SimHost h = host({rp, fn("0000:01:00.0", PortKind::Endpoint)});
        h.disableAcsRedir = {rp.address};
        QTest::newRow("pci=disable_acs_redir on the root port") << h << u"00:01.0 01:00.0"_s;
    }

    QTest::newRow("multifunction endpoint without ACS")
        << host({rp, fn("0000:01:00.0", PortKind::Endpoint), fn("0000:01:00.1", PortKind::Endpoint)})
        << u"00:01.0 | 01:00.0 01:00.1"_s;

    QTest::newRow("multifunction endpoint with empty ACS capability")
        << host({rp, fn("0000:01:00.0", PortKind::Endpoint, 0), fn("0000:01:00.1", PortKind::Endpoint, 0)})
        << u"00:01.0 | 01:00.0 | 01:00.1"_s;

    QTest::newRow("multifunction endpoint, only one function with ACS")
        << host({rp, fn("0000:01:00.0", PortKind::Endpoint, 0), fn("0000:01:00.1", PortKind::Endpoint)})
        << u"00:01.0 | 01:00.0 | 01:00.1"_s;

    QTest::newRow("PCIe-to-PCI bridge aliases its conventional devices")
        << host({rp, fn("0000:01:00.0", PortKind::PcieToPciBridge, NoAcs, 2),
                 fn("0000:02:01.0", PortKind::ConventionalDevice), fn("0000:02:02.0", PortKind::ConventionalDevice)})
        << u"00:01.0 | 01:00.0 02:01.0 02:02.0"_s;

    QTest::newRow("conventional multifunction chipset on the root bus")
        << host({fn("0000:00:17.0", PortKind::ConventionalDevice), fn("0000:00:1f.0", PortKind::ConventionalDevice),
                 fn("0000:00:1f.3", PortKind::ConventionalDevice)})
        << u"00:17.0 | 00:1f.0 00:1f.3"_s;

    QTest::newRow("switch upstream port inside a multifunction device without ACS (chipset)")
        << host({rp, fn("0000:01:00.0", PortKind::Endpoint), fn("0000:01:00.1", PortKind::Endpoint),
                 fn("0000:01:00.2", PortKind::SwitchUpstream, NoAcs, 2),
                 fn("0000:02:00.0", PortKind::SwitchDownstream, NoAcs, 3),
                 fn("0000:02:01.0", PortKind::SwitchDownstream, NoAcs, 4), fn("0000:03:00.0", PortKind::Endpoint),
                 fn("0000:04:00.0", PortKind::Endpoint)})
        << u"00:01.0 | 01:00.0 01:00.1 01:00.2 02:00.0 02:01.0 03:00.0 04:00.0"_s;

    QTest::newRow("VFs behind an isolated port get their own groups, after all other devices")
        << host({rp, sriovPf("0000:01:00.0", 2), fn("0000:00:02.0", PortKind::RcIntegratedEndpoint)})
        << u"00:01.0 | 00:02.0 | 01:00.0 | 01:00.1 | 01:00.2"_s;

    QTest::newRow("VFs behind a port without ACS join the port")
        << host({rpNoAcs, sriovPf("0000:01:00.0", 2)}) << u"00:01.0 01:00.0 01:00.1 01:00.2"_s;

    {
        SimHostBridge vmd;
        vmd.domain = 0x10000;
        vmd.iommuUnit = u"dmar0"_s;
        vmd.parentDevice = PciAddress{0, 0, 0, 5};
        QTest::newRow("devices in a VMD domain use the VMD endpoint's requester ID")
            << host({fn("0000:00:00.5", PortKind::RcIntegratedEndpoint), fn("0000:00:01.0", PortKind::RootPort, FullAcs, 1),
                     fn("0000:01:00.0", PortKind::Endpoint), fn("10000:00:00.0", PortKind::RootPort, FullAcs, 1),
                     fn("10000:01:00.0", PortKind::Endpoint)},
                    {vmd})
            << u"00:00.5 10000:00:00.0 10000:01:00.0 | 00:01.0 | 01:00.0"_s;
    }

    // QEMU q35 with an emulated VT-d (../shared/realdata/qemu-q35-vtd-linux6.12-before): the
    // groups and their numbering are what Linux 6.12 produced for this topology.
    QTest::newRow("qemu q35 as grouped by Linux 6.12")
        << host({fn("0000:00:00.0", PortKind::ConventionalDevice), fn("0000:00:01.0", PortKind::ConventionalDevice),
                 fn("0000:00:02.0", PortKind::RootPort, FullAcs, 1), fn("0000:00:02.1", PortKind::RootPort, FullAcs, 2),
                 fn("0000:00:02.2", PortKind::RootPort, FullAcs, 3), fn("0000:00:02.3", PortKind::RootPort, FullAcs, 4),
                 fn("0000:00:02.4", PortKind::RootPort, FullAcs, 8), fn("0000:00:02.5", PortKind::RootPort, FullAcs, 9),
                 fn("0000:00:1f.0", PortKind::ConventionalDevice), fn("0000:00:1f.2", PortKind::ConventionalDevice),
                 fn("0000:00:1f.3", PortKind::ConventionalDevice), fn("0000:01:00.0", PortKind::Endpoint),
                 fn("0000:02:00.0", PortKind::Endpoint), fn("0000:03:00.0", PortKind::Endpoint),
                 fn("0000:04:00.0", PortKind::SwitchUpstream, NoAcs, 5),
                 fn("0000:05:00.0", PortKind::SwitchDownstream, NoAcs, 6),
                 fn("0000:05:01.0", PortKind::SwitchDownstream, NoAcs, 7), fn("0000:06:00.0", PortKind::Endpoint),
                 fn("0000:07:00.0", PortKind::Endpoint), fn("0000:08:00.0", PortKind::Endpoint),
                 fn("0000:08:00.1", PortKind::Endpoint), fn("0000:09:00.0", PortKind::PcieToPciBridge, NoAcs, 10),
                 fn("0000:0a:01.0", PortKind::ConventionalDevice)})
        << u"00:00.0 | 00:01.0 | 00:02.0 | 00:02.1 | 00:02.2 | 00:02.3 | 00:02.4 | 00:02.5 | 00:1f.0 00:1f.2 00:1f.3 | "
           u"01:00.0 | 02:00.0 | 03:00.0 | 04:00.0 | 05:00.0 06:00.0 | 05:01.0 07:00.0 | 08:00.0 08:00.1 | 09:00.0 0a:01.0"_s;
}

void TestSimGroups::groups()
{
    QFETCH(SimHost, host);
    QFETCH(QString, expected);
    QCOMPARE(bootHost(host), QString());
    QCOMPARE(render(host), expected);
}

void TestSimGroups::acsEnabledRule_data()
{
    QTest::addColumn<int>("kind");
    QTest::addColumn<bool>("multifunction");
    QTest::addColumn<int>("cap"); // -1: no ACS capability
    QTest::addColumn<int>("ctrl");
    QTest::addColumn<bool>("enabled");

    const int req = AcsBit::Required;
    QTest::newRow("conventional") << int(PortKind::ConventionalDevice) << false << NoAcs << 0 << false;
    QTest::newRow("pcie-to-pci bridge") << int(PortKind::PcieToPciBridge) << false << req << req << false;
    QTest::newRow("rc event collector") << int(PortKind::RcEventCollector) << false << NoAcs << 0 << false;
    QTest::newRow("root port, no cap") << int(PortKind::RootPort) << false << NoAcs << 0 << false;
    QTest::newRow("root port, all on") << int(PortKind::RootPort) << false << req << req << true;
    QTest::newRow("root port, RR off") << int(PortKind::RootPort) << false << req << (req & ~AcsBit::RR) << false;
    QTest::newRow("root port, SV not capable") << int(PortKind::RootPort) << false << (req & ~AcsBit::SV)
                                               << (req & ~AcsBit::SV) << true;
    QTest::newRow("downstream, EC ignored") << int(PortKind::SwitchDownstream) << false << (req | AcsBit::EC) << req
                                            << true;
    QTest::newRow("single-function endpoint") << int(PortKind::Endpoint) << false << NoAcs << 0 << true;
    QTest::newRow("multifunction endpoint, no cap") << int(PortKind::Endpoint) << true << NoAcs << 0 << false;
    QTest::newRow("multifunction endpoint, empty cap") << int(PortKind::Endpoint) << true << 0 << 0 << true;
    QTest::newRow("multifunction upstream port, no cap") << int(PortKind::SwitchUpstream) << true << NoAcs << 0 << false;
    QTest::newRow("multifunction RCiEP, no cap") << int(PortKind::RcIntegratedEndpoint) << true << NoAcs << 0 << false;
}

void TestSimGroups::acsEnabledRule()
{
    QFETCH(int, kind);
    QFETCH(bool, multifunction);
    QFETCH(int, cap);
    QFETCH(int, ctrl);
    QFETCH(bool, enabled);
    SimFunction f;
    f.kind = PortKind(kind);
    f.multifunction = multifunction;
    if (cap >= 0)
        f.acs = {true, quint16(cap), quint16(ctrl)};
    QCOMPARE(acsEnabled(f), enabled);
}

void TestSimGroups::hotAddedVfTakesLowestFreeId()
{
    SimHost h = host({fn("0000:00:01.0", PortKind::RootPort, FullAcs, 1), sriovPf("0000:01:00.0", 0),
                      fn("0000:00:02.0", PortKind::RootPort, FullAcs, 2), sriovPf("0000:02:00.0", 0)});
    QCOMPARE(bootHost(h), QString());
    QCOMPARE(render(h), u"00:01.0 | 00:02.0 | 01:00.0 | 02:00.0"_s);
    QCOMPARE(h.setNumVfs(PciAddress{0, 1, 0, 0}, 2), QString());
    QCOMPARE(h.setNumVfs(PciAddress{0, 2, 0, 0}, 1), QString());
    QCOMPARE(h.function(PciAddress{0, 2, 0, 1})->iommuGroup, 6);
    QCOMPARE(h.setNumVfs(PciAddress{0, 1, 0, 0}, 0), QString()); // frees ids 4 and 5
    QCOMPARE(h.setNumVfs(PciAddress{0, 1, 0, 0}, 3), QString());
    QCOMPARE(h.function(PciAddress{0, 1, 0, 1})->iommuGroup, 4);
    QCOMPARE(h.function(PciAddress{0, 1, 0, 2})->iommuGroup, 5);
    QCOMPARE(h.function(PciAddress{0, 1, 0, 3})->iommuGroup, 7);
}

QTEST_GUILESS_MAIN(TestSimGroups)
#include "tst_simgroups.moc"
