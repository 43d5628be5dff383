// The demo host answers like the kernel, and the Host sequences handle its rules: validation of
// every argument, EPERM for a group that is not viable, EACCES for a missing or wrong VF token,
// EEXIST/EINVAL/ENOMEM for DMA maps, EBUSY for sriov_numvfs nonzero -> nonzero (handled by going
// through 0), refusal of devices in use, rollback of a half-bound group; the same DMA rules on
// the iommufd path (the demo server has /dev/iommu), its HWPT dirty tracking and the type1v2
// fallback when /dev/iommu is absent.

#include "hostvalidation.h"
#include "simulatedhost.h"

#include <QTest>
#include <QtEndian>

#include <cerrno>

using namespace Qt::StringLiterals;
using namespace devtopo;
using namespace devtopo::host;

class TestHostRules : public QObject
{
    Q_OBJECT

    std::unique_ptr<SimulatedHost> demo()
    {
        QString error;
        auto h = SimulatedHost::demo({}, &error);
        if (!h)
            qWarning() << error;
        return h;
    }
    static PciAddress at(const char *text) { return *PciAddress::parse(QString::fromLatin1(text)); }

private Q_SLOTS:
    void validation_data()
    {
        QTest::addColumn<QString>("kind");
        QTest::addColumn<QString>("value");
        QTest::addColumn<int>("err");
        QTest::newRow("address ok") << u"address"_s << u"0000:18:00.0"_s << 0;
        QTest::newRow("address short form") << u"address"_s << u"18:00.0"_s << EINVAL;
        QTest::newRow("address upper case") << u"address"_s << u"0000:1B:00.0"_s << EINVAL;
        QTest::newRow("address traversal") << u"address"_s << u"../../0000:18:00.0"_s << EINVAL;
        QTest::newRow("address slash") << u"address"_s << u"0000:18:00.0/driver"_s << EINVAL;
        QTest::newRow("address newline") << u"address"_s << u"0000:18:00.0\n"_s << EINVAL;
        QTest::newRow("address absent") << u"address"_s << u"0000:99:00.0"_s << ENODEV;
        QTest::newRow("driver ok") << u"driver"_s << u"vfio-pci"_s << 0;
        QTest::newRow("driver dotdot") << u"driver"_s << u".."_s << EINVAL;
        QTest::newRow("driver path") << u"driver"_s << u"../vfio-pci"_s << EINVAL;
        QTest::newRow("driver slash") << u"driver"_s << u"vfio/pci"_s << EINVAL;
        QTest::newRow("driver space") << u"driver"_s << u"vfio pci"_s << EINVAL;
        QTest::newRow("driver control") << u"driver"_s << u"vfio\x01"_s << EINVAL;
        QTest::newRow("driver unknown") << u"driver"_s << u"nosuchdrv"_s << ENODEV;
        QTest::newRow("uuid ok") << u"uuid"_s << u"bd8d9d2b-5a5f-4f5a-a211-f591514ba1f3"_s << 0;
        QTest::newRow("uuid braces") << u"uuid"_s << u"{bd8d9d2b-5a5f-4f5a-a211-f591514ba1f3}"_s << EINVAL;
        QTest::newRow("uuid no hyphens") << u"uuid"_s << u"bd8d9d2b5a5f4f5aa211f591514ba1f3"_s << EINVAL;
        QTest::newRow("uuid junk") << u"uuid"_s << u"not-a-uuid"_s << EINVAL;
    }
    void validation()
    {
        QFETCH(QString, kind);
        QFETCH(QString, value);
        QFETCH(int, err);
        auto host = demo();
        QVERIFY(host);
        HostResult r;
        if (kind == u"address"_s)
            r = validate::address(value, [&](const PciAddress &a) { return host->hasDevice(a); }, nullptr);
        else if (kind == u"driver"_s)
            r = validate::driverName(value, host->knownDrivers());
        else
            r = validate::uuid(value, nullptr);
        QCOMPARE(r.err, err);
        QCOMPARE(r.ok, err == 0);
    }

