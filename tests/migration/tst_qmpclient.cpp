// The QMP client, the sampler and the migration commands against the simulated VM (both scenarios end
// as they should, with matching verdicts), and against bad peers: a path that is not a socket, nobody
// listening, a socket speaking something else, a silent one, one already in use, QEMU going away
// mid-migration, QMP error replies. Discovery lists what it finds without hanging.

#include "migrationcontrol.h"
#include "migrationparser.h"
#include "migrationsampler.h"
#include "qmpclient.h"
#include "qmpdiscovery.h"
#include "simvm.h"
#include "vminfo.h"

#include <QFile>
#include <QLocalServer>
#include <QLocalSocket>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

using namespace devtopo;
using namespace devtopo::migration;
using namespace devtopo::qmp;
using namespace devtopo::simvm;

namespace {

SimVmScenario scenario(const QString &name)
{
    QString error;
    auto s = SimVmScenario::load(name, &error);
    if (!s)
        qFatal("%s", qPrintable(error));
    return *s;
}

bool connectAndWait(QmpClient &client, const QString &path, QString *error = nullptr)
{
    QSignalSpy ready(&client, &QmpClient::ready);
    QSignalSpy failed(&client, &QmpClient::failed);
    client.connectToSocket(path);
    if (!failed.isEmpty() || !ready.isEmpty()) {
        // Callers connect to failed() and then wait: a failure from inside connectToSocket() would be lost.
        if (error)
            *error = QStringLiteral("reported from inside connectToSocket()");
        return false;
    }
    if (!QTest::qWaitFor([&] { return ready.size() + failed.size() > 0; }, 10000))
        return false;
    if (error && !failed.isEmpty())
        *error = failed.first().first().toString();
    return !ready.isEmpty();
}

QmpReply executeAndWait(QmpClient &client, const QString &command, const QJsonObject &args = {})
{
    QmpReply reply;
    bool done = false;
    client.execute(command, args, &client, [&](const QmpReply &r) {
        reply = r;
        done = true;
    });
    if (!QTest::qWaitFor([&] { return done; }, 10000))
        reply.errorDesc = QStringLiteral("the test waited 10 s for a reply");
    return reply;
}

// A server that greets with something else (or nothing) on every connection.
class FakeServer : public QObject
{
public:
    FakeServer(const QString &path, QByteArray greeting, bool closeAfter = false)
        : m_greeting(std::move(greeting))
    {
        m_server.listen(path);
        connect(&m_server, &QLocalServer::newConnection, this, [this, closeAfter] {
            while (QLocalSocket *s = m_server.nextPendingConnection()) {
                if (!m_greeting.isEmpty())
                    s->write(m_greeting);
                if (closeAfter) {
                    s->flush();
                    s->disconnectFromServer();
                }
            }
        });
    }
    QLocalServer m_server;
    QByteArray m_greeting;
};

} // namespace

class TestQmpClient : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void vmInfo();
    void convergingCompletes();
    void notConvergingIsCancelled();
    void raisingBandwidthLetsItFinish();
    void badPeers_data();
    void badPeers();
    void socketInUse();
    void qemuGoesAwayMidMigration();
    void qmpErrorReplies();
    void argumentChecks();
    void discovery();

private:
    QTemporaryDir m_dir;
    QString path(const QString &name) const { return m_dir.filePath(name); }
};

void TestQmpClient::initTestCase()
{
    QVERIFY(m_dir.isValid());
}

void TestQmpClient::vmInfo()
{
    SimVm vm(scenario(QStringLiteral("converging")));
    QString error;
    QVERIFY2(vm.listen(path(QStringLiteral("info.qmp")), &error), qPrintable(error));
    QmpClient client;
    QVERIFY(connectAndWait(client, vm.socketPath()));
    QCOMPARE(client.greeting().major, 10);
    VmInfo info;
    bool done = false;
    queryVmInfo(&client, this, [&](const VmInfo &i, const QString &e) {
        info = i;
        error = e;
        done = true;
    });
    QTRY_VERIFY(done);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QCOMPARE(info.name, QStringLiteral("demo-web1"));
    QCOMPARE(info.status, QStringLiteral("running"));
    QVERIFY(info.running);
    QCOMPARE(info.vfioDevices.size(), 1);
    QCOMPARE(info.vfioDevices.first().id, QStringLiteral("hostdev0"));
    QCOMPARE(info.vfioDevices.first().host, QStringLiteral("0000:41:00.1"));
    QCOMPARE(info.vfioDevices.first().guestAddress, QStringLiteral("05.0"));
    QVERIFY(info.hasParameters);
    QCOMPARE(info.parameters.downtimeLimitMs, 300);
    QCOMPARE(info.parameters.maxBandwidth, qint64(400) * 1024 * 1024);
}

