#pragma once

// Who may do what: every helper method asks an Authority before touching the host. On the system
// bus that is polkit, asked about the caller's unique bus name. The stand-in authorities exist for
// the demo and the tests only (a private bus or a peer connection, never the system bus).

#include <QDBusConnection>
#include <QHash>
#include <QString>

namespace devtopo::helper {

// The polkit action ids, one per kind of change (resources/polkit/io.github.devtopo.policy).
namespace Action {
inline const QString Bind = QStringLiteral("io.github.devtopo.bind");
inline const QString Sriov = QStringLiteral("io.github.devtopo.sriov");
inline const QString Vfio = QStringLiteral("io.github.devtopo.vfio");
inline const QString Migration = QStringLiteral("io.github.devtopo.migration");
} // namespace Action

class Authority
{
public:
    virtual ~Authority() = default;
    // caller: the unique bus name (":1.42"), empty on a peer connection. *why says why not.
    virtual bool authorize(const QString &caller, const QString &action, QString *why) = 0;
};

// org.freedesktop.PolicyKit1.Authority.CheckAuthorization with subject "system-bus-name" and
// AllowUserInteraction, so the caller's agent can ask for the password (auth_admin_keep).
class PolkitAuthority : public Authority
{
public:
    explicit PolkitAuthority(QDBusConnection bus);
    bool authorize(const QString &caller, const QString &action, QString *why) override;

private:
    QDBusConnection m_bus;
};

// TEST/DEMO ONLY. "allow" or "deny" for everything, or a file of "<action> allow|deny" lines
// (anything not listed is denied). Refused by main() on the system bus.
class StandInAuthority : public Authority
{
public:
    // spec: "allow", "deny" or a path. *error is set when a file cannot be read.
    static std::unique_ptr<StandInAuthority> fromSpec(const QString &spec, QString *error);
    bool authorize(const QString &caller, const QString &action, QString *why) override;

private:
    bool m_default = false;
    QHash<QString, bool> m_perAction;
};

} // namespace devtopo::helper
