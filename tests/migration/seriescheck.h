#pragma once

// The migration panel's charted series against its recording and the query-migrate replies QEMU sent:
// the samples equal the replies, the series before decimation equal the samples, and with fewer samples
// than pixel columns the drawn series equal them too.

#include "migrationchartdata.h"
#include "migrationpanel.h"
#include "migrationparser.h"

#include <QTest>
#include <QXYSeries>

namespace devtopo::test {

inline void checkSeriesEqualSamples(const migration::MigrationPanel &panel)
{
    using namespace devtopo::migration;
    constexpr double MiB = 1024.0 * 1024.0;
    const MigrationRecording &rec = panel.recording();
    QCOMPARE(panel.rawReplies().size(), rec.samples().size());
    QList<QPointF> remaining, transferred, downtime;
    for (int i = 0; i < rec.samples().size(); ++i) {
        const MigrationSample &s = rec.samples()[i];
        QString error;
        auto again = parseQueryMigrate(panel.rawReplies()[i], s.timeMs, &error);
        QVERIFY(again && *again == s);
        const QJsonObject ram = panel.rawReplies()[i].value(u"ram").toObject();
        if (ram.contains(u"remaining"))
            remaining.append({s.timeMs / 1000.0, ram.value(u"remaining").toDouble() / MiB});
        if (ram.contains(u"transferred"))
            transferred.append({s.timeMs / 1000.0, ram.value(u"transferred").toDouble() / MiB});
        if (panel.rawReplies()[i].contains(u"expected-downtime"))
            downtime.append({s.timeMs / 1000.0, panel.rawReplies()[i].value(u"expected-downtime").toDouble()});
    }
    QVERIFY(!remaining.isEmpty());
    QCOMPARE(panel.chartData().points(ChartSeries::Remaining), remaining);
    QCOMPARE(panel.chartData().points(ChartSeries::Transferred), transferred);
    QCOMPARE(panel.chartData().points(ChartSeries::ExpectedDowntime), downtime);
    // The drawn series: every sample when they fit twice the pixel columns (at least 100), else a
    // min/max-decimated subset that keeps the first, the last and the extremes.
    for (const auto &[drawn, data] : {std::pair(panel.series(ChartSeries::Remaining)->points(), remaining),
                                      std::pair(panel.series(ChartSeries::ExpectedDowntime)->points(), downtime)}) {
        if (data.size() <= 100) {
            QCOMPARE(drawn, data);
            continue;
        }
        QVERIFY(!drawn.isEmpty());
        QCOMPARE(drawn.first(), data.first());
        QCOMPARE(drawn.last(), data.last());
        const auto byY = [](const QPointF &a, const QPointF &b) { return a.y() < b.y(); };
        QCOMPARE(std::max_element(drawn.begin(), drawn.end(), byY)->y(), std::max_element(data.begin(), data.end(), byY)->y());
        QCOMPARE(std::min_element(drawn.begin(), drawn.end(), byY)->y(), std::min_element(data.begin(), data.end(), byY)->y());
        for (const QPointF &p : drawn)
            QVERIFY(data.contains(p));
    }
    QCOMPARE(panel.series(ChartSeries::PassMarkers)->points().size(), rec.passes().size());
}

} // namespace devtopo::test
