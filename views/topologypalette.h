#pragma once

// The drawing's colours in one place, so the window, the exports and the legend agree.

#include "layout/topologylayout.h"

#include <QColor>

namespace devtopo::views {

// Light fills, distinct from each other and from the red that marks problems, dark text readable
// on all of them. Index -1 (no IOMMU group) is a neutral grey.
QColor groupFill(int colorIndex);
// The outline and badge colour that goes with groupFill().
QColor groupLine(int colorIndex);

QColor textToneColor(layout::TextLine::Tone tone);
QColor linkFill(layout::LinkLabel::State state);
QColor linkLine(layout::LinkLabel::State state);
QColor linkText(layout::LinkLabel::State state);

// The group badge: viable for VFIO now (every member on a VFIO driver or none), or not.
QColor viableColor();
QColor notViableColor();
QColor selectionColor();
QColor portHighlightColor();

} // namespace devtopo::views
