#include "host.h"

#include "analysis.h"
#include "hostlogging.h"
#include "hostvalidation.h"

#include <bit>
#include <cerrno>

using namespace Qt::StringLiterals;

namespace devtopo::host {

namespace {

QString driverText(const QString &driver)
{
    return driver.isEmpty() ? u"no driver"_s : driver;
}

} // namespace

int DirtyBitmap::dirtyPages() const
{
    int n = 0;
    for (char c : bits)
        n += std::popcount(quint8(c));
    return n;
}

Host::Host(std::unique_ptr<DriverRecords> records) : m_records(std::move(records)) { }

Host::~Host() = default;

void Host::progress(const QString &op, int done, int total, const QString &text) const
{
    if (m_progress)
        m_progress(op, done, total, text);
}

HostResult Host::checkAddress(const QString &text, PciAddress *out) const
{
    return validate::address(text, [this](const PciAddress &a) { return hasDevice(a); }, out);
}

HostResult Host::checkNotOpen(const PciAddress &a) const
{
    const int group = iommuGroupOf(a);
    for (auto it = m_handles.cbegin(); it != m_handles.cend(); ++it) {
        if (group >= 0 && it.value() == group)
            return HostResult::failure(EBUSY, u"IOMMU group %1 of %2 is open for DMA (handle %3); close it first"_s.arg(group).arg(
                                                  a.toString()).arg(it.key()));
    }
    return HostResult::success();
}

HostResult Host::checkHandle(quint32 handle, VfioGroupInfo *info)
{
    if (!m_handles.contains(handle))
        return HostResult::failure(EBADF, u"no open VFIO group with handle %1"_s.arg(handle));
    HostResult r = vfioGroupInfo(handle, info);
    if (r.ok && info)
        info->backendNote = m_backendNotes.value(handle);
    return r;
}

HostResult Host::checkGroupClosed(int group) const
{
    if (HostResult r = validate::groupNumber(group); !r.ok)
        return r;
    if (groupMemberNames(group).isEmpty())
        return HostResult::failure(ENOENT, u"no IOMMU group %1 with devices on this host"_s.arg(group));
    // One handle per group: VFIO refuses a second container (EBUSY) and a cdev bind while the
    // group is open the legacy way (and the other way round).
    for (auto it = m_handles.cbegin(); it != m_handles.cend(); ++it) {
        if (it.value() == group)
            return HostResult::failure(EBUSY, u"IOMMU group %1 is already open (handle %2)"_s.arg(group).arg(it.key()));
    }
    return HostResult::success();
}

// Moves `a` to `driver` (empty: leave it unbound) and leaves driver_override at finalOverride.
// driver_override is written first so nothing but `driver` can grab the device between the unbind
// and the probe. On any failure every step already taken is undone.
HostResult Host::rebindTo(const PciAddress &a, const QString &driver, const QString &finalOverride)
{
    const QString addr = a.toString();
    const QString current = driverOf(a);
    const QString oldOverride = driverOverrideOf(a);
    QStringList changes;

    const QString firstOverride = driver.isEmpty() ? finalOverride : driver;
    if (firstOverride != oldOverride) {
        if (HostResult r = writeDriverOverride(a, firstOverride); !r.ok)
            return r;
        changes << u"set driver_override of %1 to %2"_s.arg(addr, firstOverride.isEmpty() ? u"(none)"_s : firstOverride);
    }
    if (!current.isEmpty()) {
        if (HostResult r = writeUnbind(a); !r.ok) {
            writeDriverOverride(a, oldOverride);
            return r;
        }
        changes << u"unbind %1 from %2"_s.arg(current, addr);
    }
    if (!driver.isEmpty()) {
        HostResult r = writeDriversProbe(a);
        const QString now = driverOf(a);
        if (!r.ok || now != driver) {
            HostResult failure = r.ok ? HostResult::failure(ENODEV, u"%1 did not bind to %2 (it has %3)"_s.arg(addr, driver, driverText(now)))
                                      : r;
            // Undo: give the device back to the driver it had, then restore its override.
            if (!now.isEmpty())
                writeUnbind(a);
            writeDriverOverride(a, current.isEmpty() ? oldOverride : current);
            if (!current.isEmpty())
                writeDriversProbe(a);
            writeDriverOverride(a, oldOverride);
            const QString after = driverOf(a);
            failure.message += after == current ? u"; rolled back: %1 has %2 again"_s.arg(addr, driverText(current))
                                                : u"; rollback incomplete: %1 has %2, not %3"_s.arg(addr, driverText(after), driverText(current));
            qCWarning(lcHost).noquote() << failure.errorText();
            return failure;
        }
        changes << u"bind %1 to %2"_s.arg(addr, driver);
    }
    if (finalOverride != firstOverride) {
        if (HostResult r = writeDriverOverride(a, finalOverride); r.ok)
            changes << u"set driver_override of %1 to %2"_s.arg(addr, finalOverride.isEmpty() ? u"(none)"_s : finalOverride);
    }
    return HostResult::success(changes);
}

HostResult Host::bindOne(const PciAddress &a, const QString &driver)
{
    if (driverOf(a) == driver)
        return HostResult::success();
    const bool firstBind = !m_records->original(a).has_value();
    m_records->remember(a, {driverOf(a), driverOverrideOf(a)});
    HostResult r = rebindTo(a, driver, driver); // the override stays: a reprobe keeps `driver`
    if (!r.ok && firstBind)
        m_records->forget(a);
    return r;
}

HostResult Host::bindDriver(const QString &address, const QString &driver, bool force)
{
    PciAddress a;
    if (HostResult r = checkAddress(address, &a); !r.ok)
        return r;
    if (HostResult r = validate::driverName(driver, knownDrivers()); !r.ok)
        return r;
    if (HostResult r = checkNotOpen(a); !r.ok)
        return r;
    const QString current = driverOf(a);
    if (!current.isEmpty() && current != driver && !force) {
        if (const QString why = inUseReason(a); !why.isEmpty())
            return HostResult::failure(EBUSY, u"%1 is in use: %2 (force to unbind %3 anyway)"_s.arg(address, why, current));
    }
    if (HostResult r = loadDriver(driver); !r.ok)
        return r;
    return bindOne(a, driver);
}

HostResult Host::bindGroup(int group, const QString &driver, bool force)
{
    if (HostResult r = validate::groupNumber(group); !r.ok)
        return r;
    const QList<PciAddress> members = groupDevices(group);
    if (members.isEmpty())
        return HostResult::failure(ENOENT, u"no IOMMU group %1 with PCI devices on this host"_s.arg(group));
    if (HostResult r = validate::driverName(driver, knownDrivers()); !r.ok)
        return r;
    // Bridges on pcieport (or nothing) do not stop VFIO from owning the group; leave them alone.
    QList<PciAddress> targets;
    for (const PciAddress &a : members) {
        if (!(isBridgeDevice(a) && driverAllowsVfioOwnership(driverOf(a), true)))
            targets << a;
    }
    QStringList busy;
    for (const PciAddress &a : targets) {
        if (HostResult r = checkNotOpen(a); !r.ok)
            return r;
        const QString current = driverOf(a);
        if (!force && !current.isEmpty() && current != driver) {
            if (const QString why = inUseReason(a); !why.isEmpty())
                busy << u"%1 (%2): %3"_s.arg(a.toString(), current, why);
        }
    }
    if (!busy.isEmpty())
        return HostResult::failure(EBUSY, u"group %1 has devices in use: %2 (force to unbind anyway)"_s.arg(group).arg(busy.join(u"; "_s)));
    if (HostResult r = loadDriver(driver); !r.ok)
        return r;

    QStringList changes;
    QList<PciAddress> done;
    for (int i = 0; i < targets.size(); ++i) {
        const PciAddress &a = targets[i];
        progress(u"bind-group"_s, i, int(targets.size()), u"binding %1 to %2"_s.arg(a.toString(), driver));
        const bool hadRecord = m_records->original(a).has_value();
        HostResult r = bindOne(a, driver);
        if (!r.ok) {
            // Undo the devices already moved, newest first, so the group is as it was.
            for (auto it = done.crbegin(); it != done.crend(); ++it) {
                const auto orig = m_records->original(*it);
                if (orig && rebindTo(*it, orig->driver, orig->driverOverride).ok)
                    m_records->forget(*it);
            }
            r.message = u"group %1: %2; the %3 device(s) already moved were put back"_s.arg(group).arg(r.message).arg(done.size());
            progress(u"bind-group"_s, int(targets.size()), int(targets.size()), r.message);
            return r;
        }
        if (!r.changes.isEmpty() && !hadRecord)
            done << a;
        changes += r.changes;
    }
    progress(u"bind-group"_s, int(targets.size()), int(targets.size()), u"group %1 bound to %2"_s.arg(group).arg(driver));
    return HostResult::success(changes);
}

HostResult Host::restoreDriver(const QString &address)
{
    PciAddress a;
    if (HostResult r = checkAddress(address, &a); !r.ok)
        return r;
    const auto orig = m_records->original(a);
    if (!orig)
        return HostResult::failure(ENOENT, u"devtopo has no record of %1's original driver (it did not rebind it)"_s.arg(address));
    if (HostResult r = checkNotOpen(a); !r.ok)
        return r;
    if (!orig->driver.isEmpty()) {
        if (HostResult r = loadDriver(orig->driver); !r.ok)
            return r;
    }
    HostResult r = rebindTo(a, orig->driver, orig->driverOverride);
    if (r.ok)
        m_records->forget(a);
    return r;
}

HostResult Host::persistOverride(const QString &address, const QString &driver)
{
    PciAddress a;
    if (HostResult r = checkAddress(address, &a); !r.ok)
        return r;
    if (HostResult r = validate::driverName(driver, knownDrivers()); !r.ok)
        return r;
    return writePersistedOverride(a, driver);
}

HostResult Host::removeOverride(const QString &address)
{
    PciAddress a;
    if (HostResult r = checkAddress(address, &a); !r.ok)
        return r;
    if (persistedOverride(a).isEmpty())
        return HostResult::failure(ENOENT, u"no persistent driver override for %1"_s.arg(address));
    return writePersistedOverride(a, {});
}

HostResult Host::setNumVfs(const QString &pf, int n)
{
    PciAddress a;
    if (HostResult r = checkAddress(pf, &a); !r.ok)
        return r;
    if (HostResult r = validate::vfCount(n, totalVfs(a), a); !r.ok)
        return r;
    const int current = numVfs(a);
    if (current == n)
        return HostResult::success();
    for (const PciAddress &vf : vfsOf(a)) {
        if (HostResult r = checkNotOpen(vf); !r.ok)
            return r;
    }
    QStringList changes;
    if (current != 0 && n != 0) {
        // sriov_numvfs refuses nonzero -> other nonzero with EBUSY: the kernel wants 0 first.
        progress(u"sriov"_s, 0, 2, u"disabling %1 VFs of %2"_s.arg(current).arg(pf));
        if (HostResult r = writeNumVfs(a, 0); !r.ok)
            return r;
        changes << u"disable the %1 VFs of %2"_s.arg(current).arg(pf);
        progress(u"sriov"_s, 1, 2, u"enabling %1 VFs on %2"_s.arg(n).arg(pf));
        if (HostResult r = writeNumVfs(a, n); !r.ok) {
            const HostResult back = writeNumVfs(a, current);
            r.message += back.ok ? u"; rolled back to %1 VFs"_s.arg(current)
                                 : u"; rollback to %1 VFs failed too (%2): %3 has 0 VFs"_s.arg(current).arg(back.errorText(), pf);
            progress(u"sriov"_s, 2, 2, r.message);
            return r;
        }
        progress(u"sriov"_s, 2, 2, u"%1 VFs on %2"_s.arg(n).arg(pf));
    } else if (HostResult r = writeNumVfs(a, n); !r.ok) {
        return r;
    }
    changes << (n == 0 ? u"disable the %1 VFs of %2"_s.arg(current).arg(pf) : u"enable %1 VFs on %2"_s.arg(n).arg(pf));
    return HostResult::success(changes);
}

HostResult Host::setDriversAutoprobe(const QString &pf, bool on)
{
    PciAddress a;
    if (HostResult r = checkAddress(pf, &a); !r.ok)
        return r;
    if (totalVfs(a) < 0)
        return HostResult::failure(ENOENT, u"%1 is not an SR-IOV physical function"_s.arg(pf));
    return writeDriversAutoprobe(a, on);
}

HostResult Host::resetDevice(const QString &address, bool force)
{
    PciAddress a;
    if (HostResult r = checkAddress(address, &a); !r.ok)
        return r;
    if (resetMethods(a).isEmpty())
        return HostResult::failure(ENOTTY, u"%1 has no reset method (reset_method is empty)"_s.arg(address));
    if (HostResult r = checkNotOpen(a); !r.ok)
        return r;
    if (!force) {
        if (const QString why = inUseReason(a); !why.isEmpty())
            return HostResult::failure(EBUSY, u"%1 is in use: %2 (force to reset anyway)"_s.arg(address, why));
    }
    return writeReset(a);
}

HostResult Host::setVfToken(const QString &pf, const QString &uuid)
{
    PciAddress a;
    if (HostResult r = checkAddress(pf, &a); !r.ok)
        return r;
    QUuid token;
    if (HostResult r = validate::uuid(uuid, &token); !r.ok)
        return r;
    if (totalVfs(a) < 0)
        return HostResult::failure(ENOTTY, u"%1 is not an SR-IOV PF; only a PF has a VF token"_s.arg(pf));
    if (!isVfioDriver(driverOf(a)))
        return HostResult::failure(ENODEV, u"%1 is bound to %2; bind it to vfio-pci to set a VF token"_s.arg(pf, driverText(driverOf(a))));
    return vfioSetVfToken(a, token);
}

HostResult Host::openDevice(const QString &address, const QString &uuid)
{
    PciAddress a;
    if (HostResult r = checkAddress(address, &a); !r.ok)
        return r;
    QUuid token;
    if (!uuid.isEmpty()) {
        if (HostResult r = validate::uuid(uuid, &token); !r.ok)
            return r;
    }
    if (!isVfioDriver(driverOf(a)))
        return HostResult::failure(ENODEV, u"%1 is bound to %2, not to a VFIO driver"_s.arg(address, driverText(driverOf(a))));
    return vfioOpenDevice(a, token);
}

HostResult Host::openGroup(int group, quint32 *handle)
{
    return openGroupWith(group, u"type1v2"_s, handle);
}

HostResult Host::openGroupWith(int group, const QString &backend, quint32 *handle)
{
    if (backend != u"type1v2"_s && backend != u"iommufd"_s && backend != u"auto"_s)
        return HostResult::failure(EINVAL, u"unknown DMA backend \"%1\" (type1v2, iommufd or auto)"_s.arg(backend.left(32)));
    if (HostResult r = checkGroupClosed(group); !r.ok)
        return r;
    bool useIommufd = backend == u"iommufd"_s;
    QString note;
    if (backend != u"type1v2"_s) {
        const HostResult avail = iommufdAvailable(group);
        if (!avail.ok && useIommufd)
            return avail;
        useIommufd = avail.ok;
        if (!avail.ok)
            note = u"iommufd not used: %1"_s.arg(avail.message);
    }
    const quint32 h = m_nextHandle++;
    HostResult r = useIommufd ? iommufdOpenGroup(h, group) : vfioOpenGroup(h, group);
    if (!r.ok) {
        if (!note.isEmpty())
            r.message += u" (type1v2 was the fallback: %1)"_s.arg(note);
        return r;
    }
    m_handles.insert(h, group);
    if (!note.isEmpty()) {
        m_backendNotes.insert(h, note);
        r.changes.prepend(note);
    }
    if (handle)
        *handle = h;
    return r;
}

HostResult Host::groupInfo(quint32 handle, VfioGroupInfo *info)
{
    return checkHandle(handle, info);
}

HostResult Host::mapDma(quint32 handle, quint64 iova, quint64 size, bool hugePages)
{
    VfioGroupInfo info;
    if (HostResult r = checkHandle(handle, &info); !r.ok)
        return r;
    constexpr quint64 k2M = quint64(2) << 20;
    // type1 reports the IOMMU's page sizes; iommufd only an IOVA alignment (it uses large IOPTEs
    // by itself where the memory and the IOMMU allow), so there the 2 MiB alignment is the rule.
    if (hugePages && info.backend == DmaBackend::Type1v2 && !(info.pageSizes & k2M))
        return HostResult::failure(EINVAL, u"the IOMMU of group %1 has no 2 MiB pages"_s.arg(info.group));
    if (HostResult r = validate::dmaRange(iova, size, hugePages ? k2M : info.smallestPageSize()); !r.ok)
        return r;
    return vfioMapDma(handle, iova, size, hugePages);
}

HostResult Host::unmapDma(quint32 handle, quint64 iova, quint64 size, quint64 *unmapped)
{
    VfioGroupInfo info;
    if (HostResult r = checkHandle(handle, &info); !r.ok)
        return r;
    if (HostResult r = validate::dmaRange(iova, size, info.smallestPageSize()); !r.ok)
        return r;
    if (info.backend == DmaBackend::Iommufd) {
        // IOMMU_IOAS_UNMAP walks the areas in order and stops with ENOENT at one it would have to
        // split, after unmapping those before it; refuse before touching any. It also answers
        // ENOENT when nothing is mapped in the range (6.12; type1 says 0 bytes).
        const quint64 last = iova + size - 1;
        bool any = false;
        for (const DmaMapping &m : std::as_const(info.mappings)) {
            const quint64 mLast = m.iova + m.size - 1;
            if (iova > mLast || m.iova > last)
                continue;
            if (m.iova < iova || mLast > last)
                return HostResult::failure(ENOENT, u"IOMMU_IOAS_UNMAP [0x%1, 0x%2] would split the mapping [0x%3, 0x%4]; nothing unmapped"_s
                                                       .arg(iova, 0, 16).arg(last, 0, 16).arg(m.iova, 0, 16).arg(mLast, 0, 16));
            any = true;
        }
        if (!any)
            return HostResult::failure(ENOENT, u"IOMMU_IOAS_UNMAP: nothing is mapped in [0x%1, 0x%2]"_s.arg(iova, 0, 16).arg(last, 0, 16));
    }
    return vfioUnmapDma(handle, iova, size, unmapped);
}

HostResult Host::dirtyStart(quint32 handle)
{
    VfioGroupInfo info;
    if (HostResult r = checkHandle(handle, &info); !r.ok)
        return r;
    if (!info.dirtyTrackingSupported && info.backend == DmaBackend::Iommufd)
        return HostResult::failure(EOPNOTSUPP, u"this IOMMU cannot track dirty pages: IOMMU_GET_HW_INFO of group %1's devices has no IOMMU_HW_CAP_DIRTY_TRACKING, so there is no dirty-tracking HWPT"_s.arg(info.group));
    if (!info.dirtyTrackingSupported)
        return HostResult::failure(ENOTTY, u"this container does not support type1 dirty page tracking"_s);
    return vfioDirty(handle, true);
}

HostResult Host::dirtyStop(quint32 handle)
{
    VfioGroupInfo info;
    if (HostResult r = checkHandle(handle, &info); !r.ok)
        return r;
    if (!info.dirtyTrackingSupported && info.backend == DmaBackend::Iommufd)
        return HostResult::failure(EOPNOTSUPP, u"this IOMMU cannot track dirty pages (handle %1 has no dirty-tracking HWPT)"_s.arg(handle));
    return vfioDirty(handle, false);
}

HostResult Host::dirtyBitmap(quint32 handle, quint64 iova, quint64 size, DirtyBitmap *bitmap)
{
    VfioGroupInfo info;
    if (HostResult r = checkHandle(handle, &info); !r.ok)
        return r;
    const quint64 page = info.smallestPageSize();
    if (HostResult r = validate::dmaRange(iova, size, page); !r.ok)
        return r;
    if (!info.dirtyTracking)
        return HostResult::failure(EINVAL, u"dirty tracking is not started on handle %1"_s.arg(handle));
    return vfioDirtyBitmap(handle, iova, size, page, bitmap);
}

QStringList Host::groupMemberNames(int group) const
{
    QStringList out;
    for (const PciAddress &a : groupDevices(group))
        out << a.toString();
    return out;
}

HostResult Host::closeGroup(quint32 handle)
{
    if (!m_handles.contains(handle))
        return HostResult::failure(EBADF, u"no open VFIO group with handle %1"_s.arg(handle));
    // Its devices first: the kernel tears a device down when its group goes away.
    for (quint32 d : m_devices.keys()) {
        if (m_devices.value(d).groupHandle == handle)
            closeMigrationDevice(d);
    }
    vfioCloseGroup(handle);
    m_backendNotes.remove(handle);
    const int group = m_handles.take(handle);
    return HostResult::success({u"close IOMMU group %1 (handle %2)"_s.arg(group).arg(handle)});
}

} // namespace devtopo::host
