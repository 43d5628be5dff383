#pragma once

// The object devtopo-helper exports at /io/github/devtopo/Helper1. The generated adaptor
// (io.github.devtopo.Helper1.xml) calls these methods; each one authorises the caller for its
// kind of change, calls the Host (which validates every argument), logs what changed with the
// caller's uid and turns a refusal into an io.github.devtopo.Error.* reply.

#include "authority.h"
#include "host.h"

#include <QDBusContext>
#include <QDBusServiceWatcher>
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
    int GroupInfo(uint handle, QList<qulonglong> &iovaRanges, qulonglong &pageSizes, int &dmaAvail,
                  qulonglong &lockedBytes, qulonglong &memlockLimit, bool &dirtyTracking, QList<qulonglong> &mappings);
    QStringList MapDma(uint handle, qulonglong iova, qulonglong size, bool hugePages);
    qulonglong UnmapDma(uint handle, qulonglong iova, qulonglong size);
    void DirtyStart(uint handle);
    qulonglong DirtyBitmap(uint handle, qulonglong iova, qulonglong size, QByteArray &bitmap);
    void DirtyStop(uint handle);
    void CloseGroup(uint handle);

Q_SIGNALS:
    void Progress(const QString &operation, int done, int total, const QString &message);
    void HostChanged();
    void idleTimeout();

private:
    QString caller() const;
    QString callerUid() const;
    bool authorized(const QString &action, const char *method);
    bool ownsHandle(uint handle, const char *method);
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
