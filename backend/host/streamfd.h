#pragma once

// Device-state files travel as file descriptors the client opened itself (over D-Bus a
// QDBusUnixFileDescriptor): the helper never opens a path a client names. Only regular files and
// pipes are accepted, with the right access mode; reads and writes are bounded in size and time
// so a client cannot make the helper read forever or wait on a pipe nobody drains.

#include "hostresult.h"

#include <QByteArray>

namespace devtopo::host::streamfd {

constexpr int kIoTimeoutMs = 10000; // per poll() on a pipe

enum class Access { Read, Write };
// Regular file or FIFO, open for `access`; else EINVAL/EBADF with what it is instead.
HostResult check(int fd, Access access);
// Reads to end of file; more than maxBytes is EFBIG (nothing is kept).
HostResult readAll(int fd, quint64 maxBytes, QByteArray *data);
HostResult writeAll(int fd, const QByteArray &data);

} // namespace devtopo::host::streamfd
