#include "topology.h"

namespace devtopo {

QString portTypeName(PortType t)
{
    switch (t) {
    case PortType::Unknown: return QStringLiteral("Unknown");
    case PortType::Endpoint: return QStringLiteral("PCIe endpoint");
    case PortType::LegacyEndpoint: return QStringLiteral("Legacy PCIe endpoint");
    case PortType::RootPort: return QStringLiteral("Root port");
    case PortType::SwitchUpstream: return QStringLiteral("Switch upstream port");
    case PortType::SwitchDownstream: return QStringLiteral("Switch downstream port");
    case PortType::PcieToPciBridge: return QStringLiteral("PCIe-to-PCI bridge");
    case PortType::PciToPcieBridge: return QStringLiteral("PCI-to-PCIe bridge");
    case PortType::RootComplexIntegratedEndpoint: return QStringLiteral("Root complex integrated endpoint");
    case PortType::RootComplexEventCollector: return QStringLiteral("Root complex event collector");
    case PortType::ConventionalDevice: return QStringLiteral("Conventional PCI device");
    case PortType::ConventionalBridge: return QStringLiteral("PCI-to-PCI bridge");
    case PortType::CardBusBridge: return QStringLiteral("CardBus bridge");
    }
    return {};
}

bool isBridgeType(PortType t)
{
    switch (t) {
    case PortType::RootPort:
    case PortType::SwitchUpstream:
    case PortType::SwitchDownstream:
    case PortType::PcieToPciBridge:
    case PortType::PciToPcieBridge:
    case PortType::ConventionalBridge:
    case PortType::CardBusBridge:
        return true;
    default:
        return false;
    }
}

QString Acs::bitsToString(quint16 bits)
{
    static const struct { quint16 bit; const char *name; } names[] = {
        {SV, "SrcValid"}, {TB, "TransBlk"}, {RR, "ReqRedir"}, {CR, "CmpltRedir"},
        {UF, "UpstreamFwd"}, {EC, "EgressCtrl"}, {DT, "DirectTrans"},
    };
    QStringList out;
    for (const auto &n : names)
        if (bits & n.bit)
            out << QLatin1StringView(n.name);
    return out.join(QLatin1Char(' '));
}

QString PciFunction::displayName() const
{
    if (!deviceName.isEmpty())
        return deviceName;
    if (!className.isEmpty())
        return className;
    return QStringLiteral("Device %1:%2")
        .arg(vendorId, 4, 16, QLatin1Char('0'))
        .arg(deviceId, 4, 16, QLatin1Char('0'));
}

void Topology::reindex()
{
    functionIndex.clear();
    functionIndex.reserve(functions.size());
    for (int i = 0; i < functions.size(); ++i)
        functionIndex.insert(functions[i].address, i);
    groupIndex.clear();
    for (int i = 0; i < groups.size(); ++i)
        groupIndex.insert(groups[i].id, i);
}

const PciFunction *Topology::function(const PciAddress &a) const
{
    auto it = functionIndex.constFind(a);
    return it == functionIndex.cend() ? nullptr : &functions[*it];
}

PciFunction *Topology::function(const PciAddress &a)
{
    auto it = functionIndex.constFind(a);
    return it == functionIndex.cend() ? nullptr : &functions[*it];
}

const IommuGroup *Topology::group(int id) const
{
    auto it = groupIndex.constFind(id);
    return it == groupIndex.cend() ? nullptr : &groups[*it];
}

QList<PciAddress> Topology::roots() const
{
    QList<PciAddress> out;
    for (const auto &f : functions)
        if (!f.parent)
            out << f.address;
    return out;
}

} // namespace devtopo
