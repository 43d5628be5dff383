#pragma once

// devtopo's file for a saved VFIO device state: a 64-byte header, then the driver's opaque stream
// exactly as read from the migration data fd. The header names the device the state came from
// (PCI vendor/device, as its config space says) and carries the payload's length and SHA-256, so
// a truncated, corrupt or foreign file is refused before a single byte reaches a device.
//
//   offset size  field (little-endian)
//   0      8     magic "DTVFIOST"
//   8      4     format version (1)
//   12     4     header size (64)
//   16     2     vendor id
//   18     2     device id
//   20     4     migration flags of the source device
//   24     8     payload length in bytes
//   32     32    SHA-256 of the payload

#include <QByteArray>
#include <QString>

namespace devtopo::vfiomig {

constexpr int kStreamHeaderSize = 64;
constexpr quint32 kStreamVersion = 1;
// Largest device state devtopo moves through a file (mlx5 states are hundreds of MB at most).
constexpr quint64 kMaxStreamPayload = quint64(1) << 30;

struct StreamHeader
{
    quint32 version = kStreamVersion;
    quint16 vendor = 0;
    quint16 device = 0;
    quint32 migrationFlags = 0;
    quint64 length = 0;
    QByteArray sha256; // 32 bytes
};

QByteArray encodeStream(quint16 vendor, quint16 device, quint32 migrationFlags, const QByteArray &payload);

struct DecodedStream
{
    int err = 0; // 0, or the errno the helper answers with (EINVAL bad format, EBADMSG checksum, ENODEV foreign)
    QString why;
    StreamHeader header;
    QByteArray payload;
    bool ok() const { return err == 0; }
};
// Checks everything: magic, version, header size, length against the data present (truncated or
// trailing bytes), SHA-256, and (when expectVendor/expectDevice are non-zero) that the stream
// belongs to a device of that kind.
DecodedStream decodeStream(const QByteArray &file, quint16 expectVendor = 0, quint16 expectDevice = 0);

QString sha256Hex(const QByteArray &data);

} // namespace devtopo::vfiomig
