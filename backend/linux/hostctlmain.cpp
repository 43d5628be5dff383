// devtopo-hostctl: the Linux host's actions without D-Bus, one JSON line per step, for the
// real-kernel test host (a guest with no bus and no polkit) and for debugging as root.
// Each step prints {"step":..., "ok":..., "errno":"EPERM", "message":..., "changes":[...]}.
//
//   devtopo-hostctl [--root DIR] [--records FILE] STEP [STEP...]
//   steps: bind ADDR DRIVER | bind-force ADDR DRIVER | bind-group GROUP DRIVER | restore ADDR
//          numvfs PF N | autoprobe PF 0|1 | reset ADDR | persist ADDR DRIVER | unpersist ADDR
//          token PF UUID | open-device ADDR [-|UUID] | open-group GROUP | info | map IOVA SIZE
//          map-huge IOVA SIZE | unmap IOVA SIZE | dirty-start | bitmap IOVA SIZE | dirty-stop | close
// DMA steps act on the group of the last open-group. Numbers take 0x hex.

#include "linuxhost.h"

#include <QCoreApplication>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <cstdio>

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
                     {u"dirty_supported"_s, info.dirtyTrackingSupported}, {u"mappings"_s, maps}};
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
