#include "hostlogging.h"

Q_LOGGING_CATEGORY(lcHost, "devtopo.host")