    void dmaRanges_data()
    {
        QTest::addColumn<quint64>("iova");
        QTest::addColumn<quint64>("size");
        QTest::addColumn<int>("err");
        QTest::newRow("ok") << quint64(0x100000) << quint64(0x200000) << 0;
        QTest::newRow("zero size") << quint64(0x100000) << quint64(0) << EINVAL;
        QTest::newRow("unaligned iova") << quint64(0x100001) << quint64(0x1000) << EINVAL;
        QTest::newRow("unaligned size") << quint64(0x100000) << quint64(0x1800) << EINVAL;
        QTest::newRow("negative size") << quint64(0x100000) << quint64(-4096) << EINVAL;
        QTest::newRow("overflow") << quint64(0xfffffffffffff000) << quint64(0x2000) << EINVAL;
        QTest::newRow("huge") << quint64(0) << (quint64(1) << 40) << EINVAL;
    }
    void dmaRanges()
    {
        QFETCH(quint64, iova);
        QFETCH(quint64, size);
        QFETCH(int, err);
        QCOMPARE(validate::dmaRange(iova, size, 4096).err, err);
    }

    void notViableGroupIsEperm()
    {
        auto host = demo();
        // Group 16: GPU + audio + USB + UCSI of one card. Only the GPU on vfio-pci: not viable.
        QVERIFY(host->bindDriver(u"0000:1b:00.0"_s, u"vfio-pci"_s, false).ok);
        quint32 h = 0;
        const HostResult r = host->openGroup(16, &h);
        QCOMPARE(r.err, EPERM);
        // Bound whole, it opens.
        QVERIFY(host->bindGroup(16, u"vfio-pci"_s, false).ok);
        QVERIFY(host->openGroup(16, &h).ok);
        // A device of an open group cannot be taken away.
        QCOMPARE(host->restoreDriver(u"0000:1b:00.1"_s).err, EBUSY);
        QVERIFY(host->closeGroup(h).ok);
        for (const char *a : {"0000:1b:00.0", "0000:1b:00.1", "0000:1b:00.2", "0000:1b:00.3"})
            QVERIFY2(host->restoreDriver(QString::fromLatin1(a)).ok, a);
        QCOMPARE(host->driverOf(at("0000:1b:00.1")), u"snd_hda_intel"_s);
        QCOMPARE(host->driverOf(at("0000:1b:00.0")), u"nvidia"_s);
        QCOMPARE(host->driverOverrideOf(at("0000:1b:00.0")), QString());
    }

    void dmaRules()
    {
        auto host = demo();
        quint32 h = 0;
        QVERIFY(host->openGroup(17, &h).ok); // the RTX 6000 group, prepared on vfio-pci
        VfioGroupInfo info;
        QVERIFY(host->groupInfo(h, &info).ok);
        QCOMPARE(info.pageSizes & 0x1000, quint64(0x1000));
        QVERIFY(info.iovaRanges.size() >= 2); // the MSI window cut out
        QVERIFY(host->mapDma(h, 0x100000, 0x200000, false).ok);
        QCOMPARE(host->mapDma(h, 0x100000, 0x200000, false).err, EEXIST);
        QCOMPARE(host->mapDma(h, 0x200000, 0x1000, false).err, EEXIST); // inside the first
        QCOMPARE(host->mapDma(h, 0xfee00000, 0x1000, false).err, EINVAL); // MSI window
        QCOMPARE(host->mapDma(h, 0xfed00000, 0x200000, false).err, EINVAL); // runs into it
        QCOMPARE(host->mapDma(h, quint64(1) << 50, 0x1000, false).err, EINVAL); // beyond 48 bits
        QCOMPARE(host->mapDma(h, 0x10000000, quint64(63) << 20, false).err, ENOMEM); // 2 + 63 MiB > 64 MiB
        QVERIFY(host->mapDma(h, 0x10000000, quint64(62) << 20, false).ok);
        QVERIFY(host->groupInfo(h, &info).ok);
        QCOMPARE(info.lockedBytes, quint64(64) << 20);
        QCOMPARE(info.mappings.size(), 2);
        QCOMPARE(info.dmaAvail, 65535 - 2);
        quint64 unmapped = 0;
        QCOMPARE(host->unmapDma(h, 0x100000, 0x1000, &unmapped).err, EINVAL); // would split
        QVERIFY(host->unmapDma(h, 0x100000, 0x200000, &unmapped).ok);
        QCOMPARE(unmapped, quint64(0x200000));
        QVERIFY(host->mapDma(h, 0x40000000, 0x200000, true).ok); // huge pages, 2 MiB aligned

        // Dirty tracking: every mapped page reads dirty.
        DirtyBitmap bits;
        QCOMPARE(host->dirtyBitmap(h, 0x40000000, 0x200000, &bits).err, EINVAL); // not started
        QVERIFY(host->dirtyStart(h).ok);
        QVERIFY(host->dirtyBitmap(h, 0x40000000, 0x400000, &bits).ok);
        QCOMPARE(bits.pageSize, quint64(4096));
        QCOMPARE(bits.dirtyPages(), 512);
        QVERIFY(host->dirtyStop(h).ok);
        QVERIFY(host->closeGroup(h).ok);
        QCOMPARE(host->simVfio().lockedBytes(), quint64(0));
        QCOMPARE(host->mapDma(h, 0x100000, 0x1000, false).err, EBADF);
    }

