#include "topologypainter.h"

#include "topologypalette.h"

#include <QFontMetricsF>
#include <QPainter>
#include <QPainterPath>

#include <cmath>

namespace devtopo::views {

using layout::DrawNode;
using layout::TextLine;
using layout::TextRole;
using Kind = DrawNode::Kind;

namespace {
constexpr qreal Pad = 6; // matches the layout's padding

const QFont &fontFor(const TopologyFonts &f, TextRole role)
{
    switch (role) {
    case TextRole::Title:
        return f.title;
    case TextRole::Body:
        return f.body;
    case TextRole::Small:
        break;
    }
    return f.small;
}

struct BoxStyle
{
    QColor fill;
    QColor line;
    qreal width = 1;
    qreal radius = 3;
    Qt::PenStyle style = Qt::SolidLine;
};

BoxStyle styleFor(const DrawNode &n)
{
    switch (n.kind) {
    case Kind::Machine:
        return {QColor(0xff, 0xff, 0xff), QColor(0x60, 0x7d, 0x8b), 1.5, 6};
    case Kind::Numa:
        return {QColor(0xe3, 0xe9, 0xee), QColor(0x60, 0x7d, 0x8b), 1.5, 6};
    case Kind::MemoryNode:
        return {QColor(0xf3, 0xe5, 0xf5), QColor(0x8e, 0x24, 0xaa), 1.2, 6, Qt::DashLine};
    case Kind::HostBridge:
        return {QColor(0xf7, 0xf8, 0xf9), QColor(0x90, 0xa4, 0xae), 1.2, 4};
    case Kind::Switch:
        return {QColor(0xff, 0xf8, 0xe7), QColor(0x8d, 0x6e, 0x63), 1.5, 4};
    case Kind::Port:
        return {QColor(0xff, 0xff, 0xff), QColor(0xa0, 0xb0, 0xb8), 1.0, 3};
    case Kind::Device:
    case Kind::VfStack:
        break;
    }
    return {groupFill(n.colorIndex), groupLine(n.colorIndex), 1.0, 3};
}

void drawBadge(QPainter &p, const DrawNode &n, const TopologyFonts &fonts, bool text)
{
    if (n.badgeRect.isEmpty())
        return;
    // Most groups are "not viable" only because a host driver holds a member, so that is the quiet
    // case (white badge, red number); the groups VFIO can open right now stand out in green.
    p.setPen(QPen(n.groupViable ? viableColor().darker(120) : notViableColor(), 1));
    p.setBrush(n.groupViable ? viableColor() : QColor(Qt::white));
    p.drawRoundedRect(n.badgeRect, 3, 3);
    if (!text)
        return;
    QFont f = fonts.small;
    f.setBold(true);
    p.setFont(f);
    p.setPen(n.groupViable ? QColor(Qt::white) : notViableColor());
    p.drawText(n.badgeRect, Qt::AlignCenter, n.badgeText);
}

void drawLink(QPainter &p, const DrawNode &n, const TopologyFonts &fonts, bool text)
{
    const layout::LinkLabel &l = *n.link;
    // A short cable from the pill into the box, so the label reads as "the link into this box".
    p.setPen(QPen(linkLine(l.state), l.state == layout::LinkLabel::State::Ok ? 1.2 : 2.2));
    const qreal x = l.rect.left() + 8;
    p.drawLine(QPointF(x, l.rect.bottom()), QPointF(x, n.rect.top()));
    p.setBrush(linkFill(l.state));
    p.drawRoundedRect(l.rect, l.rect.height() / 2, l.rect.height() / 2);
    if (!text)
        return;
    QFont f = fonts.small;
    f.setBold(l.state != layout::LinkLabel::State::Ok);
    p.setFont(f);
    p.setPen(linkText(l.state));
    p.drawText(l.rect, Qt::AlignCenter, l.text);
}

void drawLines(QPainter &p, const DrawNode &n, const TopologyFonts &fonts)
{
    qreal y = n.rect.top() + Pad;
    const qreal left = n.rect.left() + Pad;
    const qreal full = n.rect.width() - 2 * Pad;
    for (int i = 0; i < n.lines.size(); ++i) {
        const TextLine &l = n.lines[i];
        const QFont &f = fontFor(fonts, l.role);
        const QFontMetricsF fm(f);
        const qreal h = l.role == TextRole::Title ? 15 : l.role == TextRole::Body ? 13 : 12;
        qreal w = full;
        if (i == 0 && !n.badgeRect.isEmpty())
            w = n.badgeRect.left() - 4 - left;
        p.setFont(f);
        p.setPen(textToneColor(l.tone));
        p.drawText(QRectF(left, y, std::max<qreal>(w, 4), h), Qt::AlignLeft | Qt::AlignVCenter,
                   fm.elidedText(l.text, Qt::ElideRight, std::max<qreal>(w, 4)));
        y += h;
    }
}

void drawNode(QPainter &p, const DrawNode &n, const TopologyFonts &fonts, bool text)
{
    BoxStyle s = styleFor(n);
    if (n.kind == Kind::VfStack) {
        // Two cards peeking out behind: "more of these".
        p.setPen(QPen(s.line, 1));
        p.setBrush(s.fill.lighter(108));
        p.drawRoundedRect(n.rect.translated(6, -5), s.radius, s.radius);
        p.drawRoundedRect(n.rect.translated(3, -2.5), s.radius, s.radius);
    }
    QPen pen(s.line, s.width, s.style);
    pen.setCosmetic(false);
    p.setPen(pen);
    p.setBrush(s.fill);
    p.drawRoundedRect(n.rect, s.radius, s.radius);
    // Containers that are functions (ports, switches) get a header band in their group colour, so
    // a port and the devices sharing its group read as one colour.
    if ((n.kind == Kind::Port || n.kind == Kind::Switch) && n.colorIndex >= 0) {
        QPainterPath clip;
        clip.addRoundedRect(n.rect, s.radius, s.radius);
        p.save();
        p.setClipPath(clip, Qt::IntersectClip);
        p.fillRect(QRectF(n.rect.left(), n.rect.top(), n.rect.width(), n.headerHeight - 1),
                   n.kind == Kind::Port ? groupFill(n.colorIndex) : groupFill(n.colorIndex).lighter(112));
        p.restore();
        p.setPen(pen);
        p.setBrush(Qt::NoBrush);
        p.drawRoundedRect(n.rect, s.radius, s.radius);
    }
    if (text)
        drawLines(p, n, fonts);
    drawBadge(p, n, fonts, text);
    if (n.link)
        drawLink(p, n, fonts, text);
}

void drawLegend(QPainter &p, const layout::TopologyLayout &l, const TopologyFonts &fonts)
{
    const QRectF r = l.legendRect;
    if (r.isEmpty())
        return;
    p.setFont(fonts.small);
    const QFontMetricsF fm(fonts.small);
    qreal x = r.left() + Pad;
    const qreal y = r.top() + Pad;
    const qreal h = 14;
    auto swatch = [&](const QColor &fill, const QColor &line, Qt::PenStyle style, const QString &label) {
        p.setPen(QPen(line, 1.2, style));
        p.setBrush(fill);
        p.drawRoundedRect(QRectF(x, y, 22, h), 3, 3);
        x += 26;
        p.setPen(textToneColor(TextLine::Tone::Normal));
        const qreal w = fm.horizontalAdvance(label);
        p.drawText(QRectF(x, y, w + 2, h), Qt::AlignLeft | Qt::AlignVCenter, label);
        x += w + 18;
    };
    swatch(groupFill(0), groupLine(0), Qt::SolidLine, QStringLiteral("fill colour = IOMMU group"));
    swatch(viableColor(), viableColor().darker(120), Qt::SolidLine, QStringLiteral("Gn: group VFIO can open now"));
    swatch(Qt::white, notViableColor(), Qt::SolidLine, QStringLiteral("Gn: group not viable (a member on a host driver)"));
    swatch(linkFill(layout::LinkLabel::State::Degraded), linkLine(layout::LinkLabel::State::Degraded), Qt::SolidLine,
           QStringLiteral("link below its maximum"));
    swatch(linkFill(layout::LinkLabel::State::Severe), linkLine(layout::LinkLabel::State::Severe), Qt::SolidLine,
           QStringLiteral("half the bandwidth or less"));
    p.setPen(textToneColor(TextLine::Tone::Muted));
    p.drawText(QRectF(r.left() + Pad, y + h + 2, r.width() - 2 * Pad, h), Qt::AlignLeft | Qt::AlignVCenter,
               QStringLiteral("\"N × VF\": identical virtual functions of one PF, collapsed (click to expand) · "
                              "link labels: current speed and width, \"of\" the maximum when below it"));
}

void drawRing(QPainter &p, const QRectF &r, const QColor &c, qreal width, Qt::PenStyle style = Qt::SolidLine)
{
    p.setPen(QPen(c, width, style, Qt::SquareCap, Qt::MiterJoin));
    p.setBrush(Qt::NoBrush);
    p.drawRoundedRect(r.adjusted(-width / 2 - 1, -width / 2 - 1, width / 2 + 1, width / 2 + 1), 4, 4);
}
} // namespace

TopologyFonts topologyFonts()
{
    TopologyFonts f;
    f.title.setPixelSize(11);
    f.title.setBold(true);
    f.body.setPixelSize(10);
    f.small.setPixelSize(9);
    return f;
}

layout::LayoutMetrics topologyMetrics(const TopologyFonts &fonts)
{
    layout::LayoutMetrics m;
    // Copies of the metrics, so the function outlives the caller's fonts.
    const QFontMetricsF title(fonts.title), body(fonts.body), small(fonts.small);
    QFont boldSmall = fonts.small;
    boldSmall.setBold(true);
    const QFontMetricsF smallBold(boldSmall);
    m.textWidth = [title, body, small, smallBold](const QString &text, TextRole role) {
        switch (role) {
        case TextRole::Title:
            return std::ceil(title.horizontalAdvance(text));
        case TextRole::Body:
            return std::ceil(body.horizontalAdvance(text));
        case TextRole::Small:
            break;
        }
        // Link labels turn bold when degraded: measure the wider of the two.
        return std::ceil(smallBold.horizontalAdvance(text));
    };
    m.titleLine = 15;
    m.bodyLine = 13;
    m.smallLine = 12;
    return m;
}

void paintTopology(QPainter &p, const layout::TopologyLayout &l, const QRectF &exposed, const TopologyPaintState &state,
                   const TopologyFonts &fonts)
{
    p.save();
    p.setRenderHint(QPainter::Antialiasing, true);
    p.setRenderHint(QPainter::TextAntialiasing, true);
    const qreal scale = std::sqrt(std::abs(p.worldTransform().determinant()));
    const bool text = scale * 9 >= 3.5; // below ~3.5 px glyphs are noise and cost most of the time
    const QRectF visible = exposed.adjusted(-24, -24, 24, 24); // link pills sit just above their box

    // Parents before children in the list, so painting in order nests correctly. A container
    // outside the exposed area cannot have visible children, so whole subtrees are skipped.
    QList<int> stack;
    if (!l.nodes.isEmpty())
        stack << 0;
    while (!stack.isEmpty()) {
        const int i = stack.takeLast();
        const DrawNode &n = l.nodes[i];
        if (!n.rect.intersects(visible))
            continue;
        drawNode(p, n, fonts, text);
        for (auto it = n.children.crbegin(); it != n.children.crend(); ++it)
            stack << *it;
    }

    if (state.highlightedGroup >= 0)
        for (const DrawNode &n : l.nodes)
            if (n.group == state.highlightedGroup && n.rect.intersects(visible))
                drawRing(p, n.rect, groupLine(n.colorIndex).darker(130), 2.5);
    if (state.highlightedPort >= 0 && state.highlightedPort < l.nodes.size())
        drawRing(p, l.nodes[state.highlightedPort].rect, portHighlightColor(), 4, Qt::DashLine);
    if (state.selectedNode >= 0 && state.selectedNode < l.nodes.size())
        drawRing(p, l.nodes[state.selectedNode].rect, selectionColor(), 3);
    if (state.flashNode >= 0 && state.flashNode < l.nodes.size() && state.flash > 0) {
        const QRectF r = l.nodes[state.flashNode].rect;
        QColor c(0xff, 0xd6, 0x00);
        c.setAlphaF(0.55 * state.flash);
        p.fillRect(r, c);
        c.setAlphaF(state.flash);
        drawRing(p, r.adjusted(-4, -4, 4, 4), c, 4 + 6 * state.flash);
    }
    if (state.legend && text && l.legendRect.intersects(visible))
        drawLegend(p, l, fonts);
    p.restore();
}

} // namespace devtopo::views
