#pragma once

// Real QEMU processes for the migration tests: q35 under TCG, 512 MiB, no devices, QMP on a unix
// socket in a temporary directory, the test host's Debian kernel and an initramfs holding only the
// dirtier /init (written here as a newc cpio). The guest prints "dirtier: ready" once its buffer is
// filled and then keeps dirtying RATE pages a second.

#include <QProcess>
#include <QString>

namespace devtopo::test {

struct QemuGuestSetup {
    QString qemu;    // qemu-system-x86_64
    QString kernel;  // vmlinuz
    QString init;    // the static dirtier
    QString skipReason; // non-empty: the real-QEMU tests cannot run here, and why
};

// What is needed, or why it is not there.
QemuGuestSetup findQemuGuestSetup();
// Writes a newc cpio with the one file /init; false with error on failure.
bool writeInitramfs(const QString &initBinary, const QString &cpioPath, QString *error);

class QemuGuest
{
public:
    QemuGuest(const QemuGuestSetup &setup, const QString &dir, const QString &name);
    ~QemuGuest();
    // Starts QEMU; incoming: "-incoming defer" for a destination.
    bool start(const QString &initrd, int pagesPerSecond, bool incoming, QString *error);
    // Waits (the event loop runs) for the QMP socket file to appear.
    bool waitForSocket(int ms);
    bool waitForSerial(const QString &text, int ms);
    QString qmpPath() const { return m_dir + QLatin1Char('/') + m_name + QStringLiteral(".qmp"); }
    QString serialPath() const { return m_dir + QLatin1Char('/') + m_name + QStringLiteral(".serial"); }
    QString serial() const;
    QString stderrText();
    bool isRunning() const { return m_process.state() != QProcess::NotRunning; }
    bool waitForExit(int ms);
    void kill();

private:
    QemuGuestSetup m_setup;
    QString m_dir, m_name;
    QProcess m_process;
};

} // namespace devtopo::test
