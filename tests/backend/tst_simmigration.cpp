// VFIO migration v2 on the demo host through the Host interface: the same checks and walk the
// helper runs, against the simulated mlx5_vfio_pci VF (flags STOP_COPY|P2P|PRE_COPY, DMA logging).
// A manual clock drives the device's activity, so dirty bytes are deterministic.

#include "migrationstate.h"
#include "simulatedhost.h"
#include "statestream.h"

#include <QTemporaryDir>
#include <QTest>

#include <cerrno>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace Qt::StringLiterals;
using namespace devtopo;
using host::HostResult;
using sim::SimMigration;
using vfiomig::State;

namespace {

int openFd(const QString &path, int flags)
{
    return ::open(QFile::encodeName(path).constData(), flags | O_CLOEXEC, 0600);
}

} // namespace

class TestSimMigration : public QObject
{
    Q_OBJECT

    std::unique_ptr<host::SimulatedHost> m_host;
    qint64 m_now = 0;
    QString m_src, m_dst, m_plain; // mlx5_vfio_pci VF, a second VF put on it, a vfio-pci VF
    QTemporaryDir m_tmp;

    quint32 openDev(const QString &name, quint32 *group = nullptr)
    {
        const int g = m_host->iommuGroupOf(*PciAddress::parse(name));
        quint32 gh = 0;
        HostResult r = m_host->openGroup(g, &gh);
        if (!r.ok)
            qWarning() << r.errorText();
        quint32 dh = 0;
        r = m_host->openMigrationDevice(gh, name, &dh);
        if (!r.ok)
            qWarning() << r.errorText();
        if (group)
            *group = gh;
        return dh;
    }
    quint32 stateOf(quint32 dh)
    {
        host::MigrationDeviceInfo info;
        const HostResult r = m_host->migrationInfo(dh, &info);
        return r.ok ? info.state : 99u;
    }

private Q_SLOTS:
    void init()
    {
        QString why;
        m_host = host::SimulatedHost::demo({}, &why);
        QVERIFY2(m_host, qPrintable(why));
        m_now = 0;
        m_host->simMigration().setClock([this] { return m_now; });
        m_src.clear();
        for (const sim::SimFunction &f : m_host->simHost().functions) {
            if (f.driver == u"mlx5_vfio_pci"_s && m_src.isEmpty())
                m_src = f.address.toString();
            if (f.driver.isEmpty() && f.isVf() && m_dst.isEmpty())
                m_dst = f.address.toString();
            if (f.driver == u"vfio-pci"_s && f.isVf())
                m_plain = f.address.toString();
        }
        QVERIFY(!m_src.isEmpty() && !m_dst.isEmpty() && !m_plain.isEmpty());
        const HostResult bound = m_host->bindDriver(m_dst, u"mlx5_vfio_pci"_s, false);
        QVERIFY2(bound.ok, qPrintable(bound.errorText()));
    }

    void openChecks_data()
    {
        QTest::addColumn<bool>("goodGroup");
        QTest::addColumn<QString>("device");
        QTest::addColumn<int>("err");
        QTest::newRow("bad group handle") << false << u"src"_s << EBADF;
        QTest::newRow("path") << true << u"../../dev/mem"_s << EINVAL;
        QTest::newRow("slash") << true << u"0000:af:00.4/x"_s << EINVAL;
        QTest::newRow("upper-case uuid") << true << u"AAAAAAAA-0000-0000-0000-000000000000"_s << EINVAL;
        QTest::newRow("not a member") << true << u"0000:00:00.0"_s << ENODEV;
    }
    void openChecks()
    {
        QFETCH(bool, goodGroup);
        QFETCH(QString, device);
        QFETCH(int, err);
        quint32 gh = 0;
        QVERIFY(m_host->openGroup(m_host->iommuGroupOf(*PciAddress::parse(m_src)), &gh).ok);
        quint32 dh = 0;
        const HostResult r = m_host->openMigrationDevice(goodGroup ? gh : gh + 100, device == u"src"_s ? m_src : device, &dh);
        QCOMPARE(r.err, err);
        QCOMPARE(dh, 0u);
        QVERIFY(m_host->openMigrationDevices().isEmpty());
    }

