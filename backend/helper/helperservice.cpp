#include "helperservice.h"

#include "hostvalidation.h"

#include <QDBusConnectionInterface>
#include <QDBusServiceWatcher>

#include <spdlog/spdlog.h>

#include <cerrno>

using namespace Qt::StringLiterals;
using devtopo::host::HostResult;

namespace devtopo::helper {

QString errorNameFor(int err)
{
    switch (err) {
    case EPERM:
    case EACCES:
        return u"io.github.devtopo.Error.PermissionDenied"_s;
    case EINVAL:
    case ERANGE:
    case EOVERFLOW:
        return u"io.github.devtopo.Error.InvalidArgument"_s;
    case EBUSY:
        return u"io.github.devtopo.Error.Busy"_s;
    case ENOENT:
    case ENODEV:
    case ENXIO:
        return u"io.github.devtopo.Error.NotFound"_s;
    case EEXIST:
        return u"io.github.devtopo.Error.Exists"_s;
    case ENOMEM:
    case ENOSPC:
        return u"io.github.devtopo.Error.NoResources"_s;
    case ENOTTY:
    case EOPNOTSUPP:
        return u"io.github.devtopo.Error.NotSupported"_s;
    case EBADF:
        return u"io.github.devtopo.Error.BadHandle"_s;
    case EBADMSG:
    case EFBIG:
        return u"io.github.devtopo.Error.BadStream"_s;
    default:
        return u"io.github.devtopo.Error.Failed"_s;
    }
}

HelperService::HelperService(std::unique_ptr<host::Host> host, std::unique_ptr<Authority> authority, int idleSeconds,
                             QObject *parent)
    : QObject(parent), m_host(std::move(host)), m_authority(std::move(authority))
{
    m_host->setProgress([this](const QString &op, int done, int total, const QString &text) {
        Q_EMIT Progress(op, done, total, text);
    });
    m_idle.setSingleShot(true);
    m_idle.setInterval(idleSeconds * 1000);
    connect(&m_idle, &QTimer::timeout, this, [this] {
        // DMA mappings live in this process: never quit while a group is open.
        if (m_host->openHandles().isEmpty())
            Q_EMIT idleTimeout();
        else
            m_idle.start();
    });
    if (idleSeconds > 0)
        m_idle.start();
}

HelperService::~HelperService() = default;

void HelperService::touch()
{
    if (m_idle.interval() > 0)
        m_idle.start();
}

void HelperService::watchCallers(const QDBusConnection &bus)
{
    auto *watcher = new QDBusServiceWatcher(this);
    watcher->setConnection(bus);
    watcher->setWatchMode(QDBusServiceWatcher::WatchForUnregistration);
    connect(watcher, &QDBusServiceWatcher::serviceUnregistered, this, [this, watcher](const QString &name) {
        // Devices first, then their groups.
        const QList<uint> owned = m_handleOwner.keys(name);
        for (uint h : owned) {
            if (m_host->openMigrationDevices().contains(h) && m_host->closeMigrationDevice(h).ok)
                spdlog::info("caller {} left: closed VFIO device handle {}", name.toStdString(), h);
        }
        for (uint h : owned) {
            if (m_host->openHandles().contains(h) && m_host->closeGroup(h).ok)
                spdlog::info("caller {} left: closed VFIO handle {}", name.toStdString(), h);
            m_handleOwner.remove(h);
        }
        watcher->removeWatchedService(name);
    });
    m_watcher = watcher;
}

QString HelperService::caller() const
{
    return calledFromDBus() ? message().service() : QString();
}

QString HelperService::callerUid() const
{
    const QString name = caller();
    if (name.isEmpty())
        return u"peer"_s;
    const QDBusReply<uint> uid = connection().interface()->serviceUid(name);
    return uid.isValid() ? QString::number(uid.value()) : u"?"_s;
}

bool HelperService::authorized(const QString &action, const char *method)
{
    touch();
    QString why;
    if (m_authority->authorize(caller(), action, &why))
        return true;
    spdlog::warn("uid {} ({}) refused {}: {}", callerUid().toStdString(), caller().toStdString(), method, why.toStdString());
    sendErrorReply(u"io.github.devtopo.Error.NotAuthorized"_s, u"EACCES: "_s + why);
    return false;
}

bool HelperService::ownsHandle(uint handle, const char *method)
{
    const auto it = m_handleOwner.constFind(handle);
    if (it != m_handleOwner.cend() && *it == caller())
        return true;
    // Another caller's handle looks exactly like a missing one: no way to probe for them.
    const HostResult r = HostResult::failure(EBADF, u"no open VFIO group or device with handle %1"_s.arg(handle));
    finish(method, r, false);
    return false;
}

QStringList HelperService::finish(const char *method, const HostResult &r, bool changesHost)
{
    const std::string uid = callerUid().toStdString();
    if (!r.ok) {
        spdlog::warn("uid {} {} refused: {}", uid, method, r.errorText().toStdString());
        sendErrorReply(errorNameFor(r.err), r.errorText());
        return {};
    }
    for (const QString &change : r.changes)
        spdlog::info("uid {} {}: {}", uid, method, change.toStdString());
    if (changesHost && !r.changes.isEmpty()) {
        m_host->scanRoot(); // the demo host publishes its new tree here
        Q_EMIT HostChanged();
    }
    return r.changes;
}

QStringList HelperService::BindDriver(const QString &address, const QString &driver, bool force)
{
    if (!authorized(Action::Bind, "BindDriver"))
        return {};
    return finish("BindDriver", m_host->bindDriver(address, driver, force), true);
}

QStringList HelperService::BindGroup(int group, const QString &driver, bool force)
{
    if (!authorized(Action::Bind, "BindGroup"))
        return {};
    return finish("BindGroup", m_host->bindGroup(group, driver, force), true);
}

QStringList HelperService::RestoreDriver(const QString &address)
{
    if (!authorized(Action::Bind, "RestoreDriver"))
        return {};
    return finish("RestoreDriver", m_host->restoreDriver(address), true);
}

QStringList HelperService::PersistOverride(const QString &address, const QString &driver)
{
    if (!authorized(Action::Bind, "PersistOverride"))
        return {};
    return finish("PersistOverride", m_host->persistOverride(address, driver), false);
}

QStringList HelperService::RemoveOverride(const QString &address)
{
    if (!authorized(Action::Bind, "RemoveOverride"))
        return {};
    return finish("RemoveOverride", m_host->removeOverride(address), false);
}

QStringList HelperService::ResetDevice(const QString &address, bool force)
{
    if (!authorized(Action::Bind, "ResetDevice"))
        return {};
    return finish("ResetDevice", m_host->resetDevice(address, force), false);
}

QStringList HelperService::SetNumVfs(const QString &pf, int count)
{
    if (!authorized(Action::Sriov, "SetNumVfs"))
        return {};
    return finish("SetNumVfs", m_host->setNumVfs(pf, count), true);
}

QStringList HelperService::SetDriversAutoprobe(const QString &pf, bool on)
{
    if (!authorized(Action::Sriov, "SetDriversAutoprobe"))
        return {};
    return finish("SetDriversAutoprobe", m_host->setDriversAutoprobe(pf, on), true);
}

QStringList HelperService::SetVfToken(const QString &pf, const QString &uuid)
{
    if (!authorized(Action::Vfio, "SetVfToken"))
        return {};
    return finish("SetVfToken", m_host->setVfToken(pf, uuid), false);
}

QStringList HelperService::OpenDevice(const QString &address, const QString &uuid)
{
    if (!authorized(Action::Vfio, "OpenDevice"))
        return {};
    return finish("OpenDevice", m_host->openDevice(address, uuid), false);
}

uint HelperService::OpenGroup(int group)
{
    if (!authorized(Action::Vfio, "OpenGroup"))
        return 0;
    quint32 handle = 0;
    const HostResult r = m_host->openGroup(group, &handle);
    finish("OpenGroup", r, false);
    if (!r.ok)
        return 0;
    adoptHandle(handle);
    return handle;
}

void HelperService::adoptHandle(uint handle)
{
    m_handleOwner.insert(handle, caller());
    if (m_watcher && !caller().isEmpty())
        m_watcher->addWatchedService(caller());
}

QStringList HelperService::DmaBackends(int group, QString &iommufdReason)
{
    if (!authorized(Action::Vfio, "DmaBackends"))
        return {};
    if (HostResult r = host::validate::groupNumber(group); !r.ok) {
        finish("DmaBackends", r, false);
        return {};
    }
    if (m_host->groupMemberNames(group).isEmpty()) {
        finish("DmaBackends", HostResult::failure(ENOENT, u"no IOMMU group %1 with devices on this host"_s.arg(group)), false);
        return {};
    }
    QStringList backends{u"type1v2"_s};
    const HostResult avail = m_host->iommufdAvailable(group);
    if (avail.ok)
        backends << u"iommufd"_s;
    else
        iommufdReason = avail.errorText();
    return backends;
}

uint HelperService::OpenGroupWith(int group, const QString &backend, QString &backendUsed, QStringList &changes)
{
    if (!authorized(Action::Vfio, "OpenGroupWith"))
        return 0;
    quint32 handle = 0;
    const HostResult r = m_host->openGroupWith(group, backend, &handle);
    changes = finish("OpenGroupWith", r, false);
    if (!r.ok)
        return 0;
    adoptHandle(handle);
    host::VfioGroupInfo info;
    m_host->groupInfo(handle, &info);
    backendUsed = host::dmaBackendName(info.backend);
    return handle;
}

QString HelperService::DmaBackendInfo(uint handle, bool &dirtyTrackingSupported, uint &ioasId, uint &hwptId,
                                      QStringList &devices, QString &note)
{
    if (!authorized(Action::Vfio, "DmaBackendInfo") || !ownsHandle(handle, "DmaBackendInfo"))
        return {};
    host::VfioGroupInfo info;
    const HostResult r = m_host->groupInfo(handle, &info);
    finish("DmaBackendInfo", r, false);
    if (!r.ok)
        return {};
    dirtyTrackingSupported = info.dirtyTrackingSupported;
    ioasId = info.ioasId;
    hwptId = info.hwptId;
    devices = info.devices;
    note = info.backendNote;
    return host::dmaBackendName(info.backend);
}

int HelperService::GroupInfo(uint handle, QList<qulonglong> &iovaRanges, qulonglong &pageSizes, int &dmaAvail,
                             qulonglong &lockedBytes, qulonglong &memlockLimit, bool &dirtyTracking,
                             QList<qulonglong> &mappings)
{
    if (!authorized(Action::Vfio, "GroupInfo") || !ownsHandle(handle, "GroupInfo"))
        return -1;
    host::VfioGroupInfo info;
    const HostResult r = m_host->groupInfo(handle, &info);
    finish("GroupInfo", r, false);
    if (!r.ok)
        return -1;
    for (const host::VfioRange &range : std::as_const(info.iovaRanges))
        iovaRanges << range.start << range.end;
    pageSizes = info.pageSizes;
    dmaAvail = info.dmaAvail;
    lockedBytes = info.lockedBytes;
    memlockLimit = info.memlockBypassed ? ~qulonglong(0) : info.memlockLimit;
    dirtyTracking = info.dirtyTracking;
    for (const host::DmaMapping &m : std::as_const(info.mappings))
        mappings << m.iova << m.size;
    return info.group;
}

QStringList HelperService::MapDma(uint handle, qulonglong iova, qulonglong size, bool hugePages)
{
    if (!authorized(Action::Vfio, "MapDma") || !ownsHandle(handle, "MapDma"))
        return {};
    return finish("MapDma", m_host->mapDma(handle, iova, size, hugePages), false);
}

qulonglong HelperService::UnmapDma(uint handle, qulonglong iova, qulonglong size)
{
    if (!authorized(Action::Vfio, "UnmapDma") || !ownsHandle(handle, "UnmapDma"))
        return 0;
    quint64 unmapped = 0;
    finish("UnmapDma", m_host->unmapDma(handle, iova, size, &unmapped), false);
    return unmapped;
}

void HelperService::DirtyStart(uint handle)
{
    if (!authorized(Action::Migration, "DirtyStart") || !ownsHandle(handle, "DirtyStart"))
        return;
    finish("DirtyStart", m_host->dirtyStart(handle), false);
}

qulonglong HelperService::DirtyBitmap(uint handle, qulonglong iova, qulonglong size, QByteArray &bitmap)
{
    if (!authorized(Action::Migration, "DirtyBitmap") || !ownsHandle(handle, "DirtyBitmap"))
        return 0;
    host::DirtyBitmap bits;
    const HostResult r = m_host->dirtyBitmap(handle, iova, size, &bits);
    finish("DirtyBitmap", r, false);
    bitmap = bits.bits;
    return bits.pageSize;
}

void HelperService::DirtyStop(uint handle)
{
    if (!authorized(Action::Migration, "DirtyStop") || !ownsHandle(handle, "DirtyStop"))
        return;
    finish("DirtyStop", m_host->dirtyStop(handle), false);
}

void HelperService::CloseGroup(uint handle)
{
    if (!authorized(Action::Vfio, "CloseGroup") || !ownsHandle(handle, "CloseGroup"))
        return;
    if (finish("CloseGroup", m_host->closeGroup(handle), false).size())
        pruneHandles();
}

void HelperService::pruneHandles()
{
    const QList<quint32> groups = m_host->openHandles();
    const QList<quint32> devices = m_host->openMigrationDevices();
    for (auto it = m_handleOwner.begin(); it != m_handleOwner.end();) {
        if (!groups.contains(it.key()) && !devices.contains(it.key()))
            it = m_handleOwner.erase(it);
        else
            ++it;
    }
}

uint HelperService::OpenMigrationDevice(uint groupHandle, const QString &device)
{
    if (!authorized(Action::Migration, "OpenMigrationDevice") || !ownsHandle(groupHandle, "OpenMigrationDevice"))
        return 0;
    quint32 handle = 0;
    const HostResult r = m_host->openMigrationDevice(groupHandle, device, &handle);
    finish("OpenMigrationDevice", r, false);
    if (!r.ok)
        return 0;
    m_handleOwner.insert(handle, caller());
    return handle;
}

void HelperService::CloseMigrationDevice(uint handle)
{
    if (!authorized(Action::Migration, "CloseMigrationDevice") || !ownsHandle(handle, "CloseMigrationDevice"))
        return;
    if (finish("CloseMigrationDevice", m_host->closeMigrationDevice(handle), false).size())
        pruneHandles();
}

QString HelperService::MigrationInfo(uint handle, int &group, uint &vendor, uint &deviceId, qulonglong &flags, uint &state,
                                     bool &dmaLoggingSupported, bool &dmaLogging, qulonglong &bufferedBytes)
{
    if (!authorized(Action::Migration, "MigrationInfo") || !ownsHandle(handle, "MigrationInfo"))
        return {};
    host::MigrationDeviceInfo info;
    const HostResult r = m_host->migrationInfo(handle, &info);
    finish("MigrationInfo", r, false);
    group = info.group;
    vendor = info.vendor;
    deviceId = info.deviceId;
    flags = info.flags;
    state = info.state;
    dmaLoggingSupported = info.dmaLoggingSupported;
    dmaLogging = info.dmaLogging;
    bufferedBytes = info.bufferedBytes;
    return info.device;
}

uint HelperService::SetMigrationState(uint handle, const QString &target, QStringList &changes)
{
    if (!authorized(Action::Migration, "SetMigrationState") || !ownsHandle(handle, "SetMigrationState"))
        return 0;
    quint32 state = 0;
    changes = finish("SetMigrationState", m_host->setMigrationState(handle, target, &state), false);
    return state;
}

QStringList HelperService::ResetMigrationDevice(uint handle)
{
    if (!authorized(Action::Migration, "ResetMigrationDevice") || !ownsHandle(handle, "ResetMigrationDevice"))
        return {};
    return finish("ResetMigrationDevice", m_host->resetMigrationDevice(handle), false);
}

qulonglong HelperService::PrecopyInfo(uint handle, qulonglong &dirtyBytes)
{
    if (!authorized(Action::Migration, "PrecopyInfo") || !ownsHandle(handle, "PrecopyInfo"))
        return 0;
    host::PrecopyInfo info;
    finish("PrecopyInfo", m_host->precopyInfo(handle, &info), false);
    dirtyBytes = info.dirtyBytes;
    return info.initialBytes;
}

qulonglong HelperService::ReadPrecopy(uint handle, qulonglong maxBytes)
{
    if (!authorized(Action::Migration, "ReadPrecopy") || !ownsHandle(handle, "ReadPrecopy"))
        return 0;
    quint64 read = 0;
    finish("ReadPrecopy", m_host->readPrecopy(handle, maxBytes, &read), false);
    return read;
}

qulonglong HelperService::StopCopySize(uint handle)
{
    if (!authorized(Action::Migration, "StopCopySize") || !ownsHandle(handle, "StopCopySize"))
        return 0;
    quint64 bytes = 0;
    finish("StopCopySize", m_host->stopCopySize(handle, &bytes), false);
    return bytes;
}

qulonglong HelperService::SaveState(uint handle, const QDBusUnixFileDescriptor &fd, QString &sha256)
{
    if (!authorized(Action::Migration, "SaveState") || !ownsHandle(handle, "SaveState"))
        return 0;
    quint64 bytes = 0;
    // QDBusUnixFileDescriptor owns a dup() of the client's descriptor; fileDescriptor() is -1 when none came.
    finish("SaveState", m_host->saveState(handle, fd.isValid() ? fd.fileDescriptor() : -1, &bytes, &sha256), false);
    return bytes;
}

qulonglong HelperService::LoadState(uint handle, const QDBusUnixFileDescriptor &fd)
{
    if (!authorized(Action::Migration, "LoadState") || !ownsHandle(handle, "LoadState"))
        return 0;
    quint64 bytes = 0;
    finish("LoadState", m_host->loadState(handle, fd.isValid() ? fd.fileDescriptor() : -1, &bytes), false);
    return bytes;
}

void HelperService::DmaLoggingStart(uint handle, const QList<qulonglong> &ranges, qulonglong pageSize)
{
    if (!authorized(Action::Migration, "DmaLoggingStart") || !ownsHandle(handle, "DmaLoggingStart"))
        return;
    if (ranges.size() % 2 != 0 || ranges.size() > 2 * 1024) {
        finish("DmaLoggingStart", HostResult::failure(EINVAL, u"ranges must be iova, length pairs (%1 numbers given)"_s.arg(ranges.size())), false);
        return;
    }
    QList<host::DmaLogRange> rs;
    for (qsizetype i = 0; i + 1 < ranges.size(); i += 2)
        rs.append({ranges[i], ranges[i + 1]});
    finish("DmaLoggingStart", m_host->dmaLoggingStart(handle, rs, pageSize), false);
}

QByteArray HelperService::DmaLoggingReport(uint handle, qulonglong iova, qulonglong length, qulonglong pageSize)
{
    if (!authorized(Action::Migration, "DmaLoggingReport") || !ownsHandle(handle, "DmaLoggingReport"))
        return {};
    host::DirtyBitmap bits;
    finish("DmaLoggingReport", m_host->dmaLoggingReport(handle, iova, length, pageSize, &bits), false);
    return bits.bits;
}

void HelperService::DmaLoggingStop(uint handle)
{
    if (!authorized(Action::Migration, "DmaLoggingStop") || !ownsHandle(handle, "DmaLoggingStop"))
        return;
    finish("DmaLoggingStop", m_host->dmaLoggingStop(handle), false);
}

} // namespace devtopo::helper
