// devtopo-cli: the headless twin of the window, on the same model.

#include "analysis.h"
#include "capture.h"
#include "snapshot.h"
#include "source.h"

#include "clioutput.h"
#include "clicommand.h"
#include "p2pcommand.h"
#include "drawcommand.h"
#ifdef DEVTOPO_HAVE_QMP
#include "migratecommand.h"
#endif

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>

#ifdef DEVTOPO_HAVE_SIM
#include "demoroot.h"
#endif

#include <cstdio>
#include <unistd.h>

using namespace devtopo;

namespace {

enum ExitCode { Ok = 0, Failure = 1, Usage = 2 };

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

int usage(const QCommandLineParser &parser, const QString &message)
{
    err() << "devtopo-cli: " << message << "\n\n" << parser.helpText();
    return Usage;
}

QString resolveSource(const QCommandLineParser &parser, const QStringList &rest, QString *error)
{
    const int given = int(parser.isSet(QStringLiteral("root"))) + int(parser.isSet(QStringLiteral("demo"))) + int(!rest.isEmpty());
    if (given > 1) {
        *error = QStringLiteral("give one of --root DIR, --demo or a path");
        return {};
    }
    if (parser.isSet(QStringLiteral("demo"))) {
#ifdef DEVTOPO_HAVE_SIM
        const QString root = sim::createDemoRoot(error);
        return root;
#else
        *error = QStringLiteral("this build has no demo host");
        return {};
#endif
    }
    if (parser.isSet(QStringLiteral("root")))
        return parser.value(QStringLiteral("root"));
    return rest.isEmpty() ? QStringLiteral("/") : rest.first();
}

bool load(const QString &source, bool quiet, Topology *topo)
{
    ScanProgressFn progress;
    const bool tty = ::isatty(STDERR_FILENO);
    if (!quiet && tty)
        progress = [](int done, int total, const QString &stage) {
            if (total > 0)
                err() << "\r" << stage << ' ' << done << '/' << total << Qt::flush;
        };
    SourceResult r = openSource(source, nullptr, progress);
    if (!quiet && tty)
        err() << "\r\x1b[K" << Qt::flush;
    if (!r.ok) {
        err() << "devtopo-cli: " << r.error << '\n';
        return false;
    }
    *topo = std::move(r.topology);
    return true;
}

bool writeText(const QByteArray &text, const QString &outputPath)
{
    if (outputPath.isEmpty() || outputPath == QLatin1String("-")) {
        out() << text << Qt::flush;
        return true;
    }
    QFile f(outputPath);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate) || f.write(text) != text.size()) {
        err() << "devtopo-cli: cannot write " << outputPath << ": " << f.errorString() << '\n';
        return false;
    }
    return true;
}

} // namespace

