// The migration panel with the simulated VM: a converging run completes, a non-converging one is
// measured and cancelled; the charts' series are exactly the samples (and those exactly QEMU's replies);
// decimated series keep every column's min and max; bad input shows a clear error. Screenshots.

#include "migrationcharts.h"
#include "migrationpanel.h"
#include "migrationparser.h"
#include "migrationsamplemodel.h"
#include "screenshots.h"
#include "seriescheck.h"
#include "simvm.h"

#include <QAbstractItemModelTester>
#include <QChartView>
#include <QComboBox>
#include <QTabWidget>
#include <QFile>
#include <QLabel>
#include <QPushButton>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QXYSeries>

#include <cmath>

using namespace devtopo;
using namespace devtopo::migration;

namespace {
constexpr double MiB = 1024.0 * 1024.0;
}

class TestMigrationPanel : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void convergingDemo();
    void nonConvergingDemoCancelled();
    void badSocket();
    void findSockets();
    void decimatedSeriesKeepExtremes();
    void benchmarkRefreshHours();
};

void TestMigrationPanel::convergingDemo()
{
    MigrationPanel panel;
    QAbstractItemModelTester tester(panel.sampleModel(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    panel.resize(1400, 900);
    panel.show();
    panel.setSampleInterval(25);
    panel.setRedrawInterval(50);
    QSignalSpy finished(&panel, &MigrationPanel::migrationFinished);
    QString error;
    QVERIFY2(panel.startDemo(QStringLiteral("converging"), 10, &error), qPrintable(error));
    QTRY_VERIFY_WITH_TIMEOUT(panel.recording().verdict().kind == VerdictKind::Converging, 20000);
    panel.refreshNow();
    QVERIFY(test::saveScreenshot(&panel, QStringLiteral("migration-panel-converging-live")));
    QTRY_VERIFY_WITH_TIMEOUT(!finished.isEmpty(), 30000);
    panel.refreshNow();
    QVERIFY2(panel.verdictText().startsWith(u"Completed after"), qPrintable(panel.verdictText()));
    QCOMPARE(panel.demoVm()->runState(), QStringLiteral("postmigrate"));
    QTRY_VERIFY(panel.vmInfo().status == u"postmigrate");
    QCOMPARE(panel.vmInfo().vfioDevices.size(), 1);
    test::checkSeriesEqualSamples(panel);
    QCOMPARE(panel.sampleModel()->rowCount(), panel.recording().samples().size());
    QVERIFY(panel.findChild<QLabel *>(QStringLiteral("vmLabel"))->text().contains(u"hostdev0"));
    QVERIFY(test::saveScreenshot(&panel, QStringLiteral("migration-panel-converging-completed")));
    auto *tabs = panel.findChild<QTabWidget *>();
    tabs->setCurrentIndex(1);
    QVERIFY(test::saveScreenshot(&panel, QStringLiteral("migration-panel-samples")));
    tabs->setCurrentIndex(0);

    QTemporaryDir dir;
    QVERIFY(panel.exportCsv(dir.filePath(QStringLiteral("m.csv")), &error));
    QFile csv(dir.filePath(QStringLiteral("m.csv")));
    QVERIFY(csv.open(QIODevice::ReadOnly));
    const QByteArray text = csv.readAll();
    QVERIFY(text.contains("# verdict,completed"));
    QVERIFY(panel.exportPng(dir.filePath(QStringLiteral("m.png")), &error));
    QVERIFY(QImage(dir.filePath(QStringLiteral("m.png"))).width() >= 1400);
    QVERIFY(!panel.exportPng(QStringLiteral("/nonexistent-dir/m.png"), &error));
    QVERIFY(error.contains(u"/nonexistent-dir/m.png"));
}

void TestMigrationPanel::nonConvergingDemoCancelled()
{
    MigrationPanel panel;
    QAbstractItemModelTester tester(panel.sampleModel(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    panel.resize(1400, 900);
    panel.show();
    panel.setSampleInterval(25);
    panel.setRedrawInterval(50);
    QSignalSpy finished(&panel, &MigrationPanel::migrationFinished);
    QVERIFY(panel.startDemo(QStringLiteral("non-converging"), 20));
    QTRY_VERIFY_WITH_TIMEOUT(panel.recording().verdict().kind == VerdictKind::NotConverging, 30000);
    auto *measure = panel.findChildren<QPushButton *>().value(0);
    for (QPushButton *b : panel.findChildren<QPushButton *>())
        if (b->text() == u"Measure dirty rate")
            measure = b;
    QVERIFY(measure->isEnabled());
    measure->click();
    QTRY_VERIFY_WITH_TIMEOUT(panel.recording().measuredDirtyBytesPerSecond() > 0, 10000);
    QTRY_VERIFY_WITH_TIMEOUT(panel.verdictText().contains(u"and the link moves 120 MB/s — raise the bandwidth or throttle"), 5000);
    panel.refreshNow();
    QCOMPARE(panel.series(ChartSeries::MeasuredDirtyRate)->points().size(), 1);
    QVERIFY(test::saveScreenshot(&panel, QStringLiteral("migration-panel-not-converging")));
    panel.cancelMigration();
    QTRY_VERIFY_WITH_TIMEOUT(!finished.isEmpty(), 10000);
    panel.refreshNow();
    QVERIFY2(panel.verdictText().startsWith(u"Cancelled after"), qPrintable(panel.verdictText()));
    QCOMPARE(panel.demoVm()->runState(), QStringLiteral("running"));
    test::checkSeriesEqualSamples(panel);
    QVERIFY(test::saveScreenshot(&panel, QStringLiteral("migration-panel-cancelled")));
}

void TestMigrationPanel::badSocket()
{
    MigrationPanel panel;
    panel.resize(1000, 700);
    QSignalSpy errors(&panel, &MigrationPanel::errorOccurred);
    QTemporaryDir dir;
    QFile f(dir.filePath(QStringLiteral("plain")));
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.close();
    panel.connectTo(f.fileName());
    QTRY_VERIFY(!errors.isEmpty());
    QVERIFY2(panel.errorText().contains(u"is not a QMP socket: it is a regular file"), qPrintable(panel.errorText()));
    QVERIFY(!panel.isConnected());
    QString error;
    QVERIFY(!panel.startDemo(QStringLiteral("no-such-scenario"), 1, &error));
    QVERIFY2(error.contains(u"built in: converging, non-converging"), qPrintable(error));
    panel.show();
    QVERIFY(test::saveScreenshot(&panel, QStringLiteral("migration-panel-bad-socket")));
}

// Find lists the sockets in the usual places ($XDG_RUNTIME_DIR here), reachable ones first, and a
// picked one connects.
void TestMigrationPanel::findSockets()
{
    QTemporaryDir runtime;
    qputenv("XDG_RUNTIME_DIR", QFile::encodeName(runtime.path()));
    QString error;
    auto scenario = simvm::SimVmScenario::load(QStringLiteral("converging"), &error);
    QVERIFY(scenario);
    simvm::SimVm vm(*scenario);
    QVERIFY(vm.listen(runtime.filePath(QStringLiteral("web1.qmp")), &error));
    MigrationPanel panel;
    panel.resize(1200, 800);
    panel.show();
    QSignalSpy found(&panel, &MigrationPanel::socketsFound);
    panel.findSockets();
    QTRY_VERIFY_WITH_TIMEOUT(!found.isEmpty(), 10000);
    QVERIFY(found.first().first().toInt() >= 1);
    auto *combo = panel.findChild<QComboBox *>(QStringLiteral("socket"));
    QVERIFY(combo);
    QCOMPARE(combo->itemData(0).toString(), vm.socketPath());
    QVERIFY2(combo->itemText(0).contains(u"VM demo-web1, QEMU 10.0.2"), qPrintable(combo->itemText(0)));
    QVERIFY(test::saveScreenshot(&panel, QStringLiteral("migration-panel-found-sockets")));
    combo->setCurrentIndex(0);
    for (QPushButton *b : panel.findChildren<QPushButton *>())
        if (b->text() == u"Connect")
            b->click();
    QTRY_VERIFY_WITH_TIMEOUT(panel.isConnected(), 10000);
    QTRY_COMPARE(panel.vmInfo().name, QStringLiteral("demo-web1"));
    qunsetenv("XDG_RUNTIME_DIR");
}

void TestMigrationPanel::decimatedSeriesKeepExtremes()
{
    // An hour at 10 Hz with a spike: the drawn series is small and still shows the spike and the troughs.
    MigrationRecording rec;
    for (int i = 0; i < 36000; ++i) {
        MigrationSample s;
        s.timeMs = i * 100;
        s.status = MigrationStatus::Active;
        s.statusText = QStringLiteral("active");
        s.ram.present = true;
        s.ram.remaining = qint64((1000 + 900 * std::sin(i / 300.0) + (i == 20001 ? 5000 : 0)) * MiB);
        s.ram.dirtySyncCount = 1 + i / 1000;
        s.expectedDowntimeMs = 300 + i % 7;
        rec.addSample(s);
    }
    MigrationCharts charts;
    charts.resize(1200, 800);
    charts.show();
    QTest::qWait(50);
    charts.refresh(rec);
    charts.refresh(rec); // again, with the plot area the first refresh's axis labels left
    const QList<QPointF> drawn = charts.series(ChartSeries::Remaining)->points();
    const QList<QPointF> &all = charts.data().points(ChartSeries::Remaining);
    QCOMPARE(all.size(), 36000);
    // At most a min and a max per pixel column of the plot (which is narrower than its view).
    const int width = charts.chartView(0)->width();
    QVERIFY2(drawn.size() <= 2 * width + 2, qPrintable(QString::number(drawn.size())));
    auto minMax = [](const QList<QPointF> &pts) {
        double lo = 1e300, hi = -1e300;
        for (const QPointF &p : pts) {
            lo = std::min(lo, p.y());
            hi = std::max(hi, p.y());
        }
        return std::pair(lo, hi);
    };
    QCOMPARE(minMax(drawn), minMax(all));
    QVERIFY(drawn.contains(all[20001]));
    QVERIFY(test::saveScreenshot(&charts, QStringLiteral("migration-charts-one-hour")));
}

void TestMigrationPanel::benchmarkRefreshHours()
{
    // Ten hours at 10 Hz recorded; each refresh takes in a second of new samples and redraws.
    MigrationRecording rec;
    MigrationSample s;
    s.status = MigrationStatus::Active;
    s.statusText = QStringLiteral("active");
    s.ram.present = true;
    s.ram.mbps = 1000;
    s.ram.dirtyPagesRate = 1000;
    for (int i = 0; i < 360000; ++i) {
        s.timeMs = i * 100;
        s.ram.remaining = qint64((1000 + 900 * std::sin(i / 300.0)) * MiB);
        s.ram.transferred = qint64(i) * 4096;
        rec.addSample(s);
    }
    MigrationCharts charts;
    charts.resize(1200, 800);
    charts.refresh(rec);
    int i = 360000;
    QBENCHMARK {
        for (int k = 0; k < 10; ++k, ++i) {
            s.timeMs = i * 100;
            rec.addSample(s);
        }
        charts.refresh(rec);
    }
}

QTEST_MAIN(TestMigrationPanel)
#include "tst_migrationpanel.moc"
