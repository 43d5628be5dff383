// The written tree: kernel file formats, real symlinks that resolve, config space that libpci
// decodes, rewriting after a change, the malformed tree and the app-facing demo root.

#include "configspace.h"
#include "demoroot.h"
#include "malformedtree.h"
#include "scenario.h"
#include "sysfswriter.h"

#include <QDirIterator>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

#include <unistd.h>

using namespace Qt::StringLiterals;
using namespace devtopo;
using namespace devtopo::sim;

namespace {

QByteArray readAll(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray("<missing>");
}

// The link's own text, not where it leads.
QString readLink(const QString &path)
{
    char buf[4096];
    const ssize_t n = ::readlink(QFile::encodeName(path).constData(), buf, sizeof buf);
    return n < 0 ? QString() : QFile::decodeName(QByteArray(buf, int(n)));
}

quint16 word(const QByteArray &cfg, int off)
{
    return quint16(quint8(cfg[off]) | (quint8(cfg[off + 1]) << 8));
}

// Offset of an extended capability, or 0.
int findExtCap(const QByteArray &cfg, quint16 id)
{
    int off = 0x100;
    for (int guard = 0; off >= 0x100 && off < cfg.size() - 4 && guard < 64; ++guard) {
        const quint32 hdr = word(cfg, off) | (quint32(word(cfg, off + 2)) << 16);
        if ((hdr & 0xffff) == id)
            return off;
        off = int(hdr >> 20);
    }
    return 0;
}

} // namespace

class TestSimSysfs : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void attributeFiles_data();
    void attributeFiles();
    void symlinksResolve();
    void linkTargets();
    void groupsAndUnits();
    void numaAndProc();
    void configSpace();
    void lspciReadsTheTree_data();
    void lspciReadsTheTree();
    void rewriteAfterChange();
    void malformedTree();
    void demoRoot();

private:
    QString dev(const char *addr) const
    {
        return m_dir.path() + u"/sys/bus/pci/devices/"_s + QLatin1StringView(addr);
    }
    QTemporaryDir m_dir;
    SimHost m_host;
};

void TestSimSysfs::initTestCase()
{
    QVERIFY(m_dir.isValid());
    QString error;
    m_host = defaultDemoHost(&error);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QVERIFY2(writeSysfsTree(m_host, m_dir.path(), &error), qPrintable(error));
}

void TestSimSysfs::attributeFiles_data()
{
    QTest::addColumn<QString>("device");
    QTest::addColumn<QString>("file");
    QTest::addColumn<QByteArray>("content");
    auto row = [](const char *devName, const char *file, const char *content) {
        QTest::addRow("%s/%s", devName, file) << QString::fromLatin1(devName) << QString::fromLatin1(file)
                                              << QByteArray(content);
    };
    row("0000:18:00.0", "vendor", "0x144d\n");
    row("0000:18:00.0", "device", "0xa808\n");
    row("0000:18:00.0", "subsystem_vendor", "0x144d\n");
    row("0000:18:00.0", "subsystem_device", "0xa801\n");
    row("0000:18:00.0", "class", "0x010802\n");
    row("0000:18:00.0", "revision", "0x00\n");
    row("0000:18:00.0", "modalias", "pci:v0000144Dd0000A808sv0000144Dsd0000A801bc01sc08i02\n");
    row("0000:18:00.0", "driver_override", "(null)\n");
    row("0000:18:00.0", "numa_node", "0\n");
    row("0000:18:00.0", "local_cpulist", "0-27,56-83\n");
    row("0000:18:00.0", "local_cpus", "0000,000fffff,ff000000,0fffffff\n");
    row("0000:18:00.0", "reset_method", "flr bus\n");
    row("0000:b0:00.0", "numa_node", "1\n");
    row("0000:1c:00.0", "driver_override", "vfio-pci\n");
    row("0000:af:00.0", "max_link_speed", "16.0 GT/s PCIe\n");
    row("0000:af:00.0", "current_link_speed", "8.0 GT/s PCIe\n");
    row("0000:af:00.0", "max_link_width", "16\n");
    row("0000:af:00.0", "current_link_width", "16\n");
    row("0000:1e:00.0", "max_link_speed", "5.0 GT/s PCIe\n");
    row("0000:21:04.0", "current_link_width", "0\n");
    row("0000:17:01.0", "secondary_bus_number", "25\n");
    row("0000:17:01.0", "subordinate_bus_number", "29\n");
    row("0000:3b:00.0", "sriov_totalvfs", "64\n");
    row("0000:3b:00.0", "sriov_numvfs", "8\n");
    row("0000:3b:00.0", "sriov_offset", "16\n");
    row("0000:3b:00.0", "sriov_stride", "1\n");
    row("0000:3b:00.0", "sriov_vf_device", "154c\n");
    row("0000:3b:00.0", "sriov_drivers_autoprobe", "1\n");
    row("0000:3b:02.0", "device", "0x154c\n");
    row("0000:3b:02.0", "reset_method", "flr\n");
    row("0000:af:00.1", "sriov_numvfs", "0\n");
}

