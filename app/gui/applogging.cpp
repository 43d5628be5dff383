#include "applogging.h"

Q_LOGGING_CATEGORY(lcApp, "devtopo.app", QtInfoMsg)
