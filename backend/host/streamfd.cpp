#include "streamfd.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace Qt::StringLiterals;

namespace devtopo::host::streamfd {

namespace {

QString kindOf(mode_t m)
{
    if (S_ISDIR(m))
        return u"a directory"_s;
    if (S_ISCHR(m))
        return u"a character device"_s;
    if (S_ISBLK(m))
        return u"a block device"_s;
    if (S_ISSOCK(m))
        return u"a socket"_s;
    if (S_ISLNK(m))
        return u"a symbolic link"_s;
    return u"not a regular file"_s;
}

HostResult sysFail(const QString &what)
{
    const int err = errno;
    return HostResult::failure(err, what + u": "_s + QString::fromLocal8Bit(std::strerror(err)));
}

bool waitFor(int fd, short events)
{
    pollfd p{fd, events, 0};
    int rc;
    do {
        rc = ::poll(&p, 1, kIoTimeoutMs);
    } while (rc < 0 && errno == EINTR);
    return rc > 0;
}

} // namespace

HostResult check(int fd, Access access)
{
    if (fd < 0)
        return HostResult::failure(EBADF, u"no file descriptor was passed"_s);
    struct stat st{};
    if (::fstat(fd, &st) != 0)
        return sysFail(u"fstat on the passed descriptor"_s);
    if (!S_ISREG(st.st_mode) && !S_ISFIFO(st.st_mode))
        return HostResult::failure(EINVAL, u"the passed descriptor is %1; a device state goes to a regular file or a pipe only"_s.arg(kindOf(st.st_mode)));
    const int flags = ::fcntl(fd, F_GETFL);
    if (flags < 0)
        return sysFail(u"fcntl(F_GETFL) on the passed descriptor"_s);
    const int mode = flags & O_ACCMODE;
    if (access == Access::Read && mode == O_WRONLY)
        return HostResult::failure(EBADF, u"the passed descriptor is open for writing only; loading needs it readable"_s);
    if (access == Access::Write && mode == O_RDONLY)
        return HostResult::failure(EBADF, u"the passed descriptor is open for reading only; saving needs it writable"_s);
    return HostResult::success();
}

HostResult readAll(int fd, quint64 maxBytes, QByteArray *data)
{
    struct stat st{};
    if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && quint64(st.st_size) > maxBytes)
        return HostResult::failure(EFBIG, u"the file has %1 bytes, more than the %2 a device-state file may have"_s.arg(st.st_size).arg(maxBytes));
    QByteArray out;
    char buf[65536];
    for (;;) {
        if (S_ISFIFO(st.st_mode) && !waitFor(fd, POLLIN))
            return HostResult::failure(ETIMEDOUT, u"nothing came through the pipe for %1 s"_s.arg(kIoTimeoutMs / 1000));
        const ssize_t n = ::read(fd, buf, sizeof(buf));
        if (n < 0) {
            if (errno == EINTR || errno == EAGAIN)
                continue;
            return sysFail(u"reading the passed descriptor"_s);
        }
        if (n == 0)
            break;
        if (quint64(out.size()) + quint64(n) > maxBytes)
            return HostResult::failure(EFBIG, u"the stream is longer than the %1 bytes a device-state file may have"_s.arg(maxBytes));
        out.append(buf, n);
    }
    *data = out;
    return HostResult::success();
}

HostResult writeAll(int fd, const QByteArray &data)
{
    struct stat st{};
    const bool pipe = ::fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode);
    qsizetype done = 0;
    while (done < data.size()) {
        if (pipe && !waitFor(fd, POLLOUT))
            return HostResult::failure(ETIMEDOUT, u"the pipe was not drained for %1 s (%2 of %3 bytes written)"_s.arg(kIoTimeoutMs / 1000).arg(done).arg(data.size()));
        const ssize_t n = ::write(fd, data.constData() + done, size_t(data.size() - done));
        if (n < 0) {
            if (errno == EINTR || errno == EAGAIN)
                continue;
            return sysFail(u"writing the passed descriptor (%1 of %2 bytes written)"_s.arg(done).arg(data.size()));
        }
        done += n;
    }
    return HostResult::success();
}

} // namespace devtopo::host::streamfd
