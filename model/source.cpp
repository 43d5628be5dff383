#include "source.h"

#include "capture.h"
#include "logging.h"
#include "snapshot.h"
#include "sysfsreader.h"

#include <QDir>
#include <QFileInfo>
#include <QTemporaryDir>

namespace devtopo {

namespace {

// Accept the root itself, or its sys directory, or a directory holding one copied root.
QString findSysfsRoot(const QString &dir)
{
    const QDir d(dir);
    if (QFileInfo(d.filePath(QStringLiteral("sys"))).isDir())
        return d.absolutePath();
    if (d.dirName() == QLatin1String("sys") && QFileInfo(d.filePath(QStringLiteral("bus"))).isDir())
        return QFileInfo(d.absolutePath()).absolutePath();
    const QStringList subdirs = d.entryList(QDir::Dirs | QDir::NoDotAndDotDot);
    if (subdirs.size() == 1 && QFileInfo(d.filePath(subdirs.first() + QStringLiteral("/sys"))).isDir())
        return d.absoluteFilePath(subdirs.first());
    return {};
}

} // namespace

SourceResult openSource(const QString &path, const std::atomic<bool> *cancel, const ScanProgressFn &progress)
{
    SourceResult r;
    const QFileInfo info(path);
    if (!info.exists()) {
        r.error = QStringLiteral("%1 does not exist").arg(path);
        return r;
    }
    if (info.isDir()) {
        const QString root = findSysfsRoot(path);
        if (root.isEmpty()) {
            r.error = QStringLiteral("%1 does not look like a root with a sys directory (expected %1/sys/bus/pci)").arg(path);
            return r;
        }
        ScanOptions o;
        o.root = root;
        r.topology = scanHost(o, cancel, progress);
        r.ok = true;
        return r;
    }
    if (isArchivePath(path)) {
        QTemporaryDir tmp;
        if (!tmp.isValid()) {
            r.error = QStringLiteral("cannot create a temporary directory to unpack %1").arg(path);
            return r;
        }
        if (progress)
            progress(0, 0, QStringLiteral("Unpacking %1").arg(info.fileName()));
        if (!extractArchive(path, tmp.path(), &r.error))
            return r;
        const QString root = findSysfsRoot(tmp.path());
        if (root.isEmpty()) {
            r.error = QStringLiteral("%1 holds no sys directory").arg(path);
            return r;
        }
        ScanOptions o;
        o.root = root;
        r.topology = scanHost(o, cancel, progress);
        r.topology.source = info.absoluteFilePath();
        r.topology.sourceKind = QStringLiteral("archive");
        r.ok = true;
        return r;
    }
    r.ok = loadSnapshot(path, &r.topology, &r.error);
    return r;
}

} // namespace devtopo
