#pragma once

// What /sys/kernel/iommu_groups/N/reserved_regions lists for a simulated group: the VT-d
// driver's per-device regions (intel_iommu_get_resv_regions()) merged per group the way
// iommu_insert_resv_region() merges them.

#include "simhost.h"

namespace devtopo::sim {

struct SimResvRegion
{
    quint64 start = 0;
    quint64 end = 0; // inclusive
    QString type; // direct, direct-relaxable, reserved, msi
    bool operator==(const SimResvRegion &) const = default;
};

// The MSI window every device behind a VT-d unit gets (IOAPIC range).
constexpr quint64 kMsiStart = 0xfee00000;
constexpr quint64 kMsiEnd = 0xfeefffff;

QList<SimResvRegion> deviceReservedRegions(const SimHost &host, const SimFunction &f);
// Every group id -> its merged regions, sorted by start address.
QHash<int, QList<SimResvRegion>> groupReservedRegions(const SimHost &host);
// The file's text: "0x%016llx 0x%016llx %s\n" per region.
QByteArray reservedRegionsText(const QList<SimResvRegion> &regions);

} // namespace devtopo::sim
