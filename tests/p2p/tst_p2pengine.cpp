// The P2P engine on hand-built hosts: nvidia-smi classes, and each rule of the kernel's
// calc_map_type_and_dist() on its own (ACS bits, whitelist, REQ_SAME_HOST_BRIDGE, AMD Zen, no host
// bridge device, no common ancestor), the bottleneck link and the matrix.

#include "p2pengine.h"
#include "p2pjson.h"
#include "p2pmatrix.h"
#include "p2ptopologies.h"

#include <QJsonArray>
#include <QTest>

using namespace devtopo;
using namespace devtopo::test;

namespace {

P2pPath explain(const Topology &t, const char *a, const char *b)
{
    return P2pEngine(t).explain(at(a), at(b));
}

QStringList texts(const QList<PciAddress> &list)
{
    QStringList out;
    for (const PciAddress &a : list)
        out << a.toString();
    return out;
}

} // namespace

class TestP2pEngine : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void classesAndVerdicts_data();
    void classesAndVerdicts();
    void symmetric();
    void acsRedirect_data();
    void acsRedirect();
    void notWhitelisted();
    void sameHostBridgeRequired();
    void amdZen();
    void amdNotZen();
    void noHostBridgeDevice();
    void noCommonAncestor();
    void bottleneck();
    void unknownPortTypes();
    void kinds_data();
    void kinds();
    void vfs();
    void matrixAndJson();
};

void TestP2pEngine::classesAndVerdicts_data()
{
    QTest::addColumn<QString>("a");
    QTest::addColumn<QString>("b");
    QTest::addColumn<QString>("cls");
    QTest::addColumn<QString>("mapType");
    QTest::addColumn<int>("distance");
    QTest::addColumn<QString>("hostRule");
    QTest::addColumn<QString>("common");

    auto row = [](const char *name, const char *a, const char *b, const char *cls, const char *map, int distance,
                  const char *rule, const char *common) {
        QTest::newRow(name) << QString::fromLatin1(a) << QString::fromLatin1(b) << QString::fromLatin1(cls)
                            << QString::fromLatin1(map) << distance << QString::fromLatin1(rule) << QString::fromLatin1(common);
    };
    row("self", "0000:03:00.0", "0000:03:00.0", "X", "BUS_ADDR", 0, "not_consulted", "0000:03:00.0");
    row("two functions of one device", "0000:03:00.0", "0000:03:00.1", "PIX", "BUS_ADDR", 2, "not_consulted", "0000:02:00.0");
    row("one switch, two ports", "0000:03:00.0", "0000:04:00.0", "PIX", "BUS_ADDR", 4, "not_consulted", "0000:01:00.0");
    row("cascaded switches", "0000:03:00.0", "0000:07:00.0", "PXB", "BUS_ADDR", 6, "not_consulted", "0000:01:00.0");
    row("root ports of one host bridge", "0000:03:00.0", "0000:08:00.0", "PHB", "THRU_HOST_BRIDGE", 6, "whitelist", "");
    row("host bridges of one NUMA node", "0000:03:00.0", "0000:41:00.0", "NODE", "THRU_HOST_BRIDGE", 6, "whitelist", "");
    row("two NUMA nodes", "0000:03:00.0", "0000:81:00.0", "SYS", "THRU_HOST_BRIDGE", 6, "whitelist", "");
    row("NUMA node unknown on one side", "0000:03:00.0", "0000:c1:00.0", "NODE", "NOT_SUPPORTED", 6, "not_whitelisted", "");
    row("NVMe to GPU across sockets", "0000:41:00.0", "0000:81:00.0", "SYS", "THRU_HOST_BRIDGE", 4, "whitelist", "");
}

void TestP2pEngine::classesAndVerdicts()
{
    QFETCH(QString, a);
    QFETCH(QString, b);
    const Topology t = makeP2pTopology();
    const P2pPath p = P2pEngine(t).explain(*PciAddress::parse(a), *PciAddress::parse(b));
    QTEST(p2pClassName(p.cell.cls), "cls");
    QTEST(p2pMapTypeName(p.cell.mapType), "mapType");
    QTEST(int(p.cell.distance), "distance");
    QTEST(p2pHostRuleName(p.cell.hostRule), "hostRule");
    QTEST(p.commonBridge ? p.commonBridge->toString() : QString(), "common");
    QVERIFY(p.acsRedirect.isEmpty());
    QCOMPARE(p.path.first(), p.a);
    QCOMPARE(p.path.last(), p.b);
    QVERIFY(p.reasons.size() >= 4);
    QVERIFY(p.reasons.join(QLatin1Char(' ')).contains(QStringLiteral("Verdict: PCI_P2PDMA_MAP_") + p2pMapTypeName(p.cell.mapType)));
}

