#include "dirtybitmapwidget.h"

#include "models/format.h"

#include <QPainter>

using namespace Qt::StringLiterals;

namespace devtopo::views {

namespace {
constexpr int Margin = 4;
constexpr int CaptionHeight = 20;
} // namespace

DirtyBitmapWidget::DirtyBitmapWidget(QWidget *parent) : QWidget(parent)
{
    setObjectName(u"dirtyBitmap"_s);
    QSizePolicy sp(QSizePolicy::Expanding, QSizePolicy::Preferred);
    sp.setHeightForWidth(true);
    setSizePolicy(sp);
}

void DirtyBitmapWidget::setBitmap(const control::DirtyBitmapData &bitmap)
{
    m_bitmap = bitmap;
    m_has = true;
    updateGeometry();
    update();
}

void DirtyBitmapWidget::clear()
{
    m_bitmap = {};
    m_has = false;
    updateGeometry();
    update();
}

QString DirtyBitmapWidget::caption() const
{
    if (!m_has)
        return tr("No dirty bitmap read yet: start dirty tracking, then read the bitmap.");
    return tr("%1 of %2 pages dirty · %3 pages from %4")
        .arg(m_bitmap.dirtyPages())
        .arg(m_bitmap.pages())
        .arg(fmt::byteSize(m_bitmap.pageSize), fmt::hex(m_bitmap.iova));
}

int DirtyBitmapWidget::cellSize() const
{
    const int pages = m_bitmap.pages();
    return pages > 16384 ? 2 : pages > 4096 ? 4 : 8;
}

int DirtyBitmapWidget::columnsFor(int w) const
{
    return std::max(1, (w - 2 * Margin) / cellSize());
}

int DirtyBitmapWidget::columns() const
{
    return columnsFor(width());
}

int DirtyBitmapWidget::heightForWidth(int w) const
{
    const int pages = m_has ? m_bitmap.pages() : 0;
    const int rows = (pages + columnsFor(w) - 1) / columnsFor(w);
    return CaptionHeight + 2 * Margin + rows * cellSize();
}

QSize DirtyBitmapWidget::sizeHint() const
{
    return QSize(400, heightForWidth(400));
}

QRect DirtyBitmapWidget::cellRect(int page) const
{
    const int c = cellSize();
    const int cols = columns();
    return QRect(Margin + (page % cols) * c, CaptionHeight + Margin + (page / cols) * c, c, c);
}

void DirtyBitmapWidget::paintEvent(QPaintEvent *)
{
    QPainter p(this);
    p.fillRect(rect(), palette().base());
    p.setPen(palette().color(QPalette::Text));
    p.drawText(QRect(Margin, 0, width() - 2 * Margin, CaptionHeight), Qt::AlignLeft | Qt::AlignVCenter, caption());
    if (!m_has)
        return;
    const QColor dirty(0xd9, 0x30, 0x25);
    const QColor clean(0xe8, 0xea, 0xed);
    const QColor edge(0xbd, 0xc1, 0xc6);
    const int c = cellSize();
    for (int page = 0; page < m_bitmap.pages(); ++page) {
        const QRect r = cellRect(page);
        if (m_bitmap.isDirty(page)) {
            p.fillRect(r.adjusted(0, 0, c > 2 ? -1 : 0, c > 2 ? -1 : 0), dirty);
        } else {
            p.fillRect(r.adjusted(0, 0, c > 2 ? -1 : 0, c > 2 ? -1 : 0), clean);
            if (c >= 8) {
                p.setPen(edge);
                p.drawRect(r.adjusted(0, 0, -2, -2));
            }
        }
    }
}

} // namespace devtopo::views
