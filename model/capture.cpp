#include "capture.h"

#include "logging.h"
#include "pciaddress.h"
#include "sysfsreader.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSet>

#include <archive.h>
#include <archive_entry.h>

#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

namespace devtopo {

namespace {

// The attributes devtopo and lspci read; nothing else is copied (no rom, vpd, resourceN: those
// are large, slow, or have side effects when read).
const char *const FunctionFiles[] = {
    "vendor", "device", "subsystem_vendor", "subsystem_device", "class", "revision", "config",
    "driver_override", "modalias", "numa_node", "local_cpulist", "local_cpus", "irq", "resource",
    "current_link_speed", "current_link_width", "max_link_speed", "max_link_width",
    "sriov_totalvfs", "sriov_numvfs", "sriov_offset", "sriov_stride", "sriov_vf_device",
    "sriov_drivers_autoprobe", "reset_method", "enable", "d3cold_allowed", "ari_enabled",
    "secondary_bus_number", "subordinate_bus_number", "label", "index", "acpi_index", "msi_bus",
    "power_state", "dma_mask_bits", "consistent_dma_mask_bits", "broken_parity_status",
};
const char *const FunctionLinks[] = {"driver", "iommu_group", "iommu", "physfn", "subsystem"};

struct Entry
{
    enum Kind { File, Dir, Link } kind;
    QString path; // root-relative
    QByteArray data; // file content or link target
};

class Collector
{
public:
    explicit Collector(const SysfsReader &sys) : m_sys(sys) { }

    QList<Entry> entries;

    void dir(const QString &rel)
    {
        if (m_dirs.contains(rel))
            return;
        const qsizetype slash = rel.lastIndexOf(QLatin1Char('/'));
        if (slash > 0)
            dir(rel.left(slash));
        m_dirs.insert(rel);
        entries << Entry{Entry::Dir, rel, {}};
    }

    void file(const QString &rel, qsizetype max = 1 << 20)
    {
        if (auto content = m_sys.readFile(rel, max)) {
            dir(rel.left(rel.lastIndexOf(QLatin1Char('/'))));
            entries << Entry{Entry::File, rel, *content};
        }
    }

    void link(const QString &rel)
    {
        if (auto target = m_sys.readLink(rel)) {
            dir(rel.left(rel.lastIndexOf(QLatin1Char('/'))));
            entries << Entry{Entry::Link, rel, QFile::encodeName(*target)};
        }
    }

