// The drawing's exports: the SVG parses as XML and carries one address label per device box and
// one "N × VF" label per stack; the PNG has the drawing's proportions; devtopo-cli draw writes both
// headless and refuses what it cannot write.

#include "drawingtestutil.h"
#include "layout/topologylayout.h"
#include "topologyexport.h"

#include <QGuiApplication>
#include <QImage>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QXmlStreamReader>

using namespace devtopo;
using layout::DrawNode;
using Kind = DrawNode::Kind;

namespace {
struct SvgText
{
    QStringList texts;
    int shapes = 0; // rect and path elements
    QString viewBox;
    bool ok = false;
    QString error;
};

SvgText readSvg(const QString &path)
{
    SvgText r;
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) {
        r.error = f.errorString();
        return r;
    }
    QXmlStreamReader xml(&f);
    while (!xml.atEnd()) {
        if (xml.readNext() != QXmlStreamReader::StartElement)
            continue;
        if (xml.name() == QStringLiteral("svg"))
            r.viewBox = xml.attributes().value(QStringLiteral("viewBox")).toString();
        else if (xml.name() == QStringLiteral("rect") || xml.name() == QStringLiteral("path"))
            ++r.shapes;
        else if (xml.name() == QStringLiteral("text"))
            r.texts << xml.readElementText(QXmlStreamReader::IncludeChildElements).trimmed();
    }
    r.ok = !xml.hasError();
    r.error = xml.errorString();
    return r;
}

int countMatching(const QStringList &texts, const QRegularExpression &re)
{
    return int(std::count_if(texts.cbegin(), texts.cend(), [&re](const QString &t) { return re.match(t).hasMatch(); }));
}
} // namespace

class TestTopologyExport : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase()
    {
        QString error;
        QVERIFY2(test::scanDemoHost(&m_topo, &error), qPrintable(error));
        m_topo.reindex();
        layout::LayoutOptions o;
        o.metrics = views::topologyMetrics();
        m_layout = layout::layoutTopology(m_topo, o);
        QVERIFY(m_dir.isValid());
    }

    void svg()
    {
        const QString path = m_dir.filePath(QStringLiteral("demo.svg"));
        QString error;
        QVERIFY2(views::exportTopologySvg(m_layout, path, QStringLiteral("demo"), &error), qPrintable(error));
        const SvgText svg = readSvg(path);
        QVERIFY2(svg.ok, qPrintable(svg.error));
        QVERIFY(!svg.viewBox.isEmpty());
        // Device boxes carry their address alone on a line ("3b:00.0"): one label per device box.
        static const QRegularExpression address(QStringLiteral("^[0-9a-f]{2}:[0-9a-f]{2}\\.[0-7]$"));
        QCOMPARE(countMatching(svg.texts, address), m_layout.count(Kind::Device));
        static const QRegularExpression stack(QStringLiteral("^\\d+ × VF$"));
        QCOMPARE(countMatching(svg.texts, stack), m_layout.count(Kind::VfStack));
        QVERIFY(svg.texts.contains(QStringLiteral("8 × VF")));
        QVERIFY(svg.texts.contains(QStringLiteral("8 of 16 GT/s x16")));
        QVERIFY(svg.texts.contains(QStringLiteral("NUMA node 0")));
        // At least a shape per box, badge and link pill.
        int badges = 0, links = 0;
        for (const DrawNode &n : std::as_const(m_layout.nodes)) {
            badges += n.badgeRect.isEmpty() ? 0 : 1;
            links += n.link ? 1 : 0;
        }
        QVERIFY2(svg.shapes >= m_layout.nodes.size() + badges + links,
                 qPrintable(QStringLiteral("%1 shapes").arg(svg.shapes)));
    }

    void png()
    {
        const QString path = m_dir.filePath(QStringLiteral("demo.png"));
        QString error;
        QVERIFY2(views::exportTopologyPng(m_layout, path, &error, 1.0), qPrintable(error));
        QImage image(path);
        QVERIFY(!image.isNull());
        QVERIFY(qAbs(image.width() - (m_layout.bounds.width() + 24)) <= 2);
        QVERIFY(qAbs(image.height() - (m_layout.bounds.height() + 24)) <= 2);
        // Not blank: the degraded ConnectX-6 Dx link pill is red.
        const layout::DrawNode &cx6 = m_layout.nodes[m_layout.nodeFor(*PciAddress::parse(u"0000:af:00.0"))];
        const QPointF onPill = cx6.link->rect.topLeft() + QPointF(4, cx6.link->rect.height() / 2) - m_layout.bounds.topLeft() + QPointF(12, 12);
        const QColor c = image.pixelColor(onPill.toPoint());
        QVERIFY2(c.red() > 150 && c.green() < 100, qPrintable(c.name()));
    }

    void hugeImagesAreScaledDown()
    {
        const QImage image = views::renderTopologyImage(m_layout, 4.0, {}, 1000 * 1000);
        QVERIFY(!image.isNull());
        QVERIFY(qint64(image.width()) * image.height() <= 1010 * 1010);
    }

    void cliDraw_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<int>("exitCode");
        QTest::addColumn<QString>("output");
        QTest::newRow("svg") << QStringList{QStringLiteral("draw"), QStringLiteral("--demo"), QStringLiteral("-q"), QStringLiteral("--output")} << 0 << "cli.svg";
        QTest::newRow("png expanded") << QStringList{QStringLiteral("draw"), QStringLiteral("--demo"), QStringLiteral("--expand-vfs"), QStringLiteral("-o")} << 0 << "cli.png";
        QTest::newRow("bad suffix") << QStringList{QStringLiteral("draw"), QStringLiteral("--demo"), QStringLiteral("-o")} << 2 << "cli.gif";
        QTest::newRow("no output") << QStringList{QStringLiteral("draw"), QStringLiteral("--demo")} << 2 << "";
    }
    void cliDraw()
    {
        QFETCH(QStringList, args);
        QFETCH(int, exitCode);
        QFETCH(QString, output);
        const QString path = output.isEmpty() ? QString() : m_dir.filePath(output);
        if (!path.isEmpty())
            args << path;
        QProcess p;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.remove(QStringLiteral("QT_QPA_PLATFORM")); // the command must pick offscreen by itself
        env.remove(QStringLiteral("DISPLAY"));
        env.remove(QStringLiteral("WAYLAND_DISPLAY"));
        p.setProcessEnvironment(env);
        p.start(QStringLiteral(DEVTOPO_CLI), args);
        QVERIFY(p.waitForFinished(120000));
        QVERIFY2(p.exitCode() == exitCode, p.readAllStandardError().constData());
        if (exitCode != 0)
            return;
        QVERIFY(QFileInfo(path).size() > 1000);
        if (path.endsWith(QStringLiteral(".svg"))) {
            const SvgText svg = readSvg(path);
            QVERIFY2(svg.ok, qPrintable(svg.error));
            QVERIFY(svg.texts.contains(QStringLiteral("8 × VF")));
        } else {
            QVERIFY(!QImage(path).isNull());
        }
    }

private:
    Topology m_topo;
    layout::TopologyLayout m_layout;
    QTemporaryDir m_dir;
};

QTEST_MAIN(TestTopologyExport)
#include "tst_topologyexport.moc"