void TestP2pEngine::symmetric()
{
    const Topology t = makeP2pTopology();
    const P2pEngine e(t);
    const QList<int> all = e.endpoints(P2pKind::All);
    for (int a : all)
        for (int b : all) {
            const P2pCell x = e.cell(a, b);
            const P2pCell y = e.cell(b, a);
            QCOMPARE(x.cls, y.cls);
            QCOMPARE(x.mapType, y.mapType);
            QCOMPARE(x.distance, y.distance);
            QCOMPARE(x.acsRedirects, y.acsRedirects);
        }
}

void TestP2pEngine::acsRedirect_data()
{
    QTest::addColumn<QString>("port");
    QTest::addColumn<int>("control");
    QTest::addColumn<QString>("mapType");
    QTest::addColumn<QStringList>("redirects");

    const int SvUf = Acs::SV | Acs::UF;
    QTest::newRow("RR on a downstream port") << QStringLiteral("0000:02:01.0") << int(Acs::RR) << QStringLiteral("THRU_HOST_BRIDGE") << QStringList{QStringLiteral("0000:02:01.0")};
    QTest::newRow("CR on a downstream port") << QStringLiteral("0000:02:00.0") << int(Acs::CR) << QStringLiteral("THRU_HOST_BRIDGE") << QStringList{QStringLiteral("0000:02:00.0")};
    QTest::newRow("EC on a downstream port") << QStringLiteral("0000:02:01.0") << int(Acs::EC) << QStringLiteral("THRU_HOST_BRIDGE") << QStringList{QStringLiteral("0000:02:01.0")};
    QTest::newRow("SV and UF only: no redirect") << QStringLiteral("0000:02:01.0") << SvUf << QStringLiteral("BUS_ADDR") << QStringList{};
    // The kernel checks the common bridge itself on the provider's walk.
    QTest::newRow("RR on the common upstream port") << QStringLiteral("0000:01:00.0") << int(Acs::RR) << QStringLiteral("THRU_HOST_BRIDGE") << QStringList{QStringLiteral("0000:01:00.0")};
    QTest::newRow("RR above the common bridge: off the path") << QStringLiteral("0000:00:01.0") << int(Acs::RR) << QStringLiteral("BUS_ADDR") << QStringList{};
    // pci_bridge_has_acs_redir() looks at any function with an ACS capability, endpoints too.
    QTest::newRow("RR on the endpoint itself") << QStringLiteral("0000:04:00.0") << int(Acs::RR) << QStringLiteral("THRU_HOST_BRIDGE") << QStringList{QStringLiteral("0000:04:00.0")};
}

void TestP2pEngine::acsRedirect()
{
    QFETCH(QString, port);
    QFETCH(int, control);
    Topology t = makeP2pTopology();
    PciFunction *f = t.function(*PciAddress::parse(port));
    f->caps.acs.present = true;
    f->caps.acs.capability = 0x7f;
    f->caps.acs.control = quint16(control);
    const P2pPath p = explain(t, "0000:03:00.0", "0000:04:00.0");
    QTEST(p2pMapTypeName(p.cell.mapType), "mapType");
    QTEST(texts(p.acsRedirect), "redirects");
    QCOMPARE(int(p.cell.acsRedirects), int(p.acsRedirect.size()));
    // Linux 6.x reports the same distance with or without redirects (no penalty is added).
    QCOMPARE(int(p.cell.distance), 4);
    QCOMPARE(p2pClassName(p.cell.cls), QStringLiteral("PIX"));
    if (!p.acsRedirect.isEmpty()) {
        QCOMPARE(p.cell.hostRule, P2pHostRule::Whitelisted);
        QVERIFY(p.reasons.join(QLatin1Char(' ')).contains(QStringLiteral("pci=disable_acs_redir=") + port));
    } else {
        QCOMPARE(p.cell.hostRule, P2pHostRule::NotConsulted);
    }
}

