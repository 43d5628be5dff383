#pragma once

// Peer-to-peer between two PCI functions, as plain values: which devices take part (kinds), how
// far apart they are in nvidia-smi's words (P2pClass), and what the kernel's p2pdma code would
// decide for them (P2pMapType, distance, ACS redirects, host-bridge rule). P2pEngine computes
// them; P2pMatrix holds a whole matrix; the item model and the CLI only format them.

#include "topology.h"

#include <QList>
#include <QString>
#include <QStringList>

#include <optional>

namespace devtopo {

// Which functions a matrix shows, by class code.
enum class P2pKind {
    Gpu, // 0x0300 VGA-compatible and 0x0302 3D controllers
    Nic, // 0x0200 Ethernet and 0x0207 InfiniBand
    Nvme, // 0x010802
    Accel, // base class 0x12 processing accelerators and 0x0b40 co-processors
    All, // every endpoint function (not a bridge of any kind)
};
QString p2pKindName(P2pKind kind); // "gpu", "nic", "nvme", "accel", "all"
std::optional<P2pKind> parseP2pKind(QStringView text);
// The specific kind a function belongs to; nullopt for endpoints none of them names (and bridges).
std::optional<P2pKind> p2pKindOf(const PciFunction &f);
// Endpoint: anything that is not a bridge (PCI-to-PCI, host, ISA, ... all of class 0x06).
bool isP2pEndpoint(const PciFunction &f);
bool matchesP2pKind(const PciFunction &f, P2pKind kind);
// "GPU", "NIC", "NVME", "ACC", or "DEV" for the other endpoints: the prefix of short names.
QString p2pShortPrefix(const PciFunction &f);

// nvidia-smi topo -m's classes, nearest first, so they compare by distance.
enum class P2pClass : quint8 { X, PIX, PXB, PHB, NODE, SYS };
QString p2pClassName(P2pClass c);
// nvidia-smi's legend sentence for the class.
QString p2pClassLegend(P2pClass c);
inline constexpr P2pClass AllP2pClasses[] = {P2pClass::X, P2pClass::PIX, P2pClass::PXB,
                                              P2pClass::PHB, P2pClass::NODE, P2pClass::SYS};

// enum pci_p2pdma_map_type (include/linux/pci-p2pdma.h) without MAP_UNKNOWN, which
// calc_map_type_and_dist() never returns.
enum class P2pMapType : quint8 { BusAddr, ThruHostBridge, NotSupported };
QString p2pMapTypeName(P2pMapType t); // "BUS_ADDR", "THRU_HOST_BRIDGE", "NOT_SUPPORTED"
QString p2pMapTypeKernelName(P2pMapType t); // "PCI_P2PDMA_MAP_BUS_ADDR", ...

// Which rule decided a path that has to go through the host bridge(s).
enum class P2pHostRule : quint8 {
    NotConsulted, // a common upstream bridge without ACS redirect: BUS_ADDR, no host bridge involved
    CpuAmdZen, // cpu_supports_p2pdma(): AMD family >= 0x17 (inferred from a Zen root complex)
    Whitelisted, // the host bridge device(s) are in pci_p2pdma_whitelist[]
    SameHostBridgeRequired, // whitelisted only for P2P within one host bridge, and these differ
    NotWhitelisted, // a host bridge device is not in the list
    NoHostBridgeDevice, // no 00.0 function or root port first on the root bus to look up
};
QString p2pHostRuleName(P2pHostRule r); // "not_consulted", "amd_zen", "whitelist", ...

// The bandwidth bound of a path: the narrowest link, by speed x width.
struct P2pLink
{
    std::optional<PciAddress> address; // the function whose link status describes that link
    double speed = 0; // GT/s per lane
    int width = 0; // lanes
    bool fromMax = false; // current speed or width was unknown, so the maximum stands in
    bool known() const { return address.has_value() && speed > 0 && width > 0; }
    double gigaTransfers() const { return speed * width; }
    // Payload bandwidth after line encoding (8b/10b below 8 GT/s, 128b/130b from 8 GT/s), GB/s.
    double gigabytesPerSecond() const;
    QString toString() const; // "8 GT/s x16 (≈15.8 GB/s)"
};

// What a whole-matrix pass keeps per pair: small, so that 1,000 endpoints stay cheap.
struct P2pCell
{
    P2pClass cls = P2pClass::SYS;
    P2pMapType mapType = P2pMapType::NotSupported;
    P2pHostRule hostRule = P2pHostRule::NotConsulted;
    quint8 acsRedirects = 0; // ports on the path with ACS RR, CR or EC set, as the kernel counts them
    qint16 distance = 0; // the kernel's: hops from each side up to the common upstream bridge
    int bottleneck = -1; // index into Topology::functions of the narrowest link; -1 when unknown
};

// Everything about one pair, for tooltips, details and JSON.
struct P2pPath
{
    PciAddress a;
    PciAddress b;
    P2pCell cell;
    // a, the functions up to the common upstream bridge and down to b. Without a common bridge:
    // a up to its root-bus function, then b's root-bus function down to b.
    QList<PciAddress> path;
    std::optional<PciAddress> commonBridge;
    QList<PciAddress> acsRedirect; // in the kernel's order: a's side up to the common bridge, then b's
    P2pLink bottleneck;
    QString hostBridgeA;
    QString hostBridgeB;
    QStringList reasons; // sentences, in the order the kernel and nvidia-smi decide
};

} // namespace devtopo
