#pragma once

#include "sysfsreader.h"
#include "topology.h"

namespace devtopo {

// Decodes Intel VT-d CAP/ECAP registers (as /sys/class/iommu/dmarN/intel-iommu/{cap,ecap} print
// them: hex without 0x) into an IommuUnit, using the bit positions of the kernel's
// drivers/iommu/intel/iommu.h accessors (cap_mgaw, ecap_smts, ecap_nest, ecap_slads, ...).
void decodeIntelVtd(quint64 cap, quint64 ecap, IommuUnit *unit);
// Decodes an AMD-Vi Extended Feature Register ("features" in amd-iommu/).
void decodeAmdVi(quint64 efr, IommuUnit *unit);

// Reads every unit in <root>/sys/class/iommu with the devices it serves.
QList<IommuUnit> scanIommuUnits(const SysfsReader &sys, QStringList *warnings);

} // namespace devtopo
