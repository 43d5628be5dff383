#pragma once

// The app's side of devtopo-helper: a proxy generated from the same interface definition as the
// helper's adaptor, on the system bus (D-Bus activation starts the helper) or, for the demo, on a
// peer connection to a devtopo-helper --demo this process starts itself.

#include "helperproxy.h"

#include <QDBusConnection>
#include <QDBusError>
#include <QObject>
#include <QProcess>
#include <QTemporaryDir>

#include <memory>

namespace devtopo::client {

class HelperClient : public QObject
{
    Q_OBJECT
public:
    explicit HelperClient(QObject *parent = nullptr);
    ~HelperClient() override;

    // The system helper (activated on first call).
    bool connectSystem(QString *error);
    // Starts `helperPath --demo --listen ... --authority allow` (the demo host is the caller's own
    // simulation, so nothing privileged is at stake) and connects to it peer-to-peer.
    bool startDemo(const QString &helperPath, QString *error);
    // The demo helper's published tree (scan it after HostChanged); empty for the system helper.
    QString demoRoot() const;

    qint64 demoProcessId() const { return m_demo ? m_demo->processId() : 0; }
    IoGithubDevtopoHelper1Interface *proxy() const { return m_proxy.get(); }
    bool isConnected() const { return m_proxy && m_proxy->isValid(); }

    // "EACCES: VF token required ..." from a helper error, or the D-Bus error itself.
    static QString errorText(const QDBusError &error);
    // Where devtopo-helper is: next to the app in a build tree, else the installed libexec path.
    static QString findHelper();

private:
    std::unique_ptr<QProcess> m_demo;
    std::unique_ptr<QTemporaryDir> m_demoDir;
    std::unique_ptr<IoGithubDevtopoHelper1Interface> m_proxy;
    QString m_connectionName;
};

} // namespace devtopo::client
