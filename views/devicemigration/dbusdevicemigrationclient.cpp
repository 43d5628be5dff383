#include "dbusdevicemigrationclient.h"

#include "devmigviewslogging.h"
#include "helperclient.h"
#include "helperproxy.h"

#include <QDBusPendingCallWatcher>
#include <QDBusPendingReply>
#include <QDBusUnixFileDescriptor>
#include <QFile>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

using namespace Qt::StringLiterals;

namespace devtopo::devmig {

namespace {

QString errorOf(const QDBusPendingCall &call)
{
    return call.isError() ? client::HelperClient::errorText(call.error()) : QString();
}

QString openFailed(const QString &what, const QString &path)
{
    return u"%1 %2: %3"_s.arg(what, path, QString::fromLocal8Bit(std::strerror(errno)));
}

} // namespace

DBusDeviceMigrationClient::DBusDeviceMigrationClient(IoGithubDevtopoHelper1Interface *helper, QObject *parent)
    : DeviceMigrationClient(parent), m_helper(helper)
{
    // The helper reports every caller's walks; pass on this device's, without its name in front.
    connect(helper, &IoGithubDevtopoHelper1Interface::Progress, this,
            [this](const QString &operation, int done, int total, const QString &message) {
                if (operation != u"migration-state"_s || m_deviceName.isEmpty() || !message.startsWith(m_deviceName))
                    return;
                QString text = message;
                if (text.startsWith(m_deviceName + u": "_s))
                    text = text.mid(m_deviceName.size() + 2);
                Q_EMIT progress(operation, done, total, text);
            });
}

DBusDeviceMigrationClient::~DBusDeviceMigrationClient()
{
    // Fire and forget: the calls go out in order on the connection; nobody waits for the answers
    // (and the helper closes a departed caller's handles anyway).
    if (m_helper && m_device)
        m_helper->CloseMigrationDevice(m_device);
    if (m_helper && m_group)
        m_helper->CloseGroup(m_group);
}

void DBusDeviceMigrationClient::watch(const QDBusPendingCall &call, std::function<void(QDBusPendingCallWatcher *)> then)
{
    // Parented to the client: destroying it drops the answers still to come.
    auto *w = new QDBusPendingCallWatcher(call, this);
    connect(w, &QDBusPendingCallWatcher::finished, this, [w, then = std::move(then)] {
        w->deleteLater();
        then(w);
    });
}

void DBusDeviceMigrationClient::later(std::function<void()> then)
{
    QMetaObject::invokeMethod(this, std::move(then), Qt::QueuedConnection);
}

bool DBusDeviceMigrationClient::usable(QString *error) const
{
    if (!m_helper)
        *error = u"the connection to devtopo-helper is gone"_s;
    else if (!m_device)
        *error = u"EBADF: no migration device is open"_s;
    else
        return true;
    return false;
}

void DBusDeviceMigrationClient::open(int group, const QString &device, Reply<> done)
{
    if (!m_helper)
        return later([done] { done(u"the connection to devtopo-helper is gone"_s); });
    if (m_group)
        return later([done] { done(u"EBUSY: this client already has a device open"_s); });
    qCInfo(lcDevMigViews).noquote() << "-> OpenGroup" << group << "and OpenMigrationDevice" << device;
    watch(m_helper->OpenGroup(group), [this, group, device, done](QDBusPendingCallWatcher *w) {
        QDBusPendingReply<uint> g = *w;
        if (g.isError())
            return done(errorOf(g));
        m_group = g.value();
        m_groupNumber = group;
        if (!m_helper)
            return done(u"the connection to devtopo-helper is gone"_s);
        watch(m_helper->OpenMigrationDevice(m_group, device), [this, device, done](QDBusPendingCallWatcher *dw) {
            QDBusPendingReply<uint> d = *dw;
            if (d.isError()) {
                const QString e = errorOf(d);
                close(); // the group is of no use without the device
                return done(e);
            }
            m_device = d.value();
            m_deviceName = device;
            done({});
        });
    });
}

void DBusDeviceMigrationClient::close(Reply<> done)
{
    const uint device = std::exchange(m_device, 0);
    const uint group = std::exchange(m_group, 0);
    m_groupNumber = -1;
    m_deviceName.clear();
    if (!m_helper || (!device && !group)) {
        if (done)
            later([done] { done({}); });
        return;
    }
    qCInfo(lcDevMigViews) << "-> CloseMigrationDevice" << device << "CloseGroup" << group;
    if (device)
        m_helper->CloseMigrationDevice(device); // answered before the group's close: same connection, in order
    if (!group) {
        if (done)
            later([done] { done({}); });
        return;
    }
    watch(m_helper->CloseGroup(group), [done](QDBusPendingCallWatcher *w) {
        if (done)
            done(errorOf(*w));
    });
}

void DBusDeviceMigrationClient::status(Reply<const DeviceMigrationStatus &> done)
{
    if (QString e; !usable(&e))
        return later([done, e] { done(e, {}); });
    watch(m_helper->MigrationInfo(m_device), [done](QDBusPendingCallWatcher *w) {
        QDBusPendingReply<QString, int, uint, uint, qulonglong, uint, bool, bool, qulonglong> r = *w;
        if (r.isError())
            return done(errorOf(r), {});
        DeviceMigrationStatus st;
        st.device = r.argumentAt<0>();
        st.group = r.argumentAt<1>();
        st.flags = r.argumentAt<4>();
        st.state = r.argumentAt<5>();
        st.dmaLoggingSupported = r.argumentAt<6>();
        st.dmaLogging = r.argumentAt<7>();
        done({}, st);
    });
}

void DBusDeviceMigrationClient::setState(const QString &target, Reply<const QStringList &> done)
{
    if (QString e; !usable(&e))
        return later([done, e] { done(e, {}); });
    qCInfo(lcDevMigViews).noquote() << "-> SetMigrationState" << m_deviceName << target;
    watch(m_helper->SetMigrationState(m_device, target), [done](QDBusPendingCallWatcher *w) {
        QDBusPendingReply<uint, QStringList> r = *w;
        done(errorOf(r), r.isError() ? QStringList() : r.argumentAt<1>());
    });
}

void DBusDeviceMigrationClient::precopy(Reply<quint64, quint64> done)
{
    if (QString e; !usable(&e))
        return later([done, e] { done(e, 0, 0); });
    watch(m_helper->PrecopyInfo(m_device), [done](QDBusPendingCallWatcher *w) {
        QDBusPendingReply<qulonglong, qulonglong> r = *w;
        if (r.isError())
            return done(errorOf(r), 0, 0);
        done({}, r.argumentAt<0>(), r.argumentAt<1>());
    });
}

void DBusDeviceMigrationClient::stopCopySize(Reply<quint64> done)
{
    if (QString e; !usable(&e))
        return later([done, e] { done(e, 0); });
    watch(m_helper->StopCopySize(m_device), [done](QDBusPendingCallWatcher *w) {
        QDBusPendingReply<qulonglong> r = *w;
        done(errorOf(r), r.isError() ? 0 : r.value());
    });
}

void DBusDeviceMigrationClient::readPrecopy(quint64 maxBytes, Reply<quint64> done)
{
    if (QString e; !usable(&e))
        return later([done, e] { done(e, 0); });
    watch(m_helper->ReadPrecopy(m_device, maxBytes), [done](QDBusPendingCallWatcher *w) {
        QDBusPendingReply<qulonglong> r = *w;
        done(errorOf(r), r.isError() ? 0 : r.value());
    });
}

void DBusDeviceMigrationClient::saveTo(const QString &path, Reply<quint64, const QString &> done)
{
    if (QString e; !usable(&e))
        return later([done, e] { done(e, 0, {}); });
    const int fd = ::open(QFile::encodeName(path).constData(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return later([done, e = openFailed(u"cannot create"_s, path)] { done(e, 0, {}); });
    // The message carries a dup of the descriptor; ours can go at once.
    const QDBusUnixFileDescriptor out(fd);
    ::close(fd);
    qCInfo(lcDevMigViews).noquote() << "-> SaveState" << m_deviceName << "to" << path;
    watch(m_helper->SaveState(m_device, out), [done](QDBusPendingCallWatcher *w) {
        QDBusPendingReply<qulonglong, QString> r = *w;
        if (r.isError())
            return done(errorOf(r), 0, {});
        done({}, r.argumentAt<0>(), r.argumentAt<1>());
    });
}

void DBusDeviceMigrationClient::loadFrom(const QString &path, Reply<quint64> done)
{
    if (QString e; !usable(&e))
        return later([done, e] { done(e, 0); });
    const int fd = ::open(QFile::encodeName(path).constData(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return later([done, e = openFailed(u"cannot open"_s, path)] { done(e, 0); });
    const QDBusUnixFileDescriptor in(fd);
    ::close(fd);
    qCInfo(lcDevMigViews).noquote() << "-> LoadState" << m_deviceName << "from" << path;
    watch(m_helper->LoadState(m_device, in), [done](QDBusPendingCallWatcher *w) {
        QDBusPendingReply<qulonglong> r = *w;
        done(errorOf(r), r.isError() ? 0 : r.value());
    });
}

void DBusDeviceMigrationClient::reset(Reply<> done)
{
    if (QString e; !usable(&e))
        return later([done, e] { done(e); });
    qCInfo(lcDevMigViews).noquote() << "-> ResetMigrationDevice" << m_deviceName;
    watch(m_helper->ResetMigrationDevice(m_device), [done](QDBusPendingCallWatcher *w) { done(errorOf(*w)); });
}

void DBusDeviceMigrationClient::mappedRanges(Reply<const QList<IovaSpan> &> done)
{
    if (QString e; !usable(&e))
        return later([done, e] { done(e, {}); });
    watch(m_helper->GroupInfo(m_group), [done](QDBusPendingCallWatcher *w) {
        QDBusPendingReply<int, QList<qulonglong>, qulonglong, int, qulonglong, qulonglong, bool, QList<qulonglong>> r = *w;
        if (r.isError())
            return done(errorOf(r), {});
        const QList<qulonglong> flat = r.argumentAt<7>();
        if (flat.size() % 2)
            return done(u"EPROTO: the helper's GroupInfo answer has unpaired mappings"_s, {});
        QList<IovaSpan> spans;
        for (qsizetype i = 0; i + 1 < flat.size(); i += 2)
            spans << IovaSpan{flat[i], flat[i + 1]};
        done({}, spans);
    });
}

void DBusDeviceMigrationClient::dmaLoggingStart(const QList<IovaSpan> &ranges, quint64 pageSize, Reply<> done)
{
    if (QString e; !usable(&e))
        return later([done, e] { done(e); });
    QList<qulonglong> flat;
    for (const IovaSpan &r : ranges)
        flat << r.iova << r.length;
    qCInfo(lcDevMigViews).noquote() << "-> DmaLoggingStart" << m_deviceName << ranges.size() << "ranges, page" << pageSize;
    watch(m_helper->DmaLoggingStart(m_device, flat, pageSize), [done](QDBusPendingCallWatcher *w) { done(errorOf(*w)); });
}

void DBusDeviceMigrationClient::dmaLoggingReport(quint64 iova, quint64 length, quint64 pageSize, Reply<const QByteArray &> done)
{
    if (QString e; !usable(&e))
        return later([done, e] { done(e, {}); });
    watch(m_helper->DmaLoggingReport(m_device, iova, length, pageSize), [done](QDBusPendingCallWatcher *w) {
        QDBusPendingReply<QByteArray> r = *w;
        done(errorOf(r), r.isError() ? QByteArray() : r.value());
    });
}

void DBusDeviceMigrationClient::dmaLoggingStop(Reply<> done)
{
    if (QString e; !usable(&e))
        return later([done, e] { done(e); });
    qCInfo(lcDevMigViews).noquote() << "-> DmaLoggingStop" << m_deviceName;
    watch(m_helper->DmaLoggingStop(m_device), [done](QDBusPendingCallWatcher *w) { done(errorOf(*w)); });
}

} // namespace devtopo::devmig