    // The DMA rules on both backends: the same errnos where the kernels agree.
    void dmaRulesBothBackends_data()
    {
        QTest::addColumn<QString>("backend");
        QTest::newRow("type1v2") << u"type1v2"_s;
        QTest::newRow("iommufd") << u"iommufd"_s;
    }
    void dmaRulesBothBackends()
    {
        QFETCH(QString, backend);
        auto host = demo();
        quint32 h = 0;
        const HostResult opened = host->openGroupWith(17, backend, &h);
        QVERIFY2(opened.ok, qPrintable(opened.errorText()));
        VfioGroupInfo info;
        QVERIFY(host->groupInfo(h, &info).ok);
        QCOMPARE(dmaBackendName(info.backend), backend);
        QVERIFY(info.iovaRanges.size() >= 2); // the MSI window cut out on both
        QVERIFY(host->mapDma(h, 0x100000, 0x200000, false).ok);
        QCOMPARE(host->mapDma(h, 0x100000, 0x200000, false).err, EEXIST);
        QCOMPARE(host->mapDma(h, 0x200000, 0x1000, false).err, EEXIST);
        QCOMPARE(host->mapDma(h, 0xfee00000, 0x1000, false).err, EINVAL); // MSI window
        QCOMPARE(host->mapDma(h, quint64(1) << 50, 0x1000, false).err, EINVAL); // beyond 48 bits
        QCOMPARE(host->mapDma(h, 0x100800, 0x1000, false).err, EINVAL); // unaligned
        QCOMPARE(host->mapDma(h, 0x10000000, quint64(63) << 20, false).err, ENOMEM); // 2 + 63 MiB > 64 MiB
        QVERIFY(host->mapDma(h, 0x10000000, quint64(62) << 20, false).ok);
        QVERIFY(host->groupInfo(h, &info).ok);
        QCOMPARE(info.lockedBytes, quint64(64) << 20);
        QCOMPARE(info.mappings.size(), 2);
        QCOMPARE(info.dmaAvail, backend == u"iommufd"_s ? -1 : 65535 - 2); // no dma_entry_limit on iommufd
        QVERIFY(host->mapDma(h, 0x40000000, 0x200000, true).err == ENOMEM); // memlock full, huge or not
        quint64 unmapped = 0;
        QVERIFY(host->unmapDma(h, 0x10000000, quint64(62) << 20, &unmapped).ok);
        QVERIFY(host->mapDma(h, 0x40000000, 0x200000, true).ok); // huge pages, 2 MiB aligned
        QVERIFY(host->closeGroup(h).ok);
        QCOMPARE(host->simVfio().lockedBytes(), quint64(0));
        QCOMPARE(host->mapDma(h, 0x100000, 0x1000, false).err, EBADF);
    }

    // Where the kernels differ: type1 EINVAL for a split and 0 bytes for nothing; iommufd ENOENT
    // for both (6.12), refused before anything is unmapped.
    void unmapDiffers_data()
    {
        QTest::addColumn<QString>("backend");
        QTest::addColumn<int>("splitErr");
        QTest::addColumn<int>("nothingErr");
        QTest::newRow("type1v2") << u"type1v2"_s << EINVAL << 0;
        QTest::newRow("iommufd") << u"iommufd"_s << ENOENT << ENOENT;
    }
    void unmapDiffers()
    {
        QFETCH(QString, backend);
        QFETCH(int, splitErr);
        QFETCH(int, nothingErr);
        auto host = demo();
        quint32 h = 0;
        QVERIFY(host->openGroupWith(17, backend, &h).ok);
        QVERIFY(host->mapDma(h, 0x100000, 0x1000, false).ok);
        QVERIFY(host->mapDma(h, 0x200000, 0x200000, false).ok);
        quint64 unmapped = 1;
        // [0x100000, 0x300000) holds the first mapping whole and half of the second.
        QCOMPARE(host->unmapDma(h, 0x100000, 0x200000, &unmapped).err, splitErr);
        VfioGroupInfo info;
        QVERIFY(host->groupInfo(h, &info).ok);
        QCOMPARE(info.mappings.size(), 2); // nothing unmapped, not even the first
        QCOMPARE(host->unmapDma(h, 0x800000, 0x1000, &unmapped).err, nothingErr);
        QVERIFY(host->unmapDma(h, 0x100000, 0x300000, &unmapped).ok);
        QCOMPARE(unmapped, quint64(0x201000));
    }