void TestQmpClient::convergingCompletes()
{
    SimVm vm(scenario(QStringLiteral("converging")));
    vm.setTimeScale(10);
    QString error;
    QVERIFY(vm.listen(path(QStringLiteral("conv.qmp")), &error));
    QmpClient client;
    QVERIFY(connectAndWait(client, vm.socketPath()));
    MigrationSampler sampler(&client);
    sampler.setInterval(25);
    QSignalSpy finished(&sampler, &MigrationSampler::finished);
    QSignalSpy verdicts(&sampler, &MigrationSampler::verdictChanged);
    sampler.start();
    bool started = false;
    startMigration(&client, this, QStringLiteral("tcp:destination:4444"), [&](const QmpReply &r) {
        QVERIFY2(r.ok, qPrintable(r.errorText()));
        started = true;
    });
    QTRY_VERIFY(started);
    QTRY_VERIFY_WITH_TIMEOUT(!finished.isEmpty(), 30000);
    const Verdict v = finished.first().first().value<Verdict>();
    QCOMPARE(verdictKindName(v.kind), QStringLiteral("completed"));
    QCOMPARE(verdictKindName(v.trend), QStringLiteral("converging"));
    QCOMPARE(vm.runState(), QStringLiteral("postmigrate")); // the source is paused: the VM lives on elsewhere
    const MigrationRecording &rec = sampler.recording();
    QVERIFY(rec.passes().size() >= 4);
    // While it ran, the verdict said converging with a pass count.
    bool sawConverging = false;
    for (const QList<QVariant> &args : verdicts) {
        const Verdict mid = args.first().value<Verdict>();
        if (mid.kind == VerdictKind::Converging) {
            sawConverging = true;
            QVERIFY2(mid.text.contains(u"should switch over"), qPrintable(mid.text));
        }
        QVERIFY2(mid.kind != VerdictKind::NotConverging, qPrintable(mid.text));
    }
    QVERIFY(sawConverging);
    // The short statuses come only as events; VFIO devices went pre-copy → stop-copy → stop.
    QStringList statuses, vfio;
    for (const MigrationEvent &e : rec.events()) {
        if (e.kind == MigrationEvent::Kind::Status)
            statuses.append(e.value);
        if (e.kind == MigrationEvent::Kind::VfioState)
            vfio.append(e.value);
    }
    QCOMPARE(statuses, (QStringList{QStringLiteral("setup"), QStringLiteral("active"), QStringLiteral("device"), QStringLiteral("completed")}));
    QCOMPARE(vfio, (QStringList{QStringLiteral("pre-copy"), QStringLiteral("stop-copy"), QStringLiteral("stop")}));
    QCOMPARE(rec.vfioStates().value(QStringLiteral("hostdev0")), QStringLiteral("stop"));
    QVERIFY(rec.samples().last().vfio.transferred > 64 * 1024 * 1024);
    // Each sample is exactly what the reply said.
    QCOMPARE(sampler.rawReplies().size(), rec.samples().size());
    for (int i = 0; i < rec.samples().size(); ++i) {
        auto s = parseQueryMigrate(sampler.rawReplies()[i], rec.samples()[i].timeMs, &error);
        QVERIFY(s);
        QVERIFY(*s == rec.samples()[i]);
    }
}

