#pragma once

// An asynchronous QMP client over a unix socket (QLocalSocket), on the event loop: never blocks.
// connectToSocket() reads QEMU's greeting, negotiates capabilities (qmp_capabilities) and then says
// ready(). execute() sends a command with an id and calls back with its typed reply (a QMP error keeps
// its class and desc). Events come as event(). Whatever goes wrong ends in one failed() with a sentence
// a user can act on: not a socket, nobody listening, no greeting (another client holds it: QEMU serves
// one at a time), not JSON, not QMP, QEMU gone mid-command.

#include <QElapsedTimer>
#include <QHash>
#include <QJsonObject>
#include <QJsonValue>
#include <QLocalSocket>
#include <QObject>
#include <QPointer>
#include <QTimer>

#include <functional>

namespace devtopo::qmp {

struct QmpGreeting {
    int major = -1, minor = -1, micro = -1;
    QString package;
    QStringList capabilities;
    QString versionString() const;
};

struct QmpReply {
    bool ok = false;
    QJsonValue value;     // "return"
    QString errorClass;   // "error".class, or "Disconnected" / "Timeout" for what the client saw
    QString errorDesc;
    QString command;
    QJsonObject object() const { return value.toObject(); }
    QString errorText() const;
};

class QmpClient : public QObject
{
    Q_OBJECT
public:
    enum class State { Disconnected, Connecting, Negotiating, Ready, Failed };
    Q_ENUM(State)

    explicit QmpClient(QObject *parent = nullptr);
    ~QmpClient() override;

    void setGreetingTimeout(int ms) { m_greetingTimeoutMs = ms; }
    void setCommandTimeout(int ms) { m_commandTimeoutMs = ms; }

    void connectToSocket(const QString &path);
    void disconnectFromSocket();
    State state() const { return m_state; }
    bool isReady() const { return m_state == State::Ready; }
    QString socketPath() const { return m_path; }
    const QmpGreeting &greeting() const { return m_greeting; }
    QString lastError() const { return m_error; }

    using Callback = std::function<void(const QmpReply &)>;
    // Sends a command; callback runs once with its reply (or the failure that prevented one), unless
    // context was destroyed first. Returns the id used.
    QString execute(const QString &command, const QJsonObject &arguments = {}, QObject *context = nullptr,
                    Callback callback = {});

    // The milliseconds since connectToSocket(), the clock samples and events are stamped with.
    qint64 elapsedMs() const { return m_clock.isValid() ? m_clock.elapsed() : 0; }

Q_SIGNALS:
    void ready(const devtopo::qmp::QmpGreeting &greeting);
    void failed(const QString &error);
    // QEMU closed the socket (or it broke) after the handshake.
    void disconnected(const QString &reason);
    void event(const QString &name, const QJsonObject &data, qint64 timeMs);
    void stateChanged(devtopo::qmp::QmpClient::State state);

private:
    struct Pending {
        QString command;
        QPointer<QObject> context;
        bool hasContext = false;
        Callback callback;
        qint64 sentMs = 0;
    };
    void setState(State state);
    void onReadyRead();
    void onSocketError(QLocalSocket::LocalSocketError error);
    void onDisconnected();
    void handleMessage(const QByteArray &line);
    void fail(const QString &error);
    void failPending(const QString &errorClass, const QString &desc);
    void checkCommandTimeouts();
    void send(const QString &id, const QString &command, const QJsonObject &arguments);

    QLocalSocket *m_socket = nullptr;
    QTimer m_greetingTimer;
    QTimer m_commandTimer;
    QElapsedTimer m_clock;
    QString m_path;
    QString m_error;
    QByteArray m_buffer;
    State m_state = State::Disconnected;
    QmpGreeting m_greeting;
    QHash<QString, Pending> m_pending;
    quint64 m_nextId = 1;
    int m_greetingTimeoutMs = 3000;
    int m_commandTimeoutMs = 15000;
    bool m_inConnect = false;
};

} // namespace devtopo::qmp
