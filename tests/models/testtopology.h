#pragma once

// A small, hand-built host that exercises every model: two host bridges, a root port with a
// switch (no ACS downstream) holding an NVMe drive and a GPU+audio pair, a root port with an
// SR-IOV NIC and two of its VFs, a multifunction chipset slot, a degraded link, reserved regions.
// Shared by tests/models and tests/views; nothing here reads /sys.

#include "topology.h"

namespace devtopo::test {

Topology makeTestTopology();
// n functions spread over host bridges, root ports and endpoints; for the scale test.
Topology makeLargeTopology(int functions);

PciAddress addr(const char *text);

} // namespace devtopo::test
