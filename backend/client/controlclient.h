#pragma once

// The window's asynchronous side of devtopo-helper: every call goes out as a pending D-Bus call and
// its answer comes back through a callback on the event loop, so the UI never waits. It owns the
// HelperClient: a demo helper it started itself, or the system helper, connected on first use.

#include "controlaction.h"
#include "dmastate.h"
#include "helperclient.h"

#include <QObject>

#include <functional>

namespace devtopo::client {

class ControlClient : public QObject
{
    Q_OBJECT
public:
    enum class Mode { System, Demo, ReadOnly };

    explicit ControlClient(QObject *parent = nullptr);
    ~ControlClient() override;

    // Starts devtopo-helper --demo and connects to it (blocks until it says where it listens).
    bool startDemo(const QString &helperPath, QString *error);
    // Nothing will be sent: the window shows a tree no helper owns (the demo helper failed).
    void setReadOnly(const QString &why);
    Mode mode() const { return m_mode; }
    QString readOnlyReason() const { return m_readOnlyReason; }
    QString demoRoot() const;
    bool isConnected() const { return m_helper && m_helper->isConnected(); }
    // The system helper runs as root: CAP_IPC_LOCK lifts RLIMIT_MEMLOCK for its DMA mappings.
    bool helperHasCapIpcLock() const { return m_mode == Mode::System; }

    // The helper's proxy for clients of other interfaces (device migration), connecting to the
    // system helper first when needed; nullptr and why when nothing can be sent.
    IoGithubDevtopoHelper1Interface *helperProxy(QString *error);
    // The demo helper's process id (0 when none runs): tests pause it to hold answers back.
    qint64 demoHelperPid() const { return m_helper ? m_helper->demoProcessId() : 0; }

    using Done = std::function<void(bool ok, const QStringList &changes, const QString &error)>;

    void run(const control::ControlAction &action, Done done);
    // One after the other; stops at the first refusal (its error names the device).
    void runAll(QList<control::ControlAction> steps, Done done, QStringList changesSoFar = {});
    void setVfToken(const QString &pf, const QString &uuid, Done done);
    void openDevice(const QString &address, const QString &uuid, Done done);
    void openGroup(int group, std::function<void(bool ok, quint32 handle, const QString &error)> done);
    // The DMA backends `group` can be opened on ("type1v2", "iommufd") and why iommufd is not
    // among them (the helper's text, starting with the errno name; empty when it is).
    void dmaBackends(int group, std::function<void(bool ok, const QStringList &backends, const QString &iommufdReason, const QString &error)> done);
    // backend: "auto", "type1v2" or "iommufd"; changes: what the helper did, the auto fallback's
    // reason first when there was one.
    void openGroupWith(int group, const QString &backend,
                       std::function<void(bool ok, quint32 handle, const QString &backendUsed, const QStringList &changes, const QString &error)> done);
    // GroupInfo and then DmaBackendInfo: the whole state of the handle.
    void groupInfo(quint32 handle, std::function<void(bool ok, const control::DmaGroupState &state, const QString &error)> done);
    void mapDma(quint32 handle, quint64 iova, quint64 size, bool hugePages, Done done);
    void unmapDma(quint32 handle, quint64 iova, quint64 size, std::function<void(bool ok, quint64 unmapped, const QString &error)> done);
    void dirtyStart(quint32 handle, Done done);
    void dirtyStop(quint32 handle, Done done);
    void dirtyBitmap(quint32 handle, quint64 iova, quint64 size,
                     std::function<void(bool ok, const control::DirtyBitmapData &bitmap, const QString &error)> done);
    void closeGroup(quint32 handle, Done done);

Q_SIGNALS:
    void progress(const QString &operation, int done, int total, const QString &message);
    void hostChanged();

private:
    // Connects to the system helper the first time something is sent; false + why otherwise.
    bool ensureConnected(QString *error);
    void watch(const QDBusPendingCall &call, std::function<void(QDBusPendingCallWatcher *)> then);
    void wireSignals();

    std::unique_ptr<HelperClient> m_helper;
    Mode m_mode = Mode::System;
    QString m_readOnlyReason;
};

} // namespace devtopo::client
