// The migration model: the parser on replies recorded from QEMU 10, passes and verdicts (recorded and
// synthetic, data-driven), min/max decimation, CSV and the sample table model.

#include "decimation.h"
#include "migrationcsv.h"
#include "migrationparser.h"
#include "migrationrecording.h"
#include "migrationsamplemodel.h"

#include <QAbstractItemModelTester>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QRandomGenerator>
#include <QTest>

#include <cmath>

using namespace devtopo::migration;

namespace {

struct Recorded {
    QList<QJsonObject> lines;
};

// The recorder's lines up to the source's final query-migrate (later ones are the destination's).
QList<QJsonObject> readRecorded(const QString &name)
{
    QFile f(QStringLiteral(DEVTOPO_MIGRATION_TEST_DATA "/") + name);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    QList<QJsonObject> out;
    for (const QByteArray &line : f.readAll().split('\n')) {
        if (line.trimmed().isEmpty())
            continue;
        const QJsonObject o = QJsonDocument::fromJson(line).object();
        out.append(o);
        const QJsonObject ret = o.value(u"msg").toObject().value(u"return").toObject();
        if (o.value(u"cmd").toString() == u"query-migrate" && isFinalStatus(migrationStatusFromString(ret.value(u"status").toString())))
            break;
    }
    return out;
}

// Replays a recording: samples from query-migrate, events, dirty rates, parameters; at each new pass
// the verdict is kept so the test can look at it mid-way.
MigrationRecording replay(const QList<QJsonObject> &lines, QMap<qint64, Verdict> *verdictAtPass = nullptr)
{
    MigrationRecording rec;
    double t0 = -1;
    for (const QJsonObject &o : lines) {
        const double t = o.value(u"t").toDouble();
        if (t0 < 0 && t > 0)
            t0 = t;
        const qint64 ms = qint64((t - t0) * 1000);
        const QString kind = o.value(u"kind").toString();
        const QJsonObject msg = o.value(u"msg").toObject();
        if (kind == u"event") {
            if (auto e = parseMigrationEvent(msg.value(u"event").toString(), msg.value(u"data").toObject(), ms))
                rec.addEvent(*e);
            continue;
        }
        if (kind != u"reply" || !msg.contains(u"return"))
            continue;
        const QString cmd = o.value(u"cmd").toString();
        QString error;
        if (cmd == u"query-migrate") {
            auto s = parseQueryMigrate(msg.value(u"return").toObject(), ms, &error);
            if (!s)
                qFatal("%s", qPrintable(error));
            const qsizetype passesBefore = rec.passes().size();
            rec.addSample(*s);
            if (verdictAtPass && rec.passes().size() != passesBefore)
                verdictAtPass->insert(rec.passes().last().syncCount, rec.verdict());
        } else if (cmd == u"query-migrate-parameters") {
            if (auto p = parseMigrationParameters(msg.value(u"return").toObject(), &error))
                rec.setParameters(*p);
        } else if (cmd == u"query-dirty-rate") {
            if (auto d = parseDirtyRate(msg.value(u"return").toObject(), ms, &error))
                rec.addDirtyRate(*d);
        }
    }
    return rec;
}

constexpr double MiB = 1024.0 * 1024.0;

// A pre-copy run computed from first principles (independent of the simulated VM's code): 10 Hz
// samples, pass 1 sends all of RAM, each pass's work is what the guest dirtied (capped by its
// working set) during the pass before, switch-over when a pass fits bandwidth × limit.
MigrationRecording synthetic(double ramMiB, double wsMiB, double dirtyMiBps, double bwMiBps, qint64 limitMs,
                             double maxSeconds, double measuredDirtyMiBps = -1, bool cancelAtEnd = false)
{
    MigrationRecording rec;
    MigrationParameters p;
    p.maxBandwidth = qint64(bwMiBps * MiB);
    p.downtimeLimitMs = limitMs;
    rec.setParameters(p);
    const double b = bwMiBps * MiB, d = dirtyMiBps * MiB;
    double remaining = ramMiB * MiB, dirtied = 0, transferred = 0, passStart = 0;
    qint64 sync = 1, dirtyPages = 0, expected = limitMs;
    if (measuredDirtyMiBps > 0) {
        DirtyRateResult r;
        r.status = QStringLiteral("measured");
        r.dirtyRateMiBps = qint64(measuredDirtyMiBps);
        rec.addDirtyRate(r);
    }
    for (int i = 0; i * 0.1 < maxSeconds; ++i) {
        const double t = i * 0.1;
        const double sent = std::min(remaining, b * 0.1);
        remaining -= sent;
        transferred += sent;
        dirtied = std::min(dirtied + d * 0.1, wsMiB * MiB);
        bool done = false;
        if (remaining <= 0) {
            dirtyPages = qint64(dirtied / 4096 / (t + 0.1 - passStart));
            remaining = dirtied;
            dirtied = 0;
            passStart = t + 0.1;
            ++sync;
            expected = qint64(remaining / b * 1000);
            done = remaining <= b * double(limitMs) / 1000.0;
        }
        MigrationSample s;
        s.timeMs = qint64(std::llround(t * 1000));
        s.status = MigrationStatus::Active;
        s.statusText = QStringLiteral("active");
        s.ram.present = true;
        s.ram.total = qint64(ramMiB * MiB);
        s.ram.remaining = qint64(remaining);
        s.ram.transferred = qint64(transferred);
        s.ram.dirtyPagesRate = dirtyPages;
        s.ram.dirtySyncCount = sync;
        s.ram.pageSize = 4096;
        s.ram.mbps = b * 8 / 1e6;
        s.expectedDowntimeMs = expected;
        rec.addSample(s);
        if (done) {
            s.timeMs += 50;
            s.status = MigrationStatus::Completed;
            s.statusText = QStringLiteral("completed");
            s.ram.remaining = 0;
            s.downtimeMs = expected + 5;
            s.totalTimeMs = s.timeMs;
            s.expectedDowntimeMs = -1;
            rec.addSample(s);
            return rec;
        }
    }
    if (cancelAtEnd) {
        MigrationSample s;
        s.timeMs = qint64(maxSeconds * 1000) + 100;
        s.status = MigrationStatus::Cancelled;
        s.statusText = QStringLiteral("cancelled");
        rec.addSample(s);
    }
    return rec;
}

} // namespace

