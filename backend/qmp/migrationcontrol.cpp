#include "migrationcontrol.h"

#include <QJsonArray>

namespace devtopo::qmp {

QString checkMigrationUri(const QString &uri)
{
    if (uri.trimmed().isEmpty())
        return QStringLiteral("no migration URI given (e.g. tcp:dest-host:4444 or unix:/run/dest.sock)");
    static const QStringList schemes{QStringLiteral("tcp:"), QStringLiteral("unix:"), QStringLiteral("exec:"),
                                     QStringLiteral("fd:"),  QStringLiteral("file:"), QStringLiteral("rdma:"),
                                     QStringLiteral("vsock:")};
    for (const QString &s : schemes)
        if (uri.startsWith(s) && uri.size() > s.size())
            return {};
    return QStringLiteral("\"%1\" is not a migration URI QEMU knows: use tcp:HOST:PORT, unix:PATH, exec:CMD, "
                          "fd:NAME, file:PATH or rdma:HOST:PORT")
        .arg(uri);
}

bool parseBandwidth(const QString &text, qint64 *bytesPerSecond, QString *error)
{
    QString t = text.trimmed();
    if (t.endsWith(QLatin1String("/s"), Qt::CaseInsensitive))
        t.chop(2);
    if (t.endsWith(QLatin1String("iB"), Qt::CaseInsensitive) || t.endsWith(QLatin1Char('B')))
        t.chop(t.endsWith(QLatin1String("iB"), Qt::CaseInsensitive) ? 2 : 1);
    qint64 mult = 1;
    if (!t.isEmpty()) {
        switch (t.back().toUpper().unicode()) {
        case 'K': mult = 1024; break;
        case 'M': mult = 1024 * 1024; break;
        case 'G': mult = qint64(1024) * 1024 * 1024; break;
        case 'T': mult = qint64(1024) * 1024 * 1024 * 1024; break;
        default: break;
        }
        if (mult != 1)
            t.chop(1);
    }
    bool ok = false;
    const double v = t.toDouble(&ok);
    if (!ok || v < 0 || v * double(mult) > 9.0e15) {
        *error = QStringLiteral("\"%1\" is not a bandwidth: give bytes per second, e.g. 128M, 1G or 125000000").arg(text);
        return false;
    }
    *bytesPerSecond = qint64(v * double(mult));
    return true;
}

void startMigration(QmpClient *client, QObject *context, const QString &uri, QmpClient::Callback done)
{
    if (const QString why = checkMigrationUri(uri); !why.isEmpty()) {
        QmpReply r;
        r.command = QStringLiteral("migrate");
        r.errorClass = QStringLiteral("InvalidArgument");
        r.errorDesc = why;
        done(r);
        return;
    }
    const QJsonObject caps{{QStringLiteral("capabilities"),
                            QJsonArray{QJsonObject{{QStringLiteral("capability"), QStringLiteral("events")},
                                                   {QStringLiteral("state"), true}}}}};
    client->execute(QStringLiteral("migrate-set-capabilities"), caps, context, [client, context, uri, done](const QmpReply &r) {
        // Not fatal: without events the polls still see everything but device/cancelling.
        Q_UNUSED(r);
        client->execute(QStringLiteral("migrate"), {{QStringLiteral("uri"), uri}}, context, done);
    });
}

void cancelMigration(QmpClient *client, QObject *context, QmpClient::Callback done)
{
    client->execute(QStringLiteral("migrate_cancel"), {}, context, [client, context, done](const QmpReply &r) {
        if (!r.ok && r.errorClass == QLatin1String("CommandNotFound"))
            client->execute(QStringLiteral("migrate-cancel"), {}, context, done);
        else
            done(r);
    });
}

void setMigrationParameters(QmpClient *client, QObject *context, qint64 maxBandwidth, qint64 downtimeLimitMs,
                            QmpClient::Callback done)
{
    QJsonObject args;
    if (maxBandwidth >= 0)
        args.insert(QStringLiteral("max-bandwidth"), double(maxBandwidth));
    if (downtimeLimitMs >= 0)
        args.insert(QStringLiteral("downtime-limit"), double(downtimeLimitMs));
    client->execute(QStringLiteral("migrate-set-parameters"), args, context, std::move(done));
}

} // namespace devtopo::qmp
