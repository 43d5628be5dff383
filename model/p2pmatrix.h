#pragma once

// A whole P2P matrix: the chosen endpoints, their short names (GPU0, NIC0, ... as nvidia-smi
// names them) and a cell for every ordered pair. Explanations are made on demand from the engine.

#include "p2pengine.h"

#include <vector>

namespace devtopo {

struct P2pMatrix
{
    P2pKind kind = P2pKind::All;
    bool includeVfs = true;
    QList<int> functions; // indices into Topology::functions, in address order
    QStringList shortNames; // "GPU0", "NIC1", "NVME0", "ACC0", "DEV3"
    std::vector<P2pCell> cells; // row-major, size() x size(); symmetric, since the kernel's rules are

    int size() const { return int(functions.size()); }
    const P2pCell &at(int row, int column) const { return cells[size_t(row) * size_t(functions.size()) + size_t(column)]; }
};

// Short names numbered per prefix in address order, like nvidia-smi's GPU0.. and NIC0...
QStringList p2pShortNames(const Topology &topology, const QList<int> &functions);

P2pMatrix computeP2pMatrix(const P2pEngine &engine, P2pKind kind, bool includeVfs = true);

} // namespace devtopo
