#include "migratecommand.h"

#include "migrationcontrol.h"
#include "migrationcsv.h"
#include "migrationparser.h"
#include "migrationsampler.h"
#include "qmpclient.h"
#include "qmpdiscovery.h"
#include "simvm.h"
#include "vminfo.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QEventLoop>
#include <QTemporaryDir>
#include <QTextStream>
#include <QTimer>

#include <csignal>
#include <memory>

using namespace devtopo::migration;
using namespace devtopo::qmp;

namespace devtopo::cli {

namespace {

// Exit codes: 0 done (watch: the migration completed), 1 failure (connection, QMP error, QEMU gone),
// 2 usage, 3 the watched migration was cancelled, 4 it failed, 130 interrupted (CSV still written).
enum ExitCode { Ok = 0, Failure = 1, Usage = 2, Cancelled = 3, MigrationFailed = 4, Interrupted = 130 };

volatile std::sig_atomic_t g_interrupted = 0;

QTextStream &out()
{
    static QTextStream s(stdout);
    return s;
}

QTextStream &err()
{
    static QTextStream s(stderr);
    return s;
}

QString progressLine(const MigrationRecording &rec)
{
    if (rec.samples().isEmpty())
        return {};
    const MigrationSample &s = rec.samples().last();
    QString line = QString::number(double(s.timeMs) / 1000.0, 'f', 1).rightJustified(7) % QStringLiteral(" s  ")
        % migrationStatusName(rec.currentStatus()).leftJustified(10);
    if (s.ram.present) {
        line += QStringLiteral(" pass ") % QString::number(s.ram.dirtySyncCount).leftJustified(3)
            % QStringLiteral(" remaining ") % formatBytes(double(std::max<qint64>(0, s.ram.remaining))).rightJustified(9)
            % QStringLiteral("  transferred ") % formatBytes(double(std::max<qint64>(0, s.ram.transferred))).rightJustified(9);
        // QEMU's dirty rate is 0 until the first pass ends: not a figure yet.
        if (s.ram.dirtyPagesRate >= 0 && s.ram.dirtySyncCount >= 2)
            line += QStringLiteral("  dirty ") % formatRate(s.dirtyBytesPerSecond());
        if (s.ram.mbps >= 0)
            line += QStringLiteral("  link ") % formatRate(s.throughputBytesPerSecond());
        if (s.expectedDowntimeMs >= 0)
            line += QStringLiteral("  expected downtime ") % formatMs(double(s.expectedDowntimeMs));
    }
    return line;
}

class MigrateCommand
{
public:
    explicit MigrateCommand(QCommandLineParser &parser)
        : m_parser(parser)
    {
    }

    int run(const QString &sub);

private:
    bool connectClient();
    int doStart(bool thenWatch);
    int doWatch(const QString &startUri = {});
    int doCancel();
    int doInfo();
    int doFind();
    int fail(const QString &message)
    {
        err() << "devtopo-cli migrate: " << message << '\n' << Qt::flush;
        return Failure;
    }
    QString value(const char *name) const { return m_parser.value(QLatin1String(name)); }
    bool isSet(const char *name) const { return m_parser.isSet(QLatin1String(name)); }

