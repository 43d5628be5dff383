#pragma once

// One change a user asks devtopo-helper to make, as plain values: the same words the helper's
// typed methods take. The planner turns it into the list of concrete changes to confirm.

#include "pciaddress.h"

#include <QMetaType>
#include <QString>

namespace devtopo::control {

enum class ActionKind {
    BindDevice, // address -> driver
    BindGroup, // group -> driver (every member that is not a bridge VFIO tolerates)
    RestoreDriver, // address -> the driver devtopo recorded before it rebound it
    RestoreGroup, // group -> RestoreDriver for every member devtopo rebound, one after the other
    PersistOverride, // driverctl override for address -> driver
    RemoveOverride,
    SetNumVfs, // PF -> count
    SetDriversAutoprobe, // PF -> on
    ResetDevice, // address through reset_method
};

struct ControlAction
{
    ActionKind kind = ActionKind::BindDevice;
    PciAddress address; // device or PF (unused for BindGroup)
    int group = -1; // BindGroup
    QString driver; // Bind*, PersistOverride
    int count = 0; // SetNumVfs
    bool on = false; // SetDriversAutoprobe
    bool force = false; // Bind*, ResetDevice: unbind/reset even when the helper finds it in use

    // "Bind group 15 to vfio-pci", for the log and the dialog title.
    QString title() const;
    // The helper method it maps to ("BindGroup").
    QString methodName() const;
    // Whether the helper may refuse it because a device is in use (and a force flag exists).
    bool hasForce() const
    {
        return kind == ActionKind::BindDevice || kind == ActionKind::BindGroup || kind == ActionKind::ResetDevice;
    }
};

} // namespace devtopo::control

Q_DECLARE_METATYPE(devtopo::control::ControlAction)
