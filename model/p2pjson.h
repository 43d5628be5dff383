#pragma once

// The P2P matrix as JSON for devtopo-cli p2p --json and for anyone scripting against it.

#include "p2pmatrix.h"

#include <QJsonObject>

namespace devtopo {

// {"kind", "devices":[{"name","address","description","numa_node"}],
//  "pairs":[{"a","b","class","path","distance","map_type","host_rule","common_bridge",
//            "acs_redirect","bottleneck":{"address","speed","width","gbytes_per_s"}|null,"reasons"}]}
// pairs holds each unordered pair once (a before b in matrix order), the diagonal left out.
QJsonObject p2pMatrixToJson(const P2pEngine &engine, const P2pMatrix &matrix);
QJsonObject p2pPathToJson(const P2pPath &path);

} // namespace devtopo
