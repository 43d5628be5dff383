// The demo scenario, the mutation API's kernel rules and the scale host.

#include "kernelgroups.h"
#include "scalehost.h"
#include "scenario.h"
#include "simhost.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QSet>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace devtopo;
using namespace devtopo::sim;

namespace {

PciAddress at(const char *text)
{
    return *PciAddress::parse(QString::fromLatin1(text));
}

int groupOf(const SimHost &h, const char *addr)
{
    const SimFunction *f = h.function(at(addr));
    return f ? f->iommuGroup : -2;
}

QSet<PciAddress> membersOf(const SimHost &h, int group)
{
    QSet<PciAddress> out;
    for (const SimFunction &f : h.functions) {
        if (f.iommuGroup == group)
            out.insert(f.address);
    }
    return out;
}

QSet<PciAddress> set(std::initializer_list<const char *> addrs)
{
    QSet<PciAddress> out;
    for (const char *a : addrs)
        out.insert(at(a));
    return out;
}

} // namespace

class TestSimHost : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void demoShape();
    void demoIommuUnits();
    void demoGroups_data();
    void demoGroups();
    void demoDriversAndVfs();
    void demoDegradedLink();
    void numVfsRules();
    void unbindingPfRemovesVfs();
    void driverBindingRules();
    void vfAddressesFollowOffsetAndStride();
    void scenarioErrors_data();
    void scenarioErrors();
    void scaleHost();

private:
    SimHost m_demo;
};

void TestSimHost::initTestCase()
{
    QString error;
    m_demo = defaultDemoHost(&error);
    QVERIFY2(error.isEmpty(), qPrintable(error));
}

void TestSimHost::demoShape()
{
    QVERIFY(m_demo.functions.size() >= 60);
    QVERIFY(m_demo.functions.size() <= 120);
    QCOMPARE(m_demo.numaNodes.size(), 3);
    QVERIFY(m_demo.numaNodes[2].cpuList.isEmpty()); // memory-only node
    QVERIFY(m_demo.numaNodes[2].memTotalKiB > 0);
    QCOMPARE(m_demo.hostBridgeFor(at("0000:b0:00.0"))->numaNode, 1);
    QCOMPARE(m_demo.function(at("0000:b0:00.0"))->numaNode, 1);
    QCOMPARE(m_demo.function(at("0000:18:00.0"))->numaNode, 0);
    // Every function is grouped and translated by an IOMMU unit.
    for (const SimFunction &f : m_demo.functions) {
        QVERIFY2(f.iommuGroup >= 0, qPrintable(f.address.toString()));
        QVERIFY2(!f.iommuUnit.isEmpty(), qPrintable(f.address.toString()));
    }
}

void TestSimHost::demoIommuUnits()
{
    int scalable = 0;
    for (const SimIommuUnit &u : m_demo.iommuUnits) {
        QCOMPARE(((u.cap >> 16) & 0x3f) + 1, 48ull); // MGAW
        const bool sm = (u.ecap >> 43) & 1;
        if (sm) {
            ++scalable;
            QVERIFY((u.ecap >> 26) & 1); // nesting
            QVERIFY((u.ecap >> 45) & 1); // second-level access/dirty
            QVERIFY((u.ecap >> 40) & 1); // PASID
        }
    }
    QVERIFY(scalable >= 1);
    QVERIFY(scalable < m_demo.iommuUnits.size()); // and a legacy-only one
}

