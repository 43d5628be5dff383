// devtopo-helper end to end on a private bus: a dbus-daemon started by the test, the helper in
// demo mode on it (the same protocol the system helper speaks), the client proxy generated from
// the same XML. Authorisation refused -> every method refuses; a bad-input table for every
// method, each refused with the host unchanged (scanned before and after); the demo host's
// kernel rules through the protocol.

#include "helperproxy.h"
#include "scanner.h"
#include "snapshot.h"

#include <QDBusConnection>
#include <QDBusConnectionInterface>
#include <QDBusMessage>
#include <QDBusMetaType>
#include <QDBusUnixFileDescriptor>
#include <QJsonDocument>
#include <QProcess>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <bit>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace Qt::StringLiterals;
using namespace devtopo;

namespace {
const QString kService = u"io.github.devtopo.Helper1"_s;
const QString kPath = u"/io/github/devtopo/Helper1"_s;
const QString kInterface = u"io.github.devtopo.Helper1"_s;
const QString kToken = u"bd8d9d2b-5a5f-4f5a-a211-f591514ba1f3"_s;
} // namespace

class TestHelperDbus : public QObject
{
    Q_OBJECT

    QProcess m_bus;
    QString m_address;
    std::unique_ptr<QProcess> m_helper;
    std::unique_ptr<QTemporaryDir> m_tree;
    int m_connections = 0;
    QString m_connName;
    bool m_badInputHelper = false;
    bool m_iommufdHelper = false;

    QDBusConnection bus() const { return QDBusConnection(m_connName); }

    bool startHelper(const QString &authority)
    {
        stopHelper();
        m_badInputHelper = false;
        m_iommufdHelper = false;
        m_tree = std::make_unique<QTemporaryDir>();
        m_helper = std::make_unique<QProcess>();
        m_helper->setProcessChannelMode(QProcess::ForwardedErrorChannel);
        m_helper->start(QStringLiteral(DEVTOPO_HELPER_BIN),
                        {u"--demo"_s, u"--address"_s, m_address, u"--authority"_s, authority, u"--demo-root"_s, m_tree->path()});
        if (!m_helper->waitForStarted(5000))
            return false;
        // A fresh connection per helper so no handle or signal state leaks between tests.
        if (!m_connName.isEmpty())
            QDBusConnection::disconnectFromBus(m_connName);
        m_connName = u"test-%1"_s.arg(++m_connections);
        QDBusConnection c = QDBusConnection::connectToBus(m_address, m_connName);
        for (int i = 0; i < 300; ++i) {
            if (c.interface()->isServiceRegistered(kService))
                return true;
            QTest::qWait(50);
        }
        return false;
    }
    void stopHelper()
    {
        if (!m_helper)
            return;
        m_helper->terminate();
        if (!m_helper->waitForFinished(5000))
            m_helper->kill();
        m_helper.reset();
        // The name must be gone before the next helper starts.
        QDBusConnection c(m_connName);
        for (int i = 0; i < 100 && c.isConnected() && c.interface()->isServiceRegistered(kService); ++i)
            QTest::qWait(50);
    }

    QString scanJson() const
    {
        ScanOptions o;
        o.root = m_tree->path() + u"/current"_s;
        Topology t = scanHost(o);
        t.source.clear();
        return QString::fromUtf8(QJsonDocument(topologyToJson(t)).toJson(QJsonDocument::Compact));
    }

    QDBusMessage call(const QString &method, const QVariantList &args) const
    {
        QDBusMessage m = QDBusMessage::createMethodCall(kService, kPath, kInterface, method);
        m.setArguments(args);
        return bus().call(m, QDBus::Block, 60000);
    }

    // The generated proxy's calls are asynchronous: wait, then look.
    static bool done(QDBusPendingCall call)
    {
        call.waitForFinished();
        if (call.isError())
            qWarning() << call.error().message();
        return !call.isError();
    }
    static QDBusError errorOf(QDBusPendingCall call)
    {
        call.waitForFinished();
        return call.error();
    }

    // The arguments of a valid call of every method (handle 1 is opened first, group 17).
    static QList<std::pair<QString, QVariantList>> validCalls()
    {
        return {
            {u"OpenGroup"_s, {17}},
            {u"DmaBackends"_s, {17}},
            {u"OpenGroupWith"_s, {17, u"iommufd"_s}},
            {u"DmaBackendInfo"_s, {1u}},
            {u"GroupInfo"_s, {1u}},
            {u"MapDma"_s, {1u, qulonglong(0x100000), qulonglong(0x200000), false}},
            {u"DirtyStart"_s, {1u}},
            {u"DirtyBitmap"_s, {1u, qulonglong(0x100000), qulonglong(0x200000)}},
            {u"DirtyStop"_s, {1u}},
            {u"UnmapDma"_s, {1u, qulonglong(0x100000), qulonglong(0x200000)}},
            {u"CloseGroup"_s, {1u}},
            {u"BindDriver"_s, {u"0000:1b:00.0"_s, u"vfio-pci"_s, false}},
            {u"BindGroup"_s, {16, u"vfio-pci"_s, false}},
            {u"RestoreDriver"_s, {u"0000:1b:00.0"_s}},
            {u"PersistOverride"_s, {u"0000:1b:00.0"_s, u"vfio-pci"_s}},
            {u"RemoveOverride"_s, {u"0000:1b:00.0"_s}},
            {u"ResetDevice"_s, {u"0000:1b:00.0"_s, false}},
            {u"SetNumVfs"_s, {u"0000:3b:00.0"_s, 2}},
            {u"SetDriversAutoprobe"_s, {u"0000:3b:00.0"_s, false}},
            {u"SetVfToken"_s, {u"0000:3b:00.1"_s, kToken}},
            {u"OpenDevice"_s, {u"0000:1c:00.0"_s, QString()}},
            {u"OpenMigrationDevice"_s, {1u, u"0000:af:00.4"_s}},
            {u"MigrationInfo"_s, {2u}},
            {u"SetMigrationState"_s, {2u, u"STOP"_s}},
            {u"ResetMigrationDevice"_s, {2u}},
            {u"PrecopyInfo"_s, {2u}},
            {u"ReadPrecopy"_s, {2u, qulonglong(4096)}},
            {u"StopCopySize"_s, {2u}},
            {u"SaveState"_s, {2u, QVariant::fromValue(QDBusUnixFileDescriptor(1))}},
            {u"LoadState"_s, {2u, QVariant::fromValue(QDBusUnixFileDescriptor(0))}},
            {u"DmaLoggingStart"_s, {2u, QVariant::fromValue(QList<qulonglong>{0x100000, 0x100000}), qulonglong(4096)}},
            {u"DmaLoggingReport"_s, {2u, qulonglong(0x100000), qulonglong(0x100000), qulonglong(4096)}},
            {u"DmaLoggingStop"_s, {2u}},
            {u"CloseMigrationDevice"_s, {2u}},
        };
    }

