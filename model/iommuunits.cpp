#include "iommuunits.h"

namespace devtopo {

namespace {
constexpr quint64 bit(int n) { return quint64(1) << n; }
constexpr quint64 field(quint64 v, int lo, int width) { return (v >> lo) & ((quint64(1) << width) - 1); }

std::optional<quint64> parseHex64(const std::optional<QString> &s)
{
    if (!s || s->isEmpty())
        return std::nullopt;
    QStringView v(*s);
    if (v.startsWith(u"0x"))
        v = v.mid(2);
    bool ok = false;
    const quint64 n = v.toULongLong(&ok, 16);
    return ok ? std::optional<quint64>(n) : std::nullopt;
}
} // namespace

void decodeIntelVtd(quint64 cap, quint64 ecap, IommuUnit *u)
{
    u->kind = QStringLiteral("intel-vtd");
    u->cap = cap;
    u->ecap = ecap;
    u->addressWidth = int(field(cap, 16, 6)) + 1; // MGAW
    u->cachingMode = cap & bit(7);
    const quint64 sllps = field(cap, 34, 4);
    if (sllps & 1)
        u->largePages << QStringLiteral("2M");
    if (sllps & 2)
        u->largePages << QStringLiteral("1G");
    u->interruptRemapping = ecap & bit(3);
    u->passThrough = ecap & bit(6);
    u->pageRequest = ecap & bit(29);
    u->pasid = ecap & bit(40);
    u->pasidBits = u->pasid ? int(field(ecap, 35, 5)) + 1 : 0;
    u->scalableMode = ecap & bit(43); // SMTS
    // The kernel offers nesting and dirty tracking only in scalable mode:
    // nested_supported() = sm && ecap_nest; ssads_supported() = sm && ecap_slads.
    u->nesting = u->scalableMode && (ecap & bit(26));
    u->dirtyTracking = u->scalableMode && (ecap & bit(45));

    auto yn = [](bool b) { return b ? QStringLiteral("yes") : QStringLiteral("no"); };
    u->featureText = {
        QStringLiteral("Address width: %1 bits (MGAW)").arg(u->addressWidth),
        QStringLiteral("Domains: %1").arg(quint64(1) << (4 + 2 * field(cap, 0, 3))),
        QStringLiteral("Large pages: %1").arg(u->largePages.isEmpty() ? QStringLiteral("none") : u->largePages.join(u", ")),
        QStringLiteral("Scalable mode: %1").arg(yn(u->scalableMode)),
        QStringLiteral("Nested translation: %1").arg(yn(u->nesting)),
        QStringLiteral("Dirty tracking (second-stage A/D): %1").arg(yn(u->dirtyTracking)),
        QStringLiteral("PASID: %1").arg(u->pasid ? QStringLiteral("yes, %1 bits").arg(u->pasidBits) : QStringLiteral("no")),
        QStringLiteral("Page requests (PRS): %1").arg(yn(u->pageRequest)),
        QStringLiteral("Interrupt remapping: %1").arg(yn(u->interruptRemapping)),
        QStringLiteral("Pass-through: %1").arg(yn(u->passThrough)),
        QStringLiteral("Device TLB (ATS): %1").arg(yn(ecap & bit(2))),
        QStringLiteral("Posted interrupts: %1").arg(yn(cap & bit(59))),
    };
    if (u->cachingMode)
        u->featureText << QStringLiteral("Caching mode: yes (an emulated IOMMU, e.g. QEMU's)");
}

void decodeAmdVi(quint64 efr, IommuUnit *u)
{
    u->kind = QStringLiteral("amd-vi");
    u->ecap = efr;
    u->pageRequest = efr & bit(1); // PPRSup
    const bool guestTranslation = efr & bit(4); // GTSup: v2 (guest) page tables
    u->nesting = guestTranslation;
    u->dirtyTracking = efr & bit(52); // HDSup, FEATURE_HDSUP in the kernel
    const int pasMax = int(field(efr, 32, 5));
    u->pasid = guestTranslation && pasMax > 0;
    u->pasidBits = u->pasid ? pasMax + 1 : 0;
    u->interruptRemapping = true; // AMD-Vi always remaps interrupts when enabled
    u->addressWidth = 0; // not in EFR; the v1 page table covers 64 bits at 6 levels
    auto yn = [](bool b) { return b ? QStringLiteral("yes") : QStringLiteral("no"); };
    u->featureText = {
        QStringLiteral("Guest translation (v2 tables, nesting): %1").arg(yn(guestTranslation)),
        QStringLiteral("Host dirty tracking (HDSup): %1").arg(yn(u->dirtyTracking)),
        QStringLiteral("PASID: %1").arg(u->pasid ? QStringLiteral("yes, %1 bits").arg(u->pasidBits) : QStringLiteral("no")),
        QStringLiteral("Peripheral page requests: %1").arg(yn(u->pageRequest)),
        QStringLiteral("x2APIC (XTSup): %1").arg(yn(efr & bit(2))),
        QStringLiteral("Guest virtual APIC (GASup): %1").arg(yn(efr & bit(7))),
    };
}

QList<IommuUnit> scanIommuUnits(const SysfsReader &sys, QStringList *warnings)
{
    QList<IommuUnit> units;
    const QString classDir = QStringLiteral("sys/class/iommu");
    for (const QString &name : sys.list(classDir)) {
        IommuUnit u;
        u.name = name;
        u.kind = QStringLiteral("other");
        // class/iommu/NAME is a link to devices/virtual/iommu/NAME (or a real directory in odd copies).
        QString dir = classDir + QLatin1Char('/') + name;
        if (auto target = sys.resolveLink(dir))
            dir = *target;
        if (sys.isDirectory(dir + QStringLiteral("/intel-iommu"))) {
            const auto cap = parseHex64(sys.readLine(dir + QStringLiteral("/intel-iommu/cap")));
            const auto ecap = parseHex64(sys.readLine(dir + QStringLiteral("/intel-iommu/ecap")));
            if (cap && ecap)
                decodeIntelVtd(*cap, *ecap, &u);
            else {
                u.kind = QStringLiteral("intel-vtd");
                warnings->append(QStringLiteral("IOMMU %1: cap/ecap missing or malformed").arg(name));
            }
            u.version = sys.readLine(dir + QStringLiteral("/intel-iommu/version")).value_or(QString());
        } else if (sys.isDirectory(dir + QStringLiteral("/amd-iommu"))) {
            if (const auto efr = parseHex64(sys.readLine(dir + QStringLiteral("/amd-iommu/features"))))
                decodeAmdVi(*efr, &u);
            else {
                u.kind = QStringLiteral("amd-vi");
                warnings->append(QStringLiteral("IOMMU %1: features missing or malformed").arg(name));
            }
        } else if (name.startsWith(QLatin1String("smmu")) || name.contains(QLatin1String("smmu"))) {
            u.kind = QStringLiteral("arm-smmu");
        } else if (name.startsWith(QLatin1String("virtio"))) {
            u.kind = QStringLiteral("virtio-iommu");
        }
        for (const QString &dev : sys.list(dir + QStringLiteral("/devices")))
            if (auto a = PciAddress::parse(dev))
                u.devices << *a;
        std::sort(u.devices.begin(), u.devices.end());
        units << u;
    }
    return units;
}

} // namespace devtopo
