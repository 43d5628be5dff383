// Benchmark, not a test: lays out and paints the topology drawing of a generated host.
//
//   bench_draw [functions=10000] [runs=3]
//
// Reports the median of the runs for: the layout (real font metrics), painting one window-sized
// view at 100% (what a repaint costs while panning), painting the whole drawing into an offscreen
// QImage (fit into 4096 px, where text is skipped as unreadable, and capped at 64 MP, at
// whatever scale that allows), and the SVG export.

#include "demoroot.h"
#include "layout/topologylayout.h"
#include "scalehost.h"
#include "source.h"
#include "topologyexport.h"
#include "topologypainter.h"

#include <QElapsedTimer>
#include <QGuiApplication>
#include <QImage>
#include <QPainter>
#include <QTemporaryDir>
#include <QTextStream>

#include <algorithm>
#include <functional>

using namespace devtopo;

namespace {
QTextStream &out()
{
    static QTextStream s(stdout);
    return s;
}

double medianMs(int runs, const std::function<void()> &work)
{
    QList<double> ms;
    for (int i = 0; i < runs; ++i) {
        QElapsedTimer t;
        t.start();
        work();
        ms << double(t.nsecsElapsed()) / 1e6;
    }
    std::sort(ms.begin(), ms.end());
    return ms[ms.size() / 2];
}

double paintMs(int runs, const layout::TopologyLayout &l, QSize size, qreal scale, QPointF origin)
{
    QImage image(size, QImage::Format_ARGB32_Premultiplied);
    return medianMs(runs, [&] {
        image.fill(Qt::white);
        QPainter p(&image);
        p.scale(scale, scale);
        p.translate(-origin);
        views::paintTopology(p, l, QRectF(origin, QSizeF(size.width() / scale, size.height() / scale)));
    });
}
} // namespace

int main(int argc, char **argv)
{
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QGuiApplication app(argc, argv);
    const int target = argc > 1 ? std::max(10, atoi(argv[1])) : 10000;
    const int runs = argc > 2 ? std::max(1, atoi(argv[2])) : 3;

    QElapsedTimer t;
    t.start();
    QString error;
    const QString root = sim::createDemoRoot(sim::makeScaleHost(target), &error);
    if (root.isEmpty()) {
        out() << "cannot generate the host: " << error << '\n';
        return 1;
    }
    const double generateMs = double(t.nsecsElapsed()) / 1e6;
    t.restart();
    SourceResult scanned = openSource(root);
    if (!scanned.ok) {
        out() << "cannot scan " << root << ": " << scanned.error << '\n';
        return 1;
    }
    const double scanMs = double(t.nsecsElapsed()) / 1e6;
    Topology &topo = scanned.topology;
    topo.reindex();

    layout::LayoutOptions options;
    options.metrics = views::topologyMetrics();
    layout::TopologyLayout l;
    const double layoutMs = medianMs(runs, [&] { l = layout::layoutTopology(topo, options); });
    layout::LayoutOptions expanded = options;
    expanded.expandAllVfs = true;
    layout::TopologyLayout le;
    const double layoutExpandedMs = medianMs(runs, [&] { le = layout::layoutTopology(topo, expanded); });

    // A 1600×1000 view at 100% over the middle of the drawing: the cost of one repaint.
    const QPointF middle = l.bounds.center() - QPointF(800, 500);
    const double viewMs = paintMs(runs, l, QSize(1600, 1000), 1.0, middle);
    // The whole host fitted into 4096 px wide: the "fit to window" overview on a big screen.
    const qreal fit = 4096.0 / l.bounds.width();
    const QSize fitSize(4096, int(l.bounds.height() * fit) + 1);
    const double fitMs = paintMs(runs, l, fitSize, fit, l.bounds.topLeft());
    QImage full;
    const double fullMs = medianMs(runs, [&] { full = views::renderTopologyImage(l, 1.0); });
    QTemporaryDir dir;
    const QString svg = dir.filePath(QStringLiteral("bench.svg"));
    const double svgMs = medianMs(std::min(runs, 2), [&] { views::exportTopologySvg(l, svg, QStringLiteral("bench"), nullptr); });

    out() << "host: " << topo.functions.size() << " functions, " << topo.groups.size() << " IOMMU groups (generated in "
          << qRound(generateMs) << " ms, scanned in " << qRound(scanMs) << " ms)\n"
          << "layout:            " << QString::number(layoutMs, 'f', 1) << " ms  (" << l.nodes.size() << " boxes, "
          << l.count(layout::DrawNode::Kind::VfStack) << " VF stacks, " << int(l.bounds.width()) << " x "
          << int(l.bounds.height()) << " px at 100%)\n"
          << "layout, VFs expanded: " << QString::number(layoutExpandedMs, 'f', 1) << " ms  (" << le.nodes.size() << " boxes, "
          << int(le.bounds.width()) << " x " << int(le.bounds.height()) << " px)\n"
          << "paint 1600x1000 view at 100%: " << QString::number(viewMs, 'f', 1) << " ms\n"
          << "paint whole host fitted to " << fitSize.width() << " x " << fitSize.height() << " (scale "
          << QString::number(fit, 'f', 3) << ", text skipped): " << QString::number(fitMs, 'f', 1) << " ms\n"
          << "render whole host to a QImage (" << full.width() << " x " << full.height() << ", capped at 64 MP): "
          << QString::number(fullMs, 'f', 1) << " ms\n"
          << "SVG export: " << QString::number(svgMs, 'f', 1) << " ms (" << QFileInfo(svg).size() / 1024 << " KiB)\n"
          << "median of " << runs << " runs\n";
    return 0;
}
