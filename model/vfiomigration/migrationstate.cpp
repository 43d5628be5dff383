#include "migrationstate.h"

#include <cerrno>

using namespace Qt::StringLiterals;

namespace devtopo::vfiomig {

namespace {

constexpr State E = State::Error, S = State::Stop, R = State::Running, SC = State::StopCopy, RS = State::Resuming,
                RP = State::RunningP2p, PC = State::PreCopy, PP = State::PreCopyP2p;

// vfio_from_fsm_table[cur][new] of drivers/vfio/vfio_main.c (6.12), indexed by the kernel's numbers:
// ERROR, STOP, RUNNING, STOP_COPY, RESUMING, RUNNING_P2P, PRE_COPY, PRE_COPY_P2P.
constexpr State kTable[kStateCount][kStateCount] = {
    /* ERROR */ {E, E, E, E, E, E, E, E},
    /* STOP */ {E, S, RP, SC, RS, RP, RP, RP},
    /* RUNNING */ {E, RP, R, RP, RP, RP, PC, RP},
    /* STOP_COPY */ {E, S, S, SC, S, S, E, E},
    /* RESUMING */ {E, S, S, S, RS, S, S, S},
    /* RUNNING_P2P */ {E, S, R, S, S, RP, R, PP},
    /* PRE_COPY */ {E, R, R, PP, R, R, PC, PP},
    /* PRE_COPY_P2P */ {E, RP, RP, SC, RP, RP, PC, PP},
};

// state_flags_table: ERROR is ~0U, so no flag set ever "supports" it.
constexpr quint64 kRequired[kStateCount] = {
    0xffffffffu, StopCopyFlag, StopCopyFlag, StopCopyFlag, StopCopyFlag, StopCopyFlag | P2pFlag,
    StopCopyFlag | PreCopyFlag, StopCopyFlag | P2pFlag | PreCopyFlag,
};

const char *const kNames[kStateCount] = {"ERROR", "STOP", "RUNNING", "STOP_COPY", "RESUMING", "RUNNING_P2P", "PRE_COPY", "PRE_COPY_P2P"};

int index(State s)
{
    return int(s);
}

} // namespace

QList<State> allStates()
{
    QList<State> out;
    for (int i = 0; i < kStateCount; ++i)
        out << State(i);
    return out;
}

bool isValidStateNumber(quint32 n)
{
    return n < quint32(kStateCount);
}

QString stateName(State s)
{
    return isValidStateNumber(quint32(s)) ? QString::fromLatin1(kNames[index(s)]) : u"state %1"_s.arg(quint32(s));
}

bool parseState(const QString &text, State *out)
{
    QString t = text.trimmed().toUpper();
    if (t.startsWith(u"VFIO_DEVICE_STATE_"_s))
        t = t.mid(18);
    bool isNumber = false;
    const uint n = t.toUInt(&isNumber, 10);
    if (isNumber) {
        if (!isValidStateNumber(n))
            return false;
        *out = State(n);
        return true;
    }
    for (int i = 0; i < kStateCount; ++i) {
        if (t == QLatin1StringView(kNames[i])) {
            *out = State(i);
            return true;
        }
    }
    return false;
}

QString flagsText(quint64 flags)
{
    QStringList parts;
    if (flags & StopCopyFlag)
        parts << u"STOP_COPY"_s;
    if (flags & P2pFlag)
        parts << u"P2P"_s;
    if (flags & PreCopyFlag)
        parts << u"PRE_COPY"_s;
    if (flags & ~kKnownFlags)
        parts << u"0x%1"_s.arg(flags & ~kKnownFlags, 0, 16);
    return parts.isEmpty() ? u"none"_s : parts.join(u'|');
}

quint64 requiredFlags(State s)
{
    return isValidStateNumber(quint32(s)) ? kRequired[index(s)] : 0xffffffffu;
}

bool isSupported(State s, quint64 flags)
{
    const quint64 need = requiredFlags(s);
    return (need & flags) == need;
}

QList<State> supportedStates(quint64 flags)
{
    QList<State> out;
    for (State s : allStates()) {
        if (isSupported(s, flags))
            out << s;
    }
    return out;
}

bool isSavingState(State s)
{
    return s == State::PreCopy || s == State::PreCopyP2p || s == State::StopCopy;
}

bool hasDataFd(State s)
{
    return isSavingState(s) || s == State::Resuming;
}

int nextState(State current, State target, quint64 flags, State *next)
{
    if (!isValidStateNumber(quint32(current)) || !isSupported(current, flags))
        return EINVAL;
    if (!isValidStateNumber(quint32(target)) || !isSupported(target, flags))
        return EINVAL;
    // Arcs touching unsupported optional states are skipped: follow the table on from there. The
    // loop stops at ERROR, as the kernel's fix "vfio: Fix ... infinite loop" (2026) makes it do:
    // 6.12 itself spins forever on STOP_COPY -> PRE_COPY*, so devtopo never asks it for that arc.
    State n = kTable[index(current)][index(target)];
    while (!isSupported(n, flags) && n != State::Error)
        n = kTable[index(n)][index(target)];
    if (next)
        *next = n;
    return n == State::Error ? EINVAL : 0;
}

MigrationPath pathTo(State current, State target, quint64 flags)
{
    MigrationPath p;
    auto refuse = [&p](const QString &why) {
        p.err = EINVAL;
        p.why = why;
        p.steps.clear();
        return p;
    };
    if (!isValidStateNumber(quint32(target)))
        return refuse(u"%1 is not a migration state (0-7)"_s.arg(quint32(target)));
    if (target == State::Error)
        return refuse(u"ERROR cannot be requested; a device only falls into it when a transition fails"_s);
    if (current == State::Error)
        return refuse(u"the device is in ERROR: only a device reset (VFIO_DEVICE_RESET) leaves it, back to RUNNING"_s);
    if (!isSupported(current, flags))
        return refuse(u"the current state %1 needs migration flags %2; the device has %3"_s.arg(
            stateName(current), flagsText(requiredFlags(current)), flagsText(flags)));
    if (!isSupported(target, flags))
        return refuse(u"%1 needs migration flags %2; the device has %3"_s.arg(stateName(target),
                                                                             flagsText(requiredFlags(target)), flagsText(flags)));
    State at = current;
    for (int guard = 0; at != target && guard < kStateCount * 2; ++guard) {
        State n = State::Error;
        if (nextState(at, target, flags, &n) != 0)
            return refuse(u"the kernel has no path from %1 to %2 (%3 -> %4 is blocked: a saving session cannot go back to pre-copy)"_s.arg(
                stateName(current), stateName(target), stateName(at), stateName(target)));
        p.steps << n;
        at = n;
    }
    return p;
}

QString pathText(State current, const QList<State> &steps)
{
    QStringList names{stateName(current)};
    for (State s : steps)
        names << stateName(s);
    return names.join(u" -> "_s);
}

QList<Arc> singleStepArcs(quint64 flags)
{
    QList<Arc> out;
    for (State from : supportedStates(flags)) {
        for (State to : supportedStates(flags)) {
            State n = State::Error;
            if (from == to || nextState(from, to, flags, &n) != 0)
                continue;
            const Arc arc{from, n};
            if (!out.contains(arc))
                out << arc;
        }
    }
    return out;
}

bool isSingleStepArc(State from, State to, quint64 flags)
{
    return singleStepArcs(flags).contains(Arc{from, to});
}

DriverMigrationCaps driverMigrationCaps(const QString &driver)
{
    // Linux 6.12: mlx5 (STOP_COPY|P2P|PRE_COPY, log_ops), hisi_acc (STOP_COPY|PRE_COPY), pds
    // (STOP_COPY|P2P, log_ops), qat (STOP_COPY|P2P|PRE_COPY), mtty (all three, stub log_ops).
    // virtio_vfio_pci gained migration in 6.13 only; plain vfio-pci has none.
    const QString d = QString(driver).replace(u'-', u'_');
    if (d == u"mlx5_vfio_pci"_s)
        return {StopCopyFlag | P2pFlag | PreCopyFlag, true};
    if (d == u"hisi_acc_vfio_pci"_s)
        return {StopCopyFlag | PreCopyFlag, false};
    if (d == u"pds_vfio_pci"_s)
        return {StopCopyFlag | P2pFlag, true};
    if (d == u"qat_vfio_pci"_s)
        return {StopCopyFlag | P2pFlag | PreCopyFlag, false};
    if (d == u"mtty"_s)
        return {StopCopyFlag | P2pFlag | PreCopyFlag, true};
    return {};
}

} // namespace devtopo::vfiomig
