#include "models/detailsmodel.h"
#include "testtopology.h"

#include <QAbstractItemModelTester>
#include <QTest>

using namespace devtopo;

class TestDetailsModel : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void init()
    {
        m_model = std::make_unique<DetailsModel>();
        m_tester = std::make_unique<QAbstractItemModelTester>(
            m_model.get(), QAbstractItemModelTester::FailureReportingMode::QtTest);
        m_model->setTopology(test::makeTestTopology());
    }
    void cleanup()
    {
        m_tester.reset();
        m_model.reset();
    }

    void emptyUntilSomethingIsSelected()
    {
        QCOMPARE(m_model->rowCount(), 0);
        QCOMPARE(m_model->subject(), DetailsModel::Subject::None);
    }

    void functionProperties_data()
    {
        QTest::addColumn<QString>("address");
        QTest::addColumn<QString>("key");
        QTest::addColumn<QString>("value");
        QTest::newRow("class") << "0000:03:00.0" << "Class" << "0x010802 Non-Volatile memory controller";
        QTest::newRow("driver") << "0000:03:00.0" << "Bound driver" << "nvme";
        QTest::newRow("unbound") << "0000:00:1f.0" << "Bound driver" << "(none)";
        QTest::newRow("variant") << "0000:04:00.0" << "VFIO variant drivers" << "nvgrace_gpu_vfio_pci";
        QTest::newRow("port type") << "0000:02:00.0" << "Port type" << "Switch downstream port";
        QTest::newRow("bus range") << "0000:01:00.0" << "Bus range" << "[02-04]";
        QTest::newRow("link") << "0000:04:00.0" << "Degraded" << "yes";
        QTest::newRow("acs cap") << "0000:00:01.0" << "ACSCap" << "0x005f (SrcValid TransBlk ReqRedir CmpltRedir UpstreamFwd DirectTrans)";
        QTest::newRow("acs ctl") << "0000:00:01.0" << "ACSCtl" << "0x001d (SrcValid ReqRedir CmpltRedir UpstreamFwd)";
        QTest::newRow("no acs") << "0000:02:00.0" << "ACS" << "absent";
        QTest::newRow("pasid") << "0000:04:00.0" << "PASID" << "yes, 20 bits";
        QTest::newRow("total vfs") << "0000:05:00.0" << "Total VFs" << "63";
        QTest::newRow("vf of pf") << "0000:05:10.2" << "VF index" << "1";
        QTest::newRow("group") << "0000:04:00.1" << "Group" << "2 (DMA-FQ, 6 device(s))";
        QTest::newRow("unit") << "0000:80:00.0" << "IOMMU unit" << "dmar1";
        QTest::newRow("missing") << "0000:80:00.0" << "Missing attributes" << "2";
        QTest::newRow("no config") << "0000:80:00.0" << "Config space" << "not readable";
    }
    void functionProperties()
    {
        QFETCH(QString, address);
        QFETCH(QString, key);
        QFETCH(QString, value);
        m_model->showFunction(*PciAddress::parse(address));
        QCOMPARE(m_model->subject(), DetailsModel::Subject::Function);
        QVERIFY(m_model->title().startsWith(address));
        const QModelIndex idx = m_model->findKey(key);
        QVERIFY2(idx.isValid(), qPrintable(key));
        QCOMPARE(idx.siblingAtColumn(DetailsModel::ValueColumn).data().toString(), value);
    }

    void sections()
    {
        m_model->showFunction(test::addr("0000:05:00.0"));
        for (const char *s : {"Identity", "Driver", "Placement", "Capabilities", "SR-IOV", "IOMMU"})
            QVERIFY2(m_model->findSection(QString::fromLatin1(s)).isValid(), s);
        QVERIFY(!m_model->findSection(QStringLiteral("Missing attributes")).isValid());
        const QModelIndex vfs = m_model->findKey(QStringLiteral("Virtual functions"));
        QCOMPARE(m_model->rowCount(vfs), 2);
        QCOMPARE(m_model->index(1, 0, vfs).data(AddressRole).toString(), QStringLiteral("0000:05:10.2"));
    }

    void groupProperties()
    {
        m_model->showGroup(2);
        QCOMPARE(m_model->subject(), DetailsModel::Subject::Group);
        QCOMPARE(m_model->title(), QStringLiteral("IOMMU group 2"));
        const QModelIndex members = m_model->findSection(QStringLiteral("Members"));
        QCOMPARE(m_model->rowCount(members), 6);
        QCOMPARE(m_model->index(3, 0, members).data().toString(), QStringLiteral("0000:03:00.0"));
        QVERIFY(m_model->index(3, 1, members).data().toString().contains(QStringLiteral("nvme")));
        QCOMPARE(m_model->index(3, 0, members).data(PciAddressRole).value<PciAddress>(), test::addr("0000:03:00.0"));

        const QModelIndex blockers = m_model->findKey(QStringLiteral("Blockers"));
        QCOMPARE(m_model->rowCount(blockers), 2);
        const QModelIndex actions = m_model->findKey(QStringLiteral("Actions"));
        QVERIFY(m_model->index(0, 1, actions).data().toString().startsWith(QStringLiteral("unbind nvme")));

        const QModelIndex why = m_model->findSection(QStringLiteral("Why these devices share the group"));
        QCOMPARE(m_model->rowCount(why), 2);
        QCOMPARE(m_model->index(0, 0, why).data().toString(), QStringLiteral("No ACS upstream"));
        QCOMPARE(m_model->findKey(QStringLiteral("Missing ACS bits"), why).siblingAtColumn(1).data().toString(),
                 QStringLiteral("0x001d (SrcValid ReqRedir CmpltRedir UpstreamFwd)"));

        const QModelIndex res = m_model->findSection(QStringLiteral("Reserved regions"));
        QCOMPARE(m_model->rowCount(res), 3);
        QCOMPARE(m_model->index(2, 0, res).data().toString(), QStringLiteral("msi"));
        QCOMPARE(m_model->index(2, 1, res).data().toString(), QStringLiteral("0x0000fee00000–0x0000feefffff  (1 MiB)"));

        const QModelIndex iova = m_model->findSection(QStringLiteral("Usable IOVA"));
        QCOMPARE(iova.siblingAtColumn(1).data().toString(), QStringLiteral("48-bit space"));
        QCOMPARE(m_model->rowCount(iova), 3);
        QCOMPARE(m_model->index(2, 1, iova).data().toString(), QStringLiteral("0x0000fef00000–0xffffffffffff"));
    }

    void subjectSurvivesNewTopologyAndDisappearsWhenGone()
    {
        m_model->showGroup(4);
        const int rows = m_model->rowCount();
        m_model->setTopology(test::makeTestTopology());
        QCOMPARE(m_model->rowCount(), rows);
        Topology t = test::makeTestTopology();
        t.groups.removeIf([](const IommuGroup &g) { return g.id == 4; });
        t.reindex();
        m_model->setTopology(t);
        QCOMPARE(m_model->rowCount(), 0);
        m_model->clear();
        QCOMPARE(m_model->subject(), DetailsModel::Subject::None);
    }

private:
    std::unique_ptr<DetailsModel> m_model;
    std::unique_ptr<QAbstractItemModelTester> m_tester;
};

QTEST_GUILESS_MAIN(TestDetailsModel)
#include "tst_detailsmodel.moc"
