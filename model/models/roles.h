#pragma once

#include <Qt>

namespace devtopo {

// One role set shared by every item model, so FilterProxy, delegates and the main window can ask
// any of them the same questions. A model answers only the roles that make sense for a row and
// returns an invalid QVariant for the rest.
enum ModelRole {
    AddressRole = Qt::UserRole + 1, // QString "DDDD:BB:DD.F" (host bridge rows: "pci0000:00";
                                    // group rows: member addresses joined by spaces)
    PciAddressRole, // devtopo::PciAddress of the row's function
    GroupRole, // int IOMMU group id, -1 when none
    DriverRole, // QString bound driver (group rows: member drivers joined by spaces)
    ClassRole, // QString class name and code, e.g. "Non-Volatile memory controller 0x010802"
    NameRole, // QString vendor and device names
    SortRole, // a QVariant that sorts naturally (numbers as numbers, addresses in bus order)
    FunctionIndexRole, // int index into Topology::functions, -1 for rows that are not a function
    GroupIndexRole, // int index into Topology::groups, -1 for rows that are not a group
    DegradedRole, // bool: the PCIe link runs below its capability
    KindRole, // QString row kind: "hostbridge", "function", "vf", "group", "msi", "usable", ...
    RangeStartRole, // qulonglong first address of an IOVA range or region
    RangeEndRole, // qulonglong last address (inclusive)
};

} // namespace devtopo
