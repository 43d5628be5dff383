// Real QEMU-to-QEMU live migration under TCG, watched by the migration panel through its QMP client:
// a guest dirtying 4,000 pages/s at max-bandwidth 32 MiB/s converges and completes (destination
// running, source postmigrate); one dirtying 20,000 pages/s cannot converge, the verdict says so (with
// the dirty rate measured by calc-dirty-rate) and it is cancelled (source running, the destination gone).
// The charted series equal the samples QMP returned. Then devtopo-cli migrate watch --csv follows a
// converging migration and the CSV is checked. Skips, saying why, without QEMU, the kernel or the guest.

#include "migrationcontrol.h"
#include "migrationpanel.h"
#include "qemuguest.h"
#include "qmpclient.h"
#include "screenshots.h"
#include "seriescheck.h"

#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace devtopo;
using namespace devtopo::migration;
using namespace devtopo::qmp;
using devtopo::test::QemuGuest;

namespace {

constexpr qint64 MiB = 1024 * 1024;

QmpReply run(QmpClient &client, const QString &command, const QJsonObject &args = {})
{
    QmpReply reply;
    bool done = false;
    client.execute(command, args, &client, [&](const QmpReply &r) {
        reply = r;
        done = true;
    });
    if (!QTest::qWaitFor([&] { return done; }, 15000))
        reply.errorDesc = QStringLiteral("no reply within 15 s");
    return reply;
}

bool connectClient(QmpClient &client, const QString &path)
{
    QSignalSpy ready(&client, &QmpClient::ready);
    QSignalSpy failed(&client, &QmpClient::failed);
    client.connectToSocket(path);
    return QTest::qWaitFor([&] { return !ready.isEmpty() || !failed.isEmpty(); }, 15000) && !ready.isEmpty();
}

} // namespace

class TestQemuMigration : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void convergingCompletes();
    void notConvergingIsCancelled();
    void cliWatchWritesCsv();

private:
    // A source guest dirtying at `rate` and a fresh destination waiting for it; the test's own client
    // on the destination (the source's belongs to whoever watches it: QMP serves one client).
    bool startPair(int rate, std::unique_ptr<QemuGuest> *src, std::unique_ptr<QemuGuest> *dst, QmpClient *dstClient,
                   const QString &tag);
    test::QemuGuestSetup m_setup;
    QTemporaryDir m_dir;
    QString m_initrd;
    QElapsedTimer m_clock;
};

void TestQemuMigration::initTestCase()
{
    m_clock.start();
    m_setup = test::findQemuGuestSetup();
    if (!m_setup.skipReason.isEmpty())
        QSKIP(qPrintable(m_setup.skipReason));
    QVERIFY(m_dir.isValid());
    m_initrd = m_dir.filePath(QStringLiteral("initrd.cpio"));
    QString error;
    QVERIFY2(test::writeInitramfs(m_setup.init, m_initrd, &error), qPrintable(error));
}

bool TestQemuMigration::startPair(int rate, std::unique_ptr<QemuGuest> *src, std::unique_ptr<QemuGuest> *dst,
                                  QmpClient *dstClient, const QString &tag)
{
    QString error;
    *src = std::make_unique<QemuGuest>(m_setup, m_dir.path(), tag + QStringLiteral("-src"));
    *dst = std::make_unique<QemuGuest>(m_setup, m_dir.path(), tag + QStringLiteral("-dst"));
    if (!(*src)->start(m_initrd, rate, false, &error) || !(*dst)->start(m_initrd, rate, true, &error)) {
        qWarning("%s", qPrintable(error));
        return false;
    }
    if (!(*src)->waitForSocket(15000) || !(*dst)->waitForSocket(15000)) {
        qWarning("no QMP socket: %s %s", qPrintable((*src)->stderrText()), qPrintable((*dst)->stderrText()));
        return false;
    }
    qInfo("%s: QMP sockets after %.1f s", qPrintable(tag), double(m_clock.elapsed()) / 1000.0);
    if (!connectClient(*dstClient, (*dst)->qmpPath()))
        return false;
    const QString uri = QStringLiteral("unix:") + m_dir.filePath(tag + QStringLiteral("-mig.sock"));
    if (!run(*dstClient, QStringLiteral("migrate-incoming"), {{QStringLiteral("uri"), uri}}).ok)
        return false;
    // The guest is ready once its whole buffer holds data (5–6 s after QEMU starts on an idle machine).
    if (!(*src)->waitForSerial(QStringLiteral("dirtier: ready"), 60000)) {
        qWarning("guest not ready; serial:\n%s", qPrintable((*src)->serial().right(2000)));
        return false;
    }
    qInfo("%s: guest ready after %.1f s", qPrintable(tag), double(m_clock.elapsed()) / 1000.0);
    return true;
}

