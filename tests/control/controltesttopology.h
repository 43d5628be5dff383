#pragma once

// A small host for the control tests, built by hand so every driver, group and VF is known:
//   group 15: root port 0000:00:1c.0 (pcieport), 0000:08:00.0 e1000e NIC, 0000:08:00.1 nvme
//   group 16: 0000:09:00.0 already on vfio-pci, 0000:09:00.1 snd_hda_intel
//   group 20: 0000:0a:00.0 mlx5_core PF (8 VFs possible, 2 enabled, variant driver mlx5_vfio_pci)
//   group 21/22: its VFs 0000:0a:00.2 (mlx5_core) and 0000:0a:00.3 (vfio-pci)
//   group 30: 0000:0b:00.0 unbound; reset_method "bus"; 0000:0b:00.1 on the same bus, group 31

#include "analysis.h"
#include "topology.h"

#include <QMap>

#include <algorithm>

namespace devtopo::test {

inline PciAddress pa(const char *text)
{
    return *PciAddress::parse(QString::fromLatin1(text));
}

inline Topology makeControlTopology()
{
    Topology t;
    auto fn = [&t](const char *a, const char *driver, quint32 cls, int group) -> PciFunction & {
        PciFunction f;
        f.address = pa(a);
        f.driver = QString::fromLatin1(driver);
        f.classCode = cls;
        f.portType = PortType::Endpoint;
        f.iommuGroup = group;
        f.resetMethods = {QStringLiteral("flr"), QStringLiteral("bus")};
        t.functions << f;
        return t.functions.last();
    };
    PciFunction &rp = fn("0000:00:1c.0", "pcieport", 0x060400, 15);
    rp.portType = PortType::RootPort;
    fn("0000:08:00.0", "e1000e", 0x020000, 15);
    fn("0000:08:00.1", "nvme", 0x010802, 15);
    fn("0000:09:00.0", "vfio-pci", 0x030000, 16);
    fn("0000:09:00.1", "snd_hda_intel", 0x040300, 16);
    PciFunction &pf = fn("0000:0a:00.0", "mlx5_core", 0x020000, 20);
    pf.variantDrivers = {QStringLiteral("mlx5_vfio_pci")};
    pf.sriov.capable = true;
    pf.sriov.totalVfs = 8;
    pf.sriov.numVfs = 2;
    pf.sriov.vfOffset = 2;
    pf.sriov.vfStride = 1;
    pf.sriov.driversAutoprobe = 1;
    pf.vfs = {pa("0000:0a:00.2"), pa("0000:0a:00.3")};
    PciFunction &vf0 = fn("0000:0a:00.2", "mlx5_core", 0x020000, 21);
    vf0.physfn = pa("0000:0a:00.0");
    vf0.variantDrivers = {QStringLiteral("mlx5_vfio_pci")};
    PciFunction &vf1 = fn("0000:0a:00.3", "vfio-pci", 0x020000, 22);
    vf1.physfn = pa("0000:0a:00.0");
    vf1.driverOverride = QStringLiteral("vfio-pci");
    PciFunction &lone = fn("0000:0b:00.0", "", 0x120000, 30);
    lone.resetMethods = {QStringLiteral("bus")};
    PciFunction &noreset = fn("0000:0b:00.1", "", 0x120000, 31);
    noreset.resetMethods.clear();
    std::sort(t.functions.begin(), t.functions.end(), [](const PciFunction &a, const PciFunction &b) { return a.address < b.address; });
    QMap<int, QList<PciAddress>> groups;
    for (const PciFunction &f : std::as_const(t.functions))
        groups[*f.iommuGroup] << f.address;
    for (auto it = groups.cbegin(); it != groups.cend(); ++it) {
        IommuGroup g;
        g.id = it.key();
        g.devices = it.value();
        t.groups << g;
    }
    t.reindex();
    analyzeTopology(t);
    return t;
}

} // namespace devtopo::test
