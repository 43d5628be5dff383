#pragma once

#include "topology.h"

namespace devtopo::views {

// The group panel's prose: viability verdict, members with their drivers, why they share the
// group, what blocks VFIO and what to do about it. Member addresses are links "pci:DDDD:BB:DD.F".
QString groupExplanationHtml(const Topology &topology, const IommuGroup &group);

} // namespace devtopo::views
