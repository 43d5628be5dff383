#include "simulatedhost.h"

#include "analysis.h"
#include "hostlogging.h"
#include "scenario.h"
#include "sysfswriter.h"

#include <QDir>
#include <QFile>
#include <QSet>

#include <cerrno>

using namespace Qt::StringLiterals;

namespace devtopo::host {

SimulatedHost::SimulatedHost(sim::SimHost simHost, QString treeDir)
    : Host(std::make_unique<DriverRecords>()), m_host(std::move(simHost)), m_treeDir(std::move(treeDir))
{
    m_host.reindex();
    for (const sim::SimFunction &f : std::as_const(m_host.functions)) {
        if (!isVfioDriver(f.driver))
            m_native.insert(f.address, f.driver);
    }
    QSet<QString> loaded(m_host.loadedDrivers.cbegin(), m_host.loadedDrivers.cend());
    for (const sim::SimFunction &f : std::as_const(m_host.functions)) {
        if (!f.driver.isEmpty())
            loaded.insert(f.driver);
    }
    m_loaded = QStringList(loaded.cbegin(), loaded.cend());
    m_loaded.sort();
    if (m_treeDir.isEmpty()) {
        m_ownTree = std::make_unique<QTemporaryDir>(QDir::tempPath() + u"/devtopo-simhost-XXXXXX"_s);
        m_treeDir = m_ownTree->path();
    }
    QDir().mkpath(m_treeDir);
}

SimulatedHost::~SimulatedHost() = default;

std::unique_ptr<SimulatedHost> SimulatedHost::demo(QString treeDir, QString *error)
{
    QString why;
    sim::SimHost simHost = sim::defaultDemoHost(&why);
    if (!why.isEmpty()) {
        if (error)
            *error = why;
        return {};
    }
    simHost.vfioEnableSriov = true;
    auto host = std::make_unique<SimulatedHost>(std::move(simHost), std::move(treeDir));
    // The simulated host's own devices that must not be taken away casually.
    bool display = false, disk = false, nic = false;
    for (const sim::SimFunction &f : std::as_const(host->m_host.functions)) {
        const quint32 cls = f.classCode >> 8;
        if (!display && cls == 0x0300 && f.driver == u"ast"_s) {
            host->setInUse(f.address, u"it drives the boot display (boot_vga=1)"_s);
            display = true;
        } else if (!disk && cls == 0x0108 && !f.isVf()) {
            host->setInUse(f.address, u"nvme0n1p2 is mounted on / (simulated)"_s);
            disk = true;
        } else if (!nic && cls == 0x0200 && !f.isVf() && f.driver == u"r8169"_s) {
            host->setInUse(f.address, u"interface eno1 is up with 192.0.2.10/24 and the default route (simulated)"_s);
            nic = true;
        }
    }
    return host;
}

void SimulatedHost::setInUse(const PciAddress &a, const QString &reason)
{
    if (reason.isEmpty())
        m_inUse.remove(a);
    else
        m_inUse.insert(a, reason);
}

void SimulatedHost::publish() const
{
    if (!m_dirty)
        return;
    const QString name = u"gen-%1"_s.arg(++m_generation);
    const QString dir = m_treeDir + u'/' + name;
    QDir(dir).removeRecursively();
    QString why;
    if (!sim::writeSysfsTree(m_host, dir, &why)) {
        m_treeError = why;
        qCWarning(lcHost).noquote() << "cannot publish the demo host:" << why;
        return;
    }
    // Flip "current" atomically: a scanner sees the old tree or the new one, never a mix.
    const QString tmpLink = m_treeDir + u"/current.new"_s;
    QFile::remove(tmpLink);
    QFile::link(name, tmpLink);
    if (::rename(QFile::encodeName(tmpLink).constData(), QFile::encodeName(m_treeDir + u"/current"_s).constData()) != 0) {
        m_treeError = u"cannot switch %1/current"_s.arg(m_treeDir);
        return;
    }
    if (m_generation > 2) // keep the previous one for a scan still reading it
        QDir(m_treeDir + u"/gen-%1"_s.arg(m_generation - 2)).removeRecursively();
    m_treeError.clear();
    m_dirty = false;
}

QString SimulatedHost::scanRoot() const
{
    publish();
    return m_treeDir + u"/current"_s;
}

bool SimulatedHost::hasDevice(const PciAddress &a) const
{
    return m_host.function(a) != nullptr;
}

QString SimulatedHost::driverOf(const PciAddress &a) const
{
    const sim::SimFunction *f = m_host.function(a);
    return f ? f->driver : QString();
}

QString SimulatedHost::driverOverrideOf(const PciAddress &a) const
{
    const sim::SimFunction *f = m_host.function(a);
    return f ? f->driverOverride : QString();
}

QStringList SimulatedHost::knownDrivers() const
{
    // Loaded ones plus what the simulated modules.alias offers (vfio-pci, variant drivers, pci-stub).
    QSet<QString> known(m_loaded.cbegin(), m_loaded.cend());
    known << u"vfio-pci"_s << u"pci-stub"_s;
    for (const QString &n : std::as_const(m_native)) {
        if (!n.isEmpty())
            known.insert(n);
    }
    const QList<QByteArray> lines = sim::modulesAliasText(m_host).split('\n');
    for (const QByteArray &line : lines) {
        const QList<QByteArray> parts = line.simplified().split(' ');
        if (parts.size() == 3 && parts[1].startsWith("vfio_pci:") && parts[2] != "vfio_pci")
            known.insert(QString::fromLatin1(parts[2]));
    }
    QStringList out(known.cbegin(), known.cend());
    out.sort();
    return out;
}

int SimulatedHost::iommuGroupOf(const PciAddress &a) const
{
    const sim::SimFunction *f = m_host.function(a);
    return f ? f->iommuGroup : -1;
}

QList<PciAddress> SimulatedHost::groupDevices(int group) const
{
    QList<PciAddress> out;
    if (group < 0)
        return out;
    for (const sim::SimFunction &f : m_host.functions) {
        if (f.iommuGroup == group)
            out << f.address;
    }
    return out;
}

bool SimulatedHost::isBridgeDevice(const PciAddress &a) const
{
    const sim::SimFunction *f = m_host.function(a);
    return f && f->isBridge();
}

int SimulatedHost::totalVfs(const PciAddress &a) const
{
    const sim::SimFunction *f = m_host.function(a);
    return f && f->sriov.capable && !f->isVf() ? f->sriov.totalVfs : -1;
}

int SimulatedHost::numVfs(const PciAddress &a) const
{
    const sim::SimFunction *f = m_host.function(a);
    return f ? f->sriov.numVfs : 0;
}

QList<PciAddress> SimulatedHost::vfsOf(const PciAddress &pf) const
{
    return m_host.vfsOf(pf);
}

QStringList SimulatedHost::resetMethods(const PciAddress &a) const
{
    const sim::SimFunction *f = m_host.function(a);
    return f ? f->resetMethods : QStringList();
}

QString SimulatedHost::inUseReason(const PciAddress &a) const
{
    return m_inUse.value(a);
}

QString SimulatedHost::persistedOverride(const PciAddress &a) const
{
    return m_persisted.value(a);
}

QString SimulatedHost::nativeDriver(const PciAddress &a) const
{
    if (m_native.contains(a))
        return m_native.value(a);
    const sim::SimFunction *f = m_host.function(a);
    if (f && f->physfn) {
        if (const sim::SimFunction *pf = m_host.function(*f->physfn))
            return pf->sriov.vfDriver;
    }
    return {};
}

HostResult SimulatedHost::loadDriver(const QString &driver)
{
    if (m_loaded.contains(driver))
        return HostResult::success();
    if (!knownDrivers().contains(driver))
        return HostResult::failure(ENOENT, u"modprobe: FATAL: Module %1 not found"_s.arg(driver));
    m_loaded << driver;
    m_dirty = true;
    return HostResult::success({u"load module %1"_s.arg(driver)});
}

HostResult SimulatedHost::writeDriverOverride(const PciAddress &a, const QString &driver)
{
    m_dirty = true;
    return HostResult::fromSimError(m_host.setDriverOverride(a, driver), {});
}

HostResult SimulatedHost::writeUnbind(const PciAddress &a)
{
    m_dirty = true;
    m_vfio.forgetDevice(a);
    return HostResult::fromSimError(m_host.setDriver(a, {}), {});
}

HostResult SimulatedHost::writeDriversProbe(const PciAddress &a)
{
    const sim::SimFunction *f = m_host.function(a);
    if (!f)
        return HostResult::failure(ENODEV, u"no device %1"_s.arg(a.toString()));
    if (!f->driver.isEmpty())
        return HostResult::success(); // bus_rescan_devices_helper() attaches unbound devices only
    // With an override only that driver may match (and must be loaded); else the native one.
    const QString candidate = f->driverOverride.isEmpty() ? nativeDriver(a) : f->driverOverride;
    if (candidate.isEmpty() || !m_loaded.contains(candidate))
        return HostResult::success(); // the write succeeds; the device just stays unbound
    m_dirty = true;
    return HostResult::fromSimError(m_host.setDriver(a, candidate), {});
}

HostResult SimulatedHost::writeNumVfs(const PciAddress &pf, int numVfs)
{
    m_dirty = true;
    return HostResult::fromSimError(m_host.setNumVfs(pf, numVfs), {});
}

HostResult SimulatedHost::writeDriversAutoprobe(const PciAddress &pf, bool on)
{
    m_dirty = true;
    return HostResult::fromSimError(m_host.setDriversAutoprobe(pf, on),
                                    u"set sriov_drivers_autoprobe of %1 to %2"_s.arg(pf.toString()).arg(on ? 1 : 0));
}

HostResult SimulatedHost::writeReset(const PciAddress &a)
{
    return HostResult::success({u"reset %1 (%2)"_s.arg(a.toString(), resetMethods(a).value(0))});
}

HostResult SimulatedHost::writePersistedOverride(const PciAddress &a, const QString &driver)
{
    const QString file = u"/etc/driverctl.d/pci-%1"_s.arg(a.toString());
    if (driver.isEmpty()) {
        m_persisted.remove(a);
        return HostResult::success({u"remove %1"_s.arg(file)});
    }
    m_persisted.insert(a, driver);
    return HostResult::success({u"write %1 (%2)"_s.arg(file, driver)});
}

HostResult SimulatedHost::vfioSetVfToken(const PciAddress &pf, const QUuid &token)
{
    return HostResult::fromSimError(m_vfio.setVfToken(m_host, pf, token),
                                    u"set the VF token of %1"_s.arg(pf.toString()));
}

HostResult SimulatedHost::vfioOpenDevice(const PciAddress &a, const QUuid &token)
{
    return HostResult::fromSimError(m_vfio.openDevice(m_host, a, token),
                                    token.isNull() ? u"opened %1"_s.arg(a.toString())
                                                   : u"opened %1 with vf_token"_s.arg(a.toString()));
}

HostResult SimulatedHost::vfioOpenGroup(quint32 handle, int group)
{
    return HostResult::fromSimError(m_vfio.openGroup(m_host, handle, group),
                                    u"open IOMMU group %1 in a type1v2 container (handle %2)"_s.arg(group).arg(handle));
}

HostResult SimulatedHost::iommufdAvailable(int group) const
{
    return HostResult::fromSimError(m_vfio.iommufdUnavailable(m_host, group), {});
}

HostResult SimulatedHost::iommufdOpenGroup(quint32 handle, int group)
{
    HostResult r = HostResult::fromSimError(m_vfio.openIommufd(m_host, handle, group), {});
    if (!r.ok)
        return r;
    const sim::SimContainer *c = m_vfio.container(handle);
    r.changes << u"open IOMMU group %1 on iommufd: bind %2, IOAS %3%4 (handle %5)"_s.arg(group)
                     .arg(c->devices.join(u", "_s))
                     .arg(c->ioasId)
                     .arg(c->hwptId ? u", dirty-tracking HWPT %1"_s.arg(c->hwptId) : u", no dirty tracking (IOMMU without A/D bits)"_s)
                     .arg(handle);
    return r;
}

HostResult SimulatedHost::vfioGroupInfo(quint32 handle, VfioGroupInfo *info)
{
    const sim::SimContainer *c = m_vfio.container(handle);
    if (!c)
        return HostResult::failure(EBADF, u"no container for handle %1"_s.arg(handle));
    if (!info)
        return HostResult::success();
    *info = {};
    info->group = c->group;
    for (const sim::SimIovaRange &r : c->ranges)
        info->iovaRanges.append({r.start, r.end});
    if (c->iommufd) {
        info->backend = DmaBackend::Iommufd;
        info->ioasId = c->ioasId;
        info->hwptId = c->hwptId;
        info->devices = c->devices;
        info->pageSizes = 4096; // IOMMU_IOAS_IOVA_RANGES out_iova_alignment
        info->dmaAvail = -1;
        info->dirtyTrackingSupported = c->hwptId != 0;
    } else {
        info->pageSizes = m_vfio.pageSizes;
        int used = 0;
        for (quint32 h : openHandles()) {
            if (const sim::SimContainer *other = m_vfio.container(h); other && !other->iommufd)
                used += int(other->maps.size());
        }
        info->dmaAvail = m_vfio.dmaEntryLimit - used;
        info->dirtyTrackingSupported = true;
    }
    info->lockedBytes = m_vfio.lockedBytes();
    info->memlockLimit = m_vfio.memlockLimit;
    info->dirtyTracking = c->dirtyTracking;
    for (const sim::SimDmaMap &m : c->maps)
        info->mappings.append({m.iova, m.size, m.hugePages});
    return HostResult::success();
}

HostResult SimulatedHost::vfioMapDma(quint32 handle, quint64 iova, quint64 size, bool hugePages)
{
    return HostResult::fromSimError(m_vfio.mapDma(handle, iova, size, hugePages),
                                    u"map 0x%1 bytes at IOVA 0x%2%3"_s.arg(size, 0, 16).arg(iova, 0, 16).arg(hugePages ? u" (huge pages)"_s : QString()));
}

HostResult SimulatedHost::vfioUnmapDma(quint32 handle, quint64 iova, quint64 size, quint64 *unmapped)
{
    quint64 n = 0;
    HostResult r = HostResult::fromSimError(m_vfio.unmapDma(handle, iova, size, &n), {});
    if (r.ok)
        r.changes << u"unmap 0x%1 bytes from [0x%2, +0x%3)"_s.arg(n, 0, 16).arg(iova, 0, 16).arg(size, 0, 16);
    if (unmapped)
        *unmapped = n;
    return r;
}

HostResult SimulatedHost::vfioDirty(quint32 handle, bool start)
{
    return HostResult::fromSimError(m_vfio.setDirtyTracking(handle, start),
                                    start ? u"start dirty tracking"_s : u"stop dirty tracking"_s);
}

HostResult SimulatedHost::vfioDirtyBitmap(quint32 handle, quint64 iova, quint64 size, quint64 pageSize, DirtyBitmap *bitmap)
{
    QByteArray bits;
    HostResult r = HostResult::fromSimError(m_vfio.dirtyBitmap(handle, iova, size, pageSize, &bits), {});
    if (r.ok && bitmap)
        *bitmap = {iova, size, pageSize, bits};
    return r;
}

void SimulatedHost::vfioCloseGroup(quint32 handle)
{
    m_vfio.closeGroup(handle);
}

} // namespace devtopo::host

