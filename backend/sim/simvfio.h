#pragma once

// The simulated kernel's VFIO side: groups opened into type1v2 containers or, through the members'
// cdevs, into an iommufd IOAS (the demo server has /dev/iommu); DMA mappings with the type1 driver's
// or iommufd's checks, locked-memory accounting against RLIMIT_MEMLOCK, dirty tracking (type1's
// pinned-page scope, or an iommufd HWPT on VT-d units with second-level A/D bits) and the
// vfio-pci VF token. Each call answers as the matching ioctl would on Linux 6.12: an empty
// string on success, else "ERRNO: message" with the kernel's errno (and its dmesg wording where
// it has one). State lives here; the PCI side (drivers, groups) is read from a SimHost.

#include "simhost.h"

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QSet>
#include <QStringList>
#include <QUuid>

namespace devtopo::sim {

struct SimDmaMap
{
    quint64 iova = 0;
    quint64 size = 0;
    bool hugePages = false;
};

struct SimIovaRange
{
    quint64 start = 0;
    quint64 end = 0; // inclusive
};

struct SimContainer
{
    int group = -1;
    QList<SimIovaRange> ranges;
    QList<SimDmaMap> maps; // sorted by iova
    bool dirtyTracking = false;
    // iommufd: the object ids of this context (devices 1..n, then the IOAS, then the HWPT), the
    // bound members, and the pages the simulated devices wrote since the last bitmap read.
    bool iommufd = false;
    quint32 ioasId = 0;
    quint32 hwptId = 0; // 0: no dirty-tracking HWPT (an IOMMU without A/D support)
    QStringList devices;
    QSet<quint64> dirtyPages; // 4 KiB page numbers (IOVA >> 12)
    quint64 deviceWrites = 0; // how many rounds of device DMA have happened
};

class SimVfio
{
public:
    // What VFIO_IOMMU_GET_INFO reports for the simulated VT-d units (4K|2M|1G, 48-bit IOVA).
    quint64 pageSizes = (quint64(1) << 12) | (quint64(1) << 21) | (quint64(1) << 30);
    int addressWidth = 48;
    int dmaEntryLimit = 65535; // vfio_iommu_type1 dma_entry_limit
    quint64 memlockLimit = quint64(64) << 20; // RLIMIT_MEMLOCK of the process doing the mapping
    int hugePagesFree = 64; // 2 MiB pages in the pool (/proc/sys/vm/nr_hugepages)

    // A group has /dev/vfio/N when a member is bound to a VFIO driver; it is viable when every
    // member's driver lets VFIO own it (VFIO_GROUP_FLAGS_VIABLE).
    static bool groupHasNode(const SimHost &host, int group);
    static bool groupViable(const SimHost &host, int group, QString *blocker = nullptr);
    // Usable IOVA: the address space minus the group's non-relaxable reserved regions.
    QList<SimIovaRange> iovaRanges(const SimHost &host, int group) const;

    // /dev/iommu exists (CONFIG_IOMMUFD=y and CONFIG_VFIO_DEVICE_CDEV=y on the demo server).
    bool iommufdPresent = true;

    QString openGroup(const SimHost &host, quint32 key, int group); // open + SET_CONTAINER + SET_IOMMU
    // Why `group` cannot go on iommufd ("ENOENT: no /dev/iommu ..."); empty when it can.
    QString iommufdUnavailable(const SimHost &host, int group) const;
    // open /dev/iommu, VFIO_DEVICE_BIND_IOMMUFD per VFIO-bound member (EPERM: not viable),
    // IOMMU_IOAS_ALLOC, IOMMU_HWPT_ALLOC(DIRTY_TRACKING) when every device's unit has it, ATTACH.
    QString openIommufd(const SimHost &host, quint32 key, int group);
    // IOMMU_HW_CAP_DIRTY_TRACKING for a member: its VT-d unit runs in scalable mode (ECAP.SMTS,
    // bit 43) with second-level accessed/dirty bits (ECAP.SLADS, bit 45), as intel-iommu checks.
    static bool hwDirtyCapable(const SimHost &host, const PciAddress &a);
    void closeGroup(quint32 key); // unmaps everything, unpins, stops dirty tracking
    const SimContainer *container(quint32 key) const;
    QString mapDma(quint32 key, quint64 iova, quint64 size, bool hugePages);
    QString unmapDma(quint32 key, quint64 iova, quint64 size, quint64 *unmapped);
    QString setDirtyTracking(quint32 key, bool on);
    // type1: every mapped page reads dirty (no simulated device declares a pinned-page dirty
    // scope). iommufd: the pages the simulated devices wrote since the last read, then cleared
    // (IOMMU_HWPT_GET_DIRTY_BITMAP without NO_CLEAR). The devices write one page in four of every
    // mapping before each read, the pattern moving by one page each time.
    QString dirtyBitmap(quint32 key, quint64 iova, quint64 size, quint64 pageSize, QByteArray *bits);
    quint64 lockedBytes() const { return m_locked; }
    int hugePagesUsed() const { return m_hugeUsed; }

    // VFIO_DEVICE_FEATURE_PCI_VF_TOKEN (SET) on the PF, and VFIO_GROUP_GET_DEVICE_FD with an
    // optional "vf_token=" (null uuid = none), per vfio_pci_validate_vf_token().
    QString setVfToken(const SimHost &host, const PciAddress &pf, const QUuid &token);
    QString openDevice(const SimHost &host, const PciAddress &a, const QUuid &token);
    // The PF left vfio-pci: its token dies with the vfio device (a new one is random).
    void forgetDevice(const PciAddress &a) { m_tokens.remove(a); }

private:
    QUuid tokenOf(const PciAddress &pf);

    QHash<quint32, SimContainer> m_containers;
    QHash<PciAddress, QUuid> m_tokens;
    quint64 m_locked = 0;
    int m_hugeUsed = 0;
};

} // namespace devtopo::sim
