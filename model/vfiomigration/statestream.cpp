#include "statestream.h"

#include <QCryptographicHash>
#include <QtEndian>

#include <cerrno>
#include <cstring>

using namespace Qt::StringLiterals;

namespace devtopo::vfiomig {

namespace {

constexpr char kMagic[8] = {'D', 'T', 'V', 'F', 'I', 'O', 'S', 'T'};

template<typename T>
void put(QByteArray &out, int offset, T value)
{
    qToLittleEndian(value, out.data() + offset);
}

template<typename T>
T get(const QByteArray &in, int offset)
{
    return qFromLittleEndian<T>(in.constData() + offset);
}

QString hex4(quint16 v)
{
    return QString::number(v, 16).rightJustified(4, u'0');
}

} // namespace

QString sha256Hex(const QByteArray &data)
{
    return QString::fromLatin1(QCryptographicHash::hash(data, QCryptographicHash::Sha256).toHex());
}

QByteArray encodeStream(quint16 vendor, quint16 device, quint32 migrationFlags, const QByteArray &payload)
{
    QByteArray out(kStreamHeaderSize, '\0');
    std::memcpy(out.data(), kMagic, sizeof(kMagic));
    put<quint32>(out, 8, kStreamVersion);
    put<quint32>(out, 12, kStreamHeaderSize);
    put<quint16>(out, 16, vendor);
    put<quint16>(out, 18, device);
    put<quint32>(out, 20, migrationFlags);
    put<quint64>(out, 24, quint64(payload.size()));
    const QByteArray digest = QCryptographicHash::hash(payload, QCryptographicHash::Sha256);
    std::memcpy(out.data() + 32, digest.constData(), 32);
    out += payload;
    return out;
}

DecodedStream decodeStream(const QByteArray &file, quint16 expectVendor, quint16 expectDevice)
{
    DecodedStream d;
    auto refuse = [&d](int err, const QString &why) {
        d.err = err;
        d.why = why;
        d.payload.clear();
        return d;
    };
    if (file.size() < kStreamHeaderSize)
        return refuse(EINVAL, u"not a devtopo device-state file: %1 bytes, shorter than the %2-byte header"_s.arg(file.size()).arg(kStreamHeaderSize));
    if (std::memcmp(file.constData(), kMagic, sizeof(kMagic)) != 0)
        return refuse(EINVAL, u"not a devtopo device-state file (no DTVFIOST magic)"_s);
    d.header.version = get<quint32>(file, 8);
    if (d.header.version != kStreamVersion)
        return refuse(EINVAL, u"device-state file format version %1; this devtopo reads version %2"_s.arg(d.header.version).arg(kStreamVersion));
    if (get<quint32>(file, 12) != quint32(kStreamHeaderSize))
        return refuse(EINVAL, u"device-state file header size %1, expected %2"_s.arg(get<quint32>(file, 12)).arg(kStreamHeaderSize));
    d.header.vendor = get<quint16>(file, 16);
    d.header.device = get<quint16>(file, 18);
    d.header.migrationFlags = get<quint32>(file, 20);
    d.header.length = get<quint64>(file, 24);
    d.header.sha256 = file.mid(32, 32);
    if (d.header.length > kMaxStreamPayload)
        return refuse(EINVAL, u"device-state file claims %1 bytes of state, more than the %2 devtopo accepts"_s.arg(d.header.length).arg(kMaxStreamPayload));
    const quint64 present = quint64(file.size() - kStreamHeaderSize);
    if (present < d.header.length)
        return refuse(EINVAL, u"device-state file is truncated: %1 of %2 bytes of state"_s.arg(present).arg(d.header.length));
    if (present > d.header.length)
        return refuse(EINVAL, u"device-state file has %1 bytes after the %2 bytes of state"_s.arg(present - d.header.length).arg(d.header.length));
    const QByteArray payload = file.mid(kStreamHeaderSize);
    const QByteArray digest = QCryptographicHash::hash(payload, QCryptographicHash::Sha256);
    if (digest != d.header.sha256)
        return refuse(EBADMSG, u"device-state file is corrupt: SHA-256 of the state is %1, the header says %2"_s.arg(
                                   QString::fromLatin1(digest.toHex()), QString::fromLatin1(d.header.sha256.toHex())));
    if ((expectVendor || expectDevice) && (d.header.vendor != expectVendor || d.header.device != expectDevice))
        return refuse(ENODEV, u"device-state file is from a %1:%2 device; this device is %3:%4"_s.arg(
                                  hex4(d.header.vendor), hex4(d.header.device), hex4(expectVendor), hex4(expectDevice)));
    d.payload = payload;
    return d;
}

} // namespace devtopo::vfiomig