void TestP2pEngine::notWhitelisted()
{
    Topology t = makeP2pTopology();
    fn(t, "0000:00:00.0")->deviceId = 0x29c0; // QEMU q35's DRAM controller
    const P2pPath across = explain(t, "0000:03:00.0", "0000:08:00.0");
    QCOMPARE(across.cell.mapType, P2pMapType::NotSupported);
    QCOMPARE(across.cell.hostRule, P2pHostRule::NotWhitelisted);
    QVERIFY(across.reasons.join(QLatin1Char(' ')).contains(QStringLiteral("[8086:29c0] is not in pci_p2pdma_whitelist")));
    // A common switch without redirects never asks the host bridge.
    QCOMPARE(explain(t, "0000:03:00.0", "0000:04:00.0").cell.mapType, P2pMapType::BusAddr);
    // With a redirect it does, and is refused.
    fn(t, "0000:02:01.0")->caps.acs = AcsInfo{true, 0x7f, Acs::RR | Acs::CR};
    const P2pPath redirected = explain(t, "0000:03:00.0", "0000:04:00.0");
    QCOMPARE(redirected.cell.mapType, P2pMapType::NotSupported);
    QCOMPARE(redirected.acsRedirect, QList<PciAddress>{at("0000:02:01.0")});
}

void TestP2pEngine::sameHostBridgeRequired()
{
    Topology t = makeP2pTopology();
    fn(t, "0000:00:00.0")->deviceId = 0x2f00; // Haswell-EP: REQ_SAME_HOST_BRIDGE
    fn(t, "0000:40:00.0")->deviceId = 0x2f01;
    const P2pPath within = explain(t, "0000:03:00.0", "0000:08:00.0");
    QCOMPARE(within.cell.hostRule, P2pHostRule::Whitelisted);
    QCOMPARE(within.cell.mapType, P2pMapType::ThruHostBridge);
    const P2pPath across = explain(t, "0000:03:00.0", "0000:41:00.0");
    QCOMPARE(across.cell.hostRule, P2pHostRule::SameHostBridgeRequired);
    QCOMPARE(across.cell.mapType, P2pMapType::NotSupported);
    QCOMPARE(across.cell.cls, P2pClass::NODE);
}

void TestP2pEngine::amdZen()
{
    Topology t = makeP2pTopology();
    fn(t, "0000:00:00.0")->vendorId = 0x1022;
    fn(t, "0000:00:00.0")->deviceId = 0x1480; // Starship/Matisse root complex (Zen 2)
    const P2pEngine e(t);
    QVERIFY(e.cpuIsAmdZen());
    // cpu_supports_p2pdma() is global: even the unlisted QEMU host bridge is allowed.
    const P2pPath p = e.explain(at("0000:03:00.0"), at("0000:c1:00.0"));
    QCOMPARE(p.cell.hostRule, P2pHostRule::CpuAmdZen);
    QCOMPARE(p.cell.mapType, P2pMapType::ThruHostBridge);
    QVERIFY(p.reasons.join(QLatin1Char(' ')).contains(QStringLiteral("Starship/Matisse")));
}

void TestP2pEngine::amdNotZen()
{
    Topology t = makeP2pTopology();
    fn(t, "0000:00:00.0")->vendorId = 0x1022;
    fn(t, "0000:00:00.0")->deviceId = 0x1410; // family 15h: before Zen
    const P2pPath p = explain(t, "0000:03:00.0", "0000:08:00.0");
    QCOMPARE(p.cell.hostRule, P2pHostRule::NotWhitelisted);
    QCOMPARE(p.cell.mapType, P2pMapType::NotSupported);
    QVERIFY(p.reasons.join(QLatin1Char(' ')).contains(QStringLiteral("AMD host bridge")));
}

