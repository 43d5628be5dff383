#include "iommuunitspanel.h"

#include "models/format.h"
#include "models/roles.h"

#include <QHeaderView>
#include <QLabel>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace devtopo::views {

namespace {
QString onOff(bool v)
{
    return v ? QStringLiteral("yes") : QStringLiteral("no");
}

// The headline features in one cell: what people compare units by.
QString featureSummary(const IommuUnit &u)
{
    QStringList s;
    if (u.scalableMode)
        s << QStringLiteral("scalable");
    if (u.nesting)
        s << QStringLiteral("nesting");
    if (u.dirtyTracking)
        s << QStringLiteral("dirty tracking");
    if (u.pasid)
        s << (u.pasidBits > 0 ? QStringLiteral("PASID %1-bit").arg(u.pasidBits) : QStringLiteral("PASID"));
    if (u.cachingMode)
        s << QStringLiteral("caching mode (emulated)");
    return s.isEmpty() ? QStringLiteral("basic translation") : s.join(QStringLiteral(", "));
}
} // namespace

IommuUnitsPanel::IommuUnitsPanel(QWidget *parent)
    : QWidget(parent)
{
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    m_empty = new QLabel(tr("No IOMMU units found: the IOMMU is off, or the kernel was booted without it "
                            "(intel_iommu=on / amd_iommu=on)."),
                         this);
    m_empty->setWordWrap(true);
    layout->addWidget(m_empty);
    m_tree = new QTreeWidget(this);
    m_tree->setObjectName(QStringLiteral("iommuUnitTree"));
    m_tree->setHeaderLabels({tr("Unit"), tr("Kind"), tr("Address width"), tr("Features"), tr("Devices")});
    m_tree->setAlternatingRowColors(true);
    m_tree->header()->setStretchLastSection(true);
    layout->addWidget(m_tree, 1);
    connect(m_tree, &QTreeWidget::itemActivated, this, [this](QTreeWidgetItem *item) {
        const QVariant a = item->data(0, PciAddressRole);
        if (a.isValid())
            Q_EMIT functionActivated(a.value<PciAddress>());
    });
    setTopology(Topology());
}

int IommuUnitsPanel::unitCount() const
{
    return m_tree->topLevelItemCount();
}

void IommuUnitsPanel::setTopology(const Topology &topology)
{
    m_tree->clear();
    for (const IommuUnit &u : topology.iommuUnits) {
        auto *item = new QTreeWidgetItem(m_tree);
        item->setText(NameColumn, u.name);
        item->setText(KindColumn, u.kind + (u.version.isEmpty() ? QString() : QStringLiteral(" v") + u.version));
        item->setText(WidthColumn, u.addressWidth > 0 ? tr("%1 bits").arg(u.addressWidth) : tr("unknown"));
        item->setText(FeaturesColumn, featureSummary(u));
        item->setText(DevicesColumn, QString::number(u.devices.size()));
        item->setTextAlignment(DevicesColumn, Qt::AlignRight | Qt::AlignVCenter);

        auto add = [item](const QString &key, const QString &value) {
            auto *child = new QTreeWidgetItem(item);
            child->setText(NameColumn, key);
            child->setText(FeaturesColumn, value);
            child->setFirstColumnSpanned(false);
            return child;
        };
        add(tr("Address width"), u.addressWidth > 0 ? tr("%1 bits (%2)").arg(u.addressWidth).arg(fmt::rangeSize(0, (u.addressWidth >= 64 ? ~quint64(0) : (quint64(1) << u.addressWidth) - 1))) : tr("unknown"));
        add(tr("Scalable mode"), onOff(u.scalableMode));
        add(tr("Nesting"), onOff(u.nesting));
        add(tr("Dirty tracking"), onOff(u.dirtyTracking));
        add(tr("PASID"), u.pasid ? (u.pasidBits > 0 ? tr("yes, %1 bits").arg(u.pasidBits) : tr("yes")) : tr("no"));
        add(tr("Pass-through"), onOff(u.passThrough));
        add(tr("Interrupt remapping"), onOff(u.interruptRemapping));
        add(tr("Page requests"), onOff(u.pageRequest));
        add(tr("Caching mode"), u.cachingMode ? tr("yes: an emulated IOMMU (QEMU)") : tr("no"));
        if (!u.largePages.isEmpty())
            add(tr("Large pages"), u.largePages.join(QStringLiteral(", ")));
        if (u.cap || u.ecap)
            add(tr("Registers"), QStringLiteral("cap %1, ecap %2").arg(fmt::hex(u.cap), fmt::hex(u.ecap)));
        if (!u.featureText.isEmpty()) {
            auto *decoded = add(tr("Decoded"), QString::number(u.featureText.size()));
            for (const QString &t : u.featureText)
                (new QTreeWidgetItem(decoded))->setText(FeaturesColumn, t);
        }
        auto *devices = add(tr("Devices"), QString::number(u.devices.size()));
        for (const PciAddress &a : u.devices) {
            auto *d = new QTreeWidgetItem(devices);
            d->setText(NameColumn, a.toString());
            d->setData(0, PciAddressRole, QVariant::fromValue(a));
            if (const PciFunction *f = topology.function(a))
                d->setText(FeaturesColumn, fmt::functionName(*f));
        }
        item->setExpanded(true);
    }
    m_empty->setVisible(topology.iommuUnits.isEmpty());
    m_tree->setVisible(!topology.iommuUnits.isEmpty());
    for (int c = 0; c < ColumnCount - 1; ++c)
        m_tree->resizeColumnToContents(c);
}

} // namespace devtopo::views
