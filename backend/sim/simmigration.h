#pragma once

// The simulated kernel's VFIO migration v2: devices on a migration-capable variant driver
// (mlx5_vfio_pci, ... per vfiomig::driverMigrationCaps) get the driver's flags and a state machine
// that follows vfio_mig_get_next_state(). Each device has 2 MiB of "device memory" that it keeps
// writing while it runs (50 pages a second), so pre-copy's dirty bytes grow with time and shrink
// as the data is read; its state stream is real (a header, then the pages as records) and a
// RESUMING device that gets a stream has the source's memory afterwards. DMA logging marks the
// pages the device "writes" by DMA inside the logged ranges. Every call answers like the ioctl or
// read()/write() on Linux 6.12: an empty string, or "ERRNO: message".

#include "simhost.h"

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QSet>

#include <functional>

namespace devtopo::sim {

class SimMigration
{
public:
    static constexpr quint64 kPageSize = 4096;
    static constexpr int kPages = 512; // 2 MiB of device memory
    static constexpr int kPagesPerSecond = 50; // how fast a running device dirties its memory
    static constexpr int kRecordSize = 4 + int(kPageSize); // u32 page index + the page
    static constexpr int kHeaderSize = 16; // "SIMMIG01", vendor, device, page count

    using Clock = std::function<qint64()>; // milliseconds, monotonic
    SimMigration();
    void setClock(Clock clock) { m_clock = std::move(clock); }

    QString open(const SimHost &host, quint32 key, const QString &name);
    void close(quint32 key); // the driver's close_device: back to RUNNING, data files gone
    QString ids(const SimHost &host, quint32 key, quint16 *vendor, quint16 *device) const;
    QString flags(quint32 key, quint64 *flags) const;
    QString getState(quint32 key, quint32 *state);
    // MIG_DEVICE_STATE SET to any state: walks vfio_mig_get_next_state() like the drivers do.
    QString setState(quint32 key, quint32 target);
    QString precopyInfo(quint32 key, quint64 *initialBytes, quint64 *dirtyBytes);
    QString read(quint32 key, quint64 maxBytes, QByteArray *data, bool *end);
    QString write(quint32 key, const QByteArray &data);
    QString dataSize(quint32 key, quint64 *bytes);
    QString reset(quint32 key);
    QString loggingProbe(quint32 key) const;
    QString loggingStart(quint32 key, const QList<QPair<quint64, quint64>> &ranges, quint64 pageSize);
    QString loggingReport(quint32 key, quint64 iova, quint64 length, quint64 pageSize, QByteArray *bits);
    QString loggingStop(quint32 key);

    // Tests: the device's memory, and a fault on the next arc (the device lands in ERROR when toError).
    QByteArray memoryOf(const QString &name) const;
    void failNextArc(const QString &name, int err, bool toError);

private:
    enum class Session { None, Saving, Resuming };
    struct Device
    {
        quint16 vendor = 0;
        quint16 device = 0;
        quint64 flags = 0;
        bool logOps = false;
        quint32 state = 2; // RUNNING
        QByteArray memory;
        quint64 rng = 0;
        qint64 lastTick = 0;
        Session session = Session::None;
        bool headerSent = false;
        int nextInitial = 0; // pages [nextInitial, kPages) not sent yet in this saving session
        QSet<int> dirty; // pages sent already and written again since
        QByteArray out; // produced, not read yet
        bool endSent = false;
        QByteArray received; // RESUMING
        bool logging = false;
        quint64 logPageSize = 0;
        QList<QPair<quint64, quint64>> logRanges;
        QSet<quint64> logDirty; // page-aligned IOVAs written by DMA
        int faultErr = 0;
        bool faultToError = false;
    };
    // The open device behind key; with a feature name also one whose driver has migration ops
    // (else ENOTTY naming that VFIO_DEVICE_FEATURE, as the kernel answers).
    Device *deviceFor(quint32 key, QString *err, const char *feature = nullptr);
    const Device *deviceFor(quint32 key, QString *err, const char *feature = nullptr) const;
    void advance(Device &d);
    quint64 remainingSaveBytes(const Device &d) const;
    QByteArray header(const Device &d) const;
    QString step(Device &d, quint32 next);

    Clock m_clock;
    QHash<QString, Device> m_devices; // by PCI address; survives close like the hardware does
    QHash<quint32, QString> m_open; // key -> device name
};

} // namespace devtopo::sim
