#include "simmigration.h"

#include "analysis.h"
#include "migrationstate.h"

#include <QElapsedTimer>
#include <QtEndian>

#include <cerrno>
#include <cstring>
#include <utility>
#include <memory>

using namespace Qt::StringLiterals;
using devtopo::vfiomig::State;

namespace devtopo::sim {

namespace {

constexpr char kMagic[8] = {'S', 'I', 'M', 'M', 'I', 'G', '0', '1'};
constexpr quint32 kEndMarker = 0xffffffffu;

quint64 xorshift(quint64 &s)
{
    s ^= s << 13;
    s ^= s >> 7;
    s ^= s << 17;
    return s;
}

bool running(quint32 s)
{
    const State st = State(s);
    return st == State::Running || st == State::RunningP2p || st == State::PreCopy || st == State::PreCopyP2p;
}

QByteArray u32(quint32 v)
{
    QByteArray b(4, '\0');
    qToLittleEndian(v, b.data());
    return b;
}

quint64 fullStreamSize()
{
    return quint64(SimMigration::kHeaderSize) + quint64(SimMigration::kPages) * SimMigration::kRecordSize + 4;
}

} // namespace

SimMigration::SimMigration()
{
    auto timer = std::make_shared<QElapsedTimer>();
    timer->start();
    m_clock = [timer] { return timer->elapsed(); };
}

SimMigration::Device *SimMigration::deviceFor(quint32 key, QString *err, const char *feature)
{
    // The lookup is the const one's; this object is not const, so neither is its device.
    return const_cast<Device *>(std::as_const(*this).deviceFor(key, err, feature));
}

const SimMigration::Device *SimMigration::deviceFor(quint32 key, QString *err, const char *feature) const
{
    const auto it = m_open.constFind(key);
    if (it == m_open.cend()) {
        *err = u"EBADF: no open device fd"_s;
        return nullptr;
    }
    const Device *d = &*m_devices.constFind(*it);
    if (feature && !d->flags) {
        *err = u"ENOTTY: %1: the driver has no migration ops"_s.arg(QLatin1StringView(feature));
        return nullptr;
    }
    return d;
}

QString SimMigration::open(const SimHost &host, quint32 key, const QString &name)
{
    const std::optional<PciAddress> a = PciAddress::parse(name);
    const SimFunction *f = a ? host.function(*a) : nullptr;
    if (!f)
        return u"ENODEV: no device %1"_s.arg(name);
    if (!isVfioDriver(f->driver))
        return u"ENODEV: %1 is not bound to a VFIO driver"_s.arg(name);
    for (const QString &n : std::as_const(m_open)) {
        if (n == name)
            return u"EBUSY: %1 is already open"_s.arg(name);
    }
    const vfiomig::DriverMigrationCaps caps = vfiomig::driverMigrationCaps(f->driver);
    auto it = m_devices.find(name);
    if (it == m_devices.end()) {
        Device d;
        d.rng = qHash(name, 0x5eed) | 1;
        d.memory.resize(qsizetype(kPages) * qsizetype(kPageSize));
        for (qsizetype i = 0; i + 8 <= d.memory.size(); i += 8)
            qToLittleEndian(xorshift(d.rng), d.memory.data() + i);
        it = m_devices.insert(name, d);
    }
    it->vendor = f->vendorId;
    it->device = f->deviceId;
    it->flags = caps.flags;
    it->logOps = caps.dmaLogging;
    it->lastTick = m_clock();
    m_open.insert(key, name);
    return {};
}

void SimMigration::close(quint32 key)
{
    QString err;
    if (Device *d = deviceFor(key, &err)) {
        advance(*d);
        d->state = quint32(State::Running);
        d->session = Session::None;
        d->logging = false;
        d->logDirty.clear();
    }
    m_open.remove(key);
}

QString SimMigration::ids(const SimHost &, quint32 key, quint16 *vendor, quint16 *device) const
{
    QString err;
    const Device *d = deviceFor(key, &err);
    if (!d)
        return err;
    *vendor = d->vendor;
    *device = d->device;
    return {};
}

QString SimMigration::flags(quint32 key, quint64 *flags) const
{
    QString err;
    const Device *d = deviceFor(key, &err, "VFIO_DEVICE_FEATURE_MIGRATION");
    if (!d)
        return err;
    *flags = d->flags;
    return {};
}

QString SimMigration::getState(quint32 key, quint32 *state)
{
    QString err;
    Device *d = deviceFor(key, &err, "VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE");
    if (!d)
        return err;
    *state = d->state;
    return {};
}

void SimMigration::advance(Device &d)
{
    const qint64 now = m_clock();
    const qint64 ticks = std::min<qint64>((now - d.lastTick) * kPagesPerSecond / 1000, 20000);
    if (ticks <= 0 && running(d.state))
        return;
    d.lastTick = now;
    if (!running(d.state))
        return;
    for (qint64 t = 0; t < ticks; ++t) {
        const quint64 r = xorshift(d.rng);
        const int page = int(r % kPages);
        const qsizetype at = qsizetype(page) * qsizetype(kPageSize) + qsizetype((r >> 16) % (kPageSize - 8));
        qToLittleEndian(r, d.memory.data() + at);
        if (d.session == Session::Saving && page < d.nextInitial)
            d.dirty.insert(page);
        if (d.logging && !d.logRanges.isEmpty()) {
            const quint64 r2 = xorshift(d.rng);
            const auto &range = d.logRanges[qsizetype(r2 % quint64(d.logRanges.size()))];
            const quint64 pages = range.second / d.logPageSize;
            d.logDirty.insert(range.first + ((r2 >> 8) % pages) * d.logPageSize);
        }
    }
}

QByteArray SimMigration::header(const Device &d) const
{
    QByteArray h(kHeaderSize, '\0');
    std::memcpy(h.data(), kMagic, 8);
    qToLittleEndian(d.vendor, h.data() + 8);
    qToLittleEndian(d.device, h.data() + 10);
    qToLittleEndian(quint32(kPages), h.data() + 12);
    return h;
}

QString SimMigration::step(Device &d, quint32 next)
{
    const State cur = State(d.state);
    const State to = State(next);
    if (d.faultErr) {
        const int err = d.faultErr;
        d.faultErr = 0;
        if (d.faultToError) {
            d.state = quint32(State::Error);
            d.session = Session::None;
        }
        return u"%1: the device failed the arc %2 -> %3 (injected fault)"_s.arg(err == EIO ? u"EIO"_s : u"EINVAL"_s,
                                                                                vfiomig::stateName(cur), vfiomig::stateName(to));
    }
    const bool fromSaving = vfiomig::isSavingState(cur);
    const bool toSaving = vfiomig::isSavingState(to);
    if (toSaving && !fromSaving) {
        d.session = Session::Saving; // RUNNING(_P2P) -> PRE_COPY(_P2P), STOP -> STOP_COPY: a new data fd
        d.headerSent = false;
        d.nextInitial = 0;
        d.dirty.clear();
        d.out.clear();
        d.endSent = false;
    } else if (fromSaving && !toSaving) {
        d.session = Session::None; // the session ends with its fd
        d.out.clear();
    } else if (cur == State::Stop && to == State::Resuming) {
        d.session = Session::Resuming;
        d.received.clear();
    } else if (cur == State::Resuming && to == State::Stop) {
        // The driver checks and applies what it got; a short or malformed stream keeps RESUMING.
        const QByteArray &s = d.received;
        qsizetype pos = kHeaderSize;
        if (s.size() < kHeaderSize)
            return u"EINVAL: RESUMING -> STOP: %1 bytes received, not even the stream header"_s.arg(s.size());
        QList<QPair<int, qsizetype>> pages;
        bool ended = false;
        while (pos + 4 <= s.size()) {
            const quint32 idx = qFromLittleEndian<quint32>(s.constData() + pos);
            pos += 4;
            if (idx == kEndMarker) {
                ended = true;
                break;
            }
            if (idx >= quint32(kPages) || pos + qsizetype(kPageSize) > s.size())
                return u"EINVAL: RESUMING -> STOP: the stream is cut inside page record %1"_s.arg(pages.size());
            pages.append({int(idx), pos});
            pos += qsizetype(kPageSize);
        }
        if (!ended || pos != s.size())
            return u"EINVAL: RESUMING -> STOP: the stream has no end marker (%1 bytes received)"_s.arg(s.size());
        for (const auto &p : std::as_const(pages))
            std::memcpy(d.memory.data() + qsizetype(p.first) * qsizetype(kPageSize), s.constData() + p.second, kPageSize);
        d.session = Session::None;
        d.received.clear();
    }
    d.state = next;
    return {};
}

QString SimMigration::setState(quint32 key, quint32 target)
{
    QString err;
    Device *d = deviceFor(key, &err, "VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE");
    if (!d)
        return err;
    advance(*d);
    while (d->state != target) {
        State next = State::Error;
        if (vfiomig::nextState(State(d->state), State(target), d->flags, &next) != 0)
            return u"EINVAL: vfio_mig_get_next_state: no arc from %1 towards %2"_s.arg(vfiomig::stateName(State(d->state)),
                                                                                       vfiomig::stateName(State(target)));
        if (const QString e = step(*d, quint32(next)); !e.isEmpty())
            return e;
    }
    return {};
}

quint64 SimMigration::remainingSaveBytes(const Device &d) const
{
    return quint64(d.out.size()) + (d.headerSent ? 0 : kHeaderSize) + quint64(kPages - d.nextInitial) * kRecordSize
        + quint64(d.dirty.size()) * kRecordSize;
}

QString SimMigration::precopyInfo(quint32 key, quint64 *initialBytes, quint64 *dirtyBytes)
{
    QString err;
    Device *d = deviceFor(key, &err);
    if (!d)
        return err;
    const State s = State(d->state);
    if (d->session != Session::Saving || (s != State::PreCopy && s != State::PreCopyP2p))
        return u"EINVAL: VFIO_MIG_GET_PRECOPY_INFO outside PRE_COPY"_s;
    advance(*d);
    *initialBytes = quint64(d->out.size()) + (d->headerSent ? 0 : kHeaderSize) + quint64(kPages - d->nextInitial) * kRecordSize;
    *dirtyBytes = quint64(d->dirty.size()) * kRecordSize;
    return {};
}

QString SimMigration::read(quint32 key, quint64 maxBytes, QByteArray *data, bool *end)
{
    QString err;
    Device *d = deviceFor(key, &err);
    if (!d)
        return err;
    *end = false;
    data->clear();
    if (d->session != Session::Saving)
        return u"EBADF: no saving data fd is open"_s;
    advance(*d);
    const bool stopped = State(d->state) == State::StopCopy;
    // Whole records are produced on demand; the reader may take them in any segmentation.
    while (quint64(d->out.size()) < maxBytes) {
        if (!d->headerSent) {
            d->out += header(*d);
            d->headerSent = true;
        } else if (d->nextInitial < kPages) {
            const int p = d->nextInitial++;
            d->out += u32(quint32(p)) + d->memory.mid(qsizetype(p) * qsizetype(kPageSize), qsizetype(kPageSize));
        } else if (!d->dirty.isEmpty()) {
            const int p = *d->dirty.cbegin();
            d->dirty.erase(d->dirty.cbegin());
            d->out += u32(quint32(p)) + d->memory.mid(qsizetype(p) * qsizetype(kPageSize), qsizetype(kPageSize));
        } else if (stopped && !d->endSent) {
            d->out += u32(kEndMarker);
            d->endSent = true;
        } else {
            break;
        }
    }
    if (d->out.isEmpty()) {
        if (stopped) {
            *end = true;
            return {};
        }
        return u"ENOMSG: no more pre-copy data for now"_s;
    }
    const qsizetype n = qsizetype(std::min<quint64>(maxBytes, quint64(d->out.size())));
    *data = d->out.left(n);
    d->out.remove(0, n);
    return {};
}

QString SimMigration::write(quint32 key, const QByteArray &data)
{
    QString err;
    Device *d = deviceFor(key, &err);
    if (!d)
        return err;
    if (d->session != Session::Resuming)
        return u"EBADF: no resuming data fd is open"_s;
    if (quint64(d->received.size()) + quint64(data.size()) > fullStreamSize() + quint64(kPages) * kRecordSize)
        return u"ENOMEM: more state than this device can hold"_s;
    const bool hadHeader = d->received.size() >= kHeaderSize;
    d->received += data;
    if (!hadHeader && d->received.size() >= kHeaderSize && d->received.left(kHeaderSize) != header(*d)) {
        d->received.chop(data.size());
        return u"EINVAL: the stream header is not this device's (magic, vendor/device or size differ)"_s;
    }
    return {};
}

QString SimMigration::dataSize(quint32 key, quint64 *bytes)
{
    QString err;
    Device *d = deviceFor(key, &err, "VFIO_DEVICE_FEATURE_MIG_DATA_SIZE");
    if (!d)
        return err;
    advance(*d);
    *bytes = d->session == Session::Saving ? remainingSaveBytes(*d) + (d->endSent ? 0 : 4) : fullStreamSize();
    return {};
}

QString SimMigration::reset(quint32 key)
{
    QString err;
    Device *d = deviceFor(key, &err);
    if (!d)
        return err;
    advance(*d);
    d->state = quint32(State::Running);
    d->session = Session::None;
    d->logging = false;
    d->logDirty.clear();
    d->lastTick = m_clock();
    return {};
}

QString SimMigration::loggingProbe(quint32 key) const
{
    QString err;
    const Device *d = deviceFor(key, &err);
    if (!d)
        return err;
    return d->logOps ? QString() : u"ENOTTY: the driver has no DMA logging ops"_s;
}

QString SimMigration::loggingStart(quint32 key, const QList<QPair<quint64, quint64>> &ranges, quint64 pageSize)
{
    QString err;
    Device *d = deviceFor(key, &err);
    if (!d)
        return err;
    if (!d->logOps)
        return u"ENOTTY: VFIO_DEVICE_FEATURE_DMA_LOGGING_START: the driver has no DMA logging ops"_s;
    if (d->logging)
        return u"EBUSY: DMA logging is already running"_s;
    advance(*d);
    d->logging = true;
    d->logPageSize = pageSize;
    d->logRanges = ranges;
    d->logDirty.clear();
    return {};
}

QString SimMigration::loggingReport(quint32 key, quint64 iova, quint64 length, quint64 pageSize, QByteArray *bits)
{
    QString err;
    Device *d = deviceFor(key, &err);
    if (!d)
        return err;
    if (!d->logging)
        return u"EINVAL: DMA logging is not running"_s;
    advance(*d);
    const quint64 pages = length / pageSize;
    QByteArray out(qsizetype((pages + 63) / 64 * 8), '\0');
    for (auto it = d->logDirty.begin(); it != d->logDirty.end();) {
        const quint64 a = *it;
        const quint64 last = a + d->logPageSize - 1;
        if (last < iova || a >= iova + length) {
            ++it;
            continue;
        }
        // Read and clear: a logged page marks every report page it covers.
        for (quint64 p = std::max(a, iova); p <= std::min(last, iova + length - 1); p = (p / pageSize + 1) * pageSize) {
            const quint64 bit = (p - iova) / pageSize;
            out[qsizetype(bit / 8)] = char(quint8(out[qsizetype(bit / 8)]) | (1u << (bit % 8)));
        }
        it = d->logDirty.erase(it);
    }
    *bits = out;
    return {};
}

QString SimMigration::loggingStop(quint32 key)
{
    QString err;
    Device *d = deviceFor(key, &err);
    if (!d)
        return err;
    if (!d->logOps)
        return u"ENOTTY: the driver has no DMA logging ops"_s;
    d->logging = false;
    d->logDirty.clear();
    return {};
}

QByteArray SimMigration::memoryOf(const QString &name) const
{
    const auto it = m_devices.constFind(name);
    return it == m_devices.cend() ? QByteArray() : it->memory;
}

void SimMigration::failNextArc(const QString &name, int err, bool toError)
{
    Device &d = m_devices[name];
    d.faultErr = err;
    d.faultToError = toError;
}

} // namespace devtopo::sim
