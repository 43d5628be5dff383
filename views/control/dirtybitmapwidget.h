#pragma once

// A dirty bitmap as a picture: one cell per page, left to right and top to bottom, dirty pages
// filled, clean ones outlined; the caption says how many and of what.

#include "dmastate.h"

#include <QWidget>

namespace devtopo::views {

class DirtyBitmapWidget : public QWidget
{
    Q_OBJECT
public:
    explicit DirtyBitmapWidget(QWidget *parent = nullptr);

    void setBitmap(const control::DirtyBitmapData &bitmap);
    void clear();
    const control::DirtyBitmapData &bitmap() const { return m_bitmap; }
    bool hasBitmap() const { return m_has; }
    QString caption() const;
    // Cell geometry, also used by tests to look at a page's pixel.
    int cellSize() const;
    int columns() const;
    QRect cellRect(int page) const;

    bool hasHeightForWidth() const override { return true; }
    int heightForWidth(int width) const override;
    QSize sizeHint() const override;

protected:
    void paintEvent(QPaintEvent *event) override;

private:
    int columnsFor(int width) const;
    control::DirtyBitmapData m_bitmap;
    bool m_has = false;
};

} // namespace devtopo::views