void TestQmpClient::notConvergingIsCancelled()
{
    SimVm vm(scenario(QStringLiteral("non-converging")));
    vm.setTimeScale(20);
    QString error;
    QVERIFY(vm.listen(path(QStringLiteral("nc.qmp")), &error));
    QmpClient client;
    QVERIFY(connectAndWait(client, vm.socketPath()));
    MigrationSampler sampler(&client);
    sampler.setInterval(25);
    QSignalSpy finished(&sampler, &MigrationSampler::finished);
    sampler.start();
    startMigration(&client, this, QStringLiteral("unix:/nonexistent/dest.sock"), [](const QmpReply &r) { QVERIFY(r.ok); });
    // pass 1 of 2 GiB at 114 MiB/s: 18 s simulated, then two more passes of the 1 GiB working set
    QTRY_VERIFY_WITH_TIMEOUT(sampler.recording().verdict().kind == VerdictKind::NotConverging, 20000);
    QVERIFY2(sampler.recording().verdict().text.contains(u"Will not converge"), qPrintable(sampler.recording().verdict().text));
    // Measuring the dirty rate names the true rate instead of QEMU's pinned one.
    QSignalSpy rates(&sampler, &MigrationSampler::dirtyRateChanged);
    sampler.measureDirtyRate(1);
    QTRY_VERIFY_WITH_TIMEOUT(sampler.recording().measuredDirtyBytesPerSecond() > 0, 10000);
    QTRY_VERIFY_WITH_TIMEOUT(sampler.recording().verdict().text.contains(u"the link moves 120 MB/s"), 5000);
    const QString text = sampler.recording().verdict().text;
    QVERIFY2(text.contains(u"memory is dirtied at 8") || text.contains(u"memory is dirtied at 9"), qPrintable(text));
    QVERIFY2(!text.contains(u"at least"), qPrintable(text));
    bool cancelled = false;
    cancelMigration(&client, this, [&](const QmpReply &r) { cancelled = r.ok; });
    QTRY_VERIFY_WITH_TIMEOUT(!finished.isEmpty(), 10000);
    QVERIFY(cancelled);
    const Verdict v = finished.first().first().value<Verdict>();
    QCOMPARE(verdictKindName(v.kind), QStringLiteral("cancelled"));
    QCOMPARE(verdictKindName(v.trend), QStringLiteral("not-converging"));
    QCOMPARE(vm.runState(), QStringLiteral("running")); // the VM runs on at the source
    bool sawCancelling = false;
    for (const MigrationEvent &e : sampler.recording().events())
        sawCancelling |= e.kind == MigrationEvent::Kind::Status && e.value == u"cancelling";
    QVERIFY(sawCancelling);
    // Expected downtime stayed flat near 9 s against the 300 ms limit.
    const auto &passes = sampler.recording().passes();
    QVERIFY(passes.size() >= 3);
    QVERIFY(passes.last().expectedDowntimeMs > 8000 && passes.last().expectedDowntimeMs < 10000);
}

void TestQmpClient::raisingBandwidthLetsItFinish()
{
    SimVm vm(scenario(QStringLiteral("non-converging")));
    vm.setTimeScale(20);
    QString error;
    QVERIFY(vm.listen(path(QStringLiteral("raise.qmp")), &error));
    QmpClient client;
    QVERIFY(connectAndWait(client, vm.socketPath()));
    MigrationSampler sampler(&client);
    sampler.setInterval(25);
    QSignalSpy finished(&sampler, &MigrationSampler::finished);
    QSignalSpy params(&sampler, &MigrationSampler::parametersChanged);
    sampler.start();
    startMigration(&client, this, QStringLiteral("tcp:dest:4444"), [](const QmpReply &r) { QVERIFY(r.ok); });
    QTRY_VERIFY_WITH_TIMEOUT(sampler.recording().passes().size() >= 2, 20000);
    bool set = false;
    setMigrationParameters(&client, this, qint64(10) * 1024 * 1024 * 1024, 500, [&](const QmpReply &r) { set = r.ok; });
    QTRY_VERIFY(set);
    sampler.refreshParameters();
    QTRY_VERIFY(params.size() >= 2);
    QCOMPARE(sampler.recording().parameters().downtimeLimitMs, 500);
    QTRY_VERIFY_WITH_TIMEOUT(!finished.isEmpty(), 20000);
    QCOMPARE(verdictKindName(finished.first().first().value<Verdict>().kind), QStringLiteral("completed"));
}

void TestQmpClient::badPeers_data()
{
    QTest::addColumn<QString>("kind");
    QTest::addColumn<QString>("error");
    QTest::newRow("missing") << QStringLiteral("missing") << QStringLiteral("does not exist");
    QTest::newRow("regular file") << QStringLiteral("file") << QStringLiteral("is not a QMP socket: it is a regular file");
    QTest::newRow("directory") << QStringLiteral("dir") << QStringLiteral("is not a QMP socket: it is a directory");
    QTest::newRow("nobody listening") << QStringLiteral("stale") << QStringLiteral("nobody is listening on");
    QTest::newRow("speaks SSH") << QStringLiteral("ssh") << QStringLiteral("is not a QMP socket: it sent something that is not JSON: \"SSH-2.0-OpenSSH_9.2\"");
    QTest::newRow("JSON, not QMP") << QStringLiteral("json") << QStringLiteral("is not a QMP socket: its first message is not a QMP greeting");
    QTest::newRow("silent") << QStringLiteral("silent") << QStringLiteral("no QMP greeting from");
    QTest::newRow("closes at once") << QStringLiteral("close") << QStringLiteral("closed the connection");
}