    void iommufdNotViableIsEperm()
    {
        auto host = demo();
        QVERIFY(host->bindDriver(u"0000:1b:00.0"_s, u"vfio-pci"_s, false).ok);
        QVERIFY(host->iommufdAvailable(16).ok); // 1b:00.0 has its cdev
        quint32 h = 0;
        const HostResult r = host->openGroupWith(16, u"iommufd"_s, &h);
        QCOMPARE(r.err, EPERM); // VFIO_DEVICE_BIND_IOMMUFD: the others own the group's DMA
        QVERIFY(r.message.contains(u"VFIO_DEVICE_BIND_IOMMUFD"_s));
        QVERIFY(host->openHandles().isEmpty());
        QVERIFY(host->bindGroup(16, u"vfio-pci"_s, false).ok);
        const HostResult ok = host->openGroupWith(16, u"iommufd"_s, &h);
        QVERIFY2(ok.ok, qPrintable(ok.errorText()));
        VfioGroupInfo info;
        QVERIFY(host->groupInfo(h, &info).ok);
        QCOMPARE(info.devices.size(), 4); // every member bound: devices 1-4, IOAS 5, HWPT 6
        QCOMPARE(info.ioasId, 5u);
        QCOMPARE(info.hwptId, 6u);
        QCOMPARE(host->openGroupWith(16, u"type1v2"_s, &h).err, EBUSY); // one handle per group
        QCOMPARE(host->restoreDriver(u"0000:1b:00.1"_s).err, EBUSY);
    }

    void iommufdDirtyTracking()
    {
        auto host = demo();
        quint32 h = 0;
        QVERIFY(host->openGroupWith(17, u"iommufd"_s, &h).ok);
        VfioGroupInfo info;
        QVERIFY(host->groupInfo(h, &info).ok);
        QVERIFY(info.dirtyTrackingSupported); // dmar0: scalable mode with second-level A/D bits
        QVERIFY(info.hwptId != 0);
        QVERIFY(host->mapDma(h, 0x100000, 0x10000, false).ok); // 16 pages
        DirtyBitmap bits;
        QCOMPARE(host->dirtyBitmap(h, 0x100000, 0x10000, &bits).err, EINVAL); // not started
        QVERIFY(host->dirtyStart(h).ok);
        // Read a range twice the mapping: only mapped pages can be dirty.
        QVERIFY(host->dirtyBitmap(h, 0x100000, 0x20000, &bits).ok);
        QCOMPARE(bits.pageSize, quint64(4096));
        QCOMPARE(bits.bits.size(), 8); // 32 pages in one u64
        QCOMPARE(bits.dirtyPages(), 4); // one page in four written by the device
        const quint64 first = qFromLittleEndian<quint64>(bits.bits.constData());
        QCOMPARE(first >> 16, quint64(0)); // nothing past the mapping
        // Reading clears: the next read shows only what the device wrote since.
        QVERIFY(host->dirtyBitmap(h, 0x100000, 0x10000, &bits).ok);
        const quint64 second = qFromLittleEndian<quint64>(bits.bits.constData());
        QCOMPARE(bits.dirtyPages(), 4);
        QCOMPARE(first & second, quint64(0));
        QVERIFY(host->dirtyStop(h).ok);
        QCOMPARE(host->dirtyBitmap(h, 0x100000, 0x10000, &bits).err, EINVAL);
    }

