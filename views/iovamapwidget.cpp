#include "iovamapwidget.h"

#include "models/format.h"
#include "regioncolors.h"
#include "viewslogging.h"

#include <QHelpEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QToolTip>

#include <cmath>

namespace devtopo::views {

namespace {
constexpr int Margin = 8;
constexpr int HeaderHeight = 20; // one line of caption above the bar
constexpr int BarHeight = 46;
constexpr int Gap = 2; // white gap between segments: the scale is broken there
} // namespace

IovaMapWidget::IovaMapWidget(QWidget *parent)
    : QWidget(parent)
{
    setMouseTracking(true);
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
    setAttribute(Qt::WA_OpaquePaintEvent, false);
}

void IovaMapWidget::setGroup(const IommuGroup &group)
{
    setRegions(group.addressWidth, group.reservedRegions, group.usableIova);
}

void IovaMapWidget::setRegions(int addressWidth, const QList<ReservedRegion> &reserved, const QList<IovaRange> &usable)
{
    m_addressWidth = addressWidth;
    m_segments = buildIovaSegments(addressWidth, reserved, usable);
    qCDebug(lcViews) << "IOVA map:" << m_segments.size() << "segments in a" << addressWidth << "bit space";
    m_hasHighlight = false;
    relayout();
    updateGeometry();
    update();
}

void IovaMapWidget::clear()
{
    m_segments.clear();
    m_x.clear();
    m_hasHighlight = false;
    updateGeometry();
    update();
}

void IovaMapWidget::setHighlight(quint64 start, quint64 end)
{
    m_hasHighlight = true;
    m_highlightStart = start;
    m_highlightEnd = end;
    update();
}

void IovaMapWidget::clearHighlight()
{
    m_hasHighlight = false;
    update();
}

void IovaMapWidget::setDmaOverlay(const QList<IovaRange> &vfioRanges, const QList<IovaRange> &mappings)
{
    m_hasOverlay = true;
    m_overlayRanges = vfioRanges;
    m_overlayMappings = mappings;
    update();
}

void IovaMapWidget::clearDmaOverlay()
{
    m_hasOverlay = false;
    m_overlayRanges.clear();
    m_overlayMappings.clear();
    update();
}

int IovaMapWidget::xForAddress(quint64 address) const
{
    for (int i = 0; i < m_segments.size(); ++i) {
        const IovaSegment &s = m_segments[i];
        if (address < s.start || address > s.end)
            continue;
        const QRect r = segmentRect(i);
        const double span = std::log2(double(s.end - s.start) + 2.0);
        const double at = std::log2(double(address - s.start) + 1.0);
        return r.left() + int(double(std::max(0, r.width() - 1)) * at / span);
    }
    return -1;
}

QList<QRect> IovaMapWidget::dmaMappingRects() const
{
    QList<QRect> out;
    const QRect bar = barRect();
    for (const IovaRange &m : m_overlayMappings) {
        const int x0 = xForAddress(m.start);
        const int x1 = xForAddress(m.end);
        if (x0 < 0)
            continue;
        const int right = std::max(x1, x0);
        out << QRect(x0, bar.bottom() - bar.height() / 3, std::max(4, right - x0 + 1), bar.height() / 3);
    }
    return out;
}

int IovaMapWidget::labelAreaHeight() const
{
    // Labels are drawn rotated, so the longest one's length becomes the height.
    int longest = fontMetrics().horizontalAdvance(QStringLiteral("0x0"));
    for (const IovaSegment &s : m_segments)
        longest = std::max(longest, fontMetrics().horizontalAdvance(fmt::hex(s.start)));
    if (!m_segments.isEmpty())
        longest = std::max(longest, fontMetrics().horizontalAdvance(fmt::hex(m_segments.last().end)));
    return longest + 8;
}

QRect IovaMapWidget::barRect() const
{
    return QRect(Margin, Margin + HeaderHeight, width() - 2 * Margin, BarHeight);
}

QSize IovaMapWidget::minimumSizeHint() const
{
    const int n = std::max<int>(1, int(m_segments.size()));
    return QSize(2 * Margin + n * MinSegmentPx, 2 * Margin + HeaderHeight + BarHeight + labelAreaHeight());
}

QSize IovaMapWidget::sizeHint() const
{
    const QSize min = minimumSizeHint();
    return QSize(std::max(min.width(), 640), min.height());
}

void IovaMapWidget::resizeEvent(QResizeEvent *event)
{
    QWidget::resizeEvent(event);
    relayout();
}

void IovaMapWidget::relayout()
{
    m_x.clear();
    const QRect bar = barRect();
    const QList<int> widths = segmentWidths(m_segments, bar.width(), MinSegmentPx);
    int x = bar.left();
    for (int w : widths) {
        m_x << x;
        x += w;
    }
    m_x << x;
}

QRect IovaMapWidget::segmentRect(int i) const
{
    if (i < 0 || i + 1 >= m_x.size())
        return {};
    const QRect bar = barRect();
    // The gap is taken from the right so the first segment starts flush with the bar.
    const bool last = i + 2 == m_x.size();
    return QRect(m_x[i], bar.top(), m_x[i + 1] - m_x[i] - (last ? 0 : Gap), bar.height());
}

int IovaMapWidget::segmentAt(const QPoint &pos) const
{
    for (int i = 0; i + 1 < m_x.size(); ++i)
        if (segmentRect(i).adjusted(0, 0, Gap, 0).contains(pos))
            return i;
    return -1;
}

QString IovaMapWidget::segmentToolTip(int i) const
{
    if (i < 0 || i >= m_segments.size())
        return {};
    const IovaSegment &s = m_segments[i];
    QString tip = QStringLiteral("<b>%1</b><br>%2<br>%3 (%4)")
                      .arg(regionKindLabel(s.kind).toHtmlEscaped(), fmt::hexRange(s.start, s.end),
                           fmt::rangeSize(s.start, s.end), fmt::exactRangeSize(s.start, s.end));
    if (!s.regions.isEmpty())
        tip += QStringLiteral("<br>reserved_regions: ") + s.regions.join(QStringLiteral("<br>")).toHtmlEscaped();
    return tip;
}

bool IovaMapWidget::event(QEvent *event)
{
    if (event->type() == QEvent::ToolTip) {
        auto *help = static_cast<QHelpEvent *>(event);
        const int i = segmentAt(help->pos());
        if (i >= 0)
            QToolTip::showText(help->globalPos(), segmentToolTip(i), this, segmentRect(i));
        else
            QToolTip::hideText();
        return true;
    }
    return QWidget::event(event);
}

void IovaMapWidget::mousePressEvent(QMouseEvent *event)
{
    const int i = segmentAt(event->position().toPoint());
    if (i >= 0)
        Q_EMIT segmentClicked(m_segments[i].start, m_segments[i].end);
    QWidget::mousePressEvent(event);
}

void IovaMapWidget::paintEvent(QPaintEvent *)
{
    QPainter p(this);
    p.fillRect(rect(), palette().base());
    const QRect bar = barRect();
    p.setPen(palette().color(QPalette::Text));

    if (m_segments.isEmpty()) {
        p.drawText(bar, Qt::AlignCenter, tr("Select an IOMMU group to see its IOVA space"));
        return;
    }

    const quint64 top = m_segments.last().end;
    QString caption = tr("IOVA space %1 (%2)  ·  widths grow with log₂(size): not to scale")
                          .arg(fmt::hexRange(0, top), fmt::rangeSize(0, top));
    if (m_hasOverlay)
        caption = tr("DMA: %n mapping(s) (purple), container ranges (top line)  ·  ", nullptr,
                     int(m_overlayMappings.size()))
            + caption;
    p.drawText(QRect(Margin, Margin, width() - 2 * Margin, HeaderHeight), Qt::AlignLeft | Qt::AlignVCenter,
               fontMetrics().elidedText(caption, Qt::ElideRight, width() - 2 * Margin));

    const QFontMetrics fm = fontMetrics();
    for (int i = 0; i < m_segments.size(); ++i) {
        const IovaSegment &s = m_segments[i];
        const QRect r = segmentRect(i);
        p.fillRect(r, regionColor(s.kind));
        if (s.kind == QStringLiteral("unavailable"))
            p.fillRect(r, QBrush(QColor(0x9e, 0x9e, 0x9e), Qt::BDiagPattern));
        // Kind and size inside when they fit; the tooltip has them always.
        p.setPen(regionTextColor(s.kind));
        const QString size = fmt::rangeSize(s.start, s.end);
        const QString kind = s.kind == QStringLiteral("direct-relaxable") ? QStringLiteral("relaxable") : s.kind;
        const QRect inner = r.adjusted(3, 2, -3, -2);
        if (fm.horizontalAdvance(kind) <= inner.width() && fm.horizontalAdvance(size) <= inner.width()) {
            p.drawText(inner, Qt::AlignHCenter | Qt::AlignTop, kind);
            p.drawText(inner, Qt::AlignHCenter | Qt::AlignBottom, size);
        } else if (fm.horizontalAdvance(size) <= inner.width()) {
            p.drawText(inner, Qt::AlignCenter, size);
        }
    }

    if (m_hasHighlight) {
        p.setPen(QPen(palette().color(QPalette::Highlight), 3));
        p.setBrush(Qt::NoBrush);
        for (int i = 0; i < m_segments.size(); ++i)
            if (m_segments[i].start <= m_highlightEnd && m_segments[i].end >= m_highlightStart)
                p.drawRect(segmentRect(i).adjusted(1, 1, -2, -2));
    }

    if (m_hasOverlay) {
        // The container's IOVA ranges: a dark green strip along the top edge.
        for (const IovaRange &r : std::as_const(m_overlayRanges)) {
            const int x0 = xForAddress(r.start);
            int x1 = xForAddress(r.end);
            if (x0 < 0)
                continue;
            if (x1 < 0)
                x1 = bar.right();
            p.fillRect(QRect(x0, bar.top(), std::max(2, x1 - x0 + 1), 4), QColor(0x1b, 0x5e, 0x20));
        }
        // The mappings: purple blocks along the bottom edge (no region kind uses purple), outlined
        // in white so they show on any segment colour.
        p.setPen(QPen(Qt::white, 1));
        p.setBrush(QColor(0x6a, 0x1b, 0x9a));
        for (const QRect &r : dmaMappingRects())
            p.drawRect(r.adjusted(0, 0, -1, -1));
        p.setBrush(Qt::NoBrush);
    }

    // Boundary labels, rotated so that neighbours never overlap: the start of every segment and
    // the last address of the space.
    p.setPen(palette().color(QPalette::Text));
    // Rotated 90° clockwise the glyphs extend to the right of the baseline: centre them on x.
    auto label = [&](int x, const QString &text, int glyphLeft) {
        p.save();
        p.translate(glyphLeft, bar.bottom() + 5);
        p.rotate(90);
        p.drawText(0, 0, text);
        p.restore();
        p.drawLine(x, bar.bottom() + 1, x, bar.bottom() + 3);
    };
    for (int i = 0; i < m_segments.size(); ++i)
        label(m_x[i], fmt::hex(m_segments[i].start), m_x[i] - fm.ascent() / 2);
    // The last address ends flush with the bar's right edge so it stays inside the widget.
    const int right = m_x.last() - 1;
    label(right, fmt::hex(top), right - fm.ascent());
}

} // namespace devtopo::views
