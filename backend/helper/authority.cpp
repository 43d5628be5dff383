#include "authority.h"

#include <QDBusArgument>
#include <QDBusMessage>
#include <QDBusMetaType>
#include <QFile>

#include <memory>

using namespace Qt::StringLiterals;

namespace {

// polkit's Subject: (sa{sv})
struct PolkitSubject
{
    QString kind;
    QVariantMap details;
};

QDBusArgument &operator<<(QDBusArgument &arg, const PolkitSubject &s)
{
    arg.beginStructure();
    arg << s.kind << s.details;
    arg.endStructure();
    return arg;
}

const QDBusArgument &operator>>(const QDBusArgument &arg, PolkitSubject &s)
{
    arg.beginStructure();
    arg >> s.kind >> s.details;
    arg.endStructure();
    return arg;
}

using StringMap = QMap<QString, QString>;

} // namespace

Q_DECLARE_METATYPE(PolkitSubject)

namespace devtopo::helper {

PolkitAuthority::PolkitAuthority(QDBusConnection bus) : m_bus(std::move(bus))
{
    qDBusRegisterMetaType<PolkitSubject>();
    qDBusRegisterMetaType<StringMap>();
}

bool PolkitAuthority::authorize(const QString &caller, const QString &action, QString *why)
{
    if (caller.isEmpty()) {
        *why = u"no caller bus name to ask polkit about"_s;
        return false;
    }
    QDBusMessage call = QDBusMessage::createMethodCall(u"org.freedesktop.PolicyKit1"_s, u"/org/freedesktop/PolicyKit1/Authority"_s,
                                                       u"org.freedesktop.PolicyKit1.Authority"_s, u"CheckAuthorization"_s);
    const PolkitSubject subject{u"system-bus-name"_s, {{u"name"_s, caller}}};
    constexpr uint AllowUserInteraction = 0x1;
    call << QVariant::fromValue(subject) << action << QVariant::fromValue(StringMap()) << AllowUserInteraction << QString();
    // Long timeout: with AllowUserInteraction polkit waits for the user to type a password.
    const QDBusMessage reply = m_bus.call(call, QDBus::Block, 5 * 60 * 1000);
    if (reply.type() != QDBusMessage::ReplyMessage || reply.arguments().isEmpty()) {
        *why = u"polkit: %1"_s.arg(reply.errorMessage());
        return false;
    }
    // (bba{ss}): is_authorized, is_challenge, details
    const QDBusArgument result = reply.arguments().constFirst().value<QDBusArgument>();
    bool authorized = false, challenge = false;
    StringMap details;
    result.beginStructure();
    result >> authorized >> challenge >> details;
    result.endStructure();
    if (!authorized)
        *why = challenge ? u"polkit: authentication required for %1 (no agent answered)"_s.arg(action)
                         : u"polkit: not authorized for %1"_s.arg(action);
    return authorized;
}

std::unique_ptr<StandInAuthority> StandInAuthority::fromSpec(const QString &spec, QString *error)
{
    auto a = std::make_unique<StandInAuthority>();
    if (spec == u"allow"_s || spec == u"deny"_s) {
        a->m_default = spec == u"allow"_s;
        return a;
    }
    QFile f(spec);
    if (!f.open(QIODevice::ReadOnly)) {
        *error = u"cannot read the stand-in authority file %1: %2"_s.arg(spec, f.errorString());
        return {};
    }
    for (const QByteArray &line : f.readAll().split('\n')) {
        const QList<QByteArray> parts = line.simplified().split(' ');
        if (parts.size() == 2 && !line.startsWith('#'))
            a->m_perAction.insert(QString::fromLatin1(parts[0]), parts[1] == "allow");
    }
    return a;
}

bool StandInAuthority::authorize(const QString &caller, const QString &action, QString *why)
{
    Q_UNUSED(caller);
    const bool ok = m_perAction.value(action, m_default);
    if (!ok)
        *why = u"not authorized for %1 (stand-in authority, test/demo only)"_s.arg(action);
    return ok;
}

} // namespace devtopo::helper
