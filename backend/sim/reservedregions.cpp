#include "reservedregions.h"

#include <algorithm>

using namespace Qt::StringLiterals;

namespace devtopo::sim {

namespace {

// enum iommu_resv_type order: the kernel sorts equal starts by it.
int typeRank(const QString &type)
{
    static const QStringList order = {u"direct"_s, u"direct-relaxable"_s, u"reserved"_s, u"msi"_s};
    const int i = int(order.indexOf(type));
    return i < 0 ? int(order.size()) : i;
}

bool inScope(const SimHost &host, const SimRegion &r, const SimFunction &f)
{
    for (const PciAddress &a : r.scope) {
        if (a == f.address)
            return true;
        // is_downstream_to_pci_bridge(): anything on the buses a scoped bridge forwards to.
        const SimFunction *b = host.function(a);
        if (b && b->isBridge() && b->address.domain == f.address.domain && f.address.bus >= b->secondaryBus
            && f.address.bus <= std::max(b->secondaryBus, b->subordinateBus))
            return true;
    }
    return false;
}

} // namespace

QList<SimResvRegion> deviceReservedRegions(const SimHost &host, const SimFunction &f)
{
    QList<SimResvRegion> out;
    if (f.iommuUnit.isEmpty())
        return out;
    for (const SimRegion &r : host.regions) {
        if (!inScope(host, r, f))
            continue;
        QString type = r.type;
        if (type == u"rmrr"_s) {
            // device_rmrr_is_relaxable(): USB and graphics RMRRs may be remapped by VFIO.
            const bool usb = (f.classCode >> 8) == 0x0c03;
            const bool gfx = (f.classCode >> 16) == 0x03;
            type = (usb || gfx) ? u"direct-relaxable"_s : u"direct"_s;
        }
        out.append({r.start, r.end, type});
    }
    // CONFIG_INTEL_IOMMU_FLOPPY_WA: ISA bridges keep the low 16 MiB identity-mapped.
    if ((f.classCode >> 8) == 0x0601)
        out.append({0, 0xffffff, u"direct-relaxable"_s});
    out.append({kMsiStart, kMsiEnd, u"msi"_s});
    return out;
}

QHash<int, QList<SimResvRegion>> groupReservedRegions(const SimHost &host)
{
    QHash<int, QList<SimResvRegion>> raw;
    for (const SimFunction &f : host.functions) {
        if (f.iommuGroup >= 0)
            raw[f.iommuGroup] += deviceReservedRegions(host, f);
    }
    QHash<int, QList<SimResvRegion>> merged;
    for (auto it = raw.begin(); it != raw.end(); ++it) {
        QList<SimResvRegion> list = it.value();
        std::sort(list.begin(), list.end(), [](const SimResvRegion &a, const SimResvRegion &b) {
            return std::pair(a.start, typeRank(a.type)) < std::pair(b.start, typeRank(b.type));
        });
        QList<SimResvRegion> out;
        for (const SimResvRegion &r : std::as_const(list)) {
            // Merge into the last region of the same type when they overlap or touch.
            auto top = std::find_if(out.rbegin(), out.rend(), [&](const SimResvRegion &o) { return o.type == r.type; });
            if (top != out.rend() && r.start <= top->end + 1) {
                top->end = std::max(top->end, r.end);
                continue;
            }
            out.append(r);
        }
        merged.insert(it.key(), out);
    }
    return merged;
}

QByteArray reservedRegionsText(const QList<SimResvRegion> &regions)
{
    QByteArray text;
    for (const SimResvRegion &r : regions) {
        text += "0x" + QByteArray::number(r.start, 16).rightJustified(16, '0') + " 0x"
            + QByteArray::number(r.end, 16).rightJustified(16, '0') + ' ' + r.type.toLatin1() + '\n';
    }
    return text;
}

} // namespace devtopo::sim
