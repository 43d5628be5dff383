#include "treefiles.h"

#include <QFile>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace Qt::StringLiterals;

namespace devtopo::sim {

TreeFiles::TreeFiles(const QString &root) : m_root(QFile::encodeName(root))
{
    while (m_root.size() > 1 && m_root.endsWith('/'))
        m_root.chop(1);
}

void TreeFiles::fail(const char *what, const QByteArray &rel)
{
    if (m_error.isEmpty())
        m_error = u"%1 %2: %3"_s.arg(QLatin1StringView(what), QFile::decodeName(absolute(rel)),
                                      QString::fromLocal8Bit(std::strerror(errno)));
}

void TreeFiles::mkdir(const QByteArray &rel)
{
    if (::mkdir(absolute(rel).constData(), 0755) != 0 && errno != EEXIST)
        fail("mkdir", rel);
}

void TreeFiles::mkpath(const QByteArray &rel)
{
    qsizetype from = 0;
    while (true) {
        const qsizetype slash = rel.indexOf('/', from);
        const QByteArray part = slash < 0 ? rel : rel.left(slash);
        if (!part.isEmpty())
            mkdir(part);
        if (slash < 0)
            break;
        from = slash + 1;
    }
}

void TreeFiles::write(const QByteArray &rel, const QByteArray &data)
{
    const int fd = ::open(absolute(rel).constData(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        fail("open", rel);
        return;
    }
    qsizetype done = 0;
    while (done < data.size()) {
        const ssize_t n = ::write(fd, data.constData() + done, size_t(data.size() - done));
        if (n < 0) {
            if (errno == EINTR)
                continue;
            fail("write", rel);
            break;
        }
        done += n;
    }
    if (::close(fd) != 0)
        fail("close", rel);
}

void TreeFiles::symlink(const QByteArray &target, const QByteArray &rel)
{
    if (::symlink(target.constData(), absolute(rel).constData()) != 0)
        fail("symlink", rel);
}

QByteArray ups(int n)
{
    QByteArray s;
    s.reserve(3 * n);
    for (int i = 0; i < n; ++i)
        s += "../";
    return s;
}

} // namespace devtopo::sim
