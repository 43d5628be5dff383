#pragma once

// What /proc/self/status says about this process's locked memory and capabilities: the values
// both DMA backends report next to RLIMIT_MEMLOCK.

#include <QtGlobal>

namespace devtopo::linuxhost {

quint64 processLockedBytes(); // VmLck: what type1 charges pinned DMA pages to
bool processHasCapIpcLock(); // CAP_IPC_LOCK in CapEff: type1 and iommufd skip the memlock limit
quint64 memlockLimit(); // RLIMIT_MEMLOCK soft limit; ~0 = unlimited

} // namespace devtopo::linuxhost
