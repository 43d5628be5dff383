#include "qmpclient.h"

#include "qmplogging.h"

#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonParseError>

#include <sys/stat.h>

namespace devtopo::qmp {

namespace {

QString excerpt(const QByteArray &data)
{
    QString s = QString::fromUtf8(data.left(80)).trimmed();
    for (QChar &c : s)
        if (!c.isPrint())
            c = QLatin1Char('?');
    if (data.size() > 80)
        s += QStringLiteral("…");
    return QStringLiteral("\"") % s % QStringLiteral("\"");
}

// Why a path cannot be a QMP socket before even trying, or an empty string.
QString checkPath(const QString &path)
{
    struct stat st {};
    const QByteArray native = QFile::encodeName(path);
    if (::stat(native.constData(), &st) != 0) {
        const int e = errno;
        if (e == ENOENT)
            return QStringLiteral("%1 does not exist").arg(path);
        if (e == EACCES)
            return QStringLiteral("%1: permission denied").arg(path);
        return QStringLiteral("%1: %2").arg(path, QString::fromLocal8Bit(strerror(e)));
    }
    if (!S_ISSOCK(st.st_mode)) {
        const QString kind = S_ISDIR(st.st_mode) ? QStringLiteral("a directory")
            : S_ISREG(st.st_mode)                ? QStringLiteral("a regular file")
            : S_ISFIFO(st.st_mode)               ? QStringLiteral("a FIFO")
                                                 : QStringLiteral("not a socket");
        return QStringLiteral("%1 is not a QMP socket: it is %2").arg(path, kind);
    }
    return {};
}

} // namespace

QString QmpGreeting::versionString() const
{
    QString v = QString::number(major) % QLatin1Char('.') % QString::number(minor) % QLatin1Char('.') % QString::number(micro);
    if (!package.isEmpty())
        v += QStringLiteral(" (") % package % QStringLiteral(")");
    return v;
}

QString QmpReply::errorText() const
{
    if (ok)
        return {};
    return command % QStringLiteral(": ") % errorDesc % QStringLiteral(" [") % errorClass % QStringLiteral("]");
}

QmpClient::QmpClient(QObject *parent)
    : QObject(parent)
{
    m_greetingTimer.setSingleShot(true);
    connect(&m_greetingTimer, &QTimer::timeout, this, [this] {
        fail(QStringLiteral("no QMP greeting from %1 within %2 s: another client may hold it (QEMU's QMP "
                            "serves one client at a time, and libvirt keeps its VMs' monitors), or it is not "
                            "a QMP socket")
                 .arg(m_path, QString::number(m_greetingTimeoutMs / 1000.0, 'g', 2)));
    });
    m_commandTimer.setInterval(500);
    connect(&m_commandTimer, &QTimer::timeout, this, &QmpClient::checkCommandTimeouts);
}

QmpClient::~QmpClient()
{
    if (m_socket) {
        m_socket->disconnect(this);
        m_socket->abort();
    }
}

void QmpClient::setState(State state)
{
    if (m_state == state)
        return;
    m_state = state;
    Q_EMIT stateChanged(state);
}

void QmpClient::connectToSocket(const QString &path)
{
    disconnectFromSocket();
    m_path = path;
    m_error.clear();
    m_buffer.clear();
    m_greeting = {};
    m_clock.start();
    setState(State::Connecting);
    if (const QString why = checkPath(path); !why.isEmpty()) {
        // Reported from the event loop, as every other failure is.
        QTimer::singleShot(0, this, [this, why] { fail(why); });
        return;
    }
    m_socket = new QLocalSocket(this);
    connect(m_socket, &QLocalSocket::readyRead, this, &QmpClient::onReadyRead);
    connect(m_socket, &QLocalSocket::errorOccurred, this, &QmpClient::onSocketError);
    connect(m_socket, &QLocalSocket::disconnected, this, &QmpClient::onDisconnected);
    m_greetingTimer.start(m_greetingTimeoutMs);
    // QLocalSocket reports a refused connection from inside connectToServer(); callers connect to
    // failed() and then wait, so every failure is reported from the event loop instead.
    m_inConnect = true;
    m_socket->connectToServer(path);
    m_inConnect = false;
}

void QmpClient::disconnectFromSocket()
{
    m_greetingTimer.stop();
    m_commandTimer.stop();
    if (m_socket) {
        QLocalSocket *s = m_socket;
        m_socket = nullptr;
        s->disconnect(this);
        s->abort();
        s->deleteLater();
    }
    failPending(QStringLiteral("Disconnected"), QStringLiteral("disconnected before QEMU answered"));
    if (m_state != State::Failed)
        setState(State::Disconnected);
}

void QmpClient::fail(const QString &error)
{
    if (m_state == State::Failed)
        return;
    m_error = error;
    qCDebug(lcQmp).noquote() << error; // the caller gets it through failed() and decides how to say it
    m_greetingTimer.stop();
    m_commandTimer.stop();
    if (m_socket) {
        QLocalSocket *s = m_socket;
        m_socket = nullptr;
        s->disconnect(this);
        s->abort();
        s->deleteLater();
    }
    failPending(QStringLiteral("Disconnected"), error);
    setState(State::Failed);
    Q_EMIT failed(error);
}

void QmpClient::failPending(const QString &errorClass, const QString &desc)
{
    const auto pending = std::exchange(m_pending, {});
    for (const Pending &p : pending) {
        if (!p.callback || (p.hasContext && !p.context))
            continue;
        QmpReply r;
        r.command = p.command;
        r.errorClass = errorClass;
        r.errorDesc = desc;
        p.callback(r);
    }
}

void QmpClient::onSocketError(QLocalSocket::LocalSocketError error)
{
    if (m_inConnect) {
        QTimer::singleShot(0, this, [this, error, s = m_socket] {
            if (m_socket == s)
                onSocketError(error);
        });
        return;
    }
    const bool handshaking = m_state == State::Connecting || m_state == State::Negotiating;
    switch (error) {
    case QLocalSocket::ConnectionRefusedError:
        fail(QStringLiteral("nobody is listening on %1 (is QEMU running?)").arg(m_path));
        return;
    case QLocalSocket::ServerNotFoundError:
        fail(QStringLiteral("%1 does not exist").arg(m_path));
        return;
    case QLocalSocket::SocketAccessError:
        fail(QStringLiteral("%1: permission denied").arg(m_path));
        return;
    case QLocalSocket::PeerClosedError:
        if (handshaking)
            fail(QStringLiteral("%1 closed the connection without a QMP greeting: not a QMP socket, or QEMU "
                                "is shutting down")
                     .arg(m_path));
        else
            onDisconnected();
        return;
    default:
        if (m_socket)
            fail(m_path % QStringLiteral(": ") % m_socket->errorString());
        return;
    }
}

void QmpClient::onDisconnected()
{
    if (m_state == State::Connecting || m_state == State::Negotiating) {
        fail(QStringLiteral("%1 closed the connection during the QMP handshake: not a QMP socket, or QEMU is "
                            "shutting down")
                 .arg(m_path));
        return;
    }
    if (m_state != State::Ready)
        return;
    const QString reason = QStringLiteral("QEMU closed the QMP socket %1 (the VM has gone away)").arg(m_path);
    m_error = reason;
    m_commandTimer.stop();
    if (m_socket) {
        m_socket->disconnect(this);
        m_socket->deleteLater();
        m_socket = nullptr;
    }
    failPending(QStringLiteral("Disconnected"), reason);
    setState(State::Disconnected);
    Q_EMIT disconnected(reason);
}

void QmpClient::onReadyRead()
{
    if (!m_socket)
        return;
    m_buffer += m_socket->readAll();
    qsizetype nl;
    while (m_socket && (nl = m_buffer.indexOf('\n')) >= 0) {
        const QByteArray line = m_buffer.left(nl).trimmed();
        m_buffer.remove(0, nl + 1);
        if (!line.isEmpty())
            handleMessage(line);
    }
    // A greeting is a few hundred bytes; a megabyte without a newline is not QMP.
    if (m_socket && m_buffer.size() > (1 << 20))
        fail(QStringLiteral("%1 sent over 1 MiB without a line end: not QMP").arg(m_path));
}

void QmpClient::handleMessage(const QByteArray &line)
{
    QJsonParseError pe;
    const QJsonDocument doc = QJsonDocument::fromJson(line, &pe);
    if (pe.error != QJsonParseError::NoError || !doc.isObject()) {
        if (m_state == State::Ready)
            fail(QStringLiteral("QEMU sent a message that is not a JSON object on %1: %2").arg(m_path, excerpt(line)));
        else
            fail(QStringLiteral("%1 is not a QMP socket: it sent something that is not JSON: %2").arg(m_path, excerpt(line)));
        return;
    }
    const QJsonObject msg = doc.object();
    if (m_state == State::Connecting) {
        const QJsonObject qmp = msg.value(QLatin1StringView("QMP")).toObject();
        const QJsonObject version = qmp.value(QLatin1StringView("version")).toObject();
        if (qmp.isEmpty() || version.isEmpty()) {
            fail(QStringLiteral("%1 is not a QMP socket: its first message is not a QMP greeting: %2").arg(m_path, excerpt(line)));
            return;
        }
        const QJsonObject q = version.value(QLatin1StringView("qemu")).toObject();
        m_greeting.major = q.value(QLatin1StringView("major")).toInt(-1);
        m_greeting.minor = q.value(QLatin1StringView("minor")).toInt(-1);
        m_greeting.micro = q.value(QLatin1StringView("micro")).toInt(-1);
        m_greeting.package = version.value(QLatin1StringView("package")).toString();
        for (const QJsonValue &c : qmp.value(QLatin1StringView("capabilities")).toArray())
            m_greeting.capabilities.append(c.toString());
        setState(State::Negotiating);
        send(QStringLiteral("devtopo-caps"), QStringLiteral("qmp_capabilities"), {});
        return;
    }
    if (msg.contains(QLatin1StringView("event"))) {
        if (m_state == State::Ready)
            Q_EMIT event(msg.value(QLatin1StringView("event")).toString(),
                         msg.value(QLatin1StringView("data")).toObject(), elapsedMs());
        return;
    }
    const QString id = msg.value(QLatin1StringView("id")).toString();
    if (m_state == State::Negotiating) {
        if (id != QLatin1String("devtopo-caps"))
            return;
        if (msg.contains(QLatin1StringView("error"))) {
            const QJsonObject e = msg.value(QLatin1StringView("error")).toObject();
            fail(QStringLiteral("QEMU refused qmp_capabilities on %1: %2").arg(m_path, e.value(QLatin1StringView("desc")).toString()));
            return;
        }
        m_greetingTimer.stop();
        setState(State::Ready);
        m_commandTimer.start();
        qCDebug(lcQmp).noquote() << "connected to" << m_path << "QEMU" << m_greeting.versionString();
        Q_EMIT ready(m_greeting);
        return;
    }
    auto it = m_pending.find(id);
    if (it == m_pending.end()) {
        qCDebug(lcQmp).noquote() << "reply to an unknown id" << id;
        return;
    }
    const Pending p = it.value();
    m_pending.erase(it);
    QmpReply r;
    r.command = p.command;
    if (msg.contains(QLatin1StringView("return"))) {
        r.ok = true;
        r.value = msg.value(QLatin1StringView("return"));
    } else {
        const QJsonObject e = msg.value(QLatin1StringView("error")).toObject();
        r.errorClass = e.value(QLatin1StringView("class")).toString();
        r.errorDesc = e.value(QLatin1StringView("desc")).toString();
        if (r.errorClass.isEmpty())
            r.errorClass = QStringLiteral("MalformedReply");
    }
    if (p.callback && (!p.hasContext || p.context))
        p.callback(r);
}

void QmpClient::send(const QString &id, const QString &command, const QJsonObject &arguments)
{
    QJsonObject msg{{QStringLiteral("execute"), command}, {QStringLiteral("id"), id}};
    if (!arguments.isEmpty())
        msg.insert(QStringLiteral("arguments"), arguments);
    m_socket->write(QJsonDocument(msg).toJson(QJsonDocument::Compact) + '\n');
}

QString QmpClient::execute(const QString &command, const QJsonObject &arguments, QObject *context, Callback callback)
{
    const QString id = QStringLiteral("devtopo-") + QString::number(m_nextId++);
    if (m_state != State::Ready || !m_socket) {
        const QString why = m_error.isEmpty() ? QStringLiteral("not connected to a QMP socket") : m_error;
        QPointer<QObject> ctx = context;
        const bool hasContext = context != nullptr;
        QTimer::singleShot(0, this, [=] {
            if (!callback || (hasContext && !ctx))
                return;
            QmpReply r;
            r.command = command;
            r.errorClass = QStringLiteral("Disconnected");
            r.errorDesc = why;
            callback(r);
        });
        return id;
    }
    Pending p;
    p.command = command;
    p.context = context;
    p.hasContext = context != nullptr;
    p.callback = std::move(callback);
    p.sentMs = elapsedMs();
    m_pending.insert(id, p);
    send(id, command, arguments);
    return id;
}

void QmpClient::checkCommandTimeouts()
{
    const qint64 now = elapsedMs();
    QList<QString> late;
    for (auto it = m_pending.cbegin(); it != m_pending.cend(); ++it)
        if (now - it->sentMs > m_commandTimeoutMs)
            late.append(it.key());
    for (const QString &id : late) {
        const Pending p = m_pending.take(id);
        if (!p.callback || (p.hasContext && !p.context))
            continue;
        QmpReply r;
        r.command = p.command;
        r.errorClass = QStringLiteral("Timeout");
        r.errorDesc = QStringLiteral("QEMU did not answer within %1 s").arg(m_commandTimeoutMs / 1000);
        p.callback(r);
    }
}

} // namespace devtopo::qmp
