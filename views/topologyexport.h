#pragma once

// The drawing as files: SVG (vector, text stays text) and PNG, from the window and devtopo-cli.

#include "topologypainter.h"

#include <QImage>

namespace devtopo::views {

// Renders the whole layout on white with a margin. Very large hosts are scaled down so the image
// stays under maxPixels (a 10,000-function host is ~100 megapixels at 100%).
QImage renderTopologyImage(const layout::TopologyLayout &layout, qreal scale = 1.0, const TopologyPaintState &state = {},
                           qint64 maxPixels = 64LL * 1024 * 1024);

bool exportTopologyPng(const layout::TopologyLayout &layout, const QString &path, QString *error = nullptr,
                       qreal scale = 2.0, const TopologyPaintState &state = {});
bool exportTopologySvg(const layout::TopologyLayout &layout, const QString &path, const QString &title,
                       QString *error = nullptr, const TopologyPaintState &state = {});
// By suffix: .svg or .png; anything else is an error.
bool exportTopology(const layout::TopologyLayout &layout, const QString &path, const QString &title,
                    QString *error = nullptr, const TopologyPaintState &state = {});

} // namespace devtopo::views
