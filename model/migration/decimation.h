#pragma once

// Min/max decimation for line charts (written here: QtCharts has none). Points are split into
// `columns` equal x buckets; each bucket keeps its lowest and highest point, in x order, plus the
// first and last point overall. Every peak and trough a pixel column could show survives, and a
// chart never gets more than 2 × columns + 2 points however long the recording.

#include <QList>
#include <QPointF>

namespace devtopo::migration {

// points must be sorted by x. Returns them unchanged when there are no more than 2 × columns.
QList<QPointF> decimateMinMax(const QList<QPointF> &points, int columns);

} // namespace devtopo::migration
