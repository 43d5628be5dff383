#include "helperclient.h"

#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFileInfo>

using namespace Qt::StringLiterals;

namespace devtopo::client {

namespace {
const QString kService = u"io.github.devtopo.Helper1"_s;
const QString kPath = u"/io/github/devtopo/Helper1"_s;
} // namespace

HelperClient::HelperClient(QObject *parent) : QObject(parent) { }

HelperClient::~HelperClient()
{
    m_proxy.reset();
    if (!m_connectionName.isEmpty())
        QDBusConnection::disconnectFromPeer(m_connectionName);
    if (m_demo) {
        m_demo->terminate();
        if (!m_demo->waitForFinished(3000))
            m_demo->kill();
    }
}

bool HelperClient::connectSystem(QString *error)
{
    QDBusConnection bus = QDBusConnection::systemBus();
    if (!bus.isConnected()) {
        *error = u"no system bus: %1"_s.arg(bus.lastError().message());
        return false;
    }
    m_proxy = std::make_unique<IoGithubDevtopoHelper1Interface>(kService, kPath, bus);
    m_proxy->setTimeout(5 * 60 * 1000); // polkit may be waiting for a password
    return true;
}

bool HelperClient::startDemo(const QString &helperPath, QString *error)
{
    m_demoDir = std::make_unique<QTemporaryDir>(QDir::tempPath() + u"/devtopo-demo-helper-XXXXXX"_s);
    m_demo = std::make_unique<QProcess>();
    m_demo->setProcessChannelMode(QProcess::SeparateChannels);
    m_demo->setReadChannel(QProcess::StandardOutput);
    m_demo->start(helperPath, {u"--demo"_s, u"--demo-root"_s, m_demoDir->path() + u"/tree"_s, u"--listen"_s,
                               u"unix:dir="_s + m_demoDir->path(), u"--authority"_s, u"allow"_s});
    if (!m_demo->waitForStarted(5000)) {
        *error = u"cannot start %1: %2"_s.arg(helperPath, m_demo->errorString());
        return false;
    }
    // The helper may log before it says where it listens (spdlog writes warnings to stdout, e.g.
    // about the stand-in authority): skip lines until "address=".
    QByteArray line;
    QByteArray skipped;
    QElapsedTimer clock;
    clock.start();
    while (!line.startsWith("address=")) {
        if (!line.isEmpty())
            skipped += line;
        line.clear();
        while (!line.endsWith('\n')) {
            if (m_demo->canReadLine()) {
                line += m_demo->readLine();
                continue;
            }
            if (clock.elapsed() > 15000 || !m_demo->waitForReadyRead(int(std::max<qint64>(1, 15000 - clock.elapsed())))) {
                *error = u"devtopo-helper --demo did not say where it listens: %1%2"_s.arg(
                    QString::fromLocal8Bit(skipped).trimmed(), QString::fromLocal8Bit(m_demo->readAllStandardError()).trimmed());
                return false;
            }
        }
    }
    const QString address = QString::fromLocal8Bit(line.mid(8).trimmed());
    m_connectionName = u"devtopo-demo-helper-%1"_s.arg(m_demo->processId());
    QDBusConnection peer = QDBusConnection::connectToPeer(address, m_connectionName);
    if (!peer.isConnected()) {
        *error = u"cannot connect to the demo helper at %1: %2"_s.arg(address, peer.lastError().message());
        return false;
    }
    m_proxy = std::make_unique<IoGithubDevtopoHelper1Interface>(QString(), kPath, peer);
    return true;
}

QString HelperClient::demoRoot() const
{
    return m_demoDir ? m_demoDir->path() + u"/tree/current"_s : QString();
}

QString HelperClient::errorText(const QDBusError &error)
{
    if (error.name().startsWith(u"io.github.devtopo.Error."_s))
        return error.message();
    return error.name() + u": "_s + error.message();
}

QString HelperClient::findHelper()
{
    const QString app = QCoreApplication::applicationDirPath();
    for (const QString &rel : {u"/devtopo-helper"_s, u"/../../backend/helper/devtopo-helper"_s, u"/../backend/helper/devtopo-helper"_s,
                               u"/../../../backend/helper/devtopo-helper"_s}) {
        if (QFileInfo(app + rel).isExecutable())
            return QFileInfo(app + rel).canonicalFilePath();
    }
    return QStringLiteral(DEVTOPO_HELPER_INSTALLED);
}

} // namespace devtopo::client