    // The mlx5_vfio_pci VF of the demo (0000:af:00.4) and its group, opened: group handle 1,
    // device handle 2.
    int migrationGroup() const
    {
        ScanOptions o;
        o.root = m_tree->path() + u"/current"_s;
        const Topology t = scanHost(o);
        const auto *f = t.function(*PciAddress::parse(u"0000:af:00.4"_s));
        return f && f->iommuGroup ? *f->iommuGroup : -1;
    }
    bool openMigrationDevice()
    {
        const QDBusMessage open = call(u"OpenGroup"_s, {migrationGroup()});
        if (open.arguments().value(0).toUInt() != 1u)
            return false;
        const QDBusMessage dev = call(u"OpenMigrationDevice"_s, {1u, u"0000:af:00.4"_s});
        return dev.arguments().value(0).toUInt() == 2u;
    }
    static QVariant fdOf(int fd)
    {
        return QVariant::fromValue(QDBusUnixFileDescriptor(fd));
    }

private Q_SLOTS:
    void initTestCase()
    {
        m_bus.start(u"dbus-daemon"_s, {u"--session"_s, u"--nofork"_s, u"--nopidfile"_s, u"--print-address=1"_s});
        if (!m_bus.waitForStarted(5000))
            QSKIP("dbus-daemon is not installed");
        QVERIFY(m_bus.waitForReadyRead(10000));
        m_address = QString::fromLocal8Bit(m_bus.readLine().trimmed());
        QVERIFY(!m_address.isEmpty());
    }
    void cleanupTestCase()
    {
        stopHelper();
        if (!m_connName.isEmpty())
            QDBusConnection::disconnectFromBus(m_connName);
        m_bus.terminate();
        m_bus.waitForFinished(5000);
    }

    void introspectionMatchesTheInterface()
    {
        QVERIFY(startHelper(u"allow"_s));
        QDBusMessage m = QDBusMessage::createMethodCall(kService, kPath, u"org.freedesktop.DBus.Introspectable"_s, u"Introspect"_s);
        const QString xml = bus().call(m).arguments().value(0).toString();
        for (const auto &c : validCalls())
            QVERIFY2(xml.contains(u"<method name=\"%1\">"_s.arg(c.first)), qPrintable(c.first));
        // Typed methods only: nothing that runs commands or writes arbitrary paths.
        QVERIFY(!xml.contains(u"\"Run"_s) && !xml.contains(u"\"Write"_s) && !xml.contains(u"\"Exec"_s));
    }

    void everyMethodRefusedWithoutAuthorization()
    {
        QVERIFY(startHelper(u"deny"_s));
        const QString before = scanJson();
        for (const auto &c : validCalls()) {
            const QDBusMessage reply = call(c.first, c.second);
            QCOMPARE(reply.type(), QDBusMessage::ErrorMessage);
            QVERIFY2(reply.errorName() == u"io.github.devtopo.Error.NotAuthorized"_s, qPrintable(c.first + u": "_s + reply.errorName()));
        }
        QCOMPARE(scanJson(), before);
    }

    void actionsFileAuthorizesPerKind()
    {
        QTemporaryDir dir;
        QFile f(dir.path() + u"/authority"_s);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("# test only\nio.github.devtopo.vfio allow\nio.github.devtopo.bind deny\n");
        f.close();
        QVERIFY(startHelper(f.fileName()));
        QCOMPARE(call(u"OpenGroup"_s, {17}).type(), QDBusMessage::ReplyMessage);
        QCOMPARE(call(u"BindDriver"_s, {u"0000:1b:00.0"_s, u"vfio-pci"_s, false}).errorName(), u"io.github.devtopo.Error.NotAuthorized"_s);
        QCOMPARE(call(u"SetNumVfs"_s, {u"0000:3b:00.0"_s, 2}).errorName(), u"io.github.devtopo.Error.NotAuthorized"_s);
    }

