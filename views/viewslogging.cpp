#include "viewslogging.h"

Q_LOGGING_CATEGORY(lcViews, "devtopo.views", QtInfoMsg)
