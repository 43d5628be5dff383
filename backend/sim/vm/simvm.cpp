#include "simvm.h"

#include <QDateTime>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLocalServer>
#include <QLocalSocket>

#include <cmath>

namespace devtopo::simvm {

namespace {

constexpr double PageSize = 4096;

QJsonObject error(const QString &cls, const QString &desc)
{
    return {{QStringLiteral("error"), QJsonObject{{QStringLiteral("class"), cls}, {QStringLiteral("desc"), desc}}}};
}

QJsonObject ret(const QJsonValue &v = QJsonObject())
{
    return {{QStringLiteral("return"), v}};
}

} // namespace

struct SimVm::Client {
    QLocalSocket *socket = nullptr;
    QByteArray buffer;
    bool greeted = false;
    bool negotiated = false;
};

SimVm::SimVm(const SimVmScenario &scenario, QObject *parent)
    : QObject(parent)
    , m_scenario(scenario)
    , m_maxBandwidth(scenario.maxBandwidth)
    , m_downtimeLimitMs(scenario.downtimeLimitMs)
{
    m_timer.setInterval(20);
    connect(&m_timer, &QTimer::timeout, this, &SimVm::tick);
    m_wall.start();
    m_timer.start();
}

SimVm::~SimVm()
{
    for (Client *c : std::as_const(m_clients)) {
        c->socket->disconnect(this);
        delete c;
    }
    if (!m_path.isEmpty())
        QLocalServer::removeServer(m_path);
}

bool SimVm::listen(const QString &socketPath, QString *errorText)
{
    m_server = new QLocalServer(this);
    QLocalServer::removeServer(socketPath);
    if (!m_server->listen(socketPath)) {
        *errorText = QStringLiteral("cannot listen on %1: %2").arg(socketPath, m_server->errorString());
        return false;
    }
    m_path = socketPath;
    connect(m_server, &QLocalServer::newConnection, this, &SimVm::onNewConnection);
    return true;
}

void SimVm::crash()
{
    m_timer.stop();
    for (Client *c : std::as_const(m_clients)) {
        c->socket->disconnect(this);
        c->socket->abort();
        c->socket->deleteLater();
        delete c;
    }
    m_clients.clear();
    if (m_server)
        m_server->close();
    if (!m_path.isEmpty())
        QFile::remove(m_path);
}

void SimVm::onNewConnection()
{
    while (QLocalSocket *s = m_server->nextPendingConnection()) {
        auto *c = new Client;
        c->socket = s;
        m_clients.append(c);
        connect(s, &QLocalSocket::readyRead, this, [this, s] { onReadyRead(s); });
        connect(s, &QLocalSocket::disconnected, this, [this, s] { dropClient(s); });
    }
    greetNext();
}

void SimVm::greetNext()
{
    // QEMU's monitor serves one client; the next gets its greeting when the current one leaves.
    if (m_clients.isEmpty() || m_clients.first()->greeted)
        return;
    Client *c = m_clients.first();
    c->greeted = true;
    const QJsonObject version{{QStringLiteral("qemu"), QJsonObject{{QStringLiteral("major"), 10}, {QStringLiteral("minor"), 0}, {QStringLiteral("micro"), 2}}},
                              {QStringLiteral("package"), QStringLiteral("devtopo simulated VM")}};
    write(c->socket, {{QStringLiteral("QMP"), QJsonObject{{QStringLiteral("version"), version},
                                                          {QStringLiteral("capabilities"), QJsonArray{QStringLiteral("oob")}}}}});
    if (!c->buffer.isEmpty())
        onReadyRead(c->socket);
}

void SimVm::dropClient(QLocalSocket *socket)
{
    for (qsizetype i = 0; i < m_clients.size(); ++i) {
        if (m_clients[i]->socket == socket) {
            delete m_clients.takeAt(i);
            socket->deleteLater();
            break;
        }
    }
    greetNext();
}

void SimVm::write(QLocalSocket *socket, const QJsonObject &msg)
{
    socket->write(QJsonDocument(msg).toJson(QJsonDocument::Compact) + "\r\n");
}

void SimVm::onReadyRead(QLocalSocket *socket)
{
    Client *c = nullptr;
    for (Client *x : std::as_const(m_clients))
        if (x->socket == socket)
            c = x;
    if (!c)
        return;
    c->buffer += socket->readAll();
    if (!c->greeted)
        return; // waits in line, as QEMU leaves it in the listen backlog
    qsizetype nl;
    while ((nl = c->buffer.indexOf('\n')) >= 0) {
        const QByteArray line = c->buffer.left(nl).trimmed();
        c->buffer.remove(0, nl + 1);
        if (line.isEmpty())
            continue;
        QJsonParseError pe;
        const QJsonDocument doc = QJsonDocument::fromJson(line, &pe);
        if (pe.error != QJsonParseError::NoError || !doc.isObject()) {
            write(socket, error(QStringLiteral("GenericError"), QStringLiteral("JSON parse error, %1").arg(pe.errorString())));
            continue;
        }
        handle(*c, doc.object());
    }
}

void SimVm::handle(Client &client, const QJsonObject &msg)
{
    const QString command = msg.value(QLatin1StringView("execute")).toString();
    QJsonObject reply;
    if (command.isEmpty()) {
        reply = error(QStringLiteral("GenericError"), QStringLiteral("QMP input lacks member 'execute'"));
    } else if (!client.negotiated) {
        if (command == QLatin1String("qmp_capabilities")) {
            client.negotiated = true;
            reply = ret();
        } else {
            reply = error(QStringLiteral("CommandNotFound"),
                          QStringLiteral("Expecting capabilities negotiation with 'qmp_capabilities'"));
        }
    } else {
        reply = dispatch(command, msg.value(QLatin1StringView("arguments")).toObject(), client);
    }
    if (msg.contains(QLatin1StringView("id")))
        reply.insert(QStringLiteral("id"), msg.value(QLatin1StringView("id")));
    write(client.socket, reply);
}

QJsonObject SimVm::dispatch(const QString &command, const QJsonObject &args, Client &)
{
    const bool running = m_status != QLatin1String("none") && m_status != QLatin1String("completed")
        && m_status != QLatin1String("cancelled") && m_status != QLatin1String("failed");
    if (command == QLatin1String("qmp_capabilities"))
        return error(QStringLiteral("CommandNotFound"), QStringLiteral("Capabilities negotiation is already complete, command ignored"));
    if (command == QLatin1String("query-name"))
        return ret(QJsonObject{{QStringLiteral("name"), m_scenario.vmName}});
    if (command == QLatin1String("query-status"))
        return ret(QJsonObject{{QStringLiteral("status"), m_runState},
                               {QStringLiteral("running"), m_runState == QLatin1String("running")}});
    if (command == QLatin1String("query-migrate"))
        return ret(queryMigrate());
    if (command == QLatin1String("query-migrate-parameters"))
        return ret(QJsonObject{{QStringLiteral("max-bandwidth"), double(m_maxBandwidth)},
                               {QStringLiteral("downtime-limit"), double(m_downtimeLimitMs)},
                               {QStringLiteral("avail-switchover-bandwidth"), 0},
                               {QStringLiteral("cpu-throttle-initial"), 20},
                               {QStringLiteral("cpu-throttle-increment"), 10},
                               {QStringLiteral("max-cpu-throttle"), 99}});
    if (command == QLatin1String("migrate-set-parameters")) {
        for (auto it = args.begin(); it != args.end(); ++it) {
            const bool known = it.key() == QLatin1String("max-bandwidth") || it.key() == QLatin1String("downtime-limit");
            if (!known)
                return error(QStringLiteral("GenericError"), QStringLiteral("Parameter '%1' is unexpected").arg(it.key()));
            if (!it.value().isDouble() || it.value().toDouble() < 0)
                return error(QStringLiteral("GenericError"), QStringLiteral("Parameter '%1' expects uint64").arg(it.key()));
        }
        if (args.contains(QLatin1StringView("downtime-limit")) && args.value(QLatin1StringView("downtime-limit")).toDouble() > 2000000)
            return error(QStringLiteral("GenericError"),
                         QStringLiteral("Parameter 'downtime_limit' expects an integer in the range of 0 to 2000000 milliseconds"));
        if (args.contains(QLatin1StringView("max-bandwidth")))
            m_maxBandwidth = qint64(args.value(QLatin1StringView("max-bandwidth")).toDouble());
        if (args.contains(QLatin1StringView("downtime-limit")))
            m_downtimeLimitMs = qint64(args.value(QLatin1StringView("downtime-limit")).toDouble());
        return ret();
    }
    if (command == QLatin1String("migrate-set-capabilities")) {
        if (running)
            return error(QStringLiteral("GenericError"), QStringLiteral("There's a migration process in progress"));
        for (const QJsonValue &v : args.value(QLatin1StringView("capabilities")).toArray()) {
            const QJsonObject c = v.toObject();
            if (c.value(QLatin1StringView("capability")).toString() == QLatin1String("events"))
                m_eventsCapability = c.value(QLatin1StringView("state")).toBool();
        }
        return ret();
    }
    if (command == QLatin1String("query-migrate-capabilities"))
        return ret(QJsonArray{QJsonObject{{QStringLiteral("capability"), QStringLiteral("events")},
                                          {QStringLiteral("state"), m_eventsCapability}}});
    if (command == QLatin1String("migrate")) {
        const QString uri = args.value(QLatin1StringView("uri")).toString();
        if (uri.isEmpty())
            return error(QStringLiteral("GenericError"), QStringLiteral("Parameter 'uri' is missing"));
        if (running)
            return error(QStringLiteral("GenericError"), QStringLiteral("There's a migration process in progress"));
        if (m_runState == QLatin1String("postmigrate"))
            return error(QStringLiteral("GenericError"), QStringLiteral("Guest is paused after migration: it lives on at the destination"));
        static const QStringList schemes{QStringLiteral("tcp:"), QStringLiteral("unix:"), QStringLiteral("exec:"),
                                         QStringLiteral("fd:"), QStringLiteral("file:"), QStringLiteral("rdma:"), QStringLiteral("vsock:")};
        if (std::none_of(schemes.begin(), schemes.end(), [&](const QString &s) { return uri.startsWith(s); }))
            return error(QStringLiteral("GenericError"), QStringLiteral("unknown migration protocol: %1").arg(uri));
        m_startMs = m_simMs;
        m_setupEndMs = m_simMs + m_scenario.setupMs;
        m_remaining = double(m_scenario.ramBytes);
        m_dirtied = 0;
        m_transferred = 0;
        m_vfioTransferred = 0;
        m_syncCount = 0;
        m_dirtyPagesRate = 0;
        m_downtimeMs = m_setupTimeMs = m_totalTimeMs = -1;
        m_expectedDowntimeMs = m_downtimeLimitMs;
        setStatus(QStringLiteral("setup"));
        return ret();
    }
    if (command == QLatin1String("migrate_cancel") || command == QLatin1String("migrate-cancel")) {
        if (running && m_status != QLatin1String("cancelling") && m_status != QLatin1String("device")) {
            setStatus(QStringLiteral("cancelling"));
            m_phaseEndMs = m_simMs + 19; // measured: cancelling → cancelled in about 19 ms
        }
        return ret();
    }
    if (command == QLatin1String("calc-dirty-rate")) {
        const QJsonValue t = args.value(QLatin1StringView("calc-time"));
        if (t.isUndefined())
            return error(QStringLiteral("GenericError"), QStringLiteral("Parameter 'calc-time' is missing"));
        if (!t.isDouble() || t.toInt() < 1 || t.toInt() > 60)
            return error(QStringLiteral("GenericError"), QStringLiteral("Parameter 'calc-time' is out of range"));
        if (m_dirtyRateStatus == QLatin1String("measuring"))
            return error(QStringLiteral("GenericError"), QStringLiteral("the dirty rate is already being measured"));
        m_dirtyRateMode = args.value(QLatin1StringView("mode")).toString(QStringLiteral("page-sampling"));
        m_dirtyRateStatus = QStringLiteral("measuring");
        m_dirtyRateCalcTime = t.toInt();
        m_dirtyRateStart = QDateTime::currentSecsSinceEpoch();
        m_dirtyRateEndsMs = m_simMs + 1000.0 * double(m_dirtyRateCalcTime);
        return ret();
    }
    if (command == QLatin1String("query-dirty-rate")) {
        QJsonObject o{{QStringLiteral("status"), m_dirtyRateStatus},
                      {QStringLiteral("start-time"), double(m_dirtyRateStart)},
                      {QStringLiteral("calc-time"), double(m_dirtyRateCalcTime)},
                      {QStringLiteral("calc-time-unit"), QStringLiteral("second")},
                      {QStringLiteral("sample-pages"), 512},
                      {QStringLiteral("mode"), m_dirtyRateMode}};
        if (m_dirtyRateStatus == QLatin1String("measured"))
            o.insert(QStringLiteral("dirty-rate"), double(m_dirtyRateMiB));
        return ret(o);
    }
    if (command == QLatin1String("query-pci")) {
        QJsonArray devices;
        devices.append(QJsonObject{{QStringLiteral("bus"), 0}, {QStringLiteral("slot"), 0}, {QStringLiteral("function"), 0},
                                   {QStringLiteral("qdev_id"), QString()},
                                   {QStringLiteral("class_info"), QJsonObject{{QStringLiteral("class"), 1536}, {QStringLiteral("desc"), QStringLiteral("Host bridge")}}},
                                   {QStringLiteral("id"), QJsonObject{{QStringLiteral("vendor"), 0x8086}, {QStringLiteral("device"), 0x29c0}}}});
        int slot = 5;
        for (const SimVfioDevice &d : std::as_const(m_scenario.vfio))
            devices.append(QJsonObject{{QStringLiteral("bus"), 0}, {QStringLiteral("slot"), slot++}, {QStringLiteral("function"), 0},
                                       {QStringLiteral("qdev_id"), d.id},
                                       {QStringLiteral("class_info"), QJsonObject{{QStringLiteral("class"), d.pciClass >> 8}}},
                                       {QStringLiteral("id"), QJsonObject{{QStringLiteral("vendor"), d.vendor}, {QStringLiteral("device"), d.device}}}});
        return ret(QJsonArray{QJsonObject{{QStringLiteral("bus"), 0}, {QStringLiteral("devices"), devices}}});
    }
    if (command == QLatin1String("qom-list")) {
        const QString path = args.value(QLatin1StringView("path")).toString();
        QJsonArray children{QJsonObject{{QStringLiteral("name"), QStringLiteral("type")}, {QStringLiteral("type"), QStringLiteral("string")}}};
        if (path == QLatin1String("/machine/peripheral")) {
            for (const SimVfioDevice &d : std::as_const(m_scenario.vfio))
                children.append(QJsonObject{{QStringLiteral("name"), d.id}, {QStringLiteral("type"), QStringLiteral("child<vfio-pci>")}});
        } else if (path != QLatin1String("/machine/peripheral-anon") && path != QLatin1String("/machine")) {
            return error(QStringLiteral("DeviceNotFound"), QStringLiteral("Device '%1' not found").arg(path));
        }
        return ret(children);
    }
    if (command == QLatin1String("qom-get")) {
        const QString path = args.value(QLatin1StringView("path")).toString();
        const QString prop = args.value(QLatin1StringView("property")).toString();
        for (const SimVfioDevice &d : std::as_const(m_scenario.vfio)) {
            if (path != QLatin1String("/machine/peripheral/") + d.id)
                continue;
            if (prop == QLatin1String("host"))
                return ret(d.host);
            if (prop == QLatin1String("addr"))
                return ret(d.guestAddress);
            return error(QStringLiteral("GenericError"), QStringLiteral("Property '%1.%2' not found").arg(QStringLiteral("vfio-pci"), prop));
        }
        return error(QStringLiteral("DeviceNotFound"), QStringLiteral("Device '%1' not found").arg(path));
    }
    return error(QStringLiteral("CommandNotFound"), QStringLiteral("The command %1 has not been found").arg(command));
}

void SimVm::sendEvent(const QString &name, const QJsonObject &data, bool needsEventsCapability)
{
    if (needsEventsCapability && !m_eventsCapability)
        return;
    if (m_clients.isEmpty() || !m_clients.first()->negotiated)
        return;
    const qint64 us = QDateTime::currentMSecsSinceEpoch() * 1000;
    QJsonObject msg{{QStringLiteral("event"), name},
                    {QStringLiteral("timestamp"), QJsonObject{{QStringLiteral("seconds"), double(us / 1000000)},
                                                              {QStringLiteral("microseconds"), double(us % 1000000)}}}};
    if (!data.isEmpty())
        msg.insert(QStringLiteral("data"), data);
    write(m_clients.first()->socket, msg);
}

void SimVm::setStatus(const QString &status)
{
    m_status = status;
    sendEvent(QStringLiteral("MIGRATION"), {{QStringLiteral("status"), status}}, true);
    Q_EMIT statusChanged(status);
}

void SimVm::setVfioState(const QString &state)
{
    if (m_vfioState == state)
        return;
    m_vfioState = state;
    for (const SimVfioDevice &d : std::as_const(m_scenario.vfio))
        sendEvent(QStringLiteral("VFIO_MIGRATION"), {{QStringLiteral("device-id"), d.id},
                                                      {QStringLiteral("qom-path"), QString(QStringLiteral("/machine/peripheral/") + d.id)},
                                                      {QStringLiteral("device-state"), state}});
}

double SimVm::bandwidth() const
{
    // max-bandwidth 0 means no limit in QEMU: the link is.
    const double link = double(m_scenario.linkBytesPerSecond);
    return m_maxBandwidth > 0 ? std::min(double(m_maxBandwidth), link) : link;
}

double SimVm::dirtyRateNow() const
{
    // Two incommensurate waves: a guest's load wobbles but averages to the scenario's rate.
    const double t = m_simMs / 1000.0;
    const double wobble = 0.6 * std::sin(t * 0.9) + 0.4 * std::sin(t * 2.3 + 1.0);
    return m_scenario.dirtyBytesPerSecond * (1.0 + m_scenario.dirtyJitter * wobble);
}

void SimVm::tick()
{
    const qint64 wall = m_wall.elapsed();
    double dt = double(wall - m_lastWallMs) * m_timeScale;
    m_lastWallMs = wall;
    // Small steps keep pass ends and the 19 ms cancel precise under a large time scale.
    while (dt > 0) {
        const double step = std::min(dt, 10.0);
        advance(step);
        dt -= step;
    }
}

void SimVm::advance(double dtMs)
{
    m_simMs += dtMs;
    if (m_dirtyRateStatus == QLatin1String("measuring") && m_simMs >= m_dirtyRateEndsMs) {
        m_dirtyRateStatus = QStringLiteral("measured");
        // Page sampling: 512 pages per GiB, so a few percent of error, as the real one shows.
        const double noise = 1.0 + 0.04 * std::sin(m_simMs * 0.37);
        m_dirtyRateMiB = qint64(std::llround(dirtyRateNow() * noise / (1024.0 * 1024.0)));
    }
    if (m_status == QLatin1String("setup")) {
        if (m_simMs >= m_setupEndMs) {
            m_setupTimeMs = qint64(m_simMs - m_startMs);
            m_syncCount = 1; // the first sync happens as RAM migration starts
            m_passStartMs = m_simMs;
            sendEvent(QStringLiteral("MIGRATION_PASS"), {{QStringLiteral("pass"), 1}}, true);
            setStatus(QStringLiteral("active"));
            if (!m_scenario.vfio.isEmpty())
                setVfioState(QStringLiteral("pre-copy"));
        }
        return;
    }
    if (m_status == QLatin1String("cancelling")) {
        if (m_simMs >= m_phaseEndMs) {
            setVfioState(QStringLiteral("running"));
            setStatus(QStringLiteral("cancelled"));
        }
        return;
    }
    if (m_status == QLatin1String("device")) {
        if (m_simMs >= m_phaseEndMs) {
            m_transferred += m_remaining;
            m_remaining = 0;
            for (const SimVfioDevice &d : std::as_const(m_scenario.vfio))
                m_vfioTransferred += double(d.stopCopyBytes);
            m_totalTimeMs = qint64(m_simMs - m_startMs);
            setVfioState(QStringLiteral("stop"));
            m_runState = QStringLiteral("postmigrate");
            setStatus(QStringLiteral("completed"));
        }
        return;
    }
    if (m_status != QLatin1String("active"))
        return;
    const double seconds = dtMs / 1000.0;
    const double b = bandwidth();
    double budget = b * seconds;
    // VFIO pre-copy data shares the stream: the device's initial bytes go early in pass 1.
    for (const SimVfioDevice &d : std::as_const(m_scenario.vfio)) {
        const double left = double(d.precopyBytes) - m_vfioTransferred;
        if (left > 0) {
            const double take = std::min(left, budget * 0.2);
            m_vfioTransferred += take;
            budget -= take;
        }
    }
    const double sent = std::min(m_remaining, budget);
    m_remaining -= sent;
    m_transferred += sent;
    m_dirtied = std::min(m_dirtied + dirtyRateNow() * seconds, double(m_scenario.workingSetBytes));
    if (m_remaining <= 0)
        sync();
}

void SimVm::sync()
{
    const double passSeconds = std::max((m_simMs - m_passStartMs) / 1000.0, 0.001);
    // What QEMU can see: pages dirtied since the last sync (each counted once) over the pass's time.
    m_dirtyPagesRate = m_dirtied / PageSize / passSeconds;
    m_remaining = m_dirtied;
    m_dirtied = 0;
    m_passStartMs = m_simMs;
    ++m_syncCount;
    sendEvent(QStringLiteral("MIGRATION_PASS"), {{QStringLiteral("pass"), double(m_syncCount)}}, true);
    const double b = bandwidth();
    m_expectedDowntimeMs = qint64(m_remaining / b * 1000.0);
    if (m_remaining <= b * double(m_downtimeLimitMs) / 1000.0)
        switchOver();
}

void SimVm::switchOver()
{
    m_runState = QStringLiteral("finish-migrate");
    sendEvent(QStringLiteral("STOP"));
    setStatus(QStringLiteral("device"));
    setVfioState(QStringLiteral("stop-copy"));
    double stopCopy = m_remaining;
    for (const SimVfioDevice &d : std::as_const(m_scenario.vfio))
        stopCopy += double(d.stopCopyBytes);
    // The guest is paused while the last dirty pages and the devices' state cross, plus a few ms of
    // device state and the switch itself.
    m_downtimeMs = qint64(stopCopy / bandwidth() * 1000.0) + 5;
    m_phaseEndMs = m_simMs + double(m_downtimeMs);
}

QJsonObject SimVm::queryMigrate() const
{
    if (m_status == QLatin1String("none"))
        return {};
    // As QEMU: setup and cancelled replies hold only the status.
    if (m_status == QLatin1String("setup") || m_status == QLatin1String("cancelled")
        || m_status == QLatin1String("cancelling"))
        return {{QStringLiteral("status"), m_status}};
    const double b = bandwidth();
    const bool done = m_status == QLatin1String("completed");
    const double mbps = done ? m_transferred * 8.0 / 1e6 / (double(m_totalTimeMs) / 1000.0) : b * 8.0 / 1e6;
    QJsonObject ram{{QStringLiteral("total"), double(m_scenario.ramBytes)},
                    {QStringLiteral("remaining"), std::floor(m_remaining)},
                    {QStringLiteral("transferred"), std::floor(m_transferred)},
                    {QStringLiteral("duplicate"), 0},
                    {QStringLiteral("normal"), std::floor(m_transferred / PageSize)},
                    {QStringLiteral("normal-bytes"), std::floor(m_transferred / PageSize) * PageSize},
                    {QStringLiteral("dirty-pages-rate"), done ? 0.0 : std::floor(m_dirtyPagesRate)},
                    {QStringLiteral("dirty-sync-count"), double(m_syncCount)},
                    {QStringLiteral("page-size"), PageSize},
                    {QStringLiteral("mbps"), mbps},
                    {QStringLiteral("precopy-bytes"), std::floor(m_transferred)},
                    {QStringLiteral("downtime-bytes"), 0},
                    {QStringLiteral("postcopy-bytes"), 0}};
    QJsonObject o{{QStringLiteral("status"), m_status},
                  {QStringLiteral("setup-time"), double(m_setupTimeMs)},
                  {QStringLiteral("ram"), ram}};
    if (done) {
        o.insert(QStringLiteral("total-time"), double(m_totalTimeMs));
        o.insert(QStringLiteral("downtime"), double(m_downtimeMs));
    } else {
        o.insert(QStringLiteral("total-time"), std::floor(m_simMs - m_startMs));
        o.insert(QStringLiteral("expected-downtime"), double(m_expectedDowntimeMs));
    }
    if (!m_scenario.vfio.isEmpty())
        o.insert(QStringLiteral("vfio"), QJsonObject{{QStringLiteral("transferred"), std::floor(m_vfioTransferred)}});
    return o;
}

} // namespace devtopo::simvm