    void pciTree(const QString &rel, int depth)
    {
        if (depth > 48)
            return;
        dir(rel);
        const QStringList names = m_sys.list(rel);
        const bool isFunction = PciAddress::parse(rel.mid(rel.lastIndexOf(QLatin1Char('/')) + 1)).has_value();
        for (const QString &name : names) {
            const QString child = rel + QLatin1Char('/') + name;
            if (m_sys.isDirectory(child)) {
                if ((PciAddress::parse(name) && name.size() >= 12) || (name.startsWith(QLatin1String("pci")) && name.contains(QLatin1Char(':'))))
                    pciTree(child, depth + 1);
                continue;
            }
            if (!isFunction)
                continue;
            if (name.startsWith(QLatin1String("virtfn"))) {
                link(child);
                continue;
            }
            for (const char *l : FunctionLinks)
                if (name == QLatin1StringView(l))
                    link(child);
            for (const char *f : FunctionFiles)
                if (name == QLatin1StringView(f))
                    file(child, 4096);
        }
    }

private:
    const SysfsReader &m_sys;
    QSet<QString> m_dirs;
};

QString kernelReleaseOf(const SysfsReader &sys)
{
    if (auto r = sys.readLine(QStringLiteral("proc/sys/kernel/osrelease")))
        return *r;
    struct utsname u;
    if (sys.root() == QLatin1String("/") && ::uname(&u) == 0)
        return QString::fromUtf8(u.release);
    return {};
}

QList<Entry> collect(const SysfsReader &sys)
{
    Collector c(sys);
    for (const QString &name : sys.list(QStringLiteral("sys/devices")))
        if (name.startsWith(QLatin1String("pci")))
            c.pciTree(QStringLiteral("sys/devices/") + name, 0);
    c.dir(QStringLiteral("sys/bus/pci/devices"));
    for (const QString &name : sys.list(QStringLiteral("sys/bus/pci/devices")))
        c.link(QStringLiteral("sys/bus/pci/devices/") + name);
    for (const QString &name : sys.list(QStringLiteral("sys/bus/pci/drivers")))
        c.dir(QStringLiteral("sys/bus/pci/drivers/") + name);
    const QString groups = QStringLiteral("sys/kernel/iommu_groups");
    c.dir(groups);
    for (const QString &g : sys.list(groups)) {
        const QString d = groups + QLatin1Char('/') + g;
        c.dir(d + QStringLiteral("/devices"));
        c.file(d + QStringLiteral("/type"));
        c.file(d + QStringLiteral("/reserved_regions"));
        c.file(d + QStringLiteral("/name"));
        for (const QString &m : sys.list(d + QStringLiteral("/devices")))
            c.link(d + QStringLiteral("/devices/") + m);
    }
    for (const QString &u : sys.list(QStringLiteral("sys/class/iommu"))) {
        const QString rel = QStringLiteral("sys/class/iommu/") + u;
        c.link(rel);
        const QString target = sys.resolveLink(rel).value_or(rel);
        for (const char *sub : {"intel-iommu", "amd-iommu"})
            for (const QString &f : sys.list(target + QLatin1Char('/') + QLatin1StringView(sub)))
                c.file(target + QLatin1Char('/') + QLatin1StringView(sub) + QLatin1Char('/') + f, 4096);
        for (const QString &d : sys.list(target + QStringLiteral("/devices")))
            c.link(target + QStringLiteral("/devices/") + d);
    }
    const QString nodes = QStringLiteral("sys/devices/system/node");
    for (const QString &n : sys.list(nodes)) {
        const QString rel = nodes + QLatin1Char('/') + n;
        if (n.startsWith(QLatin1String("node")) && sys.isDirectory(rel)) {
            for (const char *f : {"cpulist", "distance", "meminfo"})
                c.file(rel + QLatin1Char('/') + QLatin1StringView(f), 16384);
        } else if (!sys.isDirectory(rel)) {
            c.file(rel, 4096);
        }
    }
    for (const char *f : {"proc/sys/kernel/osrelease", "proc/sys/kernel/hostname"})
        c.file(QLatin1StringView(f));
    // Only the vfio_pci: aliases matter to devtopo; the whole file is a megabyte.
    const QString release = kernelReleaseOf(sys);
    if (!release.isEmpty()) {
        const QString alias = QStringLiteral("lib/modules/%1/modules.alias").arg(release);
        if (auto content = sys.readFile(alias, 64 << 20)) {
            QByteArray kept;
            for (const QByteArray &line : content->split('\n'))
                if (line.startsWith("alias vfio_pci:"))
                    kept += line + '\n';
            c.dir(alias.left(alias.lastIndexOf(QLatin1Char('/'))));
            c.entries << Entry{Entry::File, alias, kept};
        }
        if (!sys.exists(QStringLiteral("proc/sys/kernel/osrelease"))) {
            c.dir(QStringLiteral("proc/sys/kernel"));
            c.entries << Entry{Entry::File, QStringLiteral("proc/sys/kernel/osrelease"), release.toUtf8() + '\n'};
        }
    }
    return c.entries;
}

bool writeToDirectory(const QList<Entry> &entries, const QString &dest, CaptureResult *r)
{
    QDir root(dest);
    if (!root.mkpath(QStringLiteral("."))) {
        r->error = QStringLiteral("cannot create %1").arg(dest);
        return false;
    }
    for (const Entry &e : entries) {
        const QString path = root.filePath(e.path);
        switch (e.kind) {
        case Entry::Dir:
            if (!root.mkpath(e.path)) {
                r->error = QStringLiteral("cannot create %1").arg(path);
                return false;
            }
            break;
        case Entry::File: {
            QFile f(path);
            if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate) || f.write(e.data) != e.data.size()) {
                r->error = QStringLiteral("cannot write %1: %2").arg(path, f.errorString());
                return false;
            }
            ++r->files;
            break;
        }
        case Entry::Link:
            QFile::remove(path);
            if (::symlink(e.data.constData(), QFile::encodeName(path).constData()) != 0) {
                r->error = QStringLiteral("cannot create link %1: %2").arg(path, QString::fromLocal8Bit(strerror(errno)));
                return false;
            }
            ++r->links;
            break;
        }
    }
    return true;
}

