#pragma once

#include <QWidget>

namespace devtopo::views {

// Colour key for IovaMapWidget: a swatch and a label per region kind, in one row.
class IovaLegend : public QWidget
{
    Q_OBJECT
public:
    explicit IovaLegend(QWidget *parent = nullptr);
};

} // namespace devtopo::views