void TestP2pEngine::noHostBridgeDevice()
{
    // pci_host_bridge_dev() wants 00.0 or a root port first on the root bus; here it is neither.
    Topology t;
    t.hostBridges = {HostBridge{QStringLiteral("pci0000:00"), 0, 0, 0}};
    for (const char *a : {"0000:00:03.0", "0000:00:04.0"}) {
        PciFunction f;
        f.address = at(a);
        f.hostBridge = QStringLiteral("pci0000:00");
        f.classCode = 0x020000;
        f.portType = PortType::RootComplexIntegratedEndpoint;
        f.vendorId = 0x8086;
        f.deviceId = 0x2020; // would be whitelisted, were it at 00.0
        t.functions << f;
    }
    t.reindex();
    const P2pPath p = explain(t, "0000:00:03.0", "0000:00:04.0");
    QCOMPARE(p.cell.hostRule, P2pHostRule::NoHostBridgeDevice);
    QCOMPARE(p.cell.mapType, P2pMapType::NotSupported);
    QCOMPARE(p.cell.cls, P2pClass::PHB);
    QCOMPARE(int(p.cell.distance), 2); // each on the root bus: a chain of one
}

void TestP2pEngine::noCommonAncestor()
{
    const Topology t = makeP2pTopology();
    const P2pPath p = explain(t, "0000:03:00.0", "0000:08:00.0");
    QVERIFY(!p.commonBridge);
    QCOMPARE(texts(p.path), (QStringList{QStringLiteral("0000:03:00.0"), QStringLiteral("0000:02:00.0"), QStringLiteral("0000:01:00.0"), QStringLiteral("0000:00:01.0"), QStringLiteral("0000:00:02.0"),
                                         QStringLiteral("0000:08:00.0")}));
    QCOMPARE(int(p.cell.distance), 4 + 2);
    QVERIFY(p.reasons.first().contains(QStringLiteral("share no upstream bridge")));
}

void TestP2pEngine::bottleneck()
{
    Topology t = makeP2pTopology();
    fn(t, "0000:04:00.0")->link = LinkInfo{0, 8, 0, 4}; // current unknown: the maximum stands in
    P2pPath p = explain(t, "0000:03:00.0", "0000:04:00.0");
    QCOMPARE(p.bottleneck.address, std::optional<PciAddress>(at("0000:04:00.0")));
    QCOMPARE(p.bottleneck.width, 4);
    QCOMPARE(p.bottleneck.speed, 8.0);
    QVERIFY(p.bottleneck.fromMax);

    // The root port reports the link below it when the endpoint cannot.
    fn(t, "0000:08:00.0")->link = LinkInfo{};
    fn(t, "0000:00:02.0")->link = LinkInfo{2.5, 8, 1, 16};
    p = explain(t, "0000:03:00.0", "0000:08:00.0");
    QCOMPARE(p.bottleneck.address, std::optional<PciAddress>(at("0000:00:02.0")));
    QCOMPARE(p.bottleneck.width, 1);
    QVERIFY(!p.bottleneck.fromMax);
    QVERIFY(p.reasons.last().contains(QStringLiteral("2.5 GT/s x1")));

    // The hop from a downstream port to its upstream port is inside the switch: no link of its own.
    fn(t, "0000:02:00.0")->link = LinkInfo{2.5, 2.5, 1, 1};
    p = explain(t, "0000:03:00.0", "0000:04:00.0");
    QCOMPARE(p.bottleneck.address, std::optional<PciAddress>(at("0000:04:00.0")));
}

void TestP2pEngine::unknownPortTypes()
{
    // Unprivileged scans see no PCIe capability; bridges behind non-root-bus bridges are then
    // taken as a switch's downstream ports.
    Topology t = makeP2pTopology();
    for (PciFunction &f : t.functions) {
        f.portType = PortType::Unknown;
        f.caps = Capabilities{};
    }
    QCOMPARE(explain(t, "0000:03:00.0", "0000:04:00.0").cell.cls, P2pClass::PIX);
    QCOMPARE(explain(t, "0000:03:00.0", "0000:07:00.0").cell.cls, P2pClass::PXB);
    QCOMPARE(explain(t, "0000:03:00.0", "0000:04:00.0").cell.mapType, P2pMapType::BusAddr);
    QVERIFY(explain(t, "0000:03:00.0", "0000:04:00.0").reasons.join(QLatin1Char(' ')).contains(QStringLiteral("unknown")));
}

