#pragma once

// One IOMMU group opened on iommufd for DMA work: /dev/iommu, every VFIO-bound member's cdev
// (/dev/vfio/devices/vfioN) bound with VFIO_DEVICE_BIND_IOMMUFD, an IOAS from IOMMU_IOAS_ALLOC,
// and, when IOMMU_GET_HW_INFO says every device's IOMMU has IOMMU_HW_CAP_DIRTY_TRACKING, a HWPT
// allocated from the IOAS with IOMMU_HWPT_ALLOC_DIRTY_TRACKING; the devices are attached to the
// HWPT (or to the IOAS, which makes the kernel create one). Real ioctls from <linux/iommufd.h>
// and <linux/vfio.h> (6.12 uAPI).
//
// Debian's kernels (bookworm 6.1, bookworm-backports 6.12 — the one the real-kernel test host
// boots) have "# CONFIG_IOMMUFD is not set": there is no /dev/iommu and no vfio cdev, so this
// path has only ever run against the kernel's documented behaviour, never on a Debian kernel.
// available() says so and LinuxHost falls back to VfioContainer (type1v2).
//
// Every call returns 0 or the errno the kernel gave, with a sentence in *why.

#include "vfiotypes.h"

#include <QList>
#include <QString>
#include <QStringList>

#include <memory>

namespace devtopo::linuxhost {

struct IommufdPaths
{
    QString root = QStringLiteral("/"); // where sys/ and boot/ are read
    QString iommuDev = QStringLiteral("/dev/iommu");
    QString cdevDir = QStringLiteral("/dev/vfio/devices");
};

class IommufdIoas
{
public:
    ~IommufdIoas();
    IommufdIoas(const IommufdIoas &) = delete;
    IommufdIoas &operator=(const IommufdIoas &) = delete;

    // The cdev names ("vfio3") of the group's members that VFIO drives, from
    // sys/bus/{pci,mdev}/devices/<member>/vfio-dev/vfioN; members is the group's
    // /sys/kernel/iommu_groups/N/devices listing.
    static QStringList memberCdevs(const IommufdPaths &paths, const QStringList &members, QStringList *boundMembers);
    // 0 when /dev/iommu opens and every VFIO-bound member has its cdev node; else ENOENT/EACCES/...
    // with why: "no /dev/iommu on this kernel (CONFIG_IOMMUFD not set)" and the like.
    static int available(const IommufdPaths &paths, int group, const QStringList &members, QString *why);

    // The whole sequence; on any failure everything already set up is undone (detach, destroy the
    // HWPT and the IOAS, close the cdevs, which unbinds them, and /dev/iommu) and nullptr returned.
    static std::unique_ptr<IommufdIoas> open(const IommufdPaths &paths, int group, const QStringList &members,
                                             int *err, QString *why);

    int group() const { return m_group; }
    quint32 ioasId() const { return m_ioasId; }
    quint32 hwptId() const { return m_hwptId; }
    QStringList devices() const;
    // IOMMU_IOAS_IOVA_RANGES (re-queried each time) + memlock figures + this handle's mappings.
    int info(host::VfioGroupInfo *info, QString *why) const;
    // Anonymous memory (MAP_HUGETLB with 2 MiB pages when asked) mapped read/write at a fixed IOVA.
    int mapDma(quint64 iova, quint64 size, bool hugePages, QString *why);
    int unmapDma(quint64 iova, quint64 size, quint64 *unmapped, QString *why);
    int setDirtyTracking(bool on, QString *why); // IOMMU_HWPT_SET_DIRTY_TRACKING
    int dirtyBitmap(quint64 iova, quint64 size, quint64 pageSize, QByteArray *bits, QString *why); // ...GET_DIRTY_BITMAP

private:
    struct Device
    {
        QString member; // PCI address or mdev UUID
        QString cdev; // "vfio3"
        int fd = -1;
        quint32 devId = 0;
        bool attached = false;
    };
    struct Buffer
    {
        quint64 iova = 0;
        quint64 size = 0;
        void *mem = nullptr;
        bool huge = false;
    };
    IommufdIoas() = default;
    int destroyObject(quint32 id) const;

    int m_group = -1;
    int m_iommufd = -1;
    quint32 m_ioasId = 0;
    quint32 m_hwptId = 0;
    bool m_dirty = false;
    QList<Device> m_devices;
    QList<Buffer> m_buffers;
};

} // namespace devtopo::linuxhost