void TestSimSysfs::attributeFiles()
{
    QFETCH(QString, device);
    QFETCH(QString, file);
    QFETCH(QByteArray, content);
    QCOMPARE(readAll(m_dir.path() + u"/sys/bus/pci/devices/"_s + device + u'/' + file), content);
}

void TestSimSysfs::symlinksResolve()
{
    int links = 0;
    QDirIterator it(m_dir.path() + u"/sys"_s, QDir::AllEntries | QDir::NoDotAndDotDot | QDir::System,
                    QDirIterator::Subdirectories); // does not follow symlinks
    while (it.hasNext()) {
        const QFileInfo fi(it.next());
        if (!fi.isSymLink())
            continue;
        ++links;
        QVERIFY2(fi.exists(), qPrintable(fi.filePath() + u" -> "_s + fi.symLinkTarget()));
        QVERIFY2(QFileInfo(fi.filePath()).canonicalFilePath().startsWith(QFileInfo(m_dir.path()).canonicalFilePath()),
                 qPrintable(fi.filePath()));
    }
    QVERIFY(links > 500);
    // Every function shows up in bus/pci/devices as a link into sys/devices.
    const QStringList devices = QDir(m_dir.path() + u"/sys/bus/pci/devices"_s).entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::System);
    QCOMPARE(devices.size(), m_host.functions.size());
}

void TestSimSysfs::linkTargets()
{
    auto target = [&](const char *devName, const char *link) -> QString {
        return readLink(dev(devName) + u'/' + QLatin1StringView(link));
    };
    QCOMPARE(target("0000:18:00.0", "driver"), u"../../../../bus/pci/drivers/nvme"_s);
    QCOMPARE(target("0000:18:00.0", "iommu"), u"../../../virtual/iommu/dmar0"_s);
    QCOMPARE(target("0000:18:00.0", "iommu_group"),
             u"../../../../kernel/iommu_groups/%1"_s.arg(m_host.function(*PciAddress::parse(u"0000:18:00.0"_s))->iommuGroup));
    QCOMPARE(target("0000:1b:00.0", "iommu_group").count(u"../"_s), 6);
    QCOMPARE(target("0000:3b:00.0", "virtfn0"), u"../0000:3b:02.0"_s);
    QCOMPARE(target("0000:3b:00.0", "virtfn7"), u"../0000:3b:02.7"_s);
    QCOMPARE(target("0000:3b:02.3", "physfn"), u"../0000:3b:00.0"_s);
    QCOMPARE(target("0000:82:00.0", "driver"), QString());
    QCOMPARE(readLink(m_dir.path() + u"/sys/bus/pci/devices/0000:1f:00.0"_s),
             u"../../../devices/pci0000:17/0000:17:02.0/0000:1e:00.0/0000:1f:00.0"_s);
    QVERIFY(QFileInfo(dev("0000:18:00.0") + u"/driver"_s).canonicalFilePath().endsWith(u"/sys/bus/pci/drivers/nvme"_s));
    QVERIFY(QFileInfo::exists(m_dir.path() + u"/sys/bus/pci/drivers/nvme/0000:18:00.0/config"_s));
    QVERIFY(QFileInfo::exists(m_dir.path() + u"/sys/bus/pci/drivers/vfio-pci/bind"_s));
}

