#pragma once

// The drawing on screen: zoom (wheel, Ctrl+wheel, +/-), pan (drag, arrow keys), fit, tooltips and
// clicks on boxes. It paints a layout::TopologyLayout it does not own and knows nothing about
// the topology; TopologyView decides what a click means.

#include "topologypainter.h"

#include <QWidget>

class QVariantAnimation;

namespace devtopo::views {

class TopologyCanvas : public QWidget
{
    Q_OBJECT
public:
    explicit TopologyCanvas(QWidget *parent = nullptr);

    // The layout must outlive the canvas or the next setDrawing(); keepView: stay where we were.
    void setDrawing(const layout::TopologyLayout *layout, bool keepView);
    const layout::TopologyLayout *drawing() const { return m_layout; }

    TopologyPaintState paintState() const { return m_state; }
    void setSelectedNode(int node);
    void setHighlightedPort(int node);
    void setHighlightedGroup(int group);
    // A yellow ring that fades over a second and a half.
    void flashNode(int node);

    qreal zoom() const { return m_scale; }
    void setZoom(qreal scale, QPointF anchorWidget);
    void zoomBy(qreal factor);
    void fitToWindow();
    void centerOn(const QPointF &scenePoint);
    // Scrolls the least needed to show the node, zooming in to 100% if it would be unreadable.
    void reveal(int node);
    QPointF mapToScene(const QPointF &widgetPoint) const;
    QPointF mapFromScene(const QPointF &scenePoint) const;
    QRectF visibleSceneRect() const;

    static constexpr qreal MinZoom = 0.02;
    static constexpr qreal MaxZoom = 6.0;

Q_SIGNALS:
    void nodeClicked(int node);
    void nodeDoubleClicked(int node);
    void zoomChanged(qreal zoom);

protected:
    void paintEvent(QPaintEvent *event) override;
    void wheelEvent(QWheelEvent *event) override;
    void mousePressEvent(QMouseEvent *event) override;
    void mouseMoveEvent(QMouseEvent *event) override;
    void mouseReleaseEvent(QMouseEvent *event) override;
    void mouseDoubleClickEvent(QMouseEvent *event) override;
    void keyPressEvent(QKeyEvent *event) override;
    void resizeEvent(QResizeEvent *event) override;
    bool event(QEvent *event) override;

private:
    void clampOrigin();

    const layout::TopologyLayout *m_layout = nullptr;
    TopologyPaintState m_state;
    qreal m_scale = 1.0;
    QPointF m_origin; // scene point at the widget's top-left
    bool m_fitPending = true; // fit once the widget has a real size
    QPoint m_pressPos;
    QPointF m_pressOrigin;
    bool m_dragging = false;
    QVariantAnimation *m_flash = nullptr;
};

} // namespace devtopo::views
