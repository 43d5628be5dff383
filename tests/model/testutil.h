#pragma once

#include "topology.h"

#include <QDir>
#include <QFile>
#include <QString>

#include <algorithm>

// Helpers shared by the model suites: building tiny sysfs trees and topologies by hand.
namespace testutil {

inline QString sharedRealdata(const char *name)
{
    const QString dir = QStringLiteral(DEVTOPO_SHARED_DIR "/realdata/") + QLatin1StringView(name);
    return QDir(dir).exists() ? dir : QString();
}

inline void writeFile(const QString &path, const QByteArray &content)
{
    QDir().mkpath(path.left(path.lastIndexOf(QLatin1Char('/'))));
    QFile f(path);
    if (f.open(QIODevice::WriteOnly | QIODevice::Truncate))
        f.write(content);
}

inline void link(const QString &target, const QString &path)
{
    QDir().mkpath(path.left(path.lastIndexOf(QLatin1Char('/'))));
    QFile::link(target, path);
}

// A function in a hand-built Topology; config readable, PCIe unless stated.
inline devtopo::PciFunction fn(const char *address, devtopo::PortType type, std::optional<const char *> parent = {})
{
    devtopo::PciFunction f;
    f.address = *devtopo::PciAddress::parse(QString::fromLatin1(address));
    f.portType = type;
    f.caps.configReadable = true;
    f.caps.configSize = 4096;
    f.caps.pcie = type != devtopo::PortType::ConventionalDevice && type != devtopo::PortType::ConventionalBridge;
    if (parent)
        f.parent = devtopo::PciAddress::parse(QString::fromLatin1(*parent));
    if (devtopo::isBridgeType(type))
        f.classCode = 0x060400;
    return f;
}

inline void withAcs(devtopo::PciFunction &f, quint16 cap, quint16 ctrl)
{
    f.caps.acs = {true, cap, ctrl};
}

inline devtopo::PciAddress addr(const char *a)
{
    return *devtopo::PciAddress::parse(QString::fromLatin1(a));
}

// Groups as sorted member lists in sorted order, so two groupings compare equal whatever their numbering.
inline QList<QList<devtopo::PciAddress>> normalised(QList<QList<devtopo::PciAddress>> g)
{
    for (auto &x : g)
        std::sort(x.begin(), x.end());
    std::sort(g.begin(), g.end());
    return g;
}

} // namespace testutil
