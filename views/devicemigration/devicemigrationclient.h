#pragma once

// What the device-migration panel needs from whoever talks to the helper: a small interface so
// the panel never touches D-Bus or ioctls. Calls answer synchronously with an error text ("" = ok);
// walks report progress through the signal.

#include <QObject>
#include <QString>
#include <QStringList>

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

class DeviceMigrationClient : public QObject
{
    Q_OBJECT
public:
    using QObject::QObject;
    virtual QString status(DeviceMigrationStatus *out) = 0;
    // Walks to `target` (a state name); *changes: the arcs taken.
    virtual QString setState(const QString &target, QStringList *changes) = 0;
    virtual QString precopy(quint64 *initial, quint64 *dirty) = 0;
    virtual QString stopCopySize(quint64 *bytes) = 0;
    virtual QString readPrecopy(quint64 maxBytes, quint64 *read) = 0;
    // The client opens the file itself and hands the helper the descriptor.
    virtual QString saveTo(const QString &path, quint64 *bytes, QString *sha256) = 0;
    virtual QString loadFrom(const QString &path, quint64 *bytes) = 0;
    virtual QString reset() = 0;

Q_SIGNALS:
    void progress(const QString &operation, int done, int total, const QString &message);
};

} // namespace devtopo::devmig
