#include "regioncolors.h"

namespace devtopo::views {

QColor regionColor(const QString &kind)
{
    // Material palette shades chosen to stay distinct for the common colour-vision deficiencies:
    // green and red never touch without a lighter amber or orange between them in a real map.
    if (kind == QStringLiteral("usable"))
        return QColor(0x43, 0xa0, 0x47);
    if (kind == QStringLiteral("msi"))
        return QColor(0xfb, 0x8c, 0x00);
    if (kind == QStringLiteral("direct"))
        return QColor(0xd3, 0x2f, 0x2f);
    if (kind == QStringLiteral("direct-relaxable"))
        return QColor(0xff, 0xca, 0x28);
    if (kind == QStringLiteral("unavailable"))
        return QColor(0xe0, 0xe0, 0xe0);
    return QColor(0x9e, 0x9e, 0x9e); // reserved and anything the kernel adds later
}

QColor regionTextColor(const QString &kind)
{
    return kind == QStringLiteral("direct") || kind == QStringLiteral("usable") ? Qt::white : Qt::black;
}

QStringList regionKinds()
{
    return {QStringLiteral("usable"), QStringLiteral("msi"), QStringLiteral("direct"),
            QStringLiteral("direct-relaxable"), QStringLiteral("reserved")};
}

QString regionKindLabel(const QString &kind)
{
    if (kind == QStringLiteral("usable"))
        return QStringLiteral("usable IOVA");
    if (kind == QStringLiteral("msi"))
        return QStringLiteral("MSI window");
    if (kind == QStringLiteral("direct"))
        return QStringLiteral("direct (RMRR)");
    if (kind == QStringLiteral("direct-relaxable"))
        return QStringLiteral("direct, relaxable");
    if (kind == QStringLiteral("unavailable"))
        return QStringLiteral("outside the space");
    return kind;
}

} // namespace devtopo::views
