#include "hostresult.h"

#include <cerrno>

using namespace Qt::StringLiterals;

namespace devtopo::host {

namespace {

struct ErrnoEntry
{
    int err;
    const char16_t *name;
};

// The errnos the kernel's sysfs and VFIO paths return, plus those the helper uses itself.
constexpr ErrnoEntry kErrnos[] = {
    {EPERM, u"EPERM"},   {ENOENT, u"ENOENT"}, {EIO, u"EIO"},       {E2BIG, u"E2BIG"},
    {EBADF, u"EBADF"},   {EAGAIN, u"EAGAIN"}, {ENOMEM, u"ENOMEM"}, {EACCES, u"EACCES"},
    {EFAULT, u"EFAULT"}, {EBUSY, u"EBUSY"},   {EEXIST, u"EEXIST"}, {ENODEV, u"ENODEV"},
    {ENOTDIR, u"ENOTDIR"}, {EINVAL, u"EINVAL"}, {ENOSPC, u"ENOSPC"}, {ERANGE, u"ERANGE"},
    {ENOTTY, u"ENOTTY"}, {ENOSYS, u"ENOSYS"}, {EOVERFLOW, u"EOVERFLOW"}, {EOPNOTSUPP, u"EOPNOTSUPP"},
    {ETIMEDOUT, u"ETIMEDOUT"}, {ENXIO, u"ENXIO"}, {EMSGSIZE, u"EMSGSIZE"}, {ECANCELED, u"ECANCELED"},
    {EBADMSG, u"EBADMSG"}, {EFBIG, u"EFBIG"}, {ENOMSG, u"ENOMSG"}, {ESPIPE, u"ESPIPE"}, {EPIPE, u"EPIPE"},
};

} // namespace

QString errnoName(int err)
{
    for (const ErrnoEntry &e : kErrnos) {
        if (e.err == err)
            return QString::fromUtf16(e.name);
    }
    return u"errno %1"_s.arg(err);
}

int errnoFromName(QStringView name)
{
    for (const ErrnoEntry &e : kErrnos) {
        if (name == QStringView(e.name))
            return e.err;
    }
    return 0;
}

HostResult HostResult::fromSimError(const QString &simError, const QString &change)
{
    if (simError.isEmpty())
        return success(change.isEmpty() ? QStringList() : QStringList{change});
    const qsizetype colon = simError.indexOf(u':');
    const int err = colon > 0 ? errnoFromName(QStringView(simError).left(colon)) : 0;
    const QString text = colon > 0 && err ? simError.mid(colon + 1).trimmed() : simError;
    return failure(err ? err : EIO, text);
}

QString HostResult::errorText() const
{
    if (ok)
        return {};
    return errnoName(err) + u": "_s + message;
}

} // namespace devtopo::host