    void infoAndFlags()
    {
        quint32 gh = 0;
        const quint32 dh = openDev(m_src, &gh);
        QVERIFY(dh);
        host::MigrationDeviceInfo info;
        QVERIFY(m_host->migrationInfo(dh, &info).ok);
        QCOMPARE(info.flags, quint64(vfiomig::StopCopyFlag | vfiomig::P2pFlag | vfiomig::PreCopyFlag));
        QCOMPARE(info.state, quint32(State::Running));
        QCOMPARE(info.vendor, quint16(0x15b3));
        QVERIFY(info.dmaLoggingSupported);
        quint32 again = 0;
        QCOMPARE(m_host->openMigrationDevice(gh, m_src, &again).err, EBUSY);
        // Closing the group closes its device.
        QVERIFY(m_host->closeGroup(gh).ok);
        QCOMPARE(m_host->migrationInfo(dh, &info).err, EBADF);

        const quint32 plain = openDev(m_plain);
        QVERIFY(m_host->migrationInfo(plain, &info).ok);
        QCOMPARE(info.flags, quint64(0));
        QVERIFY(!info.dmaLoggingSupported);
        quint32 st = 0;
        QCOMPARE(m_host->setMigrationState(plain, u"STOP"_s, &st).err, ENOTTY);
        QCOMPARE(m_host->dmaLoggingStart(plain, {{0, 0x10000}}, 4096).err, ENOTTY);
    }

    void walk_data()
    {
        QTest::addColumn<QString>("target");
        QTest::addColumn<QString>("path");
        QTest::newRow("STOP") << u"STOP"_s << u"RUNNING -> RUNNING_P2P -> STOP"_s;
        QTest::newRow("STOP_COPY") << u"stop_copy"_s << u"RUNNING -> RUNNING_P2P -> STOP -> STOP_COPY"_s;
        QTest::newRow("RESUMING by number") << u"4"_s << u"RUNNING -> RUNNING_P2P -> STOP -> RESUMING"_s;
        QTest::newRow("PRE_COPY_P2P") << u"PRE_COPY_P2P"_s << u"RUNNING -> RUNNING_P2P -> PRE_COPY_P2P"_s;
        QTest::newRow("RUNNING (nothing)") << u"RUNNING"_s << u"RUNNING"_s;
    }
    void walk()
    {
        QFETCH(QString, target);
        QFETCH(QString, path);
        const quint32 dh = openDev(m_src);
        QStringList progress;
        m_host->setProgress([&](const QString &op, int done, int total, const QString &) {
            progress << u"%1 %2/%3"_s.arg(op).arg(done).arg(total);
        });
        quint32 st = 0;
        const HostResult r = m_host->setMigrationState(dh, target, &st);
        QVERIFY2(r.ok, qPrintable(r.errorText()));
        const QStringList names = path.split(u" -> "_s);
        QCOMPARE(vfiomig::stateName(State(st)), names.last());
        QCOMPARE(stateOf(dh), st);
        QCOMPARE(r.changes.size(), names.size() - 1);
        QCOMPARE(progress.size(), names.size()); // one per step, then the end
        QCOMPARE(progress.last(), u"migration-state %1/%1"_s.arg(names.size() - 1));
    }

    void refusedTargets_data()
    {
        QTest::addColumn<QString>("before");
        QTest::addColumn<QString>("target");
        QTest::addColumn<QString>("says");
        QTest::newRow("ERROR") << u"RUNNING"_s << u"ERROR"_s << u"cannot be requested"_s;
        QTest::newRow("0 is ERROR") << u"RUNNING"_s << u"0"_s << u"cannot be requested"_s;
        QTest::newRow("unknown name") << u"RUNNING"_s << u"SAVING"_s << u"not a migration state"_s;
        QTest::newRow("number 8") << u"RUNNING"_s << u"8"_s << u"not a migration state"_s;
        QTest::newRow("huge number") << u"RUNNING"_s << u"4294967297"_s << u"not a migration state"_s;
        QTest::newRow("STOP_COPY -> PRE_COPY") << u"STOP_COPY"_s << u"PRE_COPY"_s << u"blocked"_s;
    }
    void refusedTargets()
    {
        QFETCH(QString, before);
        QFETCH(QString, target);
        QFETCH(QString, says);
        const quint32 dh = openDev(m_src);
        quint32 st = 0;
        QVERIFY(m_host->setMigrationState(dh, before, &st).ok);
        const HostResult r = m_host->setMigrationState(dh, target, &st);
        QCOMPARE(r.err, EINVAL);
        QVERIFY2(r.message.contains(says), qPrintable(r.message));
        QVERIFY(r.changes.isEmpty());
        QCOMPARE(vfiomig::stateName(State(stateOf(dh))), before);
    }

