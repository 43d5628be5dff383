// The Linux host's sysfs side against a temporary sysfs-like root. A write hook plays the kernel:
// it records every write in order and binds on drivers_probe the way the PCI core would (only the
// driver named in driver_override), or fails it on request, so the order of writes and the
// rollback can be checked without a kernel. The ioctl side runs on the real-kernel test host.

#include "linuxhost.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <cerrno>

using namespace Qt::StringLiterals;
using namespace devtopo;
using devtopo::host::HostResult;

class TestLinuxHostSysfs : public QObject
{
    Q_OBJECT

    std::unique_ptr<QTemporaryDir> m_dir;
    QString m_root;
    QStringList m_writes; // "relative/path <- data"
    QSet<QString> m_failProbe; // addresses whose next drivers_probe write fails

    void mkfile(const QString &rel, const QByteArray &data)
    {
        QDir().mkpath(QFileInfo(m_root + u'/' + rel).absolutePath());
        QFile f(m_root + u'/' + rel);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(data);
    }
    void link(const QString &target, const QString &rel)
    {
        QDir().mkpath(QFileInfo(m_root + u'/' + rel).absolutePath());
        QFile::remove(m_root + u'/' + rel);
        QVERIFY(QFile::link(target, m_root + u'/' + rel));
    }
    QString dev(const QString &a) const { return m_root + u"/sys/bus/pci/devices/"_s + a; }
    void bind(const QString &a, const QString &driver)
    {
        QFile::remove(dev(a) + u"/driver"_s);
        if (!driver.isEmpty())
            link(m_root + u"/sys/bus/pci/drivers/"_s + driver, u"sys/bus/pci/devices/"_s + a + u"/driver"_s);
    }
    QString read(const QString &path) const
    {
        QFile f(path);
        return f.open(QIODevice::ReadOnly) ? QString::fromLatin1(f.readAll().trimmed()) : QString();
    }
    void addDevice(const QString &a, int group, const QString &driver, const QByteArray &cls = "0x020000")
    {
        mkfile(u"sys/devices/pci0000:00/"_s + a + u"/class"_s, cls);
        mkfile(u"sys/devices/pci0000:00/"_s + a + u"/driver_override"_s, "(null)\n");
        link(m_root + u"/sys/devices/pci0000:00/"_s + a, u"sys/bus/pci/devices/"_s + a);
        link(m_root + u"/sys/kernel/iommu_groups/"_s + QString::number(group), u"sys/devices/pci0000:00/"_s + a + u"/iommu_group"_s);
        link(m_root + u"/sys/devices/pci0000:00/"_s + a, u"sys/kernel/iommu_groups/"_s + QString::number(group) + u"/devices/"_s + a);
        bind(a, driver);
    }

    std::unique_ptr<linuxhost::LinuxHost> makeHost()
    {
        linuxhost::LinuxHostPaths paths;
        paths.root = m_root;
        paths.recordsFile = m_root + u"/run/devtopo-helper/original-drivers.json"_s;
        paths.vfioDir = m_root + u"/dev/vfio"_s;
        paths.iommuDev = m_root + u"/dev/iommu"_s;
        auto host = std::make_unique<linuxhost::LinuxHost>(paths);
        host->setWriteHook([this](const QString &path, const QByteArray &data) { return kernelWrite(path, data); });
        return host;
    }