void TestSimSysfs::groupsAndUnits()
{
    const QString groups = m_dir.path() + u"/sys/kernel/iommu_groups/"_s;
    const int gpu = m_host.function(*PciAddress::parse(u"0000:1b:00.0"_s))->iommuGroup;
    const QStringList members = QDir(groups + QString::number(gpu) + u"/devices"_s).entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::System);
    QCOMPARE(members, QStringList({u"0000:1b:00.0"_s, u"0000:1b:00.1"_s, u"0000:1b:00.2"_s, u"0000:1b:00.3"_s}));
    QCOMPARE(readAll(groups + QString::number(gpu) + u"/type"_s), QByteArray("DMA\n"));

    const QRegularExpression line(u"^0x[0-9a-f]{16} 0x[0-9a-f]{16} (direct|direct-relaxable|reserved|msi)$"_s);
    int usb = m_host.function(*PciAddress::parse(u"0000:00:14.0"_s))->iommuGroup;
    const QByteArray usbRegions = readAll(groups + QString::number(usb) + u"/reserved_regions"_s);
    QCOMPARE(usbRegions, QByteArray("0x000000006f2ad000 0x000000006f2cbfff direct-relaxable\n"
                                    "0x00000000fee00000 0x00000000feefffff msi\n"));
    const int lpc = m_host.function(*PciAddress::parse(u"0000:00:1f.0"_s))->iommuGroup;
    QVERIFY(readAll(groups + QString::number(lpc) + u"/reserved_regions"_s)
                .startsWith("0x0000000000000000 0x0000000000ffffff direct-relaxable\n"));
    const int below = m_host.function(*PciAddress::parse(u"0000:83:00.0"_s))->iommuGroup;
    QVERIFY(readAll(groups + QString::number(below) + u"/reserved_regions"_s).contains(" reserved\n"));
    for (const QString &g : QDir(groups).entryList(QDir::Dirs | QDir::NoDotAndDotDot)) {
        for (const QByteArray &l : readAll(groups + g + u"/reserved_regions"_s).split('\n')) {
            if (!l.isEmpty())
                QVERIFY2(line.match(QString::fromLatin1(l)).hasMatch(), l.constData());
        }
    }

    const QString unit = m_dir.path() + u"/sys/class/iommu/dmar0/intel-iommu/"_s;
    QCOMPARE(readAll(unit + u"cap"_s), QByteArray("9d2078c106f0466\n"));
    QCOMPARE(readAll(unit + u"ecap"_s), QByteArray("3ef9a26f020df\n"));
    QCOMPARE(readAll(unit + u"version"_s), QByteArray("1:0\n"));
    QCOMPARE(readAll(unit + u"address"_s), QByteArray("c5ffc000\n"));
    QVERIFY(QFileInfo::exists(m_dir.path() + u"/sys/class/iommu/dmar0/devices/0000:1b:00.0/vendor"_s));
    QCOMPARE(readAll(m_dir.path() + u"/sys/class/iommu/dmar4/intel-iommu/ecap"_s), QByteArray("f020df\n"));
}

void TestSimSysfs::numaAndProc()
{
    const QString node = m_dir.path() + u"/sys/devices/system/node/"_s;
    QCOMPARE(readAll(node + u"online"_s), QByteArray("0-2\n"));
    QCOMPARE(readAll(node + u"has_cpu"_s), QByteArray("0-1\n"));
    QCOMPARE(readAll(node + u"has_memory"_s), QByteArray("0-2\n"));
    QCOMPARE(readAll(node + u"node2/cpulist"_s), QByteArray("\n"));
    QCOMPARE(readAll(node + u"node1/cpulist"_s), QByteArray("28-55,84-111\n"));
    QCOMPARE(readAll(node + u"node0/distance"_s), QByteArray("10 21 14\n"));
    QVERIFY(readAll(node + u"node2/meminfo"_s).startsWith("Node 2 MemTotal:       268435456 kB\n"));
    QCOMPARE(readAll(m_dir.path() + u"/proc/sys/kernel/osrelease"_s), QByteArray("6.12.95+deb12-amd64\n"));
    QVERIFY(readAll(m_dir.path() + u"/proc/cmdline"_s).contains("pci=disable_acs_redir=0000:80:03.0"));
    const QByteArray aliases = readAll(m_dir.path() + u"/lib/modules/6.12.95+deb12-amd64/modules.alias"_s);
    QVERIFY(aliases.contains("\nalias vfio_pci:v000015B3d0000101Esv*sd*bc*sc*i* mlx5_vfio_pci\n"));
    QVERIFY(aliases.contains("\nalias vfio_pci:v*d*sv*sd*bc*sc*i* vfio_pci\n"));
    QVERIFY(aliases.contains("\nalias pci:v00008086d0000154Csv*sd*bc*sc*i* iavf\n"));
}

