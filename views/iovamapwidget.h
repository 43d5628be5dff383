#pragma once

#include "iovasegments.h"

#include <QWidget>

namespace devtopo::views {

// A group's IOVA space as one horizontal bar on a broken scale: each run of one kind (usable,
// msi, direct, ...) is a segment whose width grows with log2(size), so a 1 MiB MSI window in a
// 256 TiB space is as easy to see as the space itself. Boundaries are labelled in hex below the
// bar; hovering a segment shows its exact range and size.
class IovaMapWidget : public QWidget
{
    Q_OBJECT
public:
    explicit IovaMapWidget(QWidget *parent = nullptr);

    void setGroup(const IommuGroup &group);
    void setRegions(int addressWidth, const QList<ReservedRegion> &reserved, const QList<IovaRange> &usable);
    void clear();
    // Outlines the segments overlapping [start, end], e.g. the row selected in the region table.
    void setHighlight(quint64 start, quint64 end);
    void clearHighlight();
    // An open VFIO container's view on top of the map: the IOVA ranges the kernel reported (a strip
    // along the bar's top edge) and the DMA mappings (blocks along its bottom edge). Inside a
    // segment, positions follow log2 of the offset, like the segment widths.
    void setDmaOverlay(const QList<IovaRange> &vfioRanges, const QList<IovaRange> &mappings);
    void clearDmaOverlay();
    bool hasDmaOverlay() const { return m_hasOverlay; }
    QList<QRect> dmaMappingRects() const;
    int xForAddress(quint64 address) const; // -1 when no segment holds it

    const QList<IovaSegment> &segments() const { return m_segments; }
    QRect segmentRect(int i) const;
    int segmentAt(const QPoint &pos) const; // -1 when none
    QString segmentToolTip(int i) const;

    static constexpr int MinSegmentPx = 26;

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

Q_SIGNALS:
    void segmentClicked(quint64 start, quint64 end);

protected:
    void paintEvent(QPaintEvent *event) override;
    bool event(QEvent *event) override;
    void mousePressEvent(QMouseEvent *event) override;
    void resizeEvent(QResizeEvent *event) override;

private:
    void relayout();
    int labelAreaHeight() const;
    QRect barRect() const;

    QList<IovaSegment> m_segments;
    QList<int> m_x; // left edge of each segment, plus the right edge of the last one
    int m_addressWidth = 0;
    bool m_hasHighlight = false;
    quint64 m_highlightStart = 0;
    quint64 m_highlightEnd = 0;
    bool m_hasOverlay = false;
    QList<IovaRange> m_overlayRanges;
    QList<IovaRange> m_overlayMappings;
};

} // namespace devtopo::views