    void badInput_data()
    {
        QTest::addColumn<QString>("method");
        QTest::addColumn<QVariantList>("args");
        QTest::addColumn<QString>("error");
        const QString inval = u"io.github.devtopo.Error.InvalidArgument"_s;
        const QString notFound = u"io.github.devtopo.Error.NotFound"_s;
        const QString badHandle = u"io.github.devtopo.Error.BadHandle"_s;
        const QString dev = u"0000:1b:00.0"_s;
        auto row = [](const char *name, const QString &m, const QVariantList &a, const QString &e) {
            QTest::newRow(name) << m << a << e;
        };
        row("bind: short address", u"BindDriver"_s, {u"1b:00.0"_s, u"vfio-pci"_s, false}, inval);
        row("bind: malformed address", u"BindDriver"_s, {u"0000:1b:00.9"_s, u"vfio-pci"_s, false}, inval);
        row("bind: traversal address", u"BindDriver"_s, {u"../../../sys/kernel"_s, u"vfio-pci"_s, false}, inval);
        row("bind: address with slash", u"BindDriver"_s, {u"0000:1b:00.0/driver"_s, u"vfio-pci"_s, false}, inval);
        row("bind: empty address", u"BindDriver"_s, {QString(), u"vfio-pci"_s, false}, inval);
        row("bind: absent address", u"BindDriver"_s, {u"0000:99:00.0"_s, u"vfio-pci"_s, false}, notFound);
        row("bind: ../ driver", u"BindDriver"_s, {dev, u"../vfio-pci"_s, false}, inval);
        row("bind: / driver", u"BindDriver"_s, {dev, u"/vfio-pci"_s, false}, inval);
        row("bind: .. driver", u"BindDriver"_s, {dev, u".."_s, false}, inval);
        row("bind: space driver", u"BindDriver"_s, {dev, u"vfio-pci nvme"_s, false}, inval);
        row("bind: newline driver", u"BindDriver"_s, {dev, u"vfio-pci\n"_s, false}, inval);
        row("bind: unknown driver", u"BindDriver"_s, {dev, u"nosuchdrv"_s, false}, notFound);
        row("group: negative", u"BindGroup"_s, {-1, u"vfio-pci"_s, false}, inval);
        row("group: absent", u"BindGroup"_s, {9999, u"vfio-pci"_s, false}, notFound);
        row("group: ../ driver", u"BindGroup"_s, {16, u"../x"_s, false}, inval);
        row("group: unknown driver", u"BindGroup"_s, {16, u"nosuchdrv"_s, false}, notFound);
        row("restore: malformed", u"RestoreDriver"_s, {u"junk"_s}, inval);
        row("restore: never bound", u"RestoreDriver"_s, {dev}, notFound);
        row("persist: path driver", u"PersistOverride"_s, {dev, u"../../etc/passwd"_s}, inval);
        row("persist: path address", u"PersistOverride"_s, {u"0000:1b:00.0/.."_s, u"vfio-pci"_s}, inval);
        row("unpersist: none", u"RemoveOverride"_s, {dev}, notFound);
        row("unpersist: path address", u"RemoveOverride"_s, {u"../pci-0000:1b:00.0"_s}, inval);
        row("reset: absent", u"ResetDevice"_s, {u"0000:ff:1f.7"_s, false}, notFound);
        row("vfs: negative", u"SetNumVfs"_s, {u"0000:3b:00.0"_s, -1}, inval);
        row("vfs: above totalvfs", u"SetNumVfs"_s, {u"0000:3b:00.0"_s, 65}, inval);
        row("vfs: not a PF", u"SetNumVfs"_s, {u"0000:18:00.0"_s, 1}, notFound);
        row("autoprobe: not a PF", u"SetDriversAutoprobe"_s, {u"0000:18:00.0"_s, true}, notFound);
        row("token: junk uuid", u"SetVfToken"_s, {u"0000:3b:00.0"_s, u"not-a-uuid"_s}, inval);
        row("token: braces", u"SetVfToken"_s, {u"0000:3b:00.0"_s, u"{bd8d9d2b-5a5f-4f5a-a211-f591514ba1f3}"_s}, inval);
        row("token: no hyphens", u"SetVfToken"_s, {u"0000:3b:00.0"_s, u"bd8d9d2b5a5f4f5aa211f591514ba1f3"_s}, inval);
        row("token: path address", u"SetVfToken"_s, {u"../0000:3b:00.0"_s, kToken}, inval);
        row("open device: junk uuid", u"OpenDevice"_s, {u"0000:1c:00.0"_s, u"zz"_s}, inval);
        row("open group: negative", u"OpenGroup"_s, {-5}, inval);
        row("open group: absent", u"OpenGroup"_s, {100000}, notFound);
        row("open group: no vfio node", u"OpenGroup"_s, {16}, notFound);
        row("map: unaligned iova", u"MapDma"_s, {1u, qulonglong(0x100001), qulonglong(0x1000), false}, inval);
        row("map: unaligned size", u"MapDma"_s, {1u, qulonglong(0x100000), qulonglong(0x1800), false}, inval);
        row("map: zero size", u"MapDma"_s, {1u, qulonglong(0x100000), qulonglong(0), false}, inval);
        row("map: negative size", u"MapDma"_s, {1u, qulonglong(0x100000), qulonglong(-0x2000), false}, inval);
        row("map: huge size", u"MapDma"_s, {1u, qulonglong(0), qulonglong(1) << 42, false}, inval);
        row("map: overflow", u"MapDma"_s, {1u, qulonglong(0xfffffffffffff000), qulonglong(0x2000), false}, inval);
        row("map: huge iova", u"MapDma"_s, {1u, qulonglong(1) << 60, qulonglong(0x1000), false}, inval);
        row("map: MSI window", u"MapDma"_s, {1u, qulonglong(0xfee00000), qulonglong(0x1000), false}, inval);
        row("map: hugepage unaligned", u"MapDma"_s, {1u, qulonglong(0x101000), qulonglong(0x200000), true}, inval);
        row("map: bad handle", u"MapDma"_s, {999u, qulonglong(0x100000), qulonglong(0x1000), false}, badHandle);
        row("unmap: unaligned", u"UnmapDma"_s, {1u, qulonglong(0x1), qulonglong(0x1000)}, inval);
        row("unmap: zero size", u"UnmapDma"_s, {1u, qulonglong(0), qulonglong(0)}, inval);
        row("unmap: overflow", u"UnmapDma"_s, {1u, qulonglong(-0x1000), qulonglong(0x2000)}, inval);
        row("dirty bitmap: not started", u"DirtyBitmap"_s, {1u, qulonglong(0x100000), qulonglong(0x1000)}, inval);
        row("dirty bitmap: zero size", u"DirtyBitmap"_s, {1u, qulonglong(0), qulonglong(0)}, inval);
        row("dirty start: bad handle", u"DirtyStart"_s, {999u}, badHandle);
        row("dirty stop: bad handle", u"DirtyStop"_s, {999u}, badHandle);
        row("info: bad handle", u"GroupInfo"_s, {999u}, badHandle);
        row("close: bad handle", u"CloseGroup"_s, {999u}, badHandle);
        row("close: handle 0", u"CloseGroup"_s, {0u}, badHandle);
        row("backends: negative group", u"DmaBackends"_s, {-1}, inval);
        row("backends: absent group", u"DmaBackends"_s, {9999}, notFound);
        row("open with: unknown backend", u"OpenGroupWith"_s, {17, u"vfio"_s}, inval);
        row("open with: path backend", u"OpenGroupWith"_s, {17, u"../iommufd"_s}, inval);
        row("open with: /dev path", u"OpenGroupWith"_s, {17, u"/dev/iommu"_s}, inval);
        row("open with: empty backend", u"OpenGroupWith"_s, {17, QString()}, inval);
        row("open with: upper case", u"OpenGroupWith"_s, {17, u"IOMMUFD"_s}, inval);
        row("open with: negative group", u"OpenGroupWith"_s, {-1, u"iommufd"_s}, inval);
        row("open with: absent group", u"OpenGroupWith"_s, {100000, u"auto"_s}, notFound);
        row("open with: no vfio cdev", u"OpenGroupWith"_s, {16, u"iommufd"_s}, notFound);
        row("open with: already open", u"OpenGroupWith"_s, {17, u"iommufd"_s}, u"io.github.devtopo.Error.Busy"_s);
        row("backend info: bad handle", u"DmaBackendInfo"_s, {999u}, badHandle);
    }

