#include "migrationstatediagram.h"

#include <QPainter>
#include <QPainterPath>
#include <QtMath>

using namespace Qt::StringLiterals;
using devtopo::vfiomig::State;

namespace devtopo::devmig {

namespace {

// Column 0: the running side; column 1: the saving group; RESUMING and ERROR at the bottom.
QPointF cell(State s)
{
    switch (s) {
    case State::Running: return {0, 0};
    case State::PreCopy: return {1, 0};
    case State::RunningP2p: return {0, 1};
    case State::PreCopyP2p: return {1, 1};
    case State::Stop: return {0, 2};
    case State::StopCopy: return {1, 2};
    case State::Resuming: return {0, 3};
    case State::Error: return {1, 3};
    }
    return {};
}

QPointF edgePoint(const QRectF &r, const QPointF &towards)
{
    const QPointF c = r.center();
    const QPointF d = towards - c;
    if (qFuzzyIsNull(d.x()) && qFuzzyIsNull(d.y()))
        return c;
    const qreal sx = d.x() ? (r.width() / 2) / qAbs(d.x()) : 1e9;
    const qreal sy = d.y() ? (r.height() / 2) / qAbs(d.y()) : 1e9;
    return c + d * qMin(sx, sy);
}

} // namespace

MigrationStateDiagram::MigrationStateDiagram(QWidget *parent) : QWidget(parent)
{
    setMinimumSize(360, 200); // eight readable nodes; a short dock scrolls the panel rather than squash them
}

void MigrationStateDiagram::setDevice(quint64 flags, State current)
{
    m_flags = flags;
    m_current = current;
    update();
}

void MigrationStateDiagram::setPlannedPath(const QList<State> &steps)
{
    m_path = steps;
    update();
}

QRectF MigrationStateDiagram::nodeRect(State s) const
{
    // The caption gets a band of its own below the nodes (it used to run across RESUMING).
    const qreal w = width(), h = height() - (fontMetrics().height() + 8);
    const qreal nodeW = qMin(150.0, w * 0.34), nodeH = qMin(34.0, h * 0.13);
    const QPointF c = cell(s);
    const qreal x = w * (c.x() == 0 ? 0.22 : 0.78);
    const qreal y = h * (0.11 + c.y() * 0.26);
    return {x - nodeW / 2, y - nodeH / 2, nodeW, nodeH};
}

void MigrationStateDiagram::paintEvent(QPaintEvent *)
{
    QPainter p(this);
    p.setRenderHint(QPainter::Antialiasing);
    p.fillRect(rect(), palette().base());
    const QColor ink = palette().color(QPalette::Text);
    const QColor grey = palette().color(QPalette::Disabled, QPalette::Text);
    const QColor accent(0x1f, 0x77, 0xb4);

    // The planned walk's arcs, to draw them bold.
    QList<vfiomig::Arc> planned;
    State at = m_current;
    for (State s : m_path) {
        planned << vfiomig::Arc{at, s};
        at = s;
    }
    const QList<vfiomig::Arc> arcs = vfiomig::singleStepArcs(m_flags);
    for (const vfiomig::Arc &a : arcs) {
        const QRectF from = nodeRect(a.from), to = nodeRect(a.to);
        // Two arcs between the same pair run side by side.
        QPointF shift;
        if (arcs.contains(vfiomig::Arc{a.to, a.from})) {
            const QPointF d = to.center() - from.center();
            const qreal len = qSqrt(d.x() * d.x() + d.y() * d.y());
            shift = QPointF(-d.y(), d.x()) / len * 5;
        }
        const QPointF p1 = edgePoint(from, to.center()) + shift, p2 = edgePoint(to, from.center()) + shift;
        const bool bold = planned.contains(a);
        p.setPen(QPen(bold ? accent : ink, bold ? 3 : 1));
        p.drawLine(p1, p2);
        const QPointF d = p1 - p2;
        const qreal ang = qAtan2(d.y(), d.x());
        QPainterPath head;
        head.moveTo(p2);
        head.lineTo(p2 + QPointF(qCos(ang + 0.4), qSin(ang + 0.4)) * 9);
        head.lineTo(p2 + QPointF(qCos(ang - 0.4), qSin(ang - 0.4)) * 9);
        head.closeSubpath();
        p.fillPath(head, bold ? accent : ink);
    }
    for (State s : vfiomig::allStates()) {
        const QRectF r = nodeRect(s);
        const bool supported = s == State::Error || vfiomig::isSupported(s, m_flags);
        const bool current = s == m_current && m_flags;
        p.setPen(QPen(supported ? ink : grey, current ? 2.5 : 1, supported ? Qt::SolidLine : Qt::DashLine));
        p.setBrush(current ? (s == State::Error ? QColor(0xd6, 0x27, 0x28) : accent)
                           : (vfiomig::isSavingState(s) && supported ? QColor(0xff, 0xf3, 0xd6) : palette().color(QPalette::Window)));
        p.drawRoundedRect(r, 8, 8);
        p.setPen(current ? Qt::white : (supported ? ink : grey));
        p.drawText(r, Qt::AlignCenter, vfiomig::stateName(s));
    }
    p.setPen(grey);
    p.drawText(rect().adjusted(6, 0, -6, -4), Qt::AlignBottom | Qt::AlignLeft,
               m_flags ? u"flags %1 · saving group shaded · dashed: not supported"_s.arg(vfiomig::flagsText(m_flags))
                       : u"no VFIO migration on this device"_s);
}

} // namespace devtopo::devmig
