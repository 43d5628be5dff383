#pragma once

// The simulated host: plain values describing a server's PCI, IOMMU and NUMA hardware plus the
// state a kernel would hold for it (bound drivers, enabled VFs, IOMMU groups). writeSysfsTree()
// turns it into a /sys-like directory that the real scanner reads as if it were a live machine.
// Mutations go through the SimHost methods so the kernel's rules (sriov_numvfs, regrouping of
// new VFs) are applied exactly as sysfs writes on a real host would apply them.

#include "pciaddress.h"

#include <QHash>
#include <QList>
#include <QString>
#include <QStringList>

#include <optional>

namespace devtopo::sim {

// What the PCIe capability (or its absence) says a function is. The kernel's ACS and DMA-alias
// rules branch on exactly this.
enum class PortKind : quint8 {
    Endpoint,
    LegacyEndpoint,
    RootPort,
    SwitchUpstream,
    SwitchDownstream,
    PcieToPciBridge, // PCIe primary side, conventional PCI secondary side
    PciToPcieBridge,
    RcIntegratedEndpoint,
    RcEventCollector,
    ConventionalDevice, // no PCIe capability, header type 0
    ConventionalBridge, // no PCIe capability, header type 1
};

bool isPcie(PortKind k);
bool isBridge(PortKind k); // header type 1
// PCI_EXP_TYPE_* value for the PCIe capability flags (bits 7:4); -1 for conventional kinds.
int pcieTypeCode(PortKind k);
// Keys used in scenario files: "endpoint", "root-port", "switch-up", ...
QString portKindKey(PortKind k);
std::optional<PortKind> portKindFromKey(QStringView key);

// ACS capability/control bits (PCIe 7.7.8); same order in both registers.
namespace AcsBit {
enum : quint16 { SV = 0x01, TB = 0x02, RR = 0x04, CR = 0x08, UF = 0x10, EC = 0x20, DT = 0x40 };
// REQ_ACS_FLAGS in drivers/iommu/iommu.c
constexpr quint16 Required = SV | RR | CR | UF;
} // namespace AcsBit

struct SimAcs
{
    bool present = false;
    quint16 capability = 0;
    quint16 control = 0; // set at boot by the simulated kernel (pci_enable_acs), see bootHost()
};

struct SimLink
{
    double maxSpeed = 0; // GT/s per lane: 2.5, 5, 8, 16, 32, 64; 0 = no link registers
    int maxWidth = 0;
    double currentSpeed = 0;
    int currentWidth = 0; // 0 = link down (empty slot)
};

struct SimSriov
{
    bool capable = false;
    int initialVfs = 0;
    int totalVfs = 0;
    int numVfs = 0; // VFs currently enabled; the VF functions exist in SimHost::functions
    int offset = 1;
    int stride = 1;
    quint16 vfDeviceId = 0;
    bool driversAutoprobe = true;
    QString vfDriver; // the driver that probes new VFs when autoprobe is on (iavf, mlx5_core)
};

struct SimFunction
{
    PciAddress address;
    quint16 vendorId = 0;
    quint16 deviceId = 0;
    quint16 subsystemVendorId = 0;
    quint16 subsystemDeviceId = 0;
    quint32 classCode = 0; // base << 16 | sub << 8 | prog-if
    quint8 revision = 0;

    PortKind kind = PortKind::Endpoint;
    bool multifunction = false; // header type bit 7; derived from the slot by bootHost()
    SimAcs acs;
    bool ari = false;
    bool ats = false;
    bool pri = false;
    bool pasid = false;
    int pasidWidth = 20;
    quint64 serialNumber = 0; // Device Serial Number capability; 0 = none
    SimSriov sriov;
    SimLink link;
    int secondaryBus = -1; // bridges only
    int subordinateBus = -1; // derived by bootHost() from the buses below

    QString driver; // empty = unbound
    QString driverOverride; // empty = "(null)"
    int numaNode = -1;
    QStringList resetMethods; // "flr", "pm", "bus", ... in kernel order
    QString iommuUnit; // "dmar1"; empty = not translated by any IOMMU

    std::optional<PciAddress> physfn; // VFs only
    int vfIndex = -1;

    int iommuGroup = -1; // assigned by the simulated kernel (kernelgroups.h)

