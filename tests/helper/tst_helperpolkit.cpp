// devtopo-helper against the REAL polkitd (issue #5; tst_helperdbus covers the stand-in authority).
//
// A private system-like bus (its own dbus-daemon config in a temp dir: type system, the helper's
// bus policy and polkit's, nothing from /run/dbus), the real polkitd on it, devtopo-helper --demo
// on it with no --authority (so it asks polkit, exactly as on the system bus). polkitd only reads
// actions from /usr/share/polkit-1/actions and rules from /etc/polkit-1/rules.d and
// /usr/share/polkit-1/rules.d, with no option to look elsewhere, so it runs in its own mount
// namespace where those three directories are bind mounts of temp dirs: our policy file only and
// no rules at all, so the machine's local rules cannot change the answer and nothing on the
// machine is touched. Where a mount namespace cannot be made, the policy file is installed into
// /usr/share/polkit-1/actions for the test's duration (only if absent) and removed afterwards.
//
// Needs root (to own the helper's name, to start polkitd, to switch to `nobody`), polkitd,
// dbus-daemon and dbus-send; skips with the reason otherwise.

#include "scanner.h"
#include "snapshot.h"

#include <QDBusConnection>
#include <QDBusConnectionInterface>
#include <QDBusMessage>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonDocument>
#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

using namespace Qt::StringLiterals;
using namespace devtopo;

namespace {

const QString kService = u"io.github.devtopo.Helper1"_s;
const QString kPath = u"/io/github/devtopo/Helper1"_s;
const QString kInterface = u"io.github.devtopo.Helper1"_s;
const QString kNotAuthorized = u"io.github.devtopo.Error.NotAuthorized"_s;
const QString kPolkitd = u"/usr/lib/polkit-1/polkitd"_s;
const QString kActionsDir = u"/usr/share/polkit-1/actions"_s;
const QString kPolicyName = u"io.github.devtopo.policy"_s;
const QString kPolicySource = QStringLiteral(DEVTOPO_SOURCE_DIR "/resources/polkit/io.github.devtopo.policy");
const QString kHelperBusPolicy = QStringLiteral(DEVTOPO_SOURCE_DIR "/resources/dbus/io.github.devtopo.Helper1.conf");
const QString kPolkitBusPolicy = u"/usr/share/dbus-1/system.d/org.freedesktop.PolicyKit1.conf"_s;

// Every method, with arguments dbus-send can write, and the polkit action it needs. Handles and
// groups need not exist: authorisation comes before anything else. SaveState/LoadState take a
// file descriptor, which dbus-send cannot send; they go through the same authorized() check
// (and tst_helperdbus refuses them with the stand-in).
struct Call
{
    const char *method;
    const char *action;
    QStringList args;
};

QList<Call> everyMethod()
{
    const QString dev = u"string:0000:1b:00.0"_s, pf = u"string:0000:3b:00.0"_s, h1 = u"uint32:1"_s, h2 = u"uint32:2"_s;
    const QString iova = u"uint64:1048576"_s, size = u"uint64:2097152"_s;
    return {
        {"BindDriver", "bind", {dev, u"string:vfio-pci"_s, u"boolean:false"_s}},
        {"BindGroup", "bind", {u"int32:16"_s, u"string:vfio-pci"_s, u"boolean:false"_s}},
        {"RestoreDriver", "bind", {dev}},
        {"PersistOverride", "bind", {dev, u"string:vfio-pci"_s}},
        {"RemoveOverride", "bind", {dev}},
        {"ResetDevice", "bind", {dev, u"boolean:false"_s}},
        {"SetNumVfs", "sriov", {pf, u"int32:2"_s}},
        {"SetDriversAutoprobe", "sriov", {pf, u"boolean:false"_s}},
        {"SetVfToken", "vfio", {u"string:0000:3b:00.1"_s, u"string:bd8d9d2b-5a5f-4f5a-a211-f591514ba1f3"_s}},
        {"OpenDevice", "vfio", {u"string:0000:1c:00.0"_s, u"string:"_s}},
        {"OpenGroup", "vfio", {u"int32:17"_s}},
        {"DmaBackends", "vfio", {u"int32:17"_s}},
        {"OpenGroupWith", "vfio", {u"int32:17"_s, u"string:iommufd"_s}},
        {"DmaBackendInfo", "vfio", {h1}},
        {"GroupInfo", "vfio", {h1}},
        {"MapDma", "vfio", {h1, iova, size, u"boolean:false"_s}},
        {"UnmapDma", "vfio", {h1, iova, size}},
        {"CloseGroup", "vfio", {h1}},
        {"DirtyStart", "migration", {h1}},
        {"DirtyBitmap", "migration", {h1, iova, size}},
        {"DirtyStop", "migration", {h1}},
        {"OpenMigrationDevice", "migration", {h1, u"string:0000:af:00.4"_s}},
        {"CloseMigrationDevice", "migration", {h2}},
        {"MigrationInfo", "migration", {h2}},
        {"SetMigrationState", "migration", {h2, u"string:STOP"_s}},
        {"ResetMigrationDevice", "migration", {h2}},
        {"PrecopyInfo", "migration", {h2}},
        {"ReadPrecopy", "migration", {h2, u"uint64:4096"_s}},
        {"StopCopySize", "migration", {h2}},
        {"DmaLoggingStart", "migration", {h2, u"array:uint64:1048576,1048576"_s, u"uint64:4096"_s}},
        {"DmaLoggingReport", "migration", {h2, u"uint64:1048576"_s, u"uint64:1048576"_s, u"uint64:4096"_s}},
        {"DmaLoggingStop", "migration", {h2}},
    };
}

// Children die with the test even if it crashes (polkitd drops this when it switches user, but it
// exits when its bus goes away).
void dieWithParent()
{
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
}

void stop(QProcess &p)
{
    if (p.state() == QProcess::NotRunning)
        return;
    p.terminate();
    if (!p.waitForFinished(3000)) {
        p.kill();
        p.waitForFinished(3000);
    }
}

} // namespace

