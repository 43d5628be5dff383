#pragma once

// One interface for every change devtopo makes to a host. The public methods are the same on the
// Linux host and the demo host: they validate their arguments (hostvalidation.h), run the kernel's
// multi-step sequences (driver_override -> unbind -> drivers_probe, "back to 0 first" for SR-IOV),
// refuse devices in use and roll back a half-done change. Implementations only supply the single
// kernel operations below (one sysfs write, one ioctl), so both hosts follow the same rules.

#include "driverrecords.h"
#include "hostresult.h"
#include "pciaddress.h"
#include "vfiotypes.h"

#include <QHash>
#include <QList>
#include <QString>
#include <QStringList>
#include <QUuid>

#include <functional>
#include <memory>

namespace devtopo::host {

class Host
{
public:
    // operation ("bind-group", "sriov"), steps done, steps in all, what is happening now.
    using ProgressFn = std::function<void(const QString &op, int done, int total, const QString &text)>;

    explicit Host(std::unique_ptr<DriverRecords> records);
    virtual ~Host();
    Host(const Host &) = delete;
    Host &operator=(const Host &) = delete;

    // The directory a scanner reads to see this host's current state ("/" on Linux).
    virtual QString scanRoot() const = 0;
    void setProgress(ProgressFn fn) { m_progress = std::move(fn); }

    // Driver binding (race-free: driver_override first, then unbind, then drivers_probe).
    HostResult bindDriver(const QString &address, const QString &driver, bool force);
    HostResult bindGroup(int group, const QString &driver, bool force);
    HostResult restoreDriver(const QString &address);
    // driverctl's persistent override (/etc/driverctl.d/pci-<address>).
    HostResult persistOverride(const QString &address, const QString &driver);
    HostResult removeOverride(const QString &address);

    // SR-IOV and reset.
    HostResult setNumVfs(const QString &pf, int numVfs);
    HostResult setDriversAutoprobe(const QString &pf, bool on);
    HostResult resetDevice(const QString &address, bool force);

    // VF token: set on a vfio-pci PF; open a device with an optional token (empty = none).
    HostResult setVfToken(const QString &pf, const QString &uuid);
    HostResult openDevice(const QString &address, const QString &uuid);

    // VFIO DMA on a group opened into its own type1v2 container (openGroup), or into an iommufd
    // IOAS with every VFIO-bound member's cdev bound and attached (openGroupWith "iommufd"), or
    // "auto": iommufd where iommufdAvailable() says so, else type1v2 with the reason kept in
    // VfioGroupInfo::backendNote and the result's changes. The DMA methods below take either kind
    // of handle and apply the same checks; the kernel's answers differ where the kernels differ
    // (iommufd: ENOENT for an unmap that hits nothing or would split a mapping).
    HostResult openGroup(int group, quint32 *handle);
    HostResult openGroupWith(int group, const QString &backend, quint32 *handle);
    // Whether `group` can be opened on iommufd here: ok, or the errno and a sentence saying why
    // not ("no /dev/iommu on this kernel (CONFIG_IOMMUFD not set)", no vfio cdev for a member).
    virtual HostResult iommufdAvailable(int group) const = 0;
    HostResult groupInfo(quint32 handle, VfioGroupInfo *info);
    HostResult mapDma(quint32 handle, quint64 iova, quint64 size, bool hugePages);
    HostResult unmapDma(quint32 handle, quint64 iova, quint64 size, quint64 *unmapped);
    HostResult dirtyStart(quint32 handle);
    HostResult dirtyBitmap(quint32 handle, quint64 iova, quint64 size, DirtyBitmap *bitmap);
    HostResult dirtyStop(quint32 handle);
    HostResult closeGroup(quint32 handle);
    QList<quint32> openHandles() const { return m_handles.keys(); }
    int groupOfHandle(quint32 handle) const { return m_handles.value(handle, -1); }

