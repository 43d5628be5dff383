#include "configspace.h"

#include <cmath>

using namespace Qt::StringLiterals;

namespace devtopo::sim {

namespace {

class ConfigWriter
{
public:
    explicit ConfigWriter(int size) : m_bytes(size, '\0') {}
    void u8(int off, quint32 v) { m_bytes[off] = char(v & 0xff); }
    void u16(int off, quint32 v)
    {
        u8(off, v);
        u8(off + 1, v >> 8);
    }
    void u32(int off, quint32 v)
    {
        u16(off, v);
        u16(off + 2, v >> 16);
    }
    QByteArray bytes() const { return m_bytes; }

private:
    QByteArray m_bytes;
};

// Standard capability IDs (PCI 3.0 / PCIe) and extended capability IDs.
enum : quint8 { CapPm = 0x01, CapMsi = 0x05, CapSsvid = 0x0d, CapPcie = 0x10, CapMsix = 0x11 };
enum : quint16 {
    ExtAer = 0x0001,
    ExtDsn = 0x0003,
    ExtAcs = 0x000d,
    ExtAri = 0x000e,
    ExtAts = 0x000f,
    ExtSriov = 0x0010,
    ExtPri = 0x0013,
    ExtPasid = 0x001b,
};

struct StdCap
{
    quint8 id;
    int size;
};

struct ExtCap
{
    quint16 id;
    int size;
};

bool isPort(PortKind k)
{
    return k == PortKind::RootPort || k == PortKind::SwitchDownstream;
}

void writePcieCap(ConfigWriter &w, int p, const SimFunction &f)
{
    const int type = pcieTypeCode(f.kind);
    const bool hasSlot = isPort(f.kind);
    w.u16(p + 0x02, 0x2 | (type << 4) | (hasSlot ? 0x0100 : 0));
    const bool flr = f.resetMethods.contains(u"flr"_s);
    // DEVCAP: 256-byte max payload, extended tags, role-based errors, FLR if the device has it.
    w.u32(p + 0x04, 0x1 | 0x20 | 0x8000 | (flr && !isBridge(f.kind) ? 0x10000000 : 0));
    w.u16(p + 0x08, 0x2000 | 0x0100 | 0x0020 | 0x0010); // MRRS 512, ext tags, MPS 256, relaxed ord.
    const bool hasLink = f.kind != PortKind::RcIntegratedEndpoint && f.kind != PortKind::RcEventCollector;
    if (hasLink && f.link.maxWidth > 0) {
        const int maxCode = linkSpeedCode(f.link.maxSpeed);
        const int portNumber = isPort(f.kind) ? f.address.device : 0;
        quint32 lnkcap = quint32(maxCode) | (quint32(f.link.maxWidth) << 4) | 0x0800 /* ASPM L1 */
            | (quint32(portNumber) << 24);
        if (isPort(f.kind))
            lnkcap |= 0x00100000; // Data Link Layer Link Active reporting
        w.u32(p + 0x0c, lnkcap);
        w.u16(p + 0x10, 0x0040); // common clock
        quint32 lnksta = quint32(linkSpeedCode(f.link.currentSpeed ? f.link.currentSpeed : f.link.maxSpeed))
            | (quint32(f.link.currentWidth) << 4) | 0x1000 /* slot clock */;
        if (isPort(f.kind) && f.link.currentWidth > 0)
            lnksta |= 0x2000; // DLL link active
        w.u16(p + 0x12, lnksta);
        if (hasSlot) {
            w.u32(p + 0x14, quint32(f.address.bus) << 19); // physical slot number
            w.u16(p + 0x1a, f.link.currentWidth > 0 ? 0x0040 : 0); // presence detect
        }
        w.u32(p + 0x2c, quint32(((1 << maxCode) - 1) << 1)); // supported speeds vector
        w.u16(p + 0x30, maxCode); // target link speed
        if (maxCode >= 3)
            w.u16(p + 0x32, 0x001e); // equalization complete, phases 1-3 successful
    }
    // DEVCAP2: completion timeout ranges + disable; ARI forwarding supported on ports.
    w.u32(p + 0x24, 0x1f | (isPort(f.kind) ? 0x20 : 0));
    if (isPort(f.kind))
        w.u16(p + 0x28, 0x0020); // ARI forwarding enabled (the kernel turns it on for ARI devices)
}

void writeExtCap(ConfigWriter &w, int off, const ExtCap &cap, int next, const SimFunction &f, int ariNext)
{
    const quint16 version = cap.id == ExtAer ? 2 : 1;
    w.u32(off, quint32(cap.id) | (quint32(version) << 16) | (quint32(next) << 20));
    switch (cap.id) {
    case ExtAcs:
        w.u16(off + 4, f.acs.capability);
        w.u16(off + 6, f.acs.control);
        break;
    case ExtAri:
        w.u16(off + 4, quint32(ariNext & 0xff) << 8);
        break;
    case ExtAts:
        w.u16(off + 4, 0x0020); // page-aligned requests, invalidate queue depth 32
        w.u16(off + 6, f.driver.isEmpty() ? 0 : 0x8000);
        break;
    case ExtPri:
        w.u16(off + 6, 0x0100); // stopped
        w.u32(off + 8, 0x200); // outstanding page request capacity
        break;
    case ExtPasid:
        w.u16(off + 4, 0x0006 | (quint32(f.pasidWidth & 0x1f) << 8)); // exec + privileged modes
        break;
    case ExtSriov: {
        const SimSriov &s = f.sriov;
        w.u32(off + 0x04, f.ari ? 0x2 : 0); // ARI capable hierarchy preserved
        w.u16(off + 0x08, (s.numVfs > 0 ? 0x0009 : 0) | (f.ari ? 0x0010 : 0)); // VF enable + MSE
        w.u16(off + 0x0c, s.initialVfs);
        w.u16(off + 0x0e, s.totalVfs);
        w.u16(off + 0x10, s.numVfs);
        w.u8(off + 0x12, f.address.function);
        w.u16(off + 0x14, s.offset);
        w.u16(off + 0x16, s.stride);
        w.u16(off + 0x1a, s.vfDeviceId);
        w.u32(off + 0x1c, 0x553); // supported page sizes 4K..4M
        w.u32(off + 0x20, 0x1); // system page size 4K
        break;
    }
    case ExtDsn:
        w.u32(off + 4, quint32(f.serialNumber));
        w.u32(off + 8, quint32(f.serialNumber >> 32));
        break;
    default:
        break;
    }
}

} // namespace

int linkSpeedCode(double gts)
{
    static const double speeds[] = {2.5, 5.0, 8.0, 16.0, 32.0, 64.0};
    for (int i = 0; i < 6; ++i) {
        if (std::abs(gts - speeds[i]) < 0.01)
            return i + 1;
    }
    return 0;
}

QString linkSpeedText(double gts)
{
    if (linkSpeedCode(gts) == 0)
        return u"Unknown"_s;
    return u"%1 GT/s PCIe"_s.arg(gts, 0, 'f', 1);
}

QByteArray buildConfigSpace(const SimFunction &f, int ariNextFunction)
{
    const bool pcie = f.isPcie();
    ConfigWriter w(pcie ? 4096 : 256);
    const bool bridge = f.isBridge();

    w.u16(0x00, f.isVf() ? 0xffff : f.vendorId);
    w.u16(0x02, f.isVf() ? 0xffff : f.deviceId);
    w.u16(0x04, f.isVf() ? 0 : (bridge ? 0x0407 : 0x0406)); // VFs: Memory Space Enable lives in the PF
    w.u16(0x06, 0x0010); // capability list
    w.u8(0x08, f.revision);
    w.u8(0x09, f.classCode);
    w.u8(0x0a, f.classCode >> 8);
    w.u8(0x0b, f.classCode >> 16);
    w.u8(0x0e, (bridge ? 0x01 : 0x00) | (f.multifunction && !f.isVf() ? 0x80 : 0));
    if (bridge) {
        w.u8(0x18, f.address.bus);
        w.u8(0x19, f.secondaryBus);
        w.u8(0x1a, f.subordinateBus >= 0 ? f.subordinateBus : f.secondaryBus);
        w.u8(0x1c, 0xf0); // I/O window closed (base > limit)
        w.u16(0x20, 0xfff0); // memory window closed
        w.u16(0x24, 0xfff1); // prefetchable window closed, 64-bit
        w.u16(0x26, 0x0001);
        w.u8(0x3d, 1); // INTA#
    } else {
        w.u16(0x2c, f.subsystemVendorId);
        w.u16(0x2e, f.subsystemDeviceId);
        w.u8(0x3d, f.isVf() ? 0 : 1); // INTA#
    }

    // Standard capabilities, each 0x10-aligned from 0x40; the PCIe capability sits at a fixed place.
    QList<StdCap> caps;
    if (!f.isVf())
        caps.append({CapPm, 8});
    if (!f.isVf())
        caps.append({CapMsi, 0x18});
    if (pcie)
        caps.append({CapPcie, 0x3c});
    if (pcie && !bridge)
        caps.append({CapMsix, 0x0c});
    if (bridge)
        caps.append({CapSsvid, 8});
    QList<int> offsets;
    int off = 0x40;
    for (const StdCap &c : std::as_const(caps)) {
        if (c.id == CapPcie)
            off = ConfigOffset::PcieCap;
        offsets.append(off);
        off = (off + c.size + 0xf) & ~0xf;
    }
    w.u8(0x34, offsets.value(0, 0));
    for (int i = 0; i < caps.size(); ++i) {
        const int p = offsets[i];
        w.u8(p, caps[i].id);
        w.u8(p + 1, i + 1 < caps.size() ? offsets[i + 1] : 0);
        switch (caps[i].id) {
        case CapPm:
            w.u16(p + 2, 0x0003); // PM spec 1.2
            w.u16(p + 4, 0x0008); // D0, no soft reset
            break;
        case CapMsi:
            w.u16(p + 2, 0x0180); // 64-bit, per-vector masking
            break;
        case CapPcie:
            writePcieCap(w, p, f);
            break;
        case CapMsix:
            w.u16(p + 2, 0x003f); // 64 vectors
            w.u32(p + 4, 0x2000); // table in BAR0 at 0x2000
            w.u32(p + 8, 0x3000); // PBA in BAR0 at 0x3000
            break;
        case CapSsvid:
            w.u16(p + 4, f.subsystemVendorId);
            w.u16(p + 6, f.subsystemDeviceId);
            break;
        default:
            break;
        }
    }

    if (pcie) {
        QList<ExtCap> ext;
        if (!f.isVf())
            ext.append({ExtAer, 0x48});
        if (f.acs.present)
            ext.append({ExtAcs, 0x08});
        if (f.ari)
            ext.append({ExtAri, 0x08});
        if (f.ats)
            ext.append({ExtAts, 0x08});
        if (f.pri && !f.isVf())
            ext.append({ExtPri, 0x10});
        if (f.pasid && !f.isVf())
            ext.append({ExtPasid, 0x08});
        if (f.sriov.capable && !f.isVf())
            ext.append({ExtSriov, 0x40});
        if (f.serialNumber != 0 && !f.isVf())
            ext.append({ExtDsn, 0x0c});
        int at = ConfigOffset::ExtStart;
        for (int i = 0; i < ext.size(); ++i) {
            const int next = i + 1 < ext.size() ? ((at + ext[i].size + 0xf) & ~0xf) : 0;
            writeExtCap(w, at, ext[i], next, f, ariNextFunction);
            at = next;
        }
    }
    return w.bytes();
}

} // namespace devtopo::sim