bool writeToArchive(const QList<Entry> &entries, const QString &dest, CaptureResult *r)
{
    archive *a = archive_write_new();
    archive_write_set_format_pax_restricted(a);
    if (dest.endsWith(QLatin1String(".gz")) || dest.endsWith(QLatin1String(".tgz")))
        archive_write_add_filter_gzip(a);
    else if (dest.endsWith(QLatin1String(".xz")))
        archive_write_add_filter_xz(a);
    if (archive_write_open_filename(a, QFile::encodeName(dest).constData()) != ARCHIVE_OK) {
        r->error = QStringLiteral("cannot write %1: %2").arg(dest, QString::fromLocal8Bit(archive_error_string(a)));
        archive_write_free(a);
        return false;
    }
    const time_t now = time(nullptr);
    archive_entry *e = archive_entry_new();
    bool ok = true;
    for (const Entry &x : entries) {
        archive_entry_clear(e);
        const QByteArray name = QFile::encodeName(x.path);
        archive_entry_set_pathname(e, name.constData());
        archive_entry_set_mtime(e, now, 0);
        switch (x.kind) {
        case Entry::Dir:
            archive_entry_set_filetype(e, AE_IFDIR);
            archive_entry_set_perm(e, 0755);
            break;
        case Entry::File:
            archive_entry_set_filetype(e, AE_IFREG);
            archive_entry_set_perm(e, 0444);
            archive_entry_set_size(e, x.data.size());
            ++r->files;
            break;
        case Entry::Link:
            archive_entry_set_filetype(e, AE_IFLNK);
            archive_entry_set_perm(e, 0777);
            archive_entry_set_symlink(e, x.data.constData());
            ++r->links;
            break;
        }
        if (archive_write_header(a, e) != ARCHIVE_OK
            || (x.kind == Entry::File && archive_write_data(a, x.data.constData(), size_t(x.data.size())) < 0)) {
            r->error = QStringLiteral("cannot write %1: %2").arg(dest, QString::fromLocal8Bit(archive_error_string(a)));
            ok = false;
            break;
        }
    }
    archive_entry_free(e);
    if (archive_write_close(a) != ARCHIVE_OK && ok) {
        r->error = QStringLiteral("cannot finish %1: %2").arg(dest, QString::fromLocal8Bit(archive_error_string(a)));
        ok = false;
    }
    archive_write_free(a);
    if (!ok)
        QFile::remove(dest); // no half archive left behind
    return ok;
}

} // namespace

bool isArchivePath(const QString &path)
{
    for (const char *ext : {".tar", ".tar.gz", ".tgz", ".tar.xz", ".txz"})
        if (path.endsWith(QLatin1StringView(ext)))
            return true;
    return false;
}

CaptureResult captureHost(const QString &root, const QString &dest)
{
    CaptureResult r;
    const SysfsReader sys(root);
    if (!sys.isDirectory(QStringLiteral("sys")) && !sys.isLink(QStringLiteral("sys"))) {
        r.error = QStringLiteral("%1 has no sys directory; nothing to capture").arg(root);
        return r;
    }
    const QList<Entry> entries = collect(sys);
    if (isArchivePath(dest))
        r.ok = writeToArchive(entries, dest, &r);
    else {
        if (QFileInfo(dest).exists() && !QDir(dest).isEmpty()) {
            r.error = QStringLiteral("%1 exists and is not empty; choose a new directory").arg(dest);
            return r;
        }
        r.ok = writeToDirectory(entries, dest, &r);
    }
    return r;
}