    // The iommufd path through the protocol on the demo host (it has /dev/iommu): the same DMA
    // rules and refusals as type1v2 on an IOAS handle, nothing changed by a refusal.
    void iommufdBadInput_data()
    {
        QTest::addColumn<QString>("method");
        QTest::addColumn<QVariantList>("args");
        QTest::addColumn<QString>("error");
        const QString inval = u"io.github.devtopo.Error.InvalidArgument"_s;
        auto row = [](const char *name, const QString &m, const QVariantList &a, const QString &e) {
            QTest::newRow(name) << m << a << e;
        };
        row("map: unaligned iova", u"MapDma"_s, {1u, qulonglong(0x100001), qulonglong(0x1000), false}, inval);
        row("map: zero size", u"MapDma"_s, {1u, qulonglong(0x100000), qulonglong(0), false}, inval);
        row("map: negative size", u"MapDma"_s, {1u, qulonglong(0x100000), qulonglong(-0x2000), false}, inval);
        row("map: overflow", u"MapDma"_s, {1u, qulonglong(0xfffffffffffff000), qulonglong(0x2000), false}, inval);
        row("map: huge iova", u"MapDma"_s, {1u, qulonglong(1) << 60, qulonglong(0x1000), false}, inval);
        row("map: MSI window", u"MapDma"_s, {1u, qulonglong(0xfee00000), qulonglong(0x1000), false}, inval);
        row("map: hugepage unaligned", u"MapDma"_s, {1u, qulonglong(0x101000), qulonglong(0x200000), true}, inval);
        row("map: over memlock", u"MapDma"_s, {1u, qulonglong(0x40000000), qulonglong(65) << 20, false}, u"io.github.devtopo.Error.NoResources"_s);
        row("unmap: nothing mapped", u"UnmapDma"_s, {1u, qulonglong(0x100000), qulonglong(0x1000)}, u"io.github.devtopo.Error.NotFound"_s);
        row("dirty bitmap: not started", u"DirtyBitmap"_s, {1u, qulonglong(0x100000), qulonglong(0x1000)}, inval);
        row("migration device on iommufd", u"OpenMigrationDevice"_s, {1u, u"0000:1c:00.0"_s}, u"io.github.devtopo.Error.NotSupported"_s);
    }
    void iommufdBadInput()
    {
        QFETCH(QString, method);
        QFETCH(QVariantList, args);
        QFETCH(QString, error);
        if (!m_iommufdHelper) {
            QVERIFY(startHelper(u"allow"_s));
            const QDBusMessage open = call(u"OpenGroupWith"_s, {17, u"iommufd"_s});
            QCOMPARE(open.type(), QDBusMessage::ReplyMessage);
            QCOMPARE(open.arguments().value(0).toUInt(), 1u);
            QCOMPARE(open.arguments().value(1).toString(), u"iommufd"_s);
            m_iommufdHelper = true;
        }
        const QString before = scanJson();
        const QDBusMessage reply = call(method, args);
        QCOMPARE(reply.type(), QDBusMessage::ErrorMessage);
        QCOMPARE(reply.errorName(), error);
        QVERIFY2(reply.errorMessage().contains(u": "_s), qPrintable(reply.errorMessage()));
        QCOMPARE(scanJson(), before);
        const QDBusMessage info = call(u"GroupInfo"_s, {1u});
        QCOMPARE(info.type(), QDBusMessage::ReplyMessage);
        QList<qulonglong> mappings;
        info.arguments().value(7).value<QDBusArgument>() >> mappings;
        QVERIFY(mappings.isEmpty());
        QCOMPARE(info.arguments().value(4).toULongLong(), qulonglong(0));
    }

