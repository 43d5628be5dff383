#include "format.h"

#include <cmath>
#include <limits>

namespace devtopo::fmt {

QString hex(quint64 value, int digits)
{
    return QStringLiteral("0x") + QString::number(value, 16).rightJustified(digits, QLatin1Char('0'));
}

QString hexRange(quint64 start, quint64 endInclusive)
{
    const int digits = endInclusive > 0xffffffffffffULL ? 16 : 12;
    return hex(start, digits) + QStringLiteral("–") + hex(endInclusive, digits);
}

QString byteSize(quint64 bytes)
{
    static const char *const units[] = {"bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    int unit = 0;
    while (unit < 6 && bytes >= (quint64(1) << (10 * (unit + 1))))
        ++unit;
    if (unit == 0)
        return QString::number(bytes) + QLatin1Char(' ') + QLatin1StringView(units[0]);
    const quint64 base = quint64(1) << (10 * unit);
    const QLatin1StringView name(units[unit]);
    if (bytes % base == 0)
        return QString::number(bytes / base) + QLatin1Char(' ') + name;
    // Not a whole number of units: three significant digits, marked approximate when rounded to
    // an integer so "≈256 TiB" is not read as exactly 2^48 bytes (tooltips carry the exact count).
    const double v = double(bytes) / double(base);
    if (v >= 100)
        return QStringLiteral("≈") + QString::number(v, 'f', 0) + QLatin1Char(' ') + name;
    return QString::number(v, 'f', v < 10 ? 2 : 1) + QLatin1Char(' ') + name;
}

QString rangeSize(quint64 start, quint64 endInclusive)
{
    if (endInclusive < start)
        return QStringLiteral("empty");
    if (start == 0 && endInclusive == std::numeric_limits<quint64>::max())
        return QStringLiteral("16 EiB"); // 2^64 does not fit in quint64
    return byteSize(endInclusive - start + 1);
}

QString exactRangeSize(quint64 start, quint64 endInclusive)
{
    if (endInclusive < start)
        return QStringLiteral("0 bytes");
    if (start == 0 && endInclusive == std::numeric_limits<quint64>::max())
        return QStringLiteral("18446744073709551616 bytes");
    return QString::number(endInclusive - start + 1) + QStringLiteral(" bytes");
}

QString linkSpeed(double gtPerSecond)
{
    return QString::number(gtPerSecond, 'g', 3) + QStringLiteral(" GT/s");
}

static QString speedWidth(double speed, int width)
{
    QStringList parts;
    if (speed > 0)
        parts << linkSpeed(speed);
    if (width > 0)
        parts << QStringLiteral("x%1").arg(width);
    return parts.join(QLatin1Char(' '));
}

QString linkText(const LinkInfo &link)
{
    if (!link.known())
        return {};
    const QString current = speedWidth(link.currentSpeed, link.currentWidth);
    const QString max = speedWidth(link.maxSpeed, link.maxWidth);
    if (link.degraded())
        return QStringLiteral("%1 (degraded; capable of %2)").arg(current, max);
    return current.isEmpty() ? max : current;
}

QString classCode(quint32 code)
{
    return hex(code, 6);
}

QString vendorDevice(quint16 vendor, quint16 device)
{
    return QStringLiteral("%1:%2").arg(vendor, 4, 16, QLatin1Char('0')).arg(device, 4, 16, QLatin1Char('0'));
}

QString functionName(const PciFunction &f)
{
    const QString device = f.displayName();
    if (f.vendorName.isEmpty() || device.startsWith(f.vendorName))
        return device;
    return f.vendorName + QLatin1Char(' ') + device;
}

QString className(const PciFunction &f)
{
    return f.className.isEmpty() ? QStringLiteral("Class ") + classCode(f.classCode) : f.className;
}

QString groupReasonKindName(GroupReason::Kind kind)
{
    switch (kind) {
    case GroupReason::Kind::MissingAcs: return QStringLiteral("No ACS upstream");
    case GroupReason::Kind::AcsControlOff: return QStringLiteral("ACS disabled");
    case GroupReason::Kind::MultifunctionWithoutAcs: return QStringLiteral("Multifunction without ACS");
    case GroupReason::Kind::PcieToPciBridge: return QStringLiteral("Behind PCIe-to-PCI bridge");
    case GroupReason::Kind::ConventionalBus: return QStringLiteral("Conventional PCI bus");
    case GroupReason::Kind::Unexplained: return QStringLiteral("Unexplained");
    }
    return {};
}

QString firstSentence(const QString &text, int maxChars)
{
    QString s = text.simplified();
    const qsizetype stop = s.indexOf(QStringLiteral(". "));
    if (stop > 0)
        s.truncate(stop + 1);
    if (s.size() > maxChars)
        s = s.left(maxChars - 1).trimmed() + QStringLiteral("…");
    return s;
}

QString yesNo(bool value)
{
    return value ? QStringLiteral("yes") : QStringLiteral("no");
}

} // namespace devtopo::fmt
