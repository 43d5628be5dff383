#include "qmpdiscovery.h"

#include "qmpclient.h"

#include <QDir>
#include <QFileInfo>
#include <QJsonObject>
#include <QSet>
#include <QStandardPaths>
#include <QTimer>

#include <sys/stat.h>

namespace devtopo::qmp {

namespace {

bool isSocket(const QString &path)
{
    struct stat st {};
    return ::stat(QFile::encodeName(path).constData(), &st) == 0 && S_ISSOCK(st.st_mode);
}

void addGlob(QList<QmpCandidate> *out, QSet<QString> *seen, const QString &dir, const QString &pattern,
             const QString &origin, bool subdirs = false)
{
    QStringList dirs{dir};
    if (subdirs) {
        dirs.clear();
        const QDir d(dir);
        for (const QString &sub : d.entryList(QDir::Dirs | QDir::NoDotAndDotDot))
            dirs.append(d.filePath(sub));
    }
    for (const QString &dd : dirs) {
        const QDir d(dd);
        for (const QString &name : d.entryList({pattern}, QDir::System | QDir::Files | QDir::Hidden)) {
            const QString path = d.filePath(name);
            if (seen->contains(path) || !isSocket(path))
                continue;
            seen->insert(path);
            out->append({path, origin, false, QString()});
        }
    }
}

} // namespace

QList<QmpCandidate> qmpSocketCandidates(const QStringList &extraDirs)
{
    QList<QmpCandidate> out;
    QSet<QString> seen;
    for (const QString &dir : extraDirs)
        addGlob(&out, &seen, dir, QStringLiteral("*"), QStringLiteral("given directory"));
    addGlob(&out, &seen, QStringLiteral("/run/libvirt/qemu"), QStringLiteral("*.monitor"), QStringLiteral("libvirt (system)"));
    addGlob(&out, &seen, QStringLiteral("/var/lib/libvirt/qemu"), QStringLiteral("*.monitor"), QStringLiteral("libvirt (system)"));
    addGlob(&out, &seen, QStringLiteral("/var/lib/libvirt/qemu"), QStringLiteral("monitor.sock"), QStringLiteral("libvirt (system)"), true);
    const QString config = QStandardPaths::writableLocation(QStandardPaths::GenericConfigLocation);
    addGlob(&out, &seen, config + QStringLiteral("/libvirt/qemu/lib"), QStringLiteral("monitor.sock"), QStringLiteral("libvirt (session)"), true);
    const QString runtime = qEnvironmentVariable("XDG_RUNTIME_DIR");
    if (!runtime.isEmpty()) {
        addGlob(&out, &seen, runtime, QStringLiteral("*qmp*"), QStringLiteral("XDG_RUNTIME_DIR"));
        addGlob(&out, &seen, runtime + QStringLiteral("/qemu"), QStringLiteral("*"), QStringLiteral("XDG_RUNTIME_DIR/qemu"));
    }
    addGlob(&out, &seen, QStringLiteral("/run/qemu"), QStringLiteral("*"), QStringLiteral("QEMU run directory"));
    addGlob(&out, &seen, QStringLiteral("/var/run/qemu"), QStringLiteral("*"), QStringLiteral("QEMU run directory"));
    addGlob(&out, &seen, QStringLiteral("/tmp"), QStringLiteral("*.qmp"), QStringLiteral("/tmp"));
    addGlob(&out, &seen, QStringLiteral("/tmp"), QStringLiteral("*.qmp"), QStringLiteral("/tmp"), true);
    return out;
}

QmpDiscovery::QmpDiscovery(QObject *parent)
    : QObject(parent)
{
}

void QmpDiscovery::start(const QStringList &extraDirs)
{
    probe(qmpSocketCandidates(extraDirs));
}

void QmpDiscovery::probe(const QList<QmpCandidate> &candidates)
{
    m_results = candidates;
    m_outstanding = int(candidates.size());
    if (m_outstanding == 0) {
        QTimer::singleShot(0, this, [this] { Q_EMIT finished(m_results); });
        return;
    }
    for (int i = 0; i < candidates.size(); ++i) {
        auto *client = new QmpClient(this);
        client->setGreetingTimeout(m_timeoutMs);
        client->setCommandTimeout(m_timeoutMs);
        auto done = [this, client, i](bool ok, const QString &detail) {
            if (client->property("done").toBool())
                return;
            client->setProperty("done", true);
            m_results[i].reachable = ok;
            m_results[i].detail = detail;
            client->disconnectFromSocket();
            client->deleteLater();
            // Never from inside probe(): a caller may connect and wait after calling it.
            if (--m_outstanding == 0)
                QTimer::singleShot(0, this, [this] { Q_EMIT finished(m_results); });
        };
        connect(client, &QmpClient::failed, this, [done](const QString &error) { done(false, error); });
        connect(client, &QmpClient::ready, this, [client, done](const QmpGreeting &g) {
            client->execute(QStringLiteral("query-name"), {}, client, [g, done](const QmpReply &r) {
                const QString name = r.object().value(QLatin1StringView("name")).toString();
                done(true, (name.isEmpty() ? QStringLiteral("unnamed VM") : QStringLiteral("VM ") + name)
                               % QStringLiteral(", QEMU ") % g.versionString());
            });
        });
        client->connectToSocket(candidates[i].path);
    }
}

} // namespace devtopo::qmp