void TestSimHost::demoGroups_data()
{
    QTest::addColumn<QString>("member");
    QTest::addColumn<QStringList>("group");
    auto row = [](const char *name, const QStringList &members) { QTest::newRow(name) << members.first() << members; };
    row("GPU functions share a group, behind a switch port with ACS",
        {u"0000:1b:00.0"_s, u"0000:1b:00.1"_s, u"0000:1b:00.2"_s, u"0000:1b:00.3"_s});
    row("switch downstream port with ACS is alone", {u"0000:1a:08.0"_s});
    row("ConnectX-5 port 0 isolated by an (empty) ACS capability", {u"0000:1d:00.0"_s});
    row("BMC VGA aliased to its PCIe-to-PCI bridge", {u"0000:1e:00.0"_s, u"0000:1f:00.0"_s});
    row("consumer chipset: GPU shares with chipset SATA, USB, NIC and the switch",
        {u"0000:20:00.0"_s, u"0000:20:00.1"_s, u"0000:20:00.2"_s, u"0000:21:00.0"_s, u"0000:21:01.0"_s,
         u"0000:21:04.0"_s, u"0000:22:00.0"_s, u"0000:22:00.1"_s, u"0000:23:00.0"_s});
    row("ICH-style conventional multifunction chipset",
        {u"0000:00:1f.0"_s, u"0000:00:1f.2"_s, u"0000:00:1f.4"_s, u"0000:00:1f.5"_s});
    row("root port booted with disable_acs_redir keeps its NVMe", {u"0000:80:03.0"_s, u"0000:84:00.0"_s});
    row("NVMe behind a root port with ACS", {u"0000:83:00.0"_s});
    row("SR-IOV VF in its own group", {u"0000:3b:02.7"_s});
}

void TestSimHost::demoGroups()
{
    QFETCH(QString, member);
    QFETCH(QStringList, group);
    QSet<PciAddress> expected;
    for (const QString &a : group)
        expected.insert(*PciAddress::parse(a));
    QCOMPARE(membersOf(m_demo, m_demo.function(*PciAddress::parse(member))->iommuGroup), expected);
}

void TestSimHost::demoDriversAndVfs()
{
    const SimFunction *pf = m_demo.function(at("0000:3b:00.0"));
    QCOMPARE(pf->sriov.numVfs, 8);
    QCOMPARE(m_demo.vfsOf(pf->address).size(), 8);
    QCOMPARE(m_demo.function(at("0000:3b:02.0"))->driver, u"iavf"_s);
    QCOMPARE(m_demo.function(at("0000:3b:02.7"))->driver, u"vfio-pci"_s);
    QCOMPARE(m_demo.function(at("0000:3b:02.7"))->driverOverride, u"vfio-pci"_s);
    QCOMPARE(m_demo.function(at("0000:af:00.4"))->driver, u"mlx5_vfio_pci"_s);
    QCOMPARE(m_demo.function(at("0000:af:00.5"))->driver, QString());
    QCOMPARE(m_demo.function(at("0000:af:00.2"))->deviceId, quint16(0x101e));
    QCOMPARE(m_demo.function(at("0000:1c:00.1"))->driver, u"vfio-pci"_s);
    QCOMPARE(m_demo.function(at("0000:82:00.0"))->driver, QString());
    // VF groups are numbered after every boot-time group.
    int maxNonVf = -1;
    for (const SimFunction &f : m_demo.functions) {
        if (!f.isVf())
            maxNonVf = std::max(maxNonVf, f.iommuGroup);
    }
    QCOMPARE(groupOf(m_demo, "0000:3b:02.0"), maxNonVf + 1);
    // ACS control as the kernel leaves it: required bits on, redirect off where disabled.
    QCOMPARE(m_demo.function(at("0000:17:00.0"))->acs.control, quint16(AcsBit::Required));
    QCOMPARE(m_demo.function(at("0000:80:03.0"))->acs.control, quint16(AcsBit::SV | AcsBit::UF));
    QVERIFY(m_demo.function(at("0000:1b:00.0"))->multifunction);
    QVERIFY(!m_demo.function(at("0000:18:00.0"))->multifunction);
    QCOMPARE(m_demo.function(at("0000:17:01.0"))->subordinateBus, 0x1d);
}

void TestSimHost::demoDegradedLink()
{
    QSet<PciAddress> degraded;
    for (const SimFunction &f : m_demo.functions) {
        if (f.isVf() || f.link.currentWidth == 0)
            continue;
        if (f.link.currentSpeed < f.link.maxSpeed || f.link.currentWidth < f.link.maxWidth)
            degraded.insert(f.address);
    }
    // One physical link: both functions of the ConnectX-6 Dx report it.
    QCOMPARE(degraded, set({"0000:af:00.0", "0000:af:00.1"}));
}