int main(int argc, char **argv)
{
    const QString word = cli::commandWord(argc, argv);
    if (word == QLatin1String("draw"))
        return cli::runDrawCommand(argc, argv); // needs a QGuiApplication, not this QCoreApplication
    if (word == QLatin1String("p2p"))
        return cli::runP2pCommand(argc, argv); // options of its own: --kind, --no-vfs
#ifdef DEVTOPO_HAVE_QMP
    if (word == QLatin1String("migrate"))
        return cli::runMigrateCommand(argc, argv); // VM live migration over QMP: options of its own
#endif
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("devtopo-cli"));
    QCoreApplication::setApplicationVersion(QStringLiteral(DEVTOPO_VERSION));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "See how PCI devices sit behind the IOMMU.\n\n"
        "Commands:\n"
        "  scan      the whole model (--json for machine-readable output)\n"
        "  tree      the PCI hierarchy\n"
        "  groups    IOMMU groups: members, reserved regions, usable IOVA, viability and why\n"
        "  predict   the groups the kernel would form from ACS and aliases alone (hosts without an IOMMU)\n"
        "  p2p [--kind gpu|nic|nvme|accel|all] [--json]   P2P classes and kernel p2pdma verdicts per device pair\n"
        "  capture DEST   copy what devtopo reads from /sys into DEST (a directory or .tar.gz)\n"
        "  draw --output FILE.svg|FILE.png [--expand-vfs]   the topology drawing (draw --help)\n"
        "  migrate start|watch|cancel|info|find   VM live migration over QMP (migrate --help)\n\n"
        "Source: the live host by default; --root DIR (a copied root), --demo, or a path to a\n"
        "snapshot (.json) or capture (.tar.gz)."));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addPositionalArgument(QStringLiteral("command"), QStringLiteral("scan, tree, groups, predict or capture"));
    parser.addOptions({
        {QStringLiteral("root"), QStringLiteral("Read a root laid out like / (holding sys/)."), QStringLiteral("dir")},
        {QStringLiteral("demo"), QStringLiteral("Use the built-in simulated server.")},
        {QStringLiteral("json"), QStringLiteral("Print JSON (scan, groups).")},
        {{QStringLiteral("o"), QStringLiteral("output")}, QStringLiteral("Write to a file instead of stdout."), QStringLiteral("file")},
        {{QStringLiteral("q"), QStringLiteral("quiet")}, QStringLiteral("No progress or warnings on stderr.")},
    });
    parser.process(app);

    QStringList args = parser.positionalArguments();
    if (args.isEmpty())
        return usage(parser, QStringLiteral("no command given"));
    const QString command = args.takeFirst();
    const bool quiet = parser.isSet(QStringLiteral("quiet"));

    if (command == QLatin1String("capture")) {
        if (args.size() != 1)
            return usage(parser, QStringLiteral("capture takes one destination: a new directory or a .tar.gz"));
        QString error;
        const QString root = parser.isSet(QStringLiteral("demo")) ? resolveSource(parser, {}, &error)
                                                                  : parser.value(QStringLiteral("root"));
        if (!error.isEmpty()) {
            err() << "devtopo-cli: " << error << '\n';
            return Failure;
        }
        const CaptureResult r = captureHost(root.isEmpty() ? QStringLiteral("/") : root, args.first());
        if (!r.ok) {
            err() << "devtopo-cli: " << r.error << '\n';
            return Failure;
        }
        if (!quiet)
            err() << "captured " << r.files << " files and " << r.links << " links into " << args.first() << '\n';
        return Ok;
    }

    if (command != QLatin1String("scan") && command != QLatin1String("tree") && command != QLatin1String("groups")
        && command != QLatin1String("predict"))
        return usage(parser, QStringLiteral("unknown command \"%1\"").arg(command));
    if (args.size() > 1)
        return usage(parser, QStringLiteral("too many arguments"));

    QString error;
    const QString source = resolveSource(parser, args, &error);
    if (source.isEmpty()) {
        err() << "devtopo-cli: " << error << '\n';
        return Usage;
    }
    Topology topo;
    if (!load(source, quiet, &topo))
        return Failure;
    if (!quiet)
        cli::printWarnings(topo, err());

    const QString output = parser.value(QStringLiteral("output"));
    const bool json = parser.isSet(QStringLiteral("json"));
    if (command == QLatin1String("scan") && !json) {
        // Without --json, scan prints a summary; the full model is the JSON.
        QString text;
        QTextStream s(&text);
        s << topo.functions.size() << " PCI functions, " << topo.groups.size() << " IOMMU groups, "
          << topo.iommuUnits.size() << " IOMMU units, " << topo.numaNodes.size() << " NUMA nodes";
        if (!topo.kernelRelease.isEmpty())
            s << ", kernel " << topo.kernelRelease;
        s << "\n";
        s.flush();
        return writeText(text.toUtf8(), output) ? Ok : Failure;
    }
    if (json && (command == QLatin1String("scan") || command == QLatin1String("groups"))) {
        QJsonObject doc = topologyToJson(topo);
        if (command == QLatin1String("groups"))
            doc = QJsonObject{{QStringLiteral("groups"), doc[u"groups"]}};
        return writeText(QJsonDocument(doc).toJson(QJsonDocument::Indented), output) ? Ok : Failure;
    }
    QString text;
    QTextStream s(&text);
    if (command == QLatin1String("tree"))
        cli::printTree(topo, s);
    else if (command == QLatin1String("groups"))
        cli::printGroups(topo, s);
    else {
        const auto predicted = predictIommuGroups(topo);
        int n = 0;
        for (const auto &members : predicted) {
            s << "Predicted group " << n++ << ':';
            for (const PciAddress &a : members)
                s << ' ' << a.toString();
            s << '\n';
        }
    }
    s.flush();
    return writeText(text.toUtf8(), output) ? Ok : Failure;
}
