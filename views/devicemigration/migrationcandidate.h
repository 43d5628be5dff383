#pragma once

// Which devices the window offers for VFIO migration: a PCI function bound to a variant driver
// with migration ops (vfiomig::driverMigrationCaps), or an mdev (mtty and friends; the helper
// answers ENOTTY for one whose parent driver has none). The refusal says why in the words the
// dock shows ("0000:00:1f.2 is on ahci: no VFIO migration driver").

#include <QString>

namespace devtopo {
struct PciFunction;
}

namespace devtopo::devmig {

// "" when the device can be opened for migration; otherwise why not.
QString migrationUnavailableReason(const PciFunction &f);
// An mdev's name in a group's non-PCI members (a UUID).
bool isMdevName(const QString &member);

} // namespace devtopo::devmig
