#pragma once

// Writes a SimHost as the kernel lays it out: sys/devices/pci*/... with real relative symlinks
// (driver, iommu_group, iommu, physfn, virtfnN, bus/pci/devices, iommu_groups/N/devices,
// class/iommu), sys/devices/system/node, proc/sys/kernel/osrelease, proc/cmdline and
// lib/modules/<release>/modules.alias. The result is read by the scanner and by
// `lspci -A linux-sysfs -O sysfs.path=DIR/sys/bus/pci`.

#include "simhost.h"

#include <QByteArray>
#include <QHash>

namespace devtopo::sim {

// Writes into `dir` (created if missing). Refuses a dir that already holds sys/, so a changed
// host is always written into a fresh directory, never merged with a stale tree.
bool writeSysfsTree(const SimHost &host, const QString &dir, QString *error = nullptr);

// Each function's directory relative to sys/, e.g. "devices/pci0000:00/0000:00:01.0/0000:01:00.0".
// VFs sit next to their PF, as the kernel puts them.
QHash<PciAddress, QByteArray> sysfsDevicePaths(const SimHost &host);

// The text of a cpulist ("0-3,8") parsed and printed back; cpuMaskText() gives the kernel's
// comma-separated 32-bit hex words for `nrCpus` bits (local_cpus, cpumap).
QList<int> parseCpuList(const QString &list);
QByteArray cpuListText(const QList<int> &cpus);
QByteArray cpuMaskText(const QList<int> &cpus, int nrCpus);

// What lib/modules/<release>/modules.alias holds for the host: pci: aliases of the drivers in use
// and the vfio_pci: aliases of VFIO variant drivers plus vfio-pci's catch-all.
QByteArray modulesAliasText(const SimHost &host);

} // namespace devtopo::sim
