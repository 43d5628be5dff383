#pragma once

// The object devtopo-helper exports at /io/github/devtopo/Helper1. The generated adaptor
// (io.github.devtopo.Helper1.xml) calls these methods; each one authorises the caller for its
// kind of change, calls the Host (which validates every argument), logs what changed with the
// caller's uid and turns a refusal into an io.github.devtopo.Error.* reply.

#include "authority.h"
#include "host.h"

#include <QDBusContext>
#include <QDBusServiceWatcher>
#include <QDBusUnixFileDescriptor>
#include <QObject>
#include <QTimer>

#include <memory>

namespace devtopo::helper {

// D-Bus error names; the message starts with the errno name ("EACCES: ...").
QString errorNameFor(int err);

class HelperService : public QObject, protected QDBusContext
{
    Q_OBJECT
public:
    // idleSeconds 0: never quit on idle (demo). Takes ownership of host and authority.
    HelperService(std::unique_ptr<host::Host> host, std::unique_ptr<Authority> authority, int idleSeconds,
                  QObject *parent = nullptr);
    ~HelperService() override;

    // Closes the handles a caller left behind when it leaves the bus.
    void watchCallers(const QDBusConnection &bus);

    QStringList BindDriver(const QString &address, const QString &driver, bool force);
    QStringList BindGroup(int group, const QString &driver, bool force);
    QStringList RestoreDriver(const QString &address);
    QStringList PersistOverride(const QString &address, const QString &driver);
    QStringList RemoveOverride(const QString &address);
    QStringList ResetDevice(const QString &address, bool force);
    QStringList SetNumVfs(const QString &pf, int count);
    QStringList SetDriversAutoprobe(const QString &pf, bool on);
    QStringList SetVfToken(const QString &pf, const QString &uuid);
    QStringList OpenDevice(const QString &address, const QString &uuid);
    uint OpenGroup(int group);
    QStringList DmaBackends(int group, QString &iommufdReason);
    uint OpenGroupWith(int group, const QString &backend, QString &backendUsed, QStringList &changes);
    QString DmaBackendInfo(uint handle, bool &dirtyTrackingSupported, uint &ioasId, uint &hwptId, QStringList &devices,
                           QString &note);
    int GroupInfo(uint handle, QList<qulonglong> &iovaRanges, qulonglong &pageSizes, int &dmaAvail,
                  qulonglong &lockedBytes, qulonglong &memlockLimit, bool &dirtyTracking, QList<qulonglong> &mappings);
    QStringList MapDma(uint handle, qulonglong iova, qulonglong size, bool hugePages);
    qulonglong UnmapDma(uint handle, qulonglong iova, qulonglong size);
    void DirtyStart(uint handle);
    qulonglong DirtyBitmap(uint handle, qulonglong iova, qulonglong size, QByteArray &bitmap);
    void DirtyStop(uint handle);
    void CloseGroup(uint handle);

    uint OpenMigrationDevice(uint groupHandle, const QString &device);
    void CloseMigrationDevice(uint handle);
    QString MigrationInfo(uint handle, int &group, uint &vendor, uint &deviceId, qulonglong &flags, uint &state,
                          bool &dmaLoggingSupported, bool &dmaLogging, qulonglong &bufferedBytes);
    uint SetMigrationState(uint handle, const QString &target, QStringList &changes);
    QStringList ResetMigrationDevice(uint handle);
    qulonglong PrecopyInfo(uint handle, qulonglong &dirtyBytes);
    qulonglong ReadPrecopy(uint handle, qulonglong maxBytes);
    qulonglong StopCopySize(uint handle);
    qulonglong SaveState(uint handle, const QDBusUnixFileDescriptor &fd, QString &sha256);
    qulonglong LoadState(uint handle, const QDBusUnixFileDescriptor &fd);
    void DmaLoggingStart(uint handle, const QList<qulonglong> &ranges, qulonglong pageSize);
    QByteArray DmaLoggingReport(uint handle, qulonglong iova, qulonglong length, qulonglong pageSize);
    void DmaLoggingStop(uint handle);

Q_SIGNALS:
    void Progress(const QString &operation, int done, int total, const QString &message);
    void HostChanged();
    void idleTimeout();

private:
    QString caller() const;
    QString callerUid() const;
    bool authorized(const QString &action, const char *method);
    bool ownsHandle(uint handle, const char *method);
    void adoptHandle(uint handle); // the caller owns it; closed when the caller leaves the bus
    void pruneHandles(); // forget owners of handles the host closed (a group's devices)
    // Sends the error for a failed result; logs and announces a successful change.
    QStringList finish(const char *method, const host::HostResult &r, bool changesHost);
    void touch();

    std::unique_ptr<host::Host> m_host;
    std::unique_ptr<Authority> m_authority;
    QHash<uint, QString> m_handleOwner; // handle -> caller bus name ("" on a peer connection)
    QTimer m_idle;
    QDBusServiceWatcher *m_watcher = nullptr;
};

} // namespace devtopo::helper