    void precopyEvolves()
    {
        const quint32 dh = openDev(m_src);
        host::PrecopyInfo pi;
        QCOMPARE(m_host->precopyInfo(dh, &pi).err, EINVAL); // RUNNING
        quint32 st = 0;
        QVERIFY(m_host->setMigrationState(dh, u"PRE_COPY"_s, &st).ok);
        QVERIFY(m_host->precopyInfo(dh, &pi).ok);
        const quint64 full = SimMigration::kHeaderSize + quint64(SimMigration::kPages) * SimMigration::kRecordSize;
        QCOMPARE(pi.initialBytes, full);
        QCOMPARE(pi.dirtyBytes, quint64(0));
        quint64 read = 0;
        QVERIFY(m_host->readPrecopy(dh, 1 << 20, &read).ok);
        QCOMPARE(read, quint64(1 << 20));
        QVERIFY(m_host->precopyInfo(dh, &pi).ok);
        QCOMPARE(pi.initialBytes, full - (1 << 20));
        m_now += 4000; // 200 page writes, about half on pages already sent
        QVERIFY(m_host->precopyInfo(dh, &pi).ok);
        const quint64 dirtyAfter4s = pi.dirtyBytes;
        QVERIFY(dirtyAfter4s > 0);
        QCOMPARE(dirtyAfter4s % SimMigration::kRecordSize, quint64(0));
        m_now += 4000;
        QVERIFY(m_host->precopyInfo(dh, &pi).ok);
        QVERIFY(pi.dirtyBytes > dirtyAfter4s); // grows with activity
        // Draining: initial first, then dirty; nothing left reads as "nothing for now".
        QVERIFY(m_host->readPrecopy(dh, 64 << 20, &read).ok);
        QVERIFY(m_host->precopyInfo(dh, &pi).ok);
        QCOMPARE(pi.initialBytes, quint64(0));
        QCOMPARE(pi.dirtyBytes, quint64(0));
        QVERIFY(m_host->readPrecopy(dh, 4096, &read).ok);
        QCOMPARE(read, quint64(0));
        QCOMPARE(m_host->readPrecopy(dh, 0, &read).err, EINVAL);
        QCOMPARE(m_host->readPrecopy(dh, ~quint64(0), &read).err, EINVAL);
        quint64 size = 0;
        QVERIFY(m_host->stopCopySize(dh, &size).ok);
        QCOMPARE(size, quint64(4)); // only the end marker is left
    }

    void saveAndResume()
    {
        const quint32 src = openDev(m_src);
        const quint32 dst = openDev(m_dst);
        QVERIFY(m_host->simMigration().memoryOf(m_src) != m_host->simMigration().memoryOf(m_dst));
        quint32 st = 0;
        QVERIFY(m_host->setMigrationState(src, u"PRE_COPY"_s, &st).ok);
        quint64 read = 0;
        QVERIFY(m_host->readPrecopy(src, 300000, &read).ok);
        m_now += 3000;
        const QString path = m_tmp.filePath(u"state.bin"_s);
        int fd = openFd(path, O_WRONLY | O_CREAT | O_TRUNC);
        quint64 bytes = 0;
        QString sha;
        QCOMPARE(m_host->saveState(src, fd, &bytes, &sha).err, EINVAL); // not STOP_COPY yet
        QVERIFY(m_host->setMigrationState(src, u"STOP_COPY"_s, &st).ok);
        quint64 expected = 0;
        QVERIFY(m_host->stopCopySize(src, &expected).ok);
        const HostResult saved = m_host->saveState(src, fd, &bytes, &sha);
        ::close(fd);
        QVERIFY2(saved.ok, qPrintable(saved.errorText()));
        QCOMPARE(bytes, read + expected); // pre-copy part + the rest the kernel-side size predicted
        QFile f(path);
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QByteArray file = f.readAll();
        QCOMPARE(quint64(file.size()), bytes + vfiomig::kStreamHeaderSize);
        const vfiomig::DecodedStream dec = vfiomig::decodeStream(file);
        QVERIFY(dec.ok());
        QCOMPARE(vfiomig::sha256Hex(dec.payload), sha);
        const QByteArray sourceMemory = m_host->simMigration().memoryOf(m_src);

        QVERIFY(m_host->setMigrationState(dst, u"RESUMING"_s, &st).ok);
        fd = openFd(path, O_RDONLY);
        const HostResult loaded = m_host->loadState(dst, fd, &bytes);
        ::close(fd);
        QVERIFY2(loaded.ok, qPrintable(loaded.errorText()));
        QVERIFY(m_host->setMigrationState(dst, u"RUNNING"_s, &st).ok);
        QCOMPARE(m_host->simMigration().memoryOf(m_dst), sourceMemory);
        QVERIFY(m_host->setMigrationState(src, u"RUNNING"_s, &st).ok); // STOP_COPY -> STOP -> RUNNING_P2P -> RUNNING
    }

