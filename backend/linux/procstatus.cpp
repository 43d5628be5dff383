#include "procstatus.h"

#include <QByteArray>
#include <QFile>
#include <QList>
#include <QString>

#include <sys/resource.h>

namespace devtopo::linuxhost {

namespace {

QByteArray statusField(const char *name)
{
    QFile f(QStringLiteral("/proc/self/status"));
    if (!f.open(QIODevice::ReadOnly))
        return {};
    const QByteArray key = QByteArray(name) + ':';
    for (const QByteArray &line : f.readAll().split('\n')) {
        if (line.startsWith(key))
            return line.mid(key.size()).trimmed();
    }
    return {};
}

} // namespace

quint64 processLockedBytes()
{
    return statusField("VmLck").split(' ').value(0).toULongLong() * 1024;
}

bool processHasCapIpcLock()
{
    return (statusField("CapEff").toULongLong(nullptr, 16) >> 14) & 1; // CAP_IPC_LOCK = 14
}

quint64 memlockLimit()
{
    rlimit lim{};
    ::getrlimit(RLIMIT_MEMLOCK, &lim);
    return lim.rlim_cur == RLIM_INFINITY ? ~quint64(0) : quint64(lim.rlim_cur);
}

} // namespace devtopo::linuxhost
