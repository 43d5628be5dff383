#include "modelslogging.h"

Q_LOGGING_CATEGORY(lcItemModels, "devtopo.model.items", QtInfoMsg)
