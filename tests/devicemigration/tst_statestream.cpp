// devtopo's device-state file: what is written is read back; every way a file can be wrong is
// refused with its own errno and sentence and gives no payload.

#include "statestream.h"

#include <QTest>

#include <cerrno>

using namespace Qt::StringLiterals;
using namespace devtopo::vfiomig;

class TestStateStream : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void roundTrip()
    {
        const QByteArray payload = QByteArray(96, 'x') + "tail";
        const QByteArray file = encodeStream(0x4348, 0x3253, 7, payload);
        QCOMPARE(file.size(), kStreamHeaderSize + payload.size());
        const DecodedStream d = decodeStream(file, 0x4348, 0x3253);
        QVERIFY2(d.ok(), qPrintable(d.why));
        QCOMPARE(d.payload, payload);
        QCOMPARE(d.header.vendor, quint16(0x4348));
        QCOMPARE(d.header.migrationFlags, 7u);
        QCOMPARE(d.header.length, quint64(payload.size()));
        QCOMPARE(QString::fromLatin1(d.header.sha256.toHex()), sha256Hex(payload));
        QVERIFY(decodeStream(encodeStream(1, 2, 1, {}), 1, 2).ok()); // an empty state is a state
    }

    void refused_data()
    {
        QTest::addColumn<QByteArray>("file");
        QTest::addColumn<int>("err");
        QTest::addColumn<QString>("says");
        const QByteArray good = encodeStream(0x15b3, 0x101e, 7, QByteArray(200, 'a'));
        QByteArray flipped = good;
        flipped[kStreamHeaderSize + 100] = 'b';
        QByteArray badMagic = good;
        badMagic[0] = 'X';
        QByteArray badVersion = good;
        badVersion[8] = 2;
        QByteArray badSum = good;
        badSum[40] = char(badSum[40] ^ 1);
        QByteArray huge = good;
        huge[31] = 0x10; // length 2^60
        QTest::newRow("empty") << QByteArray() << EINVAL << u"shorter than"_s;
        QTest::newRow("header cut") << good.left(40) << EINVAL << u"shorter than"_s;
        QTest::newRow("magic") << badMagic << EINVAL << u"magic"_s;
        QTest::newRow("version") << badVersion << EINVAL << u"version 2"_s;
        QTest::newRow("truncated") << good.chopped(1) << EINVAL << u"truncated: 199 of 200"_s;
        QTest::newRow("trailing") << good + "z" << EINVAL << u"1 bytes after"_s;
        QTest::newRow("payload flipped") << flipped << EBADMSG << u"corrupt"_s;
        QTest::newRow("checksum flipped") << badSum << EBADMSG << u"corrupt"_s;
        QTest::newRow("absurd length") << huge << EINVAL << u"more than"_s;
        QTest::newRow("foreign device") << encodeStream(0x4348, 0x3253, 7, "x") << ENODEV << u"4348:3253"_s;
    }
    void refused()
    {
        QFETCH(QByteArray, file);
        QFETCH(int, err);
        QFETCH(QString, says);
        const DecodedStream d = decodeStream(file, 0x15b3, 0x101e);
        QCOMPARE(d.err, err);
        QVERIFY2(d.why.contains(says), qPrintable(d.why));
        QVERIFY(d.payload.isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestStateStream)
#include "tst_statestream.moc"
