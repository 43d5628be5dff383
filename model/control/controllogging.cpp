#include "controllogging.h"

Q_LOGGING_CATEGORY(lcControl, "devtopo.control")
