// The P2P engine on scanned hosts: the simulated demo server and, when ../shared is there, the
// real Linux 6.12 q35 tree with its x3130 switch.

#include "demoroot.h"
#include "p2pengine.h"
#include "p2pmatrix.h"
#include "source.h"

#include <QDir>
#include <QTest>

using namespace devtopo;

namespace {

PciAddress at(const char *text)
{
    return *PciAddress::parse(QString::fromLatin1(text));
}

} // namespace

class TestP2pHosts : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void demo_data();
    void demo();
    void demoMatrix();
    void realSwitch();

private:
    Topology m_demo;
};

void TestP2pHosts::initTestCase()
{
    QString error;
    const QString root = sim::createDemoRoot(&error);
    QVERIFY2(!root.isEmpty(), qPrintable(error));
    SourceResult r = openSource(root);
    QVERIFY2(r.ok, qPrintable(r.error));
    m_demo = std::move(r.topology);
    m_demo.reindex();
}

void TestP2pHosts::demo_data()
{
    QTest::addColumn<QString>("a");
    QTest::addColumn<QString>("b");
    QTest::addColumn<QString>("cls");
    QTest::addColumn<QString>("mapType");
    QTest::addColumn<int>("distance");

    auto row = [](const char *name, const char *a, const char *b, const char *cls, const char *map, int distance) {
        QTest::newRow(name) << QString::fromLatin1(a) << QString::fromLatin1(b) << QString::fromLatin1(cls)
                            << QString::fromLatin1(map) << distance;
    };
    // The demo's PLX downstream ports have ACS RR/CR on (the kernel enables them with the IOMMU), so
    // the two Quadros meet in the switch but their traffic is redirected to the whitelisted root port.
    row("Quadros under the PLX switch", "0000:1b:00.0", "0000:1c:00.0", "PIX", "THRU_HOST_BRIDGE", 4);
    // Two functions meet in their downstream port; the kernel checks that common port's ACS too.
    row("ConnectX-5 ports under the PLX switch", "0000:1d:00.0", "0000:1d:00.1", "PIX", "THRU_HOST_BRIDGE", 2);
    row("chipset bridge below a root port", "0000:20:00.0", "0000:22:00.0", "PXB", "THRU_HOST_BRIDGE", 4);
    row("two root ports of pci0000:17", "0000:1b:00.0", "0000:18:00.0", "PHB", "THRU_HOST_BRIDGE", 6);
    row("two host bridges of socket 0", "0000:1b:00.0", "0000:3c:00.0", "NODE", "THRU_HOST_BRIDGE", 6);
    row("across sockets", "0000:1b:00.0", "0000:81:00.0", "SYS", "THRU_HOST_BRIDGE", 6);
    row("Teslas on socket 1", "0000:81:00.0", "0000:82:00.0", "PHB", "THRU_HOST_BRIDGE", 4);
}

void TestP2pHosts::demo()
{
    QFETCH(QString, a);
    QFETCH(QString, b);
    const P2pEngine e(m_demo);
    const P2pPath p = e.explain(*PciAddress::parse(a), *PciAddress::parse(b));
    QVERIFY2(!p.path.isEmpty(), qPrintable(p.reasons.join(QLatin1Char('\n'))));
    QTEST(p2pClassName(p.cell.cls), "cls");
    QTEST(p2pMapTypeName(p.cell.mapType), "mapType");
    QTEST(int(p.cell.distance), "distance");
}

void TestP2pHosts::demoMatrix()
{
    const P2pEngine e(m_demo);
    const P2pMatrix m = computeP2pMatrix(e, P2pKind::Gpu);
    QVERIFY(m.size() >= 4);
    const int q0 = int(m.functions.indexOf(m_demo.functionIndex.value(at("0000:1b:00.0"))));
    const int q1 = int(m.functions.indexOf(m_demo.functionIndex.value(at("0000:1c:00.0"))));
    const int t4 = int(m.functions.indexOf(m_demo.functionIndex.value(at("0000:81:00.0"))));
    QVERIFY(q0 >= 0 && q1 >= 0 && t4 >= 0);
    QVERIFY(m.at(q0, q1).cls == P2pClass::PIX || m.at(q0, q1).cls == P2pClass::PXB);
    QCOMPARE(m.at(q0, t4).cls, P2pClass::SYS);
    QCOMPARE(m.shortNames.first(), QStringLiteral("GPU0"));
}

void TestP2pHosts::realSwitch()
{
    const QString root = QStringLiteral(DEVTOPO_SHARED_DIR "/realdata/qemu-q35-vtd-linux6.12-before");
    if (!QDir(root).exists())
        QSKIP("../shared/realdata is not here");
    SourceResult r = openSource(root);
    QVERIFY2(r.ok, qPrintable(r.error));
    Topology t = std::move(r.topology);
    t.reindex();
    const P2pEngine e(t);
    // e1000e behind the x3130's first downstream port, NVMe behind its second.
    const P2pPath p = e.explain(at("0000:06:00.0"), at("0000:07:00.0"));
    QCOMPARE(p.commonBridge, std::optional<PciAddress>(at("0000:04:00.0")));
    QCOMPARE(int(p.cell.distance), 4);
    QCOMPARE(p.cell.mapType, P2pMapType::BusAddr);
    QCOMPARE(p.cell.cls, P2pClass::PIX);
    QVERIFY(p.acsRedirect.isEmpty());
    // Across root ports: q35's 00:00.0 (8086:29c0) is not whitelisted, so the kernel refuses.
    const P2pPath across = e.explain(at("0000:02:00.0"), at("0000:07:00.0"));
    QCOMPARE(across.cell.cls, P2pClass::PHB);
    QCOMPARE(across.cell.mapType, P2pMapType::NotSupported);
    QCOMPARE(across.cell.hostRule, P2pHostRule::NotWhitelisted);
}

QTEST_GUILESS_MAIN(TestP2pHosts)
#include "tst_p2phosts.moc"
