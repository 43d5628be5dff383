// The change planner on a hand-built host: what each requested action will do, device by device,
// in the words the confirmation dialog shows; refusals for what cannot be done.

#include "changeplanner.h"
#include "controltesttopology.h"

#include <QTest>

using namespace Qt::StringLiterals;
using namespace devtopo;
using namespace devtopo::control;
using devtopo::test::pa;

Q_DECLARE_METATYPE(devtopo::control::ActionKind)

class TestChangePlanner : public QObject
{
    Q_OBJECT
    Topology m_t = test::makeControlTopology();

    static ControlAction make(ActionKind k, const char *address, int group, const QString &driver, int count = 0, bool on = false)
    {
        ControlAction a;
        a.kind = k;
        if (address)
            a.address = pa(address);
        a.group = group;
        a.driver = driver;
        a.count = count;
        a.on = on;
        return a;
    }

private Q_SLOTS:
    void plan_data()
    {
        QTest::addColumn<ControlAction>("action");
        QTest::addColumn<QString>("summary");
        QTest::addColumn<QStringList>("changes");
        QTest::addColumn<QString>("warning"); // a substring of one warning; empty: no warnings
        QTest::addColumn<bool>("force");
        QTest::addColumn<bool>("noOp");

        QTest::newRow("single device, group not viable after")
            << make(ActionKind::BindDevice, "0000:09:00.1", -1, u"vfio-pci"_s)
            << u"unbind snd_hda_intel from 0000:09:00.1 and bind it to vfio-pci"_s
            << QStringList{u"unbind snd_hda_intel from 0000:09:00.1 and bind it to vfio-pci"_s} << QString() << false << false;
        QTest::newRow("single device, group members elsewhere")
            << make(ActionKind::BindDevice, "0000:08:00.1", -1, u"vfio-pci"_s)
            << u"unbind nvme from 0000:08:00.1 and bind it to vfio-pci"_s
            << QStringList{u"unbind nvme from 0000:08:00.1 and bind it to vfio-pci"_s}
            << u"group 15 also holds 0000:08:00.0 (e1000e): it stays not viable"_s << true << false;
        QTest::newRow("whole group with members on other drivers")
            << make(ActionKind::BindGroup, nullptr, 15, u"vfio-pci"_s)
            << u"unbind e1000e from 0000:08:00.0 and nvme from 0000:08:00.1 — same group 15 — and bind both to vfio-pci"_s
            << QStringList{u"unbind e1000e from 0000:08:00.0 and bind it to vfio-pci"_s,
                           u"unbind nvme from 0000:08:00.1 and bind it to vfio-pci"_s,
                           u"0000:00:1c.0 is a bridge on pcieport: VFIO tolerates it, it stays"_s}
            << u"0000:08:00.0 may be in use: a network controller on e1000e"_s << true << false;
        QTest::newRow("group with one already bound")
            << make(ActionKind::BindGroup, nullptr, 16, u"vfio-pci"_s)
            << u"unbind snd_hda_intel from 0000:09:00.1 — same group 16 — and bind it to vfio-pci; 0000:09:00.0 is already on vfio-pci"_s
            << QStringList{u"0000:09:00.0 is already on vfio-pci: nothing to do"_s,
                           u"unbind snd_hda_intel from 0000:09:00.1 and bind it to vfio-pci"_s}
            << QString() << false << false;
        QTest::newRow("already bound device")
            << make(ActionKind::BindDevice, "0000:09:00.0", -1, u"vfio-pci"_s)
            << u"0000:09:00.0 is already on vfio-pci: nothing to do"_s
            << QStringList{u"0000:09:00.0 is already on vfio-pci: nothing to do"_s} << QString() << false << true;
        QTest::newRow("unbound device")
            << make(ActionKind::BindGroup, nullptr, 30, u"vfio-pci"_s)
            << u"bind 0000:0b:00.0 (no driver now) to vfio-pci — group 30"_s
            << QStringList{u"bind 0000:0b:00.0 (no driver now) to vfio-pci"_s} << QString() << false << false;
        QTest::newRow("variant driver")
            << make(ActionKind::BindDevice, "0000:0a:00.2", -1, u"mlx5_vfio_pci"_s)
            << u"unbind mlx5_core from 0000:0a:00.2 and bind it to mlx5_vfio_pci"_s
            << QStringList{u"unbind mlx5_core from 0000:0a:00.2 and bind it to mlx5_vfio_pci"_s}
            << u"0000:0a:00.2 may be in use"_s << true << false;
        QTest::newRow("VF count up goes through 0")
            << make(ActionKind::SetNumVfs, "0000:0a:00.0", -1, {}, 3)
            << u"set 0000:0a:00.0's VF count from 2 to 3 by way of 0: the 2 VFs disappear, then 3 new ones appear"_s
            << QStringList{u"write 0 to 0000:0a:00.0's sriov_numvfs first (the kernel refuses to change a nonzero VF count "
                           "directly): its 2 VFs disappear"_s,
                           u"VF 0000:0a:00.2 (mlx5_core) disappears"_s, u"VF 0000:0a:00.3 (vfio-pci) disappears"_s,
                           u"write 3 to 0000:0a:00.0's sriov_numvfs: 3 VFs appear; drivers_autoprobe is on: they bind to mlx5_core"_s,
                           u"VF 0 appears at 0000:0a:00.2"_s, u"VF 1 appears at 0000:0a:00.3"_s, u"VF 2 appears at 0000:0a:00.4"_s}
            << u"VF 0000:0a:00.3 is on vfio-pci: a VM or a VFIO user may have it open"_s << false << false;
        QTest::newRow("VF count down to 0")
            << make(ActionKind::SetNumVfs, "0000:0a:00.0", -1, {}, 0)
            << u"disable the 2 VFs of 0000:0a:00.0"_s
            << QStringList{u"write 0 to 0000:0a:00.0's sriov_numvfs: its 2 VFs disappear"_s,
                           u"VF 0000:0a:00.2 (mlx5_core) disappears"_s, u"VF 0000:0a:00.3 (vfio-pci) disappears"_s}
            << u"0000:0a:00.3 is on vfio-pci"_s << false << false;
        QTest::newRow("VF count unchanged")
            << make(ActionKind::SetNumVfs, "0000:0a:00.0", -1, {}, 2) << u"0000:0a:00.0 already has 2 VFs: nothing to do"_s
            << QStringList{u"0000:0a:00.0 already has 2 VFs: nothing to do"_s} << QString() << false << true;
        QTest::newRow("autoprobe off")
            << make(ActionKind::SetDriversAutoprobe, "0000:0a:00.0", -1, {}, 0, false)
            << u"write 0 to 0000:0a:00.0's sriov_drivers_autoprobe: VFs created from now on stay unbound (ready for vfio-pci)"_s
            << QStringList{u"write 0 to 0000:0a:00.0's sriov_drivers_autoprobe: VFs created from now on stay unbound (ready for vfio-pci)"_s}
            << QString() << false << false;
        QTest::newRow("reset with bus reset first")
            << make(ActionKind::ResetDevice, "0000:0b:00.0", -1, {})
            << u"reset 0000:0b:00.0 through reset_method (bus; the kernel tries them in this order)"_s
            << QStringList{u"reset 0000:0b:00.0 through reset_method (bus; the kernel tries them in this order)"_s}
            << u"a bus reset also resets 0000:0b:00.1 on the same bus"_s << false << false;
        QTest::newRow("restore a group")
            << make(ActionKind::RestoreGroup, nullptr, 16, {})
            << u"give 0000:09:00.0 back the drivers devtopo recorded before rebinding — same group 16 — one device after the other"_s
            << QStringList{u"unbind vfio-pci from 0000:09:00.0 and give it back its recorded driver"_s,
                           u"0000:09:00.1 (snd_hda_intel) was not rebound: it stays"_s}
            << QString() << false << false;
        QTest::newRow("persist override")
            << make(ActionKind::PersistOverride, "0000:08:00.1", -1, u"vfio-pci"_s)
            << u"write /etc/driverctl.d/pci-0000:08:00.1 = vfio-pci: driverctl binds 0000:08:00.1 to vfio-pci at every boot"_s
            << QStringList{u"write /etc/driverctl.d/pci-0000:08:00.1 = vfio-pci: driverctl binds 0000:08:00.1 to vfio-pci at every boot"_s}
            << QString() << false << false;
    }
    void plan()
    {
        QFETCH(ControlAction, action);
        QFETCH(QString, summary);
        QFETCH(QStringList, changes);
        QFETCH(QString, warning);
        QFETCH(bool, force);
        QFETCH(bool, noOp);
        const ChangePlan p = planChange(m_t, action);
        QVERIFY2(p.isValid(), qPrintable(p.error));
        QCOMPARE(p.summary, summary);
        QStringList texts;
        for (const PlannedChange &c : p.changes)
            texts << c.text;
        QCOMPARE(texts, changes);
        if (warning.isEmpty()) {
            QVERIFY2(p.warnings.isEmpty(), qPrintable(p.warnings.join(u'\n')));
        } else {
            QVERIFY2(std::any_of(p.warnings.cbegin(), p.warnings.cend(), [&](const QString &w) { return w.contains(warning); }),
                     qPrintable(p.warnings.join(u'\n')));
        }
        QCOMPARE(p.mayNeedForce, force);
        QCOMPARE(p.isNoOp(), noOp);
    }

