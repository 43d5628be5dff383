// Host's VFIO migration v2 side: the checks and the step-by-step walk shared by both hosts.

#include "host.h"

#include "hostlogging.h"
#include "migrationstate.h"
#include "statestream.h"
#include "streamfd.h"

#include <QRegularExpression>

#include <bit>
#include <cerrno>

using namespace Qt::StringLiterals;
using devtopo::vfiomig::State;

namespace devtopo::host {

namespace {

constexpr int kMaxLogRanges = 256; // the kernel's PAGE_SIZE / sizeof(struct vfio_device_feature_dma_logging_range)
constexpr quint64 kMaxReportPages = quint64(1) << 27; // a 16 MiB bitmap

QString stateText(quint32 s)
{
    return vfiomig::stateName(State(s));
}

bool wellFormedMember(const QString &name)
{
    static const QRegularExpression pci(u"^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\\.[0-7]$"_s);
    static const QRegularExpression uuid(u"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"_s);
    return pci.match(name).hasMatch() || uuid.match(name).hasMatch();
}

bool powerOfTwo(quint64 v)
{
    return v && std::has_single_bit(v);
}

} // namespace

HostResult Host::checkDevice(quint32 handle, MigDevice **dev)
{
    const auto it = m_devices.find(handle);
    if (it == m_devices.end())
        return HostResult::failure(EBADF, u"no open VFIO device with handle %1"_s.arg(handle));
    *dev = &*it;
    return HostResult::success();
}

HostResult Host::checkMigratable(quint32 handle, MigDevice **dev, quint32 *state)
{
    if (HostResult r = checkDevice(handle, dev); !r.ok)
        return r;
    if ((*dev)->flags == 0)
        return HostResult::failure(ENOTTY, u"%1 has no VFIO migration (its driver has no migration ops)"_s.arg((*dev)->name));
    if (state) {
        if (HostResult r = vfioMigGetState(handle, state); !r.ok)
            return r;
    }
    return HostResult::success();
}

HostResult Host::openMigrationDevice(quint32 groupHandle, const QString &device, quint32 *handle)
{
    if (!m_handles.contains(groupHandle))
        return HostResult::failure(EBADF, u"no open VFIO group with handle %1"_s.arg(groupHandle));
    if (!wellFormedMember(device))
        return HostResult::failure(EINVAL, u"\"%1\" is neither a PCI address (DDDD:BB:DD.F) nor an mdev UUID"_s.arg(device.left(64)));
    const int group = m_handles.value(groupHandle);
    if (VfioGroupInfo info; vfioGroupInfo(groupHandle, &info).ok && info.backend == DmaBackend::Iommufd)
        return HostResult::failure(EOPNOTSUPP, u"group handle %1 is on iommufd; devtopo opens migration devices through a type1v2 group handle (OpenGroup)"_s.arg(groupHandle));
    if (!groupMemberNames(group).contains(device))
        return HostResult::failure(ENODEV, u"%1 is not a member of IOMMU group %2"_s.arg(device).arg(group));
    for (auto it = m_devices.cbegin(); it != m_devices.cend(); ++it) {
        if (it->name == device)
            return HostResult::failure(EBUSY, u"%1 is already open (device handle %2)"_s.arg(device).arg(it.key()));
    }
    const quint32 h = m_nextHandle++;
    HostResult r = vfioMigOpen(h, groupHandle, device);
    if (!r.ok)
        return r;
    MigDevice d;
    d.groupHandle = groupHandle;
    d.name = device;
    if (HostResult ids = vfioMigIds(h, &d.vendor, &d.device); !ids.ok) {
        vfioMigClose(h);
        return ids;
    }
    const HostResult flags = vfioMigFlags(h, &d.flags);
    if (!flags.ok && flags.err != ENOTTY) {
        vfioMigClose(h);
        return flags;
    }
    m_devices.insert(h, d);
    if (handle)
        *handle = h;
    r.changes = QStringList{u"open %1 for migration (device handle %2, flags %3)"_s.arg(device).arg(h).arg(vfiomig::flagsText(d.flags))};
    return r;
}

HostResult Host::closeMigrationDevice(quint32 handle)
{
    MigDevice *d = nullptr;
    if (HostResult r = checkDevice(handle, &d); !r.ok)
        return r;
    if (d->logging)
        vfioDmaLoggingStop(handle);
    const QString name = d->name;
    vfioMigClose(handle);
    m_devices.remove(handle);
    return HostResult::success({u"close %1 (device handle %2)"_s.arg(name).arg(handle)});
}

HostResult Host::migrationInfo(quint32 handle, MigrationDeviceInfo *info)
{
    MigDevice *d = nullptr;
    if (HostResult r = checkDevice(handle, &d); !r.ok)
        return r;
    MigrationDeviceInfo out;
    out.device = d->name;
    out.group = m_handles.value(d->groupHandle, -1);
    out.vendor = d->vendor;
    out.deviceId = d->device;
    out.flags = d->flags;
    if (d->flags) {
        if (HostResult r = vfioMigGetState(handle, &out.state); !r.ok)
            return r;
    }
    out.dmaLoggingSupported = vfioDmaLoggingProbe(handle).ok;
    out.dmaLogging = d->logging;
    out.bufferedBytes = quint64(d->stream.size());
    out.streamComplete = d->streamComplete;
    if (info)
        *info = out;
    return HostResult::success();
}

HostResult Host::setMigrationState(quint32 handle, const QString &target, quint32 *stateOut)
{
    MigDevice *d = nullptr;
    State want = State::Error;
    if (!vfiomig::parseState(target, &want))
        return HostResult::failure(EINVAL, u"\"%1\" is not a migration state (ERROR, STOP, RUNNING, STOP_COPY, RESUMING, RUNNING_P2P, PRE_COPY, PRE_COPY_P2P or 0-7)"_s.arg(target.left(64)));
    quint32 now = 0;
    if (HostResult r = checkMigratable(handle, &d, &now); !r.ok)
        return r;
    const vfiomig::MigrationPath path = vfiomig::pathTo(State(now), want, d->flags);
    if (!path.ok())
        return HostResult::failure(path.err, u"%1: %2"_s.arg(d->name, path.why));
    const int total = int(path.steps.size());
    QStringList changes;
    State at = State(now);
    for (int i = 0; i < total; ++i) {
        const State next = path.steps[i];
        const QString arc = stateText(quint32(at)) + u" -> "_s + stateText(quint32(next));
        progress(u"migration-state"_s, i, total, u"%1: %2"_s.arg(d->name, arc));
        HostResult r = vfioMigSetState(handle, quint32(next));
        if (!r.ok) {
            quint32 after = quint32(at);
            const bool known = vfioMigGetState(handle, &after).ok;
            const QString where = known ? stateText(after) : u"unknown (MIG_DEVICE_STATE GET failed too)"_s;
            r.message = u"%1: step %2 of %3 (%4) failed: %5; the device is now in %6"_s.arg(d->name).arg(i + 1).arg(total).arg(arc, r.message, where);
            if (known && after == quint32(State::Error))
                r.message += u"; only a device reset leaves ERROR (it returns to RUNNING)"_s;
            r.changes = changes;
            if (stateOut)
                *stateOut = after;
            if (!vfiomig::hasDataFd(State(after))) {
                d->stream.clear();
                d->streamComplete = false;
            }
            progress(u"migration-state"_s, total, total, r.message);
            qCWarning(lcHost).noquote() << r.errorText();
            return r;
        }
        // A session ends when the device leaves the saving group or RESUMING; a new one starts empty.
        const bool sameSession = vfiomig::isSavingState(at) && vfiomig::isSavingState(next);
        if (!sameSession) {
            d->stream.clear();
            d->streamComplete = false;
        }
        changes << u"%1: %2"_s.arg(d->name, arc);
        at = next;
    }
    progress(u"migration-state"_s, total, total, u"%1 is in %2"_s.arg(d->name, stateText(quint32(at))));
    if (stateOut)
        *stateOut = quint32(at);
    return HostResult::success(changes);
}

HostResult Host::resetMigrationDevice(quint32 handle)
{
    MigDevice *d = nullptr;
    if (HostResult r = checkDevice(handle, &d); !r.ok)
        return r;
    HostResult r = vfioDeviceReset(handle);
    if (!r.ok)
        return r;
    d->stream.clear();
    d->streamComplete = false;
    d->logging = false;
    return HostResult::success({u"reset %1 (VFIO_DEVICE_RESET; migration state RUNNING)"_s.arg(d->name)});
}

HostResult Host::precopyInfo(quint32 handle, PrecopyInfo *info)
{
    MigDevice *d = nullptr;
    quint32 now = 0;
    if (HostResult r = checkMigratable(handle, &d, &now); !r.ok)
        return r;
    if (!(d->flags & vfiomig::PreCopyFlag))
        return HostResult::failure(ENOTTY, u"%1 has no PRE_COPY (flags %2)"_s.arg(d->name, vfiomig::flagsText(d->flags)));
    if (now != quint32(State::PreCopy) && now != quint32(State::PreCopyP2p))
        return HostResult::failure(EINVAL, u"pre-copy info exists in PRE_COPY and PRE_COPY_P2P only; %1 is in %2"_s.arg(d->name, stateText(now)));
    PrecopyInfo tmp;
    return vfioMigPrecopyInfo(handle, info ? info : &tmp);
}

HostResult Host::readPrecopy(quint32 handle, quint64 maxBytes, quint64 *read)
{
    MigDevice *d = nullptr;
    quint32 now = 0;
    if (HostResult r = checkMigratable(handle, &d, &now); !r.ok)
        return r;
    if (now != quint32(State::PreCopy) && now != quint32(State::PreCopyP2p))
        return HostResult::failure(EINVAL, u"pre-copy data is read in PRE_COPY and PRE_COPY_P2P; %1 is in %2"_s.arg(d->name, stateText(now)));
    const quint64 room = vfiomig::kMaxStreamPayload - quint64(d->stream.size());
    if (maxBytes == 0 || maxBytes > room)
        return HostResult::failure(EINVAL, u"read size %1: give 1 to %2 bytes"_s.arg(maxBytes).arg(room));
    QByteArray data;
    bool end = false;
    if (HostResult r = vfioMigRead(handle, maxBytes, &data, &end); !r.ok)
        return r;
    d->stream += data;
    if (read)
        *read = quint64(data.size());
    return HostResult::success();
}

HostResult Host::stopCopySize(quint32 handle, quint64 *bytes)
{
    MigDevice *d = nullptr;
    if (HostResult r = checkMigratable(handle, &d, nullptr); !r.ok)
        return r;
    quint64 tmp = 0;
    return vfioMigDataSize(handle, bytes ? bytes : &tmp);
}

HostResult Host::saveState(quint32 handle, int fd, quint64 *payloadBytes, QString *sha256)
{
    MigDevice *d = nullptr;
    quint32 now = 0;
    if (HostResult r = checkMigratable(handle, &d, &now); !r.ok)
        return r;
    if (HostResult r = streamfd::check(fd, streamfd::Access::Write); !r.ok)
        return r;
    if (now != quint32(State::StopCopy))
        return HostResult::failure(EINVAL, u"the device state is complete only in STOP_COPY; %1 is in %2 (move it to STOP_COPY first)"_s.arg(d->name, stateText(now)));
    while (!d->streamComplete) {
        const quint64 room = vfiomig::kMaxStreamPayload - quint64(d->stream.size());
        if (room == 0)
            return HostResult::failure(EFBIG, u"%1's state is larger than %2 bytes"_s.arg(d->name).arg(vfiomig::kMaxStreamPayload));
        QByteArray data;
        bool end = false;
        if (HostResult r = vfioMigRead(handle, std::min<quint64>(room, quint64(1) << 20), &data, &end); !r.ok)
            return r;
        d->stream += data;
        progress(u"save-state"_s, 0, 1, u"%1: %2 bytes read"_s.arg(d->name).arg(d->stream.size()));
        d->streamComplete = end;
    }
    const QByteArray file = vfiomig::encodeStream(d->vendor, d->device, quint32(d->flags), d->stream);
    if (HostResult r = streamfd::writeAll(fd, file); !r.ok)
        return r;
    progress(u"save-state"_s, 1, 1, u"%1: %2 bytes of state saved"_s.arg(d->name).arg(d->stream.size()));
    if (payloadBytes)
        *payloadBytes = quint64(d->stream.size());
    const QString sum = vfiomig::sha256Hex(d->stream);
    if (sha256)
        *sha256 = sum;
    return HostResult::success({u"save %1 bytes of %2's state (SHA-256 %3)"_s.arg(d->stream.size()).arg(d->name, sum)});
}

HostResult Host::loadState(quint32 handle, int fd, quint64 *payloadBytes)
{
    MigDevice *d = nullptr;
    quint32 now = 0;
    if (HostResult r = checkMigratable(handle, &d, &now); !r.ok)
        return r;
    if (HostResult r = streamfd::check(fd, streamfd::Access::Read); !r.ok)
        return r;
    if (now != quint32(State::Resuming))
        return HostResult::failure(EINVAL, u"a saved state is loaded in RESUMING; %1 is in %2 (move it to RESUMING first)"_s.arg(d->name, stateText(now)));
    if (!d->stream.isEmpty())
        return HostResult::failure(EBUSY, u"this RESUMING session of %1 already took %2 bytes; go through STOP and back to RESUMING for another load"_s.arg(d->name).arg(d->stream.size()));
    QByteArray file;
    if (HostResult r = streamfd::readAll(fd, vfiomig::kMaxStreamPayload + vfiomig::kStreamHeaderSize, &file); !r.ok)
        return r;
    const vfiomig::DecodedStream decoded = vfiomig::decodeStream(file, d->vendor, d->device);
    if (!decoded.ok())
        return HostResult::failure(decoded.err, u"%1: refused, nothing was written to the device: %2"_s.arg(d->name, decoded.why));
    progress(u"load-state"_s, 0, 1, u"%1: writing %2 bytes"_s.arg(d->name).arg(decoded.payload.size()));
    HostResult r = vfioMigWrite(handle, decoded.payload);
    if (!r.ok) {
        r.message = u"%1: the driver refused the state: %2"_s.arg(d->name, r.message);
        return r;
    }
    d->stream = decoded.payload; // marks the session as used
    progress(u"load-state"_s, 1, 1, u"%1: %2 bytes loaded"_s.arg(d->name).arg(decoded.payload.size()));
    if (payloadBytes)
        *payloadBytes = quint64(decoded.payload.size());
    return HostResult::success({u"load %1 bytes of state into %2 (SHA-256 %3); move it to STOP to apply"_s.arg(decoded.payload.size()).arg(d->name, vfiomig::sha256Hex(decoded.payload))});
}

HostResult Host::dmaLoggingStart(quint32 handle, const QList<DmaLogRange> &ranges, quint64 pageSize)
{
    MigDevice *d = nullptr;
    if (HostResult r = checkDevice(handle, &d); !r.ok)
        return r;
    if (!powerOfTwo(pageSize) || pageSize < 4096 || pageSize > (quint64(1) << 30))
        return HostResult::failure(EINVAL, u"DMA logging page size %1: a power of two from 4 KiB to 1 GiB"_s.arg(pageSize));
    if (ranges.isEmpty() || ranges.size() > kMaxLogRanges)
        return HostResult::failure(E2BIG, u"DMA logging takes 1 to %1 ranges, not %2"_s.arg(kMaxLogRanges).arg(ranges.size()));
    QList<DmaLogRange> sorted = ranges;
    std::sort(sorted.begin(), sorted.end(), [](const DmaLogRange &a, const DmaLogRange &b) { return a.iova < b.iova; });
    for (int i = 0; i < sorted.size(); ++i) {
        const DmaLogRange &r = sorted[i];
        if (r.length == 0 || ((r.iova | r.length) & (pageSize - 1)))
            return HostResult::failure(EINVAL, u"DMA logging range [0x%1, +0x%2) is empty or not aligned to 0x%3"_s.arg(r.iova, 0, 16).arg(r.length, 0, 16).arg(pageSize, 0, 16));
        if (r.iova + r.length < r.iova)
            return HostResult::failure(EOVERFLOW, u"DMA logging range [0x%1, +0x%2) wraps around"_s.arg(r.iova, 0, 16).arg(r.length, 0, 16));
        if (i > 0 && sorted[i - 1].iova + sorted[i - 1].length > r.iova)
            return HostResult::failure(EINVAL, u"DMA logging ranges overlap at 0x%1"_s.arg(r.iova, 0, 16));
    }
    if (d->logging)
        return HostResult::failure(EEXIST, u"DMA logging is already started on %1; stop it first"_s.arg(d->name));
    if (HostResult r = vfioDmaLoggingStart(handle, sorted, pageSize); !r.ok)
        return r;
    d->logging = true;
    d->logRanges = sorted;
    return HostResult::success({u"start DMA logging on %1 (%2 ranges, %3-byte pages)"_s.arg(d->name).arg(sorted.size()).arg(pageSize)});
}

HostResult Host::dmaLoggingReport(quint32 handle, quint64 iova, quint64 length, quint64 pageSize, DirtyBitmap *bitmap)
{
    MigDevice *d = nullptr;
    if (HostResult r = checkDevice(handle, &d); !r.ok)
        return r;
    if (!d->logging)
        return HostResult::failure(EINVAL, u"DMA logging is not started on %1"_s.arg(d->name));
    if (!powerOfTwo(pageSize) || pageSize < 4096)
        return HostResult::failure(EINVAL, u"report page size %1: a power of two of at least 4 KiB"_s.arg(pageSize));
    if (length == 0 || ((iova | length) & (pageSize - 1)) || iova + length < iova)
        return HostResult::failure(EINVAL, u"report range [0x%1, +0x%2) is empty, wraps or is not aligned to 0x%3"_s.arg(iova, 0, 16).arg(length, 0, 16).arg(pageSize, 0, 16));
    if (length / pageSize > kMaxReportPages)
        return HostResult::failure(E2BIG, u"report of %1 pages; at most %2 at a time"_s.arg(length / pageSize).arg(kMaxReportPages));
    const bool inside = std::any_of(d->logRanges.cbegin(), d->logRanges.cend(), [&](const DmaLogRange &r) {
        return iova >= r.iova && iova + length <= r.iova + r.length;
    });
    if (!inside)
        return HostResult::failure(EINVAL, u"report range [0x%1, +0x%2) is not inside one logged range"_s.arg(iova, 0, 16).arg(length, 0, 16));
    QByteArray bits;
    if (HostResult r = vfioDmaLoggingReport(handle, iova, length, pageSize, &bits); !r.ok)
        return r;
    if (bitmap)
        *bitmap = {iova, length, pageSize, bits};
    return HostResult::success();
}

HostResult Host::dmaLoggingStop(quint32 handle)
{
    MigDevice *d = nullptr;
    if (HostResult r = checkDevice(handle, &d); !r.ok)
        return r;
    if (!d->logging)
        return HostResult::failure(EINVAL, u"DMA logging is not started on %1"_s.arg(d->name));
    if (HostResult r = vfioDmaLoggingStop(handle); !r.ok)
        return r;
    d->logging = false;
    d->logRanges.clear();
    return HostResult::success({u"stop DMA logging on %1"_s.arg(d->name)});
}

} // namespace devtopo::host
