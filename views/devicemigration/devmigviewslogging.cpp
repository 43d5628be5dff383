#include "devmigviewslogging.h"

Q_LOGGING_CATEGORY(lcDevMigViews, "devtopo.views.devicemigration", QtInfoMsg)
