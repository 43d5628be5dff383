#pragma once

#include "topology.h"

namespace devtopo {

// Fills IommuGroup::addressWidth/usableIova, viability and reasons for every group.
// Idempotent; call after any change to functions or groups.
void analyzeTopology(Topology &topo);

// Usable IOVA ranges: [0, 2^addressWidth) minus every reserved region except direct-relaxable
// ones, which VFIO type1 lets a user map over (vfio_iommu_resv_exclude() skips them).
QList<IovaRange> usableIovaRanges(int addressWidth, const QList<ReservedRegion> &reserved);

// Whether a driver lets VFIO take the group, by the kernel's DMA-ownership rule:
// VFIO drivers, pci-stub and no driver at all; pcieport only on bridges.
bool driverAllowsVfioOwnership(const QString &driver, bool isBridge);
bool isVfioDriver(const QString &driver);

// Predicts the IOMMU groups pci_device_group() would form from config space alone (ACS, DMA
// aliases, multifunction slots). Used for hosts without an IOMMU and to cross-check real groups.
// Returns group -> members, numbered from 0 in address order of the first member.
QList<QList<PciAddress>> predictIommuGroups(const Topology &topo);

// Why each function of a group shares it; empty for a single-member group.
QList<GroupReason> explainGroup(const Topology &topo, const IommuGroup &group);

} // namespace devtopo
