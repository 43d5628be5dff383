#pragma once

// A generated host for benchmarks and scaling tests: several host bridges in domains 0000 and
// 0001, a VMD-style domain 10000 behind an endpoint, root ports carrying dual-port SR-IOV NICs with
// many VFs, PCIe switches full of NVMe drives and GPUs. Booted like the demo host.

#include "simhost.h"

namespace devtopo::sim {

// At least targetFunctions functions when the address space allows it (up to ~20,000);
// deterministic for a given target.
SimHost makeScaleHost(int targetFunctions);

} // namespace devtopo::sim
