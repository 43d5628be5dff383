#pragma once

// The host-bridge rules of drivers/pci/p2pdma.c (Linux 6.12), used when two devices have no
// common upstream switch or when ACS redirects their traffic to the root complex.

#include <QString>
#include <QtGlobal>

namespace devtopo {

struct P2pWhitelistEntry
{
    quint16 vendor = 0;
    quint16 device = 0;
    bool requireSameHostBridge = false; // REQ_SAME_HOST_BRIDGE
    const char *name = "";
};

// pci_p2pdma_whitelist[]: nullptr when vendor:device is not listed.
const P2pWhitelistEntry *findP2pWhitelistEntry(quint16 vendor, quint16 device);

// cpu_supports_p2pdma() allows any host bridge when the CPU is AMD family 0x17 (Zen) or newer. The
// CPU family is not in /sys, so a host bridge function that is a Zen-era AMD root complex stands
// for it. Returns the root complex's name, or an empty string.
QString amdZenRootComplexName(quint16 vendor, quint16 device);

} // namespace devtopo
