// devtopo-vfio-probe: prints what the kernel's VFIO says about IOMMU groups, as JSON.
//   devtopo-vfio-probe [--vfio-dir DIR] [GROUP...]
// Without GROUP it probes every group that has a node in /dev/vfio. Used by the real-kernel test host
// to check devtopo's viability and usable-IOVA analyses against the kernel; handy by hand too.

#include "vfioprobe.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QStringList>

#include <cstdio>

using namespace devtopo::linuxhost;

int main(int argc, char **argv)
{
    QString vfioDir = QStringLiteral("/dev/vfio");
    QList<int> groups;
    for (int i = 1; i < argc; ++i) {
        const QString arg = QString::fromLocal8Bit(argv[i]);
        if (arg == QLatin1String("--vfio-dir") && i + 1 < argc) {
            vfioDir = QString::fromLocal8Bit(argv[++i]);
        } else if (arg == QLatin1String("-h") || arg == QLatin1String("--help")) {
            std::printf("usage: devtopo-vfio-probe [--vfio-dir DIR] [GROUP...]\n");
            return 0;
        } else {
            bool ok = false;
            const int g = arg.toInt(&ok);
            if (!ok || g < 0) {
                std::fprintf(stderr, "devtopo-vfio-probe: not a group number: %s\n", argv[i]);
                return 2;
            }
            groups.append(g);
        }
    }
    if (groups.isEmpty())
        groups = vfioGroupNodes(vfioDir);

    QJsonArray out;
    for (int g : groups)
        out.append(probeToJson(probeVfioGroup(g, vfioDir)));
    const QByteArray json = QJsonDocument(QJsonObject{{QStringLiteral("groups"), out}}).toJson(QJsonDocument::Indented);
    std::fwrite(json.constData(), 1, size_t(json.size()), stdout);
    return 0;
}
