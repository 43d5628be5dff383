#include "pciaddress.h"

namespace devtopo {

namespace {
std::optional<quint32> parseHex(QStringView s, int maxDigits)
{
    if (s.isEmpty() || s.size() > maxDigits)
        return std::nullopt;
    quint32 v = 0;
    for (QChar c : s) {
        int d;
        if (c >= u'0' && c <= u'9')
            d = c.unicode() - u'0';
        else if (c >= u'a' && c <= u'f')
            d = c.unicode() - u'a' + 10;
        else if (c >= u'A' && c <= u'F')
            d = c.unicode() - u'A' + 10;
        else
            return std::nullopt;
        v = v * 16 + quint32(d);
    }
    return v;
}
} // namespace

std::optional<PciAddress> PciAddress::parse(QStringView text)
{
    // Strict: exactly DOMAIN:BB:DD.F, the form sysfs uses. "BB:DD.F" without a domain is accepted
    // too because that is what people paste from lspci.
    const qsizetype dot = text.lastIndexOf(u'.');
    if (dot < 0)
        return std::nullopt;
    const QStringView fnPart = text.mid(dot + 1);
    const QStringView head = text.left(dot);
    const qsizetype c2 = head.lastIndexOf(u':');
    if (c2 < 0)
        return std::nullopt;
    const QStringView devPart = head.mid(c2 + 1);
    const QStringView rest = head.left(c2);
    const qsizetype c1 = rest.lastIndexOf(u':');
    const QStringView busPart = c1 < 0 ? rest : rest.mid(c1 + 1);
    const QStringView domPart = c1 < 0 ? QStringView() : rest.left(c1);

    auto fn = parseHex(fnPart, 1);
    auto dev = parseHex(devPart, 2);
    auto bus = parseHex(busPart, 2);
    if (!fn || !dev || !bus || devPart.size() != 2 || busPart.size() != 2 || *fn > 7 || *dev > 31)
        return std::nullopt;
    PciAddress a;
    if (c1 >= 0) {
        auto dom = parseHex(domPart, 8);
        if (!dom || domPart.size() < 4)
            return std::nullopt;
        a.domain = *dom;
    }
    a.bus = quint8(*bus);
    a.device = quint8(*dev);
    a.function = quint8(*fn);
    return a;
}

QString PciAddress::toString() const
{
    return QStringLiteral("%1:%2:%3.%4")
        .arg(domain, 4, 16, QLatin1Char('0'))
        .arg(bus, 2, 16, QLatin1Char('0'))
        .arg(device, 2, 16, QLatin1Char('0'))
        .arg(function, 1, 16);
}

} // namespace devtopo
