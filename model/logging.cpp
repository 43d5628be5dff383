#include "logging.h"

Q_LOGGING_CATEGORY(lcScan, "devtopo.model.scan", QtInfoMsg)
Q_LOGGING_CATEGORY(lcAnalysis, "devtopo.model.analysis", QtInfoMsg)
Q_LOGGING_CATEGORY(lcSnapshot, "devtopo.model.snapshot", QtInfoMsg)