void TestSimHost::numVfsRules()
{
    SimHost h = m_demo;
    const PciAddress pf = at("0000:3b:00.0");
    QVERIFY(h.setNumVfs(pf, 4).startsWith(u"EBUSY"_s));
    QVERIFY(h.setNumVfs(pf, 65).startsWith(u"ERANGE"_s));
    QVERIFY(h.setNumVfs(pf, -1).startsWith(u"EINVAL"_s));
    QCOMPARE(h.setNumVfs(pf, 8), QString()); // same value: no-op
    const int firstVfGroup = groupOf(h, "0000:3b:02.0");
    QCOMPARE(h.setNumVfs(pf, 0), QString());
    QVERIFY(h.vfsOf(pf).isEmpty());
    QVERIFY(!h.function(at("0000:3b:02.0")));
    QCOMPARE(h.function(pf)->sriov.numVfs, 0);
    QCOMPARE(h.setNumVfs(pf, 4), QString());
    QCOMPARE(h.vfsOf(pf), QList<PciAddress>({at("0000:3b:02.0"), at("0000:3b:02.1"), at("0000:3b:02.2"), at("0000:3b:02.3")}));
    QCOMPARE(groupOf(h, "0000:3b:02.0"), firstVfGroup); // freed ids are reused, lowest first
    QCOMPARE(h.function(at("0000:3b:02.3"))->driver, u"iavf"_s);
    QVERIFY(h.setNumVfs(at("0000:82:00.0"), 1).startsWith(u"ENOENT"_s)); // no SR-IOV
    QVERIFY(h.setNumVfs(at("0000:99:00.0"), 1).startsWith(u"ENODEV"_s));

    // Autoprobe off: new VFs stay unbound.
    QCOMPARE(h.setNumVfs(pf, 0), QString());
    QCOMPARE(h.setDriversAutoprobe(pf, false), QString());
    QCOMPARE(h.setNumVfs(pf, 2), QString());
    QCOMPARE(h.function(at("0000:3b:02.1"))->driver, QString());

    // The PF's driver must support sriov_configure.
    const PciAddress pf1 = at("0000:3b:00.1");
    QCOMPARE(h.setDriver(pf1, {}), QString());
    QVERIFY(h.setNumVfs(pf1, 1).contains(u"no driver bound"_s));
    QCOMPARE(h.setDriverOverride(pf1, u"vfio-pci"_s), QString());
    QCOMPARE(h.setDriver(pf1, u"vfio-pci"_s), QString());
    QVERIFY(h.setNumVfs(pf1, 1).startsWith(u"ENOENT"_s));
}

void TestSimHost::unbindingPfRemovesVfs()
{
    SimHost h = m_demo;
    QCOMPARE(h.setDriver(at("0000:af:00.0"), {}), QString());
    QVERIFY(h.vfsOf(at("0000:af:00.0")).isEmpty());
    QCOMPARE(h.function(at("0000:af:00.0"))->sriov.numVfs, 0);
}

void TestSimHost::driverBindingRules()
{
    SimHost h = m_demo;
    QVERIFY(h.setDriver(at("0000:18:00.0"), u"vfio-pci"_s).startsWith(u"EBUSY"_s));
    QVERIFY(h.setDriver(at("0000:82:00.0"), {}).startsWith(u"ENODEV"_s)); // not bound
    QCOMPARE(h.setDriverOverride(at("0000:82:00.0"), u"vfio-pci"_s), QString());
    QVERIFY(h.setDriver(at("0000:82:00.0"), u"nvidia"_s).startsWith(u"ENODEV"_s));
    QCOMPARE(h.setDriver(at("0000:82:00.0"), u"vfio-pci"_s), QString());
    QCOMPARE(h.function(at("0000:82:00.0"))->driver, u"vfio-pci"_s);
    QCOMPARE(h.setDriver(at("0000:82:00.0"), {}), QString());
    QCOMPARE(h.setDriverOverride(at("0000:82:00.0"), {}), QString());
    QCOMPARE(h.setDriver(at("0000:82:00.0"), u"nvidia"_s), QString());
}

