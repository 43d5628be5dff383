#pragma once

// VFIO migration v2 (linux/vfio.h, "enum vfio_device_mig_state"): the states with the kernel's
// numbers, the VFIO_DEVICE_FEATURE_MIGRATION flags, and vfio_mig_get_next_state() from
// drivers/vfio/vfio_main.c (Linux 6.12): the one-step table, the states each flag set supports,
// and the path the kernel (and QEMU, which asks for one arc at a time) walks from any state to
// any other. Both hosts and the views use this; nothing here touches a device.

#include <QList>
#include <QString>
#include <QStringList>

namespace devtopo::vfiomig {

// The kernel's numbering (VFIO_DEVICE_STATE_*).
enum class State : quint32 {
    Error = 0,
    Stop = 1,
    Running = 2,
    StopCopy = 3,
    Resuming = 4,
    RunningP2p = 5,
    PreCopy = 6,
    PreCopyP2p = 7,
};
constexpr int kStateCount = 8; // VFIO_DEVICE_STATE_PRE_COPY_P2P + 1

// VFIO_MIGRATION_* bits of vfio_device_feature_migration.flags.
enum Flag : quint64 {
    StopCopyFlag = 1u << 0,
    P2pFlag = 1u << 1,
    PreCopyFlag = 1u << 2,
};
constexpr quint64 kKnownFlags = StopCopyFlag | P2pFlag | PreCopyFlag;

QList<State> allStates(); // in kernel order, ERROR first
bool isValidStateNumber(quint32 n);
// "STOP_COPY", "RUNNING_P2P", ... as in the kernel's names (without VFIO_DEVICE_STATE_).
QString stateName(State s);
// Accepts the kernel's names case-insensitively (and with "VFIO_DEVICE_STATE_" in front) or the
// number; false for anything else.
bool parseState(const QString &text, State *out);
QString flagsText(quint64 flags); // "STOP_COPY|P2P|PRE_COPY", "none"

// The flags a state needs (state_flags_table): ERROR needs every bit there is, so it is never
// "supported" as a target.
quint64 requiredFlags(State s);
bool isSupported(State s, quint64 flags);
QList<State> supportedStates(quint64 flags); // ERROR excluded

// The data session a state belongs to: the saving group (PRE_COPY, PRE_COPY_P2P, STOP_COPY) shares
// one data fd; RESUMING has a write fd; the others none.
bool isSavingState(State s);
bool hasDataFd(State s);

// vfio_mig_get_next_state(): 0 and *next, or EINVAL (unsupported current or target state, ERROR
// as target, anything from ERROR, STOP_COPY -> PRE_COPY*). A current state equal to the target
// gives *next == target.
int nextState(State current, State target, quint64 flags, State *next);

struct MigrationPath
{
    int err = 0; // 0 or EINVAL
    QString why; // on refusal: what the kernel would refuse and why
    QList<State> steps; // the states entered, in order (empty when current == target)
    bool ok() const { return err == 0; }
};
// The whole walk: nextState() applied until the target, one SET of MIG_DEVICE_STATE per step.
MigrationPath pathTo(State current, State target, quint64 flags);
QString pathText(State current, const QList<State> &steps); // "RUNNING -> RUNNING_P2P -> STOP"

struct Arc
{
    State from = State::Error;
    State to = State::Error;
    bool operator==(const Arc &) const = default;
};
// The single-step arcs a driver with these flags implements: every (from, nextState(from, t))
// over all supported targets. With all flags these are the 15 arcs documented in linux/vfio.h.
QList<Arc> singleStepArcs(quint64 flags);
bool isSingleStepArc(State from, State to, quint64 flags);

// What the in-tree variant drivers advertise on Linux 6.12 (drivers/vfio/pci/*, samples/vfio-mdev/
// mtty.c): migration flags and whether they have DMA-logging ops. flags 0: no migration (ENOTTY).
struct DriverMigrationCaps
{
    quint64 flags = 0;
    bool dmaLogging = false;
};
DriverMigrationCaps driverMigrationCaps(const QString &driver);

} // namespace devtopo::vfiomig