namespace devtopo::host {

HostResult SimulatedHost::vfioMigOpen(quint32 handle, quint32 groupHandle, const QString &device)
{
    if (!m_vfio.container(groupHandle))
        return HostResult::failure(EBADF, u"no container for group handle %1"_s.arg(groupHandle));
    return HostResult::fromSimError(m_migration.open(m_host, handle, device), {});
}

void SimulatedHost::vfioMigClose(quint32 handle)
{
    m_migration.close(handle);
}

HostResult SimulatedHost::vfioMigIds(quint32 handle, quint16 *vendor, quint16 *device)
{
    return HostResult::fromSimError(m_migration.ids(m_host, handle, vendor, device), {});
}

HostResult SimulatedHost::vfioMigFlags(quint32 handle, quint64 *flags)
{
    return HostResult::fromSimError(m_migration.flags(handle, flags), {});
}

HostResult SimulatedHost::vfioMigGetState(quint32 handle, quint32 *state)
{
    return HostResult::fromSimError(m_migration.getState(handle, state), {});
}

HostResult SimulatedHost::vfioMigSetState(quint32 handle, quint32 state)
{
    return HostResult::fromSimError(m_migration.setState(handle, state), {});
}

HostResult SimulatedHost::vfioMigPrecopyInfo(quint32 handle, PrecopyInfo *info)
{
    return HostResult::fromSimError(m_migration.precopyInfo(handle, &info->initialBytes, &info->dirtyBytes), {});
}

HostResult SimulatedHost::vfioMigRead(quint32 handle, quint64 maxBytes, QByteArray *data, bool *end)
{
    HostResult r = HostResult::fromSimError(m_migration.read(handle, maxBytes, data, end), {});
    if (!r.ok && r.err == ENOMSG)
        return HostResult::success(); // pre-copy: nothing more for now
    return r;
}

HostResult SimulatedHost::vfioMigWrite(quint32 handle, const QByteArray &data)
{
    // The data fd takes the stream in pieces, as QEMU writes it (1 MiB buffers).
    constexpr qsizetype kChunk = qsizetype(1) << 20;
    for (qsizetype at = 0; at < data.size(); at += kChunk) {
        HostResult r = HostResult::fromSimError(m_migration.write(handle, data.mid(at, kChunk)), {});
        if (!r.ok) {
            r.message = u"write() at byte %1: %2"_s.arg(at).arg(r.message);
            return r;
        }
    }
    return HostResult::success();
}

HostResult SimulatedHost::vfioMigDataSize(quint32 handle, quint64 *bytes)
{
    return HostResult::fromSimError(m_migration.dataSize(handle, bytes), {});
}

HostResult SimulatedHost::vfioDeviceReset(quint32 handle)
{
    return HostResult::fromSimError(m_migration.reset(handle), {});
}

HostResult SimulatedHost::vfioDmaLoggingProbe(quint32 handle)
{
    return HostResult::fromSimError(m_migration.loggingProbe(handle), {});
}

HostResult SimulatedHost::vfioDmaLoggingStart(quint32 handle, const QList<DmaLogRange> &ranges, quint64 pageSize)
{
    QList<QPair<quint64, quint64>> r;
    for (const DmaLogRange &range : ranges)
        r.append({range.iova, range.length});
    return HostResult::fromSimError(m_migration.loggingStart(handle, r, pageSize), {});
}

HostResult SimulatedHost::vfioDmaLoggingReport(quint32 handle, quint64 iova, quint64 length, quint64 pageSize, QByteArray *bits)
{
    return HostResult::fromSimError(m_migration.loggingReport(handle, iova, length, pageSize, bits), {});
}

HostResult SimulatedHost::vfioDmaLoggingStop(quint32 handle)
{
    return HostResult::fromSimError(m_migration.loggingStop(handle), {});
}

} // namespace devtopo::host