    void refused_data()
    {
        QTest::addColumn<ControlAction>("action");
        QTest::addColumn<QString>("error");
        QTest::newRow("absent device") << make(ActionKind::BindDevice, "0000:77:00.0", -1, u"vfio-pci"_s)
                                       << u"there is no device 0000:77:00.0 on this host"_s;
        QTest::newRow("absent group") << make(ActionKind::BindGroup, nullptr, 99, u"vfio-pci"_s) << u"there is no IOMMU group 99 on this host"_s;
        QTest::newRow("no driver chosen") << make(ActionKind::BindDevice, "0000:08:00.0", -1, u"  "_s) << u"choose a driver"_s;
        QTest::newRow("VFs on a non-PF") << make(ActionKind::SetNumVfs, "0000:08:00.0", -1, {}, 1)
                                         << u"0000:08:00.0 is not an SR-IOV physical function"_s;
        QTest::newRow("VFs on a VF") << make(ActionKind::SetNumVfs, "0000:0a:00.2", -1, {}, 1)
                                     << u"0000:0a:00.2 is a VF; only its PF has SR-IOV controls"_s;
        QTest::newRow("too many VFs") << make(ActionKind::SetNumVfs, "0000:0a:00.0", -1, {}, 9) << u"0000:0a:00.0 supports 0 to 8 VFs, not 9"_s;
        QTest::newRow("negative VFs") << make(ActionKind::SetNumVfs, "0000:0a:00.0", -1, {}, -1) << u"0000:0a:00.0 supports 0 to 8 VFs, not -1"_s;
        QTest::newRow("autoprobe on a non-PF") << make(ActionKind::SetDriversAutoprobe, "0000:09:00.1", -1, {}, 0, true)
                                               << u"0000:09:00.1 is not an SR-IOV physical function"_s;
        QTest::newRow("reset without method") << make(ActionKind::ResetDevice, "0000:0b:00.1", -1, {})
                                              << u"0000:0b:00.1 has no reset method (reset_method is empty)"_s;
        QTest::newRow("rebind a bridge") << make(ActionKind::BindDevice, "0000:00:1c.0", -1, u"vfio-pci"_s)
                                         << u"0000:00:1c.0 is a bridge on pcieport; VFIO does not need it rebound"_s;
        QTest::newRow("restore a group never rebound") << make(ActionKind::RestoreGroup, nullptr, 15, {})
                                                       << u"no device of group 15 has a driver_override or a VFIO driver: nothing devtopo rebound"_s;
        QTest::newRow("restore what was never rebound") << make(ActionKind::RestoreDriver, "0000:08:00.0", -1, {})
                                                        << u"0000:08:00.0 has no driver_override and is not on a VFIO driver: nothing devtopo rebound"_s;
    }
    void refused()
    {
        QFETCH(ControlAction, action);
        QFETCH(QString, error);
        const ChangePlan p = planChange(m_t, action);
        QCOMPARE(p.error, error);
        QVERIFY(p.changes.isEmpty());
    }

