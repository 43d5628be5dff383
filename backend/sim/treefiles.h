#pragma once

// Small POSIX file helpers for writing sysfs-like trees fast (a scale tree has ~400k entries,
// too many for QFile/QDir overhead). The first failure is kept so callers check once at the end.

#include <QByteArray>
#include <QString>

namespace devtopo::sim {

class TreeFiles
{
public:
    explicit TreeFiles(const QString &root);

    // Paths are relative to the root, '/'-separated.
    void mkdir(const QByteArray &rel); // parent must exist; an existing directory is fine
    void mkpath(const QByteArray &rel); // creates missing parents
    void write(const QByteArray &rel, const QByteArray &data);
    void symlink(const QByteArray &target, const QByteArray &rel);

    bool ok() const { return m_error.isEmpty(); }
    QString error() const { return m_error; }
    QByteArray absolute(const QByteArray &rel) const { return m_root + '/' + rel; }

private:
    void fail(const char *what, const QByteArray &rel);
    QByteArray m_root;
    QString m_error;
};

// "../" repeated n times, as relative sysfs links climb.
QByteArray ups(int n);

} // namespace devtopo::sim
