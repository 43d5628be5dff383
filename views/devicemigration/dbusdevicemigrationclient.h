#pragma once

// DeviceMigrationClient over devtopo-helper's D-Bus interface (the generated proxy): opens the
// device's group and the device itself, keeps both handles, closes them when closed or destroyed.
// Every call is a pending D-Bus call watched on the event loop (like ControlClient): a walk, a save
// of a large stream or a load never blocks the thread that asked.

#include "devicemigrationclient.h"

#include <QPointer>

class IoGithubDevtopoHelper1Interface;
class QDBusPendingCall;
class QDBusPendingCallWatcher;

namespace devtopo::devmig {

class DBusDeviceMigrationClient : public DeviceMigrationClient
{
    Q_OBJECT
public:
    explicit DBusDeviceMigrationClient(IoGithubDevtopoHelper1Interface *helper, QObject *parent = nullptr);
    // Sends the close calls for handles still open (without waiting for their answers).
    ~DBusDeviceMigrationClient() override;

    // Opens `group` and `device` in it (a PCI address or an mdev UUID); done("") or the helper's
    // error (the group is closed again when the device cannot be opened).
    void open(int group, const QString &device, Reply<> done);
    // Closes the device and then its group; done may be empty.
    void close(Reply<> done = {});
    bool isOpen() const { return m_device != 0; }
    QString device() const { return m_deviceName; }
    int group() const { return m_groupNumber; }

    void status(Reply<const DeviceMigrationStatus &> done) override;
    void setState(const QString &target, Reply<const QStringList &> done) override;
    void precopy(Reply<quint64, quint64> done) override;
    void stopCopySize(Reply<quint64> done) override;
    void readPrecopy(quint64 maxBytes, Reply<quint64> done) override;
    void saveTo(const QString &path, Reply<quint64, const QString &> done) override;
    void loadFrom(const QString &path, Reply<quint64> done) override;
    void reset(Reply<> done) override;
    void mappedRanges(Reply<const QList<IovaSpan> &> done) override;
    void dmaLoggingStart(const QList<IovaSpan> &ranges, quint64 pageSize, Reply<> done) override;
    void dmaLoggingReport(quint64 iova, quint64 length, quint64 pageSize, Reply<const QByteArray &> done) override;
    void dmaLoggingStop(Reply<> done) override;

private:
    void watch(const QDBusPendingCall &call, std::function<void(QDBusPendingCallWatcher *)> then);
    // The answer for a call that never went out, delivered from the event loop like the others.
    void later(std::function<void()> then);
    bool usable(QString *error) const;

    QPointer<IoGithubDevtopoHelper1Interface> m_helper;
    uint m_group = 0;
    uint m_device = 0;
    int m_groupNumber = -1;
    QString m_deviceName;
};

} // namespace devtopo::devmig
