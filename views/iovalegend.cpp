#include "iovalegend.h"

#include "regioncolors.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QPainter>
#include <QPixmap>

namespace devtopo::views {

IovaLegend::IovaLegend(QWidget *parent)
    : QWidget(parent)
{
    auto *layout = new QHBoxLayout(this);
    layout->setContentsMargins(8, 0, 8, 0);
    layout->setSpacing(4);
    const int side = fontMetrics().height() - 2;
    for (const QString &kind : regionKinds()) {
        QPixmap swatch(side, side);
        swatch.fill(regionColor(kind));
        {
            QPainter p(&swatch);
            p.setPen(QColor(0, 0, 0, 90));
            p.drawRect(0, 0, side - 1, side - 1);
        }
        auto *box = new QLabel(this);
        box->setPixmap(swatch);
        auto *text = new QLabel(regionKindLabel(kind), this);
        text->setObjectName(QStringLiteral("legend-") + kind);
        layout->addWidget(box);
        layout->addWidget(text);
        layout->addSpacing(10);
    }
    layout->addStretch(1);
}

} // namespace devtopo::views
