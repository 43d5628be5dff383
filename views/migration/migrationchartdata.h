#pragma once

// The charts' series, computed from a recording: every sample that has the figure becomes one point
// (x seconds, y in the chart's unit). Built incrementally, so a 10 Hz recording of hours costs a few
// points per update; the charts get a min/max-decimated copy (decimation.h), never this one.
// For long recordings each series also keeps, incrementally, its min and max point per second
// (a coarse level, like a mipmap): the charts decimate that instead of all the points once there
// are many more points than pixels. Every kept point is a real sample; the overall extremes and
// every second's extremes survive.

#include "migrationrecording.h"

#include <QList>
#include <QPointF>

#include <array>

namespace devtopo::migration {

enum class ChartSeries {
    Remaining,         // MiB
    Transferred,       // MiB
    DirtyRate,         // MB/s, dirty-pages-rate × page-size
    Throughput,        // MB/s, from mbps
    MeasuredDirtyRate, // MB/s, calc-dirty-rate results
    ExpectedDowntime,  // ms
    DowntimeLimit,     // ms, from the parameters when each sample came
    VfioTransferred,   // MiB
    PassMarkers,       // (pass start, remaining there) in MiB
    Count
};

class MigrationChartData
{
public:
    // Takes in what was added to the recording since the last call (all of it after a reset).
    void update(const MigrationRecording &recording);
    void reset();
    const QList<QPointF> &points(ChartSeries s) const { return m_points[size_t(s)]; }
    // Each second's lowest and highest point, in x order (the last second included as it stands).
    QList<QPointF> coarsePoints(ChartSeries s) const;
    double maxX() const { return m_maxX; }

private:
    struct Coarse {
        QList<QPointF> done;
        qint64 bucket = -1;
        QPointF lo, hi;
    };
    void add(ChartSeries s, double x, double y);

    std::array<QList<QPointF>, size_t(ChartSeries::Count)> m_points;
    std::array<Coarse, size_t(ChartSeries::Count)> m_coarse;
    qsizetype m_samples = 0, m_passes = 0, m_dirtyRates = 0;
    double m_maxX = 0;
};

} // namespace devtopo::migration
