#pragma once

#include <QByteArray>
#include <QString>
#include <QStringList>

#include <optional>

namespace devtopo {

// Reads a sysfs-like tree below a root. Paths given to it are relative to the root
// ("sys/bus/pci/devices"). Everything is bounded: files are read up to a limit, links are
// resolved without following chains outside the root, and nothing throws.
//
// Links may be real symlinks or "flattened" ones: a small regular file whose content is the
// link target. Copies made by tools that do not keep symlinks (git on some filesystems, zip,
// some archivers) look like that, and so do the shared real-machine trees.
class SysfsReader
{
public:
    explicit SysfsReader(const QString &root);

    QString root() const { return m_root; }
    QString absolute(const QString &rel) const;

    // Whole file up to maxBytes (binary safe). nullopt when missing or unreadable.
    std::optional<QByteArray> readFile(const QString &rel, qsizetype maxBytes = 64 * 1024) const;
    // First line, trimmed. nullopt when missing.
    std::optional<QString> readLine(const QString &rel) const;
    // Integer in the given base; "0x" prefixes are accepted for base 16 and 0 (auto).
    std::optional<qint64> readInt(const QString &rel, int base = 10) const;

    // Link target text as stored, for a symlink or a flattened link file.
    std::optional<QString> readLink(const QString &rel) const;
    // The link's target as a root-relative, cleaned path; nullopt if it is not a link or
    // points outside the root.
    std::optional<QString> resolveLink(const QString &rel) const;
    // Last path component of a link's target (driver name, group number).
    std::optional<QString> linkName(const QString &rel) const;

    bool exists(const QString &rel) const;
    bool isDirectory(const QString &rel) const; // a real directory, not following links
    bool isLink(const QString &rel) const; // symlink or flattened link
    // Entry names, sorted, without "." and "..". Empty when missing.
    QStringList list(const QString &rel) const;
    // One pass over a directory: every name (unsorted) and, sorted, the real subdirectories
    // (from d_type, so no stat per entry).
    struct Listing
    {
        QStringList names;
        QStringList directories;
    };
    Listing listing(const QString &rel) const;

    // The same reads relative to an open directory: one path lookup per attribute instead of
    // walking the whole (deep) path again. A scan does tens of thousands of these.
    class Dir
    {
    public:
        Dir(const SysfsReader &reader, const QString &rel);
        ~Dir();
        Dir(const Dir &) = delete;
        Dir &operator=(const Dir &) = delete;
        bool isOpen() const { return m_fd >= 0; }
        std::optional<QByteArray> readFile(const char *name, qsizetype maxBytes = 4096) const;
        std::optional<QString> readLine(const char *name) const;
        std::optional<qint64> readInt(const char *name, int base = 10) const;
        std::optional<QString> readLink(const char *name) const;
        std::optional<QString> linkName(const char *name) const;

    private:
        int m_fd = -1;
    };

private:
    QByteArray path(const QString &rel) const;
    QString m_root;
    QByteArray m_rootBytes;
};

// Parses the kernel's list format ("0-3,8,10-11") into numbers; bounded to maxItems.
QList<int> parseCpuList(const QString &text, int maxItems = 65536);

} // namespace devtopo
