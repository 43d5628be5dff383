#pragma once

#include <QWidget>

namespace devtopo::views {

// The heat map's key: a swatch and nvidia-smi's sentence per class, and what the corner mark means.
class P2pLegend : public QWidget
{
    Q_OBJECT
public:
    explicit P2pLegend(QWidget *parent = nullptr);
};

} // namespace devtopo::views