    // The kernel's side of each attribute.
    int kernelWrite(const QString &path, const QByteArray &data)
    {
        const QString rel = path.mid(m_root.size() + 1);
        m_writes << rel + u" <- "_s + QString::fromLatin1(data.trimmed());
        const QString value = QString::fromLatin1(data.trimmed());
        if (rel.endsWith(u"/driver_override"_s)) {
            mkfile(rel, value.isEmpty() ? QByteArray("(null)\n") : data);
        } else if (rel.endsWith(u"/unbind"_s)) {
            bind(value, {});
        } else if (rel == u"sys/bus/pci/drivers_probe"_s) {
            if (m_failProbe.remove(value)) // fails once, like a probe() that errors out
                return ENODEV;
            const QString override = read(dev(value) + u"/driver_override"_s);
            if (read(dev(value) + u"/driver"_s).isEmpty() && QFileInfo(dev(value) + u"/driver"_s).symLinkTarget().isEmpty()) {
                const QString native = m_native.value(value);
                const QString pick = override != u"(null)"_s ? override : native;
                if (!pick.isEmpty() && QFileInfo::exists(m_root + u"/sys/bus/pci/drivers/"_s + pick))
                    bind(value, pick);
            }
        } else if (rel.endsWith(u"/sriov_numvfs"_s)) {
            const int cur = read(path).toInt();
            if (cur != 0 && data.trimmed().toInt() != 0)
                return EBUSY;
            mkfile(rel, data);
        } else {
            mkfile(rel, data);
        }
        return 0;
    }
    QHash<QString, QString> m_native;

private Q_SLOTS:
    void init()
    {
        m_dir = std::make_unique<QTemporaryDir>();
        m_root = m_dir->path();
        m_writes.clear();
        m_failProbe.clear();
        for (const char *d : {"e1000e", "nvme", "vfio-pci", "igb"})
            QDir().mkpath(m_root + u"/sys/bus/pci/drivers/"_s + QString::fromLatin1(d));
        mkfile(u"sys/bus/pci/drivers_probe"_s, "");
        // One multifunction device: e1000e fn0 + nvme fn1 in group 15; an igb PF alone in 16.
        addDevice(u"0000:08:00.0"_s, 15, u"e1000e"_s);
        addDevice(u"0000:08:00.1"_s, 15, u"nvme"_s, "0x010802");
        addDevice(u"0000:01:00.0"_s, 16, u"igb"_s);
        mkfile(u"sys/devices/pci0000:00/0000:01:00.0/sriov_totalvfs"_s, "7\n");
        mkfile(u"sys/devices/pci0000:00/0000:01:00.0/sriov_numvfs"_s, "2\n");
        m_native = {{u"0000:08:00.0"_s, u"e1000e"_s}, {u"0000:08:00.1"_s, u"nvme"_s}, {u"0000:01:00.0"_s, u"igb"_s}};
    }

    void bindWritesOverrideUnbindProbeInOrder()
    {
        auto host = makeHost();
        const HostResult r = host->bindDriver(u"0000:08:00.0"_s, u"vfio-pci"_s, false);
        QVERIFY2(r.ok, qPrintable(r.errorText()));
        const QStringList expected = {
            u"sys/bus/pci/devices/0000:08:00.0/driver_override <- vfio-pci"_s,
            u"sys/bus/pci/drivers/e1000e/unbind <- 0000:08:00.0"_s,
            u"sys/bus/pci/drivers_probe <- 0000:08:00.0"_s,
        };
        QCOMPARE(m_writes, expected);
        QCOMPARE(host->driverOf(*PciAddress::parse(u"0000:08:00.0"_s)), u"vfio-pci"_s);
        // The original driver is on record, in the file, for a helper restarted later.
        QVERIFY(read(m_root + u"/run/devtopo-helper/original-drivers.json"_s).contains(u"e1000e"_s));
        auto restarted = makeHost();
        m_writes.clear();
        QVERIFY(restarted->restoreDriver(u"0000:08:00.0"_s).ok);
        QCOMPARE(restarted->driverOf(*PciAddress::parse(u"0000:08:00.0"_s)), u"e1000e"_s);
        QCOMPARE(read(dev(u"0000:08:00.0"_s) + u"/driver_override"_s), u"(null)"_s);
        QCOMPARE(m_writes.first(), u"sys/bus/pci/devices/0000:08:00.0/driver_override <- e1000e"_s);
        QCOMPARE(m_writes.last(), u"sys/bus/pci/devices/0000:08:00.0/driver_override <- "_s); // cleared
    }

