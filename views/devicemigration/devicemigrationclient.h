#pragma once

// What the device-migration panel needs from whoever talks to the helper: a small interface so
// the panel never touches D-Bus or ioctls. Every call is asynchronous: it returns at once and its
// answer (an error text, "" = ok, and the values) comes back later through the callback, always
// from the event loop and never from inside the call. A walk reports each arc through progress().
// Destroying the client drops the answers still outstanding (their callbacks never run).

#include <QByteArray>
#include <QList>
#include <QObject>
#include <QString>
#include <QStringList>

#include <functional>

namespace devtopo::devmig {

struct DeviceMigrationStatus
{
    QString device;
    int group = -1;
    quint64 flags = 0;
    quint32 state = 2;
    bool dmaLoggingSupported = false;
    bool dmaLogging = false;
};

struct PrecopySample
{
    qint64 msecs = 0; // since the panel started polling
    bool precopy = false; // initial/dirty are valid (PRE_COPY*)
    quint64 initialBytes = 0;
    quint64 dirtyBytes = 0;
    quint64 stopCopyBytes = 0;
};

// One IOVA range for device DMA logging: [iova, iova + length).
struct IovaSpan
{
    quint64 iova = 0;
    quint64 length = 0;
    bool operator==(const IovaSpan &) const = default;
};

class DeviceMigrationClient : public QObject
{
    Q_OBJECT
public:
    template<typename... Values>
    using Reply = std::function<void(const QString &error, Values... values)>;

    using QObject::QObject;
    virtual void status(Reply<const DeviceMigrationStatus &> done) = 0;
    // Walks to `target` (a state name); changes: the arcs taken.
    virtual void setState(const QString &target, Reply<const QStringList &> done) = 0;
    virtual void precopy(Reply<quint64 /*initial*/, quint64 /*dirty*/> done) = 0;
    virtual void stopCopySize(Reply<quint64> done) = 0;
    virtual void readPrecopy(quint64 maxBytes, Reply<quint64 /*read*/> done) = 0;
    // The client opens the file itself and hands the helper the descriptor.
    virtual void saveTo(const QString &path, Reply<quint64 /*bytes*/, const QString & /*sha256*/> done) = 0;
    virtual void loadFrom(const QString &path, Reply<quint64 /*bytes*/> done) = 0;
    virtual void reset(Reply<> done) = 0;
    // Device dirty tracking (VFIO_DEVICE_FEATURE_DMA_LOGGING_*). mappedRanges: the DMA mappings of
    // the device's group as its container has them now (QEMU logs exactly those).
    virtual void mappedRanges(Reply<const QList<IovaSpan> &> done) = 0;
    virtual void dmaLoggingStart(const QList<IovaSpan> &ranges, quint64 pageSize, Reply<> done) = 0;
    // bitmap: bit n of little-endian u64 words = page n of [iova, iova + length); read clears.
    virtual void dmaLoggingReport(quint64 iova, quint64 length, quint64 pageSize, Reply<const QByteArray &> done) = 0;
    virtual void dmaLoggingStop(Reply<> done) = 0;

Q_SIGNALS:
    // operation "migration-state"; message "RUNNING -> RUNNING_P2P" (the arc being taken, done of
    // total taken so far) or, at done == total, where the device ended.
    void progress(const QString &operation, int done, int total, const QString &message);
};

} // namespace devtopo::devmig
