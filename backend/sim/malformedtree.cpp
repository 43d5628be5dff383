#include "malformedtree.h"

#include "simhost.h"
#include "sysfswriter.h"

#include <QDir>
#include <QFile>

#include <unistd.h>

using namespace Qt::StringLiterals;

namespace devtopo::sim {

namespace {

SimFunction make(const char *addr, quint16 vendor, quint16 device, quint32 cls, PortKind kind, const QString &driver)
{
    SimFunction f;
    f.address = *PciAddress::parse(QString::fromLatin1(addr));
    f.vendorId = vendor;
    f.deviceId = device;
    f.subsystemVendorId = vendor;
    f.subsystemDeviceId = device;
    f.classCode = cls;
    f.kind = kind;
    f.driver = driver;
    f.numaNode = 0;
    if (isPcie(kind) && kind != PortKind::RcIntegratedEndpoint)
        f.link = {8, 4, 8, 4};
    return f;
}

SimFunction rootPort(const char *addr, int bus)
{
    SimFunction rp = make(addr, 0x8086, 0x2030, 0x060400, PortKind::RootPort, u"pcieport"_s);
    rp.acs = {true, AcsBit::SV | AcsBit::RR | AcsBit::CR | AcsBit::UF, 0};
    rp.secondaryBus = bus;
    return rp;
}

SimHost malformedHost()
{
    SimHost host;
    host.name = u"malformed"_s;
    host.hostname = u"malformed-host"_s;
    host.numaNodes = {{0, u"0-7"_s, 16 * 1024 * 1024, {10}}};
    host.iommuUnits = {{u"dmar0"_s, 0xd2008c222f0686ull, 0xf00f4aull, u"1:0"_s, 0xfed90000ull}};
    SimHostBridge hb;
    hb.numaNode = 0;
    hb.iommuUnit = u"dmar0"_s;
    host.hostBridges = {hb};
    host.functions = {
        make("0000:00:00.0", 0x8086, 0x2020, 0x060000, PortKind::RcIntegratedEndpoint, {}),
        rootPort("0000:00:01.0", 1), rootPort("0000:00:02.0", 2), rootPort("0000:00:03.0", 3),
        rootPort("0000:00:04.0", 4),
        make("0000:02:00.0", 0x144d, 0xa808, 0x010802, PortKind::Endpoint, u"nvme"_s),
        make("0000:03:00.0", 0x10de, 0x1eb8, 0x030200, PortKind::Endpoint, u"nvidia"_s),
        make("0000:04:00.0", 0x144d, 0xa808, 0x010802, PortKind::Endpoint, u"nvme"_s),
        make("0000:00:1f.0", 0x8086, 0xa1c1, 0x060100, PortKind::ConventionalDevice, {}),
        make("0000:00:1f.4", 0x8086, 0xa1a3, 0x0c0500, PortKind::ConventionalDevice, u"i801_smbus"_s),
    };
    SimFunction pf = make("0000:01:00.0", 0x8086, 0x158b, 0x020000, PortKind::Endpoint, u"i40e"_s);
    pf.sriov = {true, 64, 64, 2, 16, 1, 0x154c, true, u"iavf"_s};
    host.functions.append(pf);
    bootHost(host);
    return host;
}

} // namespace

bool writeMalformedTree(const QString &dir, QString *error)
{
    const SimHost host = malformedHost();
    if (!writeSysfsTree(host, dir, error))
        return false;
    const QHash<PciAddress, QByteArray> paths = sysfsDevicePaths(host);
    const QString sys = dir + u"/sys/"_s;
    auto devDir = [&](const QString &addr) -> QString { return sys + QString::fromLatin1(paths.value(*PciAddress::parse(addr))); };
    auto groupDir = [&](const QString &addr) -> QString {
        return sys + u"kernel/iommu_groups/%1"_s.arg(host.function(*PciAddress::parse(addr))->iommuGroup);
    };
    bool ok = true;
    auto put = [&](const QString &path, const QByteArray &data) {
        QFile f(path);
        ok = f.open(QIODevice::WriteOnly | QIODevice::Truncate) && f.write(data) == data.size() && ok;
    };
    auto relink = [&](const QString &path, const QByteArray &target) {
        QFile::remove(path);
        ok = ::symlink(target.constData(), QFile::encodeName(path).constData()) == 0 && ok;
    };

    put(groupDir(Malformed::TruncatedRegionsDevice) + u"/reserved_regions"_s,
        "0x00000000fee00000 0x00000000feefffff msi\n0x00000000fee00000 0x0000");
    put(devDir(Malformed::BadNumaDevice) + u"/numa_node"_s, "banana\n");
    ok = QFile::remove(devDir(Malformed::MissingConfigDevice) + u"/config"_s) && ok;
    relink(devDir(Malformed::DanglingDriverDevice) + u"/driver"_s, "../../../../bus/pci/drivers/ghost_driver");

    QByteArray huge;
    huge.reserve(Malformed::HugeRegionsBytes + 64);
    for (quint64 i = 0; huge.size() < Malformed::HugeRegionsBytes; ++i) {
        const quint64 start = 0x100000000ull + i * 0x1000;
        huge += "0x" + QByteArray::number(start, 16).rightJustified(16, '0') + " 0x"
            + QByteArray::number(start + 0xfff, 16).rightJustified(16, '0') + " reserved\n";
    }
    put(groupDir(Malformed::HugeRegionsDevice) + u"/reserved_regions"_s, huge);

    const QString shortConfig = devDir(Malformed::ShortConfigDevice) + u"/config"_s;
    QFile cfg(shortConfig);
    ok = cfg.open(QIODevice::ReadWrite) && cfg.resize(10) && ok;
    cfg.close();

    relink(devDir(Malformed::BrokenVirtfnPf) + u"/virtfn2"_s, "../0000:01:00.7");
    relink(sys + u"bus/pci/devices/"_s + Malformed::SelfLoopDevice, Malformed::SelfLoopDevice.toLatin1());
    relink(devDir(Malformed::CycleDevice) + u"/firmware_node"_s, "..");

    if (!ok && error)
        *error = u"could not damage the tree in %1"_s.arg(dir);
    return ok;
}

} // namespace devtopo::sim