class TestHelperPolkit : public QObject
{
    Q_OBJECT

    QElapsedTimer m_clock;
    std::unique_ptr<QTemporaryDir> m_dir;
    QString m_address;
    QProcess m_bus, m_polkitd, m_helper;
    QString m_installedPolicy; // fallback only: the file this test put into /usr/share/polkit-1/actions
    QString m_connName = u"tst_helperpolkit"_s;
    uid_t m_nobodyUid = 0;
    gid_t m_nobodyGid = 0;
    QString m_dbusSend;

    QDBusConnection bus() const { return QDBusConnection(m_connName); }

    bool waitForName(const QString &name, QProcess &owner)
    {
        for (int i = 0; i < 200; ++i) {
            if (bus().interface()->isServiceRegistered(name))
                return true;
            if (owner.state() == QProcess::NotRunning)
                return false;
            QTest::qWait(25);
        }
        return false;
    }

    QString scanJson() const
    {
        ScanOptions o;
        o.root = m_dir->path() + u"/tree/current"_s;
        Topology t = scanHost(o);
        t.source.clear();
        return QString::fromUtf8(QJsonDocument(topologyToJson(t)).toJson(QJsonDocument::Compact));
    }

    // One method call by `nobody`: dbus-send in a child that drops to nobody before exec.
    // Returns dbus-send's stderr (its error line) or "OK" when it got a reply.
    QString callAsNobody(const Call &c)
    {
        QProcess p;
        const uid_t uid = m_nobodyUid;
        const gid_t gid = m_nobodyGid;
        p.setChildProcessModifier([uid, gid] {
            dieWithParent();
            if (::setgroups(0, nullptr) != 0 || ::setgid(gid) != 0 || ::setuid(uid) != 0)
                ::_exit(111);
        });
        QStringList args{u"--bus="_s + m_address, u"--print-reply"_s, u"--reply-timeout=20000"_s, u"--dest="_s + kService, kPath,
                         kInterface + u'.' + QString::fromLatin1(c.method)};
        args += c.args;
        p.start(m_dbusSend, args);
        if (!p.waitForFinished(25000))
            return u"dbus-send did not finish"_s;
        if (p.exitCode() == 111)
            return u"could not switch to nobody"_s;
        return p.exitCode() == 0 ? u"OK"_s : QString::fromLocal8Bit(p.readAllStandardError()).trimmed();
    }

    QDBusMessage callAsRoot(const QString &method, const QVariantList &args) const
    {
        QDBusMessage m = QDBusMessage::createMethodCall(kService, kPath, kInterface, method);
        m.setArguments(args);
        return bus().call(m, QDBus::Block, 20000);
    }

    static bool writeFile(const QString &path, const QByteArray &data)
    {
        QFile f(path);
        return f.open(QIODevice::WriteOnly | QIODevice::Truncate) && f.write(data) == data.size();
    }

