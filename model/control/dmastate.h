#pragma once

// What the window knows of a VFIO group it opened through devtopo-helper (GroupInfo's answer), the
// dirty bitmap it read back, and the text forms the DMA panel shows. Plain values; parsing of the
// map form's fields lives here so it is tested without widgets.

#include <QByteArray>
#include <QList>
#include <QString>
#include <QStringList>

#include <optional>

namespace devtopo::control {

struct DmaRange
{
    quint64 start = 0;
    quint64 end = 0; // inclusive
    bool operator==(const DmaRange &) const = default;
};

struct DmaMap
{
    quint64 iova = 0;
    quint64 size = 0;
    bool operator==(const DmaMap &) const = default;
};

struct DmaGroupState
{
    int group = -1;
    quint32 handle = 0; // 0 = not open
    QList<DmaRange> iovaRanges;
    quint64 pageSizes = 0;
    int dmaAvail = -1;
    quint64 lockedBytes = 0;
    quint64 memlockLimit = 0; // ~0 = unlimited
    bool capIpcLock = false; // the helper runs as root: type1 skips the RLIMIT_MEMLOCK check
    bool dirtyTracking = false; // started
    QList<DmaMap> mappings;
    // DmaBackendInfo: "type1v2" (a container) or "iommufd" (an IOAS); whether dirty tracking can
    // run (type1: the container's migration capability; iommufd: a dirty-tracking HWPT), the IOAS
    // and HWPT ids (0 on type1; HWPT 0 = none), the members bound to the iommufd, and why "auto"
    // fell back to type1v2.
    QString backend = QStringLiteral("type1v2");
    bool dirtyTrackingSupported = false;
    quint32 ioasId = 0;
    quint32 hwptId = 0;
    QStringList boundDevices;
    QString backendNote;

    bool isOpen() const { return handle != 0; }
    bool isIommufd() const { return backend == QLatin1String("iommufd"); }
    bool unlimited() const { return memlockLimit == ~quint64(0); }
    quint64 smallestPageSize() const { return pageSizes ? (pageSizes & (~pageSizes + 1)) : 4096; }
    // GroupInfo's flattened pairs (start0, end0, ... / iova0, size0, ...); false if odd-sized.
    bool setFromFlat(const QList<qulonglong> &ranges, const QList<qulonglong> &maps);
};

struct DirtyBitmapData
{
    quint64 iova = 0;
    quint64 size = 0;
    quint64 pageSize = 0;
    QByteArray bits; // little-endian u64 words: bit n = page n
    int pages() const { return pageSize ? int(size / pageSize) : 0; }
    bool isDirty(int page) const;
    int dirtyPages() const;
};

namespace dma {

// "0x100000", "100000" (hex either way), "0x1_0000_0000"; nullopt + error otherwise.
std::optional<quint64> parseIova(const QString &text, QString *error);
// "2M", "2 MiB", "4k", "4096", "1 G", "0x200000"; binary units; nullopt + error otherwise.
std::optional<quint64> parseSize(const QString &text, QString *error);
// "4 KiB, 2 MiB, 1 GiB" from an iova_pgsizes bitmap.
QString pageSizesText(quint64 bitmap);
// "2 MiB of 64 MiB locked (3%)", "2 MiB locked; RLIMIT_MEMLOCK is unlimited", ...; on iommufd
// the figure is what this handle pinned (the kernel charges the user, which userspace cannot read).
QString memlockText(const DmaGroupState &s);
// The backend in words: "type1v2 container", "iommufd IOAS 5 with dirty-tracking HWPT 6", ...
QString backendText(const DmaGroupState &s);
// What dirty tracking means on this handle, and why it cannot run when it cannot.
QString dirtyTrackingText(const DmaGroupState &s);
// 0..1000 per mille of the limit, for a gauge; -1 when there is no limit to measure against.
int memlockPermille(const DmaGroupState &s);
// "EEXIST: ..." -> "EEXIST"; empty when the text does not start with an errno name.
QString errnoName(const QString &helperError);
// The plain sentence for the DMA form's errors the kernel gives: EEXIST, EINVAL, ENOMEM, ENOSPC,
// ENOENT (iommufd unmap), EOPNOTSUPP (no dirty-tracking HWPT), ENOTTY (type1 without dirty tracking).
QString explainDmaError(const QString &helperError);

} // namespace dma

} // namespace devtopo::control
