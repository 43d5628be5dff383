// Benchmark, not a test: lays out and paints the topology drawing of a generated host.
//
//   bench_draw [functions=10000] [runs=3]
//
// Reports the median of the runs for: the layout (real font metrics), painting one window-sized
// view at 100% (what a repaint costs while panning), painting the whole drawing into an offscreen
// QImage (fitted into 2048 px, and at 100% capped at 64 MP), and the SVG export; for the
// default drawing (VFs collapsed) and with every VF drawn.

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

    out() << "host: " << topo.functions.size() << " functions, " << topo.groups.size() << " IOMMU groups (generated in "
          << qRound(generateMs) << " ms, scanned in " << qRound(scanMs) << " ms)\n"
          << "layout, VFs collapsed: " << QString::number(layoutMs, 'f', 1) << " ms\n"
          << "layout, VFs expanded:  " << QString::number(layoutExpandedMs, 'f', 1) << " ms\n";
    QTemporaryDir dir;
    for (const layout::TopologyLayout *d : {&l, &le}) {
        out() << (d == &l ? "-- collapsed: " : "-- expanded: ") << d->nodes.size() << " boxes, "
              << d->count(layout::DrawNode::Kind::VfStack) << " VF stacks, " << int(d->bounds.width()) << " x "
              << int(d->bounds.height()) << " px at 100%\n";
        // A 1600×1000 view at 100% over the middle of the drawing: the cost of one repaint.
        const QPointF middle = d->bounds.center() - QPointF(800, 500);
        out() << "   paint a 1600x1000 view at 100%: " << QString::number(paintMs(runs, *d, QSize(1600, 1000), 1.0, middle), 'f', 1) << " ms\n";
        // The whole host fitted into 2048 px wide: "fit to window" on a big screen.
        const qreal fit = std::min(1.0, 2048.0 / d->bounds.width());
        const QSize fitSize(int(d->bounds.width() * fit) + 1, int(d->bounds.height() * fit) + 1);
        out() << "   paint the whole host fitted to " << fitSize.width() << " x " << fitSize.height() << " (zoom "
              << QString::number(fit, 'f', 2) << (fit * 9 < 3.5 ? ", text skipped as unreadable" : "")
              << "): " << QString::number(paintMs(runs, *d, fitSize, fit, d->bounds.topLeft()), 'f', 1) << " ms\n";
        QImage full;
        const double fullMs = medianMs(runs, [&] { full = views::renderTopologyImage(*d, 1.0); });
        out() << "   render the whole host at 100% to an offscreen QImage (" << full.width() << " x " << full.height()
              << ", capped at 64 MP): " << QString::number(fullMs, 'f', 1) << " ms\n";
        const QString svg = dir.filePath(QStringLiteral("bench.svg"));
        const double svgMs = medianMs(std::min(runs, 2), [&] { views::exportTopologySvg(*d, svg, QStringLiteral("bench"), nullptr); });
        out() << "   SVG export: " << QString::number(svgMs, 'f', 1) << " ms (" << QFileInfo(svg).size() / 1024 << " KiB)\n";
    }
    out() << "median of " << runs << " runs\n";
    return 0;
}
