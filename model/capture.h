#pragma once

#include <QString>

namespace devtopo {

// Copies the parts of a host's /sys that devtopo (and lspci -O sysfs.path=DEST/sys/bus/pci) read,
// keeping symlinks as symlinks, into a directory or, when dest ends in .tar/.tar.gz/.tgz/.tar.xz,
// a tarball. Like hwloc-gather-topology, so a user can send a machine's topology to someone.
struct CaptureResult
{
    bool ok = false;
    int files = 0;
    int links = 0;
    QString error;
};
CaptureResult captureHost(const QString &root, const QString &dest);

// Unpacks a tarball made by captureHost() (or any tar of a sysfs-like tree) into dir.
bool extractArchive(const QString &archive, const QString &dir, QString *error);
bool isArchivePath(const QString &path);

} // namespace devtopo
