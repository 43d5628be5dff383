#pragma once

#include <QHashFunctions>
#include <QMetaType>
#include <QString>

#include <compare>
#include <optional>

namespace devtopo {

// A PCI function's address as the kernel names it: DDDD:BB:DD.F. Domains can be wider than 16 bits
// (VMD and Hyper-V use 0x10000 and above), so the domain is 32 bits and printed with at least 4 digits.
struct PciAddress
{
    quint32 domain = 0;
    quint8 bus = 0;
    quint8 device = 0; // 0..31
    quint8 function = 0; // 0..7

    static std::optional<PciAddress> parse(QStringView text);
    QString toString() const;
    bool isValid() const { return device < 32 && function < 8; }
    // Same bus and device number: the functions of one multifunction slot.
    bool sameSlot(const PciAddress &other) const
    {
        return domain == other.domain && bus == other.bus && device == other.device;
    }

    auto operator<=>(const PciAddress &) const = default;
    bool operator==(const PciAddress &) const = default;
};

inline size_t qHash(const PciAddress &a, size_t seed = 0) noexcept
{
    return qHashMulti(seed, a.domain, a.bus, a.device, a.function);
}

} // namespace devtopo

Q_DECLARE_METATYPE(devtopo::PciAddress)
