#include "decimation.h"

#include <algorithm>

namespace devtopo::migration {

QList<QPointF> decimateMinMax(const QList<QPointF> &points, int columns)
{
    columns = std::max(columns, 1);
    if (points.size() <= 2 * qsizetype(columns))
        return points;
    const double x0 = points.first().x();
    const double x1 = points.last().x();
    const double width = x1 - x0;
    QList<QPointF> out;
    out.reserve(2 * columns + 2);
    out.append(points.first());
    qsizetype lastEmitted = 0;
    auto emitIndex = [&](qsizetype i) {
        if (i != lastEmitted && i > lastEmitted) {
            out.append(points[i]);
            lastEmitted = i;
        }
    };
    qsizetype i = 0;
    const qsizetype n = points.size();
    for (int c = 0; c < columns && i < n; ++c) {
        const double edge = width > 0 ? x0 + width * double(c + 1) / columns : x1;
        const qsizetype start = i;
        qsizetype lo = i, hi = i;
        for (; i < n && (points[i].x() < edge || c == columns - 1); ++i) {
            if (points[i].y() < points[lo].y())
                lo = i;
            if (points[i].y() > points[hi].y())
                hi = i;
        }
        if (i == start)
            continue; // an empty bucket
        emitIndex(std::min(lo, hi));
        emitIndex(std::max(lo, hi));
    }
    emitIndex(n - 1);
    return out;
}

} // namespace devtopo::migration
