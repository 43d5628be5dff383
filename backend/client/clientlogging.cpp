#include "clientlogging.h"

Q_LOGGING_CATEGORY(lcClient, "devtopo.client")
