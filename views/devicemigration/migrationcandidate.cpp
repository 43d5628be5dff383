#include "migrationcandidate.h"

#include "migrationstate.h"
#include "topology.h"

#include <QCoreApplication>
#include <QUuid>

using namespace Qt::StringLiterals;

namespace devtopo::devmig {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("devtopo::devmig::MigrationCandidate", text);
}

// The first variant driver modules.alias offers this device that has migration ops.
QString migratingVariant(const PciFunction &f)
{
    for (const QString &d : f.variantDrivers)
        if (vfiomig::driverMigrationCaps(d).flags)
            return d;
    return {};
}

} // namespace

QString migrationUnavailableReason(const PciFunction &f)
{
    const QString name = f.address.toString();
    if (!f.iommuGroup)
        return tr("%1 has no IOMMU group: VFIO cannot open it").arg(name);
    if (vfiomig::driverMigrationCaps(f.driver).flags)
        return {};
    const QString variant = migratingVariant(f);
    const QString hint = variant.isEmpty() ? QString() : tr("; bind it to %1, which has migration").arg(variant);
    if (f.driver.isEmpty())
        return tr("%1 has no driver: no VFIO migration driver%2").arg(name, hint);
    if (f.driver == u"vfio-pci"_s)
        return tr("%1 is on vfio-pci: plain vfio-pci has no migration ops, only variant drivers do%2").arg(name, hint);
    return tr("%1 is on %2: no VFIO migration driver%3").arg(name, f.driver, hint);
}

bool isMdevName(const QString &member)
{
    return !QUuid::fromString(member).isNull();
}

} // namespace devtopo::devmig
