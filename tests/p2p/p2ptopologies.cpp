#include "p2ptopologies.h"

namespace devtopo::test {

PciAddress at(const char *address)
{
    return *PciAddress::parse(QString::fromLatin1(address));
}

PciFunction *fn(Topology &t, const char *address)
{
    return t.function(at(address));
}

namespace {

void add(Topology &t, const char *address, const char *parent, PortType type, quint32 classCode, const char *hostBridge,
         int numa, quint16 vendor = 0x10de, quint16 device = 0x1234)
{
    PciFunction f;
    f.address = at(address);
    if (parent)
        f.parent = at(parent);
    f.portType = type;
    f.classCode = classCode;
    f.hostBridge = QLatin1StringView(hostBridge);
    f.numaNode = numa;
    f.vendorId = vendor;
    f.deviceId = device;
    f.caps.configReadable = true;
    f.caps.pcie = true;
    f.link = LinkInfo{8, 8, 16, 16};
    t.functions << f;
}

} // namespace

Topology makeP2pTopology()
{
    Topology t;
    t.hostBridges = {HostBridge{QStringLiteral("pci0000:00"), 0, 0x00, 0}, HostBridge{QStringLiteral("pci0000:40"), 0, 0x40, 0},
                     HostBridge{QStringLiteral("pci0000:80"), 0, 0x80, 1}, HostBridge{QStringLiteral("pci0000:c0"), 0, 0xc0, -1}};
    const PortType RP = PortType::RootPort, USP = PortType::SwitchUpstream, DSP = PortType::SwitchDownstream,
                   EP = PortType::Endpoint;
    const quint32 Bridge = 0x060400;
    add(t, "0000:00:00.0", nullptr, PortType::RootComplexIntegratedEndpoint, 0x060000, "pci0000:00", 0, 0x8086, 0x2020);
    add(t, "0000:00:01.0", nullptr, RP, Bridge, "pci0000:00", 0, 0x8086, 0x2031);
    add(t, "0000:00:02.0", nullptr, RP, Bridge, "pci0000:00", 0, 0x8086, 0x2032);
    add(t, "0000:01:00.0", "0000:00:01.0", USP, Bridge, "pci0000:00", 0, 0x10b5, 0x8747);
    add(t, "0000:02:00.0", "0000:01:00.0", DSP, Bridge, "pci0000:00", 0, 0x10b5, 0x8747);
    add(t, "0000:02:01.0", "0000:01:00.0", DSP, Bridge, "pci0000:00", 0, 0x10b5, 0x8747);
    add(t, "0000:02:02.0", "0000:01:00.0", DSP, Bridge, "pci0000:00", 0, 0x10b5, 0x8747);
    add(t, "0000:03:00.0", "0000:02:00.0", EP, 0x030000, "pci0000:00", 0);
    add(t, "0000:03:00.1", "0000:02:00.0", EP, 0x030200, "pci0000:00", 0);
    add(t, "0000:04:00.0", "0000:02:01.0", EP, 0x030000, "pci0000:00", 0);
    add(t, "0000:05:00.0", "0000:02:02.0", USP, Bridge, "pci0000:00", 0, 0x10b5, 0x8724);
    add(t, "0000:06:00.0", "0000:05:00.0", DSP, Bridge, "pci0000:00", 0, 0x10b5, 0x8724);
    add(t, "0000:07:00.0", "0000:06:00.0", EP, 0x030200, "pci0000:00", 0);
    add(t, "0000:08:00.0", "0000:00:02.0", EP, 0x020000, "pci0000:00", 0, 0x15b3, 0x1017);
    add(t, "0000:40:00.0", nullptr, RP, Bridge, "pci0000:40", 0, 0x8086, 0x2030);
    add(t, "0000:41:00.0", "0000:40:00.0", EP, 0x010802, "pci0000:40", 0, 0x144d, 0xa808);
    add(t, "0000:80:00.0", nullptr, RP, Bridge, "pci0000:80", 1, 0x8086, 0x2030);
    add(t, "0000:81:00.0", "0000:80:00.0", EP, 0x030200, "pci0000:80", 1);
    add(t, "0000:c0:00.0", nullptr, RP, Bridge, "pci0000:c0", -1, 0x1b36, 0x000c);
    add(t, "0000:c1:00.0", "0000:c0:00.0", EP, 0x120000, "pci0000:c0", -1, 0x1e52, 0x0001);
    t.reindex();
    for (PciFunction &f : t.functions)
        if (f.parent)
            t.function(*f.parent)->children << f.address;
    return t;
}

} // namespace devtopo::test
