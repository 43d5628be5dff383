#include "sysfsreader.h"

#include <QDir>
#include <QFile>

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

namespace devtopo {

namespace {
constexpr qsizetype LinkFileMax = 4096;

// One read is the whole attribute for sysfs files and small regular files; only a full buffer
// needs another. O_NONBLOCK: never hang on a FIFO someone left in a copied tree.
std::optional<QByteArray> readFd(int fd, qsizetype maxBytes)
{
    QByteArray buf;
    buf.resize(std::min<qsizetype>(maxBytes, 4096));
    qsizetype total = 0;
    for (;;) {
        const ssize_t n = ::read(fd, buf.data() + total, size_t(buf.size() - total));
        if (n < 0) {
            if (errno == EINTR)
                continue;
            ::close(fd);
            return std::nullopt; // EISDIR, or EINVAL from an attribute such as current_link_speed
        }
        total += n;
        if (n == 0 || total < buf.size() || total >= maxBytes)
            break;
        buf.resize(std::min<qsizetype>(maxBytes, buf.size() * 2));
    }
    ::close(fd);
    buf.truncate(total);
    return buf;
}

std::optional<QString> firstLine(const std::optional<QByteArray> &content)
{
    if (!content)
        return std::nullopt;
    qsizetype end = content->size();
    for (qsizetype i = 0; i < end; ++i)
        if (content->at(i) == '\n' || content->at(i) == '\0') {
            end = i;
            break;
        }
    return QString::fromUtf8(content->constData(), end).trimmed();
}

std::optional<qint64> parseInt(const std::optional<QString> &line, int base)
{
    if (!line || line->isEmpty())
        return std::nullopt;
    QStringView v(*line);
    if ((base == 16 || base == 0) && (v.startsWith(u"0x") || v.startsWith(u"0X"))) {
        v = v.mid(2);
        base = 16;
    }
    bool ok = false;
    const qint64 n = v.toLongLong(&ok, base);
    if (!ok)
        return std::nullopt;
    return n;
}

bool looksLikeLinkTarget(const QByteArray &content)
{
    // A flattened link holds one relative or absolute path and nothing else.
    const QByteArray t = content.trimmed();
    if (t.isEmpty() || t.contains('\n') || t.contains('\0'))
        return false;
    return t.startsWith("../") || t.startsWith("./") || t.startsWith('/');
}
} // namespace

SysfsReader::SysfsReader(const QString &root)
    : m_root(QDir::cleanPath(QDir(root).absolutePath()))
    , m_rootBytes(QFile::encodeName(m_root))
{
}

QString SysfsReader::absolute(const QString &rel) const
{
    return rel.isEmpty() ? m_root : m_root + QLatin1Char('/') + rel;
}

QByteArray SysfsReader::path(const QString &rel) const
{
    if (rel.isEmpty())
        return m_rootBytes;
    QByteArray p = m_rootBytes;
    if (!p.endsWith('/'))
        p += '/';
    p += QFile::encodeName(rel);
    return p;
}

std::optional<QByteArray> SysfsReader::readFile(const QString &rel, qsizetype maxBytes) const
{
    const int fd = ::open(path(rel).constData(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0)
        return std::nullopt;
    return readFd(fd, maxBytes);
}

std::optional<QString> SysfsReader::readLine(const QString &rel) const
{
    return firstLine(readFile(rel, 4096));
}

std::optional<qint64> SysfsReader::readInt(const QString &rel, int base) const
{
    return parseInt(readLine(rel), base);
}

std::optional<QString> SysfsReader::readLink(const QString &rel) const
{
    const QByteArray p = path(rel);
    struct stat st;
    if (::lstat(p.constData(), &st) != 0)
        return std::nullopt;
    if (S_ISLNK(st.st_mode)) {
        char buf[PATH_MAX];
        const ssize_t n = ::readlink(p.constData(), buf, sizeof(buf) - 1);
        if (n <= 0)
            return std::nullopt;
        return QFile::decodeName(QByteArray(buf, n));
    }
    if (S_ISREG(st.st_mode) && st.st_size > 0 && st.st_size < LinkFileMax) {
        auto content = readFile(rel, LinkFileMax);
        if (content && looksLikeLinkTarget(*content))
            return QFile::decodeName(content->trimmed());
    }
    return std::nullopt;
}

std::optional<QString> SysfsReader::resolveLink(const QString &rel) const
{
    auto target = readLink(rel);
    if (!target)
        return std::nullopt;
    QString resolved;
    if (target->startsWith(QLatin1Char('/'))) {
        // An absolute link in a copied tree means "from the copied machine's root".
        resolved = QDir::cleanPath(target->mid(1));
    } else {
        const qsizetype slash = rel.lastIndexOf(QLatin1Char('/'));
        const QString dir = slash < 0 ? QString() : rel.left(slash);
        resolved = QDir::cleanPath(dir.isEmpty() ? *target : dir + QLatin1Char('/') + *target);
    }
    if (resolved.startsWith(QLatin1String("..")) || resolved.startsWith(QLatin1Char('/')))
        return std::nullopt;
    return resolved;
}

std::optional<QString> SysfsReader::linkName(const QString &rel) const
{
    auto target = readLink(rel);
    if (!target)
        return std::nullopt;
    QString t = *target;
    while (t.endsWith(QLatin1Char('/')))
        t.chop(1);
    const qsizetype slash = t.lastIndexOf(QLatin1Char('/'));
    const QString name = slash < 0 ? t : t.mid(slash + 1);
    if (name.isEmpty() || name == QLatin1String("..") || name == QLatin1String("."))
        return std::nullopt;
    return name;
}

bool SysfsReader::exists(const QString &rel) const
{
    struct stat st;
    return ::lstat(path(rel).constData(), &st) == 0;
}

bool SysfsReader::isDirectory(const QString &rel) const
{
    struct stat st;
    return ::lstat(path(rel).constData(), &st) == 0 && S_ISDIR(st.st_mode);
}

bool SysfsReader::isLink(const QString &rel) const
{
    return readLink(rel).has_value();
}

QStringList SysfsReader::list(const QString &rel) const
{
    QStringList out;
    DIR *d = ::opendir(path(rel).constData());
    if (!d)
        return out;
    while (struct dirent *e = ::readdir(d)) {
        if (e->d_name[0] == '.' && (e->d_name[1] == 0 || (e->d_name[1] == '.' && e->d_name[2] == 0)))
            continue;
        out << QFile::decodeName(e->d_name);
    }
    ::closedir(d);
    std::sort(out.begin(), out.end());
    return out;
}

SysfsReader::Dir::Dir(const SysfsReader &reader, const QString &rel)
    : m_fd(::open(reader.path(rel).constData(), O_RDONLY | O_DIRECTORY | O_CLOEXEC))
{
}

SysfsReader::Dir::~Dir()
{
    if (m_fd >= 0)
        ::close(m_fd);
}

std::optional<QByteArray> SysfsReader::Dir::readFile(const char *name, qsizetype maxBytes) const
{
    const int fd = ::openat(m_fd, name, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0)
        return std::nullopt;
    return readFd(fd, maxBytes);
}

std::optional<QString> SysfsReader::Dir::readLine(const char *name) const
{
    return firstLine(readFile(name, 4096));
}

std::optional<qint64> SysfsReader::Dir::readInt(const char *name, int base) const
{
    return parseInt(readLine(name), base);
}

std::optional<QString> SysfsReader::Dir::readLink(const char *name) const
{
    char buf[PATH_MAX];
    const ssize_t n = ::readlinkat(m_fd, name, buf, sizeof(buf) - 1);
    if (n > 0)
        return QFile::decodeName(QByteArray(buf, n));
    if (errno != EINVAL)
        return std::nullopt; // missing; EINVAL means "not a symlink": maybe a flattened one
    auto content = readFile(name, LinkFileMax);
    if (content && looksLikeLinkTarget(*content))
        return QFile::decodeName(content->trimmed());
    return std::nullopt;
}

std::optional<QString> SysfsReader::Dir::linkName(const char *name) const
{
    auto target = readLink(name);
    if (!target)
        return std::nullopt;
    QString t = *target;
    while (t.endsWith(QLatin1Char('/')))
        t.chop(1);
    const QString last = t.mid(t.lastIndexOf(QLatin1Char('/')) + 1);
    if (last.isEmpty() || last == QLatin1String("..") || last == QLatin1String("."))
        return std::nullopt;
    return last;
}

SysfsReader::Listing SysfsReader::listing(const QString &rel) const
{
    Listing out;
    const QByteArray dirPath = path(rel);
    DIR *d = ::opendir(dirPath.constData());
    if (!d)
        return out;
    while (struct dirent *e = ::readdir(d)) {
        if (e->d_name[0] == '.' && (e->d_name[1] == 0 || (e->d_name[1] == '.' && e->d_name[2] == 0)))
            continue;
        const QString name = QFile::decodeName(e->d_name);
        out.names << name;
        bool isDir = e->d_type == DT_DIR;
        if (e->d_type == DT_UNKNOWN) { // some filesystems do not fill d_type
            struct stat st;
            isDir = ::fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode);
        }
        if (isDir)
            out.directories << name;
    }
    ::closedir(d);
    std::sort(out.directories.begin(), out.directories.end());
    return out;
}

QList<int> parseCpuList(const QString &text, int maxItems)
{
    QList<int> out;
    const QStringList parts = text.trimmed().split(QLatin1Char(','), Qt::SkipEmptyParts);
    for (const QString &part : parts) {
        const qsizetype dash = part.indexOf(QLatin1Char('-'));
        bool ok1 = false, ok2 = false;
        int a, b;
        if (dash < 0) {
            a = b = part.trimmed().toInt(&ok1);
            ok2 = ok1;
        } else {
            a = part.left(dash).trimmed().toInt(&ok1);
            b = part.mid(dash + 1).trimmed().toInt(&ok2);
        }
        if (!ok1 || !ok2 || a < 0 || b < a)
            return {}; // malformed: say nothing rather than something wrong
        for (int i = a; i <= b; ++i) {
            if (out.size() >= maxItems)
                return out;
            out << i;
        }
    }
    return out;
}

} // namespace devtopo
