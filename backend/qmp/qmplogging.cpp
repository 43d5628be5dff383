#include "qmplogging.h"

Q_LOGGING_CATEGORY(lcQmp, "devtopo.qmp", QtInfoMsg)