void TestSimSysfs::configSpace()
{
    const QByteArray nvme = readAll(dev("0000:18:00.0") + u"/config"_s);
    QCOMPARE(nvme.size(), 4096);
    QCOMPARE(word(nvme, 0), quint16(0x144d));
    QCOMPARE(quint8(nvme[0x0e]), quint8(0x00));
    QCOMPARE(readAll(dev("0000:00:1f.0") + u"/config"_s).size(), 256);

    const QByteArray gpu = readAll(dev("0000:1b:00.0") + u"/config"_s);
    QCOMPARE(quint8(gpu[0x0e]), quint8(0x80)); // multifunction

    const QByteArray port = readAll(dev("0000:1a:08.0") + u"/config"_s);
    QCOMPARE(quint8(port[0x0e]), quint8(0x01));
    QCOMPARE(quint8(port[0x19]), quint8(0x1b));
    QCOMPARE(quint8(port[0x1a]), quint8(0x1b));
    QCOMPARE((word(port, ConfigOffset::PcieCap + 2) >> 4) & 0xf, 6); // downstream port
    const int acs = findExtCap(port, 0x000d);
    QVERIFY(acs > 0);
    QCOMPARE(word(port, acs + 4), quint16(0x5f));
    QCOMPARE(word(port, acs + 6), quint16(AcsBit::Required));

    const QByteArray pf = readAll(dev("0000:3b:00.0") + u"/config"_s);
    const int sriov = findExtCap(pf, 0x0010);
    QVERIFY(sriov > 0);
    QCOMPARE(word(pf, sriov + 0x0c), quint16(64));
    QCOMPARE(word(pf, sriov + 0x0e), quint16(64));
    QCOMPARE(word(pf, sriov + 0x10), quint16(8));
    QCOMPARE(word(pf, sriov + 0x14), quint16(16));
    QCOMPARE(word(pf, sriov + 0x16), quint16(1));
    QCOMPARE(word(pf, sriov + 0x1a), quint16(0x154c));
    QVERIFY(findExtCap(pf, 0x000e) > 0); // ARI
    QVERIFY(findExtCap(pf, 0x000f) > 0); // ATS

    const QByteArray cx6 = readAll(dev("0000:af:00.0") + u"/config"_s);
    QVERIFY(findExtCap(cx6, 0x0013) > 0); // PRI
    QVERIFY(findExtCap(cx6, 0x001b) > 0); // PASID
    const quint16 lnksta = word(cx6, ConfigOffset::PcieCap + 0x12);
    QCOMPARE(lnksta & 0xf, 3); // 8 GT/s
    QCOMPARE((lnksta >> 4) & 0x3f, 16);

    const QByteArray vf = readAll(dev("0000:3b:02.0") + u"/config"_s);
    QCOMPARE(vf.size(), 4096);
    QCOMPARE(word(vf, 0), quint16(0xffff)); // VFs do not implement vendor/device ID
}

void TestSimSysfs::lspciReadsTheTree_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QStringList>("expected");
    QTest::newRow("ACS on a switch downstream port")
        << QStringList{u"-vvv"_s, u"-s"_s, u"0000:1a:08.0"_s}
        << QStringList{u"Downstream Port"_s, u"ACSCtl:\tSrcValid+ TransBlk- ReqRedir+ CmpltRedir+ UpstreamFwd+"_s,
                       u"IOMMU group: 13"_s};
    QTest::newRow("SR-IOV PF")
        << QStringList{u"-vvv"_s, u"-s"_s, u"0000:3b:00.0"_s}
        << QStringList{u"Single Root I/O Virtualization (SR-IOV)"_s, u"Number of VFs: 8"_s, u"Device ID: 154c"_s,
                       u"Alternative Routing-ID Interpretation (ARI)"_s, u"Kernel driver in use: i40e"_s};
    QTest::newRow("degraded link") << QStringList{u"-vv"_s, u"-s"_s, u"0000:af:00.0"_s}
                                   << QStringList{u"Speed 8GT/s (downgraded), Width x16"_s, u"NUMA node: 1"_s};
    QTest::newRow("tree") << QStringList{u"-tvnn"_s}
                          << QStringList{u"[0000:ae]"_s,
                                         u"-[1e-1f]----00.0-[1f]----00.0  ASPEED Technology, Inc. ASPEED Graphics Family [1a03:2000]"_s};
    QTest::newRow("names") << QStringList{u"-nn"_s, u"-s"_s, u"0000:1b:00.0"_s}
                           << QStringList{u"NVIDIA Corporation TU102GL [Quadro RTX 6000/8000] [10de:1e30]"_s};
}

