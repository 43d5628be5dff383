#include "p2p.h"

namespace devtopo {

QString p2pKindName(P2pKind kind)
{
    switch (kind) {
    case P2pKind::Gpu: return QStringLiteral("gpu");
    case P2pKind::Nic: return QStringLiteral("nic");
    case P2pKind::Nvme: return QStringLiteral("nvme");
    case P2pKind::Accel: return QStringLiteral("accel");
    case P2pKind::All: return QStringLiteral("all");
    }
    return {};
}

std::optional<P2pKind> parseP2pKind(QStringView text)
{
    for (P2pKind k : {P2pKind::Gpu, P2pKind::Nic, P2pKind::Nvme, P2pKind::Accel, P2pKind::All})
        if (text.compare(p2pKindName(k), Qt::CaseInsensitive) == 0)
            return k;
    return std::nullopt;
}

bool isP2pEndpoint(const PciFunction &f)
{
    return !f.isBridge() && f.baseClass() != 0x06;
}

std::optional<P2pKind> p2pKindOf(const PciFunction &f)
{
    if (!isP2pEndpoint(f))
        return std::nullopt;
    const quint32 sub = f.classCode >> 8;
    if (sub == 0x0300 || sub == 0x0302)
        return P2pKind::Gpu;
    if (sub == 0x0200 || sub == 0x0207)
        return P2pKind::Nic;
    if (f.classCode == 0x010802)
        return P2pKind::Nvme;
    if (f.baseClass() == 0x12 || sub == 0x0b40)
        return P2pKind::Accel;
    return std::nullopt;
}

bool matchesP2pKind(const PciFunction &f, P2pKind kind)
{
    if (kind == P2pKind::All)
        return isP2pEndpoint(f);
    return p2pKindOf(f) == kind;
}

QString p2pShortPrefix(const PciFunction &f)
{
    switch (p2pKindOf(f).value_or(P2pKind::All)) {
    case P2pKind::Gpu: return QStringLiteral("GPU");
    case P2pKind::Nic: return QStringLiteral("NIC");
    case P2pKind::Nvme: return QStringLiteral("NVME");
    case P2pKind::Accel: return QStringLiteral("ACC");
    case P2pKind::All: break;
    }
    return QStringLiteral("DEV");
}

QString p2pClassName(P2pClass c)
{
    switch (c) {
    case P2pClass::X: return QStringLiteral("X");
    case P2pClass::PIX: return QStringLiteral("PIX");
    case P2pClass::PXB: return QStringLiteral("PXB");
    case P2pClass::PHB: return QStringLiteral("PHB");
    case P2pClass::NODE: return QStringLiteral("NODE");
    case P2pClass::SYS: return QStringLiteral("SYS");
    }
    return {};
}

QString p2pClassLegend(P2pClass c)
{
    // Word for word from nvidia-smi topo -m, so that people who know that table read this one.
    switch (c) {
    case P2pClass::X: return QStringLiteral("Self");
    case P2pClass::PIX: return QStringLiteral("Connection traversing at most a single PCIe bridge");
    case P2pClass::PXB:
        return QStringLiteral("Connection traversing multiple PCIe bridges (without traversing the PCIe Host Bridge)");
    case P2pClass::PHB:
        return QStringLiteral("Connection traversing PCIe as well as a PCIe Host Bridge (typically the CPU)");
    case P2pClass::NODE:
        return QStringLiteral("Connection traversing PCIe as well as the interconnect between PCIe Host Bridges within a NUMA node");
    case P2pClass::SYS:
        return QStringLiteral("Connection traversing PCIe as well as the SMP interconnect between NUMA nodes (e.g., QPI/UPI)");
    }
    return {};
}

QString p2pMapTypeName(P2pMapType t)
{
    switch (t) {
    case P2pMapType::BusAddr: return QStringLiteral("BUS_ADDR");
    case P2pMapType::ThruHostBridge: return QStringLiteral("THRU_HOST_BRIDGE");
    case P2pMapType::NotSupported: return QStringLiteral("NOT_SUPPORTED");
    }
    return {};
}

QString p2pMapTypeKernelName(P2pMapType t)
{
    return QStringLiteral("PCI_P2PDMA_MAP_") + p2pMapTypeName(t);
}

QString p2pHostRuleName(P2pHostRule r)
{
    switch (r) {
    case P2pHostRule::NotConsulted: return QStringLiteral("not_consulted");
    case P2pHostRule::CpuAmdZen: return QStringLiteral("amd_zen");
    case P2pHostRule::Whitelisted: return QStringLiteral("whitelist");
    case P2pHostRule::SameHostBridgeRequired: return QStringLiteral("whitelist_same_host_bridge_only");
    case P2pHostRule::NotWhitelisted: return QStringLiteral("not_whitelisted");
    case P2pHostRule::NoHostBridgeDevice: return QStringLiteral("no_host_bridge_device");
    }
    return {};
}

double P2pLink::gigabytesPerSecond() const
{
    const double encoding = speed >= 8 ? 128.0 / 130.0 : 8.0 / 10.0;
    return speed * width * encoding / 8.0;
}

QString P2pLink::toString() const
{
    if (!known())
        return QStringLiteral("unknown");
    return QStringLiteral("%1 GT/s x%2 (≈%3 GB/s)%4")
        .arg(speed)
        .arg(width)
        .arg(gigabytesPerSecond(), 0, 'f', 1)
        .arg(fromMax ? QStringLiteral(", maximum: current not known") : QString());
}

} // namespace devtopo
