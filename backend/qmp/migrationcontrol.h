#pragma once

// The migration commands the window and devtopo-cli send, in one place: start (events capability on,
// then migrate), cancel (migrate_cancel; migrate-cancel where a QEMU knows only that spelling),
// max-bandwidth and downtime-limit. Each calls back once with QEMU's reply or the first error.

#include "qmpclient.h"

namespace devtopo::qmp {

// An error sentence for a URI QEMU cannot take (no scheme it knows), or empty.
QString checkMigrationUri(const QString &uri);
// "128M", "1G", "125000000", "512K": bytes per second (binary suffixes, as QEMU's size options).
bool parseBandwidth(const QString &text, qint64 *bytesPerSecond, QString *error);

void startMigration(QmpClient *client, QObject *context, const QString &uri, QmpClient::Callback done);
void cancelMigration(QmpClient *client, QObject *context, QmpClient::Callback done);
// -1 leaves a parameter as it is.
void setMigrationParameters(QmpClient *client, QObject *context, qint64 maxBandwidth, qint64 downtimeLimitMs,
                            QmpClient::Callback done);

} // namespace devtopo::qmp
