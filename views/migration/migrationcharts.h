#pragma once

// Four live charts of a migration: memory (remaining, transferred, pass markers), rates (dirty rate,
// throughput, measured dirty rate), downtime (expected against the limit) and VFIO devices (transferred,
// states). Every series is fed a min/max-decimated copy sized to its plot's pixel width, in one
// QXYSeries::replace() per refresh: smooth with hours of samples.

#include "migrationchartdata.h"

#include <QWidget>

#include <array>

class QChart;
class QChartView;
class QLabel;
class QValueAxis;
class QXYSeries;

namespace devtopo::migration {

class MigrationCharts : public QWidget
{
    Q_OBJECT
public:
    explicit MigrationCharts(QWidget *parent = nullptr);

    // Takes in the new samples and redraws.
    void refresh(const MigrationRecording &recording);
    void clear();
    // What the VFIO chart says before any device state came ("This VM has no VFIO devices.").
    void setVfioNote(const QString &note);

    QXYSeries *series(ChartSeries s) const { return m_series[size_t(s)]; }
    const MigrationChartData &data() const { return m_data; }
    QChartView *chartView(int index) const { return m_views[size_t(index)]; }

private:
    QChartView *makeChart(const QString &title, const QString &yTitle, int index);
    void addSeries(int chart, ChartSeries s, QXYSeries *series, const QString &name, const QColor &color);
    void redraw();

    MigrationChartData m_data;
    std::array<QChartView *, 4> m_views{};
    std::array<QValueAxis *, 4> m_xAxes{};
    std::array<QValueAxis *, 4> m_yAxes{};
    std::array<QXYSeries *, size_t(ChartSeries::Count)> m_series{};
    std::array<int, size_t(ChartSeries::Count)> m_chartOf{};
    QLabel *m_vfioStates = nullptr;
    QString m_vfioNote;
};

} // namespace devtopo::migration
