#include "iovamapwidget.h"
#include "iovasegments.h"
#include "testtopology.h"

#include <QTest>

#include <numeric>

using namespace devtopo;
using namespace devtopo::views;

namespace {
QString kinds(const QList<IovaSegment> &segments)
{
    QStringList out;
    for (const IovaSegment &s : segments)
        out << s.kind;
    return out.join(QLatin1Char(','));
}
} // namespace

class TestIovaSegments : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void build_data()
    {
        QTest::addColumn<int>("width");
        QTest::addColumn<QList<ReservedRegion>>("reserved");
        QTest::addColumn<QList<IovaRange>>("usable");
        QTest::addColumn<QString>("kinds");
        QTest::addColumn<quint64>("lastEnd");
        const ReservedRegion msi{0xfee00000, 0xfeefffff, QStringLiteral("msi")};
        QTest::newRow("empty 48-bit") << 48 << QList<ReservedRegion>() << QList<IovaRange>() << "unavailable"
                                      << quint64(0xffffffffffff);
        QTest::newRow("all usable") << 39 << QList<ReservedRegion>() << QList<IovaRange>{{0, 0x7fffffffff}} << "usable"
                                    << quint64(0x7fffffffff);
        QTest::newRow("msi hole") << 48 << QList<ReservedRegion>{msi}
                                  << QList<IovaRange>{{0, 0xfedfffff}, {0xfef00000, 0xffffffffffff}}
                                  << "usable,msi,usable" << quint64(0xffffffffffff);
        // A relaxable region stays usable for VFIO; it shows in its own colour but does not split
        // the usable ranges around it into separate rows of the table.
        QTest::newRow("relaxable inside usable")
            << 48 << QList<ReservedRegion>{{0xa0000, 0xbffff, QStringLiteral("direct-relaxable")}}
            << QList<IovaRange>{{0, 0xffffffffffff}} << "usable,direct-relaxable,usable" << quint64(0xffffffffffff);
        QTest::newRow("overlap: direct wins over msi")
            << 48 << QList<ReservedRegion>{msi, {0xfee80000, 0xfeffffff, QStringLiteral("direct")}}
            << QList<IovaRange>() << "unavailable,msi,direct,unavailable" << quint64(0xffffffffffff);
        QTest::newRow("region beyond width widens the space")
            << 32 << QList<ReservedRegion>{{0xfd00000000, 0xffffffffff, QStringLiteral("reserved")}}
            << QList<IovaRange>{{0, 0xffffffff}} << "usable,unavailable,reserved" << quint64(0xffffffffff);
        QTest::newRow("64-bit space") << 64 << QList<ReservedRegion>{msi}
                                      << QList<IovaRange>{{0, 0xfedfffff}, {0xfef00000, ~quint64(0)}}
                                      << "usable,msi,usable" << ~quint64(0);
        QTest::newRow("adjacent msi regions stay apart")
            << 48 << QList<ReservedRegion>{{0x1000, 0x1fff, QStringLiteral("msi")}, {0x2000, 0x2fff, QStringLiteral("msi")}}
            << QList<IovaRange>() << "unavailable,msi,msi,unavailable" << quint64(0xffffffffffff);
    }
    void build()
    {
        QFETCH(int, width);
        QFETCH(QList<ReservedRegion>, reserved);
        QFETCH(QList<IovaRange>, usable);
        QFETCH(QString, kinds);
        QFETCH(quint64, lastEnd);
        const QList<IovaSegment> segs = buildIovaSegments(width, reserved, usable);
        QCOMPARE(::kinds(segs), kinds);
        QCOMPARE(segs.first().start, quint64(0));
        QCOMPARE(segs.last().end, lastEnd);
        for (int i = 1; i < segs.size(); ++i)
            QCOMPARE(segs[i].start, segs[i - 1].end + 1); // contiguous, no overlap
    }

    void widths_data()
    {
        QTest::addColumn<int>("total");
        QTest::addColumn<int>("expectedSum");
        QTest::newRow("roomy") << 1000 << 1000;
        QTest::newRow("tight: minimum wins") << 30 << 3 * IovaMapWidget::MinSegmentPx;
    }
    void widths()
    {
        QFETCH(int, total);
        QFETCH(int, expectedSum);
        const auto segs = buildIovaSegments(48, {{0xfee00000, 0xfeefffff, QStringLiteral("msi")}},
                                            {{0, 0xfedfffff}, {0xfef00000, 0xffffffffffff}});
        const QList<int> w = segmentWidths(segs, total, IovaMapWidget::MinSegmentPx);
        QCOMPARE(w.size(), 3);
        QCOMPARE(std::accumulate(w.begin(), w.end(), 0), expectedSum);
        for (int x : w)
            QVERIFY(x >= IovaMapWidget::MinSegmentPx);
        // The 1 MiB window is narrower than the terabytes around it, but not by their ratio.
        QVERIFY(w[1] <= w[2]);
        if (total == 1000)
            QVERIFY(w[1] > 150);
    }

    void widgetShowsTheMsiHole()
    {
        const Topology t = test::makeTestTopology();
        IovaMapWidget map;
        map.resize(900, map.sizeHint().height());
        map.setGroup(*t.group(2));
        QCOMPARE(map.segments().size(), 7); // the relaxable region splits the low usable range
        int msi = -1;
        for (int i = 0; i < map.segments().size(); ++i)
            if (map.segments()[i].kind == QStringLiteral("msi"))
                msi = i;
        QVERIFY(msi >= 0);
        QVERIFY(map.segmentRect(msi).width() >= IovaMapWidget::MinSegmentPx - 2);
        QCOMPARE(map.segmentAt(map.segmentRect(msi).center()), msi);
        const QString tip = map.segmentToolTip(msi);
        QVERIFY(tip.contains(QStringLiteral("1 MiB")));
        QVERIFY(tip.contains(QStringLiteral("0x0000fee00000")));
        QVERIFY(tip.contains(QStringLiteral("1048576 bytes")));
        QVERIFY(map.minimumSizeHint().width() >= 7 * IovaMapWidget::MinSegmentPx);
        map.clear();
        QCOMPARE(map.segmentAt(QPoint(10, 40)), -1);
    }
};

QTEST_MAIN(TestIovaSegments)
#include "tst_iovasegments.moc"