    void failedProbeRollsBack()
    {
        auto host = makeHost();
        m_failProbe.insert(u"0000:08:00.1"_s);
        const HostResult r = host->bindGroup(15, u"vfio-pci"_s, false);
        QVERIFY(!r.ok);
        QCOMPARE(r.err, ENODEV);
        // fn0 had moved and went back; fn1's probe failed after its unbind, and it was rebound.
        QCOMPARE(host->driverOf(*PciAddress::parse(u"0000:08:00.0"_s)), u"e1000e"_s);
        QCOMPARE(host->driverOf(*PciAddress::parse(u"0000:08:00.1"_s)), u"nvme"_s);
        QCOMPARE(read(dev(u"0000:08:00.1"_s) + u"/driver_override"_s), u"(null)"_s);
        QCOMPARE(read(dev(u"0000:08:00.0"_s) + u"/driver_override"_s), u"(null)"_s);
        QVERIFY(host->originalDrivers().isEmpty());
        QVERIFY(m_writes.contains(u"sys/bus/pci/drivers/e1000e/unbind <- 0000:08:00.0"_s));
    }

    void failedProbeOfOneDeviceRebindsIt()
    {
        auto host = makeHost();
        m_failProbe.insert(u"0000:08:00.0"_s);
        const HostResult r = host->bindDriver(u"0000:08:00.0"_s, u"vfio-pci"_s, false);
        QCOMPARE(r.err, ENODEV);
        QVERIFY2(r.message.contains(u"rolled back"_s), qPrintable(r.message));
        QCOMPARE(host->driverOf(*PciAddress::parse(u"0000:08:00.0"_s)), u"e1000e"_s);
        QVERIFY(host->originalDrivers().isEmpty());
        QCOMPARE(read(dev(u"0000:08:00.0"_s) + u"/driver_override"_s), u"(null)"_s);
    }

    void inUseNetworkInterfaceRefused()
    {
        mkfile(u"sys/devices/pci0000:00/0000:08:00.0/net/eth0/operstate"_s, "up\n");
        mkfile(u"proc/net/route"_s, "Iface\tDestination\tGateway\neth0\t00000000\t0102A8C0\n");
        auto host = makeHost();
        const HostResult r = host->bindDriver(u"0000:08:00.0"_s, u"vfio-pci"_s, false);
        QCOMPARE(r.err, EBUSY);
        QVERIFY2(r.message.contains(u"eth0"_s), qPrintable(r.message));
        QVERIFY(m_writes.isEmpty());
        QVERIFY(host->bindDriver(u"0000:08:00.0"_s, u"vfio-pci"_s, true).ok);
    }

    void mountedDiskRefused()
    {
        mkfile(u"sys/devices/pci0000:00/0000:08:00.1/nvme/nvme0/nvme0n1/dev"_s, "259:0\n");
        mkfile(u"sys/devices/pci0000:00/0000:08:00.1/nvme/nvme0/nvme0n1/nvme0n1p2/dev"_s, "259:2\n");
        link(m_root + u"/sys/devices/pci0000:00/0000:08:00.1/nvme/nvme0/nvme0n1"_s, u"sys/block/nvme0n1"_s);
        mkfile(u"proc/self/mountinfo"_s, "26 1 259:2 / / rw,relatime shared:1 - ext4 /dev/nvme0n1p2 rw\n");
        auto host = makeHost();
        const HostResult r = host->bindGroup(15, u"vfio-pci"_s, false);
        QCOMPARE(r.err, EBUSY);
        QVERIFY2(r.message.contains(u"nvme0n1p2 is mounted on /"_s), qPrintable(r.message));
        QVERIFY(m_writes.isEmpty());
    }

    void bootDisplayRefused()
    {
        mkfile(u"sys/devices/pci0000:00/0000:08:00.0/boot_vga"_s, "1\n");
        auto host = makeHost();
        QCOMPARE(host->bindDriver(u"0000:08:00.0"_s, u"vfio-pci"_s, false).err, EBUSY);
    }