class TestMigrationModel : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void parseRecordedReplies_data();
    void parseRecordedReplies();
    void recordedVerdicts_data();
    void recordedVerdicts();
    void parseErrors_data();
    void parseErrors();
    void verdicts_data();
    void verdicts();
    void decimationKeepsExtremes_data();
    void decimationKeepsExtremes();
    void csvHasEverySample();
    void csvWriteFailureKeepsFile();
    void sampleModel();
    void benchmarkDecimation();
    void benchmarkAddSample();
};

void TestMigrationModel::parseRecordedReplies_data()
{
    QTest::addColumn<QString>("file");
    QTest::newRow("converging") << QStringLiteral("qemu10-converging.jsonl");
    QTest::newRow("not converging") << QStringLiteral("qemu10-not-converging.jsonl");
}

// Every recorded query-migrate reply parses, and every figure equals what QEMU sent.
void TestMigrationModel::parseRecordedReplies()
{
    QFETCH(QString, file);
    const auto lines = readRecorded(file);
    QVERIFY2(lines.size() > 100, qPrintable(file));
    int parsed = 0;
    for (const QJsonObject &o : lines) {
        if (o.value(u"cmd").toString() != u"query-migrate")
            continue;
        const QJsonObject r = o.value(u"msg").toObject().value(u"return").toObject();
        QString error;
        auto s = parseQueryMigrate(r, 0, &error);
        QVERIFY2(s, qPrintable(error));
        ++parsed;
        QCOMPARE(s->statusText, r.value(u"status").toString(r.isEmpty() ? QStringLiteral("none") : QString()));
        const QJsonObject ram = r.value(u"ram").toObject();
        QCOMPARE(s->ram.present, !ram.isEmpty());
        QCOMPARE(s->ram.remaining, qint64(ram.value(u"remaining").toDouble(-1)));
        QCOMPARE(s->ram.transferred, qint64(ram.value(u"transferred").toDouble(-1)));
        QCOMPARE(s->ram.total, qint64(ram.value(u"total").toDouble(-1)));
        QCOMPARE(s->ram.dirtyPagesRate, qint64(ram.value(u"dirty-pages-rate").toDouble(-1)));
        QCOMPARE(s->ram.dirtySyncCount, qint64(ram.value(u"dirty-sync-count").toDouble(-1)));
        QCOMPARE(s->ram.mbps, ram.value(u"mbps").toDouble(-1));
        QCOMPARE(s->expectedDowntimeMs, qint64(r.value(u"expected-downtime").toDouble(-1)));
        QCOMPARE(s->setupTimeMs, qint64(r.value(u"setup-time").toDouble(-1)));
        QCOMPARE(s->downtimeMs, qint64(r.value(u"downtime").toDouble(-1)));
        QVERIFY(!s->vfio.present); // no VFIO devices in that VM: QEMU leaves the block out
    }
    QVERIFY(parsed > 100);
}

