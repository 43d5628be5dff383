#pragma once

// The app-facing entry point of the demo host: `devtopo --demo` and `devtopo-cli --demo` scan the
// directory returned here exactly as they scan "/".

#include <QString>

namespace devtopo::sim {

struct SimHost;

// Boots the built-in demo scenario and writes it into a new temporary directory that lives until
// the process exits. Returns the root to scan (it holds sys/, proc/, lib/), or an empty string
// and *error on failure.
QString createDemoRoot(QString *error = nullptr);

// Same for any host, e.g. after a mutation: every call writes a fresh directory.
QString createDemoRoot(const SimHost &host, QString *error = nullptr);

} // namespace devtopo::sim
