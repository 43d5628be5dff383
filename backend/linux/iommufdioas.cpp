#include "iommufdioas.h"
#include "syscallerror.h"

#include "procstatus.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>

#include <linux/iommufd.h>
#include <linux/vfio.h>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <vector>

using namespace Qt::StringLiterals;

namespace devtopo::linuxhost {

namespace {

QByteArray readFile(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

QString kernelRelease(const QString &root)
{
    const QByteArray rel = readFile(root + u"/proc/sys/kernel/osrelease"_s).trimmed();
    if (!rel.isEmpty())
        return QString::fromLatin1(rel);
    utsname u{};
    ::uname(&u);
    return QString::fromLatin1(u.release);
}

bool listsIommufd(const QByteArray &moduleList)
{
    return moduleList.contains("/iommufd.ko");
}

// Why /dev/iommu is missing, as far as the kernel's config or module lists tell.
QString missingDevIommuReason(const QString &root)
{
    const QString rel = kernelRelease(root);
    const QByteArray config = readFile(root + u"/boot/config-"_s + rel);
    if (config.contains("# CONFIG_IOMMUFD is not set"))
        return u"no /dev/iommu on this kernel (CONFIG_IOMMUFD not set)"_s;
    if (config.contains("CONFIG_IOMMUFD=m"))
        return u"no /dev/iommu: CONFIG_IOMMUFD=m and the iommufd module is not loaded (modprobe iommufd)"_s;
    if (config.contains("CONFIG_IOMMUFD=y"))
        return u"no /dev/iommu although CONFIG_IOMMUFD=y (is devtmpfs mounted on /dev?)"_s;
    // No config file (an initramfs, a container): the kernel's own module lists. modules.order
    // names every modular driver, modules.builtin every built-in one.
    const QString modDir = root + u"/lib/modules/"_s + rel;
    const QByteArray builtin = readFile(modDir + u"/modules.builtin"_s);
    const QByteArray order = readFile(modDir + u"/modules.order"_s);
    const QByteArray dep = readFile(modDir + u"/modules.dep"_s);
    if (listsIommufd(order) || listsIommufd(dep))
        return u"no /dev/iommu: the iommufd module is not loaded (modprobe iommufd)"_s;
    if (listsIommufd(builtin))
        return u"no /dev/iommu although iommufd is built in (is devtmpfs mounted on /dev?)"_s;
    if (!builtin.isEmpty() && !order.isEmpty())
        return u"no /dev/iommu on this kernel (CONFIG_IOMMUFD not set)"_s;
    return u"no /dev/iommu on this kernel (CONFIG_IOMMUFD not set, or the iommufd module not loaded)"_s;
}

bool isPciName(const QString &member)
{
    return member.count(u':') == 2 && member.contains(u'.');
}

} // namespace

QStringList IommufdIoas::memberCdevs(const IommufdPaths &paths, const QStringList &members, QStringList *boundMembers)
{
    QStringList cdevs;
    for (const QString &m : members) {
        const QString bus = isPciName(m) ? u"pci"_s : u"mdev"_s;
        const QString dev = QDir::cleanPath(paths.root + u"/sys/bus/"_s + bus + u"/devices/"_s + m);
        const QString driver = QFileInfo(QFileInfo(dev + u"/driver"_s).symLinkTarget()).fileName();
        // Only a member VFIO drives has a cdev; bridges on pcieport and unbound members do not
        // need one, and a member on a host driver makes the bind fail (the group is not viable).
        const QStringList vfioDev = QDir(dev + u"/vfio-dev"_s).entryList({u"vfio*"_s}, QDir::AllEntries | QDir::NoDotAndDotDot | QDir::System);
        if (!vfioDev.isEmpty()) {
            cdevs << vfioDev.first();
            if (boundMembers)
                *boundMembers << m;
        } else if (driver.startsWith(u"vfio"_s) || driver.endsWith(u"_vfio_pci"_s) || driver.endsWith(u"-vfio-pci"_s)) {
            cdevs << QString(); // VFIO drives it but there is no cdev: CONFIG_VFIO_DEVICE_CDEV is off
            if (boundMembers)
                *boundMembers << m;
        }
    }
    return cdevs;
}

int IommufdIoas::available(const IommufdPaths &paths, int group, const QStringList &members, QString *why)
{
    const QByteArray dev = QFile::encodeName(paths.iommuDev);
    if (::access(dev.constData(), F_OK) != 0) {
        *why = missingDevIommuReason(paths.root);
        return ENOENT;
    }
    const int fd = ::open(dev.constData(), O_RDWR | O_CLOEXEC);
    if (fd < 0)
        return fail(why, u"open %1"_s.arg(paths.iommuDev));
    ::close(fd);
    QStringList bound;
    const QStringList cdevs = memberCdevs(paths, members, &bound);
    if (cdevs.isEmpty()) {
        *why = u"no member of IOMMU group %1 is bound to a VFIO driver, so it has no vfio cdev"_s.arg(group);
        return ENOENT;
    }
    for (qsizetype i = 0; i < cdevs.size(); ++i) {
        if (cdevs[i].isEmpty()) {
            *why = u"%1 is on VFIO but has no vfio-dev/vfioN (CONFIG_VFIO_DEVICE_CDEV not set)"_s.arg(bound[i]);
            return ENOENT;
        }
        const QString node = paths.cdevDir + u'/' + cdevs[i];
        if (!QFileInfo::exists(node)) {
            *why = u"%1 has %2 in sysfs but no %3"_s.arg(bound[i], cdevs[i], node);
            return ENOENT;
        }
    }
    return 0;
}

IommufdIoas::~IommufdIoas()
{
    if (m_dirty && m_hwptId) {
        iommu_hwpt_set_dirty_tracking off{};
        off.size = sizeof(off);
        off.hwpt_id = m_hwptId;
        ::ioctl(m_iommufd, IOMMU_HWPT_SET_DIRTY_TRACKING, &off);
    }
    // Devices off the page table first, then the objects, then the fds; the buffers go last,
    // once nothing can DMA into them.
    for (const Device &d : std::as_const(m_devices)) {
        if (d.attached) {
            vfio_device_detach_iommufd_pt detach{};
            detach.argsz = sizeof(detach);
            ::ioctl(d.fd, VFIO_DEVICE_DETACH_IOMMUFD_PT, &detach);
        }
    }
    if (m_hwptId)
        destroyObject(m_hwptId);
    if (m_ioasId)
        destroyObject(m_ioasId); // unmaps and unpins whatever is still mapped
    for (const Device &d : std::as_const(m_devices)) {
        if (d.fd >= 0)
            ::close(d.fd); // unbinds the device from the iommufd
    }
    if (m_iommufd >= 0)
        ::close(m_iommufd);
    for (const Buffer &b : std::as_const(m_buffers))
        ::munmap(b.mem, b.size);
}

int IommufdIoas::destroyObject(quint32 id) const
{
    iommu_destroy d{};
    d.size = sizeof(d);
    d.id = id;
    return ::ioctl(m_iommufd, IOMMU_DESTROY, &d) == 0 ? 0 : errno;
}

QStringList IommufdIoas::devices() const
{
    QStringList out;
    for (const Device &d : m_devices)
        out << d.member;
    return out;
}

std::unique_ptr<IommufdIoas> IommufdIoas::open(const IommufdPaths &paths, int group, const QStringList &members,
                                               int *err, QString *why)
{
    if (const int e = available(paths, group, members, why)) {
        *err = e;
        return nullptr;
    }
    std::unique_ptr<IommufdIoas> s(new IommufdIoas);
    s->m_group = group;
    // On failure `s` is destroyed on return: its destructor undoes every step taken so far.
    auto bad = [&](const QString &what) {
        *err = fail(why, what);
        return nullptr;
    };
    s->m_iommufd = ::open(QFile::encodeName(paths.iommuDev).constData(), O_RDWR | O_CLOEXEC);
    if (s->m_iommufd < 0)
        return bad(u"open %1"_s.arg(paths.iommuDev));

    QStringList bound;
    const QStringList cdevs = memberCdevs(paths, members, &bound);
    for (qsizetype i = 0; i < cdevs.size(); ++i) {
        Device d;
        d.member = bound[i];
        d.cdev = cdevs[i];
        const QString node = paths.cdevDir + u'/' + d.cdev;
        d.fd = ::open(QFile::encodeName(node).constData(), O_RDWR | O_CLOEXEC);
        if (d.fd < 0)
            return bad(u"open %1 (%2)"_s.arg(node, d.member));
        s->m_devices.append(d);
        vfio_device_bind_iommufd bind{};
        bind.argsz = sizeof(bind);
        bind.iommufd = s->m_iommufd;
        if (::ioctl(d.fd, VFIO_DEVICE_BIND_IOMMUFD, &bind) != 0) {
            const bool perm = errno == EPERM;
            return bad(perm ? u"VFIO_DEVICE_BIND_IOMMUFD %1: group %2 is not viable (a member is on a host driver; bind every device in the group to vfio-pci)"_s.arg(d.member).arg(group)
                            : u"VFIO_DEVICE_BIND_IOMMUFD %1"_s.arg(d.member));
        }
        s->m_devices.last().devId = bind.out_devid;
    }

    iommu_ioas_alloc alloc{};
    alloc.size = sizeof(alloc);
    if (::ioctl(s->m_iommufd, IOMMU_IOAS_ALLOC, &alloc) != 0)
        return bad(u"IOMMU_IOAS_ALLOC"_s);
    s->m_ioasId = alloc.out_ioas_id;

    // Hardware dirty tracking only when every device's IOMMU can do it: a HWPT allocated with
    // DIRTY_TRACKING refuses (EINVAL) to attach a device whose IOMMU cannot.
    bool dirty = true;
    for (const Device &d : std::as_const(s->m_devices)) {
        iommu_hw_info hw{};
        hw.size = sizeof(hw);
        hw.dev_id = d.devId;
        if (::ioctl(s->m_iommufd, IOMMU_GET_HW_INFO, &hw) != 0)
            return bad(u"IOMMU_GET_HW_INFO %1"_s.arg(d.member));
        dirty = dirty && (hw.out_capabilities & IOMMU_HW_CAP_DIRTY_TRACKING);
    }
    if (dirty && !s->m_devices.isEmpty()) {
        iommu_hwpt_alloc hwpt{};
        hwpt.size = sizeof(hwpt);
        hwpt.flags = IOMMU_HWPT_ALLOC_DIRTY_TRACKING;
        hwpt.dev_id = s->m_devices.first().devId;
        hwpt.pt_id = s->m_ioasId;
        if (::ioctl(s->m_iommufd, IOMMU_HWPT_ALLOC, &hwpt) != 0)
            return bad(u"IOMMU_HWPT_ALLOC(IOMMU_HWPT_ALLOC_DIRTY_TRACKING) on IOAS %1"_s.arg(s->m_ioasId));
        s->m_hwptId = hwpt.out_hwpt_id;
    }
    for (Device &d : s->m_devices) {
        vfio_device_attach_iommufd_pt attach{};
        attach.argsz = sizeof(attach);
        attach.pt_id = s->m_hwptId ? s->m_hwptId : s->m_ioasId;
        if (::ioctl(d.fd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &attach) != 0)
            return bad(u"VFIO_DEVICE_ATTACH_IOMMUFD_PT %1 to %2 %3"_s.arg(d.member, s->m_hwptId ? u"HWPT"_s : u"IOAS"_s)
                           .arg(attach.pt_id));
        d.attached = true;
    }
    *err = 0;
    return s;
}

int IommufdIoas::info(host::VfioGroupInfo *out, QString *why) const
{
    *out = {};
    out->group = m_group;
    out->backend = host::DmaBackend::Iommufd;
    out->ioasId = m_ioasId;
    out->hwptId = m_hwptId;
    out->devices = devices();
    std::vector<iommu_iova_range> ranges(8);
    iommu_ioas_iova_ranges q{};
    for (int attempt = 0; attempt < 4; ++attempt) {
        q = {};
        q.size = sizeof(q);
        q.ioas_id = m_ioasId;
        q.num_iovas = quint32(ranges.size());
        q.allowed_iovas = reinterpret_cast<quint64>(ranges.data());
        if (::ioctl(m_iommufd, IOMMU_IOAS_IOVA_RANGES, &q) == 0)
            break;
        if (errno != EMSGSIZE || attempt == 3)
            return fail(why, u"IOMMU_IOAS_IOVA_RANGES of IOAS %1"_s.arg(m_ioasId));
        ranges.resize(q.num_iovas);
    }
    for (quint32 i = 0; i < q.num_iovas && i < ranges.size(); ++i)
        out->iovaRanges.append({ranges[i].start, ranges[i].last});
    out->pageSizes = q.out_iova_alignment; // iommufd has no page-size bitmap, only this alignment
    out->dmaAvail = -1; // no dma_entry_limit on iommufd
    for (const Buffer &b : m_buffers) {
        out->mappings.append({b.iova, b.size, b.huge});
        out->lockedBytes += b.size; // charged to the user, not to VmLck
    }
    out->memlockLimit = memlockLimit();
    out->memlockBypassed = processHasCapIpcLock();
    out->dirtyTrackingSupported = m_hwptId != 0;
    out->dirtyTracking = m_dirty;
    return 0;
}

int IommufdIoas::mapDma(quint64 iova, quint64 size, bool hugePages, QString *why)
{
    int err = 0;
    void *mem = mapDmaBuffer(size, hugePages, why, &err);
    if (!mem)
        return err;
    iommu_ioas_map map{};
    map.size = sizeof(map);
    map.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE;
    map.ioas_id = m_ioasId;
    map.user_va = reinterpret_cast<quint64>(mem);
    map.length = size;
    map.iova = iova;
    if (::ioctl(m_iommufd, IOMMU_IOAS_MAP, &map) != 0) {
        err = fail(why, u"IOMMU_IOAS_MAP [%1, +%2)"_s.arg(hex(iova), hex(size)));
        ::munmap(mem, size);
        return err;
    }
    m_buffers.append({iova, size, mem, hugePages});
    return 0;
}

int IommufdIoas::unmapDma(quint64 iova, quint64 size, quint64 *unmapped, QString *why)
{
    iommu_ioas_unmap unmap{};
    unmap.size = sizeof(unmap);
    unmap.ioas_id = m_ioasId;
    unmap.iova = iova;
    unmap.length = size;
    const int rc = ::ioctl(m_iommufd, IOMMU_IOAS_UNMAP, &unmap);
    const int err = rc != 0 ? fail(why, u"IOMMU_IOAS_UNMAP [%1, +%2)"_s.arg(hex(iova), hex(size))) : 0;
    if (unmapped)
        *unmapped = rc == 0 ? unmap.length : 0;
    if (rc != 0)
        return err;
    // Whole areas only (a split is ENOENT), so free the buffers inside the range.
    m_buffers.removeIf([&](const Buffer &b) {
        if (b.iova < iova || b.iova + b.size > iova + size)
            return false;
        ::munmap(b.mem, b.size);
        return true;
    });
    return 0;
}

int IommufdIoas::setDirtyTracking(bool on, QString *why)
{
    if (!m_hwptId) {
        errno = EOPNOTSUPP;
        return fail(why, u"IOMMU_HWPT_SET_DIRTY_TRACKING: this IOMMU cannot track dirty pages (no HWPT allocated with IOMMU_HWPT_ALLOC_DIRTY_TRACKING)"_s);
    }
    iommu_hwpt_set_dirty_tracking req{};
    req.size = sizeof(req);
    req.flags = on ? IOMMU_HWPT_DIRTY_TRACKING_ENABLE : 0;
    req.hwpt_id = m_hwptId;
    if (::ioctl(m_iommufd, IOMMU_HWPT_SET_DIRTY_TRACKING, &req) != 0)
        return fail(why, u"IOMMU_HWPT_SET_DIRTY_TRACKING %1 on HWPT %2"_s.arg(on ? u"enable"_s : u"disable"_s).arg(m_hwptId));
    m_dirty = on;
    return 0;
}

int IommufdIoas::dirtyBitmap(quint64 iova, quint64 size, quint64 pageSize, QByteArray *bits, QString *why)
{
    if (!m_hwptId) {
        errno = EOPNOTSUPP;
        return fail(why, u"IOMMU_HWPT_GET_DIRTY_BITMAP: this IOMMU cannot track dirty pages"_s);
    }
    const quint64 pages = size / pageSize;
    QByteArray data(qsizetype((pages + 63) / 64 * 8), '\0');
    iommu_hwpt_get_dirty_bitmap req{};
    req.size = sizeof(req);
    req.hwpt_id = m_hwptId;
    req.iova = iova;
    req.length = size;
    req.page_size = pageSize;
    req.data = reinterpret_cast<quint64>(data.data());
    if (::ioctl(m_iommufd, IOMMU_HWPT_GET_DIRTY_BITMAP, &req) != 0)
        return fail(why, u"IOMMU_HWPT_GET_DIRTY_BITMAP [%1, +%2) page %3"_s.arg(hex(iova), hex(size), hex(pageSize)));
    if (bits)
        *bits = data;
    return 0;
}

} // namespace devtopo::linuxhost
