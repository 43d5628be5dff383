#include "variantdrivers.h"

#include <QTest>

using namespace devtopo;

class TestVariantDrivers : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void mostSpecificFirst()
    {
        const QByteArray alias =
            "# comment\n"
            "alias pci:v000015B3d00001021sv*sd*bc*sc*i* mlx5_core\n"
            "alias vfio_pci:v*d*sv*sd*bc*sc*i* vfio_pci\n"
            "alias vfio_pci:v000015B3d00001021sv*sd*bc*sc*i* mlx5_vfio_pci\n"
            "alias vfio_pci:v000015B3d*sv*sd*bc*sc*i* made_up_vendor_wide\n"
            "alias vfio_pci:broken\n";
        const auto idx = VariantDriverIndex::fromAliasFile(alias);
        QCOMPARE(idx.size(), 3);
        QCOMPARE(idx.match(u"pci:v000015B3d00001021sv000015B3sd00000001bc02sc00i00"_qs),
                 (QStringList{u"mlx5_vfio_pci"_qs, u"made_up_vendor_wide"_qs, u"vfio_pci"_qs}));
        QCOMPARE(idx.match(u"pci:v00008086d000010D3sv00008086sd0000A01Fbc02sc00i00"_qs), QStringList{u"vfio_pci"_qs});
        QCOMPARE(idx.match(u"garbage"_qs), QStringList{});
        QCOMPARE(idx.match(QString()), QStringList{});
    }
};

QTEST_GUILESS_MAIN(TestVariantDrivers)
#include "tst_variantdrivers.moc"
