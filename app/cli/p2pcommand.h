#pragma once

// `devtopo-cli p2p`: the P2P matrix in nvidia-smi topo -m's layout, or as JSON. It has options of
// its own (--kind, --no-vfs), so main() hands over to it with the raw arguments.

#include <QTextStream>

namespace devtopo {
class P2pEngine;
struct P2pMatrix;
} // namespace devtopo

namespace devtopo::cli {

// Creates the QCoreApplication, parses p2p's options, scans the source and prints. Returns the
// process exit code.
int runP2pCommand(int argc, char **argv);

// The matrix as nvidia-smi prints it: a header row of short names, one row per device with its
// CPU and NUMA affinity, then the class legend and the device legend.
void printP2pMatrix(const P2pEngine &engine, const P2pMatrix &matrix, QTextStream &out);

} // namespace devtopo::cli