    void sriovGoesThroughZeroAndRollsBack()
    {
        auto host = makeHost();
        QVERIFY(host->setNumVfs(u"0000:01:00.0"_s, 4).ok);
        const QStringList expected = {u"sys/bus/pci/devices/0000:01:00.0/sriov_numvfs <- 0"_s,
                                      u"sys/bus/pci/devices/0000:01:00.0/sriov_numvfs <- 4"_s};
        QCOMPARE(m_writes, expected);
        QCOMPARE(host->setNumVfs(u"0000:01:00.0"_s, 8).err, ERANGE);
        QCOMPARE(m_writes.size(), 2);
    }

    void driverctlFormat()
    {
        auto host = makeHost();
        QVERIFY(host->persistOverride(u"0000:08:00.0"_s, u"vfio-pci"_s).ok);
        QCOMPARE(read(m_root + u"/etc/driverctl.d/pci-0000:08:00.0"_s), u"vfio-pci"_s);
        QVERIFY(host->removeOverride(u"0000:08:00.0"_s).ok);
        QVERIFY(!QFileInfo::exists(m_root + u"/etc/driverctl.d/pci-0000:08:00.0"_s));
    }

    // Whether a group can go on iommufd, and why not, from what the root shows: /dev/iommu, the
    // kernel's config or module lists, the members' vfio-dev/vfioN and /dev/vfio/devices nodes.
    void iommufdAvailability_data()
    {
        QTest::addColumn<QString>("setup"); // comma-separated steps, see below
        QTest::addColumn<int>("err");
        QTest::addColumn<QString>("why"); // a part of the message
        const QString notSet = u"no /dev/iommu on this kernel (CONFIG_IOMMUFD not set)"_s;
        QTest::newRow("config: not set") << u"config-not-set"_s << ENOENT << notSet;
        QTest::newRow("config: module") << u"config-m"_s << ENOENT << u"CONFIG_IOMMUFD=m and the iommufd module is not loaded"_s;
        QTest::newRow("module lists without it") << u"builtin,order"_s << ENOENT << notSet;
        QTest::newRow("module lists: modular") << u"builtin,order-iommufd"_s << ENOENT << u"the iommufd module is not loaded (modprobe iommufd)"_s;
        QTest::newRow("nothing to tell") << QString() << ENOENT << u"(CONFIG_IOMMUFD not set, or the iommufd module not loaded)"_s;
        QTest::newRow("no member on vfio") << u"dev-iommu"_s << ENOENT << u"no member of IOMMU group 15 is bound to a VFIO driver"_s;
        QTest::newRow("on vfio, no cdev") << u"dev-iommu,vfio"_s << ENOENT << u"CONFIG_VFIO_DEVICE_CDEV not set"_s;
        QTest::newRow("cdev in sysfs, no node") << u"dev-iommu,vfio,vfio-dev"_s << ENOENT << u"/dev/vfio/devices/vfio3"_s;
        QTest::newRow("available") << u"dev-iommu,vfio,vfio-dev,node"_s << 0 << QString();
    }
    void iommufdAvailability()
    {
        QFETCH(QString, setup);
        QFETCH(int, err);
        QFETCH(QString, why);
        const QByteArray rel = "6.12.95+deb12-amd64";
        mkfile(u"proc/sys/kernel/osrelease"_s, rel + '\n');
        const QString mod = u"lib/modules/"_s + QString::fromLatin1(rel);
        for (const QString &step : setup.split(u',', Qt::SkipEmptyParts)) {
            if (step == u"config-not-set"_s)
                mkfile(u"boot/config-"_s + QString::fromLatin1(rel), "CONFIG_VFIO=m\n# CONFIG_IOMMUFD is not set\n");
            else if (step == u"config-m"_s)
                mkfile(u"boot/config-"_s + QString::fromLatin1(rel), "CONFIG_VFIO=m\nCONFIG_IOMMUFD=m\n");
            else if (step == u"builtin"_s)
                mkfile(mod + u"/modules.builtin"_s, "kernel/drivers/iommu/intel/iommu.ko\n");
            else if (step == u"order"_s)
                mkfile(mod + u"/modules.order"_s, "kernel/drivers/vfio/vfio.ko\n");
            else if (step == u"order-iommufd"_s)
                mkfile(mod + u"/modules.order"_s, "kernel/drivers/vfio/vfio.ko\nkernel/drivers/iommu/iommufd/iommufd.ko\n");
            else if (step == u"dev-iommu"_s)
                mkfile(u"dev/iommu"_s, "");
            else if (step == u"vfio"_s)
                bind(u"0000:08:00.0"_s, u"vfio-pci"_s);
            else if (step == u"vfio-dev"_s)
                QDir().mkpath(m_root + u"/sys/devices/pci0000:00/0000:08:00.0/vfio-dev/vfio3"_s);
            else if (step == u"node"_s)
                mkfile(u"dev/vfio/devices/vfio3"_s, "");
            else
                QFAIL(qPrintable(step));
        }
        auto host = makeHost();
        const HostResult r = host->iommufdAvailable(15);
        QCOMPARE(r.err, err);
        QVERIFY2(r.message.contains(why), qPrintable(r.message));
        quint32 h = 0;
        if (err) {
            // Asked for iommufd: refused with the same reason. "auto": type1v2 is tried instead
            // (there is no /dev/vfio/vfio in this root either) and the error keeps the reason.
            const HostResult strict = host->openGroupWith(15, u"iommufd"_s, &h);
            QCOMPARE(strict.err, err);
            QCOMPARE(strict.message, r.message);
            const HostResult fallback = host->openGroupWith(15, u"auto"_s, &h);
            QVERIFY(!fallback.ok);
            QVERIFY2(fallback.message.contains(u"/dev/vfio/vfio"_s), qPrintable(fallback.message));
            QVERIFY2(fallback.message.contains(u"iommufd not used: "_s + r.message), qPrintable(fallback.message));
        } else {
            // The "devices" here are regular files: the first ioctl (VFIO_DEVICE_BIND_IOMMUFD)
            // gets ENOTTY and everything opened so far is closed again.
            const HostResult opened = host->openGroupWith(15, u"auto"_s, &h);
            QCOMPARE(opened.err, ENOTTY);
            QVERIFY2(opened.message.contains(u"VFIO_DEVICE_BIND_IOMMUFD 0000:08:00.0"_s), qPrintable(opened.message));
        }
        QVERIFY(host->openHandles().isEmpty());
        QVERIFY(m_writes.isEmpty()); // asking never writes sysfs
    }

    void badInputWritesNothing_data()
    {
        QTest::addColumn<QString>("address");
        QTest::addColumn<QString>("driver");
        QTest::newRow("traversal address") << u"../../../etc"_s << u"vfio-pci"_s;
        QTest::newRow("absent device") << u"0000:09:00.0"_s << u"vfio-pci"_s;
        QTest::newRow("path driver") << u"0000:08:00.0"_s << u"../../../../tmp/x"_s;
        QTest::newRow("unknown driver") << u"0000:08:00.0"_s << u"nosuchdrv"_s;
        QTest::newRow("dotdot driver") << u"0000:08:00.0"_s << u".."_s;
    }
    void badInputWritesNothing()
    {
        QFETCH(QString, address);
        QFETCH(QString, driver);
        auto host = makeHost();
        QVERIFY(!host->bindDriver(address, driver, true).ok);
        QVERIFY(!host->persistOverride(address, driver).ok);
        QVERIFY(m_writes.isEmpty());
        QVERIFY(!QFileInfo::exists(m_root + u"/etc/driverctl.d"_s));
    }
};

QTEST_GUILESS_MAIN(TestLinuxHostSysfs)
#include "tst_linuxhostsysfs.moc"
