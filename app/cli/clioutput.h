#pragma once

#include "topology.h"

#include <QTextStream>

namespace devtopo::cli {

// Human-readable renderings for the terminal; the JSON form is topologyToJson().
void printTree(const Topology &topo, QTextStream &out);
void printGroups(const Topology &topo, QTextStream &out);
void printWarnings(const Topology &topo, QTextStream &err);

} // namespace devtopo::cli
