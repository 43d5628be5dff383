#pragma once

// A small simulated host written out and then damaged in the ways real copies of /sys and buggy
// firmware damage trees, for parser robustness tests. Each defect sits on its own device or group
// so a test can check that the scanner reports it and still reads everything else.

#include "pciaddress.h"

#include <QString>

namespace devtopo::sim {

namespace Malformed {
// reserved_regions of this device's group ends in a cut-off line ("0x00000000fee00000 0x0000").
inline const QString TruncatedRegionsDevice = QStringLiteral("0000:02:00.0");
// numa_node holds "banana".
inline const QString BadNumaDevice = QStringLiteral("0000:02:00.0");
// no config file at all.
inline const QString MissingConfigDevice = QStringLiteral("0000:03:00.0");
// driver -> ../../../../bus/pci/drivers/ghost_driver, which does not exist.
inline const QString DanglingDriverDevice = QStringLiteral("0000:03:00.0");
// reserved_regions of this device's group is 8 MiB of region lines.
inline const QString HugeRegionsDevice = QStringLiteral("0000:04:00.0");
constexpr qint64 HugeRegionsBytes = 8 * 1024 * 1024;
// config is 10 bytes long.
inline const QString ShortConfigDevice = QStringLiteral("0000:01:00.0");
// this PF's virtfn2 points at 0000:01:00.7, which does not exist (sriov_numvfs still says 2).
inline const QString BrokenVirtfnPf = QStringLiteral("0000:01:00.0");
// sys/bus/pci/devices/<this> is a symlink to itself (ELOOP).
inline const QString SelfLoopDevice = QStringLiteral("0000:00:1f.0");
// <this device's dir>/firmware_node links back to its parent directory (a directory cycle).
inline const QString CycleDevice = QStringLiteral("0000:04:00.0");
} // namespace Malformed

// Writes the damaged tree into `dir` (created if missing, must not already hold sys/).
// Returns false and sets *error only if writing itself fails.
bool writeMalformedTree(const QString &dir, QString *error = nullptr);

} // namespace devtopo::sim
