#include "iommuunits.h"

#include <QTest>

using namespace devtopo;

class TestIommuUnits : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void qemuVtd()
    {
        // cap/ecap of QEMU 10's intel-iommu (intremap=on, caching-mode=on) as the 6.12 guest printed them.
        IommuUnit u;
        decodeIntelVtd(0xd2008c222f0686, 0xf00f4a, &u);
        QCOMPARE(u.kind, u"intel-vtd"_qs);
        QCOMPARE(u.addressWidth, 48);
        QVERIFY(u.cachingMode);
        QVERIFY(u.interruptRemapping);
        QVERIFY(u.passThrough);
        QVERIFY(!u.scalableMode);
        QVERIFY(!u.nesting);
        QVERIFY(!u.dirtyTracking);
        QVERIFY(!u.pasid);
        QCOMPARE(u.largePages, (QStringList{u"2M"_qs, u"1G"_qs}));
    }
    void scalableModeUnlocksNestingAndDirty()
    {
        const quint64 smts = quint64(1) << 43, nest = quint64(1) << 26, slads = quint64(1) << 45, pasid = quint64(1) << 40;
        IommuUnit legacy;
        decodeIntelVtd(0xd2008c222f0686, nest | slads, &legacy);
        QVERIFY(!legacy.nesting); // the kernel only nests and tracks dirty pages in scalable mode
        QVERIFY(!legacy.dirtyTracking);
        IommuUnit sm;
        decodeIntelVtd(0xd2008c222f0686, smts | nest | slads | pasid | (quint64(19) << 35), &sm);
        QVERIFY(sm.scalableMode);
        QVERIFY(sm.nesting);
        QVERIFY(sm.dirtyTracking);
        QVERIFY(sm.pasid);
        QCOMPARE(sm.pasidBits, 20);
    }
    void amd()
    {
        IommuUnit u;
        decodeAmdVi((quint64(1) << 52) | (quint64(1) << 4) | (quint64(15) << 32), &u);
        QCOMPARE(u.kind, u"amd-vi"_qs);
        QVERIFY(u.dirtyTracking);
        QVERIFY(u.nesting);
        QCOMPARE(u.pasidBits, 16);
        IommuUnit none;
        decodeAmdVi(0, &none);
        QVERIFY(!none.dirtyTracking);
        QVERIFY(!none.pasid);
    }
};

QTEST_GUILESS_MAIN(TestIommuUnits)
#include "tst_iommuunits.moc"