void TestMigrationModel::recordedVerdicts_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<int>("finalKind");
    QTest::addColumn<int>("trend");
    QTest::addColumn<QString>("words");
    QTest::newRow("converging") << QStringLiteral("qemu10-converging.jsonl") << int(VerdictKind::Completed)
                                << int(VerdictKind::Converging) << QStringLiteral("Completed after 10 passes");
    QTest::newRow("not converging") << QStringLiteral("qemu10-not-converging.jsonl") << int(VerdictKind::Cancelled)
                                    << int(VerdictKind::NotConverging) << QStringLiteral("Will not converge: memory is dirtied at");
}

// The verdicts on what real QEMU said match how those migrations ended; mid-way (pass 3, the first
// moment two full passes can be compared) they already said so.
void TestMigrationModel::recordedVerdicts()
{
    QFETCH(QString, file);
    QFETCH(int, finalKind);
    QFETCH(int, trend);
    QFETCH(QString, words);
    QMap<qint64, Verdict> atPass;
    const MigrationRecording rec = replay(readRecorded(file), &atPass);
    const Verdict &v = rec.verdict();
    QCOMPARE(int(v.kind), finalKind);
    QCOMPARE(int(v.trend), trend);
    QVERIFY2(v.text.contains(words), qPrintable(v.text));
    QVERIFY(atPass.contains(3));
    QCOMPARE(int(atPass.value(3).kind), trend);
    QVERIFY(atPass.contains(1));
    QCOMPARE(int(atPass.value(1).kind), int(VerdictKind::FirstPass));
    // Passes seen from dirty-sync-count: the events' MIGRATION_PASS numbers cover them.
    QSet<qint64> eventPasses;
    for (const MigrationEvent &e : rec.events())
        if (e.kind == MigrationEvent::Kind::Pass)
            eventPasses.insert(e.value.toLongLong());
    for (const PassInfo &p : rec.passes())
        QVERIFY2(eventPasses.contains(p.syncCount), qPrintable(QString::number(p.syncCount)));
    if (finalKind == int(VerdictKind::Completed)) {
        QVERIFY(rec.passes().size() >= 5);
        // remaining at each pass start shrinks (the saw-tooth's peaks fall)
        for (qsizetype i = 2; i < rec.passes().size(); ++i)
            QVERIFY(rec.passes()[i].remainingAtStart < rec.passes()[i - 1].remainingAtStart);
        QVERIFY2(v.text.contains(u"paused for 6 ms"), qPrintable(v.text));
    } else {
        // The measured dirty rate (calc-dirty-rate, 62–104 MiB/s) is named, not the saturated pages rate.
        QVERIFY2(v.dirtyBytesPerSecond > 60 * MiB, qPrintable(v.text));
        QVERIFY(v.bandwidthBytesPerSecond > 30e6 && v.bandwidthBytesPerSecond < 40e6);
        QVERIFY(v.text.contains(u"runs on at the source"));
    }
}

