// devtopo-hostctl: the Linux host's actions without D-Bus, one JSON line per step, for the
// real-kernel test host (a guest with no bus and no polkit) and for debugging as root.
// Each step prints {"step":..., "ok":..., "errno":"EPERM", "message":..., "changes":[...]}.
//
//   devtopo-hostctl [--root DIR] [--records FILE] STEP [STEP...]
//   steps: bind ADDR DRIVER | bind-force ADDR DRIVER | bind-group GROUP DRIVER | restore ADDR
//          numvfs PF N | autoprobe PF 0|1 | reset ADDR | persist ADDR DRIVER | unpersist ADDR
//          token PF UUID | open-device ADDR [-|UUID] | open-group GROUP | info | map IOVA SIZE
//          open-group-with GROUP type1v2|iommufd|auto | iommufd-available GROUP
//          map-huge IOVA SIZE | unmap IOVA SIZE | dirty-start | bitmap IOVA SIZE | dirty-stop | close
//          migration (VFIO migration v2, on a member of the last open-group's group):
//          open-mig-device NAME | dev NAME (switch to an opened one) | mig-info | mig-state TARGET
//          precopy-info | precopy-read MAX | stop-copy-size | save FILE | load FILE | mig-reset
//          log-start IOVA LEN PAGE | log-report IOVA LEN PAGE | log-stop | close-mig-device
//          corrupt-copy IN OUT (test aid: flip one payload byte) | kernel-set-state N and
//          kernel-write HEX (one raw ioctl / write() past devtopo's checks, to record the kernel's errno)
// DMA steps act on the group of the last open-group. Numbers take 0x hex.

#include "linuxhost.h"

#include "migrationstate.h"
#include "statestream.h"

#include <QCoreApplication>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <cerrno>
#include <cstdio>
#include <fcntl.h>
#include <unistd.h>

using namespace Qt::StringLiterals;
using devtopo::host::HostResult;

