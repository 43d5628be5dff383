#include "deviceinuse.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QHash>
#include <QSet>

#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <arpa/inet.h>

using namespace Qt::StringLiterals;

namespace devtopo::linuxhost {

namespace {

QByteArray readFile(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll().trimmed() : QByteArray();
}

// ifname -> addresses ("192.0.2.1", "2001:db8::1"), link-local IPv6 left out (every up link has one).
QHash<QString, QStringList> interfaceAddresses(const InUseSources &src)
{
    QHash<QString, QStringList> out;
    if (src.useGetifaddrs && QDir::cleanPath(src.root) == u"/"_s) {
        ifaddrs *list = nullptr;
        if (::getifaddrs(&list) != 0)
            return out;
        for (ifaddrs *i = list; i; i = i->ifa_next) {
            if (!i->ifa_addr)
                continue;
            char buf[INET6_ADDRSTRLEN] = {};
            if (i->ifa_addr->sa_family == AF_INET) {
                ::inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in *>(i->ifa_addr)->sin_addr, buf, sizeof(buf));
            } else if (i->ifa_addr->sa_family == AF_INET6) {
                const auto *a6 = reinterpret_cast<sockaddr_in6 *>(i->ifa_addr);
                if (IN6_IS_ADDR_LINKLOCAL(&a6->sin6_addr))
                    continue;
                ::inet_ntop(AF_INET6, &a6->sin6_addr, buf, sizeof(buf));
            } else {
                continue;
            }
            out[QString::fromLocal8Bit(i->ifa_name)] << QString::fromLatin1(buf);
        }
        ::freeifaddrs(list);
        return out;
    }
    // /proc/net/if_inet6: "addr32hex ifindex plen scope flags ifname"; scope 0x20 = link-local.
    const QList<QByteArray> lines = readFile(src.root + u"/proc/net/if_inet6"_s).split('\n');
    for (const QByteArray &line : lines) {
        const QList<QByteArray> f = line.simplified().split(' ');
        if (f.size() >= 6 && f[3] != "20")
            out[QString::fromLatin1(f[5])] << QString::fromLatin1(f[0]);
    }
    return out;
}

// Interfaces that carry an IPv4 route (/proc/net/route) or an IPv6 one (/proc/net/ipv6_route).
QSet<QString> routedInterfaces(const QString &root)
{
    QSet<QString> out;
    const QList<QByteArray> v4 = readFile(root + u"/proc/net/route"_s).split('\n');
    for (int i = 1; i < v4.size(); ++i) {
        const QList<QByteArray> f = v4[i].simplified().split(' ');
        if (!f.isEmpty() && !f[0].isEmpty())
            out.insert(QString::fromLatin1(f[0]));
    }
    const QList<QByteArray> v6 = readFile(root + u"/proc/net/ipv6_route"_s).split('\n');
    for (const QByteArray &line : v6) {
        const QList<QByteArray> f = line.simplified().split(' ');
        if (f.size() >= 10 && f.last() != "lo")
            out.insert(QString::fromLatin1(f.last()));
    }
    return out;
}

QStringList networkReasons(const QString &devDir, const InUseSources &src)
{
    QStringList out;
    const QStringList ifaces = QDir(devDir + u"/net"_s).entryList(QDir::Dirs | QDir::NoDotAndDotDot);
    if (ifaces.isEmpty())
        return out;
    const auto addrs = interfaceAddresses(src);
    const auto routed = routedInterfaces(src.root);
    for (const QString &ifname : ifaces) {
        const QByteArray state = readFile(devDir + u"/net/"_s + ifname + u"/operstate"_s);
        if (state != "up" && state != "unknown")
            continue;
        const QStringList a = addrs.value(ifname);
        if (!a.isEmpty() || routed.contains(ifname))
            out << u"network interface %1 is up%2%3"_s.arg(ifname, a.isEmpty() ? QString() : u" with addresses "_s + a.join(u", "_s),
                                                           routed.contains(ifname) ? u" and carries routes"_s : QString());
    }
    return out;
}

// Block devices whose sysfs path lies below the PCI device, with their partitions' dev numbers.
QStringList blockReasons(const QString &devDir, const QString &root)
{
    QStringList out;
    const QString devReal = QFileInfo(devDir).canonicalFilePath();
    if (devReal.isEmpty())
        return out;
    QHash<QByteArray, QString> devNumbers; // "259:1" -> "nvme0n1p1"
    const QString blockDir = root + u"/sys/block"_s;
    for (const QString &disk : QDir(blockDir).entryList(QDir::Dirs | QDir::NoDotAndDotDot | QDir::System)) {
        const QString real = QFileInfo(blockDir + u'/' + disk).canonicalFilePath();
        if (!real.startsWith(devReal + u'/'))
            continue;
        devNumbers.insert(readFile(real + u"/dev"_s), disk);
        for (const QString &part : QDir(real).entryList({disk + u'*'}, QDir::Dirs | QDir::NoDotAndDotDot))
            devNumbers.insert(readFile(real + u'/' + part + u"/dev"_s), part);
    }
    if (devNumbers.isEmpty())
        return out;
    // mountinfo field 3 is major:minor, field 5 the mount point.
    const QList<QByteArray> lines = readFile(root + u"/proc/self/mountinfo"_s).split('\n');
    for (const QByteArray &line : lines) {
        const QList<QByteArray> f = line.split(' ');
        if (f.size() > 4 && devNumbers.contains(f[2]))
            out << u"%1 is mounted on %2"_s.arg(devNumbers.value(f[2]), QString::fromLocal8Bit(f[4]));
    }
    const QList<QByteArray> swaps = readFile(root + u"/proc/swaps"_s).split('\n');
    for (const QByteArray &line : swaps) {
        const QString dev = QString::fromLocal8Bit(line.simplified().split(' ').value(0));
        for (const QString &name : std::as_const(devNumbers)) {
            if (dev == u"/dev/"_s + name)
                out << u"%1 is in use as swap"_s.arg(name);
        }
    }
    return out;
}

// Processes holding /dev/vfio/<group> open (QEMU, DPDK): unbinding would block until they let go.
QStringList vfioUserReasons(const QString &devDir, const QString &root)
{
    QStringList out;
    const QString groupLink = QFileInfo(devDir + u"/iommu_group"_s).symLinkTarget();
    if (groupLink.isEmpty())
        return out;
    const QString node = u"/dev/vfio/"_s + QFileInfo(groupLink).fileName();
    const QString proc = root + u"/proc"_s;
    for (const QString &pid : QDir(proc).entryList(QDir::Dirs | QDir::NoDotAndDotDot)) {
        if (pid.isEmpty() || !pid[0].isDigit())
            continue;
        const QDir fds(proc + u'/' + pid + u"/fd"_s);
        for (const QFileInfo &fd : fds.entryInfoList(QDir::System | QDir::NoDotAndDotDot)) {
            if (fd.symLinkTarget() == node) {
                const QString comm = QString::fromLocal8Bit(readFile(proc + u'/' + pid + u"/comm"_s));
                out << u"%1 is open by process %2 (%3)"_s.arg(node, pid, comm);
                break;
            }
        }
    }
    return out;
}

} // namespace

QStringList deviceInUseReasons(const PciAddress &a, const InUseSources &src)
{
    const QString devDir = src.root + u"/sys/bus/pci/devices/"_s + a.toString();
    QStringList out;
    if (readFile(devDir + u"/boot_vga"_s) == "1")
        out << u"it drives the boot display (boot_vga=1)"_s;
    out += networkReasons(devDir, src);
    out += blockReasons(devDir, src.root);
    out += vfioUserReasons(devDir, src.root);
    return out;
}

} // namespace devtopo::linuxhost
