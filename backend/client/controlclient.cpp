#include "controlclient.h"

#include "clientlogging.h"

#include <QDBusPendingCallWatcher>
#include <QDBusPendingReply>

using namespace Qt::StringLiterals;

namespace devtopo::client {

ControlClient::ControlClient(QObject *parent) : QObject(parent) { }

ControlClient::~ControlClient() = default;

bool ControlClient::startDemo(const QString &helperPath, QString *error)
{
    auto helper = std::make_unique<HelperClient>();
    if (!helper->startDemo(helperPath, error)) {
        qCWarning(lcClient).noquote() << "demo helper:" << *error;
        return false;
    }
    m_helper = std::move(helper);
    m_mode = Mode::Demo;
    wireSignals();
    qCInfo(lcClient).noquote() << "demo helper" << helperPath << "publishes" << m_helper->demoRoot();
    return true;
}

void ControlClient::setReadOnly(const QString &why)
{
    m_mode = Mode::ReadOnly;
    m_readOnlyReason = why;
    m_helper.reset();
}

QString ControlClient::demoRoot() const
{
    return m_helper ? m_helper->demoRoot() : QString();
}

void ControlClient::wireSignals()
{
    IoGithubDevtopoHelper1Interface *p = m_helper->proxy();
    connect(p, &IoGithubDevtopoHelper1Interface::Progress, this, &ControlClient::progress);
    connect(p, &IoGithubDevtopoHelper1Interface::HostChanged, this, &ControlClient::hostChanged);
}

bool ControlClient::ensureConnected(QString *error)
{
    if (m_mode == Mode::ReadOnly) {
        *error = u"read-only: %1"_s.arg(m_readOnlyReason);
        return false;
    }
    if (m_helper && m_helper->proxy())
        return true;
    auto helper = std::make_unique<HelperClient>();
    if (!helper->connectSystem(error)) {
        *error = u"cannot reach devtopo-helper on the system bus: %1"_s.arg(*error);
        return false;
    }
    m_helper = std::move(helper);
    wireSignals();
    qCInfo(lcClient) << "connected to the system helper";
    return true;
}

IoGithubDevtopoHelper1Interface *ControlClient::helperProxy(QString *error)
{
    return ensureConnected(error) ? m_helper->proxy() : nullptr;
}

void ControlClient::watch(const QDBusPendingCall &call, std::function<void(QDBusPendingCallWatcher *)> then)
{
    auto *w = new QDBusPendingCallWatcher(call, this);
    connect(w, &QDBusPendingCallWatcher::finished, this, [w, then = std::move(then)] {
        then(w);
        w->deleteLater();
    });
}

namespace {

// The changes list most methods answer with.
void finishChanges(QDBusPendingCallWatcher *w, const ControlClient::Done &done)
{
    QDBusPendingReply<QStringList> r = *w;
    if (r.isError())
        done(false, {}, HelperClient::errorText(r.error()));
    else
        done(true, r.value(), {});
}

void finishVoid(QDBusPendingCallWatcher *w, const ControlClient::Done &done)
{
    QDBusPendingReply<> r = *w;
    if (r.isError())
        done(false, {}, HelperClient::errorText(r.error()));
    else
        done(true, {}, {});
}

} // namespace

void ControlClient::run(const control::ControlAction &a, Done done)
{
    QString error;
    if (!ensureConnected(&error))
        return done(false, {}, error);
    if (a.kind == control::ActionKind::RestoreGroup)
        return done(false, {}, u"EINVAL: a group is restored device by device (runAll with one RestoreDriver each)"_s);
    IoGithubDevtopoHelper1Interface *p = m_helper->proxy();
    const QString addr = a.address.toString();
    QDBusPendingCall call = [&]() -> QDBusPendingCall {
        switch (a.kind) {
        case control::ActionKind::BindDevice:
            return p->BindDriver(addr, a.driver, a.force);
        case control::ActionKind::BindGroup:
            return p->BindGroup(a.group, a.driver, a.force);
        case control::ActionKind::RestoreDriver:
        case control::ActionKind::RestoreGroup:
            return p->RestoreDriver(addr);
        case control::ActionKind::PersistOverride:
            return p->PersistOverride(addr, a.driver);
        case control::ActionKind::RemoveOverride:
            return p->RemoveOverride(addr);
        case control::ActionKind::SetNumVfs:
            return p->SetNumVfs(addr, a.count);
        case control::ActionKind::SetDriversAutoprobe:
            return p->SetDriversAutoprobe(addr, a.on);
        case control::ActionKind::ResetDevice:
            return p->ResetDevice(addr, a.force);
        }
        Q_UNREACHABLE();
    }();
    qCInfo(lcClient).noquote() << "->" << a.methodName() << a.title();
    watch(call, [done](QDBusPendingCallWatcher *w) { finishChanges(w, done); });
}

void ControlClient::runAll(QList<control::ControlAction> steps, Done done, QStringList changesSoFar)
{
    if (steps.isEmpty())
        return done(true, changesSoFar, {});
    const control::ControlAction first = steps.takeFirst();
    run(first, [this, steps, done, changesSoFar, first](bool ok, const QStringList &changes, const QString &error) {
        if (!ok) {
            // Stop at the first refusal; what went before stays done and is said.
            const QString before = changesSoFar.isEmpty() ? QString() : u" (before it: %1)"_s.arg(changesSoFar.join(u"; "_s));
            return done(false, changesSoFar, u"%1 on %2%3"_s.arg(error, first.address.toString(), before));
        }
        runAll(steps, done, changesSoFar + changes);
    });
}

void ControlClient::setVfToken(const QString &pf, const QString &uuid, Done done)
{
    QString error;
    if (!ensureConnected(&error))
        return done(false, {}, error);
    watch(m_helper->proxy()->SetVfToken(pf, uuid), [done](QDBusPendingCallWatcher *w) { finishChanges(w, done); });
}

void ControlClient::openDevice(const QString &address, const QString &uuid, Done done)
{
    QString error;
    if (!ensureConnected(&error))
        return done(false, {}, error);
    watch(m_helper->proxy()->OpenDevice(address, uuid), [done](QDBusPendingCallWatcher *w) { finishChanges(w, done); });
}

void ControlClient::openGroup(int group, std::function<void(bool, quint32, const QString &)> done)
{
    QString error;
    if (!ensureConnected(&error))
        return done(false, 0, error);
    watch(m_helper->proxy()->OpenGroup(group), [done](QDBusPendingCallWatcher *w) {
        QDBusPendingReply<uint> r = *w;
        if (r.isError())
            done(false, 0, HelperClient::errorText(r.error()));
        else
            done(true, r.value(), {});
    });
}

void ControlClient::dmaBackends(int group, std::function<void(bool, const QStringList &, const QString &, const QString &)> done)
{
    QString error;
    if (!ensureConnected(&error))
        return done(false, {}, {}, error);
    watch(m_helper->proxy()->DmaBackends(group), [done](QDBusPendingCallWatcher *w) {
        QDBusPendingReply<QStringList, QString> r = *w;
        if (r.isError())
            done(false, {}, {}, HelperClient::errorText(r.error()));
        else
            done(true, r.argumentAt<0>(), r.argumentAt<1>(), {});
    });
}

void ControlClient::openGroupWith(int group, const QString &backend,
                                  std::function<void(bool, quint32, const QString &, const QStringList &, const QString &)> done)
{
    QString error;
    if (!ensureConnected(&error))
        return done(false, 0, {}, {}, error);
    qCInfo(lcClient).noquote() << "-> OpenGroupWith" << group << backend;
    watch(m_helper->proxy()->OpenGroupWith(group, backend), [done](QDBusPendingCallWatcher *w) {
        QDBusPendingReply<uint, QString, QStringList> r = *w;
        if (r.isError())
            done(false, 0, {}, {}, HelperClient::errorText(r.error()));
        else
            done(true, r.argumentAt<0>(), r.argumentAt<1>(), r.argumentAt<2>(), {});
    });
}

void ControlClient::groupInfo(quint32 handle, std::function<void(bool, const control::DmaGroupState &, const QString &)> done)
{
    QString error;
    if (!ensureConnected(&error))
        return done(false, {}, error);
    const bool cap = helperHasCapIpcLock();
    watch(m_helper->proxy()->GroupInfo(handle), [this, done, handle, cap](QDBusPendingCallWatcher *w) {
        QDBusPendingReply<int, QList<qulonglong>, qulonglong, int, qulonglong, qulonglong, bool, QList<qulonglong>> r = *w;
        if (r.isError())
            return done(false, {}, HelperClient::errorText(r.error()));
        control::DmaGroupState s;
        s.group = r.argumentAt<0>();
        s.handle = handle;
        s.pageSizes = r.argumentAt<2>();
        s.dmaAvail = r.argumentAt<3>();
        s.lockedBytes = r.argumentAt<4>();
        s.memlockLimit = r.argumentAt<5>();
        s.dirtyTracking = r.argumentAt<6>();
        s.capIpcLock = cap;
        if (!s.setFromFlat(r.argumentAt<1>(), r.argumentAt<7>()))
            return done(false, {}, u"EPROTO: the helper's GroupInfo answer has unpaired ranges"_s);
        if (!m_helper)
            return done(false, {}, u"the connection to devtopo-helper is gone"_s);
        // Same connection, answered in order: the backend of the same handle, right after.
        watch(m_helper->proxy()->DmaBackendInfo(handle), [done, s](QDBusPendingCallWatcher *bw) mutable {
            QDBusPendingReply<QString, bool, uint, uint, QStringList, QString> b = *bw;
            if (b.isError())
                return done(false, {}, HelperClient::errorText(b.error()));
            s.backend = b.argumentAt<0>();
            s.dirtyTrackingSupported = b.argumentAt<1>();
            s.ioasId = b.argumentAt<2>();
            s.hwptId = b.argumentAt<3>();
            s.boundDevices = b.argumentAt<4>();
            s.backendNote = b.argumentAt<5>();
            done(true, s, {});
        });
    });
}

void ControlClient::mapDma(quint32 handle, quint64 iova, quint64 size, bool hugePages, Done done)
{
    QString error;
    if (!ensureConnected(&error))
        return done(false, {}, error);
    watch(m_helper->proxy()->MapDma(handle, iova, size, hugePages), [done](QDBusPendingCallWatcher *w) { finishChanges(w, done); });
}

void ControlClient::unmapDma(quint32 handle, quint64 iova, quint64 size, std::function<void(bool, quint64, const QString &)> done)
{
    QString error;
    if (!ensureConnected(&error))
        return done(false, 0, error);
    watch(m_helper->proxy()->UnmapDma(handle, iova, size), [done](QDBusPendingCallWatcher *w) {
        QDBusPendingReply<qulonglong> r = *w;
        if (r.isError())
            done(false, 0, HelperClient::errorText(r.error()));
        else
            done(true, r.value(), {});
    });
}

void ControlClient::dirtyStart(quint32 handle, Done done)
{
    QString error;
    if (!ensureConnected(&error))
        return done(false, {}, error);
    watch(m_helper->proxy()->DirtyStart(handle), [done](QDBusPendingCallWatcher *w) { finishVoid(w, done); });
}

void ControlClient::dirtyStop(quint32 handle, Done done)
{
    QString error;
    if (!ensureConnected(&error))
        return done(false, {}, error);
    watch(m_helper->proxy()->DirtyStop(handle), [done](QDBusPendingCallWatcher *w) { finishVoid(w, done); });
}

void ControlClient::dirtyBitmap(quint32 handle, quint64 iova, quint64 size,
                                std::function<void(bool, const control::DirtyBitmapData &, const QString &)> done)
{
    QString error;
    if (!ensureConnected(&error))
        return done(false, {}, error);
    watch(m_helper->proxy()->DirtyBitmap(handle, iova, size), [done, iova, size](QDBusPendingCallWatcher *w) {
        QDBusPendingReply<qulonglong, QByteArray> r = *w;
        if (r.isError())
            return done(false, {}, HelperClient::errorText(r.error()));
        control::DirtyBitmapData b;
        b.iova = iova;
        b.size = size;
        b.pageSize = r.argumentAt<0>();
        b.bits = r.argumentAt<1>();
        done(true, b, {});
    });
}

void ControlClient::closeGroup(quint32 handle, Done done)
{
    QString error;
    if (!ensureConnected(&error))
        return done(false, {}, error);
    watch(m_helper->proxy()->CloseGroup(handle), [done](QDBusPendingCallWatcher *w) { finishVoid(w, done); });
}

} // namespace devtopo::client