namespace {

quint64 number(const QString &s)
{
    bool ok = false;
    const quint64 v = s.startsWith(u"0x"_s) ? s.mid(2).toULongLong(&ok, 16) : s.toULongLong(&ok, 10);
    return ok ? v : ~quint64(0); // refused by validation as too large
}

void print(const QString &step, const HostResult &r, QJsonObject extra = {})
{
    extra.insert(u"step"_s, step);
    extra.insert(u"ok"_s, r.ok);
    if (!r.ok) {
        extra.insert(u"errno"_s, devtopo::host::errnoName(r.err));
        extra.insert(u"message"_s, r.message);
    }
    extra.insert(u"changes"_s, QJsonArray::fromStringList(r.changes));
    std::printf("%s\n", QJsonDocument(extra).toJson(QJsonDocument::Compact).constData());
    std::fflush(stdout);
}

QString hex(quint64 v)
{
    return u"0x"_s + QString::number(v, 16);
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QStringList args = app.arguments().mid(1);
    devtopo::linuxhost::LinuxHostPaths paths;
    while (args.size() >= 2 && args.first().startsWith(u"--"_s)) {
        const QString opt = args.takeFirst();
        const QString value = args.takeFirst();
        if (opt == u"--root"_s)
            paths.root = value;
        else if (opt == u"--records"_s)
            paths.recordsFile = value;
        else if (opt == u"--vfio-dir"_s)
            paths.vfioDir = value;
    }
    devtopo::linuxhost::LinuxHost host(paths);
    quint32 handle = 0;
    quint32 dev = 0;
    QHash<QString, quint32> devices;
    int failures = 0;
    auto take = [&args]() { return args.isEmpty() ? QString() : args.takeFirst(); };
    while (!args.isEmpty()) {
        const QString step = take();
        HostResult r;
        QJsonObject extra;
        if (step == u"bind"_s || step == u"bind-force"_s) {
            const QString a = take();
            r = host.bindDriver(a, take(), step == u"bind-force"_s);
        } else if (step == u"bind-group"_s) {
            const int g = take().toInt();
            r = host.bindGroup(g, take(), false);
        } else if (step == u"restore"_s) {
            r = host.restoreDriver(take());
        } else if (step == u"numvfs"_s) {
            const QString pf = take();
            r = host.setNumVfs(pf, take().toInt());
        } else if (step == u"autoprobe"_s) {
            const QString pf = take();
            r = host.setDriversAutoprobe(pf, take() == u"1"_s);
        } else if (step == u"reset"_s) {
            r = host.resetDevice(take(), true);
        } else if (step == u"persist"_s) {
            const QString a = take();
            r = host.persistOverride(a, take());
        } else if (step == u"unpersist"_s) {
            r = host.removeOverride(take());
        } else if (step == u"token"_s) {
            const QString pf = take();
            r = host.setVfToken(pf, take());
        } else if (step == u"open-device"_s) {
            const QString a = take();
            const QString uuid = !args.isEmpty() && (args.first() == u"-"_s || args.first().size() == 36) ? take() : QString();
            r = host.openDevice(a, uuid == u"-"_s ? QString() : uuid);
        } else if (step == u"open-group"_s) {
            r = host.openGroup(take().toInt(), &handle);
        } else if (step == u"open-group-with"_s) {
            const int g = take().toInt();
            r = host.openGroupWith(g, take(), &handle);
        } else if (step == u"iommufd-available"_s) {
            r = host.iommufdAvailable(take().toInt());
        } else if (step == u"info"_s) {
            devtopo::host::VfioGroupInfo info;
            r = host.groupInfo(handle, &info);
            QJsonArray ranges, maps;
            for (const auto &range : std::as_const(info.iovaRanges))
                ranges.append(QJsonArray{hex(range.start), hex(range.end)});
            for (const auto &m : std::as_const(info.mappings))
                maps.append(QJsonArray{hex(m.iova), hex(m.size)});
            extra = {{u"group"_s, info.group}, {u"iova_ranges"_s, ranges}, {u"page_sizes"_s, hex(info.pageSizes)},
                     {u"dma_avail"_s, info.dmaAvail}, {u"locked"_s, hex(info.lockedBytes)},
                     {u"memlock_limit"_s, hex(info.memlockLimit)}, {u"memlock_bypassed"_s, info.memlockBypassed},
                     {u"dirty_supported"_s, info.dirtyTrackingSupported}, {u"mappings"_s, maps},
                     {u"backend"_s, devtopo::host::dmaBackendName(info.backend)}, {u"backend_note"_s, info.backendNote},
                     {u"ioas"_s, qint64(info.ioasId)}, {u"hwpt"_s, qint64(info.hwptId)}};
        } else if (step == u"map"_s || step == u"map-huge"_s) {
            const quint64 iova = number(take());
            r = host.mapDma(handle, iova, number(take()), step == u"map-huge"_s);
        } else if (step == u"unmap"_s) {
            const quint64 iova = number(take());
            quint64 unmapped = 0;
            r = host.unmapDma(handle, iova, number(take()), &unmapped);
            extra.insert(u"unmapped"_s, hex(unmapped));
        } else if (step == u"dirty-start"_s) {
            r = host.dirtyStart(handle);
        } else if (step == u"dirty-stop"_s) {
            r = host.dirtyStop(handle);
        } else if (step == u"bitmap"_s) {
            const quint64 iova = number(take());
            devtopo::host::DirtyBitmap bits;
            r = host.dirtyBitmap(handle, iova, number(take()), &bits);
            extra = {{u"page_size"_s, hex(bits.pageSize)}, {u"dirty_pages"_s, bits.dirtyPages()},
                     {u"pages"_s, qint64(bits.pageSize ? bits.size / bits.pageSize : 0)}};
        } else if (step == u"open-mig-device"_s) {
            const QString name = take();
            r = host.openMigrationDevice(handle, name, &dev);
            if (r.ok)
                devices.insert(name, dev);
            extra.insert(u"device_handle"_s, qint64(dev));
        } else if (step == u"dev"_s) {
            const QString name = take();
            r = devices.contains(name) ? HostResult::success() : HostResult::failure(EBADF, u"%1 was not opened"_s.arg(name));
            dev = devices.value(name);
        } else if (step == u"mig-info"_s) {
            devtopo::host::MigrationDeviceInfo info;
            r = host.migrationInfo(dev, &info);
            extra = {{u"device"_s, info.device}, {u"group"_s, info.group}, {u"flags"_s, qint64(info.flags)},
                     {u"flags_text"_s, devtopo::vfiomig::flagsText(info.flags)}, {u"state"_s, devtopo::vfiomig::stateName(devtopo::vfiomig::State(info.state))},
                     {u"vendor"_s, hex(info.vendor)}, {u"device_id"_s, hex(info.deviceId)},
                     {u"dma_logging_supported"_s, info.dmaLoggingSupported}};
        } else if (step == u"mig-state"_s) {
            quint32 st = 0;
            r = host.setMigrationState(dev, take(), &st);
            extra.insert(u"state"_s, devtopo::vfiomig::stateName(devtopo::vfiomig::State(st)));
        } else if (step == u"mig-reset"_s) {
            r = host.resetMigrationDevice(dev);
        } else if (step == u"precopy-info"_s) {
            devtopo::host::PrecopyInfo pi;
            r = host.precopyInfo(dev, &pi);
            extra = {{u"initial_bytes"_s, qint64(pi.initialBytes)}, {u"dirty_bytes"_s, qint64(pi.dirtyBytes)}};
        } else if (step == u"precopy-read"_s) {
            quint64 n = 0;
            r = host.readPrecopy(dev, number(take()), &n);
            extra.insert(u"read"_s, qint64(n));
        } else if (step == u"stop-copy-size"_s) {
            quint64 n = 0;
            r = host.stopCopySize(dev, &n);
            extra.insert(u"bytes"_s, qint64(n));
        } else if (step == u"save"_s || step == u"load"_s) {
            // The client side of the helper's fd protocol: hostctl opens the file, the host gets the fd.
            const QByteArray path = QFile::encodeName(take());
            const int fd = step == u"save"_s ? ::open(path.constData(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)
                                             : ::open(path.constData(), O_RDONLY | O_CLOEXEC);
            quint64 n = 0;
            QString sha;
            if (fd < 0)
                r = HostResult::failure(errno, u"open %1"_s.arg(QFile::decodeName(path)));
            else
                r = step == u"save"_s ? host.saveState(dev, fd, &n, &sha) : host.loadState(dev, fd, &n);
            if (fd >= 0)
                ::close(fd);
            extra.insert(u"payload_bytes"_s, qint64(n));
            if (step == u"save"_s) {
                extra.insert(u"sha256"_s, sha);
                extra.insert(u"file_bytes"_s, qint64(QFile(QFile::decodeName(path)).size()));
            }
        } else if (step == u"corrupt-copy"_s) {
            QFile in(take());
            QFile out(take());
            if (!in.open(QIODevice::ReadOnly) || !out.open(QIODevice::WriteOnly | QIODevice::Truncate)) {
                r = HostResult::failure(ENOENT, u"corrupt-copy: cannot open the files"_s);
            } else {
                QByteArray bytes = in.readAll();
                if (bytes.size() > devtopo::vfiomig::kStreamHeaderSize)
                    bytes[bytes.size() - 1] = char(bytes[bytes.size() - 1] ^ 0x01);
                out.write(bytes);
            }
        } else if (step == u"kernel-set-state"_s) {
            QString why;
            const int e = host.kernelSetState(dev, take().toUInt(), &why);
            r = e ? HostResult::failure(e, why) : HostResult::success();
        } else if (step == u"kernel-write"_s) {
            QString why;
            const int e = host.kernelWriteData(dev, QByteArray::fromHex(take().toLatin1()), &why);
            r = e ? HostResult::failure(e, why) : HostResult::success();
        } else if (step == u"log-start"_s) {
            const quint64 iova = number(take());
            const quint64 len = number(take());
            r = host.dmaLoggingStart(dev, {{iova, len}}, number(take()));
        } else if (step == u"log-report"_s) {
            const quint64 iova = number(take());
            const quint64 len = number(take());
            devtopo::host::DirtyBitmap bits;
            r = host.dmaLoggingReport(dev, iova, len, number(take()), &bits);
            extra = {{u"dirty_pages"_s, bits.dirtyPages()}, {u"pages"_s, qint64(bits.pageSize ? bits.size / bits.pageSize : 0)}};
        } else if (step == u"log-stop"_s) {
            r = host.dmaLoggingStop(dev);
        } else if (step == u"close-mig-device"_s) {
            r = host.closeMigrationDevice(dev);
        } else if (step == u"close"_s) {
            r = host.closeGroup(handle);
        } else {
            r = HostResult::failure(22, u"unknown step %1"_s.arg(step));
        }
        print(step, r, extra);
        failures += r.ok ? 0 : 1;
    }
    return failures ? 1 : 0;
}