    void iommufdWithoutDirtyCapableIommu()
    {
        auto host = demo();
        // Group 4: the PCH's SATA controller behind dmar4, a legacy-mode VT-d unit (no SMTS/SLADS).
        QVERIFY(host->bindGroup(4, u"vfio-pci"_s, false).ok);
        quint32 h = 0;
        QVERIFY(host->openGroupWith(4, u"iommufd"_s, &h).ok);
        VfioGroupInfo info;
        QVERIFY(host->groupInfo(h, &info).ok);
        QCOMPARE(info.backend, DmaBackend::Iommufd);
        QVERIFY(!info.dirtyTrackingSupported);
        QCOMPARE(info.hwptId, 0u);
        QVERIFY(host->mapDma(h, 0x100000, 0x1000, false).ok); // DMA itself works
        const HostResult r = host->dirtyStart(h);
        QCOMPARE(r.err, EOPNOTSUPP);
        QVERIFY(r.message.contains(u"cannot track dirty pages"_s));
        QVERIFY(!host->groupInfo(h, &info).ok || !info.dirtyTracking);
    }

    void backendChoice_data()
    {
        QTest::addColumn<bool>("devIommu");
        QTest::addColumn<QString>("asked");
        QTest::addColumn<int>("err");
        QTest::addColumn<QString>("got");
        QTest::newRow("auto with /dev/iommu") << true << u"auto"_s << 0 << u"iommufd"_s;
        QTest::newRow("auto without") << false << u"auto"_s << 0 << u"type1v2"_s;
        QTest::newRow("iommufd without") << false << u"iommufd"_s << ENOENT << QString();
        QTest::newRow("type1v2 without") << false << u"type1v2"_s << 0 << u"type1v2"_s;
        QTest::newRow("unknown") << true << u"vfio"_s << EINVAL << QString();
        QTest::newRow("path") << true << u"../iommufd"_s << EINVAL << QString();
        QTest::newRow("empty") << true << QString() << EINVAL << QString();
        QTest::newRow("case") << true << u"IOMMUFD"_s << EINVAL << QString();
    }
    void backendChoice()
    {
        QFETCH(bool, devIommu);
        QFETCH(QString, asked);
        QFETCH(int, err);
        QFETCH(QString, got);
        auto host = demo();
        host->simVfio().iommufdPresent = devIommu;
        quint32 h = 0;
        const HostResult r = host->openGroupWith(17, asked, &h);
        QCOMPARE(r.err, err);
        if (err) {
            QVERIFY(host->openHandles().isEmpty());
            if (err == ENOENT)
                QCOMPARE(r.message, u"no /dev/iommu on this kernel (CONFIG_IOMMUFD not set)"_s);
            return;
        }
        VfioGroupInfo info;
        QVERIFY(host->groupInfo(h, &info).ok);
        QCOMPARE(dmaBackendName(info.backend), got);
        const bool fellBack = asked == u"auto"_s && !devIommu;
        QCOMPARE(info.backendNote.isEmpty(), !fellBack);
        if (fellBack) {
            QCOMPARE(info.backendNote, u"iommufd not used: no /dev/iommu on this kernel (CONFIG_IOMMUFD not set)"_s);
            QCOMPARE(r.changes.value(0), info.backendNote);
        }
    }

    void iommufdNeedsAVfioMember()
    {
        auto host = demo();
        const HostResult r = host->iommufdAvailable(16); // nothing of group 16 on vfio-pci yet
        QCOMPARE(r.err, ENOENT);
        quint32 h = 0;
        QCOMPARE(host->openGroupWith(16, u"iommufd"_s, &h).err, ENOENT);
        QCOMPARE(host->openGroupWith(-1, u"iommufd"_s, &h).err, EINVAL);
        QCOMPARE(host->openGroupWith(9999, u"iommufd"_s, &h).err, ENOENT);
    }

    void migrationNeedsType1Handle()
    {
        auto host = demo();
        quint32 h = 0, d = 0;
        QVERIFY(host->openGroupWith(17, u"iommufd"_s, &h).ok);
        QCOMPARE(host->openMigrationDevice(h, u"0000:1c:00.0"_s, &d).err, EOPNOTSUPP);
    }

    void sriovBackToZeroFirst()
    {
        auto host = demo();
        const PciAddress pf = at("0000:3b:00.0");
        QCOMPARE(host->numVfs(pf), 8);
        // The simulated kernel refuses nonzero -> nonzero, as sriov_numvfs does...
        QVERIFY(host->simHost().setNumVfs(pf, 4).startsWith(u"EBUSY"_s));
        // ...and the Host goes through 0.
        const HostResult r = host->setNumVfs(u"0000:3b:00.0"_s, 4);
        QVERIFY2(r.ok, qPrintable(r.errorText()));
        QCOMPARE(r.changes.size(), 2);
        QCOMPARE(host->numVfs(pf), 4);
        QCOMPARE(host->setNumVfs(u"0000:3b:00.0"_s, 65).err, ERANGE);
        QCOMPARE(host->setNumVfs(u"0000:18:00.0"_s, 1).err, ENOENT); // not a PF
        QCOMPARE(host->numVfs(pf), 4);
    }

