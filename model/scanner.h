#pragma once

#include "topology.h"

#include <atomic>
#include <functional>

namespace devtopo {

struct ScanOptions
{
    // A directory laid out like / (it holds sys/...). "/" is the live host.
    QString root = QStringLiteral("/");
    // modules.alias used for VFIO variant drivers; empty: <root>/lib/modules/<release>/modules.alias,
    // then the running kernel's on a live host.
    QString modulesAlias;
    // Kernel release for modules.alias lookup; empty: <root>/proc/sys/kernel/osrelease or uname.
    QString kernelRelease;
    // Decode config space through libpci (capabilities, ACS, SR-IOV, port types).
    bool readConfigSpace = true;
};

// Called from the scanning thread; done counts functions processed so far.
using ScanProgressFn = std::function<void(int done, int total, const QString &stage)>;

// Reads a host from a sysfs-like root into a Topology and runs every analysis on it.
// Never throws on bad input: what is missing or malformed goes to Topology::warnings and
// PciFunction::missing. Returns early with a partial topology (warning "cancelled") when cancel is set.
Topology scanHost(const ScanOptions &options, const std::atomic<bool> *cancel = nullptr,
                  const ScanProgressFn &progress = {});

} // namespace devtopo
