#pragma once

// A simulated VM's migration behaviour as data (resources/demo/vm-*.json): RAM, the working set the
// guest keeps rewriting, how fast, the migration budget and the link, the downtime limit, VFIO devices.

#include <QByteArray>
#include <QList>
#include <QString>
#include <QStringList>

#include <optional>

namespace devtopo::simvm {

struct SimVfioDevice {
    QString id;
    QString host;
    QString guestAddress;
    int vendor = 0, device = 0, pciClass = 0;
    qint64 precopyBytes = 0;  // state sent while the VM runs (pre-copy)
    qint64 stopCopyBytes = 0; // state sent after it stops
};

struct SimVmScenario {
    QString name;
    QString description;
    QString vmName;
    qint64 ramBytes = 0;
    qint64 workingSetBytes = 0;
    double dirtyBytesPerSecond = 0;
    double dirtyJitter = 0;     // ± fraction, deterministic wobble so charts look like a real guest
    qint64 maxBandwidth = 0;    // migrate-set-parameters max-bandwidth at start, bytes/s
    qint64 linkBytesPerSecond = 0;
    qint64 downtimeLimitMs = 300;
    int setupMs = 100;
    QList<SimVfioDevice> vfio;

    static std::optional<SimVmScenario> fromJson(const QByteArray &json, QString *error);
    // "converging", "non-converging" (from the resources), or a path to a JSON file.
    static std::optional<SimVmScenario> load(const QString &nameOrPath, QString *error);
    static QStringList builtinNames();
};

} // namespace devtopo::simvm
