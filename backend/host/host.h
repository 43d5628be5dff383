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

    // VFIO type1v2 DMA on a group opened into its own container.
    HostResult openGroup(int group, quint32 *handle);
    HostResult groupInfo(quint32 handle, VfioGroupInfo *info);
    HostResult mapDma(quint32 handle, quint64 iova, quint64 size, bool hugePages);
    HostResult unmapDma(quint32 handle, quint64 iova, quint64 size, quint64 *unmapped);
    HostResult dirtyStart(quint32 handle);
    HostResult dirtyBitmap(quint32 handle, quint64 iova, quint64 size, DirtyBitmap *bitmap);
    HostResult dirtyStop(quint32 handle);
    HostResult closeGroup(quint32 handle);
    QList<quint32> openHandles() const { return m_handles.keys(); }
    int groupOfHandle(quint32 handle) const { return m_handles.value(handle, -1); }

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
    virtual HostResult vfioGroupInfo(quint32 handle, VfioGroupInfo *info) = 0;
    virtual HostResult vfioMapDma(quint32 handle, quint64 iova, quint64 size, bool hugePages) = 0;
    virtual HostResult vfioUnmapDma(quint32 handle, quint64 iova, quint64 size, quint64 *unmapped) = 0;
    virtual HostResult vfioDirty(quint32 handle, bool start) = 0;
    virtual HostResult vfioDirtyBitmap(quint32 handle, quint64 iova, quint64 size, quint64 pageSize,
                                       DirtyBitmap *bitmap) = 0;
    virtual void vfioCloseGroup(quint32 handle) = 0;

private:
    HostResult checkAddress(const QString &text, PciAddress *out) const;
    HostResult checkHandle(quint32 handle, VfioGroupInfo *info);
    HostResult checkNotOpen(const PciAddress &a) const;
    HostResult bindOne(const PciAddress &a, const QString &driver);
    HostResult rebindTo(const PciAddress &a, const QString &driver, const QString &finalOverride);
    void progress(const QString &op, int done, int total, const QString &text) const;

    std::unique_ptr<DriverRecords> m_records;
    QHash<quint32, int> m_handles; // open handle -> group
    quint32 m_nextHandle = 1;
    ProgressFn m_progress;
};

} // namespace devtopo::host
