#pragma once

// Hand-built hosts for the P2P tests; nothing here reads /sys.
//
// pci0000:00 (NUMA 0, 00:00.0 = Intel Skylake-E DMI3 8086:2020, whitelisted)
//   00:01.0 root port -> 01:00.0 switch upstream -> 02:00.0 downstream -> 03:00.0 GPU, 03:00.1 3D ctrl
//                                                 -> 02:01.0 downstream -> 04:00.0 GPU
//                                                 -> 02:02.0 downstream -> 05:00.0 upstream of a second
//                                                    switch -> 06:00.0 downstream -> 07:00.0 GPU
//   00:02.0 root port -> 08:00.0 NIC
// pci0000:40 (NUMA 0, 40:00.0 = Skylake-E root port A 8086:2030) -> 41:00.0 NVMe
// pci0000:80 (NUMA 1, 80:00.0 = root port 8086:2030) -> 81:00.0 GPU
// pci0000:c0 (NUMA unknown, c0:00.0 = QEMU root port 1b36:000c, not whitelisted) -> c1:00.0 accelerator
//
// Every link is 8 GT/s x16; no ACS control bit is set.

#include "topology.h"

namespace devtopo::test {

Topology makeP2pTopology();
PciFunction *fn(Topology &t, const char *address);
PciAddress at(const char *address);

} // namespace devtopo::test