    // VFIO migration v2 on a device of an open group (hostmigration.cpp). A device handle is
    // separate from its group's handle and is closed with it. `device` is a member of the group:
    // a PCI address or an mdev UUID (mtty), exactly as /sys/kernel/iommu_groups/N/devices lists it.
    HostResult openMigrationDevice(quint32 groupHandle, const QString &device, quint32 *handle);
    HostResult closeMigrationDevice(quint32 handle);
    HostResult migrationInfo(quint32 handle, MigrationDeviceInfo *info);
    // Walks the kernel's path (vfiomig::pathTo) one MIG_DEVICE_STATE SET per arc, with progress
    // ("migration-state"). target: a state name or number; ERROR, unsupported states and
    // STOP_COPY -> PRE_COPY* are refused before any ioctl. On a failed step the result says which
    // arc failed and the state the device is in now (*state); in ERROR only resetMigrationDevice helps.
    HostResult setMigrationState(quint32 handle, const QString &target, quint32 *state);
    HostResult resetMigrationDevice(quint32 handle); // VFIO_DEVICE_RESET: ERROR -> RUNNING
    HostResult precopyInfo(quint32 handle, PrecopyInfo *info); // PRE_COPY / PRE_COPY_P2P only
    // Reads the pre-copy data available now (up to maxBytes) into the session's buffer, as QEMU
    // sends it ahead: initial_bytes/dirty_bytes shrink by what was read.
    HostResult readPrecopy(quint32 handle, quint64 maxBytes, quint64 *read);
    HostResult stopCopySize(quint32 handle, quint64 *bytes); // MIG_DATA_SIZE, any state
    // The client's open file descriptor, never a path: a regular file or a pipe. saveState needs
    // STOP_COPY (the stream then ends for real) and writes devtopo's header + the whole stream of
    // the session; loadState needs RESUMING and checks header, length, SHA-256 and the device kind
    // before it writes a byte to the device.
    HostResult saveState(quint32 handle, int fd, quint64 *payloadBytes, QString *sha256);
    HostResult loadState(quint32 handle, int fd, quint64 *payloadBytes);
    // Device DMA logging (VFIO_DEVICE_FEATURE_DMA_LOGGING_*); ENOTTY where the driver has no log ops.
    HostResult dmaLoggingStart(quint32 handle, const QList<DmaLogRange> &ranges, quint64 pageSize);
    HostResult dmaLoggingReport(quint32 handle, quint64 iova, quint64 length, quint64 pageSize, DirtyBitmap *bitmap);
    HostResult dmaLoggingStop(quint32 handle);
    QList<quint32> openMigrationDevices() const { return m_devices.keys(); }
    // Members of an IOMMU group as VFIO names them (PCI addresses, mdev UUIDs).
    virtual QStringList groupMemberNames(int group) const;

    QHash<PciAddress, OriginalDriver> originalDrivers() const { return m_records->all(); }

    // Read-only facts, also used by validation and the confirmation dialogs.
    virtual bool hasDevice(const PciAddress &a) const = 0;
    virtual QString driverOf(const PciAddress &a) const = 0; // empty = unbound
    virtual QString driverOverrideOf(const PciAddress &a) const = 0; // empty = none
    virtual QStringList knownDrivers() const = 0; // loaded and loadable PCI drivers
    virtual int iommuGroupOf(const PciAddress &a) const = 0; // -1 = none
    virtual QList<PciAddress> groupDevices(int group) const = 0; // PCI members
    virtual bool isBridgeDevice(const PciAddress &a) const = 0;
    virtual int totalVfs(const PciAddress &a) const = 0; // -1 = not an SR-IOV PF
    virtual int numVfs(const PciAddress &a) const = 0;
    virtual QList<PciAddress> vfsOf(const PciAddress &pf) const = 0;
    virtual QStringList resetMethods(const PciAddress &a) const = 0;
    // Why unbinding or resetting the device would hurt (an interface up with addresses, a mounted
    // filesystem, the boot display); empty when it is not in use.
    virtual QString inUseReason(const PciAddress &a) const = 0;
    virtual QString persistedOverride(const PciAddress &a) const = 0; // empty = none

protected:
    // One kernel operation each; no validation here, the public methods have done it.
    virtual HostResult loadDriver(const QString &driver) = 0; // modprobe when not loaded yet
    virtual HostResult writeDriverOverride(const PciAddress &a, const QString &driver) = 0;
    virtual HostResult writeUnbind(const PciAddress &a) = 0;
    virtual HostResult writeDriversProbe(const PciAddress &a) = 0;
    virtual HostResult writeNumVfs(const PciAddress &pf, int numVfs) = 0;
    virtual HostResult writeDriversAutoprobe(const PciAddress &pf, bool on) = 0;
    virtual HostResult writeReset(const PciAddress &a) = 0;
    virtual HostResult writePersistedOverride(const PciAddress &a, const QString &driver) = 0; // empty = remove

