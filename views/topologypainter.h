#pragma once

// Paints a layout::TopologyLayout with QPainter: the same code draws the window, the PNG and the
// SVG export, so what a user exports is what they saw.

#include "layout/topologylayout.h"

#include <QFont>

#include <optional>

class QPainter;

namespace devtopo::views {

struct TopologyFonts
{
    QFont title;
    QFont body;
    QFont small;
};

// Pixel-sized fonts so layouts do not depend on the screen's DPI.
TopologyFonts topologyFonts();
// Real text widths for layoutTopology(), from the fonts above.
layout::LayoutMetrics topologyMetrics(const TopologyFonts &fonts = topologyFonts());

struct TopologyPaintState
{
    int selectedNode = -1;
    int highlightedPort = -1; // the port a group explanation points at
    int highlightedGroup = -1; // IOMMU group whose members get a strong outline
    int flashNode = -1; // search-to-focus: a fading ring
    qreal flash = 0; // 0..1
    bool legend = true;
};

// exposed: the part of the scene to draw (scene coordinates); boxes outside it are skipped.
// Text is skipped when the painter's scale makes it unreadably small, which keeps a zoomed-out
// 10,000-function host fast.
void paintTopology(QPainter &painter, const layout::TopologyLayout &layout, const QRectF &exposed,
                   const TopologyPaintState &state = {}, const TopologyFonts &fonts = topologyFonts());

} // namespace devtopo::views