void TestSimSysfs::lspciReadsTheTree()
{
    QFETCH(QStringList, args);
    QFETCH(QStringList, expected);
    if (!QFileInfo::exists(u"/usr/bin/lspci"_s))
        QSKIP("lspci (pciutils) is not installed");
    QProcess p;
    p.start(u"/usr/bin/lspci"_s, QStringList{u"-A"_s, u"linux-sysfs"_s, u"-O"_s,
                                              u"sysfs.path="_s + m_dir.path() + u"/sys/bus/pci"_s}
                                     + args);
    QVERIFY(p.waitForFinished(30000));
    QCOMPARE(p.exitCode(), 0);
    const QString out = QString::fromUtf8(p.readAllStandardOutput());
    for (const QString &e : expected)
        QVERIFY2(out.contains(e), qPrintable(e + u"\n---\n"_s + out));
}

void TestSimSysfs::rewriteAfterChange()
{
    QString error;
    QVERIFY(!writeSysfsTree(m_host, m_dir.path(), &error));
    QVERIFY(error.contains(u"fresh"_s));

    SimHost changed = m_host;
    const PciAddress pf = *PciAddress::parse(u"0000:3b:00.0"_s);
    QCOMPARE(changed.setNumVfs(pf, 0), QString());
    QCOMPARE(changed.setNumVfs(pf, 2), QString());
    QTemporaryDir second;
    QVERIFY2(writeSysfsTree(changed, second.path(), &error), qPrintable(error));
    const QString pfDir = second.path() + u"/sys/bus/pci/devices/0000:3b:00.0/"_s;
    QCOMPARE(readAll(pfDir + u"sriov_numvfs"_s), QByteArray("2\n"));
    QVERIFY(QFileInfo::exists(pfDir + u"virtfn1/vendor"_s));
    QVERIFY(!QFileInfo::exists(pfDir + u"virtfn2"_s));
    QVERIFY(!QFileInfo::exists(second.path() + u"/sys/bus/pci/devices/0000:3b:02.2"_s));
}

void TestSimSysfs::malformedTree()
{
    QTemporaryDir dir;
    QString error;
    QVERIFY2(writeMalformedTree(dir.path(), &error), qPrintable(error));
    const QString devs = dir.path() + u"/sys/bus/pci/devices/"_s;
    QCOMPARE(readAll(devs + Malformed::BadNumaDevice + u"/numa_node"_s), QByteArray("banana\n"));
    QVERIFY(!QFileInfo::exists(devs + Malformed::MissingConfigDevice + u"/config"_s));
    const QFileInfo driver(devs + Malformed::DanglingDriverDevice + u"/driver"_s);
    QVERIFY(driver.isSymLink() && !driver.exists());
    QCOMPARE(QFileInfo(devs + Malformed::ShortConfigDevice + u"/config"_s).size(), 10);
    QVERIFY(QFileInfo(devs + Malformed::HugeRegionsDevice + u"/iommu_group/reserved_regions"_s).size()
            >= Malformed::HugeRegionsBytes);
    QVERIFY(!readAll(devs + Malformed::TruncatedRegionsDevice + u"/iommu_group/reserved_regions"_s).endsWith('\n'));
    const QFileInfo virtfn(devs + Malformed::BrokenVirtfnPf + u"/virtfn2"_s);
    QVERIFY(virtfn.isSymLink() && !virtfn.exists());
    const QFileInfo loop(devs + Malformed::SelfLoopDevice);
    QVERIFY(loop.isSymLink() && !loop.exists()); // ELOOP
    QCOMPARE(QFileInfo(devs + Malformed::CycleDevice + u"/firmware_node"_s).canonicalFilePath(),
             QFileInfo(devs + Malformed::CycleDevice + u"/.."_s).canonicalFilePath());
    // Everything else is intact.
    QCOMPARE(readAll(devs + u"0000:00:1f.4/vendor"_s), QByteArray("0x8086\n"));
}

void TestSimSysfs::demoRoot()
{
    QString error;
    const QString root = createDemoRoot(&error);
    QVERIFY2(!root.isEmpty(), qPrintable(error));
    QCOMPARE(QDir(root + u"/sys/bus/pci/devices"_s).entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::System).size(),
             m_host.functions.size());
    const QString again = createDemoRoot(&error);
    QVERIFY(again != root);
    QVERIFY(QFileInfo::exists(root + u"/proc/sys/kernel/osrelease"_s));
}

QTEST_GUILESS_MAIN(TestSimSysfs)
#include "tst_simsysfs.moc"
