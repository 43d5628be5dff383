#pragma once

// Finds QMP sockets where QEMU and libvirt usually put them and tries each one: a greeting within
// a short timeout means reachable. Never hangs: every probe has its own timeout and all run at once.

#include <QList>
#include <QObject>
#include <QString>
#include <QStringList>

namespace devtopo::qmp {

struct QmpCandidate {
    QString path;
    QString origin;       // "libvirt (system)", "QEMU run directory", "given directory", ...
    bool reachable = false;
    QString detail;       // "VM web1, QEMU 10.0.2" or why it is not reachable
};

// The socket files in the usual places (and in extraDirs), not yet probed. Globs:
// /run/libvirt/qemu/*.monitor, /var/lib/libvirt/qemu/*.monitor, /var/lib/libvirt/qemu/domain-*/monitor.sock,
// ~/.config/libvirt/qemu/lib/domain-*/monitor.sock, $XDG_RUNTIME_DIR/{,qemu/}*, /run/qemu/*, /var/run/qemu/*,
// /tmp/*.qmp and /tmp/*/*.qmp.
QList<QmpCandidate> qmpSocketCandidates(const QStringList &extraDirs = {});

class QmpDiscovery : public QObject
{
    Q_OBJECT
public:
    explicit QmpDiscovery(QObject *parent = nullptr);
    void setProbeTimeout(int ms) { m_timeoutMs = ms; }
    // Probes every candidate; finished() comes once all have answered or timed out.
    void start(const QStringList &extraDirs = {});
    void probe(const QList<QmpCandidate> &candidates);

Q_SIGNALS:
    void finished(const QList<devtopo::qmp::QmpCandidate> &candidates);

private:
    QList<QmpCandidate> m_results;
    int m_outstanding = 0;
    int m_timeoutMs = 1000;
};

} // namespace devtopo::qmp
