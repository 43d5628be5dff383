#pragma once

// The demo host behind the Host interface: devtopo::sim::SimHost for the PCI side (drivers,
// overrides, SR-IOV, groups) and sim::SimVfio for VFIO (containers, DMA, memlock, VF tokens).
// Its state is published as a sysfs-like tree that the ordinary scanner reads: every change
// writes a new generation under treeDir and flips the "current" symlink to it, so a reader
// never sees a half-written tree.

#include "host.h"
#include "simhost.h"
#include "simmigration.h"
#include "simvfio.h"

#include <QTemporaryDir>

#include <memory>

namespace devtopo::host {

class SimulatedHost : public Host
{
public:
    // treeDir empty: a private temporary directory.
    explicit SimulatedHost(sim::SimHost simHost, QString treeDir = {});
    ~SimulatedHost() override;

    // The built-in demo server with the simulated in-use devices (display, root disk, uplink NIC)
    // and vfio-pci loaded with enable_sriov=1 so VF tokens can be tried.
    static std::unique_ptr<SimulatedHost> demo(QString treeDir = {}, QString *error = nullptr);

    QString scanRoot() const override; // <treeDir>/current, rewritten first if the host changed
    QString treeError() const { return m_treeError; }

    sim::SimHost &simHost() { return m_host; }
    sim::SimVfio &simVfio() { return m_vfio; }
    sim::SimMigration &simMigration() { return m_migration; }
    void setInUse(const PciAddress &a, const QString &reason);

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
    HostResult iommufdAvailable(int group) const override;

protected:
    HostResult loadDriver(const QString &driver) override;
    HostResult writeDriverOverride(const PciAddress &a, const QString &driver) override;
    HostResult writeUnbind(const PciAddress &a) override;
    HostResult writeDriversProbe(const PciAddress &a) override;
    HostResult writeNumVfs(const PciAddress &pf, int numVfs) override;
    HostResult writeDriversAutoprobe(const PciAddress &pf, bool on) override;
    HostResult writeReset(const PciAddress &a) override;
    HostResult writePersistedOverride(const PciAddress &a, const QString &driver) override;

    HostResult vfioSetVfToken(const PciAddress &pf, const QUuid &token) override;
    HostResult vfioOpenDevice(const PciAddress &a, const QUuid &token) override;
    HostResult vfioOpenGroup(quint32 handle, int group) override;
    HostResult iommufdOpenGroup(quint32 handle, int group) override;
    HostResult vfioGroupInfo(quint32 handle, VfioGroupInfo *info) override;
    HostResult vfioMapDma(quint32 handle, quint64 iova, quint64 size, bool hugePages) override;
    HostResult vfioUnmapDma(quint32 handle, quint64 iova, quint64 size, quint64 *unmapped) override;
    HostResult vfioDirty(quint32 handle, bool start) override;
    HostResult vfioDirtyBitmap(quint32 handle, quint64 iova, quint64 size, quint64 pageSize, DirtyBitmap *bitmap) override;
    void vfioCloseGroup(quint32 handle) override;

    HostResult vfioMigOpen(quint32 handle, quint32 groupHandle, const QString &device) override;
    void vfioMigClose(quint32 handle) override;
    HostResult vfioMigIds(quint32 handle, quint16 *vendor, quint16 *device) override;
    HostResult vfioMigFlags(quint32 handle, quint64 *flags) override;
    HostResult vfioMigGetState(quint32 handle, quint32 *state) override;
    HostResult vfioMigSetState(quint32 handle, quint32 state) override;
    HostResult vfioMigPrecopyInfo(quint32 handle, PrecopyInfo *info) override;
    HostResult vfioMigRead(quint32 handle, quint64 maxBytes, QByteArray *data, bool *end) override;
    HostResult vfioMigWrite(quint32 handle, const QByteArray &data) override;
    HostResult vfioMigDataSize(quint32 handle, quint64 *bytes) override;
    HostResult vfioDeviceReset(quint32 handle) override;
    HostResult vfioDmaLoggingProbe(quint32 handle) override;
    HostResult vfioDmaLoggingStart(quint32 handle, const QList<DmaLogRange> &ranges, quint64 pageSize) override;
    HostResult vfioDmaLoggingReport(quint32 handle, quint64 iova, quint64 length, quint64 pageSize, QByteArray *bits) override;
    HostResult vfioDmaLoggingStop(quint32 handle) override;

private:
    QString nativeDriver(const PciAddress &a) const;
    void publish() const;

    sim::SimHost m_host;
    sim::SimVfio m_vfio;
    sim::SimMigration m_migration;
    QHash<PciAddress, QString> m_native; // what each function's own driver is (the boot binding)
    QHash<PciAddress, QString> m_inUse;
    QHash<PciAddress, QString> m_persisted; // the demo's /etc/driverctl.d
    QStringList m_loaded; // modules "loaded" so far
    std::unique_ptr<QTemporaryDir> m_ownTree;
    QString m_treeDir;
    mutable bool m_dirty = true;
    mutable int m_generation = 0;
    mutable QString m_treeError;
};

} // namespace devtopo::host
