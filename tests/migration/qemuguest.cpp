#include "qemuguest.h"

#include <QDeadlineTimer>
#include <QFile>
#include <QFileInfo>
#include <QStandardPaths>
#include <QTest>

namespace devtopo::test {

QemuGuestSetup findQemuGuestSetup()
{
    QemuGuestSetup s;
    s.qemu = QStandardPaths::findExecutable(QStringLiteral("qemu-system-x86_64"));
    s.kernel = qEnvironmentVariable("DEVTOPO_MIGRATION_KERNEL");
    if (s.kernel.isEmpty())
        s.kernel = QStringLiteral(DEVTOPO_MIGRATION_KERNEL_CACHE "/vmlinuz");
    s.init = QStringLiteral(DEVTOPO_MIGRATION_GUEST_INIT);
    if (s.qemu.isEmpty())
        s.skipReason = QStringLiteral("qemu-system-x86_64 is not installed (tests/testhost/fetch.sh installs QEMU 10)");
    else if (!QFileInfo(s.kernel).isFile())
        s.skipReason = QStringLiteral("no guest kernel at %1: run tests/testhost/fetch.sh %2 (or set DEVTOPO_MIGRATION_KERNEL)")
                           .arg(s.kernel, QStringLiteral(DEVTOPO_MIGRATION_KERNEL_CACHE));
    else if (!QFileInfo(s.init).isFile() || QFileInfo(s.init).size() == 0)
        s.skipReason = QStringLiteral("the guest /init %1 was not built (gcc -static needs a static libc: libc6-dev)").arg(s.init);
    return s;
}

bool writeInitramfs(const QString &initBinary, const QString &cpioPath, QString *error)
{
    QFile in(initBinary);
    if (!in.open(QIODevice::ReadOnly)) {
        *error = QStringLiteral("cannot read %1").arg(initBinary);
        return false;
    }
    const QByteArray body = in.readAll();
    QByteArray cpio;
    // newc: "070701", then 13 eight-digit hex fields, the name (NUL-terminated), each padded to 4 bytes.
    auto entry = [&](const QByteArray &name, quint32 mode, const QByteArray &data, quint32 ino) {
        const quint32 fields[13] = {ino, mode, 0, 0, 1, 0, quint32(data.size()), 0, 0, 0, 0, quint32(name.size() + 1), 0};
        cpio += "070701";
        for (quint32 f : fields)
            cpio += QByteArray::number(f, 16).rightJustified(8, '0').toUpper();
        cpio += name;
        cpio += '\0';
        while (cpio.size() % 4)
            cpio += '\0';
        cpio += data;
        while (cpio.size() % 4)
            cpio += '\0';
    };
    entry("init", 0100755, body, 1);
    entry("TRAILER!!!", 0, {}, 0);
    QFile out(cpioPath);
    if (!out.open(QIODevice::WriteOnly) || out.write(cpio) != cpio.size()) {
        *error = QStringLiteral("cannot write %1").arg(cpioPath);
        return false;
    }
    return true;
}

QemuGuest::QemuGuest(const QemuGuestSetup &setup, const QString &dir, const QString &name)
    : m_setup(setup)
    , m_dir(dir)
    , m_name(name)
{
}

QemuGuest::~QemuGuest()
{
    kill();
}

bool QemuGuest::start(const QString &initrd, int pagesPerSecond, bool incoming, QString *error)
{
    QStringList args{
        QStringLiteral("-machine"), QStringLiteral("q35"), QStringLiteral("-accel"), QStringLiteral("tcg"),
        QStringLiteral("-cpu"), QStringLiteral("max"), QStringLiteral("-smp"), QStringLiteral("1"),
        QStringLiteral("-m"), QStringLiteral("512M"), QStringLiteral("-nodefaults"), QStringLiteral("-no-user-config"),
        QStringLiteral("-display"), QStringLiteral("none"), QStringLiteral("-name"), m_name,
        QStringLiteral("-serial"), QStringLiteral("file:") + serialPath(),
        QStringLiteral("-kernel"), m_setup.kernel, QStringLiteral("-initrd"), initrd,
        QStringLiteral("-append"),
        QStringLiteral("console=ttyS0 panic=-1 quiet dirtier.mib=256 dirtier.rate=") + QString::number(pagesPerSecond),
        QStringLiteral("-qmp"), QStringLiteral("unix:") + qmpPath() + QStringLiteral(",server,wait=off"),
    };
    if (incoming)
        args << QStringLiteral("-incoming") << QStringLiteral("defer");
    m_process.setProcessChannelMode(QProcess::SeparateChannels);
    m_process.start(m_setup.qemu, args);
    if (!m_process.waitForStarted(10000)) {
        *error = QStringLiteral("cannot start %1: %2").arg(m_setup.qemu, m_process.errorString());
        return false;
    }
    return true;
}

bool QemuGuest::waitForSocket(int ms)
{
    return QTest::qWaitFor([&] { return QFileInfo::exists(qmpPath()) || !isRunning(); }, ms) && isRunning();
}

QString QemuGuest::serial() const
{
    QFile f(serialPath());
    return f.open(QIODevice::ReadOnly) ? QString::fromUtf8(f.readAll()) : QString();
}

bool QemuGuest::waitForSerial(const QString &text, int ms)
{
    return QTest::qWaitFor([&] { return serial().contains(text) || !isRunning(); }, ms) && serial().contains(text);
}

QString QemuGuest::stderrText()
{
    return QString::fromUtf8(m_process.readAllStandardError());
}

bool QemuGuest::waitForExit(int ms)
{
    return QTest::qWaitFor([&] { return !isRunning(); }, ms);
}

void QemuGuest::kill()
{
    if (m_process.state() != QProcess::NotRunning) {
        m_process.kill();
        m_process.waitForFinished(5000);
    }
}

} // namespace devtopo::test
