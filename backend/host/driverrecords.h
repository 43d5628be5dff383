#pragma once

// The drivers devices had before devtopo rebound them, so RestoreDriver can put them back even
// after the helper restarted. Linux keeps them in a JSON file under /run (gone at reboot, exactly
// when the bindings are gone too); the demo keeps them in memory.

#include "pciaddress.h"

#include <QHash>
#include <QString>

namespace devtopo::host {

struct OriginalDriver
{
    QString driver; // empty: the device was unbound
    QString driverOverride; // the driver_override it had
};

class DriverRecords
{
public:
    // Empty path: memory only.
    explicit DriverRecords(QString path = {});

    // Keeps the first record: rebinding vfio-pci -> variant driver must still restore the original.
    void remember(const PciAddress &a, const OriginalDriver &original);
    std::optional<OriginalDriver> original(const PciAddress &a) const;
    void forget(const PciAddress &a);
    QHash<PciAddress, OriginalDriver> all() const { return m_records; }
    // Empty on success, else why the file could not be written.
    QString lastError() const { return m_error; }

private:
    void load();
    void save();

    QString m_path;
    QString m_error;
    QHash<PciAddress, OriginalDriver> m_records;
};

} // namespace devtopo::host
