#pragma once

#include <QLoggingCategory>

// The control hosts' logging category ("devtopo.host").
Q_DECLARE_LOGGING_CATEGORY(lcHost)