    // polkitd in a mount namespace whose polkit dirs are our temp dirs. False if this machine
    // cannot make one (no unshare, no CAP_SYS_ADMIN in a container, ...).
    bool startPolkitdIsolated()
    {
        const QString unshare = QStandardPaths::findExecutable(u"unshare"_s);
        if (unshare.isEmpty())
            return false;
        const QString d = m_dir->path();
        // $1.. are passed as arguments, so odd characters in the temp path cannot break the script.
        const QString script = u"mount --bind \"$1\" /usr/share/polkit-1/actions"
                               u" && mount --bind \"$2\" /etc/polkit-1/rules.d"
                               u" && mount --bind \"$2\" /usr/share/polkit-1/rules.d"
                               u" && [ -f /usr/share/polkit-1/actions/io.github.devtopo.policy ] || exit 97\n"
                               u"exec \"$3\" --no-debug"_s;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(u"DBUS_SYSTEM_BUS_ADDRESS"_s, m_address);
        m_polkitd.setProcessEnvironment(env);
        m_polkitd.setChildProcessModifier(dieWithParent);
        m_polkitd.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        m_polkitd.start(unshare, {u"--mount"_s, u"--propagation"_s, u"private"_s, u"--"_s, u"sh"_s, u"-c"_s, script, u"sh"_s,
                                  d + u"/actions"_s, d + u"/rules"_s, kPolkitd});
        return waitForName(u"org.freedesktop.PolicyKit1"_s, m_polkitd);
    }

    // Fallback: the machine's actions dir, with our file added for the test's duration.
    bool startPolkitdInstalled()
    {
        const QString target = kActionsDir + u'/' + kPolicyName;
        if (!QFile::exists(target)) {
            if (!QFile::copy(kPolicySource, target))
                return false;
            m_installedPolicy = target;
        }
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(u"DBUS_SYSTEM_BUS_ADDRESS"_s, m_address);
        m_polkitd.setProcessEnvironment(env);
        m_polkitd.setChildProcessModifier(dieWithParent);
        m_polkitd.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        m_polkitd.start(kPolkitd, {u"--no-debug"_s});
        return waitForName(u"org.freedesktop.PolicyKit1"_s, m_polkitd);
    }

