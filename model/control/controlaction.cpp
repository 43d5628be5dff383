#include "controlaction.h"

using namespace Qt::StringLiterals;

namespace devtopo::control {

QString ControlAction::title() const
{
    const QString a = address.toString();
    switch (kind) {
    case ActionKind::BindDevice:
        return u"Bind %1 to %2"_s.arg(a, driver);
    case ActionKind::BindGroup:
        return u"Bind IOMMU group %1 to %2"_s.arg(group).arg(driver);
    case ActionKind::RestoreDriver:
        return u"Restore the original driver of %1"_s.arg(a);
    case ActionKind::RestoreGroup:
        return u"Restore the original drivers of IOMMU group %1"_s.arg(group);
    case ActionKind::PersistOverride:
        return u"Persist the override %1 → %2"_s.arg(a, driver);
    case ActionKind::RemoveOverride:
        return u"Remove the persistent override of %1"_s.arg(a);
    case ActionKind::SetNumVfs:
        return u"Set %1's VF count to %2"_s.arg(a).arg(count);
    case ActionKind::SetDriversAutoprobe:
        return u"Turn drivers_autoprobe %1 on %2"_s.arg(on ? u"on"_s : u"off"_s, a);
    case ActionKind::ResetDevice:
        return u"Reset %1"_s.arg(a);
    }
    return {};
}

QString ControlAction::methodName() const
{
    switch (kind) {
    case ActionKind::BindDevice:
        return u"BindDriver"_s;
    case ActionKind::BindGroup:
        return u"BindGroup"_s;
    case ActionKind::RestoreDriver:
    case ActionKind::RestoreGroup:
        return u"RestoreDriver"_s;
    case ActionKind::PersistOverride:
        return u"PersistOverride"_s;
    case ActionKind::RemoveOverride:
        return u"RemoveOverride"_s;
    case ActionKind::SetNumVfs:
        return u"SetNumVfs"_s;
    case ActionKind::SetDriversAutoprobe:
        return u"SetDriversAutoprobe"_s;
    case ActionKind::ResetDevice:
        return u"ResetDevice"_s;
    }
    return {};
}

} // namespace devtopo::control