    void loadRefused_data()
    {
        QTest::addColumn<QString>("damage");
        QTest::addColumn<int>("err");
        QTest::newRow("flipped byte") << u"flip"_s << EBADMSG;
        QTest::newRow("truncated") << u"truncate"_s << EINVAL;
        QTest::newRow("foreign device") << u"foreign"_s << ENODEV;
        QTest::newRow("not our file") << u"raw"_s << EINVAL;
        QTest::newRow("wrong state") << u"running"_s << EINVAL;
        QTest::newRow("directory fd") << u"dir"_s << EINVAL;
        QTest::newRow("socket fd") << u"socket"_s << EINVAL;
        QTest::newRow("write-only fd") << u"wronly"_s << EBADF;
        QTest::newRow("closed fd") << u"closed"_s << EBADF;
    }
    void loadRefused()
    {
        QFETCH(QString, damage);
        QFETCH(int, err);
        const quint32 src = openDev(m_src);
        const quint32 dst = openDev(m_dst);
        quint32 st = 0;
        QVERIFY(m_host->setMigrationState(src, u"STOP_COPY"_s, &st).ok);
        const QString path = m_tmp.filePath(u"s-%1.bin"_s.arg(damage));
        int fd = openFd(path, O_WRONLY | O_CREAT | O_TRUNC);
        QVERIFY(m_host->saveState(src, fd, nullptr, nullptr).ok);
        ::close(fd);
        QFile f(path);
        QVERIFY(f.open(QIODevice::ReadWrite));
        QByteArray file = f.readAll();
        if (damage == u"flip"_s)
            file[file.size() / 2] = char(file[file.size() / 2] ^ 0x40);
        else if (damage == u"truncate"_s)
            file.chop(100);
        else if (damage == u"foreign"_s)
            file = vfiomig::encodeStream(0x4348, 0x3253, 7, vfiomig::decodeStream(file).payload);
        else if (damage == u"raw"_s)
            file = vfiomig::decodeStream(file).payload;
        f.resize(0);
        f.write(file);
        f.close();
        const QByteArray before = m_host->simMigration().memoryOf(m_dst);
        QVERIFY(m_host->setMigrationState(dst, damage == u"running"_s ? u"RUNNING"_s : u"RESUMING"_s, &st).ok);
        int sock[2] = {-1, -1};
        if (damage == u"dir"_s)
            fd = openFd(m_tmp.path(), O_RDONLY | O_DIRECTORY);
        else if (damage == u"socket"_s) {
            ::socketpair(AF_UNIX, SOCK_STREAM, 0, sock);
            fd = sock[0];
        } else if (damage == u"wronly"_s)
            fd = openFd(path, O_WRONLY);
        else if (damage == u"closed"_s)
            fd = 1000;
        else
            fd = openFd(path, O_RDONLY);
        const HostResult r = m_host->loadState(dst, fd, nullptr);
        if (fd != 1000)
            ::close(fd);
        if (sock[1] >= 0)
            ::close(sock[1]);
        QCOMPARE(r.err, err);
        QVERIFY(!r.message.isEmpty());
        // Nothing reached the device: leaving RESUMING finds no stream at all.
        if (damage != u"running"_s) {
            const HostResult leave = m_host->setMigrationState(dst, u"STOP"_s, &st);
            QCOMPARE(leave.err, EINVAL);
            QVERIFY2(leave.message.contains(u"0 bytes received"_s), qPrintable(leave.message));
            QCOMPARE(st, quint32(State::Resuming));
        }
        QCOMPARE(m_host->simMigration().memoryOf(m_dst), before);
    }

