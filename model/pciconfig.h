#pragma once

#include "topology.h"

#include <QByteArray>
#include <QMutex>

struct pci_access;

namespace devtopo {

// What config space says about one function, decoded by libpci from bytes we read ourselves
// (libpci's cache), so libpci never touches the filesystem and works on any copied tree.
struct ConfigDecode
{
    Capabilities caps;
    PortType portType = PortType::Unknown;
    int secondaryBus = -1;
    int subordinateBus = -1;
    quint32 classCode = 0;
    int revision = -1;
    int subsystemVendor = 0; // header type 0 only
    int subsystemDevice = 0;
    LinkInfo link; // from LNKCAP/LNKSTA; sysfs attributes win when present
    SriovInfo sriov; // from the SR-IOV capability
};

// One libpci access object; not thread-safe, so give every worker its own.
class PciConfigDecoder
{
public:
    PciConfigDecoder();
    ~PciConfigDecoder();
    PciConfigDecoder(const PciConfigDecoder &) = delete;
    PciConfigDecoder &operator=(const PciConfigDecoder &) = delete;

    ConfigDecode decode(const PciAddress &address, const QByteArray &config) const;

private:
    pci_access *m_access = nullptr;
};

// pci.ids lookups through libpci. Thread-safe (serialised): libpci loads the database lazily.
class PciNameDatabase
{
public:
    // idsFile empty: $DEVTOPO_PCI_IDS, else libpci's default.
    explicit PciNameDatabase(const QString &idsFile = {});
    ~PciNameDatabase();
    PciNameDatabase(const PciNameDatabase &) = delete;
    PciNameDatabase &operator=(const PciNameDatabase &) = delete;

    QString vendor(quint16 vendor) const;
    QString device(quint16 vendor, quint16 device) const;
    QString subsystem(quint16 vendor, quint16 device, quint16 subVendor, quint16 subDevice) const;
    QString className(quint32 classCode) const; // 24-bit class, most specific name found

private:
    mutable QMutex m_lock;
    pci_access *m_access = nullptr;
};

double linkSpeedFromCode(int code); // PCIe speed encoding 1..6 -> GT/s
// "8.0 GT/s PCIe", "2.5 GT/s", "Unknown" -> GT/s, 0 when unknown.
double parseLinkSpeed(const QString &text);

} // namespace devtopo