    void iommufdThroughTheProtocol()
    {
        m_iommufdHelper = false;
        QVERIFY(startHelper(u"allow"_s));
        // Group 17 (all on vfio-pci, dmar0 with A/D bits): both backends offered.
        QDBusMessage backends = call(u"DmaBackends"_s, {17});
        QCOMPARE(backends.arguments().value(0).toStringList(), (QStringList{u"type1v2"_s, u"iommufd"_s}));
        QCOMPARE(backends.arguments().value(1).toString(), QString());
        // Group 16 (nothing on VFIO): only type1v2, and why.
        backends = call(u"DmaBackends"_s, {16});
        QCOMPARE(backends.arguments().value(0).toStringList(), QStringList{u"type1v2"_s});
        QVERIFY(backends.arguments().value(1).toString().startsWith(u"ENOENT: "_s));

        const QDBusMessage open = call(u"OpenGroupWith"_s, {17, u"auto"_s});
        QCOMPARE(open.type(), QDBusMessage::ReplyMessage);
        const uint h = open.arguments().value(0).toUInt();
        QCOMPARE(open.arguments().value(1).toString(), u"iommufd"_s);
        QVERIFY(open.arguments().value(2).toStringList().value(0).contains(u"on iommufd"_s));
        const QDBusMessage binfo = call(u"DmaBackendInfo"_s, {h});
        QCOMPARE(binfo.arguments().value(0).toString(), u"iommufd"_s);
        QCOMPARE(binfo.arguments().value(1).toBool(), true); // dirty-tracking HWPT
        QCOMPARE(binfo.arguments().value(2).toUInt(), 5u); // IOAS after the four devices
        QCOMPARE(binfo.arguments().value(3).toUInt(), 6u);
        QCOMPARE(binfo.arguments().value(4).toStringList().size(), 4);
        QCOMPARE(binfo.arguments().value(5).toString(), QString());

        QCOMPARE(call(u"MapDma"_s, {h, qulonglong(0x100000), qulonglong(0x10000), false}).type(), QDBusMessage::ReplyMessage);
        QCOMPARE(call(u"MapDma"_s, {h, qulonglong(0x108000), qulonglong(0x1000), false}).errorName(), u"io.github.devtopo.Error.Exists"_s);
        QCOMPARE(call(u"DirtyStart"_s, {h}).type(), QDBusMessage::ReplyMessage);
        const QDBusMessage bitmap = call(u"DirtyBitmap"_s, {h, qulonglong(0x100000), qulonglong(0x10000)});
        QCOMPARE(bitmap.arguments().value(0).toULongLong(), qulonglong(4096));
        const QByteArray bits = bitmap.arguments().value(1).toByteArray();
        QCOMPARE(bits.size(), 8);
        int dirtyPages = 0;
        for (char c : bits)
            dirtyPages += std::popcount(quint8(c));
        QCOMPARE(dirtyPages, 4);
        QCOMPARE(call(u"DirtyStop"_s, {h}).type(), QDBusMessage::ReplyMessage);
        // iommufd: an unmap that would split a mapping is ENOENT, nothing unmapped.
        QCOMPARE(call(u"UnmapDma"_s, {h, qulonglong(0x100000), qulonglong(0x1000)}).errorName(), u"io.github.devtopo.Error.NotFound"_s);
        const QDBusMessage unmap = call(u"UnmapDma"_s, {h, qulonglong(0x100000), qulonglong(0x10000)});
        QCOMPARE(unmap.arguments().value(0).toULongLong(), qulonglong(0x10000));
        QCOMPARE(call(u"CloseGroup"_s, {h}).type(), QDBusMessage::ReplyMessage);
        QCOMPARE(call(u"DmaBackendInfo"_s, {h}).errorName(), u"io.github.devtopo.Error.BadHandle"_s);
        // A type1v2 handle says so.
        const QDBusMessage t1 = call(u"OpenGroupWith"_s, {17, u"type1v2"_s});
        QCOMPARE(t1.arguments().value(1).toString(), u"type1v2"_s);
        const QDBusMessage t1info = call(u"DmaBackendInfo"_s, {t1.arguments().value(0).toUInt()});
        QCOMPARE(t1info.arguments().value(0).toString(), u"type1v2"_s);
        QCOMPARE(t1info.arguments().value(2).toUInt(), 0u);
    }
    void badInput()
    {
        QFETCH(QString, method);
        QFETCH(QVariantList, args);
        QFETCH(QString, error);
        // One helper for the whole table: each refusal must leave it exactly as it was, so the
        // rows after it see the same host (and the test stays fast).
        if (!m_badInputHelper) {
            QVERIFY(startHelper(u"allow"_s));
            const QDBusMessage open = call(u"OpenGroup"_s, {17});
            QCOMPARE(open.arguments().value(0).toUInt(), 1u);
            m_badInputHelper = true;
        }
        const QString before = scanJson();
        const QDBusMessage reply = call(method, args);
        QCOMPARE(reply.type(), QDBusMessage::ErrorMessage);
        QCOMPARE(reply.errorName(), error);
        QVERIFY2(reply.errorMessage().contains(u": "_s), qPrintable(reply.errorMessage())); // "ERRNO: why"
        QCOMPARE(scanJson(), before);
        const QDBusMessage info = call(u"GroupInfo"_s, {1u});
        QCOMPARE(info.type(), QDBusMessage::ReplyMessage);
        QCOMPARE(info.arguments().value(7).value<QDBusArgument>().currentType(), QDBusArgument::ArrayType);
        QList<qulonglong> mappings;
        info.arguments().value(7).value<QDBusArgument>() >> mappings;
        QVERIFY(mappings.isEmpty());
        QCOMPARE(info.arguments().value(4).toULongLong(), qulonglong(0)); // nothing locked
    }