    void failedStepLeavesError()
    {
        const quint32 dh = openDev(m_src);
        m_host->simMigration().failNextArc(m_src, EIO, true);
        quint32 st = 0;
        const HostResult r = m_host->setMigrationState(dh, u"STOP_COPY"_s, &st);
        QCOMPARE(r.err, EIO);
        QVERIFY2(r.message.contains(u"step 1 of 3 (RUNNING -> RUNNING_P2P)"_s), qPrintable(r.message));
        QVERIFY2(r.message.contains(u"now in ERROR"_s) && r.message.contains(u"reset"_s), qPrintable(r.message));
        QCOMPARE(st, quint32(State::Error));
        QCOMPARE(m_host->setMigrationState(dh, u"RUNNING"_s, &st).err, EINVAL); // nothing leaves ERROR but a reset
        QVERIFY(m_host->resetMigrationDevice(dh).ok);
        QCOMPARE(stateOf(dh), quint32(State::Running));

        // A failure that does not fall into ERROR says where the device stayed.
        QVERIFY(m_host->setMigrationState(dh, u"STOP"_s, &st).ok);
        m_host->simMigration().failNextArc(m_src, EINVAL, false);
        const HostResult r2 = m_host->setMigrationState(dh, u"RUNNING"_s, &st);
        QVERIFY(!r2.ok);
        QVERIFY2(r2.message.contains(u"now in STOP"_s), qPrintable(r2.message));
        QCOMPARE(st, quint32(State::Stop));
    }

    void dmaLogging()
    {
        const quint32 dh = openDev(m_src);
        QCOMPARE(m_host->dmaLoggingReport(dh, 0, 0x100000, 4096, nullptr).err, EINVAL); // not started
        QCOMPARE(m_host->dmaLoggingStart(dh, {}, 4096).err, E2BIG);
        QCOMPARE(m_host->dmaLoggingStart(dh, {{0x1000, 0x1000}}, 3000).err, EINVAL);
        QCOMPARE(m_host->dmaLoggingStart(dh, {{0x1800, 0x1000}}, 4096).err, EINVAL);
        QCOMPARE(m_host->dmaLoggingStart(dh, {{0, 0x4000}, {0x2000, 0x4000}}, 4096).err, EINVAL); // overlap
        QCOMPARE(m_host->dmaLoggingStart(dh, {{0xfffffffffffff000, 0x2000}}, 4096).err, EOVERFLOW);
        QVERIFY(m_host->dmaLoggingStart(dh, {{0x100000, 0x100000}, {0x400000, 0x100000}}, 4096).ok);
        QCOMPARE(m_host->dmaLoggingStart(dh, {{0, 0x1000}}, 4096).err, EEXIST);
        m_now += 2000; // 100 DMA writes
        host::DirtyBitmap bm;
        QCOMPARE(m_host->dmaLoggingReport(dh, 0x100000, 0x400000, 4096, &bm).err, EINVAL); // spans two ranges
        QVERIFY(m_host->dmaLoggingReport(dh, 0x100000, 0x100000, 4096, &bm).ok);
        const int first = bm.dirtyPages();
        QVERIFY(first > 10 && first <= 100);
        QCOMPARE(bm.bits.size(), 256 / 8);
        QVERIFY(m_host->dmaLoggingReport(dh, 0x100000, 0x100000, 4096, &bm).ok);
        QCOMPARE(bm.dirtyPages(), 0); // read and cleared
        QVERIFY(m_host->dmaLoggingStop(dh).ok);
        QCOMPARE(m_host->dmaLoggingStop(dh).err, EINVAL);
    }
};

QTEST_GUILESS_MAIN(TestSimMigration)
#include "tst_simmigration.moc"
