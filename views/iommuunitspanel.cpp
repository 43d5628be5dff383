#include "iommuunitspanel.h"

#include "models/format.h"
#include "models/roles.h"

#include <QHeaderView>
#include <QLabel>
#include <QSplitter>
#include <QTextBrowser>
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
QString spaceSize(int bits)
{
    return fmt::rangeSize(0, bits >= 64 ? ~quint64(0) : (quint64(1) << bits) - 1);
}
} // namespace

QList<IommuImplication> iommuImplications(const IommuUnit &u)
{
    QList<IommuImplication> out;
    const bool intel = u.kind == QStringLiteral("intel-vtd");
    if (u.addressWidth > 0) {
        const QString size = spaceSize(u.addressWidth);
        out << IommuImplication{
            u.addressWidth >= 48, QStringLiteral("%1-bit address space").arg(u.addressWidth),
            QStringLiteral("IOVAs at or above %1 cannot be mapped: a guest with memory or 64-bit BARs above %1 of guest "
                           "physical address space cannot be given a device behind this unit, and a vIOMMU must "
                           "advertise at most %2 bits (QEMU intel-iommu aw-bits).")
                .arg(size)
                .arg(u.addressWidth)};
    } else if (u.kind == QStringLiteral("amd-vi")) {
        out << IommuImplication{true, QStringLiteral("64-bit address space"),
                                QStringLiteral("AMD-Vi v1 page tables cover the whole 64-bit IOVA space; only the "
                                               "reserved regions limit what a guest can map.")};
    }
    if (intel)
        out << (u.scalableMode
                    ? IommuImplication{true, QStringLiteral("Scalable mode"),
                                       QStringLiteral("Translation per PASID, the basis for nesting, dirty tracking and "
                                                      "Scalable IOV on VT-d.")}
                    : IommuImplication{false, QStringLiteral("Legacy mode only"),
                                       QStringLiteral("One translation per requester ID: on VT-d that also rules out "
                                                      "nesting, IOMMU dirty tracking and PASID.")});
    out << (u.nesting ? IommuImplication{true, QStringLiteral("Nesting"),
                                         QStringLiteral("A guest's vIOMMU can be backed by the hardware (iommufd nested "
                                                        "domains): guest DMA maps and unmaps need no VM exit.")}
                      : IommuImplication{false, QStringLiteral("No nesting"),
                                         QStringLiteral("No vIOMMU acceleration for guests: a vIOMMU is emulated with "
                                                        "shadow tables and a VM exit per map/unmap, slow for guest "
                                                        "DPDK/SPDK or nested VFIO.")});
    out << (u.dirtyTracking
                ? IommuImplication{true, QStringLiteral("Dirty tracking"),
                                   QStringLiteral("VFIO can ask the IOMMU which pages devices wrote (iommufd "
                                                  "dirty tracking), so live migration converges in pre-copy even for "
                                                  "devices without a dirty tracker of their own.")}
                : IommuImplication{false, QStringLiteral("No dirty tracking"),
                                   QStringLiteral("Live-migrating a VM with a device that has no dirty tracker of its "
                                                  "own cannot converge in pre-copy: every page the device may write "
                                                  "is treated as dirty until the VM stops, so downtime grows with "
                                                  "guest memory. Devices whose variant driver tracks dirty pages "
                                                  "(mlx5_vfio_pci, ...) are not affected.")});
    out << (u.pasid ? IommuImplication{true, u.pasidBits > 0 ? QStringLiteral("PASID, %1 bits").arg(u.pasidBits) : QStringLiteral("PASID"),
                                       QStringLiteral("Devices behind it can use several address spaces at once "
                                                      "(shared virtual addressing, Scalable IOV, iommufd PASID attach).")}
                    : IommuImplication{false, QStringLiteral("No PASID"),
                                       QStringLiteral("No shared virtual addressing and no Scalable IOV for devices "
                                                      "behind it: one address space per device.")});
    if (!u.interruptRemapping)
        out << IommuImplication{false, QStringLiteral("No interrupt remapping"),
                                QStringLiteral("VFIO refuses to assign devices unless vfio_iommu_type1 "
                                               "allow_unsafe_interrupts=1: a device could forge MSIs into the host.")};
    if (u.cachingMode)
        out << IommuImplication{false, QStringLiteral("Caching mode (emulated IOMMU)"),
                                QStringLiteral("This IOMMU is emulated by a hypervisor (QEMU): every map is trapped, "
                                               "so VFIO DMA mapping inside this guest is slow.")};
    return out;
}

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
    m_tree->setWordWrap(true);
    m_text = new QTextBrowser(this);
    m_text->setObjectName(QStringLiteral("iommuUnitExplanation"));
    m_text->setOpenLinks(false);
    auto *split = new QSplitter(Qt::Vertical, this);
    split->addWidget(m_tree);
    split->addWidget(m_text);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 2);
    layout->addWidget(split, 1);
    connect(m_tree, &QTreeWidget::currentItemChanged, this, [this](QTreeWidgetItem *item) {
        while (item && item->parent())
            item = item->parent();
        showUnit(item ? m_tree->indexOfTopLevelItem(item) : -1);
    });
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

