#pragma once

#include "scanner.h"

namespace devtopo {

// Opens whatever the user points at: a sysfs-like directory, a JSON snapshot, or a capture
// tarball (.tar, .tar.gz, .tar.xz, .tgz), which is unpacked to a temporary directory first.
struct SourceResult
{
    bool ok = false;
    Topology topology;
    QString error;
};
SourceResult openSource(const QString &path, const std::atomic<bool> *cancel = nullptr,
                        const ScanProgressFn &progress = {});

} // namespace devtopo