    void tearDown()
    {
        QDBusConnection::disconnectFromBus(m_connName);
        stop(m_helper);
        stop(m_polkitd);
        stop(m_bus);
        if (!m_installedPolicy.isEmpty()) {
            QFile::remove(m_installedPolicy);
            m_installedPolicy.clear();
        }
        m_dir.reset();
    }

public:
    ~TestHelperPolkit() override { tearDown(); }

private Q_SLOTS:
    void initTestCase()
    {
        m_clock.start();
        if (::geteuid() != 0)
            QSKIP("needs root: to own io.github.devtopo.Helper1, start polkitd and call as nobody");
        if (!QFileInfo(kPolkitd).isExecutable())
            QSKIP("polkitd is not installed (/usr/lib/polkit-1/polkitd)");
        if (QStandardPaths::findExecutable(u"dbus-daemon"_s).isEmpty())
            QSKIP("dbus-daemon is not installed");
        m_dbusSend = QStandardPaths::findExecutable(u"dbus-send"_s);
        if (m_dbusSend.isEmpty())
            QSKIP("dbus-send is not installed");
        if (!QFile::exists(kPolkitBusPolicy))
            QSKIP("polkit's bus policy is missing (/usr/share/dbus-1/system.d/org.freedesktop.PolicyKit1.conf)");
        const passwd *nobody = ::getpwnam("nobody");
        if (!nobody || nobody->pw_uid == 0)
            QSKIP("no user 'nobody' to call as");
        m_nobodyUid = nobody->pw_uid;
        m_nobodyGid = nobody->pw_gid;
        if (!::getpwnam("polkitd"))
            QSKIP("no user 'polkitd' (polkitd switches to it)");

        m_dir = std::make_unique<QTemporaryDir>();
        QVERIFY(m_dir->isValid());
        const QString d = m_dir->path();
        // nobody must reach the bus socket in here.
        QVERIFY(QFile::setPermissions(d, QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner
                                                 | QFileDevice::ReadGroup | QFileDevice::ExeGroup | QFileDevice::ReadOther
                                                 | QFileDevice::ExeOther));
        QVERIFY(QDir(d).mkpath(u"actions"_s) && QDir(d).mkpath(u"rules"_s) && QDir(d).mkpath(u"tree"_s));
        QVERIFY(QFile::copy(kPolicySource, d + u"/actions/"_s + kPolicyName));

        // Like /usr/share/dbus-1/system.conf's default policy (deny owning and calling unless a
        // policy file allows it), plus the helper's and polkit's own policy files.
        const QByteArray config = QByteArray(
            "<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN\"\n"
            " \"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">\n"
            "<busconfig>\n"
            "  <type>system</type>\n"
            "  <listen>unix:path=@DIR@/system_bus_socket</listen>\n"
            "  <auth>EXTERNAL</auth>\n"
            "  <policy context=\"default\">\n"
            "    <allow user=\"*\"/>\n"
            "    <deny own=\"*\"/>\n"
            "    <deny send_type=\"method_call\"/>\n"
            "    <allow send_type=\"signal\"/>\n"
            "    <allow send_requested_reply=\"true\" send_type=\"method_return\"/>\n"
            "    <allow send_requested_reply=\"true\" send_type=\"error\"/>\n"
            "    <allow receive_type=\"method_call\"/>\n"
            "    <allow receive_type=\"method_return\"/>\n"
            "    <allow receive_type=\"error\"/>\n"
            "    <allow receive_type=\"signal\"/>\n"
            "    <allow send_destination=\"org.freedesktop.DBus\" send_interface=\"org.freedesktop.DBus\"/>\n"
            "    <allow send_destination=\"org.freedesktop.DBus\" send_interface=\"org.freedesktop.DBus.Introspectable\"/>\n"
            "    <allow send_destination=\"org.freedesktop.DBus\" send_interface=\"org.freedesktop.DBus.Properties\"/>\n"
            "    <deny send_destination=\"org.freedesktop.DBus\" send_interface=\"org.freedesktop.DBus\" send_member=\"UpdateActivationEnvironment\"/>\n"
            "  </policy>\n"
            "  <include>@HELPER@</include>\n"
            "  <include>@POLKIT@</include>\n"
            "</busconfig>\n")
                                         .replace("@DIR@", d.toUtf8())
                                         .replace("@HELPER@", kHelperBusPolicy.toUtf8())
                                         .replace("@POLKIT@", kPolkitBusPolicy.toUtf8());
        QVERIFY(writeFile(d + u"/bus.conf"_s, config));

        m_bus.setChildProcessModifier(dieWithParent);
        m_bus.start(u"dbus-daemon"_s, {u"--config-file="_s + d + u"/bus.conf"_s, u"--nofork"_s, u"--nopidfile"_s, u"--print-address=1"_s});
        QVERIFY(m_bus.waitForStarted(5000));
        QVERIFY(m_bus.waitForReadyRead(10000));
        m_address = QString::fromLocal8Bit(m_bus.readLine().trimmed());
        QVERIFY(!m_address.isEmpty());
        QVERIFY(QDBusConnection::connectToBus(m_address, m_connName).isConnected());

        if (!startPolkitdIsolated()) {
            qInfo("no mount namespace for polkitd here; installing %s for the test's duration", qPrintable(kPolicyName));
            stop(m_polkitd);
            QVERIFY2(startPolkitdInstalled(), "polkitd did not take org.freedesktop.PolicyKit1 on the private bus");
        }

        // No --authority: the helper asks polkit, as on the system bus.
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(u"DBUS_SYSTEM_BUS_ADDRESS"_s, m_address);
        m_helper.setProcessEnvironment(env);
        m_helper.setChildProcessModifier(dieWithParent);
        m_helper.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        m_helper.start(QStringLiteral(DEVTOPO_HELPER_BIN), {u"--demo"_s, u"--address"_s, m_address, u"--demo-root"_s, d + u"/tree"_s});
        QVERIFY(waitForName(kService, m_helper));
        qInfo("set up in %lld ms", m_clock.elapsed());
    }

    void cleanupTestCase()
    {
        tearDown();
        qInfo("whole test %lld ms", m_clock.elapsed());
    }

