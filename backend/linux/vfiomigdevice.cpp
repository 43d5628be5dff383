#include "vfiomigdevice.h"
#include "syscallerror.h"

#include "migrationstate.h"
#include "vfiocontainer.h"

#include <linux/vfio.h>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <vector>

using namespace Qt::StringLiterals;

namespace devtopo::linuxhost {

namespace {

// vfio_device_feature followed by its payload, 8-byte aligned.
class Feature
{
public:
    Feature(quint32 flags, size_t payload) : m_storage((sizeof(vfio_device_feature) + payload + 7) / 8, 0)
    {
        head()->argsz = quint32(sizeof(vfio_device_feature) + payload);
        head()->flags = flags;
    }
    vfio_device_feature *head() { return reinterpret_cast<vfio_device_feature *>(m_storage.data()); }
    template<typename T>
    T *payload() { return reinterpret_cast<T *>(head()->data); }

private:
    std::vector<quint64> m_storage;
};

} // namespace

VfioMigDevice::~VfioMigDevice()
{
    closeData();
    if (m_fd >= 0)
        ::close(m_fd);
}

void VfioMigDevice::closeData()
{
    if (m_dataFd >= 0)
        ::close(m_dataFd);
    m_dataFd = -1;
}

std::unique_ptr<VfioMigDevice> VfioMigDevice::open(VfioContainer &container, const QString &name, int *err, QString *why)
{
    std::unique_ptr<VfioMigDevice> d(new VfioMigDevice);
    d->m_name = name;
    *err = container.openDevice(name, {}, why, &d->m_fd);
    if (*err)
        return nullptr;
    return d;
}

int VfioMigDevice::ids(quint16 *vendor, quint16 *device, QString *why) const
{
    vfio_region_info info{};
    info.argsz = sizeof(info);
    info.index = VFIO_PCI_CONFIG_REGION_INDEX;
    if (::ioctl(m_fd, VFIO_DEVICE_GET_REGION_INFO, &info) != 0)
        return fail(why, u"VFIO_DEVICE_GET_REGION_INFO(config) on %1"_s.arg(m_name));
    quint16 words[2] = {0, 0};
    const ssize_t n = ::pread(m_fd, words, sizeof(words), off_t(info.offset));
    if (n != ssize_t(sizeof(words))) {
        if (n >= 0)
            errno = EIO;
        return fail(why, u"reading the vendor/device ids of %1 from its config region"_s.arg(m_name));
    }
    *vendor = words[0]; // PCI config space is little-endian, like x86
    *device = words[1];
    return 0;
}

int VfioMigDevice::migrationFlags(quint64 *flags, QString *why) const
{
    Feature f(VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_MIGRATION, sizeof(vfio_device_feature_migration));
    if (::ioctl(m_fd, VFIO_DEVICE_FEATURE, f.head()) != 0)
        return fail(why, u"VFIO_DEVICE_FEATURE GET MIGRATION on %1"_s.arg(m_name));
    *flags = f.payload<vfio_device_feature_migration>()->flags;
    return 0;
}

int VfioMigDevice::state(quint32 *state, QString *why) const
{
    Feature f(VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE, sizeof(vfio_device_feature_mig_state));
    if (::ioctl(m_fd, VFIO_DEVICE_FEATURE, f.head()) != 0)
        return fail(why, u"VFIO_DEVICE_FEATURE GET MIG_DEVICE_STATE on %1"_s.arg(m_name));
    *state = f.payload<vfio_device_feature_mig_state>()->device_state;
    return 0;
}

int VfioMigDevice::setState(quint32 state, QString *why)
{
    Feature f(VFIO_DEVICE_FEATURE_SET | VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE, sizeof(vfio_device_feature_mig_state));
    auto *mig = f.payload<vfio_device_feature_mig_state>();
    mig->device_state = state;
    mig->data_fd = -1;
    if (::ioctl(m_fd, VFIO_DEVICE_FEATURE, f.head()) != 0) {
        const int err = fail(why, u"VFIO_DEVICE_FEATURE SET MIG_DEVICE_STATE %1 on %2"_s.arg(vfiomig::stateName(vfiomig::State(state)), m_name));
        quint32 now = 0;
        QString ignored;
        if (this->state(&now, &ignored) == 0 && !vfiomig::hasDataFd(vfiomig::State(now)))
            closeData();
        return err;
    }
    if (mig->data_fd >= 0) {
        closeData(); // a new session: the old fd's session is over
        m_dataFd = mig->data_fd;
        // Never block the helper in read(): pre-copy says "nothing more now" with ENOMSG/EAGAIN.
        ::fcntl(m_dataFd, F_SETFL, ::fcntl(m_dataFd, F_GETFL) | O_NONBLOCK);
    } else if (!vfiomig::hasDataFd(vfiomig::State(state))) {
        closeData();
    }
    return 0;
}

int VfioMigDevice::precopyInfo(host::PrecopyInfo *out, QString *why) const
{
    if (m_dataFd < 0) {
        errno = EBADF;
        return fail(why, u"VFIO_MIG_GET_PRECOPY_INFO: %1 has no migration data fd"_s.arg(m_name));
    }
    vfio_precopy_info info{};
    info.argsz = sizeof(info);
    if (::ioctl(m_dataFd, VFIO_MIG_GET_PRECOPY_INFO, &info) != 0)
        return fail(why, u"VFIO_MIG_GET_PRECOPY_INFO on %1's data fd"_s.arg(m_name));
    out->initialBytes = info.initial_bytes;
    out->dirtyBytes = info.dirty_bytes;
    return 0;
}

int VfioMigDevice::readData(quint64 maxBytes, QByteArray *data, bool *end, QString *why)
{
    *end = false;
    data->clear();
    if (m_dataFd < 0) {
        errno = EBADF;
        return fail(why, u"read: %1 has no migration data fd"_s.arg(m_name));
    }
    char buf[65536];
    while (quint64(data->size()) < maxBytes) {
        const size_t want = size_t(std::min<quint64>(sizeof(buf), maxBytes - quint64(data->size())));
        const ssize_t n = ::read(m_dataFd, buf, want);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == ENOMSG || errno == EAGAIN)
                return 0; // pre-copy: no more data for now
            return fail(why, u"read() on %1's migration data fd after %2 bytes"_s.arg(m_name).arg(data->size()));
        }
        if (n == 0) {
            *end = true;
            return 0;
        }
        data->append(buf, n);
    }
    return 0;
}

