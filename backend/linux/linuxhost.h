#pragma once

// The real host behind the Host interface: sysfs writes under a root ("/" in the helper, a
// sysfs-like directory in tests) and VFIO ioctls on /dev/vfio. The sequences, validation and
// rollback are in host::Host; this class only performs single kernel operations.

#include "host.h"
#include "iommufdioas.h"
#include "vfiocontainer.h"
#include "vfiomigdevice.h"

#include <QHash>

#include <functional>
#include <memory>

namespace devtopo::linuxhost {

struct LinuxHostPaths
{
    QString root = QStringLiteral("/");
    QString vfioDir = QStringLiteral("/dev/vfio"); // the cdevs are in <vfioDir>/devices
    QString iommuDev = QStringLiteral("/dev/iommu");
    QString recordsFile = QStringLiteral("/run/devtopo-helper/original-drivers.json");
    QString driverctlDir; // empty: <root>/etc/driverctl.d
};

class LinuxHost : public host::Host
{
public:
    // Writes one sysfs attribute; returns 0 or an errno. Tests replace it to watch the order of
    // writes and to play the kernel's part (a probe that binds, or fails).
    using WriteFn = std::function<int(const QString &path, const QByteArray &data)>;

    explicit LinuxHost(LinuxHostPaths paths = {});
    ~LinuxHost() override;

    void setWriteHook(WriteFn fn) { m_write = std::move(fn); }
    QString scanRoot() const override { return m_paths.root; }

    bool hasDevice(const PciAddress &a) const override;
    QString driverOf(const PciAddress &a) const override;
    QString driverOverrideOf(const PciAddress &a) const override;
    QStringList knownDrivers() const override;
    int iommuGroupOf(const PciAddress &a) const override;
    QList<PciAddress> groupDevices(int group) const override;
    bool isBridgeDevice(const PciAddress &a) const override;
    int totalVfs(const PciAddress &a) const override;
    int numVfs(const PciAddress &a) const override;
    QList<PciAddress> vfsOf(const PciAddress &pf) const override;
    QStringList resetMethods(const PciAddress &a) const override;
    QString inUseReason(const PciAddress &a) const override;
    QString persistedOverride(const PciAddress &a) const override;
    QStringList groupMemberNames(int group) const override; // PCI functions and mdevs (UUIDs)
    host::HostResult iommufdAvailable(int group) const override;

    // For the real-kernel test host only: one MIG_DEVICE_STATE SET exactly as given, without
    // devtopo's checks, and a write() on whatever data fd the device has, so the kernel's own
    // answers (errnos) can be recorded. Never reachable over D-Bus.
    int kernelSetState(quint32 deviceHandle, quint32 state, QString *why);
    int kernelWriteData(quint32 deviceHandle, const QByteArray &data, QString *why);

protected:
    host::HostResult loadDriver(const QString &driver) override;
    host::HostResult writeDriverOverride(const PciAddress &a, const QString &driver) override;
    host::HostResult writeUnbind(const PciAddress &a) override;
    host::HostResult writeDriversProbe(const PciAddress &a) override;
    host::HostResult writeNumVfs(const PciAddress &pf, int numVfs) override;
    host::HostResult writeDriversAutoprobe(const PciAddress &pf, bool on) override;
    host::HostResult writeReset(const PciAddress &a) override;
    host::HostResult writePersistedOverride(const PciAddress &a, const QString &driver) override;

    host::HostResult vfioSetVfToken(const PciAddress &pf, const QUuid &token) override;
    host::HostResult vfioOpenDevice(const PciAddress &a, const QUuid &token) override;
    host::HostResult vfioOpenGroup(quint32 handle, int group) override;
    host::HostResult iommufdOpenGroup(quint32 handle, int group) override;
    host::HostResult vfioGroupInfo(quint32 handle, host::VfioGroupInfo *info) override;
    host::HostResult vfioMapDma(quint32 handle, quint64 iova, quint64 size, bool hugePages) override;
    host::HostResult vfioUnmapDma(quint32 handle, quint64 iova, quint64 size, quint64 *unmapped) override;
    host::HostResult vfioDirty(quint32 handle, bool start) override;
    host::HostResult vfioDirtyBitmap(quint32 handle, quint64 iova, quint64 size, quint64 pageSize,
                                     host::DirtyBitmap *bitmap) override;
    void vfioCloseGroup(quint32 handle) override;

    host::HostResult vfioMigOpen(quint32 handle, quint32 groupHandle, const QString &device) override;
    void vfioMigClose(quint32 handle) override;
    host::HostResult vfioMigIds(quint32 handle, quint16 *vendor, quint16 *device) override;
    host::HostResult vfioMigFlags(quint32 handle, quint64 *flags) override;
    host::HostResult vfioMigGetState(quint32 handle, quint32 *state) override;
    host::HostResult vfioMigSetState(quint32 handle, quint32 state) override;
    host::HostResult vfioMigPrecopyInfo(quint32 handle, host::PrecopyInfo *info) override;
    host::HostResult vfioMigRead(quint32 handle, quint64 maxBytes, QByteArray *data, bool *end) override;
    host::HostResult vfioMigWrite(quint32 handle, const QByteArray &data) override;
    host::HostResult vfioMigDataSize(quint32 handle, quint64 *bytes) override;
    host::HostResult vfioDeviceReset(quint32 handle) override;
    host::HostResult vfioDmaLoggingProbe(quint32 handle) override;
    host::HostResult vfioDmaLoggingStart(quint32 handle, const QList<host::DmaLogRange> &ranges, quint64 pageSize) override;
    host::HostResult vfioDmaLoggingReport(quint32 handle, quint64 iova, quint64 length, quint64 pageSize, QByteArray *bits) override;
    host::HostResult vfioDmaLoggingStop(quint32 handle) override;

private:
    QString devDir(const PciAddress &a) const;
    QString sysPath(const QString &rel) const;
    host::HostResult write(const QString &path, const QByteArray &data, const QString &change);
    // The container for `group`: an open handle's, or a temporary one kept in *temp.
    VfioContainer *containerFor(int group, std::unique_ptr<VfioContainer> *temp, host::HostResult *err);

    LinuxHostPaths m_paths;
    WriteFn m_write;
    IommufdPaths iommufdPaths() const;

    QHash<quint32, std::shared_ptr<VfioContainer>> m_containers;
    QHash<quint32, std::shared_ptr<IommufdIoas>> m_ioas; // handles opened on iommufd
    QHash<quint32, std::shared_ptr<VfioMigDevice>> m_migDevices;
};

} // namespace devtopo::linuxhost