void TestQemuMigration::convergingCompletes()
{
    std::unique_ptr<QemuGuest> src, dst;
    QmpClient dstClient;
    QVERIFY(startPair(4000, &src, &dst, &dstClient, QStringLiteral("conv")));
    const qint64 t0 = m_clock.elapsed();

    MigrationPanel panel;
    panel.resize(1400, 900);
    panel.show();
    QSignalSpy connected(&panel, &MigrationPanel::connectedChanged);
    QSignalSpy finished(&panel, &MigrationPanel::migrationFinished);
    QSignalSpy verdicts(&panel, &MigrationPanel::verdictChanged);
    panel.connectTo(src->qmpPath());
    QTRY_VERIFY_WITH_TIMEOUT(panel.isConnected(), 15000);
    QTRY_VERIFY_WITH_TIMEOUT(panel.vmInfo().name == u"conv-src", 10000);
    QVERIFY(panel.vmInfo().vfioDevices.isEmpty());
    panel.setMaxBandwidth(32 * MiB);
    panel.setDowntimeLimit(300);
    QTRY_VERIFY_WITH_TIMEOUT(panel.recording().parameters().maxBandwidth == 32 * MiB
                                 && panel.recording().parameters().downtimeLimitMs == 300, 10000);
    panel.startMigration(QStringLiteral("unix:") + m_dir.filePath(QStringLiteral("conv-mig.sock")));
    QTRY_VERIFY_WITH_TIMEOUT(!finished.isEmpty(), 90000);
    panel.refreshNow();
    const MigrationRecording &rec = panel.recording();
    QCOMPARE(verdictKindName(rec.verdict().kind), QStringLiteral("completed"));
    QCOMPARE(verdictKindName(rec.verdict().trend), QStringLiteral("converging"));
    QVERIFY(rec.sampleVerdicts().contains(VerdictKind::Converging));
    QVERIFY(!rec.sampleVerdicts().contains(VerdictKind::NotConverging));
    QVERIFY(rec.passes().size() >= 4);
    // The destination runs the guest on; the source is paused after migration.
    QTRY_VERIFY_WITH_TIMEOUT(panel.vmInfo().status == u"postmigrate", 10000);
    QTRY_VERIFY_WITH_TIMEOUT(run(dstClient, QStringLiteral("query-status")).object().value(u"status").toString() == u"running", 10000);
    test::checkSeriesEqualSamples(panel);
    QVERIFY(test::saveScreenshot(&panel, QStringLiteral("migration-qemu-converging")));
    qInfo("converging: %lld samples, %lld passes, %s (%.1f s of samples, %.1f s since the guest was ready)",
          qint64(rec.samples().size()), qint64(rec.passes().size()), qPrintable(rec.verdict().text),
          double(rec.samples().last().timeMs - rec.samples().first().timeMs) / 1000.0, double(m_clock.elapsed() - t0) / 1000.0);
}

void TestQemuMigration::notConvergingIsCancelled()
{
    std::unique_ptr<QemuGuest> src, dst;
    QmpClient dstClient;
    QVERIFY(startPair(20000, &src, &dst, &dstClient, QStringLiteral("nc")));

    MigrationPanel panel;
    panel.resize(1400, 900);
    panel.show();
    QSignalSpy finished(&panel, &MigrationPanel::migrationFinished);
    panel.connectTo(src->qmpPath());
    QTRY_VERIFY_WITH_TIMEOUT(panel.isConnected(), 15000);
    panel.setMaxBandwidth(32 * MiB);
    panel.setDowntimeLimit(300);
    QTRY_VERIFY_WITH_TIMEOUT(panel.recording().parameters().maxBandwidth == 32 * MiB, 10000);
    panel.startMigration(QStringLiteral("unix:") + m_dir.filePath(QStringLiteral("nc-mig.sock")));
    QTRY_VERIFY_WITH_TIMEOUT(panel.recording().currentStatus() == MigrationStatus::Active, 15000);
    // QEMU's own dirty-pages-rate cannot exceed what a pass can see (it saturates near the link's
    // speed): calc-dirty-rate gives the true rate, 78 MiB/s here.
    panel.measureDirtyRate();
    QTRY_VERIFY_WITH_TIMEOUT(panel.recording().measuredDirtyBytesPerSecond() > 0, 15000);
    QTRY_VERIFY_WITH_TIMEOUT(panel.recording().verdict().kind == VerdictKind::NotConverging, 60000);
    const QString text = panel.recording().verdict().text;
    QVERIFY2(text.startsWith(u"Will not converge: memory is dirtied at "), qPrintable(text));
    QVERIFY2(text.contains(u"— raise the bandwidth or throttle"), qPrintable(text));
    QVERIFY(panel.recording().verdict().dirtyBytesPerSecond > 1.5 * panel.recording().verdict().bandwidthBytesPerSecond);
    panel.refreshNow();
    QVERIFY(test::saveScreenshot(&panel, QStringLiteral("migration-qemu-not-converging")));
    panel.cancelMigration();
    QTRY_VERIFY_WITH_TIMEOUT(!finished.isEmpty(), 20000);
    panel.refreshNow();
    const MigrationRecording &rec = panel.recording();
    QCOMPARE(verdictKindName(rec.verdict().kind), QStringLiteral("cancelled"));
    QCOMPARE(verdictKindName(rec.verdict().trend), QStringLiteral("not-converging"));
    bool sawCancelling = false;
    for (const MigrationEvent &e : rec.events())
        sawCancelling |= e.kind == MigrationEvent::Kind::Status && e.value == u"cancelling";
    QVERIFY(sawCancelling); // lasts milliseconds: only the event shows it
    // The source runs on; the destination QEMU gave up ("load of migration failed") and exited.
    QTRY_VERIFY_WITH_TIMEOUT(panel.vmInfo().status == u"running", 10000);
    QVERIFY(src->isRunning());
    QVERIFY(dst->waitForExit(20000));
    qInfo("nc: cancelled and the destination gone after %.1f s", double(m_clock.elapsed()) / 1000.0);
    test::checkSeriesEqualSamples(panel);
    QVERIFY(test::saveScreenshot(&panel, QStringLiteral("migration-qemu-cancelled")));
    qInfo("not converging: %lld samples, %lld passes, %s", qint64(rec.samples().size()), qint64(rec.passes().size()),
          qPrintable(rec.verdict().text));
}

