#pragma once

// One colour per P2P class, near (green) to far (red), shared by the heat map and its legend.

#include "p2p.h"

#include <QColor>

namespace devtopo::views {

QColor p2pClassColor(P2pClass c);
// Black or white, whichever reads better on the class colour.
QColor p2pClassTextColor(P2pClass c);

} // namespace devtopo::views
