// devtopo-sim-write: writes a simulated host as a /sys-like tree, for trying the scanner, lspci
// or hwloc against it by hand and for producing benchmark inputs.

#include "malformedtree.h"
#include "scalehost.h"
#include "scenario.h"
#include "sysfswriter.h"

#include <QCommandLineParser>
#include <QCoreApplication>

#include <cstdio>

using namespace Qt::StringLiterals;
using namespace devtopo::sim;

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.setApplicationDescription(u"Write a simulated host as a sysfs-like tree."_s);
    parser.addHelpOption();
    const QCommandLineOption scenario(u"scenario"_s, u"Scenario JSON file (default: the built-in demo)."_s, u"file"_s);
    const QCommandLineOption scale(u"scale"_s, u"Generate a host with at least N functions."_s, u"N"_s);
    const QCommandLineOption malformed(u"malformed"_s, u"Write the damaged tree for robustness tests."_s);
    parser.addOptions({scenario, scale, malformed});
    parser.addPositionalArgument(u"dir"_s, u"Output directory (must not hold sys/ yet)."_s);
    parser.process(app);
    if (parser.positionalArguments().size() != 1)
        parser.showHelp(2);
    const QString dir = parser.positionalArguments().first();

    QString error;
    if (parser.isSet(malformed)) {
        if (!writeMalformedTree(dir, &error)) {
            std::fprintf(stderr, "%s\n", qPrintable(error));
            return 1;
        }
        return 0;
    }
    SimHost host;
    if (parser.isSet(scale))
        host = makeScaleHost(parser.value(scale).toInt());
    else if (parser.isSet(scenario))
        host = loadScenarioFile(parser.value(scenario), &error);
    else
        host = defaultDemoHost(&error);
    if (!error.isEmpty() || !writeSysfsTree(host, dir, &error)) {
        std::fprintf(stderr, "%s\n", qPrintable(error));
        return 1;
    }
    std::printf("%lld functions written to %s\n", qlonglong(host.functions.size()), qPrintable(dir));
    return 0;
}
