#include "changeplanner.h"

#include "analysis.h"

#include <algorithm>

using namespace Qt::StringLiterals;

namespace devtopo::control {

namespace {

QString driverText(const QString &d)
{
    return d.isEmpty() ? u"no driver"_s : d;
}

// "a", "a and b", "a, b and c"
QString joinAnd(const QStringList &items)
{
    if (items.size() <= 1)
        return items.value(0);
    return QStringList(items.mid(0, items.size() - 1)).join(u", "_s) + u" and "_s + items.last();
}

bool isPf(const PciFunction &f)
{
    return !f.isVf() && f.sriov.totalVfs > 0;
}

int currentVfs(const PciFunction &pf)
{
    return pf.sriov.numVfs >= 0 ? pf.sriov.numVfs : int(pf.vfs.size());
}

// What devtopo's binding leaves behind: a driver_override, or a VFIO/stub driver.
bool looksRebound(const PciFunction &f)
{
    return !f.driverOverride.isEmpty() || isVfioDriver(f.driver) || f.driver == u"pci-stub"_s;
}

// Members a group bind moves, in the helper's order (bridges VFIO tolerates stay).
QList<const PciFunction *> groupTargets(const Topology &t, const IommuGroup &g, QList<const PciFunction *> *leftAlone)
{
    QList<const PciFunction *> out;
    for (const PciAddress &a : g.devices) {
        const PciFunction *f = t.function(a);
        if (!f)
            continue;
        if (f->isBridge() && driverAllowsVfioOwnership(f->driver, true)) {
            if (leftAlone)
                *leftAlone << f;
            continue;
        }
        out << f;
    }
    return out;
}

void addBind(ChangePlan &plan, const PciFunction &f, const QString &driver)
{
    PlannedChange c;
    c.device = f.address;
    c.fromDriver = f.driver;
    c.toDriver = driver;
    const QString a = f.address.toString();
    if (f.driver == driver) {
        c.kind = PlannedChange::Kind::AlreadyBound;
        c.text = u"%1 is already on %2: nothing to do"_s.arg(a, driver);
    } else if (f.driver.isEmpty()) {
        c.kind = PlannedChange::Kind::Bind;
        c.text = u"bind %1 (no driver now) to %2"_s.arg(a, driver);
    } else {
        c.kind = PlannedChange::Kind::Unbind;
        c.text = u"unbind %1 from %2 and bind it to %3"_s.arg(f.driver, a, driver);
    }
    plan.changes << c;
    if (c.changes() && !f.driver.isEmpty()) {
        if (const QString why = possibleUseReason(f); !why.isEmpty()) {
            plan.warnings << u"%1 may be in use: %2; the helper refuses to unbind it if it is, unless forced"_s.arg(a, why);
            plan.mayNeedForce = true;
        }
    }
}

// "unbind e1000e from 0000:08:00.0 and nvme from 0000:08:00.1 — same group 15 — and bind both to vfio-pci"
QString groupSummary(const QList<PlannedChange> &changes, int group, const QString &driver)
{
    QStringList unbinds, unbound, already;
    for (const PlannedChange &c : changes) {
        if (c.kind == PlannedChange::Kind::Unbind)
            unbinds << u"%1 from %2"_s.arg(c.fromDriver, c.device.toString());
        else if (c.kind == PlannedChange::Kind::Bind)
            unbound << c.device.toString();
        else if (c.kind == PlannedChange::Kind::AlreadyBound)
            already << c.device.toString();
    }
    const int moving = int(unbinds.size() + unbound.size());
    if (moving == 0)
        return u"every device of group %1 is already on %2: nothing changes"_s.arg(group).arg(driver);
    if (unbinds.isEmpty()) {
        QString s = u"bind %1 (no driver now) to %2 — group %3"_s.arg(joinAnd(unbound), driver).arg(group);
        if (!already.isEmpty())
            s += u"; %1 %2 already on %3"_s.arg(joinAnd(already), already.size() == 1 ? u"is"_s : u"are"_s, driver);
        return s;
    }
    QStringList parts;
    if (!unbinds.isEmpty())
        parts << u"unbind "_s + joinAnd(unbinds);
    if (!unbound.isEmpty())
        parts << joinAnd(unbound) + (unbound.size() == 1 ? u" (no driver now)"_s : u" (no drivers now)"_s);
    const QString who = moving == 1 ? u"it"_s : moving == 2 ? u"both"_s : u"all %1"_s.arg(moving);
    QString s = joinAnd(parts) + u" — same group %1 — and bind %2 to %3"_s.arg(group).arg(who, driver);
    if (!already.isEmpty())
        s += u"; %1 %2 already on %3"_s.arg(joinAnd(already), already.size() == 1 ? u"is"_s : u"are"_s, driver);
    return s;
}

} // namespace

bool ChangePlan::isNoOp() const
{
    return isValid() && std::none_of(changes.cbegin(), changes.cend(), [](const PlannedChange &c) { return c.changes(); });
}

QString suggestedDriver(const PciFunction &f)
{
    return f.variantDrivers.isEmpty() ? u"vfio-pci"_s : f.variantDrivers.first();
}

QString suggestedGroupDriver(const Topology &t, int group)
{
    const IommuGroup *g = t.group(group);
    if (!g)
        return u"vfio-pci"_s;
    QString common;
    const QList<const PciFunction *> targets = groupTargets(t, *g, nullptr);
    for (const PciFunction *f : targets) {
        const QString s = suggestedDriver(*f);
        if (common.isEmpty())
            common = s;
        else if (common != s)
            return u"vfio-pci"_s; // a variant driver binds only its own devices
    }
    return common.isEmpty() ? u"vfio-pci"_s : common;
}

QStringList candidateDrivers(const Topology &t, const PciFunction &f)
{
    QStringList first{suggestedDriver(f)};
    for (const QString &d : f.variantDrivers)
        if (!first.contains(d))
            first << d;
    for (const QString &d : {u"vfio-pci"_s, u"pci-stub"_s})
        if (!first.contains(d))
            first << d;
    if (!f.driver.isEmpty() && !first.contains(f.driver))
        first << f.driver;
    QStringList rest;
    for (const PciFunction &o : t.functions)
        if (!o.driver.isEmpty() && !first.contains(o.driver) && !rest.contains(o.driver))
            rest << o.driver;
    rest.sort();
    return first + rest;
}

QString possibleUseReason(const PciFunction &f)
{
    if (f.driver.isEmpty() || isVfioDriver(f.driver) || f.driver == u"pci-stub"_s)
        return {};
    switch (f.baseClass()) {
    case 0x01:
        return u"a storage controller on %1 may hold mounted filesystems"_s.arg(f.driver);
    case 0x02:
        return u"a network controller on %1 may have an interface that is up"_s.arg(f.driver);
    case 0x03:
        return u"a display controller on %1 may drive the console"_s.arg(f.driver);
    default:
        return {};
    }
}

std::optional<PciAddress> predictedVfAddress(const PciFunction &pf, int n)
{
    if (pf.sriov.vfOffset <= 0 || pf.sriov.vfStride <= 0 || n < 0)
        return std::nullopt;
    const int rid = (pf.address.bus << 8) | (pf.address.device << 3) | pf.address.function;
    const int vf = rid + pf.sriov.vfOffset + n * pf.sriov.vfStride;
    if (vf > 0xffff)
        return std::nullopt;
    PciAddress a;
    a.domain = pf.address.domain;
    a.bus = quint8(vf >> 8);
    a.device = quint8((vf >> 3) & 0x1f);
    a.function = quint8(vf & 7);
    return a;
}

QString unavailableReason(const Topology &t, ActionKind kind, const PciAddress &address, int group)
{
    if (kind == ActionKind::BindGroup || kind == ActionKind::RestoreGroup) {
        const IommuGroup *g = t.group(group);
        if (!g)
            return u"there is no IOMMU group %1 on this host"_s.arg(group);
        const QList<const PciFunction *> targets = groupTargets(t, *g, nullptr);
        if (targets.isEmpty())
            return u"group %1 holds only bridges VFIO leaves alone"_s.arg(group);
        if (kind == ActionKind::RestoreGroup
            && std::none_of(targets.cbegin(), targets.cend(), [](const PciFunction *f) { return looksRebound(*f); }))
            return u"no device of group %1 has a driver_override or a VFIO driver: nothing devtopo rebound"_s.arg(group);
        return {};
    }
    const PciFunction *f = t.function(address);
    if (!f)
        return u"there is no device %1 on this host"_s.arg(address.toString());
    const QString a = address.toString();
    switch (kind) {
    case ActionKind::BindDevice:
    case ActionKind::PersistOverride:
        if (f->isBridge() && driverAllowsVfioOwnership(f->driver, true) && kind == ActionKind::BindDevice)
            return u"%1 is a bridge on %2; VFIO does not need it rebound"_s.arg(a, driverText(f->driver));
        return {};
    case ActionKind::RestoreDriver:
        if (!looksRebound(*f))
            return u"%1 has no driver_override and is not on a VFIO driver: nothing devtopo rebound"_s.arg(a);
        return {};
    case ActionKind::RemoveOverride:
        return {};
    case ActionKind::SetNumVfs:
    case ActionKind::SetDriversAutoprobe:
        if (f->isVf())
            return u"%1 is a VF; only its PF has SR-IOV controls"_s.arg(a);
        if (!isPf(*f))
            return u"%1 is not an SR-IOV physical function"_s.arg(a);
        return {};
    case ActionKind::ResetDevice:
        if (f->resetMethods.isEmpty())
            return u"%1 has no reset method (reset_method is empty)"_s.arg(a);
        return {};
    case ActionKind::BindGroup:
    case ActionKind::RestoreGroup:
        break;
    }
    return {};
}

ChangePlan planChange(const Topology &t, const ControlAction &action)
{
    ChangePlan plan;
    plan.action = action;
    plan.error = unavailableReason(t, action.kind, action.address, action.group);
    if (!plan.isValid())
        return plan;
    const bool needsDriver = action.kind == ActionKind::BindDevice || action.kind == ActionKind::BindGroup
        || action.kind == ActionKind::PersistOverride;
    if (needsDriver && action.driver.trimmed().isEmpty()) {
        plan.error = u"choose a driver"_s;
        return plan;
    }
    const QString a = action.address.toString();
    const PciFunction *f = t.function(action.address);

    switch (action.kind) {
    case ActionKind::BindDevice: {
        addBind(plan, *f, action.driver);
        plan.summary = plan.changes.first().text;
        if (f->iommuGroup && isVfioDriver(action.driver) && plan.changes.first().changes()) {
            if (const IommuGroup *g = t.group(*f->iommuGroup)) {
                QStringList others;
                for (const PciFunction *o : groupTargets(t, *g, nullptr))
                    if (o->address != f->address && !driverAllowsVfioOwnership(o->driver, false))
                        others << u"%1 (%2)"_s.arg(o->address.toString(), o->driver);
                if (!others.isEmpty())
                    plan.warnings << u"group %1 also holds %2: it stays not viable for VFIO (opening it gives EPERM) "
                                     "until %3 bound too — bind the whole group instead"_s.arg(*f->iommuGroup)
                                         .arg(joinAnd(others), others.size() == 1 ? u"it is"_s : u"they are"_s);
            }
        }
        break;
    }
    case ActionKind::BindGroup: {
        const IommuGroup *g = t.group(action.group);
        QList<const PciFunction *> left;
        const QList<const PciFunction *> targets = groupTargets(t, *g, &left);
        for (const PciFunction *m : targets)
            addBind(plan, *m, action.driver);
        for (const PciFunction *b : left) {
            PlannedChange c;
            c.kind = PlannedChange::Kind::LeftAlone;
            c.device = b->address;
            c.fromDriver = b->driver;
            c.text = u"%1 is a bridge on %2: VFIO tolerates it, it stays"_s.arg(b->address.toString(), driverText(b->driver));
            plan.changes << c;
        }
        plan.summary = groupSummary(plan.changes, action.group, action.driver);
        for (const PciFunction *m : targets)
            if (m->driver != action.driver && !action.driver.startsWith(u"vfio"_s) && !m->variantDrivers.contains(action.driver)
                && action.driver != u"pci-stub"_s && action.driver != m->driver)
                plan.warnings << u"%1 may not match %2 (not a VFIO driver, not among its variant drivers): the "
                                 "helper rolls the group back if it does not bind"_s.arg(m->address.toString(), action.driver);
        break;
    }
    case ActionKind::RestoreDriver: {
        PlannedChange c;
        c.kind = PlannedChange::Kind::Restore;
        c.device = f->address;
        c.fromDriver = f->driver;
        c.text = u"unbind %1 from %2 and give it back the driver (and driver_override) devtopo recorded before "
                 "rebinding it"_s.arg(driverText(f->driver), a);
        plan.changes << c;
        plan.summary = c.text;
        break;
    }
    case ActionKind::RestoreGroup: {
        const IommuGroup *g = t.group(action.group);
        QStringList who;
        for (const PciFunction *m : groupTargets(t, *g, nullptr)) {
            PlannedChange c;
            c.device = m->address;
            c.fromDriver = m->driver;
            if (looksRebound(*m)) {
                c.kind = PlannedChange::Kind::Restore;
                c.text = u"unbind %1 from %2 and give it back its recorded driver"_s.arg(driverText(m->driver), m->address.toString());
                who << m->address.toString();
            } else {
                c.kind = PlannedChange::Kind::AlreadyBound;
                c.text = u"%1 (%2) was not rebound: it stays"_s.arg(m->address.toString(), driverText(m->driver));
            }
            plan.changes << c;
        }
        plan.summary = u"give %1 back the drivers devtopo recorded before rebinding — same group %2 — one device after the other"_s
                           .arg(joinAnd(who))
                           .arg(action.group);
        break;
    }
    case ActionKind::PersistOverride: {
        PlannedChange c;
        c.kind = PlannedChange::Kind::PersistOverride;
        c.device = f->address;
        c.toDriver = action.driver;
        c.text = u"write /etc/driverctl.d/pci-%1 = %2: driverctl binds %1 to %2 at every boot"_s.arg(a, action.driver);
        plan.changes << c;
        plan.summary = c.text;
        break;
    }
    case ActionKind::RemoveOverride: {
        PlannedChange c;
        c.kind = PlannedChange::Kind::RemoveOverride;
        c.device = f->address;
        c.text = u"remove /etc/driverctl.d/pci-%1: %1 gets its default driver at the next boot"_s.arg(a);
        plan.changes << c;
        plan.summary = c.text;
        break;
    }
    case ActionKind::SetNumVfs: {
        const int total = f->sriov.totalVfs;
        const int now = currentVfs(*f);
        if (action.count < 0 || action.count > total) {
            plan.error = u"%1 supports 0 to %2 VFs, not %3"_s.arg(a).arg(total).arg(action.count);
            return plan;
        }
        if (now == action.count) {
            PlannedChange c;
            c.kind = PlannedChange::Kind::AlreadyBound;
            c.device = f->address;
            c.text = u"%1 already has %2 VFs: nothing to do"_s.arg(a).arg(now);
            plan.changes << c;
            plan.summary = c.text;
            break;
        }
        QString vfDriver;
        if (now > 0) {
            PlannedChange d;
            d.kind = PlannedChange::Kind::DisableVfs;
            d.device = f->address;
            d.text = action.count > 0 ? u"write 0 to %1's sriov_numvfs first (the kernel refuses to change a nonzero VF "
                                        "count directly): its %2 VFs disappear"_s.arg(a).arg(now)
                                      : u"write 0 to %1's sriov_numvfs: its %2 VFs disappear"_s.arg(a).arg(now);
            plan.changes << d;
            for (const PciAddress &va : f->vfs) {
                const PciFunction *vf = t.function(va);
                PlannedChange r;
                r.kind = PlannedChange::Kind::RemoveVf;
                r.device = va;
                r.fromDriver = vf ? vf->driver : QString();
                r.text = u"VF %1 (%2) disappears"_s.arg(va.toString(), driverText(r.fromDriver));
                plan.changes << r;
                if (vf && vfDriver.isEmpty() && !vf->driver.isEmpty() && !isVfioDriver(vf->driver))
                    vfDriver = vf->driver;
                if (vf && isVfioDriver(vf->driver)) {
                    plan.warnings << u"VF %1 is on %2: a VM or a VFIO user may have it open"_s.arg(va.toString(), vf->driver);
                }
            }
        }
        if (action.count > 0) {
            PlannedChange e;
            e.kind = PlannedChange::Kind::EnableVfs;
            e.device = f->address;
            const QString probe = f->sriov.driversAutoprobe == 0
                ? u"drivers_autoprobe is off: they stay unbound"_s
                : vfDriver.isEmpty() ? u"drivers_autoprobe is on: they bind to their default driver"_s
                                     : u"drivers_autoprobe is on: they bind to %1"_s.arg(vfDriver);
            e.text = u"write %1 to %2's sriov_numvfs: %1 VFs appear; %3"_s.arg(action.count).arg(a, probe);
            plan.changes << e;
            for (int i = 0; i < action.count; ++i) {
                PlannedChange c;
                c.kind = PlannedChange::Kind::CreateVf;
                c.toDriver = f->sriov.driversAutoprobe == 0 ? QString() : vfDriver;
                if (const auto va = predictedVfAddress(*f, i)) {
                    c.device = *va;
                    c.text = u"VF %1 appears at %2"_s.arg(i).arg(va->toString());
                } else {
                    c.text = u"VF %1 appears"_s.arg(i);
                }
                plan.changes << c;
            }
        }
        if (now > 0 && action.count > 0)
            plan.summary = u"set %1's VF count from %2 to %3 by way of 0: the %2 VFs disappear, then %3 new ones appear"_s.arg(a)
                               .arg(now)
                               .arg(action.count);
        else if (action.count == 0)
            plan.summary = u"disable the %1 VFs of %2"_s.arg(now).arg(a);
        else
            plan.summary = u"enable %1 VFs on %2"_s.arg(action.count).arg(a);
        break;
    }
    case ActionKind::SetDriversAutoprobe: {
        PlannedChange c;
        c.kind = PlannedChange::Kind::Autoprobe;
        c.device = f->address;
        c.text = action.on ? u"write 1 to %1's sriov_drivers_autoprobe: VFs created from now on bind to their driver"_s.arg(a)
                           : u"write 0 to %1's sriov_drivers_autoprobe: VFs created from now on stay unbound (ready "
                             "for vfio-pci)"_s.arg(a);
        if (f->sriov.driversAutoprobe == (action.on ? 1 : 0)) {
            c.kind = PlannedChange::Kind::AlreadyBound;
            c.text = u"drivers_autoprobe of %1 is already %2: nothing to do"_s.arg(a, action.on ? u"on"_s : u"off"_s);
        }
        plan.changes << c;
        plan.summary = c.text;
        break;
    }
    case ActionKind::ResetDevice: {
        PlannedChange c;
        c.kind = PlannedChange::Kind::Reset;
        c.device = f->address;
        c.fromDriver = f->driver;
        c.text = u"reset %1 through reset_method (%2; the kernel tries them in this order)"_s.arg(a, f->resetMethods.join(u", "_s));
        plan.changes << c;
        plan.summary = c.text;
        if (const QString why = possibleUseReason(*f); !why.isEmpty()) {
            plan.warnings << u"%1 may be in use: %2; the helper refuses to reset it if it is, unless forced"_s.arg(a, why);
            plan.mayNeedForce = true;
        }
        if (f->resetMethods.first() == u"bus"_s) {
            QStringList siblings;
            for (const PciFunction &o : t.functions)
                if (o.address != f->address && o.address.domain == f->address.domain && o.address.bus == f->address.bus)
                    siblings << o.address.toString();
            if (!siblings.isEmpty())
                plan.warnings << u"a bus reset also resets %1 on the same bus"_s.arg(joinAnd(siblings));
        }
        break;
    }
    }
    return plan;
}

} // namespace devtopo::control
