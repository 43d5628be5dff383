#include "pciconfig.h"

#include "logging.h"

#include <QByteArrayView>
#include <QtEndian>

#include <cstdarg>
#include <cstdio>
#include <cstdlib>

extern "C" {
// pciutils 3.9's header has no extern "C" guard of its own.
#include <pci/pci.h>
}

namespace devtopo {

namespace {

[[noreturn]] void libpciError(char *msg, ...)
{
    // libpci only calls this for allocation failures once we never let it do I/O.
    va_list ap;
    va_start(ap, msg);
    std::vfprintf(stderr, msg, ap);
    va_end(ap);
    std::fputc('\n', stderr);
    std::abort();
}

void libpciQuiet(char *, ...) { }

pci_access *newAccess()
{
    pci_access *a = pci_alloc();
    a->error = libpciError;
    a->warning = libpciQuiet;
    a->debug = libpciQuiet;
    // Bus-centric: never ask sysfs for what config space already holds.
    a->buscentric = 1;
    a->method = PCI_ACCESS_SYS_BUS_PCI;
    // A path that does not exist: if libpci ever tried to read past our cache it finds nothing
    // instead of the live host's devices.
    pci_set_param(a, const_cast<char *>("sysfs.path"), const_cast<char *>("/nonexistent/devtopo"));
    pci_init(a);
    return a;
}

quint16 word(const QByteArray &c, int pos)
{
    if (pos < 0 || pos + 2 > c.size())
        return 0;
    return qFromLittleEndian<quint16>(c.constData() + pos);
}

quint32 dword(const QByteArray &c, int pos)
{
    if (pos < 0 || pos + 4 > c.size())
        return 0;
    return qFromLittleEndian<quint32>(c.constData() + pos);
}

const char *normalCapName(unsigned id)
{
    switch (id) {
    case 0x01: return "Power Management";
    case 0x02: return "AGP";
    case 0x03: return "VPD";
    case 0x04: return "Slot ID";
    case 0x05: return "MSI";
    case 0x06: return "CompactPCI Hot Swap";
    case 0x07: return "PCI-X";
    case 0x08: return "HyperTransport";
    case 0x09: return "Vendor Specific";
    case 0x0a: return "Debug Port";
    case 0x0c: return "PCI Hot-Plug";
    case 0x0d: return "Subsystem ID";
    case 0x10: return "PCI Express";
    case 0x11: return "MSI-X";
    case 0x12: return "SATA";
    case 0x13: return "Advanced Features";
    case 0x14: return "Enhanced Allocation";
    default: return nullptr;
    }
}

const char *extCapName(unsigned id)
{
    switch (id) {
    case PCI_EXT_CAP_ID_AER: return "AER";
    case PCI_EXT_CAP_ID_VC: return "Virtual Channel";
    case PCI_EXT_CAP_ID_DSN: return "Device Serial Number";
    case PCI_EXT_CAP_ID_PB: return "Power Budgeting";
    case PCI_EXT_CAP_ID_RCLINK: return "Root Complex Link";
    case PCI_EXT_CAP_ID_VNDR: return "Vendor Specific (ext)";
    case PCI_EXT_CAP_ID_ACS: return "ACS";
    case PCI_EXT_CAP_ID_ARI: return "ARI";
    case PCI_EXT_CAP_ID_ATS: return "ATS";
    case PCI_EXT_CAP_ID_SRIOV: return "SR-IOV";
    case PCI_EXT_CAP_ID_MRIOV: return "MR-IOV";
    case PCI_EXT_CAP_ID_MCAST: return "Multicast";
    case PCI_EXT_CAP_ID_PRI: return "PRI";
    case PCI_EXT_CAP_ID_REBAR: return "Resizable BAR";
    case PCI_EXT_CAP_ID_TPH: return "TPH";
    case PCI_EXT_CAP_ID_LTR: return "LTR";
    case PCI_EXT_CAP_ID_SECPCI: return "Secondary PCIe";
    case PCI_EXT_CAP_ID_PASID: return "PASID";
    case PCI_EXT_CAP_ID_DPC: return "DPC";
    case PCI_EXT_CAP_ID_L1PM: return "L1 PM Substates";
    case PCI_EXT_CAP_ID_PTM: return "PTM";
    case PCI_EXT_CAP_ID_DVSEC: return "DVSEC";
    case PCI_EXT_CAP_ID_VF_REBAR: return "VF Resizable BAR";
    case PCI_EXT_CAP_ID_DLNK: return "Data Link Feature";
    case PCI_EXT_CAP_ID_16GT: return "16 GT/s";
    case PCI_EXT_CAP_ID_LMR: return "Lane Margining";
    case PCI_EXT_CAP_ID_DOE: return "DOE";
    default: return nullptr;
    }
}

PortType portTypeFromPcieFlags(quint16 flags)
{
    switch ((flags >> 4) & 0xf) {
    case 0x0: return PortType::Endpoint;
    case 0x1: return PortType::LegacyEndpoint;
    case 0x4: return PortType::RootPort;
    case 0x5: return PortType::SwitchUpstream;
    case 0x6: return PortType::SwitchDownstream;
    case 0x7: return PortType::PcieToPciBridge;
    case 0x8: return PortType::PciToPcieBridge;
    case 0x9: return PortType::RootComplexIntegratedEndpoint;
    case 0xa: return PortType::RootComplexEventCollector;
    default: return PortType::Unknown;
    }
}

} // namespace

double linkSpeedFromCode(int code)
{
    static const double speeds[] = {0, 2.5, 5.0, 8.0, 16.0, 32.0, 64.0};
    return code > 0 && code < int(std::size(speeds)) ? speeds[code] : 0.0;
}

double parseLinkSpeed(const QString &text)
{
    // "%s\n" from pci_speed_string(): "8.0 GT/s PCIe", older kernels "8 GT/s", "Unknown".
    const qsizetype sp = text.indexOf(QLatin1Char(' '));
    bool ok = false;
    const double v = (sp < 0 ? text : text.left(sp)).toDouble(&ok);
    return ok && v > 0 && v < 1000 ? v : 0.0;
}

PciConfigDecoder::PciConfigDecoder()
    : m_access(newAccess())
{
}

PciConfigDecoder::~PciConfigDecoder()
{
    pci_cleanup(m_access);
}

ConfigDecode PciConfigDecoder::decode(const PciAddress &address, const QByteArray &config) const
{
    ConfigDecode out;
    // Below 64 bytes the header itself is incomplete. A vendor of 0xffff alone is normal for
    // SR-IOV VFs (their ID registers read all ones); all ones everywhere means the device is gone.
    if (config.size() < 64 || (dword(config, 0) == 0xffffffff && dword(config, 8) == 0xffffffff))
        return out;
    out.caps.configReadable = true;
    out.caps.configSize = int(config.size());
    const quint8 header = quint8(config.at(0x0e));
    out.caps.headerType = header & 0x7f;
    out.caps.multifunctionBit = header & 0x80;
    out.classCode = dword(config, 0x08) >> 8;
    out.revision = quint8(config.at(0x08));
    out.subsystemVendor = word(config, 0x2c);
    out.subsystemDevice = word(config, 0x2e);
    if (out.caps.headerType == 1 || out.caps.headerType == 2) {
        out.secondaryBus = quint8(config.at(0x19));
        out.subordinateBus = quint8(config.at(0x1a));
    }

    pci_dev *d = pci_get_dev(m_access, int(address.domain), address.bus, address.device, address.function);
    // libpci reads from this buffer for every offset below its length; we keep it alive until
    // pci_free_dev, and only ask for extended capabilities when the buffer holds them.
    QByteArray cache = config;
    pci_setup_cache(d, reinterpret_cast<u8 *>(cache.data()), int(cache.size()));
    const bool extended = cache.size() >= 4096;
    pci_fill_info(d, PCI_FILL_CAPS | (extended ? PCI_FILL_EXT_CAPS : 0));

    for (pci_cap *cap = d->first_cap; cap; cap = cap->next) {
        const int at = int(cap->addr);
        const bool ext = cap->type == PCI_CAP_EXTENDED;
        const char *name = ext ? extCapName(cap->id) : normalCapName(cap->id);
        out.caps.names << (name ? QString::fromLatin1(name)
                                : QStringLiteral("%1 0x%2").arg(ext ? u"Extended capability" : u"Capability")
                                      .arg(cap->id, 2, 16, QLatin1Char('0')));
        if (!ext) {
            switch (cap->id) {
            case PCI_CAP_ID_EXP: {
                out.caps.pcie = true;
                const quint16 flags = word(cache, at + 2);
                out.portType = portTypeFromPcieFlags(flags);
                if (out.portType != PortType::RootComplexIntegratedEndpoint
                    && out.portType != PortType::RootComplexEventCollector) {
                    const quint32 lnkcap = dword(cache, at + 0x0c);
                    const quint16 lnksta = word(cache, at + 0x12);
                    out.link.maxSpeed = linkSpeedFromCode(int(lnkcap & 0xf));
                    out.link.maxWidth = int((lnkcap >> 4) & 0x3f);
                    out.link.currentSpeed = linkSpeedFromCode(lnksta & 0xf);
                    out.link.currentWidth = (lnksta >> 4) & 0x3f;
                }
                break;
            }
            case PCI_CAP_ID_MSI: out.caps.msi = true; break;
            case PCI_CAP_ID_MSIX: out.caps.msix = true; break;
            default: break;
            }
            continue;
        }
        switch (cap->id) {
        case PCI_EXT_CAP_ID_ACS:
            out.caps.acs.present = true;
            out.caps.acs.capability = word(cache, at + 4);
            out.caps.acs.control = word(cache, at + 6);
            break;
        case PCI_EXT_CAP_ID_ARI: out.caps.ari = true; break;
        case PCI_EXT_CAP_ID_ATS: out.caps.ats = true; break;
        case PCI_EXT_CAP_ID_PRI: out.caps.pri = true; break;
        case PCI_EXT_CAP_ID_AER: out.caps.aer = true; break;
        case PCI_EXT_CAP_ID_PASID:
            out.caps.pasid = true;
            out.caps.pasidWidth = (word(cache, at + 4) >> 8) & 0x1f;
            break;
        case PCI_EXT_CAP_ID_SRIOV:
            out.caps.sriov = true;
            out.sriov.capable = true;
            out.sriov.initialVfs = word(cache, at + 0x0c);
            out.sriov.totalVfs = word(cache, at + 0x0e);
            out.sriov.numVfs = word(cache, at + 0x10);
            out.sriov.vfOffset = word(cache, at + 0x14);
            out.sriov.vfStride = word(cache, at + 0x16);
            out.sriov.vfDeviceId = word(cache, at + 0x1a);
            break;
        default: break;
        }
    }
    pci_free_dev(d);

    if (!out.caps.pcie) {
        if (out.caps.headerType == 1)
            out.portType = PortType::ConventionalBridge;
        else if (out.caps.headerType == 2)
            out.portType = PortType::CardBusBridge;
        else
            out.portType = PortType::ConventionalDevice;
    }
    return out;
}

PciNameDatabase::PciNameDatabase(const QString &idsFile)
    : m_access(newAccess())
{
    QByteArray file = idsFile.isEmpty() ? qgetenv("DEVTOPO_PCI_IDS") : idsFile.toLocal8Bit();
    if (!file.isEmpty())
        pci_set_name_list_path(m_access, strdup(file.constData()), 1);
}

PciNameDatabase::~PciNameDatabase()
{
    pci_cleanup(m_access);
}

namespace {
constexpr int LookupFlags = PCI_LOOKUP_NO_NUMBERS | PCI_LOOKUP_NO_HWDB;
QString lookupResult(const char *r)
{
    return r ? QString::fromUtf8(r) : QString();
}
} // namespace

QString PciNameDatabase::vendor(quint16 v) const
{
    QMutexLocker lock(&m_lock);
    char buf[256];
    return lookupResult(pci_lookup_name(m_access, buf, sizeof buf, PCI_LOOKUP_VENDOR | LookupFlags, int(v)));
}

QString PciNameDatabase::device(quint16 v, quint16 d) const
{
    QMutexLocker lock(&m_lock);
    char buf[256];
    return lookupResult(pci_lookup_name(m_access, buf, sizeof buf, PCI_LOOKUP_DEVICE | LookupFlags, int(v), int(d)));
}

QString PciNameDatabase::subsystem(quint16 v, quint16 d, quint16 sv, quint16 sd) const
{
    if (sv == 0 && sd == 0)
        return {};
    QMutexLocker lock(&m_lock);
    char buf[256];
    return lookupResult(pci_lookup_name(m_access, buf, sizeof buf, PCI_LOOKUP_SUBSYSTEM | PCI_LOOKUP_DEVICE | LookupFlags,
                                        int(v), int(d), int(sv), int(sd)));
}

QString PciNameDatabase::className(quint32 classCode) const
{
    QMutexLocker lock(&m_lock);
    char buf[256];
    const int cls = int(classCode >> 8);
    const int progIf = int(classCode & 0xff);
    QString base = lookupResult(pci_lookup_name(m_access, buf, sizeof buf, PCI_LOOKUP_CLASS | LookupFlags, cls));
    if (progIf) {
        const QString pi = lookupResult(
            pci_lookup_name(m_access, buf, sizeof buf, PCI_LOOKUP_PROGIF | PCI_LOOKUP_NO_NUMBERS, cls, progIf));
        if (!pi.isEmpty() && !base.isEmpty())
            return base + QStringLiteral(" (") + pi + QLatin1Char(')');
    }
    return base;
}

} // namespace devtopo
