#include "hostvalidation.h"

#include <cerrno>

using namespace Qt::StringLiterals;

namespace devtopo::host::validate {

HostResult address(const QString &text, const std::function<bool(const PciAddress &)> &exists, PciAddress *out)
{
    // Only the canonical form: it is used to build paths and sysfs writes, so nothing else gets in.
    const auto parsed = PciAddress::parse(text);
    if (!parsed || parsed->toString() != text)
        return HostResult::failure(EINVAL, u"\"%1\" is not a PCI address of the form DDDD:BB:DD.F"_s.arg(text.left(64)));
    if (!exists(*parsed))
        return HostResult::failure(ENODEV, u"no PCI device %1 on this host"_s.arg(text));
    if (out)
        *out = *parsed;
    return HostResult::success();
}

bool driverNameWellFormed(const QString &name)
{
    if (name.isEmpty() || name.size() > 64 || name == u"."_s || name == u".."_s)
        return false;
    for (QChar c : name) {
        const bool ok = (c >= u'a' && c <= u'z') || (c >= u'A' && c <= u'Z') || (c >= u'0' && c <= u'9') || c == u'_'
            || c == u'-' || c == u'.';
        if (!ok)
            return false;
    }
    return true;
}

HostResult driverName(const QString &name, const QStringList &knownDrivers)
{
    if (!driverNameWellFormed(name))
        return HostResult::failure(EINVAL, u"\"%1\" is not a driver name (letters, digits, '_', '-', '.')"_s.arg(
                                               name.left(64)));
    if (!knownDrivers.contains(name))
        return HostResult::failure(ENODEV, u"no driver \"%1\" is loaded or loadable on this host"_s.arg(name));
    return HostResult::success();
}

HostResult uuid(const QString &text, QUuid *out)
{
    const QUuid u = QUuid::fromString(text);
    // fromString also takes braces; the kernel takes exactly 36 characters, lower or upper case.
    if (text.size() != 36 || u.isNull() || u.toString(QUuid::WithoutBraces) != text.toLower())
        return HostResult::failure(EINVAL, u"\"%1\" is not a UUID of the form xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx"_s.arg(
                                               text.left(64)));
    if (out)
        *out = u;
    return HostResult::success();
}

HostResult dmaRange(quint64 iova, quint64 size, quint64 pageSize)
{
    const QString range = u"[0x%1, +0x%2)"_s.arg(iova, 0, 16).arg(size, 0, 16);
    if (size == 0)
        return HostResult::failure(EINVAL, u"DMA size must not be zero"_s);
    if (size > kMaxDmaSize)
        return HostResult::failure(EINVAL, u"DMA size 0x%1 is larger than the helper's limit of 0x%2"_s.arg(size, 0, 16).arg(
                                               kMaxDmaSize, 0, 16));
    if (iova + size < iova)
        return HostResult::failure(EINVAL, u"DMA range %1 wraps around the 64-bit address space"_s.arg(range));
    if (pageSize == 0 || (pageSize & (pageSize - 1)) != 0)
        return HostResult::failure(EINVAL, u"bad IOMMU page size 0x%1"_s.arg(pageSize, 0, 16));
    if ((iova | size) & (pageSize - 1))
        return HostResult::failure(EINVAL, u"DMA range %1 is not aligned to the IOMMU page size 0x%2"_s.arg(range).arg(
                                               pageSize, 0, 16));
    return HostResult::success();
}

HostResult vfCount(int n, int totalVfs, const PciAddress &pf)
{
    if (totalVfs < 0)
        return HostResult::failure(ENOENT, u"%1 is not an SR-IOV physical function"_s.arg(pf.toString()));
    if (n < 0 || n > totalVfs)
        return HostResult::failure(ERANGE, u"%1 VFs requested; %2 supports 0 to %3"_s.arg(n).arg(pf.toString()).arg(totalVfs));
    return HostResult::success();
}

HostResult groupNumber(int group)
{
    if (group < 0 || group > 0xfffff)
        return HostResult::failure(EINVAL, u"%1 is not an IOMMU group number"_s.arg(group));
    return HostResult::success();
}

} // namespace devtopo::host::validate