    void kernelRulesThroughTheProtocol()
    {
        QVERIFY(startHelper(u"allow"_s));
        IoGithubDevtopoHelper1Interface helper(kService, kPath, bus());
        QSignalSpy progress(&helper, &IoGithubDevtopoHelper1Interface::Progress);
        QSignalSpy changed(&helper, &IoGithubDevtopoHelper1Interface::HostChanged);

        // EPERM: one function of group 16 on vfio-pci, the group is not viable.
        QVERIFY(done(helper.BindDriver(u"0000:1b:00.0"_s, u"vfio-pci"_s, false)));
        QDBusReply<uint> open = helper.OpenGroup(16);
        QCOMPARE(open.error().name(), u"io.github.devtopo.Error.PermissionDenied"_s);
        QVERIFY(open.error().message().startsWith(u"EPERM: "_s));
        // The whole group: progress per device, the rescan shows all four on vfio-pci.
        QDBusReply<QStringList> bound = helper.BindGroup(16, u"vfio-pci"_s, false);
        QVERIFY2(bound.isValid(), qPrintable(bound.error().message()));
        QVERIFY(bound.value().join(u'\n').contains(u"unbind snd_hda_intel from 0000:1b:00.1"_s));
        QTRY_VERIFY(progress.size() >= 3);
        QTRY_VERIFY(changed.size() >= 2);
        ScanOptions o;
        o.root = m_tree->path() + u"/current"_s;
        const Topology t = scanHost(o);
        for (const char *a : {"0000:1b:00.0", "0000:1b:00.1", "0000:1b:00.2", "0000:1b:00.3"})
            QCOMPARE(t.function(*PciAddress::parse(QString::fromLatin1(a)))->driver, u"vfio-pci"_s);
        QVERIFY(t.group(16)->viability.viable);
        open = helper.OpenGroup(16);
        QVERIFY2(open.isValid(), qPrintable(open.error().message()));
        const uint h = open.value();

        // DMA: EEXIST, EINVAL (MSI window), ENOMEM (memlock), dirty bitmap.
        QVERIFY(done(helper.MapDma(h, 0x100000, 0x200000, false)));
        QCOMPARE(errorOf(helper.MapDma(h, 0x100000, 0x200000, false)).name(), u"io.github.devtopo.Error.Exists"_s);
        QDBusReply<QStringList> msi = helper.MapDma(h, 0xfee00000, 0x1000, false);
        QCOMPARE(msi.error().name(), u"io.github.devtopo.Error.InvalidArgument"_s);
        QVERIFY(msi.error().message().startsWith(u"EINVAL: "_s));
        QDBusReply<QStringList> tooMuch = helper.MapDma(h, 0x40000000, quint64(63) << 20, false);
        QCOMPARE(tooMuch.error().name(), u"io.github.devtopo.Error.NoResources"_s);
        QVERIFY(tooMuch.error().message().contains(u"RLIMIT_MEMLOCK"_s));
        QList<qulonglong> ranges, mappings;
        qulonglong pageSizes = 0, locked = 0, limit = 0;
        int dmaAvail = 0;
        bool dirty = false;
        QDBusReply<int> info = helper.GroupInfo(h, ranges, pageSizes, dmaAvail, locked, limit, dirty, mappings);
        QCOMPARE(info.value(), 16);
        QCOMPARE(mappings, (QList<qulonglong>{0x100000, 0x200000}));
        QCOMPARE(locked, qulonglong(0x200000));
        QCOMPARE(limit, qulonglong(64) << 20);
        QVERIFY(ranges.size() >= 4 && ranges.size() % 2 == 0);
        QVERIFY(done(helper.DirtyStart(h)));
        QByteArray bitmap;
        QDBusReply<qulonglong> page = helper.DirtyBitmap(h, 0x100000, 0x400000, bitmap);
        QCOMPARE(page.value(), qulonglong(4096));
        QCOMPARE(bitmap.size(), 1024 / 8);
        QCOMPARE(bitmap.count(char(0xff)), 512 / 8); // the 2 MiB mapped: 512 pages dirty
        QVERIFY(done(helper.DirtyStop(h)));
        QCOMPARE(QDBusReply<qulonglong>(helper.UnmapDma(h, 0x100000, 0x200000)).value(), qulonglong(0x200000));
        // Busy: a device of an open group cannot be restored.
        QCOMPARE(errorOf(helper.RestoreDriver(u"0000:1b:00.1"_s)).name(), u"io.github.devtopo.Error.Busy"_s);
        QVERIFY(done(helper.CloseGroup(h)));
        QVERIFY(done(helper.RestoreDriver(u"0000:1b:00.1"_s)));

        // SR-IOV: 8 -> 4 goes through 0.
        QDBusReply<QStringList> vfs = helper.SetNumVfs(u"0000:3b:00.0"_s, 4);
        QVERIFY2(vfs.isValid(), qPrintable(vfs.error().message()));
        QCOMPARE(vfs.value().size(), 2);

        // VF token: EACCES without it or with a wrong one, accepted with the right one.
        QVERIFY(done(helper.BindDriver(u"0000:3b:00.1"_s, u"vfio-pci"_s, false)));
        QVERIFY(done(helper.SetVfToken(u"0000:3b:00.1"_s, kToken)));
        QVERIFY(done(helper.SetNumVfs(u"0000:3b:00.1"_s, 1)));
        const Topology t2 = scanHost(o);
        const QList<PciAddress> vfList = t2.function(*PciAddress::parse(u"0000:3b:00.1"_s))->vfs;
        QCOMPARE(vfList.size(), 1);
        const QString vf = vfList.first().toString();
        QDBusReply<QStringList> noToken = helper.OpenDevice(vf, QString());
        QCOMPARE(noToken.error().name(), u"io.github.devtopo.Error.PermissionDenied"_s);
        QCOMPARE(noToken.error().message(), u"EACCES: VF token required to access device"_s);
        QCOMPARE(errorOf(helper.OpenDevice(vf, u"00000000-0000-0000-0000-000000000001"_s)).message(),
                 u"EACCES: Incorrect VF token provided for device"_s);
        QVERIFY(done(helper.OpenDevice(vf, kToken)));

        // Busy: the simulated root disk is in use; force overrides.
        QDBusReply<QStringList> disk = helper.BindDriver(u"0000:18:00.0"_s, u"vfio-pci"_s, false);
        QCOMPARE(disk.error().name(), u"io.github.devtopo.Error.Busy"_s);
        QVERIFY(disk.error().message().contains(u"mounted on /"_s));
    }

