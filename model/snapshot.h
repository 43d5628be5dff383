#pragma once

#include "topology.h"

#include <QJsonObject>

namespace devtopo {

// The JSON form of a topology: what `devtopo-cli scan --json` prints and what File → Save snapshot
// writes. Addresses as "DDDD:BB:DD.F", addresses and sizes as "0x" hex strings.
QJsonObject topologyToJson(const Topology &topo);
// Reads what topologyToJson() wrote. Returns false with a message on malformed input.
bool topologyFromJson(const QJsonObject &json, Topology *out, QString *error);

bool saveSnapshot(const Topology &topo, const QString &path, QString *error);
bool loadSnapshot(const QString &path, Topology *out, QString *error);

constexpr int SnapshotFormatVersion = 1;

} // namespace devtopo
