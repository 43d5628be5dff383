#pragma once

#include <QLoggingCategory>

// The item models' own category, so their messages can be switched on without the scanner's.
Q_DECLARE_LOGGING_CATEGORY(lcItemModels)
