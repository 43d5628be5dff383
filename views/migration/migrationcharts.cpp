#include "migrationcharts.h"

#include "decimation.h"

#include <QChart>
#include <QChartView>
#include <QGridLayout>
#include <QLabel>
#include <QLineSeries>
#include <QScatterSeries>
#include <QValueAxis>
#include <QVBoxLayout>

#include <cmath>

namespace devtopo::migration {

namespace {

// 0 to a round maximum in 4–6 steps of 1, 2 or 5 × 10^k (QValueAxis::applyNiceNumbers() may double
// the range: 22 s became 0–40).
void setNiceRange(QValueAxis *axis, double max)
{
    max = std::max(max, 1e-9);
    const double raw = max / 5.0;
    const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
    double step = magnitude;
    for (double m : {1.0, 2.0, 2.5, 5.0, 10.0}) {
        step = m * magnitude;
        if (step >= raw)
            break;
    }
    const int steps = std::max(1, int(std::ceil(max / step - 1e-9)));
    axis->setRange(0, steps * step);
    axis->setTickCount(steps + 1);
}

} // namespace

MigrationCharts::MigrationCharts(QWidget *parent)
    : QWidget(parent)
{
    auto *grid = new QGridLayout(this);
    grid->setContentsMargins(0, 0, 0, 0);
    grid->setSpacing(4);
    grid->addWidget(makeChart(tr("Memory"), tr("MiB"), 0), 0, 0);
    grid->addWidget(makeChart(tr("Dirty rate and throughput"), tr("MB/s"), 1), 0, 1);
    grid->addWidget(makeChart(tr("Expected downtime"), tr("ms"), 2), 1, 0);
    auto *vfioBox = new QWidget(this);
    auto *vfioLayout = new QVBoxLayout(vfioBox);
    vfioLayout->setContentsMargins(0, 0, 0, 0);
    vfioLayout->setSpacing(0);
    vfioLayout->addWidget(makeChart(tr("VFIO devices"), tr("MiB"), 3), 1);
    m_vfioStates = new QLabel(vfioBox);
    m_vfioStates->setObjectName(QStringLiteral("vfioStates"));
    m_vfioNote = tr("No VFIO device states yet.");
    m_vfioStates->setText(m_vfioNote);
    vfioLayout->addWidget(m_vfioStates);
    grid->addWidget(vfioBox, 1, 1);

    addSeries(0, ChartSeries::Remaining, new QLineSeries, tr("remaining"), QColor(0xd6, 0x27, 0x28));
    addSeries(0, ChartSeries::Transferred, new QLineSeries, tr("transferred"), QColor(0x1f, 0x77, 0xb4));
    auto *markers = new QScatterSeries;
    markers->setMarkerSize(9);
    markers->setMarkerShape(QScatterSeries::MarkerShapeRectangle);
    addSeries(0, ChartSeries::PassMarkers, markers, tr("pass start"), QColor(0x33, 0x33, 0x33));
    addSeries(1, ChartSeries::DirtyRate, new QLineSeries, tr("dirty rate (QEMU)"), QColor(0xff, 0x7f, 0x0e));
    addSeries(1, ChartSeries::Throughput, new QLineSeries, tr("throughput"), QColor(0x2c, 0xa0, 0x2c));
    auto *measured = new QScatterSeries;
    measured->setMarkerSize(10);
    addSeries(1, ChartSeries::MeasuredDirtyRate, measured, tr("dirty rate (measured)"), QColor(0x94, 0x67, 0xbd));
    addSeries(2, ChartSeries::ExpectedDowntime, new QLineSeries, tr("expected downtime"), QColor(0xd6, 0x27, 0x28));
    auto *limit = new QLineSeries;
    addSeries(2, ChartSeries::DowntimeLimit, limit, tr("downtime limit"), QColor(0x55, 0x55, 0x55));
    QPen dashed = limit->pen();
    dashed.setStyle(Qt::DashLine);
    dashed.setWidth(2);
    limit->setPen(dashed);
    addSeries(3, ChartSeries::VfioTransferred, new QLineSeries, tr("VFIO transferred"), QColor(0x17, 0xbe, 0xcf));
}

QChartView *MigrationCharts::makeChart(const QString &title, const QString &yTitle, int index)
{
    auto *chart = new QChart;
    chart->setTitle(title);
    chart->legend()->setAlignment(Qt::AlignBottom);
    chart->setMargins(QMargins(4, 4, 4, 4));
    chart->setBackgroundRoundness(0);
    auto *x = new QValueAxis;
    x->setTitleText(tr("seconds"));
    x->setLabelFormat(QStringLiteral("%.6g"));
    x->setRange(0, 10);
    auto *y = new QValueAxis;
    y->setTitleText(yTitle);
    y->setLabelFormat(QStringLiteral("%.6g"));
    y->setRange(0, 1);
    chart->addAxis(x, Qt::AlignBottom);
    chart->addAxis(y, Qt::AlignLeft);
    auto *view = new QChartView(chart, this);
    view->setRenderHint(QPainter::Antialiasing);
    view->setMinimumSize(320, 220);
    m_views[size_t(index)] = view;
    m_xAxes[size_t(index)] = x;
    m_yAxes[size_t(index)] = y;
    return view;
}

void MigrationCharts::addSeries(int chart, ChartSeries s, QXYSeries *series, const QString &name, const QColor &color)
{
    series->setName(name);
    series->setColor(color);
    // OpenGL is not available offscreen or over remote displays; raster with decimated points is fast enough.
    QChart *c = m_views[size_t(chart)]->chart();
    c->addSeries(series);
    series->attachAxis(m_xAxes[size_t(chart)]);
    series->attachAxis(m_yAxes[size_t(chart)]);
    m_series[size_t(s)] = series;
    m_chartOf[size_t(s)] = chart;
}

void MigrationCharts::setVfioNote(const QString &note)
{
    m_vfioNote = note;
    if (m_data.points(ChartSeries::VfioTransferred).isEmpty())
        m_vfioStates->setText(note);
}

void MigrationCharts::clear()
{
    m_data.reset();
    for (QXYSeries *s : m_series)
        s->clear();
    m_vfioStates->setText(m_vfioNote);
}

void MigrationCharts::refresh(const MigrationRecording &recording)
{
    m_data.update(recording);
    QStringList states;
    for (auto it = recording.vfioStates().cbegin(); it != recording.vfioStates().cend(); ++it)
        states.append(it.key() % QStringLiteral(": ") % it.value());
    if (!states.isEmpty())
        m_vfioStates->setText(tr("VFIO device states: %1").arg(states.join(QStringLiteral(", "))));
    redraw();
}

void MigrationCharts::redraw()
{
    std::array<double, 4> maxY{1, 1, 1, 1};
    for (size_t i = 0; i < m_series.size(); ++i) {
        const int chart = m_chartOf[i];
        // One point pair per pixel column of the plot: min/max keep every peak a pixel can show.
        const int columns = std::max(50, int(m_views[size_t(chart)]->chart()->plotArea().width()));
        // Thousands of points per pixel column: start from each second's min/max instead of every sample.
        const QList<QPointF> &all = m_data.points(ChartSeries(i));
        const bool scatter = ChartSeries(i) == ChartSeries::PassMarkers || ChartSeries(i) == ChartSeries::MeasuredDirtyRate;
        const QList<QPointF> points = !scatter && all.size() > 8 * qsizetype(columns)
            ? decimateMinMax(m_data.coarsePoints(ChartSeries(i)), columns)
            : decimateMinMax(all, columns);
        for (const QPointF &p : points)
            maxY[size_t(chart)] = std::max(maxY[size_t(chart)], p.y());
        m_series[i]->replace(points);
    }
    const double maxX = std::max(5.0, m_data.maxX());
    for (size_t c = 0; c < 4; ++c) {
        setNiceRange(m_xAxes[c], maxX);
        setNiceRange(m_yAxes[c], maxY[c] * 1.05);
    }
}

} // namespace devtopo::migration