void TestSimHost::vfAddressesFollowOffsetAndStride()
{
    SimFunction pf;
    pf.address = at("0000:3b:00.1");
    pf.sriov.offset = 79;
    pf.sriov.stride = 1;
    QCOMPARE(*SimHost::vfAddress(pf, 0), at("0000:3b:0a.0"));
    QCOMPARE(*SimHost::vfAddress(pf, 9), at("0000:3b:0b.1"));
    pf.sriov.stride = 2;
    QCOMPARE(*SimHost::vfAddress(pf, 100), at("0000:3c:03.0")); // routing ID 1+79+200 = 280: next bus
    pf.address = at("0000:ff:00.0");
    QVERIFY(!SimHost::vfAddress(pf, 100));
}

void TestSimHost::scenarioErrors_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<QString>("mentions");
    const QByteArray base = R"({"hostBridges":[{"name":"pci0000:00"}],"functions":[%1]})";
    QTest::newRow("unknown key") << QByteArray(base).replace("%1", R"({"at":"0000:00:01.0","vendr":"8086"})")
                                 << u"vendr"_s;
    QTest::newRow("unknown model") << QByteArray(R"({"functions":[{"at":"0000:00:01.0","model":"nope"}]})")
                                   << u"nope"_s;
    QTest::newRow("bad address") << QByteArray(R"({"functions":[{"at":"00:1:0"}]})") << u"00:1:0"_s;
    QTest::newRow("bridge without bus")
        << QByteArray(R"({"hostBridges":[{"name":"pci0000:00"}],"functions":[{"at":"0000:00:01.0","kind":"root-port","vendor":"8086","device":"2030","class":"060400"}]})")
        << u"secondary bus"_s;
    QTest::newRow("orphan bus")
        << QByteArray(R"({"hostBridges":[{"name":"pci0000:00"}],"functions":[{"at":"0000:05:00.0","vendor":"8086","device":"1234","class":"020000"}]})")
        << u"0000:05:00.0"_s;
    QTest::newRow("too many VFs")
        << QByteArray(R"({"hostBridges":[{"name":"pci0000:00"}],"functions":[{"at":"0000:00:03.0","vendor":"8086","device":"158b","class":"020000","driver":"i40e","numVfs":9,"sriov":{"total":8,"vfDevice":"154c"}}]})")
        << u"9 VFs"_s;
}

void TestSimHost::scenarioErrors()
{
    QFETCH(QByteArray, json);
    QFETCH(QString, mentions);
    QString error;
    const SimHost h = fromScenario(QJsonDocument::fromJson(json).object(), &error);
    QVERIFY2(error.contains(mentions), qPrintable(error));
    QVERIFY(h.functions.isEmpty());
}

void TestSimHost::scaleHost()
{
    const SimHost h = makeScaleHost(10000);
    QVERIFY2(h.functions.size() >= 10000, qPrintable(QString::number(h.functions.size())));
    QSet<quint32> domains;
    int vfs = 0, vfio = 0;
    for (const SimFunction &f : h.functions) {
        domains.insert(f.address.domain);
        vfs += f.isVf();
        vfio += f.driver == u"vfio-pci"_s;
        QVERIFY(f.iommuGroup >= 0);
    }
    QCOMPARE(domains, QSet<quint32>({0, 1, 0x10000}));
    QVERIFY(vfs > 5000);
    QVERIFY(vfio > 100);
    // Everything in the VMD domain shares the VMD endpoint's group.
    const int vmdGroup = groupOf(h, "0000:00:00.5");
    for (const SimFunction &f : h.functions) {
        if (f.address.domain == 0x10000)
            QCOMPARE(f.iommuGroup, vmdGroup);
    }
    QVERIFY(validateHost(h).isEmpty());
}

QTEST_GUILESS_MAIN(TestSimHost)
#include "tst_simhost.moc"
