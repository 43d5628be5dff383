#pragma once

// Where GUI tests drop their PNGs (CMake passes ${CMAKE_BINARY_DIR}/screenshots); look at them.

#include <QDir>
#include <QString>
#include <QTest>
#include <QWidget>

namespace devtopo::test {

inline bool saveScreenshot(QWidget *widget, const QString &name)
{
    // Geometry changes post their layout requests; let them run so the picture is what a user sees.
    QTest::qWait(100);
    const QString dir = QStringLiteral(DEVTOPO_SCREENSHOT_DIR);
    QDir().mkpath(dir);
    return widget->grab().save(dir + QLatin1Char('/') + name + QStringLiteral(".png"));
}

} // namespace devtopo::test
