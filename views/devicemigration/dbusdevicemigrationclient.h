#pragma once

// DeviceMigrationClient over devtopo-helper's D-Bus interface (the generated proxy): opens the
// device's group and the device itself, keeps both handles, closes them when destroyed.

#include "devicemigrationclient.h"

#include <memory>

class IoGithubDevtopoHelper1Interface;

namespace devtopo::devmig {

class DBusDeviceMigrationClient : public DeviceMigrationClient
{
    Q_OBJECT
public:
    explicit DBusDeviceMigrationClient(IoGithubDevtopoHelper1Interface *helper, QObject *parent = nullptr);
    ~DBusDeviceMigrationClient() override;
    // Opens `group` and `device` in it; "" or the helper's error.
    QString open(int group, const QString &device);

    QString status(DeviceMigrationStatus *out) override;
    QString setState(const QString &target, QStringList *changes) override;
    QString precopy(quint64 *initial, quint64 *dirty) override;
    QString stopCopySize(quint64 *bytes) override;
    QString readPrecopy(quint64 maxBytes, quint64 *read) override;
    QString saveTo(const QString &path, quint64 *bytes, QString *sha256) override;
    QString loadFrom(const QString &path, quint64 *bytes) override;
    QString reset() override;

private:
    IoGithubDevtopoHelper1Interface *m_helper;
    uint m_group = 0;
    uint m_device = 0;
};

} // namespace devtopo::devmig
