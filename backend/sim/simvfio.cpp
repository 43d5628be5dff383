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
    const quint64 minPage = pageSizes & (~pageSizes + 1);
    if (size == 0 || ((iova | size) & (minPage - 1)) || iova + size - 1 < iova)
        return u"EINVAL: VFIO_IOMMU_MAP_DMA: iova %1 size %2 not aligned to %3 or wraps"_s.arg(hex(iova), hex(size), hex(minPage));
    const quint64 last = iova + size - 1;
    // vfio_iommu_iova_dma_valid(): the whole range must sit inside one usable IOVA range.
    const bool inside = std::any_of(c.ranges.cbegin(), c.ranges.cend(),
                                    [&](const SimIovaRange &r) { return iova >= r.start && last <= r.end; });
    if (!inside)
        return u"EINVAL: VFIO_IOMMU_MAP_DMA: [%1, %2] is outside the group's usable IOVA ranges (reserved region)"_s.arg(hex(iova), hex(last));
    for (const SimDmaMap &m : std::as_const(c.maps)) {
        if (iova <= m.iova + m.size - 1 && m.iova <= last)
            return u"EEXIST: VFIO_IOMMU_MAP_DMA: [%1, %2] overlaps the mapping at %3"_s.arg(hex(iova), hex(last), hex(m.iova));
    }
    int entries = 0;
    for (const SimContainer &other : std::as_const(m_containers))
        entries += int(other.maps.size());
    if (entries >= dmaEntryLimit)
        return u"ENOSPC: VFIO_IOMMU_MAP_DMA: no DMA entries left (dma_entry_limit %1)"_s.arg(dmaEntryLimit);
    if (hugePages && m_hugeUsed + int(size / k2M) > hugePagesFree)
        return u"ENOMEM: mmap(MAP_HUGETLB): %1 huge pages needed, %2 free"_s.arg(size / k2M).arg(hugePagesFree - m_hugeUsed);
    if (m_locked + size > memlockLimit)
        return u"ENOMEM: VFIO_IOMMU_MAP_DMA: RLIMIT_MEMLOCK (%1) exceeded: %2 locked, %3 more asked"_s.arg(memlockLimit).arg(m_locked).arg(size);
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
    // type1v2 refuses to split a mapping (vfio_dma_do_unmap(): "bisect" checks).
    for (const SimDmaMap &m : std::as_const(c.maps)) {
        const quint64 mLast = m.iova + m.size - 1;
        const bool overlaps = iova <= mLast && m.iova <= last;
        if (overlaps && (m.iova < iova || mLast > last))
            return u"EINVAL: VFIO_IOMMU_UNMAP_DMA: [%1, %2] would split the mapping [%3, %4]"_s.arg(hex(iova), hex(last), hex(m.iova), hex(mLast));
    }
    quint64 total = 0;
    c.maps.removeIf([&](const SimDmaMap &m) {
        if (m.iova < iova || m.iova + m.size - 1 > last)
            return false;
        total += m.size;
        m_locked -= m.size;
        if (m.hugePages)
            m_hugeUsed -= int(m.size / k2M);
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
    it->dirtyTracking = on;
    return {};
}

QString SimVfio::dirtyBitmap(quint32 key, quint64 iova, quint64 size, quint64 pageSize, QByteArray *bits) const
{
    const SimContainer *c = container(key);
    if (!c)
        return u"EBADF: no container"_s;
    if (!c->dirtyTracking)
        return u"EINVAL: VFIO_IOMMU_DIRTY_PAGES: dirty tracking is not started"_s;
    const quint64 minPage = pageSizes & (~pageSizes + 1);
    if (pageSize != minPage)
        return u"EINVAL: bitmap page size must be the smallest IOMMU page size %1"_s.arg(hex(minPage));
    if ((iova | size) & (pageSize - 1) || size == 0)
        return u"EINVAL: VFIO_IOMMU_DIRTY_PAGES: range not aligned to %1"_s.arg(hex(pageSize));
    const quint64 pages = size / pageSize;
    QByteArray out(qsizetype((pages + 63) / 64 * 8), '\0');
    for (const SimDmaMap &m : c->maps) {
        const quint64 from = std::max(m.iova, iova);
        const quint64 to = std::min(m.iova + m.size, iova + size);
        for (quint64 a = from; a < to; a += pageSize) {
            const quint64 bit = (a - iova) / pageSize;
            out[qsizetype(bit / 8)] = char(quint8(out[qsizetype(bit / 8)]) | (1u << (bit % 8)));
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