void TestMigrationModel::parseErrors_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<QString>("error");
    QTest::newRow("status not a string") << QByteArray(R"({"status": 3})") << QStringLiteral("status is not a string");
    QTest::newRow("ram not an object") << QByteArray(R"({"status": "active", "ram": [1]})") << QStringLiteral("ram is not an object");
    QTest::newRow("remaining a string") << QByteArray(R"({"status": "active", "ram": {"remaining": "12"}})")
                                        << QStringLiteral("query-migrate.ram.remaining is not a number");
    QTest::newRow("negative") << QByteArray(R"({"status": "active", "total-time": -5})") << QStringLiteral("total-time is out of range");
    QTest::newRow("no status") << QByteArray(R"({"ram": {}})") << QStringLiteral("no status");
    QTest::newRow("vfio not an object") << QByteArray(R"({"status": "active", "vfio": 7})") << QStringLiteral("vfio is not an object");
}

void TestMigrationModel::parseErrors()
{
    QFETCH(QByteArray, json);
    QFETCH(QString, error);
    QString got;
    QVERIFY(!parseQueryMigrate(QJsonDocument::fromJson(json).object(), 0, &got));
    QVERIFY2(got.contains(error), qPrintable(got));
    // and a reply from before any migration is "none", not an error
    QVERIFY(parseQueryMigrate({}, 0, &got).has_value());
}

void TestMigrationModel::verdicts_data()
{
    QTest::addColumn<MigrationRecording>("rec");
    QTest::addColumn<int>("kind");
    QTest::addColumn<int>("trend");
    QTest::addColumn<QString>("words");
    // dirty 150 of 400 MiB/s: ratio 0.375, about 62% less per pass
    QTest::newRow("converging, mid-way") << synthetic(4096, 2048, 150, 400, 300, 15) << int(VerdictKind::Converging)
                                         << int(VerdictKind::Idle) << QStringLiteral("Remaining shrinks about 6");
    QTest::newRow("converging, completed") << synthetic(4096, 2048, 150, 400, 300, 60) << int(VerdictKind::Completed)
                                           << int(VerdictKind::Converging) << QStringLiteral("Completed after");
    // 858 MiB/s (900 MB/s) against 114 MiB/s (120 MB/s), measured by calc-dirty-rate
    QTest::newRow("not converging") << synthetic(2048, 1024, 858, 114, 300, 60, 858) << int(VerdictKind::NotConverging)
                                    << int(VerdictKind::Idle)
                                    << QStringLiteral("Will not converge: memory is dirtied at 900 MB/s and the link moves 120 MB/s — raise the bandwidth or throttle.");
    QTest::newRow("not converging, no measurement") << synthetic(2048, 1024, 858, 114, 300, 60) << int(VerdictKind::NotConverging)
                                                    << int(VerdictKind::Idle) << QStringLiteral("Will not converge: memory is dirtied at at least");
    QTest::newRow("not converging, cancelled") << synthetic(2048, 1024, 858, 114, 300, 60, 858, true) << int(VerdictKind::Cancelled)
                                               << int(VerdictKind::NotConverging) << QStringLiteral("Before that: Will not converge");
    // dirty 94% of the bandwidth: shrinks, slowly
    QTest::newRow("borderline") << synthetic(1024, 1024, 94, 100, 50, 60) << int(VerdictKind::Borderline)
                                << int(VerdictKind::Idle) << QStringLiteral("Converging slowly");
    QTest::newRow("first pass") << synthetic(4096, 2048, 150, 400, 300, 5) << int(VerdictKind::FirstPass)
                                << int(VerdictKind::Idle) << QStringLiteral("First pass: copying all 4.0 GiB of RAM");
    QTest::newRow("first pass, measured") << synthetic(4096, 2048, 858, 114, 300, 5, 858) << int(VerdictKind::FirstPass)
                                          << int(VerdictKind::Idle) << QStringLiteral("Likely not to converge");
    QTest::newRow("idle") << MigrationRecording() << int(VerdictKind::Idle) << int(VerdictKind::Idle)
                          << QStringLiteral("No migration is running.");
}