    void suggestions_data()
    {
        QTest::addColumn<QString>("address");
        QTest::addColumn<QString>("driver");
        QTest::newRow("variant") << u"0000:0a:00.0"_s << u"mlx5_vfio_pci"_s;
        QTest::newRow("plain") << u"0000:08:00.1"_s << u"vfio-pci"_s;
    }
    void suggestions()
    {
        QFETCH(QString, address);
        QFETCH(QString, driver);
        const PciFunction *f = m_t.function(*PciAddress::parse(address));
        QCOMPARE(suggestedDriver(*f), driver);
        const QStringList list = candidateDrivers(m_t, *f);
        QCOMPARE(list.first(), driver);
        QVERIFY(list.contains(u"vfio-pci"_s) && list.contains(u"pci-stub"_s) && list.contains(u"snd_hda_intel"_s));
        QCOMPARE(list.count(u"vfio-pci"_s), 1);
    }
    void groupSuggestion()
    {
        QCOMPARE(suggestedGroupDriver(m_t, 20), u"mlx5_vfio_pci"_s); // the PF alone
        QCOMPARE(suggestedGroupDriver(m_t, 15), u"vfio-pci"_s);
    }
    void vfAddresses()
    {
        const PciFunction *pf = m_t.function(pa("0000:0a:00.0"));
        QCOMPARE(predictedVfAddress(*pf, 0)->toString(), u"0000:0a:00.2"_s);
        QCOMPARE(predictedVfAddress(*pf, 6)->toString(), u"0000:0a:01.0"_s);
        PciFunction noOffset = *pf;
        noOffset.sriov.vfOffset = -1;
        QVERIFY(!predictedVfAddress(noOffset, 0));
    }
};

QTEST_GUILESS_MAIN(TestChangePlanner)
#include "tst_changeplanner.moc"