void TestQemuMigration::cliWatchWritesCsv()
{
    const QString cli = QStringLiteral(DEVTOPO_CLI);
    if (cli.isEmpty())
        QSKIP("devtopo-cli is not part of this build");
    std::unique_ptr<QemuGuest> src, dst;
    QmpClient dstClient;
    QVERIFY(startPair(4000, &src, &dst, &dstClient, QStringLiteral("cli")));
    const QString csv = m_dir.filePath(QStringLiteral("cli.csv"));
    // The test starts the migration and lets go of the socket (QMP serves one client); devtopo-cli
    // migrate watch then joins the running migration and follows it to the end.
    {
        QmpClient starter;
        QVERIFY(connectClient(starter, src->qmpPath()));
        bool done = false;
        setMigrationParameters(&starter, this, 32 * MiB, 300, [&](const QmpReply &r) {
            QVERIFY2(r.ok, qPrintable(r.errorText()));
            startMigration(&starter, this, QStringLiteral("unix:") + m_dir.filePath(QStringLiteral("cli-mig.sock")),
                           [&](const QmpReply &r2) {
                               QVERIFY2(r2.ok, qPrintable(r2.errorText()));
                               done = true;
                           });
        });
        QTRY_VERIFY_WITH_TIMEOUT(done, 15000);
    }
    QProcess watch;
    watch.start(cli, {QStringLiteral("migrate"), QStringLiteral("watch"), QStringLiteral("--qmp"), src->qmpPath(),
                      QStringLiteral("--csv"), csv});
    QVERIFY(watch.waitForStarted());
    QTRY_VERIFY_WITH_TIMEOUT(watch.state() == QProcess::NotRunning, 90000);
    const QString out = QString::fromUtf8(watch.readAllStandardOutput());
    QVERIFY2(watch.exitCode() == 0, qPrintable(out + QString::fromUtf8(watch.readAllStandardError())));
    QVERIFY2(out.contains(u"verdict: Completed after"), qPrintable(out));
    QVERIFY2(out.contains(u"  verdict: Remaining shrinks about"), qPrintable(out));
    QFile f(csv);
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QList<QByteArray> lines = f.readAll().split('\n');
    int rows = 0, active = 0;
    QByteArray lastRow, verdict;
    bool header = false;
    for (const QByteArray &l : lines) {
        if (l.startsWith("time_s,")) {
            header = true;
            continue;
        }
        if (l.startsWith("# verdict,"))
            verdict = l;
        if (!header || l.isEmpty() || l.startsWith('#'))
            continue;
        ++rows;
        active += l.contains(",active,") ? 1 : 0;
        lastRow = l;
        QCOMPARE(l.count(','), 15);
    }
    QVERIFY2(active > 50, qPrintable(QString::number(active))); // 10 Hz over ~20 s
    QVERIFY2(lastRow.contains(",completed,"), lastRow.constData());
    QVERIFY2(verdict.startsWith("# verdict,completed,\"Completed after"), verdict.constData());
    QVERIFY(QByteArrayView(lines.join('\n')).contains("# vm,\"cli-src\""));
    QTRY_VERIFY_WITH_TIMEOUT(run(dstClient, QStringLiteral("query-status")).object().value(u"status").toString() == u"running", 10000);
    qInfo("devtopo-cli watch: %d samples in the CSV (%d active)", rows, active);
}

QTEST_MAIN(TestQemuMigration)
#include "tst_qemumigration.moc"