QString IommuUnitsPanel::explanationText() const
{
    return m_text->toPlainText();
}

void IommuUnitsPanel::showUnit(int index)
{
    if (index < 0 || index >= m_units.size()) {
        m_text->clear();
        return;
    }
    const IommuUnit &u = m_units[index];
    QString html = QStringLiteral("<h3>%1 — what it means for VFIO</h3>").arg(u.name.toHtmlEscaped());
    html += tr("<p>%n device(s) translated by this unit.</p>", nullptr, int(u.devices.size()));
    for (const IommuImplication &i : iommuImplications(u))
        html += QStringLiteral("<p style=\"margin-left:6px\"><b style=\"color:%1\">%2 %3.</b> %4</p>")
                    .arg(i.good ? QStringLiteral("#2e7d32") : QStringLiteral("#c62828"),
                         i.good ? QStringLiteral("✓") : QStringLiteral("✗"), i.headline.toHtmlEscaped(), i.text.toHtmlEscaped());
    m_text->setHtml(html);
}

void IommuUnitsPanel::setTopology(const Topology &topology)
{
    m_tree->clear();
    m_units = topology.iommuUnits;
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
        const QList<IommuImplication> impact = iommuImplications(u);
        int bad = 0;
        for (const IommuImplication &i : impact)
            bad += i.good ? 0 : 1;
        auto *vfio = add(tr("VFIO impact"), bad ? tr("%n limitation(s)", nullptr, bad) : tr("no limitations"));
        for (const IommuImplication &i : impact) {
            auto *c = new QTreeWidgetItem(vfio);
            c->setText(NameColumn, (i.good ? QStringLiteral("✓ ") : QStringLiteral("✗ ")) + i.headline);
            c->setForeground(NameColumn, i.good ? QColor(0x2e, 0x7d, 0x32) : QColor(0xc6, 0x28, 0x28));
            c->setText(FeaturesColumn, i.text);
            c->setToolTip(FeaturesColumn, i.text);
        }
        vfio->setExpanded(true);
        auto *devices = add(tr("Devices"), QString::number(u.devices.size()));
        for (const PciAddress &a : u.devices) {
            auto *d = new QTreeWidgetItem(devices);
            d->setText(NameColumn, a.toString());
            d->setData(0, PciAddressRole, QVariant::fromValue(a));
            if (const PciFunction *f = topology.function(a)) {
                QString text = fmt::functionName(*f);
                if (f->iommuGroup)
                    text += tr(" — group %1").arg(*f->iommuGroup);
                text += QStringLiteral(", ") + (f->driver.isEmpty() ? tr("no driver") : f->driver);
                d->setText(FeaturesColumn, text);
            }
        }
        devices->setExpanded(u.devices.size() <= 12);
        item->setExpanded(true);
    }
    m_empty->setVisible(topology.iommuUnits.isEmpty());
    m_tree->setVisible(!topology.iommuUnits.isEmpty());
    m_text->setVisible(!topology.iommuUnits.isEmpty());
    if (m_tree->topLevelItemCount() > 0)
        m_tree->setCurrentItem(m_tree->topLevelItem(0));
    else
        showUnit(-1);
    for (int c = 0; c < ColumnCount - 1; ++c)
        m_tree->resizeColumnToContents(c);
}

} // namespace devtopo::views
