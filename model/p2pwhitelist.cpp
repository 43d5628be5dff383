#include "p2pwhitelist.h"

namespace devtopo {

namespace {

// drivers/pci/p2pdma.c, pci_p2pdma_whitelist[] as of Linux 6.12. Later kernels add Google SoCs,
// NVIDIA Grace, Zhaoxin and Intel accelerators; a newer list belongs here when the target
// kernels move on.
constexpr P2pWhitelistEntry Whitelist[] = {
    {0x8086, 0x3c00, true, "Intel Xeon E5/Core i7 (Sandy Bridge-EP)"},
    {0x8086, 0x3c01, true, "Intel Xeon E5/Core i7 (Sandy Bridge-EP)"},
    {0x8086, 0x2f00, true, "Intel Xeon E7 v3/Xeon E5 v3/Core i7 (Haswell-EP)"},
    {0x8086, 0x2f01, true, "Intel Xeon E7 v3/Xeon E5 v3/Core i7 (Haswell-EP)"},
    {0x8086, 0x2030, false, "Intel Skylake-E root port A"},
    {0x8086, 0x2031, false, "Intel Skylake-E root port B"},
    {0x8086, 0x2032, false, "Intel Skylake-E root port C"},
    {0x8086, 0x2033, false, "Intel Skylake-E root port D"},
    {0x8086, 0x2020, false, "Intel Skylake-E DMI3"},
    {0x8086, 0x09a2, false, "Intel Ice Lake-SP"},
};

// AMD root complexes (host bridge 00.0) of families 17h, 19h and 1Ah, from pci.ids.
struct ZenRootComplex
{
    quint16 device;
    const char *name;
};
constexpr ZenRootComplex ZenRootComplexes[] = {
    {0x1450, "Family 17h (Models 00h-0fh) Root Complex"},
    {0x1480, "Starship/Matisse Root Complex"},
    {0x14a4, "Genoa/Bergamo Root Complex"},
    {0x14b5, "Family 17h-19h PCIe Root Complex"},
    {0x14d8, "Raphael/Granite Ridge Root Complex"},
    {0x14e8, "Phoenix Root Complex"},
    {0x13e0, "Ariel Root Complex"},
    {0x15d0, "Raven/Raven2 Root Complex"},
    {0x1630, "Renoir/Cezanne Root Complex"},
    {0x1645, "VanGogh Root Complex"},
};

} // namespace

const P2pWhitelistEntry *findP2pWhitelistEntry(quint16 vendor, quint16 device)
{
    for (const P2pWhitelistEntry &e : Whitelist)
        if (e.vendor == vendor && e.device == device)
            return &e;
    return nullptr;
}

QString amdZenRootComplexName(quint16 vendor, quint16 device)
{
    if (vendor != 0x1022)
        return {};
    for (const ZenRootComplex &z : ZenRootComplexes)
        if (z.device == device)
            return QLatin1StringView(z.name);
    return {};
}

} // namespace devtopo