    void migrationBadInput_data()
    {
        QTest::addColumn<QString>("method");
        QTest::addColumn<QVariantList>("args");
        QTest::addColumn<QString>("error");
        QTest::addColumn<QString>("fdKind");
        const QString inval = u"io.github.devtopo.Error.InvalidArgument"_s;
        const QString badHandle = u"io.github.devtopo.Error.BadHandle"_s;
        const QString notFound = u"io.github.devtopo.Error.NotFound"_s;
        const QString badStream = u"io.github.devtopo.Error.BadStream"_s;
        const QString noRes = u"io.github.devtopo.Error.NoResources"_s;
        auto row = [](const char *name, const QString &m, const QVariantList &a, const QString &e, const QString &fd = {}) {
            QTest::newRow(name) << m << a << e << fd;
        };
        row("open: bad group handle", u"OpenMigrationDevice"_s, {77u, u"0000:af:00.4"_s}, badHandle);
        row("open: device handle as group", u"OpenMigrationDevice"_s, {2u, u"0000:af:00.4"_s}, badHandle);
        row("open: path", u"OpenMigrationDevice"_s, {1u, u"../../../dev/mem"_s}, inval);
        row("open: not in group", u"OpenMigrationDevice"_s, {1u, u"0000:1b:00.0"_s}, notFound);
        row("open: twice", u"OpenMigrationDevice"_s, {1u, u"0000:af:00.4"_s}, u"io.github.devtopo.Error.Busy"_s);
        row("info: bad handle", u"MigrationInfo"_s, {999u}, badHandle);
        row("info: group handle", u"MigrationInfo"_s, {1u}, badHandle);
        row("state: unknown name", u"SetMigrationState"_s, {2u, u"SAVING"_s}, inval);
        row("state: number 8", u"SetMigrationState"_s, {2u, u"8"_s}, inval);
        row("state: negative", u"SetMigrationState"_s, {2u, u"-1"_s}, inval);
        row("state: ERROR", u"SetMigrationState"_s, {2u, u"ERROR"_s}, inval);
        row("state: 0 is ERROR", u"SetMigrationState"_s, {2u, u"0"_s}, inval);
        row("state: path", u"SetMigrationState"_s, {2u, u"../STOP"_s}, inval);
        row("state: bad handle", u"SetMigrationState"_s, {9u, u"STOP"_s}, badHandle);
        row("precopy: RUNNING", u"PrecopyInfo"_s, {2u}, inval);
        row("read precopy: RUNNING", u"ReadPrecopy"_s, {2u, qulonglong(4096)}, inval);
        row("save: RUNNING", u"SaveState"_s, {2u}, inval, u"file-w"_s);
        row("save: directory fd", u"SaveState"_s, {2u}, inval, u"dir"_s);
        row("save: socket fd", u"SaveState"_s, {2u}, inval, u"socket"_s);
        row("save: read-only fd", u"SaveState"_s, {2u}, badHandle, u"file-r"_s);
        row("save: /dev/null", u"SaveState"_s, {2u}, inval, u"devnull"_s);
        row("load: not RESUMING", u"LoadState"_s, {2u}, inval, u"good"_s);
        row("load: corrupt, RESUMING", u"LoadState"_s, {2u}, badStream, u"corrupt"_s);
        row("load: truncated, RESUMING", u"LoadState"_s, {2u}, inval, u"truncated"_s);
        row("load: write-only fd", u"LoadState"_s, {2u}, badHandle, u"file-w"_s);
        row("log: no ranges", u"DmaLoggingStart"_s, {2u, QVariant::fromValue(QList<qulonglong>{}), qulonglong(4096)}, u"io.github.devtopo.Error.Failed"_s);
        row("log: odd numbers", u"DmaLoggingStart"_s, {2u, QVariant::fromValue(QList<qulonglong>{0x1000}), qulonglong(4096)}, inval);
        row("log: page 3000", u"DmaLoggingStart"_s, {2u, QVariant::fromValue(QList<qulonglong>{0x1000, 0x1000}), qulonglong(3000)}, inval);
        row("log: negative length", u"DmaLoggingStart"_s, {2u, QVariant::fromValue(QList<qulonglong>{0x1000, qulonglong(-0x1000)}), qulonglong(4096)}, inval);
        row("log: report not started", u"DmaLoggingReport"_s, {2u, qulonglong(0), qulonglong(0x1000), qulonglong(4096)}, inval);
        row("log: stop not started", u"DmaLoggingStop"_s, {2u}, inval);
        row("close: bad handle", u"CloseMigrationDevice"_s, {3u}, badHandle);
        Q_UNUSED(noRes);
    }
    void migrationBadInput()
    {
        QFETCH(QString, method);
        QFETCH(QVariantList, args);
        QFETCH(QString, error);
        QFETCH(QString, fdKind);
        QVERIFY(startHelper(u"allow"_s));
        QVERIFY(openMigrationDevice());
        QTemporaryDir dir;
        const QByteArray file = QFile::encodeName(dir.filePath(u"state.bin"_s));
        const bool resuming = fdKind == u"corrupt"_s || fdKind == u"truncated"_s;
        if (resuming || fdKind == u"good"_s) {
            // A real saved state of this device, then damaged.
            QVERIFY(call(u"SetMigrationState"_s, {2u, u"STOP_COPY"_s}).type() == QDBusMessage::ReplyMessage);
            const int w = ::open(file.constData(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
            const QDBusMessage saved = call(u"SaveState"_s, {2u, fdOf(w)});
            ::close(w);
            QVERIFY2(saved.type() == QDBusMessage::ReplyMessage, qPrintable(saved.errorMessage()));
            QFile f(QFile::decodeName(file));
            QVERIFY(f.open(QIODevice::ReadWrite));
            QByteArray bytes = f.readAll();
            if (fdKind == u"corrupt"_s)
                bytes[bytes.size() - 10] = char(bytes[bytes.size() - 10] ^ 1);
            if (fdKind == u"truncated"_s)
                bytes.chop(4096);
            f.resize(0);
            f.write(bytes);
            f.close();
            QVERIFY(call(u"SetMigrationState"_s, {2u, resuming ? u"RESUMING"_s : u"RUNNING"_s}).type() == QDBusMessage::ReplyMessage);
        }
        int fd = -1, other = -1;
        if (fdKind == u"file-w"_s)
            fd = ::open(file.constData(), O_WRONLY | O_CREAT, 0600);
        else if (fdKind == u"file-r"_s || fdKind == u"good"_s || resuming) {
            if (!QFile::exists(QFile::decodeName(file)))
                QFile(QFile::decodeName(file)).open(QIODevice::WriteOnly);
            fd = ::open(file.constData(), O_RDONLY);
        } else if (fdKind == u"dir"_s)
            fd = ::open(QFile::encodeName(dir.path()).constData(), O_RDONLY | O_DIRECTORY);
        else if (fdKind == u"devnull"_s)
            fd = ::open("/dev/null", O_WRONLY);
        else if (fdKind == u"socket"_s) {
            int sv[2];
            QCOMPARE(::socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
            fd = sv[0];
            other = sv[1];
        }
        if (fd >= 0)
            args.insert(1, fdOf(fd));
        const QDBusMessage infoBefore = call(u"MigrationInfo"_s, {2u});
        const QDBusMessage reply = call(method, args);
        if (fd >= 0)
            ::close(fd);
        if (other >= 0)
            ::close(other);
        QCOMPARE(reply.type(), QDBusMessage::ErrorMessage);
        QCOMPARE(reply.errorName(), error);
        QVERIFY2(reply.errorMessage().contains(u": "_s), qPrintable(reply.errorMessage()));
        // Nothing changed: same state, nothing buffered, no logging.
        const QDBusMessage infoAfter = call(u"MigrationInfo"_s, {2u});
        QCOMPARE(infoAfter.arguments(), infoBefore.arguments());
        if (resuming) // the device got no byte: leaving RESUMING finds nothing to apply
            QVERIFY(call(u"SetMigrationState"_s, {2u, u"STOP"_s}).errorMessage().contains(u"0 bytes received"_s));
    }

    void migrationThroughTheProtocol()
    {
        QVERIFY(startHelper(u"allow"_s));
        // A second device of the same kind to resume into: VF 3 of the ConnectX on mlx5_vfio_pci.
        QVERIFY(call(u"BindDriver"_s, {u"0000:af:00.5"_s, u"mlx5_vfio_pci"_s, false}).type() == QDBusMessage::ReplyMessage);
        QVERIFY(openMigrationDevice());
        IoGithubDevtopoHelper1Interface helper(kService, kPath, bus());
        QSignalSpy progress(&helper, &IoGithubDevtopoHelper1Interface::Progress);
        int group = 0;
        uint vendor = 0, deviceId = 0, state = 0;
        qulonglong flags = 0, buffered = 0;
        bool logSupported = false, logging = false;
        QDBusReply<QString> info = helper.MigrationInfo(2u, group, vendor, deviceId, flags, state, logSupported, logging, buffered);
        QCOMPARE(info.value(), u"0000:af:00.4"_s);
        QCOMPARE(flags, qulonglong(7));
        QCOMPARE(state, 2u);
        QVERIFY(logSupported);
        QCOMPARE(vendor, 0x15b3u);

        QStringList changes;
        QDBusReply<uint> to = helper.SetMigrationState(2u, u"PRE_COPY"_s, changes);
        QCOMPARE(to.value(), 6u);
        qulonglong dirty = 0;
        QDBusReply<qulonglong> initial = helper.PrecopyInfo(2u, dirty);
        QVERIFY(initial.value() > (qulonglong(2) << 20));
        QCOMPARE(QDBusReply<qulonglong>(helper.ReadPrecopy(2u, 1 << 20)).value(), qulonglong(1) << 20);
        to = helper.SetMigrationState(2u, u"STOP_COPY"_s, changes);
        QCOMPARE(to.value(), 3u);
        QCOMPARE(changes, (QStringList{u"0000:af:00.4: PRE_COPY -> PRE_COPY_P2P"_s, u"0000:af:00.4: PRE_COPY_P2P -> STOP_COPY"_s}));
        QTRY_VERIFY(progress.size() >= 3);
        QCOMPARE(progress.last().value(0).toString(), u"migration-state"_s);
        // Save through a pipe the test drains.
        int p[2];
        QCOMPARE(::pipe(p), 0);
        QByteArray saved;
        QString sha;
        QDBusPendingReply<qulonglong, QString> save = helper.SaveState(2u, QDBusUnixFileDescriptor(p[1]));
        ::close(p[1]);
        // The call's message keeps a dup of the write end, so no EOF comes: drain until the reply.
        ::fcntl(p[0], F_SETFL, O_NONBLOCK);
        char buf[65536];
        for (int i = 0; i < 3000; ++i) {
            ssize_t n;
            while ((n = ::read(p[0], buf, sizeof(buf))) > 0)
                saved.append(buf, n);
            if (save.isFinished())
                break;
            QTest::qWait(10);
        }
        for (ssize_t n; (n = ::read(p[0], buf, sizeof(buf))) > 0;)
            saved.append(buf, n);
        ::close(p[0]);
        save.waitForFinished();
        QVERIFY2(!save.isError(), qPrintable(save.error().message()));
        QCOMPARE(qulonglong(saved.size()), save.argumentAt<0>() + 64);
        QCOMPARE(save.argumentAt<1>().size(), 64);

        // Resume it into 0000:af:00.5 (its own group).
        QDBusMessage g2;
        {
            ScanOptions o;
            o.root = m_tree->path() + u"/current"_s;
            const Topology t = scanHost(o);
            g2 = call(u"OpenGroup"_s, {*t.function(*PciAddress::parse(u"0000:af:00.5"_s))->iommuGroup});
        }
        const uint gh2 = g2.arguments().value(0).toUInt();
        QVERIFY(gh2 > 2);
        const uint dh2 = call(u"OpenMigrationDevice"_s, {gh2, u"0000:af:00.5"_s}).arguments().value(0).toUInt();
        QVERIFY(dh2 > gh2);
        QCOMPARE(QDBusReply<uint>(helper.SetMigrationState(dh2, u"RESUMING"_s, changes)).value(), 4u);
        QTemporaryDir dir;
        QFile f(dir.filePath(u"s.bin"_s));
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(saved);
        f.close();
        const int r = ::open(QFile::encodeName(f.fileName()).constData(), O_RDONLY);
        QDBusReply<qulonglong> loaded = helper.LoadState(dh2, QDBusUnixFileDescriptor(r));
        ::close(r);
        QVERIFY2(loaded.isValid(), qPrintable(loaded.error().message()));
        QCOMPARE(loaded.value() + 64, qulonglong(saved.size()));
        QCOMPARE(QDBusReply<uint>(helper.SetMigrationState(dh2, u"RUNNING"_s, changes)).value(), 2u);

        // DMA logging on the source.
        QVERIFY(done(helper.DmaLoggingStart(2u, {0x100000, 0x100000}, 4096)));
        QDBusReply<QByteArray> bits = helper.DmaLoggingReport(2u, 0x100000, 0x100000, 4096);
        QCOMPARE(bits.value().size(), 256 / 8);
        QVERIFY(done(helper.DmaLoggingStop(2u)));
        // Closing the group closes its device handle too.
        QVERIFY(done(helper.CloseGroup(1u)));
        QCOMPARE(errorOf(helper.StopCopySize(2u)).name(), u"io.github.devtopo.Error.BadHandle"_s);
    }

    void handlesBelongToTheirCaller()
    {
        QVERIFY(startHelper(u"allow"_s));
        const QDBusMessage open = call(u"OpenGroup"_s, {17});
        const uint h = open.arguments().value(0).toUInt();
        QVERIFY(h > 0);
        // Another client on the same bus cannot use (or even see) the handle.
        QDBusConnection other = QDBusConnection::connectToBus(m_address, u"other-client"_s);
        QDBusMessage m = QDBusMessage::createMethodCall(kService, kPath, kInterface, u"MapDma"_s);
        m.setArguments({h, qulonglong(0x100000), qulonglong(0x1000), false});
        QCOMPARE(other.call(m).errorName(), u"io.github.devtopo.Error.BadHandle"_s);
        // When the owner leaves the bus, its group is closed: a new owner can open it.
        QDBusConnection::disconnectFromBus(m_connName);
        QDBusMessage reopen = QDBusMessage::createMethodCall(kService, kPath, kInterface, u"OpenGroup"_s);
        reopen.setArguments({17});
        QDBusMessage again;
        for (int i = 0; i < 100; ++i) {
            again = other.call(reopen);
            if (again.type() == QDBusMessage::ReplyMessage)
                break;
            QTest::qWait(50);
        }
        QVERIFY2(again.type() == QDBusMessage::ReplyMessage, qPrintable(again.errorMessage()));
        QDBusConnection::disconnectFromBus(u"other-client"_s);
        m_connName = u"test-%1"_s.arg(++m_connections);
        QDBusConnection::connectToBus(m_address, m_connName);
    }
};

QTEST_GUILESS_MAIN(TestHelperDbus)
#include "tst_helperdbus.moc"