    bool isVf() const { return physfn.has_value(); }
    bool isPcie() const { return sim::isPcie(kind); }
    bool isBridge() const { return sim::isBridge(kind); }
};

struct SimNumaNode
{
    int id = 0;
    QString cpuList; // "0-27,56-83"; empty for memory-only nodes
    quint64 memTotalKiB = 0;
    QList<int> distances; // SLIT row, indexed like SimHost::numaNodes
};

struct SimHostBridge
{
    quint32 domain = 0;
    int bus = 0;
    int numaNode = -1;
    QString iommuUnit; // default unit for functions below it
    // VMD-style bridges hang below an endpoint: their sysfs directory sits inside that endpoint's
    // and every device below issues DMA with the endpoint's requester ID (pci_real_dma_dev()).
    std::optional<PciAddress> parentDevice;
    QString name() const; // "pci0000:00", "pci10000:00"
};

// An Intel VT-d remapping unit as /sys/class/iommu/dmarN/intel-iommu shows it.
struct SimIommuUnit
{
    QString name;
    quint64 cap = 0;
    quint64 ecap = 0;
    QString version = QStringLiteral("1:0");
    quint64 registerBase = 0;
};

// A firmware-described range. type "rmrr" follows the VT-d rule (direct-relaxable for USB and
// graphics devices, direct otherwise); any other type ("reserved", "msi", ...) is used as is.
// It applies to the devices in scope and to everything below a bridge in scope.
struct SimRegion
{
    quint64 start = 0;
    quint64 end = 0; // inclusive
    QString type;
    QList<PciAddress> scope;
};

struct SimHost
{
    QString name;
    QString hostname = QStringLiteral("demo-server");
    QString kernelRelease = QStringLiteral("6.12.95+deb12-amd64");
    QString cmdline; // written to proc/cmdline; pci=disable_acs_redir is appended from below
    QList<SimNumaNode> numaNodes;
    QList<SimHostBridge> hostBridges;
    QList<SimIommuUnit> iommuUnits;
    QList<SimFunction> functions; // sorted by address
    QList<SimRegion> regions;
    QList<PciAddress> disableAcsRedir; // pci=disable_acs_redir=...: RR/CR/EC stay off on these
    QStringList loadedDrivers; // drivers present in sys/bus/pci/drivers even with nothing bound
    // vfio-pci's enable_sriov module parameter: without it sriov_numvfs on a PF bound to vfio-pci
    // fails with ENOENT (vfio_pci_sriov_configure()).
    bool vfioEnableSriov = false;

    // Lookups (index rebuilt by reindex(), which every mutation calls)
    int indexOf(const PciAddress &a) const { return m_index.value(a, -1); }
    const SimFunction *function(const PciAddress &a) const;
    SimFunction *function(const PciAddress &a);
    const SimHostBridge *hostBridgeFor(const PciAddress &a) const; // by walking up the bridges
    const SimFunction *upstreamBridge(const SimFunction &f) const; // bus->self; nullptr on a root bus
    QList<PciAddress> vfsOf(const PciAddress &pf) const; // in VF index order
    void reindex();

    // Mutations. Each returns an empty string on success, else "ERRNO: message" as the kernel
    // would fail the matching sysfs write (e.g. "EBUSY: ...").
    QString setDriver(const PciAddress &a, const QString &driver); // empty = unbind
    QString setDriverOverride(const PciAddress &a, const QString &driverName); // empty = clear
    QString setNumVfs(const PciAddress &pf, int numVfs); // sriov_numvfs
    QString setDriversAutoprobe(const PciAddress &pf, bool on); // sriov_drivers_autoprobe

    // Where VF `index` of a PF lives (pci_iov_virtfn_bus/devfn); nullopt if it leaves the bus range.
    static std::optional<PciAddress> vfAddress(const SimFunction &pf, int index);

private:
    QHash<PciAddress, int> m_index;
    QHash<quint64, int> m_busSelf; // (domain << 8 | bus) -> the bridge whose secondary bus it is
};

// The simulated boot: derives header multifunction bits and subordinate buses, applies
// pci_enable_acs() (and disable_acs_redir), assigns IOMMU groups in enumeration order, then
// enables each PF's requested numVfs as a boot script would (VF groups come after all others).
// Returns an error if the host is inconsistent (unknown root bus, duplicate address, VF clash).
QString bootHost(SimHost &host);

// Checks the static description: addresses unique, every root bus has a host bridge, bridge
// secondary buses unique, IOMMU units exist. Empty string when fine.
QString validateHost(const SimHost &host);

} // namespace devtopo::sim
