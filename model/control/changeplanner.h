#pragma once

// What a requested action will do on the scanned host, change by change, before anything is sent
// to devtopo-helper: the confirmation dialog lists it, the tests check it. The helper decides in
// the end (it sees what the topology cannot: addresses on an interface, mounts), so "may be in use"
// here is a warning with a force option, never a refusal.

#include "controlaction.h"
#include "topology.h"

#include <QList>
#include <QString>
#include <QStringList>

namespace devtopo::control {

struct PlannedChange
{
    enum class Kind {
        Unbind, // the device leaves fromDriver...
        Bind, // ...and goes to toDriver (or from no driver to toDriver)
        AlreadyBound, // already on toDriver: nothing happens to it
        LeftAlone, // a bridge VFIO tolerates (pcieport or none)
        DisableVfs, // sriov_numvfs = 0
        RemoveVf, // a VF that disappears (fromDriver: its driver)
        EnableVfs, // sriov_numvfs = n
        CreateVf, // a VF that appears at the predicted address
        Autoprobe,
        PersistOverride,
        RemoveOverride,
        Restore,
        Reset,
    };
    Kind kind = Kind::Bind;
    PciAddress device;
    QString fromDriver;
    QString toDriver;
    QString text; // "unbind e1000e from 0000:08:00.0 and bind it to vfio-pci"
    bool changes() const { return kind != Kind::AlreadyBound && kind != Kind::LeftAlone; }
};

struct ChangePlan
{
    ControlAction action;
    QString error; // non-empty: this cannot be done on this host; nothing to confirm
    QString summary; // one sentence over the whole change
    QList<PlannedChange> changes;
    QStringList warnings; // in-use risks, groups left not viable, ...
    bool mayNeedForce = false; // a device to unbind/reset may be in use: offer "force"
    bool isValid() const { return error.isEmpty(); }
    bool isNoOp() const; // valid, and every entry leaves its device as it is
};

ChangePlan planChange(const Topology &topology, const ControlAction &action);

// Empty when the action makes sense for the device (or group) on this topology, else why not:
// the menus enable by it and show it as the tooltip.
QString unavailableReason(const Topology &topology, ActionKind kind, const PciAddress &address, int group = -1);

// The driver to offer first: the most specific VFIO variant driver modules.alias names, else vfio-pci.
QString suggestedDriver(const PciFunction &f);
// The group's suggestion: a variant driver only if every member that would move has that one.
QString suggestedGroupDriver(const Topology &topology, int group);
// The drivers a user may pick from: vfio-pci, the device's variant drivers, pci-stub, its current
// driver, and every other driver bound somewhere on the host; no duplicates, sorted after the first.
QStringList candidateDrivers(const Topology &topology, const PciFunction &f);
// Why the helper may find the device in use, by what the topology knows (a bound storage,
// network or display controller); empty when nothing suggests it.
QString possibleUseReason(const PciFunction &f);
// Where the kernel will put VF n (0-based) of a PF: PF routing ID + First VF Offset + n × VF Stride.
std::optional<PciAddress> predictedVfAddress(const PciFunction &pf, int n);

} // namespace devtopo::control
