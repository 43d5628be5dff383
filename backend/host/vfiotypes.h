#pragma once

// What an open VFIO group looks like to a client: the values both hosts report, in the kernel's
// units (inclusive range ends, page-size bitmaps, bytes), for either DMA backend: a type1v2
// container (/dev/vfio/vfio + /dev/vfio/N) or an iommufd IOAS (/dev/iommu + the members' cdevs).

#include <QByteArray>
#include <QList>
#include <QString>
#include <QStringList>

namespace devtopo::host {

struct VfioRange
{
    quint64 start = 0;
    quint64 end = 0; // inclusive, as VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE reports it
    bool operator==(const VfioRange &) const = default;
};

struct DmaMapping
{
    quint64 iova = 0;
    quint64 size = 0;
    bool hugePages = false;
    bool operator==(const DmaMapping &) const = default;
};

// How a group handle does DMA. Names as the helper's D-Bus methods take and report them.
enum class DmaBackend { Type1v2, Iommufd };
inline QString dmaBackendName(DmaBackend b)
{
    return b == DmaBackend::Iommufd ? QStringLiteral("iommufd") : QStringLiteral("type1v2");
}

struct VfioGroupInfo
{
    int group = -1;
    DmaBackend backend = DmaBackend::Type1v2;
    // Why this handle is not on iommufd when the client asked for "auto" and got type1v2
    // ("no /dev/iommu on this kernel (CONFIG_IOMMUFD not set)"); empty otherwise.
    QString backendNote;
    quint32 ioasId = 0; // iommufd: the IOAS the devices' page table is built from
    quint32 hwptId = 0; // iommufd: the HWPT allocated with IOMMU_HWPT_ALLOC_DIRTY_TRACKING (0: none)
    QStringList devices; // iommufd: the members bound to the iommufd (VFIO_DEVICE_BIND_IOMMUFD)
    QList<VfioRange> iovaRanges;
    quint64 pageSizes = 0; // iova_pgsizes bitmap
    int dmaAvail = -1; // DMA entries left; -1 when the kernel does not say (always on iommufd)
    // Locked memory charged for DMA: type1 charges the process (VmLck); iommufd charges the user
    // (user_struct->locked_vm, not readable from userspace), so there it is what this handle pinned.
    quint64 lockedBytes = 0;
    quint64 memlockLimit = 0; // RLIMIT_MEMLOCK; ~0 = unlimited
    bool memlockBypassed = false; // CAP_IPC_LOCK: type1 skips the limit check
    // type1: VFIO_IOMMU_TYPE1_INFO_CAP_MIGRATION; iommufd: every device's IOMMU_GET_HW_INFO has
    // IOMMU_HW_CAP_DIRTY_TRACKING, so the handle has a dirty-tracking HWPT.
    bool dirtyTrackingSupported = false;
    bool dirtyTracking = false; // started
    QList<DmaMapping> mappings;

    quint64 smallestPageSize() const { return pageSizes ? (pageSizes & (~pageSizes + 1)) : 4096; }
};

struct DirtyBitmap
{
    quint64 iova = 0;
    quint64 size = 0;
    quint64 pageSize = 0;
    QByteArray bits; // little-endian u64 words, bit n = page n of [iova, iova+size)
    int dirtyPages() const;
};

} // namespace devtopo::host

namespace devtopo::host {

// A device opened for VFIO migration v2 (VFIO_DEVICE_FEATURE_MIGRATION and friends).
struct MigrationDeviceInfo
{
    QString device; // PCI address or mdev UUID, as VFIO_GROUP_GET_DEVICE_FD took it
    int group = -1;
    quint16 vendor = 0; // from the device's config space
    quint16 deviceId = 0;
    quint64 flags = 0; // VFIO_MIGRATION_*; 0: the device has no migration (ENOTTY)
    quint32 state = 0; // vfio_device_mig_state (MIG_DEVICE_STATE GET)
    bool dmaLoggingSupported = false; // VFIO_DEVICE_FEATURE_PROBE of DMA_LOGGING_START
    bool dmaLogging = false; // started by devtopo
    quint64 bufferedBytes = 0; // stream bytes already read from the data fd in this session
    bool streamComplete = false; // STOP_COPY read to its end: saveState can write it (again)
};

struct PrecopyInfo
{
    quint64 initialBytes = 0;
    quint64 dirtyBytes = 0;
};

struct DmaLogRange
{
    quint64 iova = 0;
    quint64 length = 0;
    bool operator==(const DmaLogRange &) const = default;
};

} // namespace devtopo::host
