#pragma once

// The simulated kernel's IOMMU grouping: an independent implementation of pci_device_group()
// (drivers/iommu/iommu.c) and pci_acs_enabled()/pci_acs_path_enabled() (drivers/pci/pci.c),
// without device-specific ACS quirks. The model has its own predictor; tests cross-check them.

#include "simhost.h"

namespace devtopo::sim {

// pci_acs_enabled(dev, flags) without quirks.
bool acsEnabled(const SimFunction &f, quint16 flags = AcsBit::Required);
// pci_acs_path_enabled(start, NULL, flags): ACS holds on start and every bridge up to the root bus.
bool acsPathEnabled(const SimHost &host, const SimFunction &start, quint16 flags = AcsBit::Required);

// The order the kernel adds (and so groups) devices at boot: per root bus, every function on the
// bus in devfn order, then each bridge's secondary bus recursively (pci_bus_add_devices()).
// Indices into host.functions; VFs are not included (they are added when SR-IOV is enabled).
QList<int> enumerationOrder(const SimHost &host);

// The group pci_device_group() would put function `index` in, given the groups assigned so far:
// an existing group id, or -1 when the kernel would allocate a new group.
int existingGroupFor(const SimHost &host, int index);

// Boot: forgets all groups and assigns them in enumerationOrder(), numbering new groups 0, 1, ...
// VFs present in host.functions are grouped afterwards, in address order.
void assignIommuGroups(SimHost &host);

// A device added after boot (a new VF): joins an existing group or gets the lowest free id, as
// ida_alloc() hands out. Returns the group id. Call in the order the devices are added.
int addToIommuGroups(SimHost &host, const PciAddress &added);

} // namespace devtopo::sim
