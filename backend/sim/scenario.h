#pragma once

// Scenario files describe a simulated host as data (see resources/demo/demo-server.json):
// NUMA nodes, IOMMU units, host bridges, reusable device "models" and the functions that use
// them, firmware reserved regions. Loading boots the host (bootHost()) so groups, ACS control,
// VFs and their drivers are in the state a running kernel would show.

#include "simhost.h"

#include <QJsonObject>

namespace devtopo::sim {

// Builds and boots a host. On bad input returns an empty host and sets *error to a message that
// names the offending entry.
SimHost fromScenario(const QJsonObject &scenario, QString *error = nullptr);
SimHost loadScenarioFile(const QString &path, QString *error = nullptr);

// The built-in demo server, compiled in as a Qt resource.
QString defaultScenarioPath(); // ":/devtopo/demo/demo-server.json"
SimHost defaultDemoHost(QString *error = nullptr);

} // namespace devtopo::sim
