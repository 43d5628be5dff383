#pragma once

// QMP replies to migration values. Each parser checks the shapes it relies on and says what is wrong;
// fields QEMU leaves out stay -1.

#include "migrationsample.h"

#include <QJsonObject>

#include <optional>

namespace devtopo::migration {

// The "return" object of query-migrate.
std::optional<MigrationSample> parseQueryMigrate(const QJsonObject &reply, qint64 timeMs, QString *error);
// The "return" object of query-migrate-parameters.
std::optional<MigrationParameters> parseMigrationParameters(const QJsonObject &reply, QString *error);
// The "return" object of query-dirty-rate.
std::optional<DirtyRateResult> parseDirtyRate(const QJsonObject &reply, qint64 timeMs, QString *error);
// A QMP event message ({"event": ..., "data": ..., "timestamp": ...}); nullopt for events that are
// not about migration.
std::optional<MigrationEvent> parseMigrationEvent(const QString &name, const QJsonObject &data, qint64 timeMs);

} // namespace devtopo::migration
