#include "migrationlogging.h"

Q_LOGGING_CATEGORY(lcMigration, "devtopo.migration", QtInfoMsg)
