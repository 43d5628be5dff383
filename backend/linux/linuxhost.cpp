#include "linuxhost.h"

#include "deviceinuse.h"
#include "hostlogging.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QSaveFile>
#include <QSet>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/utsname.h>
#include <unistd.h>

using namespace Qt::StringLiterals;
using devtopo::host::HostResult;

namespace devtopo::linuxhost {

namespace {

QByteArray readAttr(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll().trimmed() : QByteArray();
}

// A sysfs write is one write() of the whole value; its errno is the kernel's answer.
int writeAttr(const QString &path, const QByteArray &data)
{
    const int fd = ::open(QFile::encodeName(path).constData(), O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return errno;
    const ssize_t n = ::write(fd, data.constData(), size_t(data.size()));
    const int err = n < 0 ? errno : (n != data.size() ? EIO : 0);
    ::close(fd);
    return err;
}

QString linkName(const QString &path)
{
    const QString target = QFileInfo(path).symLinkTarget();
    return target.isEmpty() ? QString() : QFileInfo(target).fileName();
}

} // namespace

LinuxHost::LinuxHost(LinuxHostPaths paths)
    : Host(std::make_unique<host::DriverRecords>(paths.recordsFile)), m_paths(std::move(paths)), m_write(writeAttr)
{
    if (m_paths.driverctlDir.isEmpty())
        m_paths.driverctlDir = sysPath(u"etc/driverctl.d"_s);
}

LinuxHost::~LinuxHost() = default;

QString LinuxHost::sysPath(const QString &rel) const
{
    return QDir::cleanPath(m_paths.root + u'/' + rel);
}

QString LinuxHost::devDir(const PciAddress &a) const
{
    return sysPath(u"sys/bus/pci/devices/"_s + a.toString());
}

HostResult LinuxHost::write(const QString &path, const QByteArray &data, const QString &change)
{
    const int err = m_write(path, data);
    if (err)
        return HostResult::failure(err, u"writing \"%1\" to %2: %3"_s.arg(QString::fromLatin1(data.trimmed()), path,
                                                                         QString::fromLocal8Bit(std::strerror(err))));
    return HostResult::success(change.isEmpty() ? QStringList() : QStringList{change});
}

bool LinuxHost::hasDevice(const PciAddress &a) const
{
    return QFileInfo::exists(devDir(a));
}

QString LinuxHost::driverOf(const PciAddress &a) const
{
    return linkName(devDir(a) + u"/driver"_s);
}

QString LinuxHost::driverOverrideOf(const PciAddress &a) const
{
    const QByteArray v = readAttr(devDir(a) + u"/driver_override"_s);
    return v == "(null)" ? QString() : QString::fromLatin1(v);
}

QStringList LinuxHost::knownDrivers() const
{
    QSet<QString> known;
    for (const QString &d : QDir(sysPath(u"sys/bus/pci/drivers"_s)).entryList(QDir::Dirs | QDir::NoDotAndDotDot))
        known.insert(d);
    // Loadable: the PCI modules in modules.alias. Their module name is the driver name except
    // for vfio_pci, whose driver is "vfio-pci".
    QString release = QString::fromLatin1(readAttr(sysPath(u"proc/sys/kernel/osrelease"_s)));
    if (release.isEmpty() && QDir::cleanPath(m_paths.root) == u"/"_s) {
        utsname u{};
        if (::uname(&u) == 0)
            release = QString::fromLatin1(u.release);
    }
    QFile alias(sysPath(u"lib/modules/"_s + release + u"/modules.alias"_s));
    if (!release.isEmpty() && alias.open(QIODevice::ReadOnly)) {
        while (!alias.atEnd()) {
            const QByteArray line = alias.readLine();
            if (!line.startsWith("alias pci:") && !line.startsWith("alias vfio_pci:"))
                continue;
            const QByteArray module = line.simplified().split(' ').value(2);
            known.insert(module == "vfio_pci" ? u"vfio-pci"_s : QString::fromLatin1(module));
        }
    }
    if (known.contains(u"vfio-pci"_s) || known.contains(u"vfio_pci"_s))
        known.insert(u"vfio-pci"_s);
    QStringList out(known.cbegin(), known.cend());
    out.sort();
    return out;
}

int LinuxHost::iommuGroupOf(const PciAddress &a) const
{
    bool ok = false;
    const int g = linkName(devDir(a) + u"/iommu_group"_s).toInt(&ok);
    return ok ? g : -1;
}

QList<PciAddress> LinuxHost::groupDevices(int group) const
{
    QList<PciAddress> out;
    if (group < 0)
        return out;
    const QDir dir(sysPath(u"sys/kernel/iommu_groups/%1/devices"_s.arg(group)));
    for (const QString &name : dir.entryList(QDir::AllEntries | QDir::System | QDir::NoDotAndDotDot, QDir::Name)) {
        if (const auto a = PciAddress::parse(name))
            out << *a;
    }
    return out;
}

bool LinuxHost::isBridgeDevice(const PciAddress &a) const
{
    const quint32 cls = readAttr(devDir(a) + u"/class"_s).toUInt(nullptr, 16) >> 8;
    return cls == 0x0604 || cls == 0x0609;
}

int LinuxHost::totalVfs(const PciAddress &a) const
{
    bool ok = false;
    const int n = readAttr(devDir(a) + u"/sriov_totalvfs"_s).toInt(&ok);
    return ok ? n : -1;
}

int LinuxHost::numVfs(const PciAddress &a) const
{
    return readAttr(devDir(a) + u"/sriov_numvfs"_s).toInt();
}

QList<PciAddress> LinuxHost::vfsOf(const PciAddress &pf) const
{
    QList<PciAddress> out;
    const QString dir = devDir(pf);
    for (int i = 0;; ++i) {
        const QString vf = linkName(dir + u"/virtfn%1"_s.arg(i));
        const auto a = PciAddress::parse(vf);
        if (!a)
            break;
        out << *a;
    }
    return out;
}

QStringList LinuxHost::resetMethods(const PciAddress &a) const
{
    const QString dir = devDir(a);
    if (!QFileInfo::exists(dir + u"/reset"_s))
        return {};
    const QByteArray methods = readAttr(dir + u"/reset_method"_s);
    if (methods.isEmpty())
        return QFileInfo::exists(dir + u"/reset_method"_s) ? QStringList() : QStringList{u"default"_s};
    return QString::fromLatin1(methods).split(u' ', Qt::SkipEmptyParts);
}

QString LinuxHost::inUseReason(const PciAddress &a) const
{
    InUseSources src;
    src.root = m_paths.root;
    return deviceInUseReasons(a, src).join(u"; "_s);
}

QString LinuxHost::persistedOverride(const PciAddress &a) const
{
    return QString::fromLatin1(readAttr(m_paths.driverctlDir + u"/pci-"_s + a.toString()));
}

HostResult LinuxHost::loadDriver(const QString &driver)
{
    if (QFileInfo::exists(sysPath(u"sys/bus/pci/drivers/"_s + driver)))
        return HostResult::success();
    if (QDir::cleanPath(m_paths.root) != u"/"_s)
        return HostResult::failure(ENOENT, u"driver %1 is not loaded under %2 (modules are only loaded on the live host)"_s.arg(
                                               driver, m_paths.root));
    // The name passed validation (known, no path or shell characters); "--" ends modprobe's options.
    QProcess modprobe;
    modprobe.start(u"/sbin/modprobe"_s, {u"-q"_s, u"--"_s, driver});
    if (!modprobe.waitForFinished(60000) || modprobe.exitCode() != 0
        || !QFileInfo::exists(sysPath(u"sys/bus/pci/drivers/"_s + driver)))
        return HostResult::failure(ENOENT, u"modprobe %1 failed: %2"_s.arg(driver, QString::fromLocal8Bit(modprobe.readAllStandardError()).trimmed()));
    return HostResult::success({u"load module %1"_s.arg(driver)});
}

HostResult LinuxHost::writeDriverOverride(const PciAddress &a, const QString &driver)
{
    // An empty write clears the override ("\n" is stripped by the kernel).
    return write(devDir(a) + u"/driver_override"_s, driver.toLatin1() + '\n', {});
}

HostResult LinuxHost::writeUnbind(const PciAddress &a)
{
    const QString driver = driverOf(a);
    if (driver.isEmpty())
        return HostResult::success();
    return write(sysPath(u"sys/bus/pci/drivers/"_s + driver + u"/unbind"_s), a.toString().toLatin1(), {});
}

HostResult LinuxHost::writeDriversProbe(const PciAddress &a)
{
    return write(sysPath(u"sys/bus/pci/drivers_probe"_s), a.toString().toLatin1(), {});
}

HostResult LinuxHost::writeNumVfs(const PciAddress &pf, int numVfs)
{
    return write(devDir(pf) + u"/sriov_numvfs"_s, QByteArray::number(numVfs), {});
}

HostResult LinuxHost::writeDriversAutoprobe(const PciAddress &pf, bool on)
{
    return write(devDir(pf) + u"/sriov_drivers_autoprobe"_s, on ? "1" : "0",
                 u"set sriov_drivers_autoprobe of %1 to %2"_s.arg(pf.toString()).arg(on ? 1 : 0));
}

HostResult LinuxHost::writeReset(const PciAddress &a)
{
    return write(devDir(a) + u"/reset"_s, "1",
                 u"reset %1 (%2)"_s.arg(a.toString(), resetMethods(a).join(u' ')));
}

HostResult LinuxHost::writePersistedOverride(const PciAddress &a, const QString &driver)
{
    // driverctl's own format: /etc/driverctl.d/<bus>-<device> holding the driver name.
    const QString file = m_paths.driverctlDir + u"/pci-"_s + a.toString();
    if (driver.isEmpty()) {
        if (!QFile::remove(file))
            return HostResult::failure(EIO, u"cannot remove %1"_s.arg(file));
        return HostResult::success({u"remove %1"_s.arg(file)});
    }
    QDir().mkpath(m_paths.driverctlDir);
    QSaveFile f(file);
    if (!f.open(QIODevice::WriteOnly) || f.write(driver.toLatin1() + '\n') < 0 || !f.commit())
        return HostResult::failure(EIO, u"cannot write %1: %2"_s.arg(file, f.errorString()));
    return HostResult::success({u"write %1 (%2)"_s.arg(file, driver)});
}

VfioContainer *LinuxHost::containerFor(int group, std::unique_ptr<VfioContainer> *temp, HostResult *err)
{
    for (const auto &c : std::as_const(m_containers)) {
        if (c->group() == group)
            return c.get();
    }
    int e = 0;
    QString why;
    *temp = VfioContainer::open(m_paths.vfioDir, group, &e, &why);
    if (!*temp)
        *err = HostResult::failure(e, why);
    return temp->get();
}

HostResult LinuxHost::vfioSetVfToken(const PciAddress &pf, const QUuid &token)
{
    std::unique_ptr<VfioContainer> temp;
    HostResult r;
    VfioContainer *c = containerFor(iommuGroupOf(pf), &temp, &r);
    if (!c)
        return r;
    QString why;
    if (const int e = c->setVfToken(pf.toString(), token, &why))
        return HostResult::failure(e, why);
    return HostResult::success({u"set the VF token of %1"_s.arg(pf.toString())});
}

HostResult LinuxHost::vfioOpenDevice(const PciAddress &a, const QUuid &token)
{
    std::unique_ptr<VfioContainer> temp;
    HostResult r;
    VfioContainer *c = containerFor(iommuGroupOf(a), &temp, &r);
    if (!c)
        return r;
    QString why;
    if (const int e = c->openDevice(a.toString(), token, &why))
        return HostResult::failure(e, why);
    return HostResult::success({token.isNull() ? u"opened %1"_s.arg(a.toString()) : u"opened %1 with vf_token"_s.arg(a.toString())});
}

HostResult LinuxHost::vfioOpenGroup(quint32 handle, int group)
{
    int e = 0;
    QString why;
    std::unique_ptr<VfioContainer> c = VfioContainer::open(m_paths.vfioDir, group, &e, &why);
    if (!c)
        return HostResult::failure(e, why);
    m_containers.insert(handle, std::shared_ptr<VfioContainer>(std::move(c)));
    return HostResult::success({u"open IOMMU group %1 in a type1v2 container (handle %2)"_s.arg(group).arg(handle)});
}

IommufdPaths LinuxHost::iommufdPaths() const
{
    return {m_paths.root, m_paths.iommuDev, m_paths.vfioDir + u"/devices"_s};
}

HostResult LinuxHost::iommufdAvailable(int group) const
{
    QString why;
    if (const int e = IommufdIoas::available(iommufdPaths(), group, groupMemberNames(group), &why))
        return HostResult::failure(e, why);
    return HostResult::success();
}

HostResult LinuxHost::iommufdOpenGroup(quint32 handle, int group)
{
    int e = 0;
    QString why;
    std::unique_ptr<IommufdIoas> s = IommufdIoas::open(iommufdPaths(), group, groupMemberNames(group), &e, &why);
    if (!s)
        return HostResult::failure(e, why);
    const QString change = u"open IOMMU group %1 on iommufd: bind %2, IOAS %3%4 (handle %5)"_s.arg(group)
                               .arg(s->devices().join(u", "_s))
                               .arg(s->ioasId())
                               .arg(s->hwptId() ? u", dirty-tracking HWPT %1"_s.arg(s->hwptId()) : u", no dirty tracking (IOMMU without it)"_s)
                               .arg(handle);
    m_ioas.insert(handle, std::shared_ptr<IommufdIoas>(std::move(s)));
    return HostResult::success({change});
}

HostResult LinuxHost::vfioGroupInfo(quint32 handle, host::VfioGroupInfo *info)
{
    if (const auto s = m_ioas.value(handle)) {
        host::VfioGroupInfo tmp;
        QString why;
        if (const int e = s->info(info ? info : &tmp, &why))
            return HostResult::failure(e, why);
        return HostResult::success();
    }
    const auto c = m_containers.value(handle);
    if (!c)
        return HostResult::failure(EBADF, u"no container for handle %1"_s.arg(handle));
    host::VfioGroupInfo tmp;
    QString why;
    if (const int e = c->info(info ? info : &tmp, &why))
        return HostResult::failure(e, why);
    return HostResult::success();
}

HostResult LinuxHost::vfioMapDma(quint32 handle, quint64 iova, quint64 size, bool hugePages)
{
    const auto s = m_ioas.value(handle);
    const auto c = m_containers.value(handle);
    QString why;
    if (const int e = s ? s->mapDma(iova, size, hugePages, &why) : c->mapDma(iova, size, hugePages, &why))
        return HostResult::failure(e, why);
    return HostResult::success({u"map 0x%1 bytes at IOVA 0x%2%3"_s.arg(size, 0, 16).arg(iova, 0, 16).arg(hugePages ? u" (huge pages)"_s : QString())});
}

HostResult LinuxHost::vfioUnmapDma(quint32 handle, quint64 iova, quint64 size, quint64 *unmapped)
{
    const auto s = m_ioas.value(handle);
    const auto c = m_containers.value(handle);
    QString why;
    quint64 n = 0;
    if (const int e = s ? s->unmapDma(iova, size, &n, &why) : c->unmapDma(iova, size, &n, &why))
        return HostResult::failure(e, why);
    if (unmapped)
        *unmapped = n;
    return HostResult::success({u"unmap 0x%1 bytes from [0x%2, +0x%3)"_s.arg(n, 0, 16).arg(iova, 0, 16).arg(size, 0, 16)});
}

HostResult LinuxHost::vfioDirty(quint32 handle, bool start)
{
    const auto s = m_ioas.value(handle);
    const auto c = m_containers.value(handle);
    QString why;
    if (const int e = s ? s->setDirtyTracking(start, &why) : c->setDirtyTracking(start, &why))
        return HostResult::failure(e, why);
    return HostResult::success({start ? u"start dirty tracking"_s : u"stop dirty tracking"_s});
}

HostResult LinuxHost::vfioDirtyBitmap(quint32 handle, quint64 iova, quint64 size, quint64 pageSize, host::DirtyBitmap *bitmap)
{
    const auto s = m_ioas.value(handle);
    const auto c = m_containers.value(handle);
    QString why;
    QByteArray bits;
    if (const int e = s ? s->dirtyBitmap(iova, size, pageSize, &bits, &why) : c->dirtyBitmap(iova, size, pageSize, &bits, &why))
        return HostResult::failure(e, why);
    if (bitmap)
        *bitmap = {iova, size, pageSize, bits};
    return HostResult::success();
}

void LinuxHost::vfioCloseGroup(quint32 handle)
{
    m_ioas.remove(handle);
    m_containers.remove(handle);
}

} // namespace devtopo::linuxhost

namespace devtopo::linuxhost {

namespace {

HostResult fromErr(int err, const QString &why, const QString &change = {})
{
    if (err)
        return HostResult::failure(err, why);
    return HostResult::success(change.isEmpty() ? QStringList() : QStringList{change});
}

} // namespace

QStringList LinuxHost::groupMemberNames(int group) const
{
    if (group < 0)
        return {};
    QStringList names = QDir(sysPath(u"sys/kernel/iommu_groups/%1/devices"_s.arg(group))).entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::System);
    names.sort();
    return names;
}

int LinuxHost::kernelSetState(quint32 deviceHandle, quint32 state, QString *why)
{
    const auto d = m_migDevices.value(deviceHandle);
    if (!d) {
        *why = u"no open device with handle %1"_s.arg(deviceHandle);
        return EBADF;
    }
    return d->setState(state, why);
}

int LinuxHost::kernelWriteData(quint32 deviceHandle, const QByteArray &data, QString *why)
{
    const auto d = m_migDevices.value(deviceHandle);
    if (!d) {
        *why = u"no open device with handle %1"_s.arg(deviceHandle);
        return EBADF;
    }
    return d->writeData(data, why);
}

HostResult LinuxHost::vfioMigOpen(quint32 handle, quint32 groupHandle, const QString &device)
{
    const auto c = m_containers.value(groupHandle);
    if (!c)
        return HostResult::failure(EBADF, u"no container for group handle %1"_s.arg(groupHandle));
    int err = 0;
    QString why;
    std::unique_ptr<VfioMigDevice> d = VfioMigDevice::open(*c, device, &err, &why);
    if (!d)
        return HostResult::failure(err, why);
    m_migDevices.insert(handle, std::shared_ptr<VfioMigDevice>(std::move(d)));
    return HostResult::success();
}

void LinuxHost::vfioMigClose(quint32 handle)
{
    m_migDevices.remove(handle);
}

HostResult LinuxHost::vfioMigIds(quint32 handle, quint16 *vendor, quint16 *device)
{
    QString why;
    const int e = m_migDevices.value(handle)->ids(vendor, device, &why);
    return fromErr(e, why);
}

HostResult LinuxHost::vfioMigFlags(quint32 handle, quint64 *flags)
{
    QString why;
    const int e = m_migDevices.value(handle)->migrationFlags(flags, &why);
    return fromErr(e, why);
}

HostResult LinuxHost::vfioMigGetState(quint32 handle, quint32 *state)
{
    QString why;
    const int e = m_migDevices.value(handle)->state(state, &why);
    return fromErr(e, why);
}

HostResult LinuxHost::vfioMigSetState(quint32 handle, quint32 state)
{
    QString why;
    const int e = m_migDevices.value(handle)->setState(state, &why);
    return fromErr(e, why);
}

HostResult LinuxHost::vfioMigPrecopyInfo(quint32 handle, host::PrecopyInfo *info)
{
    QString why;
    const int e = m_migDevices.value(handle)->precopyInfo(info, &why);
    return fromErr(e, why);
}

HostResult LinuxHost::vfioMigRead(quint32 handle, quint64 maxBytes, QByteArray *data, bool *end)
{
    QString why;
    const int e = m_migDevices.value(handle)->readData(maxBytes, data, end, &why);
    return fromErr(e, why);
}

HostResult LinuxHost::vfioMigWrite(quint32 handle, const QByteArray &data)
{
    QString why;
    const int e = m_migDevices.value(handle)->writeData(data, &why);
    return fromErr(e, why);
}

HostResult LinuxHost::vfioMigDataSize(quint32 handle, quint64 *bytes)
{
    QString why;
    const int e = m_migDevices.value(handle)->dataSize(bytes, &why);
    return fromErr(e, why);
}

HostResult LinuxHost::vfioDeviceReset(quint32 handle)
{
    QString why;
    const int e = m_migDevices.value(handle)->reset(&why);
    return fromErr(e, why);
}

HostResult LinuxHost::vfioDmaLoggingProbe(quint32 handle)
{
    QString why;
    const int e = m_migDevices.value(handle)->dmaLoggingProbe(&why);
    return fromErr(e, why);
}

HostResult LinuxHost::vfioDmaLoggingStart(quint32 handle, const QList<host::DmaLogRange> &ranges, quint64 pageSize)
{
    QString why;
    const int e = m_migDevices.value(handle)->dmaLoggingStart(ranges, pageSize, &why);
    return fromErr(e, why);
}

HostResult LinuxHost::vfioDmaLoggingReport(quint32 handle, quint64 iova, quint64 length, quint64 pageSize, QByteArray *bits)
{
    QString why;
    const int e = m_migDevices.value(handle)->dmaLoggingReport(iova, length, pageSize, bits, &why);
    return fromErr(e, why);
}

HostResult LinuxHost::vfioDmaLoggingStop(quint32 handle)
{
    QString why;
    const int e = m_migDevices.value(handle)->dmaLoggingStop(&why);
    return fromErr(e, why);
}

} // namespace devtopo::linuxhost
