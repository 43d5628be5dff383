#pragma once

// Why taking a PCI device away from its driver would hurt this machine: a network interface that
// is up with addresses or routes, a disk with a mounted filesystem or active swap, the boot display,
// or a VFIO group another process holds open. Read from a sysfs-like root so tests can build one.

#include "pciaddress.h"

#include <QString>
#include <QStringList>

namespace devtopo::linuxhost {

struct InUseSources
{
    QString root = QStringLiteral("/"); // sys/, proc/ below it
    // IPv4/IPv6 addresses per interface; default: getifaddrs() on "/", <root>/proc/net/if_inet6 otherwise.
    bool useGetifaddrs = true;
};

// Every reason found, one sentence each; empty when the device is not in use.
QStringList deviceInUseReasons(const PciAddress &a, const InUseSources &src);

} // namespace devtopo::linuxhost
