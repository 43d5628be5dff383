#include "dbusdevicemigrationclient.h"

#include "helperproxy.h"

#include <QDBusUnixFileDescriptor>
#include <QFile>

#include <fcntl.h>
#include <unistd.h>

using namespace Qt::StringLiterals;

namespace devtopo::devmig {

namespace {

QString errorOf(QDBusPendingCall call)
{
    call.waitForFinished();
    return call.isError() ? call.error().message() : QString();
}

} // namespace

DBusDeviceMigrationClient::DBusDeviceMigrationClient(IoGithubDevtopoHelper1Interface *helper, QObject *parent)
    : DeviceMigrationClient(parent), m_helper(helper)
{
    connect(m_helper, &IoGithubDevtopoHelper1Interface::Progress, this, &DeviceMigrationClient::progress);
}

DBusDeviceMigrationClient::~DBusDeviceMigrationClient()
{
    if (m_device)
        m_helper->CloseMigrationDevice(m_device).waitForFinished();
    if (m_group)
        m_helper->CloseGroup(m_group).waitForFinished();
}

QString DBusDeviceMigrationClient::open(int group, const QString &device)
{
    QDBusPendingReply<uint> g = m_helper->OpenGroup(group);
    if (const QString e = errorOf(g); !e.isEmpty())
        return e;
    m_group = g.value();
    QDBusPendingReply<uint> d = m_helper->OpenMigrationDevice(m_group, device);
    if (const QString e = errorOf(d); !e.isEmpty())
        return e;
    m_device = d.value();
    return {};
}

QString DBusDeviceMigrationClient::status(DeviceMigrationStatus *out)
{
    int group = -1;
    uint vendor = 0, deviceId = 0, state = 0;
    qulonglong flags = 0, buffered = 0;
    bool logSupported = false, logging = false;
    QDBusReply<QString> r = m_helper->MigrationInfo(m_device, group, vendor, deviceId, flags, state, logSupported, logging, buffered);
    if (!r.isValid())
        return r.error().message();
    *out = {r.value(), group, flags, state, logSupported, logging};
    return {};
}

QString DBusDeviceMigrationClient::setState(const QString &target, QStringList *changes)
{
    QDBusReply<uint> r = m_helper->SetMigrationState(m_device, target, *changes);
    return r.isValid() ? QString() : r.error().message();
}

QString DBusDeviceMigrationClient::precopy(quint64 *initial, quint64 *dirty)
{
    qulonglong d = 0;
    QDBusReply<qulonglong> r = m_helper->PrecopyInfo(m_device, d);
    if (!r.isValid())
        return r.error().message();
    *initial = r.value();
    *dirty = d;
    return {};
}

QString DBusDeviceMigrationClient::stopCopySize(quint64 *bytes)
{
    QDBusPendingReply<qulonglong> r = m_helper->StopCopySize(m_device);
    if (const QString e = errorOf(r); !e.isEmpty())
        return e;
    *bytes = r.value();
    return {};
}

QString DBusDeviceMigrationClient::readPrecopy(quint64 maxBytes, quint64 *read)
{
    QDBusPendingReply<qulonglong> r = m_helper->ReadPrecopy(m_device, maxBytes);
    if (const QString e = errorOf(r); !e.isEmpty())
        return e;
    *read = r.value();
    return {};
}

QString DBusDeviceMigrationClient::saveTo(const QString &path, quint64 *bytes, QString *sha256)
{
    const int fd = ::open(QFile::encodeName(path).constData(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return u"cannot create %1"_s.arg(path);
    QDBusPendingReply<qulonglong, QString> r = m_helper->SaveState(m_device, QDBusUnixFileDescriptor(fd));
    ::close(fd);
    if (const QString e = errorOf(r); !e.isEmpty())
        return e;
    *bytes = r.argumentAt<0>();
    *sha256 = r.argumentAt<1>();
    return {};
}

QString DBusDeviceMigrationClient::loadFrom(const QString &path, quint64 *bytes)
{
    const int fd = ::open(QFile::encodeName(path).constData(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return u"cannot open %1"_s.arg(path);
    QDBusPendingReply<qulonglong> r = m_helper->LoadState(m_device, QDBusUnixFileDescriptor(fd));
    ::close(fd);
    if (const QString e = errorOf(r); !e.isEmpty())
        return e;
    *bytes = r.value();
    return {};
}

QString DBusDeviceMigrationClient::reset()
{
    return errorOf(m_helper->ResetMigrationDevice(m_device));
}

} // namespace devtopo::devmig
