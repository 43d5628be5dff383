#pragma once

// One IOMMU group opened into its own VFIO type1v2 container, kept open for DMA work: the real
// ioctls from <linux/vfio.h> (the legacy group/container path; the iommufd path is IommufdIoas).
// Every call returns 0 or the errno the kernel gave, with a sentence in *why.

#include "vfiotypes.h"

#include <QList>
#include <QString>
#include <QUuid>

#include <memory>

namespace devtopo::linuxhost {

class VfioContainer
{
public:
    ~VfioContainer();
    VfioContainer(const VfioContainer &) = delete;
    VfioContainer &operator=(const VfioContainer &) = delete;

    // open /dev/vfio/vfio, check API + type1v2, open /dev/vfio/<group>, GET_STATUS (not viable ->
    // EPERM as SET_CONTAINER would say), SET_CONTAINER, SET_IOMMU(VFIO_TYPE1v2_IOMMU).
    static std::unique_ptr<VfioContainer> open(const QString &vfioDir, int group, int *err, QString *why);

    int group() const { return m_group; }
    // VFIO_IOMMU_GET_INFO with its capability chain, plus VmLck and RLIMIT_MEMLOCK.
    int info(host::VfioGroupInfo *info, QString *why) const;
    // Anonymous memory (MAP_HUGETLB with 2 MiB pages when asked) mapped read/write at iova.
    int mapDma(quint64 iova, quint64 size, bool hugePages, QString *why);
    int unmapDma(quint64 iova, quint64 size, quint64 *unmapped, QString *why);
    int setDirtyTracking(bool on, QString *why);
    int dirtyBitmap(quint64 iova, quint64 size, quint64 pageSize, QByteArray *bits, QString *why);
    // VFIO_GROUP_GET_DEVICE_FD with "<name>[ vf_token=<uuid>]"; the fd is closed again unless
    // keepFd is given (the caller then owns it).
    int openDevice(const QString &pciName, const QUuid &token, QString *why, int *keepFd = nullptr);
    // VFIO_DEVICE_FEATURE SET PCI_VF_TOKEN on the PF's device fd.
    int setVfToken(const QString &pfName, const QUuid &token, QString *why);

private:
    struct Buffer
    {
        quint64 iova = 0;
        quint64 size = 0;
        void *mem = nullptr;
        bool huge = false;
    };
    VfioContainer() = default;

    int m_group = -1;
    int m_containerFd = -1;
    int m_groupFd = -1;
    bool m_dirty = false;
    QList<Buffer> m_buffers;
};

} // namespace devtopo::linuxhost
