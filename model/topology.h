#pragma once

// The whole scanned host as plain values. Scanners fill it, analyses annotate it, models wrap it,
// snapshots serialise it. Nothing here knows about widgets, files or ioctls.

#include "pciaddress.h"

#include <QHash>
#include <QList>
#include <QString>
#include <QStringList>

#include <optional>

namespace devtopo {

// PCIe Device/Port Type (PCIe capability, Flags[7:4]) plus the cases that have no PCIe capability.
enum class PortType {
    Unknown, // no readable config space
    Endpoint,
    LegacyEndpoint,
    RootPort,
    SwitchUpstream,
    SwitchDownstream,
    PcieToPciBridge, // PCIe primary, conventional PCI secondary
    PciToPcieBridge,
    RootComplexIntegratedEndpoint,
    RootComplexEventCollector,
    ConventionalDevice, // config space readable, no PCIe capability, header type 0
    ConventionalBridge, // no PCIe capability, header type 1 (PCI-to-PCI)
    CardBusBridge,
};

QString portTypeName(PortType t);
bool isBridgeType(PortType t);

// ACS capability and control register bits (PCIe spec 7.7.8), same order in both registers.
namespace Acs {
enum Bit : quint16 {
    SV = 0x0001, // source validation
    TB = 0x0002, // translation blocking
    RR = 0x0004, // P2P request redirect
    CR = 0x0008, // P2P completion redirect
    UF = 0x0010, // upstream forwarding
    EC = 0x0020, // P2P egress control
    DT = 0x0040, // direct translated P2P
};
// The flags the kernel's pci_device_group() requires for isolation (REQ_ACS_FLAGS).
constexpr quint16 RequiredForIsolation = SV | RR | CR | UF;
QString bitsToString(quint16 bits);
} // namespace Acs

struct AcsInfo
{
    bool present = false;
    quint16 capability = 0;
    quint16 control = 0;
};

struct LinkInfo
{
    // GT/s per lane; 0 when unknown. Width in lanes; 0 when unknown.
    double currentSpeed = 0;
    double maxSpeed = 0;
    int currentWidth = 0;
    int maxWidth = 0;
    bool known() const { return maxSpeed > 0 || maxWidth > 0 || currentSpeed > 0 || currentWidth > 0; }
    bool degraded() const
    {
        return (currentSpeed > 0 && maxSpeed > 0 && currentSpeed < maxSpeed)
            || (currentWidth > 0 && maxWidth > 0 && currentWidth < maxWidth);
    }
};

struct SriovInfo
{
    bool capable = false; // sriov_totalvfs present or SR-IOV capability found
    int initialVfs = -1;
    int totalVfs = -1;
    int numVfs = -1;
    int vfOffset = -1;
    int vfStride = -1;
    int vfDeviceId = -1;
    int driversAutoprobe = -1; // -1 unknown, else 0/1
};

// Capabilities decoded from config space (via libpci) when config is readable.
struct Capabilities
{
    bool configReadable = false;
    int configSize = 0; // bytes readable: 64 unprivileged, 256 conventional, 4096 extended
    bool pcie = false;
    quint8 headerType = 0; // low 7 bits
    bool multifunctionBit = false; // header type bit 7
    AcsInfo acs;
    bool ari = false;
    bool ats = false;
    bool pri = false;
    bool pasid = false;
    int pasidWidth = 0;
    bool sriov = false;
    bool msi = false;
    bool msix = false;
    bool aer = false;
    QStringList names; // every capability found, in config order, e.g. "MSI-X", "ACS"
};

struct PciFunction
{
    PciAddress address;
    QString sysfsPath; // relative to the root, e.g. "sys/devices/pci0000:00/0000:00:02.0/0000:01:00.0"
    QString hostBridge; // "pci0000:00"

    quint16 vendorId = 0;
    quint16 deviceId = 0;
    quint16 subsystemVendorId = 0;
    quint16 subsystemDeviceId = 0;
    quint32 classCode = 0; // 24 bits: base, sub, prog-if
    int revision = -1;

    QString vendorName;
    QString deviceName;
    QString subsystemName;
    QString className;

    QString driver; // empty when unbound
    QString driverOverride;
    QString modalias;
    QStringList variantDrivers; // VFIO variant drivers from modules.alias, most specific first
    int numaNode = -1;
    QString localCpus;
    LinkInfo link;

    PortType portType = PortType::Unknown;
    int secondaryBus = -1;
    int subordinateBus = -1;
    bool multifunction = false; // shares its slot with other functions (or header says so)

    // Hierarchy from the sysfs nesting: the upstream bridge function, if any.
    std::optional<PciAddress> parent;
    QList<PciAddress> children;

    Capabilities caps;
    SriovInfo sriov;
    std::optional<PciAddress> physfn; // set on VFs
    QList<PciAddress> vfs; // set on PFs, in virtfn order
    int vfIndex = -1;

