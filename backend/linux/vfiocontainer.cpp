#include "vfiocontainer.h"
#include "syscallerror.h"

#include "procstatus.h"

#include <QFile>

#include <linux/vfio.h>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include <vector>

using namespace Qt::StringLiterals;

namespace devtopo::linuxhost {

namespace {

QByteArray uuidBytes(const QUuid &u)
{
    return u.toRfc4122(); // the kernel's uuid_t byte order
}

} // namespace

VfioContainer::~VfioContainer()
{
    if (m_dirty && m_containerFd >= 0) {
        vfio_iommu_type1_dirty_bitmap stop{};
        stop.argsz = sizeof(stop);
        stop.flags = VFIO_IOMMU_DIRTY_PAGES_FLAG_STOP;
        ::ioctl(m_containerFd, VFIO_IOMMU_DIRTY_PAGES, &stop);
    }
    // Closing the container unmaps and unpins everything; then the buffers can go.
    if (m_groupFd >= 0)
        ::close(m_groupFd);
    if (m_containerFd >= 0)
        ::close(m_containerFd);
    for (const Buffer &b : std::as_const(m_buffers))
        ::munmap(b.mem, b.size);
}

std::unique_ptr<VfioContainer> VfioContainer::open(const QString &vfioDir, int group, int *err, QString *why)
{
    std::unique_ptr<VfioContainer> c(new VfioContainer);
    c->m_group = group;
    auto bad = [&](const QString &what) {
        *err = fail(why, what);
        return nullptr;
    };
    const QByteArray containerPath = QFile::encodeName(vfioDir + u"/vfio"_s);
    c->m_containerFd = ::open(containerPath.constData(), O_RDWR | O_CLOEXEC);
    if (c->m_containerFd < 0)
        return bad(u"open %1"_s.arg(QString::fromLocal8Bit(containerPath)));
    if (::ioctl(c->m_containerFd, VFIO_GET_API_VERSION) != VFIO_API_VERSION) {
        errno = EINVAL;
        return bad(u"VFIO_GET_API_VERSION"_s);
    }
    if (::ioctl(c->m_containerFd, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU) <= 0) {
        errno = ENOTTY;
        return bad(u"VFIO_CHECK_EXTENSION(VFIO_TYPE1v2_IOMMU)"_s);
    }
    const QByteArray groupPath = QFile::encodeName(vfioDir + u'/' + QString::number(group));
    c->m_groupFd = ::open(groupPath.constData(), O_RDWR | O_CLOEXEC);
    if (c->m_groupFd < 0)
        return bad(u"open %1 (is a device of group %2 bound to vfio-pci?)"_s.arg(QString::fromLocal8Bit(groupPath)).arg(group));
    vfio_group_status status{};
    status.argsz = sizeof(status);
    if (::ioctl(c->m_groupFd, VFIO_GROUP_GET_STATUS, &status) != 0)
        return bad(u"VFIO_GROUP_GET_STATUS"_s);
    if (::ioctl(c->m_groupFd, VFIO_GROUP_SET_CONTAINER, &c->m_containerFd) != 0) {
        const bool viable = status.flags & VFIO_GROUP_FLAGS_VIABLE;
        return bad(viable ? u"VFIO_GROUP_SET_CONTAINER"_s
                          : u"VFIO_GROUP_SET_CONTAINER: group %1 is not viable (bind every device in it to vfio-pci)"_s.arg(group));
    }
    if (::ioctl(c->m_containerFd, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU) != 0)
        return bad(u"VFIO_SET_IOMMU(VFIO_TYPE1v2_IOMMU)"_s);
    *err = 0;
    return c;
}

int VfioContainer::info(host::VfioGroupInfo *out, QString *why) const
{
    std::vector<quint64> storage(8, 0);
    auto *info = reinterpret_cast<vfio_iommu_type1_info *>(storage.data());
    info->argsz = sizeof(vfio_iommu_type1_info);
    for (int attempt = 0; attempt < 4; ++attempt) {
        const quint32 have = quint32(storage.size() * sizeof(quint64));
        if (::ioctl(m_containerFd, VFIO_IOMMU_GET_INFO, info) != 0)
            return fail(why, u"VFIO_IOMMU_GET_INFO"_s);
        if (info->argsz <= have)
            break;
        const quint32 need = info->argsz;
        storage.assign(need / sizeof(quint64) + 1, 0);
        info = reinterpret_cast<vfio_iommu_type1_info *>(storage.data());
        info->argsz = need;
    }
    *out = {};
    out->group = m_group;
    out->pageSizes = (info->flags & VFIO_IOMMU_INFO_PGSIZES) ? info->iova_pgsizes : 0;
    const auto *base = reinterpret_cast<const char *>(info);
    const quint32 total = info->argsz;
    quint32 off = (info->flags & VFIO_IOMMU_INFO_CAPS) ? info->cap_offset : 0;
    for (int guard = 0; off && off + sizeof(vfio_info_cap_header) <= total && guard < 64; ++guard) {
        const auto *hdr = reinterpret_cast<const vfio_info_cap_header *>(base + off);
        if (hdr->id == VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE) {
            const auto *cap = reinterpret_cast<const vfio_iommu_type1_info_cap_iova_range *>(hdr);
            for (quint32 i = 0; i < cap->nr_iovas; ++i) {
                if (off + sizeof(*cap) + (i + 1) * sizeof(vfio_iova_range) > total)
                    break;
                out->iovaRanges.append({cap->iova_ranges[i].start, cap->iova_ranges[i].end});
            }
        } else if (hdr->id == VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL) {
            out->dmaAvail = int(reinterpret_cast<const vfio_iommu_type1_info_dma_avail *>(hdr)->avail);
        } else if (hdr->id == VFIO_IOMMU_TYPE1_INFO_CAP_MIGRATION) {
            out->dirtyTrackingSupported = true;
        }
        off = hdr->next;
    }
    out->lockedBytes = processLockedBytes();
    out->memlockLimit = memlockLimit();
    out->memlockBypassed = processHasCapIpcLock();
    out->dirtyTracking = m_dirty;
    for (const Buffer &b : m_buffers)
        out->mappings.append({b.iova, b.size, b.huge});
    return 0;
}

int VfioContainer::mapDma(quint64 iova, quint64 size, bool hugePages, QString *why)
{
    int err = 0;
    void *mem = mapDmaBuffer(size, hugePages, why, &err);
    if (!mem)
        return err;
    vfio_iommu_type1_dma_map map{};
    map.argsz = sizeof(map);
    map.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE;
    map.vaddr = reinterpret_cast<quint64>(mem);
    map.iova = iova;
    map.size = size;
    if (::ioctl(m_containerFd, VFIO_IOMMU_MAP_DMA, &map) != 0) {
        err = fail(why, u"VFIO_IOMMU_MAP_DMA [%1, +%2)"_s.arg(hex(iova), hex(size)));
        ::munmap(mem, size);
        return err;
    }
    m_buffers.append({iova, size, mem, hugePages});
    return 0;
}

int VfioContainer::unmapDma(quint64 iova, quint64 size, quint64 *unmapped, QString *why)
{
    vfio_iommu_type1_dma_unmap unmap{};
    unmap.argsz = sizeof(unmap);
    unmap.iova = iova;
    unmap.size = size;
    if (::ioctl(m_containerFd, VFIO_IOMMU_UNMAP_DMA, &unmap) != 0)
        return fail(why, u"VFIO_IOMMU_UNMAP_DMA [%1, +%2)"_s.arg(hex(iova), hex(size)));
    if (unmapped)
        *unmapped = unmap.size;
    // The kernel unmaps whole mappings only (type1v2 refuses to split), so free those inside.
    m_buffers.removeIf([&](const Buffer &b) {
        if (b.iova < iova || b.iova + b.size > iova + size)
            return false;
        ::munmap(b.mem, b.size);
        return true;
    });
    return 0;
}

int VfioContainer::setDirtyTracking(bool on, QString *why)
{
    vfio_iommu_type1_dirty_bitmap req{};
    req.argsz = sizeof(req);
    req.flags = on ? VFIO_IOMMU_DIRTY_PAGES_FLAG_START : VFIO_IOMMU_DIRTY_PAGES_FLAG_STOP;
    if (::ioctl(m_containerFd, VFIO_IOMMU_DIRTY_PAGES, &req) != 0)
        return fail(why, on ? u"VFIO_IOMMU_DIRTY_PAGES start"_s : u"VFIO_IOMMU_DIRTY_PAGES stop"_s);
    m_dirty = on;
    return 0;
}

int VfioContainer::dirtyBitmap(quint64 iova, quint64 size, quint64 pageSize, QByteArray *bits, QString *why)
{
    const quint64 pages = size / pageSize;
    QByteArray data(qsizetype((pages + 63) / 64 * 8), '\0'); // the caller must zero it
    std::vector<quint64> storage((sizeof(vfio_iommu_type1_dirty_bitmap) + sizeof(vfio_iommu_type1_dirty_bitmap_get)) / 8 + 1, 0);
    auto *req = reinterpret_cast<vfio_iommu_type1_dirty_bitmap *>(storage.data());
    req->argsz = sizeof(vfio_iommu_type1_dirty_bitmap) + sizeof(vfio_iommu_type1_dirty_bitmap_get);
    req->flags = VFIO_IOMMU_DIRTY_PAGES_FLAG_GET_BITMAP;
    auto *get = reinterpret_cast<vfio_iommu_type1_dirty_bitmap_get *>(req->data);
    get->iova = iova;
    get->size = size;
    get->bitmap.pgsize = pageSize;
    get->bitmap.size = quint64(data.size());
    get->bitmap.data = reinterpret_cast<__u64 *>(data.data());
    if (::ioctl(m_containerFd, VFIO_IOMMU_DIRTY_PAGES, req) != 0)
        return fail(why, u"VFIO_IOMMU_DIRTY_PAGES get bitmap [%1, +%2)"_s.arg(hex(iova), hex(size)));
    if (bits)
        *bits = data;
    return 0;
}

int VfioContainer::openDevice(const QString &pciName, const QUuid &token, QString *why, int *keepFd)
{
    QByteArray name = pciName.toLatin1();
    if (!token.isNull())
        name += " vf_token=" + token.toString(QUuid::WithoutBraces).toLatin1();
    const int fd = ::ioctl(m_groupFd, VFIO_GROUP_GET_DEVICE_FD, name.constData());
    if (fd < 0) {
        const int err = errno;
        const QString what = u"VFIO_GROUP_GET_DEVICE_FD \"%1\""_s.arg(QString::fromLatin1(name));
        errno = err;
        if (err == EACCES && why) {
            *why = what + (token.isNull() ? u": EACCES: VF token required to access device (its PF is on vfio-pci)"_s
                                          : u": EACCES: incorrect VF token for device"_s);
            return err;
        }
        return fail(why, what);
    }
    if (keepFd)
        *keepFd = fd;
    else
        ::close(fd);
    return 0;
}

int VfioContainer::setVfToken(const QString &pfName, const QUuid &token, QString *why)
{
    int fd = -1;
    if (const int err = openDevice(pfName, {}, why, &fd))
        return err;
    std::vector<quint64> storage((sizeof(vfio_device_feature) + 16) / 8 + 1, 0);
    auto *feature = reinterpret_cast<vfio_device_feature *>(storage.data());
    feature->argsz = sizeof(vfio_device_feature) + 16;
    feature->flags = VFIO_DEVICE_FEATURE_SET | VFIO_DEVICE_FEATURE_PCI_VF_TOKEN;
    const QByteArray bytes = uuidBytes(token);
    std::memcpy(feature->data, bytes.constData(), 16);
    const int rc = ::ioctl(fd, VFIO_DEVICE_FEATURE, feature);
    const int err = rc != 0 ? fail(why, u"VFIO_DEVICE_FEATURE SET PCI_VF_TOKEN on %1"_s.arg(pfName)) : 0;
    ::close(fd);
    return err;
}

} // namespace devtopo::linuxhost