int VfioMigDevice::writeData(const QByteArray &data, QString *why)
{
    if (m_dataFd < 0) {
        errno = EBADF;
        return fail(why, u"write: %1 has no migration data fd"_s.arg(m_name));
    }
    qsizetype done = 0;
    while (done < data.size()) {
        const ssize_t n = ::write(m_dataFd, data.constData() + done, size_t(std::min<qsizetype>(data.size() - done, 1 << 20)));
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return fail(why, u"write() on %1's migration data fd at byte %2 of %3"_s.arg(m_name).arg(done).arg(data.size()));
        }
        done += n;
    }
    return 0;
}

int VfioMigDevice::dataSize(quint64 *bytes, QString *why) const
{
    Feature f(VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_MIG_DATA_SIZE, sizeof(vfio_device_feature_mig_data_size));
    if (::ioctl(m_fd, VFIO_DEVICE_FEATURE, f.head()) != 0)
        return fail(why, u"VFIO_DEVICE_FEATURE GET MIG_DATA_SIZE on %1"_s.arg(m_name));
    *bytes = f.payload<vfio_device_feature_mig_data_size>()->stop_copy_length;
    return 0;
}

int VfioMigDevice::reset(QString *why)
{
    if (::ioctl(m_fd, VFIO_DEVICE_RESET) != 0)
        return fail(why, u"VFIO_DEVICE_RESET on %1"_s.arg(m_name));
    closeData();
    return 0;
}

int VfioMigDevice::dmaLoggingProbe(QString *why) const
{
    Feature f(VFIO_DEVICE_FEATURE_PROBE | VFIO_DEVICE_FEATURE_SET | VFIO_DEVICE_FEATURE_DMA_LOGGING_START, 0);
    if (::ioctl(m_fd, VFIO_DEVICE_FEATURE, f.head()) != 0)
        return fail(why, u"VFIO_DEVICE_FEATURE PROBE DMA_LOGGING_START on %1"_s.arg(m_name));
    return 0;
}

int VfioMigDevice::dmaLoggingStart(const QList<host::DmaLogRange> &ranges, quint64 pageSize, QString *why)
{
    std::vector<vfio_device_feature_dma_logging_range> rs;
    for (const host::DmaLogRange &r : ranges)
        rs.push_back({r.iova, r.length});
    Feature f(VFIO_DEVICE_FEATURE_SET | VFIO_DEVICE_FEATURE_DMA_LOGGING_START, sizeof(vfio_device_feature_dma_logging_control));
    auto *c = f.payload<vfio_device_feature_dma_logging_control>();
    c->page_size = pageSize;
    c->num_ranges = quint32(rs.size());
    c->ranges = reinterpret_cast<quint64>(rs.data());
    if (::ioctl(m_fd, VFIO_DEVICE_FEATURE, f.head()) != 0)
        return fail(why, u"VFIO_DEVICE_FEATURE SET DMA_LOGGING_START on %1"_s.arg(m_name));
    return 0;
}

int VfioMigDevice::dmaLoggingReport(quint64 iova, quint64 length, quint64 pageSize, QByteArray *bits, QString *why) const
{
    const quint64 pages = length / pageSize;
    QByteArray out(qsizetype((pages + 63) / 64 * 8), '\0'); // the kernel only sets bits
    Feature f(VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_DMA_LOGGING_REPORT, sizeof(vfio_device_feature_dma_logging_report));
    auto *r = f.payload<vfio_device_feature_dma_logging_report>();
    r->iova = iova;
    r->length = length;
    r->page_size = pageSize;
    r->bitmap = reinterpret_cast<quint64>(out.data());
    if (::ioctl(m_fd, VFIO_DEVICE_FEATURE, f.head()) != 0)
        return fail(why, u"VFIO_DEVICE_FEATURE GET DMA_LOGGING_REPORT on %1"_s.arg(m_name));
    *bits = out;
    return 0;
}

int VfioMigDevice::dmaLoggingStop(QString *why)
{
    Feature f(VFIO_DEVICE_FEATURE_SET | VFIO_DEVICE_FEATURE_DMA_LOGGING_STOP, 0);
    if (::ioctl(m_fd, VFIO_DEVICE_FEATURE, f.head()) != 0)
        return fail(why, u"VFIO_DEVICE_FEATURE SET DMA_LOGGING_STOP on %1"_s.arg(m_name));
    return 0;
}

} // namespace devtopo::linuxhost