    virtual HostResult vfioSetVfToken(const PciAddress &pf, const QUuid &token) = 0;
    virtual HostResult vfioOpenDevice(const PciAddress &a, const QUuid &token) = 0; // null = no token
    virtual HostResult vfioOpenGroup(quint32 handle, int group) = 0;
    // /dev/iommu, bind every VFIO-bound member's cdev, IOMMU_IOAS_ALLOC, a dirty-tracking HWPT
    // where every device's IOMMU can track dirty pages, attach; all undone on any failure.
    virtual HostResult iommufdOpenGroup(quint32 handle, int group) = 0;
    virtual HostResult vfioGroupInfo(quint32 handle, VfioGroupInfo *info) = 0;
    virtual HostResult vfioMapDma(quint32 handle, quint64 iova, quint64 size, bool hugePages) = 0;
    virtual HostResult vfioUnmapDma(quint32 handle, quint64 iova, quint64 size, quint64 *unmapped) = 0;
    virtual HostResult vfioDirty(quint32 handle, bool start) = 0;
    virtual HostResult vfioDirtyBitmap(quint32 handle, quint64 iova, quint64 size, quint64 pageSize,
                                       DirtyBitmap *bitmap) = 0;
    virtual void vfioCloseGroup(quint32 handle) = 0;

    // Migration: one ioctl (or one read/write on the data fd) each. `handle` is a device handle.
    virtual HostResult vfioMigOpen(quint32 handle, quint32 groupHandle, const QString &device) = 0;
    virtual void vfioMigClose(quint32 handle) = 0;
    virtual HostResult vfioMigIds(quint32 handle, quint16 *vendor, quint16 *device) = 0;
    virtual HostResult vfioMigFlags(quint32 handle, quint64 *flags) = 0; // ENOTTY: no migration
    virtual HostResult vfioMigGetState(quint32 handle, quint32 *state) = 0;
    // One SET; the implementation keeps the data fd a new session returns and drops it when the
    // session ends.
    virtual HostResult vfioMigSetState(quint32 handle, quint32 state) = 0;
    virtual HostResult vfioMigPrecopyInfo(quint32 handle, PrecopyInfo *info) = 0;
    // Reads up to maxBytes from the data fd; *end: the stream really ended (read() == 0 in
    // STOP_COPY); in pre-copy ENOMSG (nothing more for now) is not an error.
    virtual HostResult vfioMigRead(quint32 handle, quint64 maxBytes, QByteArray *data, bool *end) = 0;
    virtual HostResult vfioMigWrite(quint32 handle, const QByteArray &data) = 0;
    virtual HostResult vfioMigDataSize(quint32 handle, quint64 *bytes) = 0;
    virtual HostResult vfioDeviceReset(quint32 handle) = 0;
    virtual HostResult vfioDmaLoggingProbe(quint32 handle) = 0; // 0 or ENOTTY
    virtual HostResult vfioDmaLoggingStart(quint32 handle, const QList<DmaLogRange> &ranges, quint64 pageSize) = 0;
    virtual HostResult vfioDmaLoggingReport(quint32 handle, quint64 iova, quint64 length, quint64 pageSize, QByteArray *bits) = 0;
    virtual HostResult vfioDmaLoggingStop(quint32 handle) = 0;

private:
    struct MigDevice
    {
        quint32 groupHandle = 0;
        QString name;
        quint16 vendor = 0;
        quint16 device = 0;
        quint64 flags = 0;
        QByteArray stream; // what this session read from the data fd so far
        bool streamComplete = false;
        bool logging = false;
        QList<DmaLogRange> logRanges;
    };
    HostResult checkDevice(quint32 handle, MigDevice **dev);
    HostResult checkMigratable(quint32 handle, MigDevice **dev, quint32 *state);

    HostResult checkAddress(const QString &text, PciAddress *out) const;
    HostResult checkHandle(quint32 handle, VfioGroupInfo *info);
    HostResult checkGroupClosed(int group) const;
    HostResult checkNotOpen(const PciAddress &a) const;
    HostResult bindOne(const PciAddress &a, const QString &driver);
    HostResult rebindTo(const PciAddress &a, const QString &driver, const QString &finalOverride);
    void progress(const QString &op, int done, int total, const QString &text) const;

    std::unique_ptr<DriverRecords> m_records;
    QHash<quint32, int> m_handles; // open handle -> group
    QHash<quint32, QString> m_backendNotes; // handle -> why "auto" did not get iommufd
    QHash<quint32, MigDevice> m_devices; // open device handle -> its device
    quint32 m_nextHandle = 1;
    ProgressFn m_progress;
};

} // namespace devtopo::host
