#include "topologyexport.h"

#include <QFileInfo>
#include <QPainter>
#include <QSvgGenerator>

#include <cmath>

namespace devtopo::views {

namespace {
constexpr qreal Margin = 12;

void setError(QString *error, const QString &text)
{
    if (error)
        *error = text;
}
} // namespace

QImage renderTopologyImage(const layout::TopologyLayout &layout, qreal scale, const TopologyPaintState &state, qint64 maxPixels)
{
    const QRectF scene = layout.bounds.adjusted(-Margin, -Margin, Margin, Margin);
    const qreal pixels = scene.width() * scene.height() * scale * scale;
    if (pixels > qreal(maxPixels))
        scale *= std::sqrt(qreal(maxPixels) / pixels);
    // QImage and QPainter both top out at 32767 px a side.
    scale = std::min({scale, 32000.0 / scene.width(), 32000.0 / scene.height()});
    QImage image(QSize(int(std::ceil(scene.width() * scale)), int(std::ceil(scene.height() * scale))), QImage::Format_ARGB32_Premultiplied);
    if (image.isNull())
        return image;
    image.fill(Qt::white);
    QPainter p(&image);
    p.scale(scale, scale);
    p.translate(-scene.topLeft());
    paintTopology(p, layout, scene, state);
    return image;
}

bool exportTopologyPng(const layout::TopologyLayout &layout, const QString &path, QString *error, qreal scale,
                       const TopologyPaintState &state)
{
    const QImage image = renderTopologyImage(layout, scale, state);
    if (image.isNull()) {
        setError(error, QStringLiteral("the drawing is too large for an image"));
        return false;
    }
    if (!image.save(path, "PNG")) {
        setError(error, QStringLiteral("cannot write %1").arg(path));
        return false;
    }
    return true;
}

bool exportTopologySvg(const layout::TopologyLayout &layout, const QString &path, const QString &title, QString *error,
                       const TopologyPaintState &state)
{
    const QRectF scene = layout.bounds.adjusted(-Margin, -Margin, Margin, Margin);
    QSvgGenerator svg;
    svg.setFileName(path);
    svg.setTitle(title);
    svg.setDescription(QStringLiteral("PCI topology drawn by devtopo: boxes coloured by IOMMU group"));
    svg.setSize(scene.size().toSize());
    svg.setViewBox(QRectF(QPointF(0, 0), scene.size()));
    svg.setResolution(96);
    QPainter p;
    if (!p.begin(&svg)) {
        setError(error, QStringLiteral("cannot write %1").arg(path));
        return false;
    }
    p.fillRect(QRectF(QPointF(0, 0), scene.size()), Qt::white);
    p.translate(-scene.topLeft());
    paintTopology(p, layout, scene, state);
    p.end();
    if (!QFileInfo(path).isFile() || QFileInfo(path).size() == 0) {
        setError(error, QStringLiteral("cannot write %1").arg(path));
        return false;
    }
    return true;
}

bool exportTopology(const layout::TopologyLayout &layout, const QString &path, const QString &title, QString *error,
                    const TopologyPaintState &state)
{
    const QString suffix = QFileInfo(path).suffix().toLower();
    if (suffix == QStringLiteral("svg"))
        return exportTopologySvg(layout, path, title, error, state);
    if (suffix == QStringLiteral("png"))
        return exportTopologyPng(layout, path, error, 2.0, state);
    setError(error, QStringLiteral("%1: the file name must end in .svg or .png").arg(path));
    return false;
}

} // namespace devtopo::views