    std::optional<int> iommuGroup;
    QString iommuUnit;
    QStringList resetMethods;

    QStringList missing; // attributes that could not be read, for the "what was missing" report

    bool isVf() const { return physfn.has_value(); }
    bool isBridge() const { return isBridgeType(portType) || (classCode >> 8) == 0x0604 || (classCode >> 8) == 0x0609; }
    quint8 baseClass() const { return quint8(classCode >> 16); }
    QString displayName() const;
};

struct ReservedRegion
{
    quint64 start = 0;
    quint64 end = 0; // inclusive, as the kernel prints it
    QString type; // direct, direct-relaxable, reserved, msi
    bool operator==(const ReservedRegion &) const = default;
};

struct IovaRange
{
    quint64 start = 0;
    quint64 end = 0; // inclusive
    bool operator==(const IovaRange &) const = default;
};

// Why a device is in the group it is in, according to the kernel's pci_device_group() rules.
struct GroupReason
{
    enum class Kind {
        MissingAcs, // an upstream bridge/port has no ACS capability
        AcsControlOff, // it has ACS but required control bits are off
        MultifunctionWithoutAcs, // functions of one slot without ACS isolation
        PcieToPciBridge, // conventional devices behind a PCIe-to-PCI bridge alias to it
        ConventionalBus, // devices on a conventional PCI bus cannot be isolated
        Unexplained, // no rule we model explains it (kernel quirk, missing config space)
    };
    Kind kind = Kind::Unexplained;
    PciAddress culprit; // the port/bridge/slot leader to point at
    QList<PciAddress> affected;
    quint16 missingAcsBits = 0;
    QString text;
};

struct GroupViability
{
    bool viable = false;
    QStringList blockers; // "0000:08:00.1 is bound to nvme"
    QStringList actions; // "unbind nvme from 0000:08:00.1 and bind it to vfio-pci"
};

struct IommuGroup
{
    int id = -1;
    QString type; // DMA, DMA-FQ, identity, blocked, unmanaged, unknown; empty if not readable
    QList<PciAddress> devices;
    QStringList otherMembers; // non-PCI members (mdev UUIDs, platform devices)
    bool reservedRegionsKnown = false;
    QList<ReservedRegion> reservedRegions;
    QString unit; // IOMMU unit serving the members, if known

    // Analyses
    int addressWidth = 0; // bits of the IOVA space used for usableIova
    bool addressWidthAssumed = false;
    QList<IovaRange> usableIova;
    GroupViability viability;
    QList<GroupReason> reasons;
};

struct IommuUnit
{
    QString name; // dmar0, ivhd0, ...
    QString kind; // intel-vtd, amd-vi, other
    QString version;
    quint64 cap = 0;
    quint64 ecap = 0; // Intel: ECAP; AMD: EFR ("features")
    int addressWidth = 0; // MGAW for VT-d; 0 if unknown
    bool scalableMode = false;
    bool nesting = false;
    bool dirtyTracking = false;
    bool pasid = false;
    int pasidBits = 0;
    bool passThrough = false;
    bool interruptRemapping = false;
    bool cachingMode = false; // set by emulated IOMMUs (QEMU)
    bool pageRequest = false;
    QStringList largePages; // "2M", "1G"
    QStringList featureText; // human readable, decoded
    QList<PciAddress> devices;
};

struct NumaNode
{
    int id = -1;
    QString cpuList;
    bool hasCpu = false;
    bool hasMemory = false;
    quint64 memTotalKiB = 0;
    QList<int> distances; // indexed by position in Topology::numaNodes
    bool memoryOnly() const { return hasMemory && !hasCpu; }
};

struct HostBridge
{
    QString name; // pci0000:00
    quint32 domain = 0;
    int bus = 0;
    int numaNode = -1; // from the functions below it
};

struct Topology
{
    QString source; // root directory or snapshot path
    QString sourceKind; // "sysfs", "snapshot", "demo"
    QString kernelRelease;
    QString hostname;

    QList<PciFunction> functions; // sorted by address
    QList<IommuGroup> groups; // sorted by id
    QList<IommuUnit> iommuUnits;
    QList<NumaNode> numaNodes;
    QList<HostBridge> hostBridges;
    QStringList warnings; // what was missing or malformed, one line each

    // Lookups; rebuilt by reindex() after any change to the lists.
    QHash<PciAddress, int> functionIndex;
    QHash<int, int> groupIndex;

    void reindex();
    // Cheap when the lookups already match the lists (the usual case: scans and snapshots index).
    void ensureIndexed()
    {
        if (functionIndex.size() != functions.size() || groupIndex.size() != groups.size())
            reindex();
    }
    const PciFunction *function(const PciAddress &a) const;
    PciFunction *function(const PciAddress &a);
    const IommuGroup *group(int id) const;
    QList<PciAddress> roots() const; // functions with no parent, in order
};

} // namespace devtopo

Q_DECLARE_METATYPE(devtopo::Topology)