void TestQmpClient::badPeers()
{
    QFETCH(QString, kind);
    QFETCH(QString, error);
    const QString p = path(QStringLiteral("bad-") + kind);
    std::unique_ptr<FakeServer> server;
    int fd = -1;
    if (kind == u"file") {
        QFile f(p);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("not a socket\n");
    } else if (kind == u"dir") {
        QVERIFY(QDir().mkpath(p));
    } else if (kind == u"stale") {
        // A socket file nobody listens on (what a killed QEMU leaves behind).
        fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        qstrncpy(addr.sun_path, QFile::encodeName(p).constData(), sizeof addr.sun_path);
        QCOMPARE(::bind(fd, reinterpret_cast<sockaddr *>(&addr), sizeof addr), 0);
    } else if (kind == u"ssh") {
        server = std::make_unique<FakeServer>(p, QByteArrayLiteral("SSH-2.0-OpenSSH_9.2\r\n"));
    } else if (kind == u"json") {
        server = std::make_unique<FakeServer>(p, QByteArrayLiteral("{\"jsonrpc\": \"2.0\"}\n"));
    } else if (kind == u"silent") {
        server = std::make_unique<FakeServer>(p, QByteArray());
    } else if (kind == u"close") {
        server = std::make_unique<FakeServer>(p, QByteArray(), true);
    }
    QmpClient client;
    client.setGreetingTimeout(500);
    QString got;
    QVERIFY(!connectAndWait(client, p, &got));
    QVERIFY2(got.contains(error), qPrintable(got));
    QCOMPARE(client.state(), QmpClient::State::Failed);
    // A command on a failed client is answered with the failure, not dropped.
    const QmpReply r = executeAndWait(client, QStringLiteral("query-status"));
    QVERIFY(!r.ok);
    QCOMPARE(r.errorDesc, got);
    if (fd >= 0)
        ::close(fd);
}

void TestQmpClient::socketInUse()
{
    SimVm vm(scenario(QStringLiteral("converging")));
    QString error;
    QVERIFY(vm.listen(path(QStringLiteral("busy.qmp")), &error));
    QmpClient first;
    QVERIFY(connectAndWait(first, vm.socketPath()));
    QmpClient second;
    second.setGreetingTimeout(500);
    QVERIFY(!connectAndWait(second, vm.socketPath(), &error));
    QVERIFY2(error.contains(u"another client may hold it"), qPrintable(error));
    // Once the first leaves, the socket serves again.
    first.disconnectFromSocket();
    QmpClient third;
    QVERIFY(connectAndWait(third, vm.socketPath()));
}

void TestQmpClient::qemuGoesAwayMidMigration()
{
    SimVm vm(scenario(QStringLiteral("non-converging")));
    vm.setTimeScale(20);
    QString error;
    QVERIFY(vm.listen(path(QStringLiteral("crash.qmp")), &error));
    QmpClient client;
    QVERIFY(connectAndWait(client, vm.socketPath()));
    MigrationSampler sampler(&client);
    sampler.setInterval(25);
    QSignalSpy failed(&sampler, &MigrationSampler::failed);
    QSignalSpy gone(&client, &QmpClient::disconnected);
    sampler.start();
    startMigration(&client, this, QStringLiteral("tcp:dest:4444"), [](const QmpReply &r) { QVERIFY(r.ok); });
    QTRY_VERIFY_WITH_TIMEOUT(sampler.recording().samples().size() > 10, 10000);
    // A command in flight when QEMU dies is answered with the reason.
    QmpReply pending;
    bool answered = false;
    client.execute(QStringLiteral("query-status"), {}, this, [&](const QmpReply &r) {
        pending = r;
        answered = true;
    });
    vm.crash();
    QTRY_VERIFY(!failed.isEmpty());
    QTRY_VERIFY(answered);
    const QString text = failed.last().first().toString();
    QVERIFY2(text.contains(u"QEMU went away mid-migration"), qPrintable(text));
    QVERIFY2(text.contains(u"QEMU closed the QMP socket"), qPrintable(text));
    QCOMPARE(gone.size(), 1);
    QVERIFY(!pending.ok);
    // Nothing recorded is lost.
    QVERIFY(sampler.recording().samples().size() > 10);
    QVERIFY(!sampler.isSampling());
}