bool extractArchive(const QString &archivePath, const QString &dir, QString *error)
{
    // A tarball from someone else: refuse absolute paths, "..", writing through links and
    // anything that is not a plain file, directory or link; cap the size against tar bombs.
    constexpr qint64 MaxTotal = 4ll << 30;
    constexpr int MaxEntries = 2'000'000;
    archive *in = archive_read_new();
    archive_read_support_format_tar(in);
    archive_read_support_format_gnutar(in);
    archive_read_support_filter_all(in);
    if (archive_read_open_filename(in, QFile::encodeName(archivePath).constData(), 1 << 16) != ARCHIVE_OK) {
        *error = QStringLiteral("cannot read %1: %2").arg(archivePath, QString::fromLocal8Bit(archive_error_string(in)));
        archive_read_free(in);
        return false;
    }
    archive *out = archive_write_disk_new();
    // Absolute names are refused below, before we prefix the destination (which is absolute).
    archive_write_disk_set_options(out, ARCHIVE_EXTRACT_SECURE_NODOTDOT | ARCHIVE_EXTRACT_SECURE_SYMLINKS
                                            | ARCHIVE_EXTRACT_NO_OVERWRITE);
    const QByteArray base = QFile::encodeName(QDir(dir).absolutePath()) + '/';
    bool ok = true;
    qint64 total = 0;
    int count = 0;
    archive_entry *e;
    int rc;
    while ((rc = archive_read_next_header(in, &e)) == ARCHIVE_OK) {
        if (++count > MaxEntries) {
            *error = QStringLiteral("%1 has more than %2 entries").arg(archivePath).arg(MaxEntries);
            ok = false;
            break;
        }
        const QByteArray name = archive_entry_pathname(e);
        const mode_t type = archive_entry_filetype(e);
        if (name.startsWith('/') || name.contains("../") || name == ".." || name.endsWith("/..")) {
            *error = QStringLiteral("%1: unsafe path \"%2\" refused").arg(archivePath, QString::fromLocal8Bit(name));
            ok = false;
            break;
        }
        if (type != AE_IFREG && type != AE_IFDIR && type != AE_IFLNK)
            continue;
        total += archive_entry_size(e);
        if (total > MaxTotal) {
            *error = QStringLiteral("%1 unpacks to more than 4 GiB").arg(archivePath);
            ok = false;
            break;
        }
        const QByteArray full = base + name;
        archive_entry_set_pathname(e, full.constData());
        archive_entry_set_perm(e, type == AE_IFDIR ? 0755 : 0644);
        if (archive_write_header(out, e) != ARCHIVE_OK) {
            *error = QStringLiteral("%1: %2").arg(archivePath, QString::fromLocal8Bit(archive_error_string(out)));
            ok = false;
            break;
        }
        if (type == AE_IFREG) {
            const void *buf;
            size_t size;
            la_int64_t offset;
            int r;
            while ((r = archive_read_data_block(in, &buf, &size, &offset)) == ARCHIVE_OK)
                if (archive_write_data_block(out, buf, size, offset) != ARCHIVE_OK) {
                    r = ARCHIVE_FATAL;
                    break;
                }
            if (r != ARCHIVE_EOF) {
                *error = QStringLiteral("%1: truncated or corrupt").arg(archivePath);
                ok = false;
                break;
            }
        }
        archive_write_finish_entry(out);
    }
    if (ok && rc != ARCHIVE_EOF) {
        *error = QStringLiteral("%1: %2").arg(archivePath, QString::fromLocal8Bit(archive_error_string(in)));
        ok = false;
    }
    archive_write_free(out);
    archive_read_free(in);
    return ok;
}

} // namespace devtopo
