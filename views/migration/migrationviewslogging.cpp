#include "migrationviewslogging.h"

Q_LOGGING_CATEGORY(lcMigrationViews, "devtopo.views.migration", QtInfoMsg)