void TestP2pEngine::kinds_data()
{
    QTest::addColumn<QString>("kind");
    QTest::addColumn<QStringList>("devices");
    QTest::newRow("gpu") << QStringLiteral("gpu") << QStringList{QStringLiteral("0000:03:00.0"), QStringLiteral("0000:03:00.1"), QStringLiteral("0000:04:00.0"), QStringLiteral("0000:07:00.0"), QStringLiteral("0000:81:00.0")};
    QTest::newRow("nic") << QStringLiteral("nic") << QStringList{QStringLiteral("0000:08:00.0")};
    QTest::newRow("nvme") << QStringLiteral("nvme") << QStringList{QStringLiteral("0000:41:00.0")};
    QTest::newRow("accel") << QStringLiteral("accel") << QStringList{QStringLiteral("0000:c1:00.0")};
    QTest::newRow("all: no bridges, no host bridge function")
        << QStringLiteral("ALL") << QStringList{QStringLiteral("0000:03:00.0"), QStringLiteral("0000:03:00.1"), QStringLiteral("0000:04:00.0"), QStringLiteral("0000:07:00.0"), QStringLiteral("0000:08:00.0"),
                                QStringLiteral("0000:41:00.0"), QStringLiteral("0000:81:00.0"), QStringLiteral("0000:c1:00.0")};
}

void TestP2pEngine::kinds()
{
    QFETCH(QString, kind);
    const Topology t = makeP2pTopology();
    const std::optional<P2pKind> k = parseP2pKind(kind);
    QVERIFY(k);
    QStringList got;
    for (int i : P2pEngine(t).endpoints(*k))
        got << t.functions[i].address.toString();
    QTEST(got, "devices");
}

void TestP2pEngine::vfs()
{
    Topology t = makeP2pTopology();
    PciFunction vf = *fn(t, "0000:08:00.0");
    vf.address = at("0000:08:00.2");
    vf.physfn = at("0000:08:00.0");
    t.functions.insert(t.functionIndex.value(at("0000:08:00.0")) + 1, vf);
    t.reindex();
    const P2pEngine e(t);
    QCOMPARE(e.endpoints(P2pKind::Nic, true).size(), 2);
    QCOMPARE(e.endpoints(P2pKind::Nic, false).size(), 1);
    // A VF's upstream bridge is its PF's.
    const P2pPath p = e.explain(at("0000:08:00.0"), at("0000:08:00.2"));
    QCOMPARE(p.commonBridge, std::optional<PciAddress>(at("0000:00:02.0")));
    QCOMPARE(int(p.cell.distance), 2);
    QCOMPARE(p.cell.cls, P2pClass::PIX);
}

void TestP2pEngine::matrixAndJson()
{
    const Topology t = makeP2pTopology();
    const P2pEngine e(t);
    const P2pMatrix m = computeP2pMatrix(e, P2pKind::Gpu);
    QCOMPARE(m.shortNames, (QStringList{QStringLiteral("GPU0"), QStringLiteral("GPU1"), QStringLiteral("GPU2"), QStringLiteral("GPU3"), QStringLiteral("GPU4")}));
    for (int i = 0; i < m.size(); ++i)
        QCOMPARE(m.at(i, i).cls, P2pClass::X);
    QCOMPARE(m.at(0, 2).cls, P2pClass::PIX);
    QCOMPARE(m.at(3, 0).cls, P2pClass::PXB);
    QCOMPARE(m.at(4, 1).cls, P2pClass::SYS);
    const QJsonObject json = p2pMatrixToJson(e, m);
    const QJsonArray pairs = json[u"pairs"].toArray();
    QCOMPARE(pairs.size(), 5 * 4 / 2);
    const QJsonObject first = pairs.first().toObject();
    QCOMPARE(first[u"a"].toString(), QStringLiteral("0000:03:00.0"));
    QCOMPARE(first[u"b"].toString(), QStringLiteral("0000:03:00.1"));
    QCOMPARE(first[u"class"].toString(), QStringLiteral("PIX"));
    QCOMPARE(first[u"map_type"].toString(), QStringLiteral("BUS_ADDR"));
    QCOMPARE(first[u"distance"].toInt(), 2);
    QCOMPARE(first[u"path"].toArray().size(), 3);
    QVERIFY(first[u"acs_redirect"].isArray());
    QCOMPARE(first[u"bottleneck"].toObject()[u"width"].toInt(), 16);
    QVERIFY(!first[u"reasons"].toArray().isEmpty());
}

QTEST_GUILESS_MAIN(TestP2pEngine)
#include "tst_p2pengine.moc"
