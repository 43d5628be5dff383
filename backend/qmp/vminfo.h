#pragma once

// What devtopo shows about a VM: name, run state, its VFIO devices (vfio-pci children in QOM, with
// their host and guest addresses) and the migration parameters.

#include "migrationsample.h"

#include <QObject>

#include <functional>

namespace devtopo::qmp {

class QmpClient;

struct VmInfo {
    QString name;
    QString status;   // query-status: running, paused, postmigrate, inmigrate, ...
    bool running = false;
    QList<migration::VfioDevice> vfioDevices;
    migration::MigrationParameters parameters;
    bool hasParameters = false;
};

// Asks QEMU (query-name, query-status, query-migrate-parameters, qom-list of /machine/peripheral and
// /machine/peripheral-anon, qom-get host/addr of each vfio-pci) and calls back once. error is empty on
// success; a VM without a name or without VFIO devices is not an error.
void queryVmInfo(QmpClient *client, QObject *context,
                 std::function<void(const VmInfo &info, const QString &error)> done);

} // namespace devtopo::qmp
