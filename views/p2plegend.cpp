#include "p2plegend.h"

#include "p2pcolors.h"

#include <QGridLayout>
#include <QLabel>
#include <QPainter>
#include <QPixmap>

namespace devtopo::views {

namespace {

QPixmap swatch(int side, const QColor &fill, const QString &text, const QColor &textColor, bool cornerMark)
{
    QPixmap pm(side * 2, side);
    pm.fill(fill);
    QPainter p(&pm);
    p.setPen(textColor);
    QFont f = p.font();
    f.setPixelSize(side * 2 / 3);
    f.setBold(true);
    p.setFont(f);
    p.drawText(pm.rect(), Qt::AlignCenter, text);
    if (cornerMark) {
        p.setPen(Qt::NoPen);
        p.setBrush(QColor(0x20, 0x20, 0x20));
        const int m = side / 2;
        p.drawPolygon(QPolygon({QPoint(pm.width() - m, 0), QPoint(pm.width(), 0), QPoint(pm.width(), m)}));
    }
    p.setPen(QColor(0, 0, 0, 90));
    p.setBrush(Qt::NoBrush);
    p.drawRect(0, 0, pm.width() - 1, side - 1);
    return pm;
}

} // namespace

P2pLegend::P2pLegend(QWidget *parent)
    : QWidget(parent)
{
    auto *grid = new QGridLayout(this);
    grid->setContentsMargins(4, 4, 4, 4);
    grid->setHorizontalSpacing(6);
    grid->setVerticalSpacing(2);
    const int side = fontMetrics().height() + 2;
    int row = 0;
    for (P2pClass c : AllP2pClasses) {
        auto *box = new QLabel(this);
        box->setPixmap(swatch(side, p2pClassColor(c), p2pClassName(c), p2pClassTextColor(c), false));
        auto *text = new QLabel(p2pClassLegend(c), this);
        text->setObjectName(QStringLiteral("legend-") + p2pClassName(c));
        text->setWordWrap(true);
        grid->addWidget(box, row, 0);
        grid->addWidget(text, row, 1);
        ++row;
    }
    auto *mark = new QLabel(this);
    mark->setPixmap(swatch(side, QColor(0xfe, 0xe0, 0x8b), QString(), Qt::black, true));
    auto *markText = new QLabel(tr("Dark corner: the kernel's p2pdma refuses the pair (PCI_P2PDMA_MAP_NOT_SUPPORTED). "
                                   "Hover a cell for the path, distance, ACS redirects, bottleneck link and why."),
                                this);
    markText->setWordWrap(true);
    grid->addWidget(mark, row, 0);
    grid->addWidget(markText, row, 1);
    grid->setColumnStretch(1, 1);
}

} // namespace devtopo::views
