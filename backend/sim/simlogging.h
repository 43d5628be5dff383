#pragma once

#include <QLoggingCategory>

// The simulated host's logging category ("devtopo.sim").
Q_DECLARE_LOGGING_CATEGORY(lcSim)
