// The device-migration panel against the demo helper on a private bus: the mlx5_vfio_pci VF's
// diagram and path, a walk to PRE_COPY with the chart filling from polled samples, a save; a
// screenshot is written for a look.

#include "dbusdevicemigrationclient.h"
#include "devicemigrationpanel.h"
#include "helperproxy.h"
#include "migrationstatediagram.h"

#include <QDBusConnection>
#include <QDBusConnectionInterface>
#include <QComboBox>
#include <QDir>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace devtopo;

class TestDeviceMigrationPanel : public QObject
{
    Q_OBJECT
    QProcess m_bus, m_helper;
    QTemporaryDir m_tree;

private Q_SLOTS:
    void panelOverTheDemoHelper()
    {
        m_bus.start(u"dbus-daemon"_s, {u"--session"_s, u"--nofork"_s, u"--nopidfile"_s, u"--print-address=1"_s});
        if (!m_bus.waitForStarted(5000))
            QSKIP("no dbus-daemon");
        QVERIFY(m_bus.waitForReadyRead(5000));
        const QString address = QString::fromUtf8(m_bus.readLine()).trimmed();
        m_helper.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        m_helper.start(QStringLiteral(DEVTOPO_HELPER_BIN), {u"--demo"_s, u"--address"_s, address, u"--authority"_s, u"allow"_s, u"--demo-root"_s, m_tree.path()});
        QVERIFY(m_helper.waitForStarted(5000));
        QDBusConnection bus = QDBusConnection::connectToBus(address, u"panel"_s);
        QTRY_VERIFY_WITH_TIMEOUT(bus.interface()->isServiceRegistered(u"io.github.devtopo.Helper1"_s), 15000);
        IoGithubDevtopoHelper1Interface helper(u"io.github.devtopo.Helper1"_s, u"/io/github/devtopo/Helper1"_s, bus);
        // The VF's group: the demo tree says it.
        const QString link = QFileInfo(m_tree.path() + u"/current/sys/bus/pci/devices/0000:af:00.4/iommu_group"_s).symLinkTarget();
        const int group = QFileInfo(link).fileName().toInt();
        QVERIFY(group > 0);
        {
            devmig::DBusDeviceMigrationClient client(&helper);
            QCOMPARE(client.open(group, u"0000:af:00.4"_s), QString());
            devmig::DeviceMigrationPanel panel(&client);
            panel.setPollInterval(100);
            panel.resize(760, 760);
            panel.show();
            QVERIFY(QTest::qWaitForWindowExposed(&panel));
            QVERIFY2(panel.statusText().contains(u"RUNNING, migration flags STOP_COPY|P2P|PRE_COPY"_s), qPrintable(panel.statusText()));
            QVERIFY(panel.moveTo(u"PRE_COPY"_s));
            QVERIFY(panel.statusText().contains(u": PRE_COPY,"_s));
            QTRY_VERIFY_WITH_TIMEOUT(std::count_if(panel.samples().cbegin(), panel.samples().cend(),
                                                   [](const devmig::PrecopySample &s) { return s.precopy; }) >= 5, 5000);
            const devmig::PrecopySample last = panel.samples().last();
            QVERIFY(last.initialBytes > (quint64(2) << 20));
            QVERIFY(last.stopCopyBytes >= last.initialBytes);
            // The planned path for a target is what the kernel would walk.
            auto *combo = panel.findChild<QComboBox *>();
            QVERIFY(combo);
            combo->setCurrentText(u"RESUMING"_s);
            QVERIFY2(panel.plannedPathText().startsWith(u"PRE_COPY -> RUNNING -> RUNNING_P2P -> STOP -> RESUMING"_s), qPrintable(panel.plannedPathText()));
            combo->setCurrentText(u"STOP_COPY"_s);
            QVERIFY(panel.moveTo(u"STOP_COPY"_s));
            QTemporaryDir out;
            QVERIFY(panel.saveTo(out.filePath(u"vf.dtstate"_s)));
            QVERIFY(QFileInfo(out.filePath(u"vf.dtstate"_s)).size() > 64);
            combo->setCurrentText(u"PRE_COPY"_s);
            QVERIFY(panel.plannedPathText().contains(u"blocked"_s));
            const QString shot = QDir::temp().filePath(u"devtopo-devicemigration-panel.png"_s);
            QVERIFY(panel.grab().save(shot));
            qInfo() << "screenshot:" << shot;
        }
        m_helper.terminate();
        m_helper.waitForFinished(5000);
        m_bus.terminate();
        m_bus.waitForFinished(5000);
    }
};

QTEST_MAIN(TestDeviceMigrationPanel)
#include "tst_devicemigrationpanel.moc"