void TestMigrationModel::verdicts()
{
    QFETCH(MigrationRecording, rec);
    QFETCH(int, kind);
    QFETCH(int, trend);
    QFETCH(QString, words);
    const Verdict &v = rec.verdict();
    QVERIFY2(v.text.contains(words), qPrintable(v.text));
    QCOMPARE(verdictKindName(v.kind), verdictKindName(VerdictKind(kind)));
    if (trend != int(VerdictKind::Idle))
        QCOMPARE(verdictKindName(v.trend), verdictKindName(VerdictKind(trend)));
    if (v.kind == VerdictKind::Converging) {
        QVERIFY(v.passesToGo >= 1 && v.passesToGo <= 5);
        QVERIFY(std::abs(v.shrinkPerPass - (1 - 150.0 / 400.0)) < 0.05);
    }
}

void TestMigrationModel::decimationKeepsExtremes_data()
{
    QTest::addColumn<int>("points");
    QTest::addColumn<int>("columns");
    QTest::newRow("fewer than columns") << 50 << 100;
    QTest::newRow("an hour at 10 Hz into 800 px") << 36000 << 800;
    QTest::newRow("uneven") << 1001 << 7;
}

void TestMigrationModel::decimationKeepsExtremes()
{
    QFETCH(int, points);
    QFETCH(int, columns);
    QList<QPointF> in;
    QRandomGenerator rng(42);
    double x = 0;
    for (int i = 0; i < points; ++i) {
        x += 0.05 + rng.bounded(0.1);
        in.append({x, std::sin(x / 7.0) * 100 + rng.bounded(20.0) + (i % 997 == 500 ? 1000 : 0)});
    }
    const QList<QPointF> out = decimateMinMax(in, columns);
    if (points <= 2 * columns) {
        QCOMPARE(out, in);
        return;
    }
    QVERIFY(out.size() <= 2 * columns + 2);
    QCOMPARE(out.first(), in.first());
    QCOMPARE(out.last(), in.last());
    for (qsizetype i = 1; i < out.size(); ++i)
        QVERIFY(out[i].x() > out[i - 1].x());
    // Each column's min and max among the input are in the output.
    const double x0 = in.first().x(), w = in.last().x() - x0;
    QList<double> lo(columns, 1e300), hi(columns, -1e300);
    for (const QPointF &p : in) {
        const int c = std::min(columns - 1, int((p.x() - x0) / w * columns));
        lo[c] = std::min(lo[c], p.y());
        hi[c] = std::max(hi[c], p.y());
    }
    QList<double> outLo(columns, 1e300), outHi(columns, -1e300);
    for (const QPointF &p : out) {
        QVERIFY(in.contains(p)); // only real points, none invented
        const int c = std::min(columns - 1, int((p.x() - x0) / w * columns));
        outLo[c] = std::min(outLo[c], p.y());
        outHi[c] = std::max(outHi[c], p.y());
    }
    for (int c = 0; c < columns; ++c) {
        QCOMPARE(outLo[c], lo[c]);
        QCOMPARE(outHi[c], hi[c]);
    }
}

