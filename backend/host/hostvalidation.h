#pragma once

// Every argument a client sends is checked here, once, for both hosts and the helper. A refusal
// happens before anything is touched, so it always leaves the host as it was.

#include "hostresult.h"
#include "pciaddress.h"

#include <QUuid>

#include <functional>

namespace devtopo::host::validate {

// Largest single DMA mapping the helper accepts (the type1 limit is the address space; this keeps a
// mistyped size from pinning the machine's memory before RLIMIT_MEMLOCK is even consulted).
constexpr quint64 kMaxDmaSize = quint64(64) << 30;

// DDDD:BB:DD.F exactly as sysfs spells it (lower-case hex, 4-digit domain), and present on the host.
HostResult address(const QString &text, const std::function<bool(const PciAddress &)> &exists, PciAddress *out);
// A plain name: letters, digits, '_', '-', '.', not "." or "..", at most 64 characters,
// and one of the drivers the host knows (loaded or loadable).
HostResult driverName(const QString &name, const QStringList &knownDrivers);
bool driverNameWellFormed(const QString &name);
// The strict 36-character form with hyphens (what vfio_pci_core_match()'s uuid_parse accepts).
HostResult uuid(const QString &text, QUuid *out);
// iova and size aligned to pageSize (a power of two), size > 0 and <= kMaxDmaSize, no overflow.
HostResult dmaRange(quint64 iova, quint64 size, quint64 pageSize);
HostResult vfCount(int n, int totalVfs, const PciAddress &pf);
HostResult groupNumber(int group);

} // namespace devtopo::host::validate
