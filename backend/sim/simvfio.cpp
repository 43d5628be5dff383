#include "simvfio.h"

#include "analysis.h"
#include "reservedregions.h"

#include <algorithm>

using namespace Qt::StringLiterals;

namespace devtopo::sim {

namespace {

QString hex(quint64 v)
{
    return u"0x"_s + QString::number(v, 16);
}

constexpr quint64 k2M = quint64(2) << 20;
constexpr quint64 k4K = 4096;

// intel-iommu: ECAP.SMTS (scalable mode) and ECAP.SLADS (second-level accessed/dirty).
constexpr int kEcapSmts = 43;
constexpr int kEcapSlads = 45;

} // namespace

bool SimVfio::groupHasNode(const SimHost &host, int group)
{
    return std::any_of(host.functions.cbegin(), host.functions.cend(),
                       [&](const SimFunction &f) { return f.iommuGroup == group && isVfioDriver(f.driver); });
}

bool SimVfio::groupViable(const SimHost &host, int group, QString *blocker)
{
    for (const SimFunction &f : host.functions) {
        if (f.iommuGroup != group || driverAllowsVfioOwnership(f.driver, f.isBridge()))
            continue;
        if (blocker)
            *blocker = u"%1 is bound to %2"_s.arg(f.address.toString(), f.driver);
        return false;
    }
    return true;
}

QList<SimIovaRange> SimVfio::iovaRanges(const SimHost &host, int group) const
{
    QList<ReservedRegion> reserved;
    for (const SimResvRegion &r : groupReservedRegions(host).value(group))
        reserved.append({r.start, r.end, r.type});
    QList<SimIovaRange> out;
    for (const IovaRange &r : usableIovaRanges(addressWidth, reserved))
        out.append({r.start, r.end});
    return out;
}

QString SimVfio::openGroup(const SimHost &host, quint32 key, int group)
{
    if (!groupHasNode(host, group))
        return u"ENOENT: /dev/vfio/%1 does not exist: no device of group %1 is bound to a VFIO driver"_s.arg(group);
    for (const SimContainer &c : std::as_const(m_containers)) {
        if (c.group == group)
            return u"EBUSY: /dev/vfio/%1 is already open"_s.arg(group);
    }
    QString blocker;
    if (!groupViable(host, group, &blocker))
        return u"EPERM: VFIO_GROUP_SET_CONTAINER: group %1 is not viable (%2); bind every device in the group to vfio-pci"_s.arg(group).arg(blocker);
    SimContainer c;
    c.group = group;
    c.ranges = iovaRanges(host, group);
    m_containers.insert(key, c);
    return {};
}

QString SimVfio::iommufdUnavailable(const SimHost &host, int group) const
{
    if (!iommufdPresent)
        return u"ENOENT: no /dev/iommu on this kernel (CONFIG_IOMMUFD not set)"_s;
    if (!groupHasNode(host, group))
        return u"ENOENT: no /dev/vfio/devices/vfioN for group %1: no member is bound to a VFIO driver"_s.arg(group);
    return {};
}

bool SimVfio::hwDirtyCapable(const SimHost &host, const PciAddress &a)
{
    const SimFunction *f = host.function(a);
    if (!f)
        return false;
    for (const SimIommuUnit &u : host.iommuUnits) {
        if (u.name == f->iommuUnit)
            return ((u.ecap >> kEcapSmts) & 1) && ((u.ecap >> kEcapSlads) & 1);
    }
    return false;
}

QString SimVfio::openIommufd(const SimHost &host, quint32 key, int group)
{
    if (const QString why = iommufdUnavailable(host, group); !why.isEmpty())
        return why;
    for (const SimContainer &c : std::as_const(m_containers)) {
        if (c.group == group)
            return u"EBUSY: group %1 is already open"_s.arg(group);
    }
    SimContainer c;
    c.group = group;
    c.iommufd = true;
    bool dirty = true;
    for (const SimFunction &f : host.functions) {
        if (f.iommuGroup != group || !isVfioDriver(f.driver))
            continue;
        c.devices << f.address.toString();
        dirty = dirty && hwDirtyCapable(host, f.address);
    }
    // iommu_device_claim_dma_owner(): a member driven by a host driver owns the group's DMA.
    QString blocker;
    if (!groupViable(host, group, &blocker))
        return u"EPERM: VFIO_DEVICE_BIND_IOMMUFD %1: group %2 is not viable (%3); bind every device in the group to vfio-pci"_s
            .arg(c.devices.value(0)).arg(group).arg(blocker);
    const quint32 n = quint32(c.devices.size());
    c.ioasId = n + 1; // object ids of a fresh iommufd: the bound devices first, then the IOAS
    c.hwptId = dirty ? n + 2 : 0;
    c.ranges = iovaRanges(host, group);
    m_containers.insert(key, c);
    return {};
}

void SimVfio::closeGroup(quint32 key)
{
    const auto it = m_containers.find(key);
    if (it == m_containers.end())
        return;
    for (const SimDmaMap &m : std::as_const(it->maps)) {
        m_locked -= m.size;
        if (m.hugePages)
            m_hugeUsed -= int(m.size / k2M);
    }
    m_containers.erase(it);
}

const SimContainer *SimVfio::container(quint32 key) const
{
    const auto it = m_containers.constFind(key);
    return it == m_containers.cend() ? nullptr : &*it;
}

QString SimVfio::mapDma(quint32 key, quint64 iova, quint64 size, bool hugePages)
{
    const auto it = m_containers.find(key);
    if (it == m_containers.end())
        return u"EBADF: no container"_s;
    SimContainer &c = *it;
    const QString op = c.iommufd ? u"IOMMU_IOAS_MAP"_s : u"VFIO_IOMMU_MAP_DMA"_s;
    // iommufd: out_iova_alignment (4 KiB here); type1: the smallest IOMMU page.
    const quint64 minPage = c.iommufd ? k4K : pageSizes & (~pageSizes + 1);
    if (size == 0 || ((iova | size) & (minPage - 1)) || iova + size - 1 < iova)
        return u"EINVAL: %1: iova %2 size %3 not aligned to %4 or wraps"_s.arg(op, hex(iova), hex(size), hex(minPage));
    const quint64 last = iova + size - 1;
    // type1: vfio_iommu_iova_dma_valid(); iommufd: iopt_check_iova() finds a reserved IOVA
    // (a reserved region or beyond the aperture). Either way EINVAL, checked before overlaps.
    const bool inside = std::any_of(c.ranges.cbegin(), c.ranges.cend(),
                                    [&](const SimIovaRange &r) { return iova >= r.start && last <= r.end; });
    if (!inside)
        return u"EINVAL: %1: [%2, %3] is outside the group's usable IOVA ranges (reserved region)"_s.arg(op, hex(iova), hex(last));
    for (const SimDmaMap &m : std::as_const(c.maps)) {
        if (iova <= m.iova + m.size - 1 && m.iova <= last)
            return u"EEXIST: %1: [%2, %3] overlaps the mapping at %4"_s.arg(op, hex(iova), hex(last), hex(m.iova));
    }
    if (!c.iommufd) { // dma_entry_limit is type1's; iommufd has none
        int entries = 0;
        for (const SimContainer &other : std::as_const(m_containers))
            entries += other.iommufd ? 0 : int(other.maps.size());
        if (entries >= dmaEntryLimit)
            return u"ENOSPC: VFIO_IOMMU_MAP_DMA: no DMA entries left (dma_entry_limit %1)"_s.arg(dmaEntryLimit);
    }
    if (hugePages && m_hugeUsed + int(size / k2M) > hugePagesFree)
        return u"ENOMEM: mmap(MAP_HUGETLB): %1 huge pages needed, %2 free"_s.arg(size / k2M).arg(hugePagesFree - m_hugeUsed);
    if (m_locked + size > memlockLimit)
        return u"ENOMEM: %1: RLIMIT_MEMLOCK (%2) exceeded: %3 locked, %4 more asked%5"_s.arg(op).arg(memlockLimit).arg(m_locked).arg(size)
            .arg(c.iommufd ? u" (iommufd charges the user)"_s : QString());
    c.maps.append({iova, size, hugePages});
    std::sort(c.maps.begin(), c.maps.end(), [](const SimDmaMap &a, const SimDmaMap &b) { return a.iova < b.iova; });
    m_locked += size;
    if (hugePages)
        m_hugeUsed += int(size / k2M);
    return {};
}

QString SimVfio::unmapDma(quint32 key, quint64 iova, quint64 size, quint64 *unmapped)
{
    const auto it = m_containers.find(key);
    if (it == m_containers.end())
        return u"EBADF: no container"_s;
    SimContainer &c = *it;
    const quint64 last = iova + size - 1;
    quint64 total = 0;
    auto unpin = [&](const SimDmaMap &m) {
        total += m.size;
        m_locked -= m.size;
        if (m.hugePages)
            m_hugeUsed -= int(m.size / k2M);
        for (quint64 p = m.iova / k4K; p <= (m.iova + m.size - 1) / k4K; ++p)
            c.dirtyPages.remove(p); // the IOPTEs and their dirty bits go with the mapping
    };
    if (c.iommufd) {
        // iopt_unmap_iova_range(): areas in IOVA order; one that would be split stops the walk
        // with ENOENT after the earlier ones are gone; nothing hit is ENOENT too (6.12).
        for (qsizetype i = 0; i < c.maps.size();) {
            const SimDmaMap m = c.maps[i];
            const quint64 mLast = m.iova + m.size - 1;
            if (iova > mLast || m.iova > last) {
                ++i;
                continue;
            }
            if (m.iova < iova || mLast > last) {
                if (unmapped)
                    *unmapped = total;
                return u"ENOENT: IOMMU_IOAS_UNMAP: [%1, %2] would split the mapping [%3, %4]"_s.arg(hex(iova), hex(last), hex(m.iova), hex(mLast));
            }
            unpin(m);
            c.maps.removeAt(i);
        }
        if (unmapped)
            *unmapped = total;
        return total ? QString() : u"ENOENT: IOMMU_IOAS_UNMAP: nothing is mapped in [%1, %2]"_s.arg(hex(iova), hex(last));
    }
    // type1v2 refuses to split a mapping (vfio_dma_do_unmap(): "bisect" checks).
    for (const SimDmaMap &m : std::as_const(c.maps)) {
        const quint64 mLast = m.iova + m.size - 1;
        const bool overlaps = iova <= mLast && m.iova <= last;
        if (overlaps && (m.iova < iova || mLast > last))
            return u"EINVAL: VFIO_IOMMU_UNMAP_DMA: [%1, %2] would split the mapping [%3, %4]"_s.arg(hex(iova), hex(last), hex(m.iova), hex(mLast));
    }
    c.maps.removeIf([&](const SimDmaMap &m) {
        if (m.iova < iova || m.iova + m.size - 1 > last)
            return false;
        unpin(m);
        return true;
    });
    if (unmapped)
        *unmapped = total;
    return {};
}

QString SimVfio::setDirtyTracking(quint32 key, bool on)
{
    const auto it = m_containers.find(key);
    if (it == m_containers.end())
        return u"EBADF: no container"_s;
    if (it->iommufd) {
        if (!it->hwptId)
            return u"EOPNOTSUPP: IOMMU_HWPT_SET_DIRTY_TRACKING: no HWPT allocated with IOMMU_HWPT_ALLOC_DIRTY_TRACKING"_s;
        it->dirtyPages.clear(); // iopt_set_dirty_tracking() clears the IOPTEs' dirty bits
    }
    it->dirtyTracking = on;
    return {};
}

QString SimVfio::dirtyBitmap(quint32 key, quint64 iova, quint64 size, quint64 pageSize, QByteArray *bits)
{
    const auto it = m_containers.find(key);
    if (it == m_containers.end())
        return u"EBADF: no container"_s;
    SimContainer *c = &*it;
    const QString op = c->iommufd ? u"IOMMU_HWPT_GET_DIRTY_BITMAP"_s : u"VFIO_IOMMU_DIRTY_PAGES"_s;
    if (!c->dirtyTracking)
        return u"EINVAL: %1: dirty tracking is not started"_s.arg(op);
    if (c->iommufd) {
        // iommufd_check_iova_range(): any power-of-two page size, the range aligned to it and
        // to the IOAS alignment.
        if (pageSize < k4K || (pageSize & (pageSize - 1)))
            return u"EINVAL: %1: page size %2 is not a power of two of at least 4 KiB"_s.arg(op, hex(pageSize));
    } else {
        const quint64 minPage = pageSizes & (~pageSizes + 1);
        if (pageSize != minPage)
            return u"EINVAL: bitmap page size must be the smallest IOMMU page size %1"_s.arg(hex(minPage));
    }
    if ((iova | size) & (pageSize - 1) || size == 0)
        return u"EINVAL: %1: range not aligned to %2"_s.arg(op, hex(pageSize));
    const quint64 pages = size / pageSize;
    QByteArray out(qsizetype((pages + 63) / 64 * 8), '\0');
    auto mark = [&](quint64 from, quint64 to) { // [from, to) in bytes, inside the range
        for (quint64 a = from & ~(pageSize - 1); a < to; a += pageSize) {
            const quint64 bit = (a - iova) / pageSize;
            out[qsizetype(bit / 8)] = char(quint8(out[qsizetype(bit / 8)]) | (1u << (bit % 8)));
        }
    };
    if (c->iommufd) {
        // The simulated devices' DMA since the last read, into mapped pages only.
        ++c->deviceWrites;
        for (const SimDmaMap &m : std::as_const(c->maps)) {
            for (quint64 p = m.iova / k4K; p <= (m.iova + m.size - 1) / k4K; ++p) {
                if ((p + c->deviceWrites) % 4 == 0)
                    c->dirtyPages.insert(p);
            }
        }
        for (auto p = c->dirtyPages.begin(); p != c->dirtyPages.end();) {
            const quint64 a = *p * k4K;
            if (a >= iova && a - iova < size) {
                mark(a, a + k4K);
                p = c->dirtyPages.erase(p); // read and cleared
            } else {
                ++p;
            }
        }
    } else {
        for (const SimDmaMap &m : c->maps) {
            const quint64 from = std::max(m.iova, iova);
            const quint64 to = std::min(m.iova + m.size, iova + size);
            if (from < to)
                mark(from, to);
        }
    }
    if (bits)
        *bits = out;
    return {};
}

QUuid SimVfio::tokenOf(const PciAddress &pf)
{
    auto it = m_tokens.find(pf);
    if (it == m_tokens.end())
        it = m_tokens.insert(pf, QUuid::createUuid()); // uuid_gen() at vfio registration
    return *it;
}

QString SimVfio::setVfToken(const SimHost &host, const PciAddress &pf, const QUuid &token)
{
    const SimFunction *f = host.function(pf);
    if (!f)
        return u"ENODEV: no device %1"_s.arg(pf.toString());
    if (!f->sriov.capable || f->isVf())
        return u"ENOTTY: %1 is not an SR-IOV PF: it has no VF token"_s.arg(pf.toString());
    if (!isVfioDriver(f->driver))
        return u"ENODEV: %1 is not bound to vfio-pci"_s.arg(pf.toString());
    QString blocker;
    if (!groupViable(host, f->iommuGroup, &blocker))
        return u"EPERM: cannot open %1: group %2 is not viable (%3)"_s.arg(pf.toString()).arg(f->iommuGroup).arg(blocker);
    m_tokens.insert(pf, token);
    return {};
}

QString SimVfio::openDevice(const SimHost &host, const PciAddress &a, const QUuid &token)
{
    const SimFunction *f = host.function(a);
    if (!f)
        return u"ENODEV: no device %1"_s.arg(a.toString());
    if (!isVfioDriver(f->driver))
        return u"ENODEV: %1 is not bound to a VFIO driver"_s.arg(a.toString());
    QString blocker;
    if (!groupViable(host, f->iommuGroup, &blocker))
        return u"EPERM: VFIO_GROUP_SET_CONTAINER: group %1 of %2 is not viable (%3)"_s.arg(f->iommuGroup).arg(a.toString(), blocker);
    const bool given = !token.isNull();
    if (f->isVf()) {
        const SimFunction *pf = host.function(*f->physfn);
        const bool pfOnVfio = pf && pf->driver == u"vfio-pci"_s;
        if (!pfOnVfio)
            return given ? u"EINVAL: VF token incorrectly provided, PF not bound to vfio-pci"_s : QString();
        if (!given)
            return u"EACCES: VF token required to access device"_s;
        if (token != tokenOf(pf->address))
            return u"EACCES: Incorrect VF token provided for device"_s;
        return {};
    }
    if (f->sriov.capable) {
        if (given)
            m_tokens.insert(a, token); // no VF users: the supplied token becomes the PF's token
        return {};
    }
    return given ? u"EINVAL: VF token incorrectly provided, not a PF or VF"_s : QString();
}

} // namespace devtopo::sim