    // The policy's defaults: allow_any=no, allow_inactive=no, allow_active=auth_admin_keep.
    // `nobody` calling through dbus-send is in no session (let alone an active local one), so
    // polkitd applies allow_any=no: not authorised and no challenge (an agent could not help).
    // The helper must refuse with NotAuthorized naming the action polkit was asked about, and
    // change nothing.
    void nobodyIsRefusedEverything()
    {
        const QString before = scanJson();
        QVERIFY(!before.isEmpty());
        QElapsedTimer clock;
        clock.start();
        for (const Call &c : everyMethod()) {
            const QString answer = callAsNobody(c);
            if (c.method == everyMethod().constFirst().method)
                qInfo("polkit through the helper: %s", qPrintable(answer));
            const QString action = u"io.github.devtopo.%1"_s.arg(QString::fromLatin1(c.action));
            // Exactly polkit's "no" (is_authorized false, is_challenge false), not "polkit
            // unreachable" nor "authentication required", which read differently.
            QVERIFY2(answer == u"Error %1: EACCES: polkit: not authorized for %2"_s.arg(kNotAuthorized, action),
                     qPrintable(QString::fromLatin1(c.method) + u": "_s + answer));
        }
        QCOMPARE(scanJson(), before);
        qInfo("%lld methods refused in %lld ms", qint64(everyMethod().size()), clock.elapsed());
    }

    // What real polkitd does for uid 0: polkitbackendinteractiveauthority.c authorises root for
    // every action before looking at the defaults, the session or an agent ("uid 0, root, is
    // _always_ authorized for anything"). So the same helper, same policy, called by root:
    // every kind of action goes through and the host really changes. That check comes after
    // polkitd looks the action up ("Action ... is not registered" otherwise), so root being let in
    // also shows that polkitd loaded our policy file from the temp dir.
    void rootIsAuthorized()
    {
        const QString before = scanJson();
        const QDBusMessage bind = callAsRoot(u"BindDriver"_s, {u"0000:1b:00.0"_s, u"vfio-pci"_s, false});
        QVERIFY2(bind.type() == QDBusMessage::ReplyMessage, qPrintable(bind.errorName() + u": "_s + bind.errorMessage()));
        QVERIFY(!bind.arguments().value(0).toStringList().isEmpty());
        const QString afterBind = scanJson();
        QVERIFY(afterBind != before);

        const QDBusMessage vfs = callAsRoot(u"SetNumVfs"_s, {u"0000:3b:00.0"_s, 2});
        QVERIFY2(vfs.type() == QDBusMessage::ReplyMessage, qPrintable(vfs.errorName() + u": "_s + vfs.errorMessage()));
        QVERIFY(scanJson() != afterBind);

        const QDBusMessage backends = callAsRoot(u"DmaBackends"_s, {17});
        QVERIFY2(backends.type() == QDBusMessage::ReplyMessage, qPrintable(backends.errorName() + u": "_s + backends.errorMessage()));

        // vfio and migration: the demo's mlx5-like VF, its group opened, then its migration device.
        ScanOptions o;
        o.root = m_dir->path() + u"/tree/current"_s;
        const Topology t = scanHost(o);
        const auto *vf = t.function(*PciAddress::parse(u"0000:af:00.4"_s));
        QVERIFY(vf && vf->iommuGroup);
        const QDBusMessage group = callAsRoot(u"OpenGroup"_s, {*vf->iommuGroup});
        QVERIFY2(group.type() == QDBusMessage::ReplyMessage, qPrintable(group.errorName() + u": "_s + group.errorMessage()));
        const QDBusMessage device = callAsRoot(u"OpenMigrationDevice"_s, {group.arguments().value(0).toUInt(), u"0000:af:00.4"_s});
        QVERIFY2(device.type() == QDBusMessage::ReplyMessage, qPrintable(device.errorName() + u": "_s + device.errorMessage()));
        const QDBusMessage info = callAsRoot(u"MigrationInfo"_s, {device.arguments().value(0).toUInt()});
        QVERIFY2(info.type() == QDBusMessage::ReplyMessage, qPrintable(info.errorName() + u": "_s + info.errorMessage()));
        QCOMPARE(info.arguments().value(0).toString(), u"0000:af:00.4"_s);
        QVERIFY(info.arguments().value(4).toULongLong() != 0); // VFIO_MIGRATION_* flags: it does migrate
    }

    // Still refused after root changed things: polkit's answer is per caller, nothing is cached
    // for the next one.
    void nobodyStillRefusedAfterRoot()
    {
        const QString before = scanJson();
        const QString answer = callAsNobody({"RestoreDriver", "bind", {u"string:0000:1b:00.0"_s}});
        QVERIFY2(answer.startsWith(u"Error "_s + kNotAuthorized), qPrintable(answer));
        QCOMPARE(scanJson(), before);
    }
};

QTEST_GUILESS_MAIN(TestHelperPolkit)
#include "tst_helperpolkit.moc"
