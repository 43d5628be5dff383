// The actions log and the DMA mappings as item models (under QAbstractItemModelTester), and the DMA
// form's parsing and wording: sizes with units, hex IOVAs, the memlock gauge, the dirty bitmap.

#include "actionlogmodel.h"
#include "dmamappingmodel.h"
#include "dmastate.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace devtopo::control;

class TestControlModels : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void actionLog()
    {
        ActionLogModel m;
        QAbstractItemModelTester tester(&m, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QSignalSpy finished(&m, &ActionLogModel::entryFinished);
        const int a = m.start(u"Bind IOMMU group 16 to vfio-pci"_s);
        const int b = m.start(u"Open group 15 for DMA"_s);
        QCOMPARE(m.rowCount(), 2);
        QCOMPARE(m.index(0, ActionLogModel::OutcomeColumn).data().toString(), u"running…"_s);
        m.setProgress(a, u"binding 0000:1b:00.1 to vfio-pci"_s);
        QCOMPARE(m.index(0, ActionLogModel::DetailsColumn).data().toString(), u"binding 0000:1b:00.1 to vfio-pci"_s);
        m.succeed(a, {u"unbind snd_hda_intel from 0000:1b:00.1"_s, u"bind 0000:1b:00.1 to vfio-pci"_s});
        m.fail(b, u"EPERM: group 15 is not viable: 0000:00:1f.3 is bound to snd_hda_intel"_s);
        QCOMPARE(finished.size(), 2);
        QCOMPARE(m.index(0, ActionLogModel::OutcomeColumn).data().toString(), u"done"_s);
        QCOMPARE(m.index(0, ActionLogModel::DetailsColumn).data().toString(),
                 u"unbind snd_hda_intel from 0000:1b:00.1; bind 0000:1b:00.1 to vfio-pci"_s);
        QCOMPARE(m.index(1, ActionLogModel::OutcomeColumn).data().toString(), u"refused"_s);
        QCOMPARE(m.index(1, ActionLogModel::DetailsColumn).data().toString(),
                 u"EPERM: group 15 is not viable: 0000:00:1f.3 is bound to snd_hda_intel"_s);
        QCOMPARE(m.index(1, 0).data(ActionLogModel::StatusRole).toInt(), int(ActionLogEntry::Status::Failed));
        // Progress after the end does not overwrite the outcome; unknown ids change nothing.
        m.setProgress(a, u"late"_s);
        m.fail(999, u"x"_s);
        QCOMPARE(m.index(0, ActionLogModel::OutcomeColumn).data().toString(), u"done"_s);
        QCOMPARE(finished.size(), 2);
        m.clear();
        QCOMPARE(m.rowCount(), 0);
    }

    void mappings()
    {
        DmaMappingModel m;
        QAbstractItemModelTester tester(&m, QAbstractItemModelTester::FailureReportingMode::QtTest);
        m.setMappings({{0x40000000, 0x1000}, {0x100000, 0x200000}}, 4096);
        QCOMPARE(m.rowCount(), 2);
        QCOMPARE(m.index(0, DmaMappingModel::StartColumn).data().toString(), u"0x000000100000"_s); // sorted by IOVA
        QCOMPARE(m.index(0, DmaMappingModel::EndColumn).data().toString(), u"0x0000002fffff"_s);
        QCOMPARE(m.index(0, DmaMappingModel::SizeColumn).data().toString(), u"2 MiB"_s);
        QCOMPARE(m.index(0, DmaMappingModel::PagesColumn).data().toString(), u"512"_s);
        QCOMPARE(m.index(1, 0).data(DmaMappingModel::IovaRole).toULongLong(), 0x40000000ull);
        m.setMappings({}, 4096);
        QCOMPARE(m.rowCount(), 0);
    }

    void parseSize_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<bool>("ok");
        QTest::addColumn<qulonglong>("bytes");
        QTest::newRow("bytes") << u"4096"_s << true << 4096ull;
        QTest::newRow("k") << u"4k"_s << true << 4096ull;
        QTest::newRow("KiB spaced") << u"4 KiB"_s << true << 4096ull;
        QTest::newRow("M") << u"2M"_s << true << 2097152ull;
        QTest::newRow("MB") << u"2MB"_s << true << 2097152ull;
        QTest::newRow("GiB") << u"1 GiB"_s << true << 1073741824ull;
        QTest::newRow("fraction") << u"1.5M"_s << true << 1572864ull;
        QTest::newRow("hex") << u"0x200000"_s << true << 2097152ull;
        QTest::newRow("empty") << u""_s << false << 0ull;
        QTest::newRow("negative") << u"-4k"_s << false << 0ull;
        QTest::newRow("words") << u"two megs"_s << false << 0ull;
        QTest::newRow("unknown unit") << u"4 X"_s << false << 0ull;
        QTest::newRow("fraction of a byte") << u"1.5"_s << false << 0ull;
        QTest::newRow("overflow") << u"99999999T"_s << false << 0ull;
    }
    void parseSize()
    {
        QFETCH(QString, text);
        QFETCH(bool, ok);
        QFETCH(qulonglong, bytes);
        QString error;
        const auto v = dma::parseSize(text, &error);
        QCOMPARE(v.has_value(), ok);
        if (ok)
            QCOMPARE(qulonglong(*v), bytes);
        else
            QVERIFY(error.contains(u"is not a size"_s));
    }

    void parseIova_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<bool>("ok");
        QTest::addColumn<qulonglong>("iova");
        QTest::newRow("0x") << u"0x100000"_s << true << 0x100000ull;
        QTest::newRow("bare hex") << u"fee00000"_s << true << 0xfee00000ull;
        QTest::newRow("underscores") << u"0x1_0000_0000"_s << true << 0x100000000ull;
        QTest::newRow("spaces") << u"  0x2000 "_s << true << 0x2000ull;
        QTest::newRow("empty") << u""_s << false << 0ull;
        QTest::newRow("just 0x") << u"0x"_s << false << 0ull;
        QTest::newRow("not hex") << u"0xzz"_s << false << 0ull;
        QTest::newRow("too long") << u"0x1_0000_0000_0000_0000"_s << false << 0ull;
    }
    void parseIova()
    {
        QFETCH(QString, text);
        QFETCH(bool, ok);
        QFETCH(qulonglong, iova);
        QString error;
        const auto v = dma::parseIova(text, &error);
        QCOMPARE(v.has_value(), ok);
        if (ok)
            QCOMPARE(qulonglong(*v), iova);
        else
            QVERIFY(error.contains(u"not a hexadecimal address"_s));
    }

    void memlock_data()
    {
        QTest::addColumn<qulonglong>("locked");
        QTest::addColumn<qulonglong>("limit");
        QTest::addColumn<bool>("cap");
        QTest::addColumn<QString>("text");
        QTest::addColumn<int>("permille");
        QTest::newRow("limited") << 0x200000ull << (64ull << 20) << false << u"2 MiB of 64 MiB locked (3%)"_s << 31;
        QTest::newRow("unlimited") << 0x200000ull << ~0ull << false << u"2 MiB locked; RLIMIT_MEMLOCK is unlimited"_s << -1;
        QTest::newRow("cap_ipc_lock") << 0ull << (8ull << 20) << true
                                      << u"0 bytes locked; the helper has CAP_IPC_LOCK, which bypasses RLIMIT_MEMLOCK"_s << -1;
        QTest::newRow("full") << (64ull << 20) << (64ull << 20) << false << u"64 MiB of 64 MiB locked (100%)"_s << 1000;
    }
    void memlock()
    {
        QFETCH(qulonglong, locked);
        QFETCH(qulonglong, limit);
        QFETCH(bool, cap);
        QFETCH(QString, text);
        QFETCH(int, permille);
        DmaGroupState s;
        s.lockedBytes = locked;
        s.memlockLimit = limit;
        s.capIpcLock = cap;
        QCOMPARE(dma::memlockText(s), text);
        QCOMPARE(dma::memlockPermille(s), permille);
    }

    void groupInfoPairs()
    {
        DmaGroupState s;
        QVERIFY(s.setFromFlat({0, 0xfedfffff, 0xfef00000, 0xffffffffffff}, {0x100000, 0x200000}));
        QCOMPARE(s.iovaRanges.size(), 2);
        QCOMPARE(s.iovaRanges.at(1), (DmaRange{0xfef00000, 0xffffffffffff}));
        QCOMPARE(s.mappings, (QList<DmaMap>{{0x100000, 0x200000}}));
        QVERIFY(!s.setFromFlat({1, 2, 3}, {}));
        s.pageSizes = 0x40201000; // 4K | 2M | 1G
        QCOMPARE(dma::pageSizesText(s.pageSizes), u"4 KiB, 2 MiB, 1 GiB"_s);
        QCOMPARE(s.smallestPageSize(), 4096ull);
    }

    void bitmap()
    {
        DirtyBitmapData b;
        b.iova = 0x100000;
        b.size = 0x400000;
        b.pageSize = 4096;
        b.bits = QByteArray(128, '\0');
        b.bits[0] = char(0x81); // pages 0 and 7
        b.bits[64] = char(0x01); // page 512
        QCOMPARE(b.pages(), 1024);
        QVERIFY(b.isDirty(0) && b.isDirty(7) && b.isDirty(512));
        QVERIFY(!b.isDirty(1) && !b.isDirty(1023) && !b.isDirty(1024) && !b.isDirty(-1));
        QCOMPARE(b.dirtyPages(), 3);
        b.bits.truncate(10); // a short answer: pages beyond it are clean, not out of bounds
        QCOMPARE(b.dirtyPages(), 2);
    }

    void errors_data()
    {
        QTest::addColumn<QString>("error");
        QTest::addColumn<QString>("name");
        QTest::addColumn<QString>("plain");
        QTest::newRow("EEXIST") << u"EEXIST: 0x100000-0x2fffff overlaps an existing mapping"_s << u"EEXIST"_s << u"overlaps a mapping"_s;
        QTest::newRow("EINVAL") << u"EINVAL: outside the IOVA ranges"_s << u"EINVAL"_s << u"usable IOVA ranges"_s;
        QTest::newRow("ENOMEM") << u"ENOMEM: over RLIMIT_MEMLOCK"_s << u"ENOMEM"_s << u"RLIMIT_MEMLOCK"_s;
        QTest::newRow("not errno") << u"org.freedesktop.DBus.Error.NoReply: timeout"_s << QString() << QString();
    }
    void errors()
    {
        QFETCH(QString, error);
        QFETCH(QString, name);
        QFETCH(QString, plain);
        QCOMPARE(dma::errnoName(error), name);
        if (plain.isEmpty())
            QVERIFY(dma::explainDmaError(error).isEmpty());
        else
            QVERIFY2(dma::explainDmaError(error).contains(plain), qPrintable(dma::explainDmaError(error)));
    }
};

QTEST_GUILESS_MAIN(TestControlModels)
#include "tst_controlmodels.moc"
