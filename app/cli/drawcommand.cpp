#include "drawcommand.h"

#include "layout/topologylayout.h"
#include "source.h"
#include "topologyexport.h"

#include <QCommandLineParser>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QGuiApplication>
#include <QTextStream>

#ifdef DEVTOPO_HAVE_SIM
#include "demoroot.h"
#endif

#include <cstdlib>
#include <cstring>

namespace devtopo::cli {

namespace {
enum ExitCode { Ok = 0, Failure = 1, Usage = 2 };

QTextStream &err()
{
    static QTextStream s(stderr);
    return s;
}
} // namespace

int runDrawCommand(int argc, char **argv)
{
    // A PNG or SVG needs fonts and a paint device, not a screen: without a display use Qt's
    // offscreen platform instead of failing to connect to X11 or Wayland.
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM") && qEnvironmentVariableIsEmpty("DISPLAY")
        && qEnvironmentVariableIsEmpty("WAYLAND_DISPLAY"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QGuiApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("devtopo-cli"));
    QCoreApplication::setApplicationVersion(QStringLiteral(DEVTOPO_VERSION));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "devtopo-cli draw: the PCI topology as nested boxes (NUMA nodes, host bridges, ports, switches,\n"
        "devices) coloured by IOMMU group, with link speeds; identical VFs collapsed as \"N × VF\".\n"
        "The output format follows the file name: .svg or .png."));
    parser.addHelpOption();
    parser.addPositionalArgument(QStringLiteral("draw"), QStringLiteral("the command"));
    parser.addPositionalArgument(QStringLiteral("path"), QStringLiteral("a snapshot (.json), capture (.tar.gz) or root"), QStringLiteral("[path]"));
    parser.addOptions({
        {QStringLiteral("root"), QStringLiteral("Read a root laid out like / (holding sys/)."), QStringLiteral("dir")},
        {QStringLiteral("demo"), QStringLiteral("Use the built-in simulated server.")},
        {{QStringLiteral("o"), QStringLiteral("output")}, QStringLiteral("The file to write: FILE.svg or FILE.png."), QStringLiteral("file")},
        {QStringLiteral("expand-vfs"), QStringLiteral("Draw every VF as its own box instead of \"N × VF\".")},
        {{QStringLiteral("q"), QStringLiteral("quiet")}, QStringLiteral("No summary on stderr.")},
    });
    parser.process(app);

    QStringList rest = parser.positionalArguments();
    rest.removeFirst(); // "draw"
    const bool quiet = parser.isSet(QStringLiteral("quiet"));
    auto usage = [&parser](const QString &message) {
        err() << "devtopo-cli draw: " << message << "\n\n" << parser.helpText();
        return int(Usage);
    };
    const QString output = parser.value(QStringLiteral("output"));
    if (output.isEmpty())
        return usage(QStringLiteral("--output FILE.svg or FILE.png is required"));
    const QString suffix = QFileInfo(output).suffix().toLower();
    if (suffix != QStringLiteral("svg") && suffix != QStringLiteral("png"))
        return usage(QStringLiteral("the output must end in .svg or .png"));
    if (rest.size() > 1)
        return usage(QStringLiteral("too many arguments"));
    const int given = int(parser.isSet(QStringLiteral("root"))) + int(parser.isSet(QStringLiteral("demo"))) + int(!rest.isEmpty());
    if (given > 1)
        return usage(QStringLiteral("give one of --root DIR, --demo or a path"));

    QString source = rest.isEmpty() ? QStringLiteral("/") : rest.first();
    if (parser.isSet(QStringLiteral("root")))
        source = parser.value(QStringLiteral("root"));
    if (parser.isSet(QStringLiteral("demo"))) {
#ifdef DEVTOPO_HAVE_SIM
        QString error;
        source = sim::createDemoRoot(&error);
        if (source.isEmpty()) {
            err() << "devtopo-cli: " << error << '\n';
            return Failure;
        }
#else
        err() << "devtopo-cli: this build has no demo host\n";
        return Failure;
#endif
    }

    SourceResult scanned = openSource(source);
    if (!scanned.ok) {
        err() << "devtopo-cli: " << scanned.error << '\n';
        return Failure;
    }
    layout::LayoutOptions options;
    options.metrics = views::topologyMetrics();
    options.expandAllVfs = parser.isSet(QStringLiteral("expand-vfs"));
    const layout::TopologyLayout drawing = layout::layoutTopology(scanned.topology, options);

    const QString title = (scanned.topology.hostname.isEmpty() ? source : scanned.topology.hostname)
        + QStringLiteral(" — PCI topology (devtopo)");
    QString error;
    if (!views::exportTopology(drawing, output, title, &error)) {
        err() << "devtopo-cli: " << error << '\n';
        return Failure;
    }
    if (!quiet)
        err() << "drew " << drawing.nodeOfFunction.size() << " functions in " << drawing.nodes.size() << " boxes ("
              << int(drawing.bounds.width()) << "×" << int(drawing.bounds.height()) << " px) to " << output << '\n';
    return Ok;
}

} // namespace devtopo::cli
