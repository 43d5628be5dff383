#pragma once

// The demo host, scanned once per test process, for the drawing tests.

#include "demoroot.h"
#include "source.h"

#include <QTest>

namespace devtopo::test {

inline bool scanDemoHost(Topology *out, QString *error)
{
    const QString root = sim::createDemoRoot(error);
    if (root.isEmpty())
        return false;
    SourceResult r = openSource(root);
    if (!r.ok) {
        *error = r.error;
        return false;
    }
    *out = std::move(r.topology);
    return true;
}

} // namespace devtopo::test
