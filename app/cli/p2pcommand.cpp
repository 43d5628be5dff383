#include "p2pcommand.h"

#include "p2pjson.h"
#include "p2pmatrix.h"
#include "source.h"

#include "clioutput.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QFile>
#include <QJsonDocument>

#ifdef DEVTOPO_HAVE_SIM
#include "demoroot.h"
#endif

#include <cstring>

namespace devtopo::cli {

namespace {

enum ExitCode { Ok = 0, Failure = 1, Usage = 2 };

QString padded(const QString &s, int width)
{
    return s.leftJustified(width, QLatin1Char(' '));
}

} // namespace

void printP2pMatrix(const P2pEngine &engine, const P2pMatrix &matrix, QTextStream &out)
{
    const Topology &topo = engine.topology();
    int width = 6;
    for (const QString &name : matrix.shortNames)
        width = std::max(width, int(name.size()) + 2);
    out << padded(QString(), width);
    for (const QString &name : matrix.shortNames)
        out << padded(name, width);
    out << "CPU Affinity    NUMA Affinity\n";
    for (int r = 0; r < matrix.size(); ++r) {
        out << padded(matrix.shortNames[r], width);
        for (int c = 0; c < matrix.size(); ++c)
            out << padded(QLatin1Char(' ') + p2pClassName(matrix.at(r, c).cls), width);
        const PciFunction &f = topo.functions[matrix.functions[r]];
        out << padded(f.localCpus.isEmpty() ? QStringLiteral("N/A") : f.localCpus, 16)
            << (f.numaNode >= 0 ? QString::number(f.numaNode) : QStringLiteral("N/A")) << '\n';
    }
    out << "\nLegend:\n\n";
    for (P2pClass c : AllP2pClasses)
        out << "  " << padded(p2pClassName(c), 4) << " = " << p2pClassLegend(c) << '\n';
    out << "\nDevice Legend:\n\n";
    for (int i = 0; i < matrix.size(); ++i) {
        const PciFunction &f = topo.functions[matrix.functions[i]];
        out << "  " << matrix.shortNames[i] << ": " << f.address.toString() << ' ';
        if (!f.vendorName.isEmpty())
            out << f.vendorName << ' ';
        out << f.displayName();
        if (!f.driver.isEmpty())
            out << " (" << f.driver << ')';
        out << '\n';
    }
    if (matrix.size() == 0)
        out << "  (no devices of kind " << p2pKindName(matrix.kind) << ")\n";
}

int runP2pCommand(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("devtopo-cli"));
    QTextStream err(stderr);

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "devtopo-cli p2p: for every pair of devices, nvidia-smi's class (PIX, PXB, PHB, NODE, SYS) and what the\n"
        "kernel's p2pdma would decide (distance, map type, ACS redirects, host-bridge whitelist), with the\n"
        "narrowest link on the path."));
    parser.addHelpOption();
    parser.addPositionalArgument(QStringLiteral("p2p"), QStringLiteral("the command"));
    parser.addPositionalArgument(QStringLiteral("path"), QStringLiteral("a sysfs-like root, snapshot or capture"), QStringLiteral("[path]"));
    parser.addOptions({
        {QStringLiteral("root"), QStringLiteral("Read a root laid out like / (holding sys/)."), QStringLiteral("dir")},
        {QStringLiteral("demo"), QStringLiteral("Use the built-in simulated server.")},
        {QStringLiteral("kind"), QStringLiteral("gpu, nic, nvme, accel or all (default: gpu, or all when there is no GPU)."),
         QStringLiteral("kind")},
        {QStringLiteral("no-vfs"), QStringLiteral("Leave SR-IOV virtual functions out.")},
        {QStringLiteral("json"), QStringLiteral("Print {\"pairs\": [...]} with paths, verdicts and reasons.")},
        {{QStringLiteral("o"), QStringLiteral("output")}, QStringLiteral("Write to a file instead of stdout."), QStringLiteral("file")},
        {{QStringLiteral("q"), QStringLiteral("quiet")}, QStringLiteral("No warnings on stderr.")},
    });
    parser.process(app);

    QStringList rest = parser.positionalArguments();
    if (!rest.isEmpty() && rest.first() == QLatin1String("p2p"))
        rest.removeFirst();
    auto usage = [&](const QString &message) {
        err << "devtopo-cli: " << message << "\n\n" << parser.helpText();
        return int(Usage);
    };
    std::optional<P2pKind> kind;
    if (parser.isSet(QStringLiteral("kind"))) {
        kind = parseP2pKind(parser.value(QStringLiteral("kind")));
        if (!kind)
            return usage(QStringLiteral("unknown kind \"%1\": give gpu, nic, nvme, accel or all").arg(parser.value(QStringLiteral("kind"))));
    }
    const int given = int(parser.isSet(QStringLiteral("root"))) + int(parser.isSet(QStringLiteral("demo"))) + int(!rest.isEmpty());
    if (given > 1 || rest.size() > 1)
        return usage(QStringLiteral("give one of --root DIR, --demo or a path"));

    QString source = QStringLiteral("/");
    if (parser.isSet(QStringLiteral("demo"))) {
#ifdef DEVTOPO_HAVE_SIM
        QString error;
        source = sim::createDemoRoot(&error);
        if (source.isEmpty()) {
            err << "devtopo-cli: " << error << '\n';
            return Failure;
        }
#else
        err << "devtopo-cli: this build has no demo host\n";
        return Failure;
#endif
    } else if (parser.isSet(QStringLiteral("root"))) {
        source = parser.value(QStringLiteral("root"));
    } else if (!rest.isEmpty()) {
        source = rest.first();
    }
    SourceResult r = openSource(source);
    if (!r.ok) {
        err << "devtopo-cli: " << r.error << '\n';
        return Failure;
    }
    Topology topo = std::move(r.topology);
    if (topo.functionIndex.size() != topo.functions.size())
        topo.reindex();
    if (!parser.isSet(QStringLiteral("quiet")))
        printWarnings(topo, err);

    const P2pEngine engine(topo);
    const bool includeVfs = !parser.isSet(QStringLiteral("no-vfs"));
    if (!kind)
        kind = engine.endpoints(P2pKind::Gpu, includeVfs).isEmpty() ? P2pKind::All : P2pKind::Gpu;
    const P2pMatrix matrix = computeP2pMatrix(engine, *kind, includeVfs);

    QByteArray text;
    if (parser.isSet(QStringLiteral("json"))) {
        text = QJsonDocument(p2pMatrixToJson(engine, matrix)).toJson(QJsonDocument::Indented);
    } else {
        QString s;
        QTextStream ts(&s);
        printP2pMatrix(engine, matrix, ts);
        ts.flush();
        text = s.toUtf8();
    }
    const QString output = parser.value(QStringLiteral("output"));
    if (output.isEmpty() || output == QLatin1String("-")) {
        QTextStream out(stdout);
        out << text;
        return Ok;
    }
    QFile f(output);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate) || f.write(text) != text.size()) {
        err << "devtopo-cli: cannot write " << output << ": " << f.errorString() << '\n';
        return Failure;
    }
    return Ok;
}

} // namespace devtopo::cli
