#include "vfioprobe.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>

#include <linux/vfio.h>

#include <cerrno>
#include <cstring>
#include <algorithm>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <vector>

namespace devtopo::linuxhost {

namespace {

// Closes the fd on every path out of probeVfioGroup().
class Fd
{
public:
    explicit Fd(int fd = -1) : m_fd(fd) { }
    ~Fd()
    {
        if (m_fd >= 0)
            ::close(m_fd);
    }
    Fd(const Fd &) = delete;
    Fd &operator=(const Fd &) = delete;
    int get() const { return m_fd; }
    bool valid() const { return m_fd >= 0; }

private:
    int m_fd;
};

QString hex(quint64 v)
{
    return QStringLiteral("0x") + QString::number(v, 16);
}

QString errnoText(const char *step, int err)
{
    return QString::fromLatin1(step) + QStringLiteral(": ") + QString::fromLocal8Bit(std::strerror(err));
}

// VFIO_IOMMU_GET_INFO, growing the buffer when the kernel asks for more (it sets argsz to the size
// it needs and does not fail), then walking the capability chain.
void readIommuInfo(int container, VfioGroupProbe &p)
{
    std::vector<quint64> storage(sizeof(vfio_iommu_type1_info) / sizeof(quint64) + 1, 0);
    auto *info = reinterpret_cast<vfio_iommu_type1_info *>(storage.data());
    info->argsz = sizeof(vfio_iommu_type1_info);
    for (int attempt = 0; attempt < 4; ++attempt) {
        const quint32 have = quint32(storage.size() * sizeof(quint64));
        if (::ioctl(container, VFIO_IOMMU_GET_INFO, info) != 0) {
            p.getInfoErrno = errno;
            p.error = errnoText("VFIO_IOMMU_GET_INFO", errno);
            return;
        }
        if (info->argsz <= have)
            break;
        // The kernel needs a bigger buffer for the capabilities: retry with what it asked for.
        const quint32 want = info->argsz;
        storage.assign(want / sizeof(quint64) + 1, 0);
        info = reinterpret_cast<vfio_iommu_type1_info *>(storage.data());
        info->argsz = want;
    }
    p.getInfoErrno = 0;
    p.infoFlags = info->flags;
    if (info->flags & VFIO_IOMMU_INFO_PGSIZES)
        p.iovaPgsizes = info->iova_pgsizes;
    if (!(info->flags & VFIO_IOMMU_INFO_CAPS) || info->cap_offset == 0)
        return;

    const auto *base = reinterpret_cast<const char *>(storage.data());
    const quint32 size = std::min<quint32>(info->argsz, quint32(storage.size() * sizeof(quint64)));
    quint32 offset = info->cap_offset;
    // Bounded walk: a malformed chain (loop, offset out of range) must not hang or overrun.
    for (int hops = 0; offset != 0 && hops < 64; ++hops) {
        if (offset < sizeof(vfio_iommu_type1_info) || offset + sizeof(vfio_info_cap_header) > size) {
            p.error = QStringLiteral("VFIO_IOMMU_GET_INFO: capability offset out of range");
            return;
        }
        vfio_info_cap_header header;
        std::memcpy(&header, base + offset, sizeof(header));
        if (header.id == VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE
            && offset + sizeof(vfio_iommu_type1_info_cap_iova_range) <= size) {
            vfio_iommu_type1_info_cap_iova_range cap;
            std::memcpy(&cap, base + offset, sizeof(cap));
            p.hasIovaRangeCap = true;
            const quint32 first = offset + quint32(sizeof(cap));
            for (quint32 i = 0; i < cap.nr_iovas && first + (i + 1) * sizeof(vfio_iova_range) <= size; ++i) {
                vfio_iova_range r;
                std::memcpy(&r, base + first + i * sizeof(vfio_iova_range), sizeof(r));
                p.iovaRanges.append({r.start, r.end});
            }
        } else if (header.id == VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL
                   && offset + sizeof(vfio_iommu_type1_info_dma_avail) <= size) {
            vfio_iommu_type1_info_dma_avail cap;
            std::memcpy(&cap, base + offset, sizeof(cap));
            p.dmaAvail = int(cap.avail);
        } else if (header.id == VFIO_IOMMU_TYPE1_INFO_CAP_MIGRATION) {
            p.hasMigrationCap = true;
        }
        if (header.next != 0 && header.next <= offset) {
            p.error = QStringLiteral("VFIO_IOMMU_GET_INFO: capability chain goes backwards");
            return;
        }
        offset = header.next;
    }
}

} // namespace

bool VfioGroupProbe::viable() const
{
    return statusFlags & VFIO_GROUP_FLAGS_VIABLE;
}

bool VfioGroupProbe::containerSet() const
{
    return statusFlags & VFIO_GROUP_FLAGS_CONTAINER_SET;
}

VfioGroupProbe probeVfioGroup(int group, const QString &vfioDir)
{
    VfioGroupProbe p;
    p.group = group;
    p.groupPath = vfioDir + QLatin1Char('/') + QString::number(group);

    const QByteArray containerPath = QFile::encodeName(vfioDir + QStringLiteral("/vfio"));
    Fd container(::open(containerPath.constData(), O_RDWR | O_CLOEXEC));
    if (!container.valid()) {
        p.openContainerErrno = errno;
        p.error = errnoText("open /dev/vfio/vfio", errno);
        return p;
    }
    p.openContainerErrno = 0;
    p.apiVersion = ::ioctl(container.get(), VFIO_GET_API_VERSION);
    p.type1v2Supported = ::ioctl(container.get(), VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU) > 0;

    const QByteArray groupPath = QFile::encodeName(p.groupPath);
    Fd groupFd(::open(groupPath.constData(), O_RDWR | O_CLOEXEC));
    if (!groupFd.valid()) {
        p.openGroupErrno = errno;
        p.error = errnoText("open group", errno);
        return p;
    }
    p.openGroupErrno = 0;

    vfio_group_status status{};
    status.argsz = sizeof(status);
    if (::ioctl(groupFd.get(), VFIO_GROUP_GET_STATUS, &status) != 0) {
        p.getStatusErrno = errno;
        p.error = errnoText("VFIO_GROUP_GET_STATUS", errno);
        return p;
    }
    p.getStatusErrno = 0;
    p.statusFlags = status.flags;

    // Tried even when the group is not viable: the kernel's refusal (EPERM) is part of the answer.
    int containerFd = container.get();
    if (::ioctl(groupFd.get(), VFIO_GROUP_SET_CONTAINER, &containerFd) != 0) {
        p.setContainerErrno = errno;
        p.error = errnoText("VFIO_GROUP_SET_CONTAINER", errno);
        return p;
    }
    p.setContainerErrno = 0;

    if (::ioctl(container.get(), VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU) != 0) {
        p.setIommuErrno = errno;
        p.error = errnoText("VFIO_SET_IOMMU(type1v2)", errno);
    } else {
        p.setIommuErrno = 0;
        readIommuInfo(container.get(), p);
    }
    // Detach explicitly so the group is free again even if the container fd lingers.
    ::ioctl(groupFd.get(), VFIO_GROUP_UNSET_CONTAINER);
    return p;
}

QList<int> vfioGroupNodes(const QString &vfioDir)
{
    QList<int> groups;
    const QStringList names = QDir(vfioDir).entryList(QDir::System | QDir::Files | QDir::NoDotAndDotDot, QDir::Name);
    for (const QString &name : names) {
        bool ok = false;
        const int g = name.toInt(&ok);
        if (ok && g >= 0)
            groups.append(g);
    }
    std::sort(groups.begin(), groups.end());
    return groups;
}

QJsonObject probeToJson(const VfioGroupProbe &p)
{
    QJsonObject o;
    o[QStringLiteral("group")] = p.group;
    o[QStringLiteral("path")] = p.groupPath;
    auto step = [&o](const char *name, int err) {
        if (err >= 0)
            o[QString::fromLatin1(name)] = err;
    };
    step("open_container_errno", p.openContainerErrno);
    step("open_group_errno", p.openGroupErrno);
    step("get_status_errno", p.getStatusErrno);
    step("set_container_errno", p.setContainerErrno);
    step("set_iommu_errno", p.setIommuErrno);
    step("get_info_errno", p.getInfoErrno);
    o[QStringLiteral("api_version")] = p.apiVersion;
    o[QStringLiteral("type1v2")] = p.type1v2Supported;
    if (p.getStatusErrno == 0) {
        o[QStringLiteral("status_flags")] = hex(p.statusFlags);
        o[QStringLiteral("viable")] = p.viable();
        o[QStringLiteral("container_set")] = p.containerSet();
    }
    o[QStringLiteral("attached")] = p.attached();
    if (p.getInfoErrno == 0) {
        o[QStringLiteral("info_flags")] = hex(p.infoFlags);
        o[QStringLiteral("iova_pgsizes")] = hex(p.iovaPgsizes);
        o[QStringLiteral("has_iova_range_cap")] = p.hasIovaRangeCap;
        QJsonArray ranges;
        for (const VfioIovaRange &r : p.iovaRanges)
            ranges.append(QJsonObject{{QStringLiteral("start"), hex(r.start)}, {QStringLiteral("end"), hex(r.end)}});
        o[QStringLiteral("iova_ranges")] = ranges;
        if (p.dmaAvail >= 0)
            o[QStringLiteral("dma_avail")] = p.dmaAvail;
        o[QStringLiteral("migration_cap")] = p.hasMigrationCap;
    }
    if (!p.error.isEmpty())
        o[QStringLiteral("error")] = p.error;
    return o;
}

} // namespace devtopo::linuxhost
