#pragma once

// The two helpers every ioctl wrapper in backend/linux needs: an errno turned into "what: why"
// (the errno is returned so callers can hand it on as a HostResult), and an address in hex.

#include <QString>

#include <cerrno>
#include <cstring>

namespace devtopo::linuxhost {

inline int fail(QString *why, const QString &what)
{
    const int err = errno;
    if (why)
        *why = what + QStringLiteral(": ") + QString::fromLocal8Bit(std::strerror(err));
    return err;
}

inline QString hex(quint64 v)
{
    return QStringLiteral("0x") + QString::number(v, 16);
}

} // namespace devtopo::linuxhost