void TestMigrationModel::csvHasEverySample()
{
    const MigrationRecording rec = replay(readRecorded(QStringLiteral("qemu10-converging.jsonl")));
    const QByteArray csv = migrationToCsv(rec);
    const QList<QByteArray> lines = csv.split('\n');
    QList<QByteArray> rows;
    bool header = false;
    QByteArray verdictLine;
    for (const QByteArray &l : lines) {
        if (l.startsWith("time_s,")) {
            header = true;
            continue;
        }
        if (l.startsWith("# verdict,"))
            verdictLine = l;
        if (header && !l.isEmpty() && !l.startsWith('#'))
            rows.append(l);
    }
    QCOMPARE(rows.size(), rec.samples().size());
    for (int i = 0; i < rows.size(); ++i) {
        const QList<QByteArray> cells = rows[i].split(',');
        QCOMPARE(cells.size(), 16);
        const MigrationSample &s = rec.samples()[i];
        QCOMPARE(cells[1], s.statusText.toUtf8());
        QCOMPARE(cells[3], s.ram.remaining < 0 ? QByteArray() : QByteArray::number(s.ram.remaining));
        QCOMPARE(cells[6], s.ram.dirtySyncCount < 0 ? QByteArray() : QByteArray::number(s.ram.dirtySyncCount));
    }
    QVERIFY(rows.last().endsWith(",completed"));
    QVERIFY2(verdictLine.contains("Completed after 10 passes"), verdictLine.constData());
    QVERIFY(csv.contains("# downtime_limit_ms,300"));
}

void TestMigrationModel::csvWriteFailureKeepsFile()
{
    QString error;
    QVERIFY(!writeMigrationCsv(MigrationRecording(), QStringLiteral("/nonexistent-dir/x.csv"), &error));
    QVERIFY2(error.contains(u"/nonexistent-dir/x.csv"), qPrintable(error));
}

void TestMigrationModel::sampleModel()
{
    MigrationRecording rec;
    MigrationSampleModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setRecording(&rec);
    QCOMPARE(model.rowCount(), 0);
    const MigrationRecording full = replay(readRecorded(QStringLiteral("qemu10-not-converging.jsonl")));
    for (const MigrationSample &s : full.samples()) {
        rec.addSample(s);
        model.samplesAppended();
    }
    QCOMPARE(model.rowCount(), full.samples().size());
    for (int row = 0; row < model.rowCount(); row += 17) {
        const MigrationSample &s = rec.samples()[row];
        QCOMPARE(model.index(row, MigrationSampleModel::RemainingColumn).data(MigrationSampleModel::RawValueRole).toLongLong(), s.ram.remaining);
        QCOMPARE(model.index(row, MigrationSampleModel::StatusColumn).data().toString(), s.statusText);
        QCOMPARE(model.index(row, MigrationSampleModel::PassColumn).data(MigrationSampleModel::RawValueRole).toLongLong(), s.ram.dirtySyncCount);
    }
    rec.clear();
    model.reset();
    QCOMPARE(model.rowCount(), 0);
}

void TestMigrationModel::benchmarkDecimation()
{
    QList<QPointF> in;
    for (int i = 0; i < 360000; ++i) // ten hours at 10 Hz
        in.append({i * 0.1, std::sin(i * 0.001) * 1e9});
    QList<QPointF> out;
    QBENCHMARK {
        out = decimateMinMax(in, 1000);
    }
    QVERIFY(out.size() <= 2002);
}

// Adding a sample recomputes the passes and the verdict: it must stay cheap at hour-long recordings.
void TestMigrationModel::benchmarkAddSample()
{
    MigrationRecording rec = synthetic(65536, 32768, 1000, 1100, 300, 3600); // an hour, still going
    QVERIFY(rec.samples().size() >= 36000);
    MigrationSample s = rec.samples().last();
    QBENCHMARK {
        s.timeMs += 100;
        rec.addSample(s);
    }
}

QTEST_GUILESS_MAIN(TestMigrationModel)
#include "tst_migrationmodel.moc"