void TestQmpClient::qmpErrorReplies()
{
    SimVm vm(scenario(QStringLiteral("converging")));
    QString error;
    QVERIFY(vm.listen(path(QStringLiteral("errors.qmp")), &error));
    QmpClient client;
    QVERIFY(connectAndWait(client, vm.socketPath()));
    QmpReply r = executeAndWait(client, QStringLiteral("no-such-command"));
    QVERIFY(!r.ok);
    QCOMPARE(r.errorClass, QStringLiteral("CommandNotFound"));
    QCOMPARE(r.errorDesc, QStringLiteral("The command no-such-command has not been found"));
    QCOMPARE(r.errorText(), QStringLiteral("no-such-command: The command no-such-command has not been found [CommandNotFound]"));
    r = executeAndWait(client, QStringLiteral("migrate"), {{QStringLiteral("uri"), QStringLiteral("bogus:thing")}});
    QCOMPARE(r.errorClass, QStringLiteral("GenericError"));
    QCOMPARE(r.errorDesc, QStringLiteral("unknown migration protocol: bogus:thing")); // QEMU 10's words
    r = executeAndWait(client, QStringLiteral("migrate-set-parameters"), {{QStringLiteral("downtime-limit"), 3000000}});
    QVERIFY(!r.ok);
    QVERIFY(r.errorDesc.contains(u"downtime_limit"));
    r = executeAndWait(client, QStringLiteral("migrate"), {{QStringLiteral("uri"), QStringLiteral("tcp:x:1")}});
    QVERIFY(r.ok);
    r = executeAndWait(client, QStringLiteral("migrate"), {{QStringLiteral("uri"), QStringLiteral("tcp:x:1")}});
    QCOMPARE(r.errorDesc, QStringLiteral("There's a migration process in progress"));
    // The client is still usable after errors.
    r = executeAndWait(client, QStringLiteral("query-name"));
    QVERIFY(r.ok);
}

void TestQmpClient::argumentChecks()
{
    QVERIFY(checkMigrationUri(QStringLiteral("tcp:10.0.0.2:4444")).isEmpty());
    QVERIFY(checkMigrationUri(QStringLiteral("unix:/run/x.sock")).isEmpty());
    QVERIFY(checkMigrationUri(QStringLiteral("")).contains(u"no migration URI"));
    QVERIFY(checkMigrationUri(QStringLiteral("10.0.0.2:4444")).contains(u"not a migration URI"));
    qint64 b = 0;
    QString error;
    QVERIFY(parseBandwidth(QStringLiteral("128M"), &b, &error));
    QCOMPARE(b, qint64(128) * 1024 * 1024);
    QVERIFY(parseBandwidth(QStringLiteral("1GiB/s"), &b, &error));
    QCOMPARE(b, qint64(1024) * 1024 * 1024);
    QVERIFY(parseBandwidth(QStringLiteral("125000000"), &b, &error));
    QCOMPARE(b, 125000000);
    QVERIFY(!parseBandwidth(QStringLiteral("fast"), &b, &error));
    QVERIFY(error.contains(u"\"fast\" is not a bandwidth"));
}

void TestQmpClient::discovery()
{
    QTemporaryDir dir;
    SimVm vm(scenario(QStringLiteral("converging")));
    QString error;
    QVERIFY(vm.listen(dir.filePath(QStringLiteral("vm.qmp")), &error));
    FakeServer silent(dir.filePath(QStringLiteral("silent.sock")), QByteArray());
    QFile f(dir.filePath(QStringLiteral("notes.txt")));
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.close();
    const auto candidates = qmpSocketCandidates({dir.path()});
    QStringList paths;
    for (const QmpCandidate &c : candidates)
        if (c.origin == u"given directory")
            paths.append(c.path);
    paths.sort();
    QCOMPARE(paths, (QStringList{dir.filePath(QStringLiteral("silent.sock")), dir.filePath(QStringLiteral("vm.qmp"))}));
    QmpDiscovery discovery;
    discovery.setProbeTimeout(400);
    QSignalSpy done(&discovery, &QmpDiscovery::finished);
    QElapsedTimer t;
    t.start();
    discovery.probe(candidates);
    QTRY_VERIFY_WITH_TIMEOUT(!done.isEmpty(), 5000);
    const auto results = done.first().first().value<QList<QmpCandidate>>();
    for (const QmpCandidate &c : results) {
        if (c.path == dir.filePath(QStringLiteral("vm.qmp"))) {
            QVERIFY(c.reachable);
            QCOMPARE(c.detail, QStringLiteral("VM demo-web1, QEMU 10.0.2 (devtopo simulated VM)"));
        } else if (c.path == dir.filePath(QStringLiteral("silent.sock"))) {
            QVERIFY(!c.reachable);
            QVERIFY2(c.detail.contains(u"no QMP greeting"), qPrintable(c.detail));
        }
    }
}

QTEST_GUILESS_MAIN(TestQmpClient)
#include "tst_qmpclient.moc"
