#include "vminfo.h"

#include "migrationparser.h"
#include "qmpclient.h"

#include <QJsonArray>
#include <QPointer>

#include <memory>

namespace devtopo::qmp {

namespace {

struct Query {
    VmInfo info;
    QString error;
    int outstanding = 0;
    std::function<void(const VmInfo &, const QString &)> done;
    QPointer<QObject> context;
    bool hasContext = false;

    void finishOne()
    {
        if (--outstanding > 0)
            return;
        if (hasContext && !context)
            return;
        done(info, error);
    }
};

void addVfioDevices(QmpClient *client, QObject *context, const std::shared_ptr<Query> &q, const QString &parent,
                    const QJsonArray &children)
{
    for (const QJsonValue &c : children) {
        const QJsonObject child = c.toObject();
        if (child.value(QLatin1StringView("type")).toString() != QLatin1String("child<vfio-pci>"))
            continue;
        migration::VfioDevice d;
        d.id = child.value(QLatin1StringView("name")).toString();
        d.qomPath = parent % QLatin1Char('/') % d.id;
        const int index = int(q->info.vfioDevices.size());
        q->info.vfioDevices.append(d);
        for (const char *prop : {"host", "addr"}) {
            ++q->outstanding;
            const QString name = QLatin1String(prop);
            client->execute(QStringLiteral("qom-get"),
                            {{QStringLiteral("path"), d.qomPath}, {QStringLiteral("property"), name}}, context,
                            [q, index, name](const QmpReply &r) {
                                if (r.ok && index < q->info.vfioDevices.size()) {
                                    auto &dev = q->info.vfioDevices[index];
                                    (name == QLatin1String("host") ? dev.host : dev.guestAddress) = r.value.toString();
                                }
                                q->finishOne();
                            });
        }
    }
}

} // namespace

void queryVmInfo(QmpClient *client, QObject *context, std::function<void(const VmInfo &, const QString &)> done)
{
    auto q = std::make_shared<Query>();
    q->done = std::move(done);
    q->context = context;
    q->hasContext = context != nullptr;
    q->outstanding = 5;
    auto noteError = [q](const QmpReply &r) {
        if (!r.ok && q->error.isEmpty())
            q->error = r.errorText();
    };
    client->execute(QStringLiteral("query-name"), {}, context, [q, noteError](const QmpReply &r) {
        noteError(r);
        q->info.name = r.object().value(QLatin1StringView("name")).toString();
        q->finishOne();
    });
    client->execute(QStringLiteral("query-status"), {}, context, [q, noteError](const QmpReply &r) {
        noteError(r);
        q->info.status = r.object().value(QLatin1StringView("status")).toString();
        q->info.running = r.object().value(QLatin1StringView("running")).toBool();
        q->finishOne();
    });
    client->execute(QStringLiteral("query-migrate-parameters"), {}, context, [q, noteError](const QmpReply &r) {
        noteError(r);
        QString error;
        if (r.ok) {
            if (auto p = migration::parseMigrationParameters(r.object(), &error)) {
                q->info.parameters = *p;
                q->info.hasParameters = true;
            } else if (q->error.isEmpty()) {
                q->error = error;
            }
        }
        q->finishOne();
    });
    for (const QString &parent : {QStringLiteral("/machine/peripheral"), QStringLiteral("/machine/peripheral-anon")}) {
        // A machine without such a container answers an error: not a failure, just no devices there.
        client->execute(QStringLiteral("qom-list"), {{QStringLiteral("path"), parent}}, context,
                        [client, context, q, parent](const QmpReply &r) {
                            if (r.ok)
                                addVfioDevices(client, context, q, parent, r.value.toArray());
                            q->finishOne();
                        });
    }
}

} // namespace devtopo::qmp
