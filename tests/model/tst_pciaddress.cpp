#include "pciaddress.h"

#include <QTest>

using namespace devtopo;

class TestPciAddress : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void parse_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<bool>("valid");
        QTest::addColumn<QString>("canonical");
        QTest::newRow("sysfs") << u"0000:01:00.0"_qs << true << u"0000:01:00.0"_qs;
        QTest::newRow("lspci short") << u"01:10.2"_qs << true << u"0000:01:10.2"_qs;
        QTest::newRow("upper case") << u"0000:AF:1F.7"_qs << true << u"0000:af:1f.7"_qs;
        QTest::newRow("VMD domain above ffff") << u"10000:e1:00.0"_qs << true << u"10000:e1:00.0"_qs;
        QTest::newRow("function 8") << u"0000:00:00.8"_qs << false << QString();
        QTest::newRow("device 32") << u"0000:00:20.0"_qs << false << QString();
        QTest::newRow("path component") << u"../0000:00:00.0"_qs << false << QString();
        QTest::newRow("slash") << u"0000:00/00.0"_qs << false << QString();
        QTest::newRow("short domain") << u"0:00:00.0"_qs << false << QString();
        QTest::newRow("empty") << QString() << false << QString();
        QTest::newRow("garbage") << u"banana"_qs << false << QString();
        QTest::newRow("trailing space") << u"0000:00:00.0 "_qs << false << QString();
        QTest::newRow("one-digit bus") << u"0000:1:00.0"_qs << false << QString();
        QTest::newRow("nine-digit domain") << u"100000000:00:00.0"_qs << false << QString();
    }
    void parse()
    {
        QFETCH(QString, text);
        QFETCH(bool, valid);
        QFETCH(QString, canonical);
        const auto a = PciAddress::parse(text);
        QCOMPARE(a.has_value(), valid);
        if (valid)
            QCOMPARE(a->toString(), canonical);
    }
    void ordering()
    {
        QVERIFY(*PciAddress::parse(u"0000:00:1f.0") < *PciAddress::parse(u"0000:01:00.0"));
        QVERIFY(*PciAddress::parse(u"0000:ff:1f.7") < *PciAddress::parse(u"0001:00:00.0"));
        QVERIFY(PciAddress::parse(u"0000:08:00.0")->sameSlot(*PciAddress::parse(u"0000:08:00.1")));
        QVERIFY(!PciAddress::parse(u"0000:08:00.0")->sameSlot(*PciAddress::parse(u"0000:08:01.0")));
    }
};

QTEST_GUILESS_MAIN(TestPciAddress)
#include "tst_pciaddress.moc"
