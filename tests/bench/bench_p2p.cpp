// Benchmark, not a test: times the all-pairs P2P matrix on a generated host.
//
//   bench_p2p [functions=2500] [endpoints=1000] [runs=5]
//
// Generates a scale host (backend/sim/scalehost.h) with that many functions, scans it like any
// host, then times: building the P2pEngine (upstream chains, ACS counts, hop links), the
// endpoints x endpoints matrix of cells (each unordered pair once, mirrored), and explain() with
// its reasons for 10,000 pairs (what --json and tooltips pay per pair). Reports the median.

#include "demoroot.h"
#include "p2pengine.h"
#include "p2pmatrix.h"
#include "scalehost.h"
#include "source.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QTextStream>

#include <algorithm>
#include <vector>

using namespace devtopo;

namespace {

double median(std::vector<double> v)
{
    std::sort(v.begin(), v.end());
    return v.empty() ? 0 : v[v.size() / 2];
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QTextStream out(stdout);
    const QStringList args = app.arguments();
    const int functions = args.size() > 1 ? args[1].toInt() : 2500;
    const int wanted = args.size() > 2 ? args[2].toInt() : 1000;
    const int runs = std::max(1, args.size() > 3 ? args[3].toInt() : 5);

    QString error;
    const QString root = sim::createDemoRoot(sim::makeScaleHost(functions), &error);
    if (root.isEmpty()) {
        out << "bench_p2p: " << error << '\n';
        return 1;
    }
    SourceResult r = openSource(root);
    if (!r.ok) {
        out << "bench_p2p: " << r.error << '\n';
        return 1;
    }
    Topology topo = std::move(r.topology);
    topo.reindex();

    QList<int> endpoints = P2pEngine(topo).endpoints(P2pKind::All, true);
    out << topo.functions.size() << " functions, " << endpoints.size() << " endpoints";
    if (endpoints.size() > wanted)
        endpoints.resize(wanted);
    const qsizetype n = endpoints.size();
    out << "; matrix of " << n << " endpoints = " << n * (n - 1) / 2 << " pairs, " << runs << " runs\n";

    std::vector<double> build, matrix, explain;
    P2pClass sink = P2pClass::X;
    for (int run = 0; run < runs; ++run) {
        QElapsedTimer t;
        t.start();
        const P2pEngine engine(topo);
        build.push_back(double(t.nsecsElapsed()) / 1e6);

        t.restart();
        std::vector<P2pCell> cells(size_t(n * n));
        for (qsizetype a = 0; a < n; ++a)
            for (qsizetype b = a; b < n; ++b) {
                const P2pCell c = engine.cell(endpoints[a], endpoints[b]);
                cells[size_t(a * n + b)] = c;
                cells[size_t(b * n + a)] = c;
            }
        matrix.push_back(double(t.nsecsElapsed()) / 1e6);
        sink = std::max(sink, cells[size_t(n * n / 2)].cls);

        t.restart();
        int explained = 0;
        for (qsizetype a = 0; a < n && explained < 10000; ++a)
            for (qsizetype b = a + 1; b < n && explained < 10000; b += 7, ++explained)
                sink = std::max(sink, engine.explain(endpoints[a], endpoints[b]).cell.cls);
        explain.push_back(double(t.nsecsElapsed()) / 1e6);
    }
    out << "engine build: " << median(build) << " ms\n"
        << "all-pairs matrix: " << median(matrix) << " ms (" << (median(matrix) * 1e6 / double(std::max<qsizetype>(1, n * (n + 1) / 2)))
        << " ns per pair)\n"
        << "explain() x 10,000 pairs: " << median(explain) << " ms\n"
        << "(farthest class seen: " << p2pClassName(sink) << ")\n";
    return 0;
}
