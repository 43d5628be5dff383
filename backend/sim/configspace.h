#pragma once

// The bytes a function's sysfs `config` file holds: a type 0/1 header and a capability list that
// libpci (lspci -vvv) and the scanner decode exactly as on hardware.

#include "simhost.h"

#include <QByteArray>

namespace devtopo::sim {

// 4096 bytes for PCIe functions (with extended capabilities), 256 for conventional ones.
// VFs read 0xffff as vendor and device ID, as real VFs do; sysfs vendor/device still hold the IDs.
// ariNextFunction: the ARI "next function number" (0 = last), only used when f.ari is set.
QByteArray buildConfigSpace(const SimFunction &f, int ariNextFunction = 0);

// PCIe link speed encoding (LNKCAP/LNKSTA bits 3:0): 1 = 2.5 GT/s ... 6 = 64 GT/s; 0 = unknown.
int linkSpeedCode(double gts);
// The kernel's pci_speed_string() text: "16.0 GT/s PCIe", "2.5 GT/s PCIe", "Unknown".
QString linkSpeedText(double gts);

namespace ConfigOffset {
// Where buildConfigSpace() puts things; tests and the malformed-tree writer use them.
constexpr int PcieCap = 0x70;
constexpr int ExtStart = 0x100;
} // namespace ConfigOffset

} // namespace devtopo::sim
