#include "dmastate.h"

#include "models/format.h"

#include <QRegularExpression>

#include <bit>

using namespace Qt::StringLiterals;

namespace devtopo::control {

bool DmaGroupState::setFromFlat(const QList<qulonglong> &ranges, const QList<qulonglong> &maps)
{
    if (ranges.size() % 2 || maps.size() % 2)
        return false;
    iovaRanges.clear();
    mappings.clear();
    for (qsizetype i = 0; i + 1 < ranges.size(); i += 2)
        iovaRanges << DmaRange{ranges[i], ranges[i + 1]};
    for (qsizetype i = 0; i + 1 < maps.size(); i += 2)
        mappings << DmaMap{maps[i], maps[i + 1]};
    return true;
}

bool DirtyBitmapData::isDirty(int page) const
{
    if (page < 0 || page >= pages())
        return false;
    const int byte = page / 8; // little-endian u64 words: byte order equals bit order
    return byte < bits.size() && (quint8(bits.at(byte)) >> (page % 8)) & 1;
}

int DirtyBitmapData::dirtyPages() const
{
    int n = 0;
    for (int p = 0; p < pages(); ++p)
        n += isDirty(p);
    return n;
}

namespace dma {

std::optional<quint64> parseIova(const QString &text, QString *error)
{
    QString t = text.trimmed().remove(u'_');
    if (t.startsWith(u"0x"_s, Qt::CaseInsensitive))
        t = t.mid(2);
    bool ok = false;
    const quint64 v = t.toULongLong(&ok, 16);
    if (t.isEmpty() || !ok) {
        if (error)
            *error = u"IOVA \"%1\" is not a hexadecimal address (e.g. 0x100000)"_s.arg(text.trimmed());
        return std::nullopt;
    }
    return v;
}

std::optional<quint64> parseSize(const QString &text, QString *error)
{
    static const QRegularExpression re(u"^\\s*(0x[0-9a-fA-F]+|[0-9]+(?:\\.[0-9]+)?)\\s*([kKmMgGtT]?)(?:i?[bB])?\\s*$"_s);
    const QRegularExpressionMatch m = re.match(text);
    auto fail = [&] {
        if (error)
            *error = u"size \"%1\" is not a size (e.g. 2M, 4 KiB, 4096)"_s.arg(text.trimmed());
        return std::optional<quint64>();
    };
    if (!m.hasMatch())
        return fail();
    const QString num = m.captured(1);
    const QChar unit = m.captured(2).isEmpty() ? QChar() : m.captured(2).at(0).toUpper();
    int shift = 0;
    if (unit == u'K')
        shift = 10;
    else if (unit == u'M')
        shift = 20;
    else if (unit == u'G')
        shift = 30;
    else if (unit == u'T')
        shift = 40;
    bool ok = false;
    if (num.startsWith(u"0x"_s)) {
        const quint64 v = num.mid(2).toULongLong(&ok, 16);
        if (!ok || (shift && v > (~quint64(0) >> shift)))
            return fail();
        return v << shift;
    }
    const double v = num.toDouble(&ok);
    const double bytes = v * double(quint64(1) << shift);
    if (!ok || bytes >= 18446744073709551615.0 || bytes != double(quint64(bytes)))
        return fail(); // fractions of a byte ("1.5" bytes, "0.3k") are not sizes
    return quint64(bytes);
}

QString pageSizesText(quint64 bitmap)
{
    QStringList out;
    for (int bit = 0; bit < 64; ++bit)
        if (bitmap & (quint64(1) << bit))
            out << fmt::byteSize(quint64(1) << bit);
    return out.isEmpty() ? u"unknown"_s : out.join(u", "_s);
}

QString memlockText(const DmaGroupState &s)
{
    const QString locked = fmt::byteSize(s.lockedBytes);
    if (s.isIommufd()) {
        // iommufd charges user_struct->locked_vm, which no file shows: the helper counts what
        // this handle pinned; the user's other pinned memory counts against the same limit.
        const QString pinned = u"%1 pinned by this handle (iommufd charges the user; this is what this handle pinned)"_s.arg(locked);
        if (s.capIpcLock)
            return u"%1; the helper has CAP_IPC_LOCK, so no limit applies"_s.arg(pinned);
        if (s.unlimited())
            return u"%1; RLIMIT_MEMLOCK is unlimited"_s.arg(pinned);
        if (s.memlockLimit == 0)
            return u"%1; RLIMIT_MEMLOCK is 0: nothing can be mapped"_s.arg(pinned);
        return u"%1 of %2 RLIMIT_MEMLOCK (%3%) pinned by this handle; iommufd charges the user, so the user's other pinned memory counts too"_s
            .arg(locked, fmt::byteSize(s.memlockLimit)).arg(memlockPermille(s) / 10);
    }
    if (s.capIpcLock)
        return u"%1 locked; the helper has CAP_IPC_LOCK, which bypasses RLIMIT_MEMLOCK"_s.arg(locked);
    if (s.unlimited())
        return u"%1 locked; RLIMIT_MEMLOCK is unlimited"_s.arg(locked);
    if (s.memlockLimit == 0)
        return u"%1 locked; RLIMIT_MEMLOCK is 0: nothing can be mapped"_s.arg(locked);
    return u"%1 of %2 locked (%3%)"_s.arg(locked, fmt::byteSize(s.memlockLimit)).arg(memlockPermille(s) / 10);
}

int memlockPermille(const DmaGroupState &s)
{
    if (s.capIpcLock || s.unlimited() || s.memlockLimit == 0)
        return -1;
    return int(std::min<quint64>(1000, quint64(double(s.lockedBytes) * 1000.0 / double(s.memlockLimit))));
}

QString errnoName(const QString &helperError)
{
    static const QRegularExpression re(u"^(E[A-Z0-9]+):"_s);
    const QRegularExpressionMatch m = re.match(helperError);
    return m.hasMatch() ? m.captured(1) : QString();
}

QString explainDmaError(const QString &helperError)
{
    const QString e = errnoName(helperError);
    if (e == u"EEXIST"_s)
        return u"That range overlaps a mapping that is already there (EEXIST): unmap it first or pick another IOVA."_s;
    if (e == u"EINVAL"_s)
        return u"The kernel refused the range (EINVAL): it is unaligned, or not inside the group's usable IOVA ranges."_s;
    if (e == u"ENOMEM"_s)
        return u"Not enough locked memory allowed (ENOMEM): the mapping would exceed RLIMIT_MEMLOCK."_s;
    if (e == u"ENOSPC"_s)
        return u"No DMA entries left in the container (ENOSPC)."_s;
    if (e == u"ENOENT"_s)
        return u"Nothing was unmapped (ENOENT): iommufd unmaps whole mappings only, and this range would split one or holds none. Unmap the whole mapping."_s;
    if (e == u"EOPNOTSUPP"_s)
        return u"This IOMMU cannot track dirty pages (EOPNOTSUPP): the group is on iommufd, but its IOMMU has no hardware dirty tracking, so there is no dirty-tracking HWPT. Mapping works; for dirty pages open the group on type1v2, which tracks them in software."_s;
    if (e == u"ENOTTY"_s)
        return u"This container cannot track dirty pages (ENOTTY): the kernel's type1 has no migration capability here."_s;
    return {};
}

QString backendText(const DmaGroupState &s)
{
    if (!s.isIommufd())
        return u"type1v2 container (legacy VFIO)"_s;
    if (s.hwptId)
        return u"iommufd IOAS %1, dirty-tracking HWPT %2"_s.arg(s.ioasId).arg(s.hwptId);
    return u"iommufd IOAS %1, no dirty-tracking HWPT"_s.arg(s.ioasId);
}

QString dirtyTrackingText(const DmaGroupState &s)
{
    if (!s.isIommufd())
        return s.dirtyTrackingSupported
            ? u"type1 tracks dirty pages in software: once started, every pinned page counts as dirty until read."_s
            : u"This container has no type1 dirty tracking (no migration capability): Start would be refused (ENOTTY)."_s;
    if (s.dirtyTrackingSupported)
        return u"Hardware dirty tracking: the IOMMU sets dirty bits in HWPT %1; a read returns the pages written since the last read and clears them."_s.arg(s.hwptId);
    return u"No hardware dirty tracking: this group's IOMMU cannot track dirty pages, so there is no dirty-tracking HWPT and the kernel refuses Start (EOPNOTSUPP). Mapping works; open the group on type1v2 for software tracking."_s;
}

} // namespace dma

} // namespace devtopo::control
