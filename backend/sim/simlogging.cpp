#include "simlogging.h"

Q_LOGGING_CATEGORY(lcSim, "devtopo.sim")