    QCommandLineParser &m_parser;
    QmpClient m_client;
    std::unique_ptr<QTemporaryDir> m_demoDir;
    std::unique_ptr<simvm::SimVm> m_demoVm;
};

bool MigrateCommand::connectClient()
{
    QString path = value("qmp");
    if (isSet("demo")) {
        QString error;
        auto scenario = simvm::SimVmScenario::load(value("demo"), &error);
        if (!scenario) {
            fail(error);
            return false;
        }
        m_demoDir = std::make_unique<QTemporaryDir>();
        m_demoVm = std::make_unique<simvm::SimVm>(*scenario);
        bool ok = false;
        const double scale = isSet("time-scale") ? value("time-scale").toDouble(&ok) : 1.0;
        if (isSet("time-scale") && (!ok || scale <= 0)) {
            fail(QStringLiteral("--time-scale takes a positive number"));
            return false;
        }
        m_demoVm->setTimeScale(scale);
        if (!m_demoVm->listen(m_demoDir->filePath(QStringLiteral("demo.qmp")), &error)) {
            fail(error);
            return false;
        }
        path = m_demoVm->socketPath();
    }
    QEventLoop loop;
    QString error;
    QObject::connect(&m_client, &QmpClient::ready, &loop, [&] { loop.quit(); });
    QObject::connect(&m_client, &QmpClient::failed, &loop, [&](const QString &e) {
        error = e;
        loop.quit();
    });
    m_client.connectToSocket(path);
    loop.exec();
    if (!m_client.isReady()) {
        fail(error);
        return false;
    }
    return true;
}

QmpReply waitFor(const std::function<void(QmpClient::Callback)> &send)
{
    QEventLoop loop;
    QmpReply reply;
    send([&](const QmpReply &r) {
        reply = r;
        loop.quit();
    });
    loop.exec();
    return reply;
}

int MigrateCommand::doStart(bool thenWatch)
{
    const QString uri = isSet("demo") && !isSet("uri") ? QStringLiteral("tcp:demo-destination:4444") : value("uri");
    if (const QString why = checkMigrationUri(uri); !why.isEmpty())
        return fail(why);
    qint64 bandwidth = -1, downtime = -1;
    QString error;
    if (isSet("max-bandwidth") && !parseBandwidth(value("max-bandwidth"), &bandwidth, &error))
        return fail(error);
    if (isSet("downtime-limit")) {
        bool ok = false;
        downtime = value("downtime-limit").toLongLong(&ok);
        if (!ok || downtime <= 0)
            return fail(QStringLiteral("--downtime-limit takes milliseconds, e.g. 300"));
    }
    if (!connectClient())
        return Failure;
    if (bandwidth >= 0 || downtime >= 0) {
        const QmpReply r = waitFor([&](QmpClient::Callback cb) { setMigrationParameters(&m_client, nullptr, bandwidth, downtime, cb); });
        if (!r.ok)
            return fail(r.errorText());
    }
    if (thenWatch)
        return doWatch(uri); // starts the sampler first, then the migration, so no sample is missed
    const QmpReply r = waitFor([&](QmpClient::Callback cb) { startMigration(&m_client, nullptr, uri, cb); });
    if (!r.ok)
        return fail(r.errorText());
    if (!isSet("quiet"))
        out() << "migration to " << uri << " started; follow it with: devtopo-cli migrate watch --qmp "
              << m_client.socketPath() << " --csv FILE\n" << Qt::flush;
    return Ok;
}

int MigrateCommand::doWatch(const QString &startUri)
{
    const bool quiet = isSet("quiet");
    const QString csvPath = value("csv");
    MigrationSampler sampler(&m_client);
    bool ok = false;
    const int interval = isSet("interval") ? value("interval").toInt(&ok) : 100;
    if (isSet("interval") && (!ok || interval < 10))
        return fail(QStringLiteral("--interval takes milliseconds, at least 10"));
    sampler.setInterval(interval);
    sampler.setKeepRawReplies(false);
    const int dirtyEvery = isSet("dirty-rate-every") ? value("dirty-rate-every").toInt() : 0;

    QEventLoop loop;
    int code = Ok;
    QString failure;
    qint64 lastLineMs = -1000000;
    QObject::connect(&sampler, &MigrationSampler::sampleAdded, &loop, [&](int) {
        const qint64 t = sampler.recording().samples().last().timeMs;
        if (!quiet && t - lastLineMs >= 1000) {
            out() << progressLine(sampler.recording()) << '\n' << Qt::flush;
            lastLineMs = t;
        }
    });
    QString lastVerdict;
    const bool cancelWhenStuck = isSet("cancel-when-stuck");
    bool cancelSent = false;
    QObject::connect(&sampler, &MigrationSampler::verdictChanged, &loop, [&](const Verdict &v) {
        // The final verdict is printed once, at the end.
        const bool final = v.kind == VerdictKind::Completed || v.kind == VerdictKind::Cancelled || v.kind == VerdictKind::Failed;
        if (!quiet && !final && v.kind != VerdictKind::Idle && v.text != lastVerdict
            && (v.kind != VerdictKind::FirstPass || lastVerdict.isEmpty()))
            out() << "  verdict: " << v.text << '\n' << Qt::flush;
        lastVerdict = v.text;
        if (cancelWhenStuck && v.kind == VerdictKind::NotConverging && !cancelSent) {
            cancelSent = true;
            if (!quiet)
                out() << "  cancelling: it will not converge (--cancel-when-stuck)\n" << Qt::flush;
            cancelMigration(&m_client, nullptr, [&](const QmpReply &r) {
                if (!r.ok)
                    err() << "devtopo-cli migrate: " << r.errorText() << '\n' << Qt::flush;
            });
        }
    });
    QObject::connect(&sampler, &MigrationSampler::finished, &loop, [&](const Verdict &v) {
        code = v.kind == VerdictKind::Completed ? Ok : v.kind == VerdictKind::Cancelled ? Cancelled : MigrationFailed;
        loop.quit();
    });
    QObject::connect(&sampler, &MigrationSampler::failed, &loop, [&](const QString &e) {
        // QMP errors of a side request (calc-dirty-rate) are reported; losing QEMU ends the watch.
        if (!m_client.isReady()) {
            failure = e;
            code = Failure;
            loop.quit();
        } else {
            err() << "devtopo-cli migrate: " << e << '\n' << Qt::flush;
        }
    });
    QTimer dirtyTimer;
    if (dirtyEvery > 0) {
        QObject::connect(&dirtyTimer, &QTimer::timeout, &sampler, [&] {
            if (isRunningStatus(sampler.recording().currentStatus()))
                sampler.measureDirtyRate(1);
        });
        dirtyTimer.start(dirtyEvery * 1000);
    }
    QTimer interruptPoll;
    QObject::connect(&interruptPoll, &QTimer::timeout, &loop, [&] {
        if (g_interrupted) {
            code = Interrupted;
            loop.quit();
        }
    });
    interruptPoll.start(100);
    std::signal(SIGINT, [](int) { g_interrupted = 1; });
    std::signal(SIGTERM, [](int) { g_interrupted = 1; });

    sampler.start();
    if (!startUri.isEmpty()) {
        if (!quiet)
            out() << "migrating " << m_client.socketPath() << " (QEMU " << m_client.greeting().versionString() << ") to "
                  << startUri << '\n' << Qt::flush;
        startMigration(&m_client, nullptr, startUri, [&](const QmpReply &r) {
            if (!r.ok) {
                failure = r.errorText();
                code = Failure;
                loop.quit();
            }
        });
    } else if (!quiet) {
        out() << "watching " << m_client.socketPath() << " (QEMU " << m_client.greeting().versionString() << ")\n" << Qt::flush;
    }
    loop.exec();
    sampler.stop();
    std::signal(SIGINT, SIG_DFL);
    std::signal(SIGTERM, SIG_DFL);

    const MigrationRecording &rec = sampler.recording();
    if (!quiet && !rec.samples().isEmpty())
        out() << progressLine(rec) << '\n';
    if (!failure.isEmpty())
        err() << "devtopo-cli migrate: " << failure << '\n';
    out() << "verdict: " << rec.verdict().text << '\n' << Qt::flush;
    if (!csvPath.isEmpty()) {
        QString error;
        if (!writeMigrationCsv(rec, csvPath, &error)) {
            err() << "devtopo-cli migrate: " << error << '\n' << Qt::flush;
            return Failure;
        }
        if (!quiet)
            out() << "wrote " << rec.samples().size() << " samples to " << csvPath << '\n' << Qt::flush;
    }
    return code;
}

int MigrateCommand::doCancel()
{
    if (!connectClient())
        return Failure;
    QmpReply r = waitFor([&](QmpClient::Callback cb) { m_client.execute(QStringLiteral("query-migrate"), {}, nullptr, cb); });
    QString error;
    auto before = r.ok ? parseQueryMigrate(r.object(), 0, &error) : std::nullopt;
    if (!r.ok)
        return fail(r.errorText());
    if (!before)
        return fail(error);
    if (!isRunningStatus(before->status))
        return fail(QStringLiteral("no migration is running (status %1)").arg(migrationStatusName(before->status)));
    r = waitFor([&](QmpClient::Callback cb) { cancelMigration(&m_client, nullptr, cb); });
    if (!r.ok)
        return fail(r.errorText());
    // migrate_cancel returns at once; cancelling → cancelled takes some milliseconds.
    for (int i = 0; i < 100; ++i) {
        r = waitFor([&](QmpClient::Callback cb) { m_client.execute(QStringLiteral("query-migrate"), {}, nullptr, cb); });
        auto s = r.ok ? parseQueryMigrate(r.object(), 0, &error) : std::nullopt;
        if (s && isFinalStatus(s->status)) {
            if (!isSet("quiet"))
                out() << "migration " << s->statusText
                      << (s->status == MigrationStatus::Cancelled ? "; the VM runs on at the source\n" : "\n") << Qt::flush;
            return s->status == MigrationStatus::Cancelled ? Ok : Failure;
        }
        QEventLoop wait;
        QTimer::singleShot(100, &wait, &QEventLoop::quit);
        wait.exec();
    }
    return fail(QStringLiteral("the migration did not end within 10 s of migrate_cancel"));
}

int MigrateCommand::doInfo()
{
    if (!connectClient())
        return Failure;
    VmInfo info;
    QString error;
    QEventLoop loop;
    queryVmInfo(&m_client, nullptr, [&](const VmInfo &i, const QString &e) {
        info = i;
        error = e;
        loop.quit();
    });
    loop.exec();
    if (!error.isEmpty())
        return fail(error);
    out() << "VM " << (info.name.isEmpty() ? QStringLiteral("(unnamed)") : info.name) << ", " << info.status
          << ", QEMU " << m_client.greeting().versionString() << '\n';
    for (const VfioDevice &d : info.vfioDevices)
        out() << "  vfio-pci " << d.id << ": host " << d.host << ", guest " << d.guestAddress << '\n';
    if (info.vfioDevices.isEmpty())
        out() << "  no VFIO devices\n";
    if (info.hasParameters)
        out() << "  max-bandwidth " << formatRate(double(info.parameters.maxBandwidth)) << " ("
              << info.parameters.maxBandwidth << " bytes/s), downtime-limit " << info.parameters.downtimeLimitMs << " ms\n";
    out() << Qt::flush;
    return Ok;
}

int MigrateCommand::doFind()
{
    QmpDiscovery discovery;
    QList<QmpCandidate> found;
    QEventLoop loop;
    QObject::connect(&discovery, &QmpDiscovery::finished, &loop, [&](const QList<QmpCandidate> &c) {
        found = c;
        loop.quit();
    });
    discovery.start(m_parser.values(QStringLiteral("dir")));
    loop.exec();
    if (found.isEmpty())
        out() << "no QMP sockets found in QEMU's and libvirt's usual directories\n";
    for (const QmpCandidate &c : found)
        out() << (c.reachable ? "reachable     " : "not reachable ") << c.path << "  [" << c.origin << "]  " << c.detail << '\n';
    out() << Qt::flush;
    return Ok;
}

int MigrateCommand::run(const QString &sub)
{
    const bool needsVm = sub != QLatin1String("find");
    if (needsVm && isSet("qmp") == isSet("demo"))
        return err() << "devtopo-cli migrate: give --qmp SOCKET or --demo SCENARIO\n" << Qt::flush, Usage;
    if (isSet("demo") && sub == QLatin1String("cancel"))
        return err() << "devtopo-cli migrate: a demo VM lives only as long as its command; cancel it with Ctrl-C\n" << Qt::flush, Usage;
    if (sub == QLatin1String("start"))
        return doStart(isSet("demo") || isSet("watch") || isSet("csv"));
    if (sub == QLatin1String("watch")) {
        if (isSet("demo"))
            return doStart(true); // the demo VM lives in this process: start it and watch
        if (!connectClient())
            return Failure;
        return doWatch();
    }
    if (sub == QLatin1String("cancel"))
        return doCancel();
    if (sub == QLatin1String("info"))
        return doInfo();
    if (sub == QLatin1String("find"))
        return doFind();
    return err() << "devtopo-cli migrate: unknown subcommand \"" << sub << "\" (start, watch, cancel, info, find)\n" << Qt::flush, Usage;
}

} // namespace

int runMigrateCommand(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("devtopo-cli"));
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "devtopo-cli migrate: VM live migration through QEMU's QMP socket.\n\n"
        "  migrate start --qmp SOCKET --uri URI [--max-bandwidth B] [--downtime-limit MS] [--watch] [--csv FILE]\n"
        "  migrate watch --qmp SOCKET [--csv FILE] [--cancel-when-stuck] [--dirty-rate-every N]\n"
        "                                            samples query-migrate at 10 Hz until the migration ends,\n"
        "                                            prints progress and the convergence verdict\n"
        "  migrate cancel --qmp SOCKET\n"
        "  migrate info --qmp SOCKET                 the VM, its VFIO devices, max-bandwidth and downtime-limit\n"
        "  migrate find [--dir DIR]                  QMP sockets in QEMU's and libvirt's usual directories\n"
        "  --demo converging|non-converging          the simulated VM instead of --qmp (start and watch at once)\n\n"
        "Exit codes: 0 done (watch: completed), 1 failure (connection, QMP error, QEMU gone), 2 usage,\n"
        "3 the migration was cancelled, 4 it failed, 130 interrupted (the CSV is written in every case)."));
    parser.addHelpOption();
    parser.addPositionalArgument(QStringLiteral("migrate"), QStringLiteral("migrate"));
    parser.addPositionalArgument(QStringLiteral("subcommand"), QStringLiteral("start, watch, cancel, info or find"));
    parser.addOptions({
        {QStringLiteral("qmp"), QStringLiteral("QEMU's QMP unix socket."), QStringLiteral("socket")},
        {QStringLiteral("demo"), QStringLiteral("The simulated VM: converging, non-converging or a scenario JSON file."), QStringLiteral("scenario")},
        {QStringLiteral("uri"), QStringLiteral("Where to migrate: tcp:HOST:PORT, unix:PATH, exec:CMD, file:PATH, rdma:HOST:PORT."), QStringLiteral("uri")},
        {QStringLiteral("max-bandwidth"), QStringLiteral("max-bandwidth in bytes/s, suffixes K M G (e.g. 128M)."), QStringLiteral("bytes")},
        {QStringLiteral("downtime-limit"), QStringLiteral("downtime-limit in milliseconds."), QStringLiteral("ms")},
        {QStringLiteral("csv"), QStringLiteral("Write every sample and the verdict to FILE when the watch ends."), QStringLiteral("file")},
        {QStringLiteral("watch"), QStringLiteral("start: watch the migration after starting it.")},
        {QStringLiteral("interval"), QStringLiteral("Sampling interval in ms (default 100)."), QStringLiteral("ms")},
        {QStringLiteral("dirty-rate-every"), QStringLiteral("Measure the dirty rate (calc-dirty-rate) every N seconds while watching."), QStringLiteral("seconds")},
        {QStringLiteral("cancel-when-stuck"), QStringLiteral("watch: cancel the migration once the verdict says it will not converge.")},
        {QStringLiteral("time-scale"), QStringLiteral("--demo: simulated seconds per real second (default 1)."), QStringLiteral("factor")},
        {QStringLiteral("dir"), QStringLiteral("find: also look in DIR (repeatable)."), QStringLiteral("dir")},
        {{QStringLiteral("q"), QStringLiteral("quiet")}, QStringLiteral("No progress lines.")},
    });
    parser.process(app);
    QStringList args = parser.positionalArguments();
    if (!args.isEmpty() && args.first() == QLatin1String("migrate"))
        args.removeFirst();
    if (args.size() != 1) {
        err() << "devtopo-cli migrate: give one subcommand: start, watch, cancel, info or find\n\n" << parser.helpText() << Qt::flush;
        return Usage;
    }
    MigrateCommand command(parser);
    return command.run(args.first());
}

} // namespace devtopo::cli
