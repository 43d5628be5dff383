#pragma once

#include <QColor>
#include <QString>
#include <QStringList>

namespace devtopo::views {

// One colour per IOVA kind, used by the map, its legend and the region table, so the same kind
// looks the same everywhere. Kinds are the kernel's reserved_regions types plus "usable" and
// "unavailable" (outside the group's address width or otherwise neither usable nor reserved).
QColor regionColor(const QString &kind);
// Black or white, whichever reads better on regionColor(kind).
QColor regionTextColor(const QString &kind);
// The kinds in legend order.
QStringList regionKinds();
// "MSI doorbell", "direct (RMRR)" ...: short legend labels.
QString regionKindLabel(const QString &kind);

} // namespace devtopo::views
