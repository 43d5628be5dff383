#include "topologycanvas.h"

#include <QHelpEvent>
#include <QKeyEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QToolTip>
#include <QVariantAnimation>
#include <QWheelEvent>

#include <cmath>

namespace devtopo::views {

namespace {
constexpr qreal FitMargin = 16;
constexpr int DragThreshold = 4;
} // namespace

TopologyCanvas::TopologyCanvas(QWidget *parent)
    : QWidget(parent)
    , m_flash(new QVariantAnimation(this))
{
    setObjectName(QStringLiteral("topologyCanvas"));
    setFocusPolicy(Qt::StrongFocus);
    setMouseTracking(false);
    setAttribute(Qt::WA_OpaquePaintEvent);
    setMinimumSize(200, 150);
    m_flash->setStartValue(1.0);
    m_flash->setEndValue(0.0);
    m_flash->setDuration(1500);
    m_flash->setEasingCurve(QEasingCurve::InQuad);
    connect(m_flash, &QVariantAnimation::valueChanged, this, [this](const QVariant &v) {
        m_state.flash = v.toReal();
        update();
    });
}

void TopologyCanvas::setDrawing(const layout::TopologyLayout *layout, bool keepView)
{
    m_layout = layout;
    m_state.selectedNode = m_state.highlightedPort = m_state.flashNode = -1;
    if (!keepView) {
        m_fitPending = true;
        if (width() > 0 && isVisible())
            fitToWindow();
    }
    clampOrigin();
    update();
}

void TopologyCanvas::setSelectedNode(int node)
{
    m_state.selectedNode = node;
    update();
}

void TopologyCanvas::setHighlightedPort(int node)
{
    m_state.highlightedPort = node;
    update();
}

void TopologyCanvas::setHighlightedGroup(int group)
{
    m_state.highlightedGroup = group;
    update();
}

void TopologyCanvas::flashNode(int node)
{
    m_state.flashNode = node;
    m_flash->stop();
    m_flash->start();
}

QPointF TopologyCanvas::mapToScene(const QPointF &w) const
{
    return m_origin + w / m_scale;
}

QPointF TopologyCanvas::mapFromScene(const QPointF &s) const
{
    return (s - m_origin) * m_scale;
}

QRectF TopologyCanvas::visibleSceneRect() const
{
    return QRectF(m_origin, QSizeF(width() / m_scale, height() / m_scale));
}

void TopologyCanvas::setZoom(qreal scale, QPointF anchor)
{
    scale = std::clamp(scale, MinZoom, MaxZoom);
    const QPointF sceneAnchor = mapToScene(anchor);
    m_scale = scale;
    m_origin = sceneAnchor - anchor / m_scale; // the point under the cursor stays put
    m_fitPending = false;
    clampOrigin();
    update();
    Q_EMIT zoomChanged(m_scale);
}

void TopologyCanvas::zoomBy(qreal factor)
{
    setZoom(m_scale * factor, QPointF(width() / 2.0, height() / 2.0));
}

void TopologyCanvas::fitToWindow()
{
    m_fitPending = false;
    if (!m_layout || m_layout->bounds.isEmpty() || width() <= 0 || height() <= 0)
        return;
    const QRectF b = m_layout->bounds.adjusted(-FitMargin, -FitMargin, FitMargin, FitMargin);
    m_scale = std::clamp(std::min(width() / b.width(), height() / b.height()), MinZoom, 1.5);
    // Centre the drawing in whichever direction has room left over.
    m_origin = b.center() - QPointF(width(), height()) / (2 * m_scale);
    update();
    Q_EMIT zoomChanged(m_scale);
}

void TopologyCanvas::centerOn(const QPointF &p)
{
    m_origin = p - QPointF(width(), height()) / (2 * m_scale);
    clampOrigin();
    update();
}

void TopologyCanvas::reveal(int node)
{
    if (!m_layout || node < 0 || node >= m_layout->nodes.size())
        return;
    const QRectF r = m_layout->nodes[node].rect;
    // Below ~60% the labels cannot be read: a search or a selection is about reading them.
    if (m_scale < 0.6) {
        m_scale = 1.0;
        m_fitPending = false;
        Q_EMIT zoomChanged(m_scale);
    }
    const QRectF view = visibleSceneRect().adjusted(20 / m_scale, 20 / m_scale, -20 / m_scale, -20 / m_scale);
    if (!view.contains(r))
        centerOn(r.center());
    update();
}

void TopologyCanvas::clampOrigin()
{
    if (!m_layout || m_layout->bounds.isEmpty())
        return;
    // Keep at least a quarter of the view on the drawing so it cannot be lost off-screen.
    const QRectF b = m_layout->bounds;
    const qreal vw = width() / m_scale, vh = height() / m_scale;
    m_origin.setX(std::clamp(m_origin.x(), b.left() - vw * 0.75, std::max(b.left() - vw * 0.75, b.right() - vw * 0.25)));
    m_origin.setY(std::clamp(m_origin.y(), b.top() - vh * 0.75, std::max(b.top() - vh * 0.75, b.bottom() - vh * 0.25)));
}

void TopologyCanvas::paintEvent(QPaintEvent *)
{
    QPainter p(this);
    p.fillRect(rect(), QColor(0xfa, 0xfa, 0xfa));
    if (!m_layout || m_layout->nodes.isEmpty()) {
        p.setPen(palette().color(QPalette::PlaceholderText));
        p.drawText(rect(), Qt::AlignCenter, tr("No topology loaded"));
        return;
    }
    p.scale(m_scale, m_scale);
    p.translate(-m_origin);
    paintTopology(p, *m_layout, visibleSceneRect(), m_state);
}

void TopologyCanvas::wheelEvent(QWheelEvent *event)
{
    const QPoint delta = event->angleDelta();
    // Shift+wheel and horizontal wheels pan; the plain and Ctrl wheel zoom around the cursor,
    // as in map viewers (there are no scroll bars to aim for).
    if ((event->modifiers() & Qt::ShiftModifier) || std::abs(delta.x()) > std::abs(delta.y())) {
        const int d = std::abs(delta.x()) > std::abs(delta.y()) ? delta.x() : delta.y();
        m_origin.rx() -= d / m_scale * 0.5;
        clampOrigin();
        update();
    } else if (delta.y() != 0) {
        setZoom(m_scale * std::pow(1.0015, delta.y()), event->position());
    }
    event->accept();
}

void TopologyCanvas::mousePressEvent(QMouseEvent *event)
{
    if (event->button() != Qt::LeftButton && event->button() != Qt::MiddleButton)
        return QWidget::mousePressEvent(event);
    m_pressPos = event->position().toPoint();
    m_pressOrigin = m_origin;
    m_dragging = false;
    event->accept();
}

void TopologyCanvas::mouseMoveEvent(QMouseEvent *event)
{
    if (!(event->buttons() & (Qt::LeftButton | Qt::MiddleButton)))
        return;
    const QPoint d = event->position().toPoint() - m_pressPos;
    if (!m_dragging && d.manhattanLength() < DragThreshold)
        return;
    if (!m_dragging)
        setCursor(Qt::ClosedHandCursor);
    m_dragging = true;
    m_origin = m_pressOrigin - QPointF(d) / m_scale;
    clampOrigin();
    update();
}

void TopologyCanvas::mouseReleaseEvent(QMouseEvent *event)
{
    if (m_dragging) {
        unsetCursor();
        m_dragging = false;
        return;
    }
    if (event->button() == Qt::LeftButton && m_layout)
        Q_EMIT nodeClicked(m_layout->nodeAt(mapToScene(event->position())));
}

void TopologyCanvas::mouseDoubleClickEvent(QMouseEvent *event)
{
    if (event->button() == Qt::LeftButton && m_layout)
        Q_EMIT nodeDoubleClicked(m_layout->nodeAt(mapToScene(event->position())));
}

void TopologyCanvas::keyPressEvent(QKeyEvent *event)
{
    const qreal step = 60 / m_scale;
    switch (event->key()) {
    case Qt::Key_Plus:
    case Qt::Key_Equal:
        zoomBy(1.25);
        break;
    case Qt::Key_Minus:
        zoomBy(0.8);
        break;
    case Qt::Key_0:
        fitToWindow();
        break;
    case Qt::Key_Left:
        m_origin.rx() -= step;
        break;
    case Qt::Key_Right:
        m_origin.rx() += step;
        break;
    case Qt::Key_Up:
        m_origin.ry() -= step;
        break;
    case Qt::Key_Down:
        m_origin.ry() += step;
        break;
    default:
        QWidget::keyPressEvent(event);
        return;
    }
    clampOrigin();
    update();
}

void TopologyCanvas::resizeEvent(QResizeEvent *event)
{
    QWidget::resizeEvent(event);
    if (m_fitPending)
        fitToWindow();
}

bool TopologyCanvas::event(QEvent *event)
{
    if (event->type() == QEvent::ToolTip && m_layout) {
        auto *help = static_cast<QHelpEvent *>(event);
        const QPointF scene = mapToScene(help->pos());
        const int n = m_layout->nodeAt(scene);
        QString tip;
        if (n >= 0) {
            const layout::DrawNode &node = m_layout->nodes[n];
            tip = node.toolTip;
            // Hovering a link pill explains the link, not the box below it.
            for (int c : node.children)
                if (m_layout->nodes[c].link && m_layout->nodes[c].link->rect.contains(scene))
                    tip = tr("Link into %1: %2").arg(m_layout->nodes[c].address ? m_layout->nodes[c].address->toString() : QString(),
                                                     m_layout->nodes[c].link->text);
            if (tip.isEmpty())
                tip = node.lines.isEmpty() ? QString() : node.lines.first().text;
        }
        if (tip.isEmpty())
            QToolTip::hideText();
        else
            QToolTip::showText(help->globalPos(), tip, this);
        return true;
    }
    return QWidget::event(event);
}

} // namespace devtopo::views
