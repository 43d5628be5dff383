// The window's device migration end to end against the real demo helper (devtopo-helper --demo on
// a peer connection): "Migrate device…" is offered for the mlx5_vfio_pci VF and refused, with the
// reason, for a device on ahci; the VF opens in the Device migration dock; a walk RUNNING ->
// STOP_COPY while the helper is paused keeps the event loop turning (a 10 ms timer ticks), the
// buttons wait and the helper's steps show; STOP_COPY -> PRE_COPY is refused as text without a
// call; the state is saved to a file and loaded into a second VF bound to mlx5_vfio_pci (after a
// corrupted copy is refused), which then runs; choosing another device closes the first one's
// handles (it opens again afterwards). Screenshot of the window with the dock.

#include "actiondialog.h"
#include "actionlogmodel.h"
#include "controlaction.h"
#include "controlclient.h"
#include "dbusdevicemigrationclient.h"
#include "devicemigrationdock.h"
#include "devicemigrationpanel.h"
#include "mainwindow.h"
#include "migrationstate.h"
#include "screenshots.h"

#include <QAction>
#include <QComboBox>
#include <QDockWidget>
#include <QFile>
#include <QMenu>
#include <QPointer>
#include <QPushButton>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

#include <csignal>

using namespace Qt::StringLiterals;
using namespace devtopo;

class TestDeviceMigrationWindow : public QObject
{
    Q_OBJECT
    std::unique_ptr<gui::MainWindow> m_w;
    QTemporaryDir m_out;
    QString m_src; // the demo's mlx5_vfio_pci VF
    QString m_dst; // a VF without a driver, bound to mlx5_vfio_pci here

