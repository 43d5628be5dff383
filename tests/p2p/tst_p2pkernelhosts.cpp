// P2P classes and p2pdma verdicts on the real-kernel test host's captures (Linux 6.12 in QEMU):
// nested switches (cascade) and a second host bridge on NUMA node 1 (pxb-numa).
#include "p2pengine.h"
#include "source.h"

#include <QTest>

using namespace devtopo;

namespace {
Topology open(const char *name)
{
    const SourceResult r = openSource(QStringLiteral(DEVTOPO_TEST_DATA "/testhost/") + QLatin1StringView(name));
    if (!r.ok)
        qFatal("cannot open %s: %s", name, qPrintable(r.error));
    return r.topology;
}

// Whether two functions sit below the same root-bus function (the same root port / bridge).
PciAddress rootOf(const Topology &t, PciAddress a)
{
    for (const PciFunction *f = t.function(a); f && f->parent; f = t.function(*f->parent))
        a = *f->parent;
    return a;
}
} // namespace

class TestP2pKernelHosts : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void cascadedSwitches()
    {
        const Topology t = open("cascade-before.tar.gz");
        const P2pEngine engine(t);
        const QList<int> eps = engine.endpoints(P2pKind::All, false);
        int pix = 0, pxb = 0, phb = 0;
        for (int i : eps)
            for (int j : eps) {
                if (i >= j)
                    continue;
                const P2pCell c = engine.cell(i, j);
                const bool sameRoot = rootOf(t, t.functions[i].address) == rootOf(t, t.functions[j].address)
                    && t.functions[i].parent && t.functions[j].parent;
                if (sameRoot && t.functions[i].parent != std::nullopt) {
                    // Below one switch tree and no ACS redirect in QEMU's switches: the kernel maps
                    // bus addresses directly, at the hop count to the common switch.
                    QVERIFY(c.cls == P2pClass::PIX || c.cls == P2pClass::PXB);
                    QCOMPARE(c.mapType, P2pMapType::BusAddr);
                    QCOMPARE(c.hostRule, P2pHostRule::NotConsulted);
                    QVERIFY(c.distance >= 2);
                }
                if (!sameRoot) {
                    // Q35's host bridge (8086:29c0) is not in pci_p2pdma_whitelist.
                    QCOMPARE(c.cls, P2pClass::PHB);
                    QCOMPARE(c.mapType, P2pMapType::NotSupported);
                    QCOMPARE(c.hostRule, P2pHostRule::NotWhitelisted);
                }
                pix += c.cls == P2pClass::PIX;
                pxb += c.cls == P2pClass::PXB;
                phb += c.cls == P2pClass::PHB;
            }
        QVERIFY2(pix > 0 && pxb > 0 && phb > 0, "the cascade has siblings, nested-switch pairs and cross-port pairs");
    }

    void secondHostBridgeOnNode1()
    {
        const Topology t = open("pxb-numa-before.tar.gz");
        const P2pEngine engine(t);
        const QList<int> eps = engine.endpoints(P2pKind::All, false);
        int across = 0;
        for (int i : eps)
            for (int j : eps) {
                if (i >= j || t.functions[i].hostBridge == t.functions[j].hostBridge)
                    continue;
                ++across;
                const P2pPath p = engine.explain(t.functions[i].address, t.functions[j].address);
                // The q35 main host bridge has no NUMA node in ACPI: NODE, never a guessed SYS, and said so.
                QCOMPARE(p.cell.cls, P2pClass::NODE);
                QCOMPARE(p.cell.mapType, P2pMapType::NotSupported);
                QVERIFY(p.reasons.join(u'\n').contains(u"unknown"_qs));
            }
        QVERIFY(across > 0);
    }
};

QTEST_GUILESS_MAIN(TestP2pKernelHosts)
#include "tst_p2pkernelhosts.moc"
