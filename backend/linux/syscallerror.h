#pragma once

// What every ioctl wrapper in backend/linux needs: an errno turned into "what: why" (the errno is
// returned so callers can hand it on as a HostResult), an address in hex, and the anonymous (or
// 2 MiB huge-page) buffer a DMA map pins, the same for a type1 container and an iommufd IOAS.

#include <QString>

#include <cerrno>
#include <cstring>

#include <sys/mman.h>

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

// nullptr with *err and *why set when the memory cannot be had (no huge pages reserved, say).
inline void *mapDmaBuffer(quint64 size, bool hugePages, QString *why, int *err)
{
    int flags = MAP_PRIVATE | MAP_ANONYMOUS;
    if (hugePages)
        flags |= MAP_HUGETLB | (21 << MAP_HUGE_SHIFT);
    void *mem = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, flags, -1, 0);
    if (mem != MAP_FAILED)
        return mem;
    *err = fail(why, hugePages ? QStringLiteral("mmap(MAP_HUGETLB, 2 MiB pages; see /proc/sys/vm/nr_hugepages)")
                               : QStringLiteral("mmap"));
    return nullptr;
}

} // namespace devtopo::linuxhost