    QAction *menuEntry(const QString &name)
    {
        QMenu *menu = m_w->actionsMenu();
        Q_EMIT menu->aboutToShow(); // what a user opening the menu gets
        return menu->findChild<QAction *>(name);
    }
    int groupOf(const QString &address) const
    {
        const PciFunction *f = m_w->topology().function(*PciAddress::parse(address));
        return f && f->iommuGroup ? *f->iommuGroup : -1;
    }
    // Selects the device, triggers Actions → Migrate device… and waits for the dock's panel.
    devmig::DeviceMigrationPanel *open(const QString &address)
    {
        m_w->selectFunction(*PciAddress::parse(address));
        QAction *migrate = menuEntry(u"migrateDevice"_s);
        if (!migrate || !migrate->isEnabled()) {
            qWarning() << "Migrate device not offered:" << (migrate ? migrate->toolTip() : u"(missing)"_s);
            return nullptr;
        }
        QSignalSpy opened(m_w.get(), &gui::MainWindow::deviceMigrationOpened);
        migrate->trigger();
        if (!QTest::qWaitFor([&] { return opened.size() == 1; }, 15000) || !opened.first().at(1).toBool()) {
            qWarning() << "open:" << (opened.isEmpty() ? u"no answer"_s : opened.first().at(2).toString());
            return nullptr;
        }
        devmig::DeviceMigrationPanel *panel = m_w->deviceMigrationDock()->panel();
        if (!panel || !QTest::qWaitFor([&] { return panel->hasStatus(); }, 10000))
            return nullptr;
        return panel;
    }
    // Sends a move/save/load through the panel and waits for its answer.
    bool answered(devmig::DeviceMigrationPanel *panel, const std::function<bool()> &send, bool wantOk = true)
    {
        QSignalSpy finished(panel, &devmig::DeviceMigrationPanel::finished);
        if (!send())
            return false;
        if (!QTest::qWaitFor([&] { return finished.size() == 1; }, 30000))
            return false;
        if (finished.first().at(1).toBool() != wantOk)
            qWarning() << "answer:" << finished.first().at(2).toString();
        return finished.first().at(1).toBool() == wantOk;
    }
    QString stateOf(devmig::DeviceMigrationPanel *panel) const
    {
        return vfiomig::stateName(vfiomig::State(panel->status().state));
    }

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        m_w = std::make_unique<gui::MainWindow>();
        m_w->resize(1600, 1000);
        m_w->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_w.get()));
        QSignalSpy loaded(m_w.get(), &gui::MainWindow::topologyLoaded);
        QString error;
        QVERIFY2(m_w->startDemoHelper(QStringLiteral(DEVTOPO_HELPER_BIN), &error), qPrintable(error));
        QTRY_VERIFY_WITH_TIMEOUT(loaded.size() == 1, 60000);
        QTRY_VERIFY_WITH_TIMEOUT(!m_w->isScanning(), 10000);
        for (const PciFunction &f : m_w->topology().functions) {
            if (m_src.isEmpty() && vfiomig::driverMigrationCaps(f.driver).flags)
                m_src = f.address.toString();
            if (m_dst.isEmpty() && f.isVf() && f.driver.isEmpty())
                m_dst = f.address.toString();
        }
        QCOMPARE(m_src, u"0000:af:00.4"_s);
        QVERIFY(!m_dst.isEmpty());
    }

    void dockIsInTheViewMenuAndSaysWhyNothingIsShown()
    {
        QDockWidget *dock = nullptr;
        for (QDockWidget *d : m_w->docks())
            if (d->widget() == m_w->deviceMigrationDock())
                dock = d;
        QVERIFY(dock);
        QCOMPARE(dock->objectName(), u"deviceMigrationDock"_s);
        QCOMPARE(dock->windowTitle(), u"Device migration"_s);
        // A device on a driver without migration: the entry is off and says why, so does the dock.
        const PciFunction *ahci = nullptr;
        for (const PciFunction &f : m_w->topology().functions)
            if (f.driver == u"ahci"_s && f.iommuGroup) {
                ahci = &f;
                break;
            }
        QVERIFY(ahci);
        const QString a = ahci->address.toString();
        m_w->selectFunction(ahci->address);
        QAction *migrate = menuEntry(u"migrateDevice"_s);
        QVERIFY(migrate);
        QVERIFY(!migrate->isEnabled());
        QCOMPARE(migrate->toolTip(), u"%1 is on ahci: no VFIO migration driver"_s.arg(a));
        QVERIFY(m_w->deviceMigrationDock()->isNoteShown());
        QCOMPARE(m_w->deviceMigrationDock()->noteText(), u"Nothing to show: %1 is on ahci: no VFIO migration driver."_s.arg(a));
        // The capable VF: offered, and the dock says how to open it.
        m_w->selectFunction(*PciAddress::parse(m_src));
        migrate = menuEntry(u"migrateDevice"_s);
        QVERIFY(migrate && migrate->isEnabled());
        QVERIFY2(m_w->deviceMigrationDock()->noteText().contains(u"mlx5_vfio_pci, which migrates"_s),
                 qPrintable(m_w->deviceMigrationDock()->noteText()));
    }

    void walkWhileTheHelperIsPausedKeepsTheWindowResponsive()
    {
        devmig::DeviceMigrationPanel *panel = open(m_src);
        QVERIFY(panel);
        QCOMPARE(stateOf(panel), u"RUNNING"_s);
        QVERIFY(panel->statusText().contains(u"migration flags STOP_COPY|P2P|PRE_COPY"_s));
        QVERIFY(m_w->deviceMigrationDock()->isVisible());

        // What the panel shows at each step the helper reports.
        QStringList shown;
        connect(m_w->deviceMigrationClient(), &devmig::DeviceMigrationClient::progress, panel,
                [&shown, panel] { shown << panel->progressText(); });
        const qint64 pid = m_w->controlClient()->demoHelperPid();
        QVERIFY(pid > 0);
        QTRY_VERIFY(!panel->isPolling());
        QCOMPARE(::kill(pid_t(pid), SIGSTOP), 0);
        auto resume = qScopeGuard([pid] { ::kill(pid_t(pid), SIGCONT); });
        int ticks = 0;
        QTimer tick;
        tick.setInterval(10);
        connect(&tick, &QTimer::timeout, this, [&ticks] { ++ticks; });
        tick.start();
        QSignalSpy finished(panel, &devmig::DeviceMigrationPanel::finished);
        QVERIFY(panel->moveTo(u"STOP_COPY"_s)); // returns at once: the answer comes later
        QVERIFY(panel->isBusy());
        auto *move = panel->findChild<QPushButton *>(u"moveButton"_s);
        QVERIFY(!move->isEnabled());
        QVERIFY(!panel->findChild<QPushButton *>(u"saveButton"_s)->isEnabled());
        QVERIFY(panel->progressText().startsWith(u"Walking RUNNING -> RUNNING_P2P -> STOP -> STOP_COPY"_s));
        const int polls = panel->pollsSent();
        QTest::qWait(400);
        QVERIFY2(ticks >= 10, qPrintable(QString::number(ticks))); // about 40 unless the loop stalls
        QVERIFY(panel->isBusy());
        QCOMPARE(finished.size(), 0);
        QCOMPARE(panel->pollsSent(), polls); // no poll queued behind the walk
        resume.dismiss();
        QCOMPARE(::kill(pid_t(pid), SIGCONT), 0);
        QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 15000);
        QVERIFY2(finished.first().at(1).toBool(), qPrintable(finished.first().at(2).toString()));
        QCOMPARE(stateOf(panel), u"STOP_COPY"_s);
        QVERIFY(move->isEnabled() || !panel->findChild<QComboBox *>()->currentText().isEmpty());
        QVERIFY(panel->findChild<QPushButton *>(u"saveButton"_s)->isEnabled());
        QCOMPARE(shown.value(0), u"step 1 of 3: RUNNING -> RUNNING_P2P"_s);
        QCOMPARE(shown.value(1), u"step 2 of 3: RUNNING_P2P -> STOP"_s);
        QCOMPARE(shown.value(2), u"step 3 of 3: STOP -> STOP_COPY"_s);
        QCOMPARE(shown.value(3), u"%1 is in STOP_COPY"_s.arg(m_src));
        QVERIFY2(panel->messageText().startsWith(u"Walked %1: RUNNING -> RUNNING_P2P"_s.arg(m_src)), qPrintable(panel->messageText()));
        // The walk is in the actions log too.
        const control::ActionLogModel *log = m_w->actionLog();
        bool logged = false;
        for (int i = 0; i < log->rowCount(); ++i)
            for (int c = 0; c < log->columnCount(); ++c)
                logged |= log->index(i, c).data().toString().contains(u"Device migration of %1: move"_s.arg(m_src));
        QVERIFY(logged);
    }

    void refusedArcIsSaidWithoutACall()
    {
        devmig::DeviceMigrationPanel *panel = m_w->deviceMigrationDock()->panel();
        QVERIFY(panel);
        QCOMPARE(stateOf(panel), u"STOP_COPY"_s);
        QSignalSpy busy(panel, &devmig::DeviceMigrationPanel::busyChanged);
        QSignalSpy progress(m_w->deviceMigrationClient(), &devmig::DeviceMigrationClient::progress);
        auto *combo = panel->findChild<QComboBox *>();
        combo->setCurrentText(u"PRE_COPY"_s);
        QVERIFY(!panel->findChild<QPushButton *>(u"moveButton"_s)->isEnabled());
        QVERIFY2(panel->plannedPathText().contains(u"STOP_COPY -> PRE_COPY"_s), qPrintable(panel->plannedPathText()));
        QVERIFY(!panel->moveTo(u"PRE_COPY"_s));
        QVERIFY2(panel->messageText().startsWith(u"Not sent: "_s), qPrintable(panel->messageText()));
        QVERIFY(panel->messageText().contains(u"STOP_COPY -> PRE_COPY"_s));
        QTest::qWait(200);
        QCOMPARE(busy.size(), 0);
        QCOMPARE(progress.size(), 0);
        QCOMPARE(stateOf(panel), u"STOP_COPY"_s);
    }

    void saveAndScreenshot()
    {
        devmig::DeviceMigrationPanel *panel = m_w->deviceMigrationDock()->panel();
        QVERIFY(panel);
        const QString file = m_out.filePath(u"vf.dtstate"_s);
        QVERIFY(answered(panel, [&] { return panel->saveTo(file); }));
        QVERIFY(QFileInfo(file).size() > 64);
        QVERIFY2(panel->messageText().contains(u"SHA-256"_s), qPrintable(panel->messageText()));
        QTRY_VERIFY_WITH_TIMEOUT(panel->samples().size() >= 4, 5000);
        panel->findChild<QComboBox *>()->setCurrentText(u"RESUMING"_s); // a long planned path
        QVERIFY(test::saveScreenshot(m_w.get(), u"devicemigration-window"_s));
    }

    void loadIntoAnotherVf()
    {
        // A second capable device: a driverless VF bound to mlx5_vfio_pci through the window.
        control::ControlAction bind;
        bind.kind = control::ActionKind::BindDevice;
        bind.address = *PciAddress::parse(m_dst);
        bind.driver = u"mlx5_vfio_pci"_s;
        QSignalSpy finished(m_w.get(), &gui::MainWindow::actionFinished);
        QSignalSpy loaded(m_w.get(), &gui::MainWindow::topologyLoaded);
        views::ActionDialog *d = m_w->requestAction(bind);
        QVERIFY(d);
        QTest::mouseClick(d->applyButton(), Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 30000);
        QVERIFY(finished.first().at(1).toBool());
        QTRY_VERIFY_WITH_TIMEOUT(loaded.size() >= 1 && !m_w->isScanning(), 60000);
        QTest::qWait(300);
        QTRY_VERIFY_WITH_TIMEOUT(!m_w->isScanning(), 60000);
        QCOMPARE(m_w->topology().function(*PciAddress::parse(m_dst))->driver, u"mlx5_vfio_pci"_s);
        // The rescan left the source's panel alone.
        QVERIFY(m_w->deviceMigrationDock()->panel());
        QCOMPARE(m_w->deviceMigrationClient()->device(), m_src);

        // Choosing it closes the source's handles first.
        QPointer<devmig::DBusDeviceMigrationClient> before = m_w->deviceMigrationClient();
        devmig::DeviceMigrationPanel *panel = open(m_dst);
        QVERIFY(panel);
        QTRY_VERIFY(before.isNull());
        QCOMPARE(m_w->deviceMigrationClient()->device(), m_dst);
        QCOMPARE(stateOf(panel), u"RUNNING"_s);
        QVERIFY(answered(panel, [&] { return panel->moveTo(u"RESUMING"_s); }));
        QCOMPARE(stateOf(panel), u"RESUMING"_s);
        QVERIFY(panel->findChild<QPushButton *>(u"loadButton"_s)->isEnabled());

        // A copy with one byte changed: refused, said, nothing written.
        QFile good(m_out.filePath(u"vf.dtstate"_s));
        QVERIFY(good.open(QIODevice::ReadOnly));
        QByteArray bytes = good.readAll();
        bytes[bytes.size() - 10] = char(bytes[bytes.size() - 10] ^ 0x5a);
        QFile bad(m_out.filePath(u"corrupt.dtstate"_s));
        QVERIFY(bad.open(QIODevice::WriteOnly));
        bad.write(bytes);
        bad.close();
        QVERIFY(answered(panel, [&] { return panel->loadFrom(bad.fileName()); }, false));
        QVERIFY2(panel->messageText().contains(u"SHA-256"_s, Qt::CaseInsensitive) || panel->messageText().contains(u"checksum"_s),
                 qPrintable(panel->messageText()));
        QCOMPARE(stateOf(panel), u"RESUMING"_s);

        QVERIFY(answered(panel, [&] { return panel->loadFrom(good.fileName()); }));
        QVERIFY2(panel->messageText().startsWith(u"Loaded "_s), qPrintable(panel->messageText()));
        QVERIFY(answered(panel, [&] { return panel->moveTo(u"RUNNING"_s); }));
        QCOMPARE(stateOf(panel), u"RUNNING"_s);

        // The source's handles were closed: it opens again (an open handle would answer EBUSY).
        QVERIFY(open(m_src));
        QCOMPARE(m_w->deviceMigrationClient()->device(), m_src);
    }

    void closingTheWindowClosesTheHandles()
    {
        QPointer<devmig::DBusDeviceMigrationClient> client = m_w->deviceMigrationClient();
        QVERIFY(client);
        m_w->close();
        QVERIFY(!m_w->deviceMigrationClient());
        QTRY_VERIFY(client.isNull());
        QVERIFY(m_w->deviceMigrationDock()->isNoteShown());
    }

    void cleanupTestCase()
    {
        m_w.reset();
    }
};

QTEST_MAIN(TestDeviceMigrationWindow)
#include "tst_devicemigrationwindow.moc"
