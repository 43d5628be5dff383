#include "devicemigrationclient.h"
