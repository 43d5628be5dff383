#include "migrationchartdata.h"

#include <cmath>

namespace devtopo::migration {

namespace {
constexpr double MiB = 1024.0 * 1024.0;
}

void MigrationChartData::reset()
{
    *this = MigrationChartData();
}

namespace {

void appendPair(QList<QPointF> *out, const QPointF &lo, const QPointF &hi)
{
    const QPointF &first = lo.x() <= hi.x() ? lo : hi;
    const QPointF &second = lo.x() <= hi.x() ? hi : lo;
    out->append(first);
    if (second != first)
        out->append(second);
}

} // namespace

void MigrationChartData::add(ChartSeries s, double x, double y)
{
    const QPointF p(x, y);
    m_points[size_t(s)].append(p);
    Coarse &c = m_coarse[size_t(s)];
    const qint64 bucket = qint64(std::floor(x));
    if (bucket != c.bucket) {
        if (c.bucket >= 0)
            appendPair(&c.done, c.lo, c.hi);
        c.bucket = bucket;
        c.lo = c.hi = p;
        return;
    }
    if (y < c.lo.y())
        c.lo = p;
    if (y > c.hi.y())
        c.hi = p;
}

QList<QPointF> MigrationChartData::coarsePoints(ChartSeries s) const
{
    const Coarse &c = m_coarse[size_t(s)];
    QList<QPointF> out = c.done;
    if (c.bucket >= 0)
        appendPair(&out, c.lo, c.hi);
    return out;
}

void MigrationChartData::update(const MigrationRecording &rec)
{
    if (rec.samples().size() < m_samples || rec.passes().size() < m_passes || rec.dirtyRates().size() < m_dirtyRates)
        reset(); // the recording was cleared and started again
    const auto &samples = rec.samples();
    for (; m_samples < samples.size(); ++m_samples) {
        const MigrationSample &s = samples[m_samples];
        const double x = double(s.timeMs) / 1000.0;
        m_maxX = std::max(m_maxX, x);
        if (s.ram.remaining >= 0)
            add(ChartSeries::Remaining, x, double(s.ram.remaining) / MiB);
        if (s.ram.transferred >= 0)
            add(ChartSeries::Transferred, x, double(s.ram.transferred) / MiB);
        if (s.ram.dirtyPagesRate >= 0)
            add(ChartSeries::DirtyRate, x, s.dirtyBytesPerSecond() / 1e6);
        if (s.ram.mbps >= 0)
            add(ChartSeries::Throughput, x, s.throughputBytesPerSecond() / 1e6);
        if (s.expectedDowntimeMs >= 0)
            add(ChartSeries::ExpectedDowntime, x, double(s.expectedDowntimeMs));
        if (s.vfio.transferred >= 0)
            add(ChartSeries::VfioTransferred, x, double(s.vfio.transferred) / MiB);
        if (rec.parameters().downtimeLimitMs >= 0 && isRunningStatus(s.status))
            add(ChartSeries::DowntimeLimit, x, double(rec.parameters().downtimeLimitMs));
    }
    // A pass's marker is final once its first sample is in; later samples only raise remainingAtStart
    // in the same pass when a reply came mid-sync, so the last marker is refreshed.
    const auto &passes = rec.passes();
    auto &markers = m_points[size_t(ChartSeries::PassMarkers)];
    if (m_passes > 0 && !markers.isEmpty())
        markers.last().setY(double(passes[m_passes - 1].remainingAtStart) / MiB);
    for (; m_passes < passes.size(); ++m_passes)
        markers.append({double(passes[m_passes].startMs) / 1000.0, double(passes[m_passes].remainingAtStart) / MiB});
    const auto &rates = rec.dirtyRates();
    for (; m_dirtyRates < rates.size(); ++m_dirtyRates)
        if (rates[m_dirtyRates].measured())
            add(ChartSeries::MeasuredDirtyRate, double(rates[m_dirtyRates].timeMs) / 1000.0,
                double(rates[m_dirtyRates].dirtyRateMiBps) * MiB / 1e6);
}

} // namespace devtopo::migration