    void vfToken()
    {
        auto host = demo();
        const QString pf = u"0000:3b:00.1"_s; // i40e PF with no VFs, alone in its group
        const QString token = u"bd8d9d2b-5a5f-4f5a-a211-f591514ba1f3"_s;
        QCOMPARE(host->setVfToken(pf, token).err, ENODEV); // not on vfio-pci yet
        QVERIFY(host->bindDriver(pf, u"vfio-pci"_s, false).ok);
        QVERIFY(host->setVfToken(pf, token).ok);
        QVERIFY(host->setNumVfs(pf, 2).ok); // vfio-pci enable_sriov=1 in the demo
        const QList<PciAddress> vfs = host->vfsOf(at("0000:3b:00.1"));
        QCOMPARE(vfs.size(), 2);
        QCOMPARE(host->driverOf(vfs[0]), u"vfio-pci"_s); // captured by vfio-pci
        const QString vf = vfs[0].toString();
        HostResult r = host->openDevice(vf, {});
        QCOMPARE(r.err, EACCES);
        QVERIFY(r.message.contains(u"VF token required"_s));
        QCOMPARE(host->openDevice(vf, u"00000000-0000-0000-0000-000000000001"_s).err, EACCES);
        QVERIFY(host->openDevice(vf, token).ok);
        // A VF of a PF not on vfio-pci: a token is an error (EINVAL).
        QCOMPARE(host->openDevice(u"0000:3b:02.7"_s, token).err, EINVAL);
        QVERIFY(host->openDevice(u"0000:3b:02.7"_s, {}).ok);
    }

    void inUseRefusedUnlessForced()
    {
        auto host = demo();
        const QString disk = u"0000:18:00.0"_s;
        QVERIFY(!host->inUseReason(at("0000:18:00.0")).isEmpty());
        const HostResult r = host->bindDriver(disk, u"vfio-pci"_s, false);
        QCOMPARE(r.err, EBUSY);
        QVERIFY(r.message.contains(u"mounted"_s));
        QCOMPARE(host->driverOf(at("0000:18:00.0")), u"nvme"_s);
        QCOMPARE(host->resetDevice(disk, false).err, EBUSY);
        QVERIFY(host->bindDriver(disk, u"vfio-pci"_s, true).ok);
        QCOMPARE(host->driverOf(at("0000:18:00.0")), u"vfio-pci"_s);
        QVERIFY(host->restoreDriver(disk).ok);
        QCOMPARE(host->driverOf(at("0000:18:00.0")), u"nvme"_s);
    }

    void groupRefusedBeforeAnythingMoves()
    {
        auto host = demo();
        // Group 21 holds the r8169 uplink (in use): refused before any device moves.
        const HostResult busy = host->bindGroup(21, u"vfio-pci"_s, false);
        QCOMPARE(busy.err, EBUSY);
        QVERIFY(busy.message.contains(u"0000:23:00.0"_s));
        QCOMPARE(host->driverOf(at("0000:22:00.0")), u"nouveau"_s);
        QCOMPARE(host->driverOverrideOf(at("0000:22:00.0")), QString());
        QCOMPARE(host->bindGroup(21, u"nosuchdrv"_s, true).err, ENODEV);
        QCOMPARE(host->driverOf(at("0000:22:00.0")), u"nouveau"_s);
        QCOMPARE(host->bindGroup(9999, u"vfio-pci"_s, false).err, ENOENT);
        QVERIFY(host->originalDrivers().isEmpty());
    }

    void persistOverride()
    {
        auto host = demo();
        QVERIFY(host->persistOverride(u"0000:1b:00.0"_s, u"vfio-pci"_s).ok);
        QCOMPARE(host->persistedOverride(at("0000:1b:00.0")), u"vfio-pci"_s);
        QVERIFY(host->removeOverride(u"0000:1b:00.0"_s).ok);
        QCOMPARE(host->removeOverride(u"0000:1b:00.0"_s).err, ENOENT);
    }
};

QTEST_GUILESS_MAIN(TestHostRules)
#include "tst_hostrules.moc"
