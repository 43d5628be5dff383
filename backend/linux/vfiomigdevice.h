#pragma once

// A VFIO device fd opened from an open group, for migration v2 (linux/vfio.h): the
// VFIO_DEVICE_FEATURE sub-features MIGRATION, MIG_DEVICE_STATE, MIG_DATA_SIZE, DMA_LOGGING_*,
// VFIO_MIG_GET_PRECOPY_INFO and read()/write() on the migration data fd the kernel hands out.
// Every call returns 0 or the kernel's errno, with a sentence in *why.

#include "vfiotypes.h"

#include <QByteArray>
#include <QList>
#include <QString>

#include <memory>

namespace devtopo::linuxhost {

class VfioContainer;

class VfioMigDevice
{
public:
    ~VfioMigDevice();
    VfioMigDevice(const VfioMigDevice &) = delete;
    VfioMigDevice &operator=(const VfioMigDevice &) = delete;

    static std::unique_ptr<VfioMigDevice> open(VfioContainer &container, const QString &name, int *err, QString *why);

    // PCI vendor/device from the device's config region (VFIO_PCI_CONFIG_REGION_INDEX).
    int ids(quint16 *vendor, quint16 *device, QString *why) const;
    int migrationFlags(quint64 *flags, QString *why) const;
    int state(quint32 *state, QString *why) const;
    // One MIG_DEVICE_STATE SET (the kernel itself would walk a longer path; devtopo gives it one
    // arc at a time). Keeps a returned data_fd and closes the old one when its session ends.
    int setState(quint32 state, QString *why);
    int precopyInfo(host::PrecopyInfo *info, QString *why) const;
    // read() on the data fd until maxBytes, "nothing more now" (ENOMSG/EAGAIN/0 in pre-copy) or
    // end of stream (*end: read() returned 0).
    int readData(quint64 maxBytes, QByteArray *data, bool *end, QString *why);
    int writeData(const QByteArray &data, QString *why);
    int dataSize(quint64 *bytes, QString *why) const;
    int reset(QString *why);
    int dmaLoggingProbe(QString *why) const;
    int dmaLoggingStart(const QList<host::DmaLogRange> &ranges, quint64 pageSize, QString *why);
    int dmaLoggingReport(quint64 iova, quint64 length, quint64 pageSize, QByteArray *bits, QString *why) const;
    int dmaLoggingStop(QString *why);
    bool hasDataFd() const { return m_dataFd >= 0; }

private:
    VfioMigDevice() = default;
    void closeData();

    QString m_name;
    int m_fd = -1;
    int m_dataFd = -1;
};

} // namespace devtopo::linuxhost
