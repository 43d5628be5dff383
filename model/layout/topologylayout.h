#pragma once

// The topology drawing as plain data: nested boxes (machine → NUMA nodes → host bridges → ports,
// switches and devices) with absolute positions, text, group colours and link labels. Qt Core
// only, so the same layout is painted by the window, exported by devtopo-cli and checked by tests
// without a widget in sight. Painting lives in views/topologypainter.

#include "topology.h"

#include <QHash>
#include <QList>
#include <QRectF>
#include <QSet>
#include <QString>

#include <functional>
#include <optional>

namespace devtopo::layout {

// How many distinct group colours the painter has; colour indexes are in [0, GroupPaletteSize).
constexpr int GroupPaletteSize = 12;

enum class TextRole { Title, Body, Small };

// Text measurement is the only thing the layout needs from fonts. The default estimates from the
// character count so Core-only callers (tests) get a stable layout; the painter supplies real
// QFontMetricsF widths so boxes fit what is drawn.
struct LayoutMetrics
{
    std::function<qreal(const QString &text, TextRole role)> textWidth;
    qreal titleLine = 15;
    qreal bodyLine = 13;
    qreal smallLine = 12;
    qreal lineHeight(TextRole role) const;
    qreal width(const QString &text, TextRole role) const;
};

struct LayoutOptions
{
    LayoutMetrics metrics;
    bool expandAllVfs = false;
    QSet<PciAddress> expandedPfs; // PFs whose VFs are drawn one box each
    qreal maxDeviceWidth = 210; // longer names are elided by the painter
    qreal minDeviceWidth = 128;
};

struct TextLine
{
    QString text;
    TextRole role = TextRole::Body;
    enum class Tone { Normal, Muted, Good, Warning, Bad } tone = Tone::Normal;
};

// A PCIe link drawn above the box it leads into, written as the device sees it.
struct LinkLabel
{
    enum class State { Ok, Degraded, Severe }; // Severe: half the bandwidth or less
    QString text; // "8 GT/s x8", "8 GT/s x8 of x16", "8 of 16 GT/s x16"
    State state = State::Ok;
    QRectF rect; // the pill, absolute
    LinkInfo link;
};

struct DrawNode
{
    enum class Kind {
        Machine, // the whole host
        Numa, // a NUMA node with devices (id -1: host bridges without one)
        MemoryNode, // a memory-only NUMA node (CXL expander): no devices, drawn small
        HostBridge,
        Switch, // a PCIe switch: its upstream port function, containing its downstream ports
        Port, // root port, downstream port, PCIe-to-PCI and other bridges
        Device, // any other function
        VfStack, // identical VFs of one PF, collapsed
    };
    Kind kind = Kind::Device;
    QRectF rect; // absolute scene coordinates
    qreal headerHeight = 0; // title area at the top of containers and leaves
    int parent = -1;
    QList<int> children;
    int depth = 0;

    std::optional<PciAddress> address; // the function drawn (VfStack: the PF)
    QList<PciAddress> members; // VfStack: the VFs it stands for
    QString name; // searchable full name (untruncated)
    QList<TextLine> lines;
    QString toolTip;

    int numaNode = -1; // Numa, MemoryNode
    QString hostBridge; // HostBridge
    int group = -1; // IOMMU group, -1 none (VfStack: the first VF's)
    int colorIndex = -1; // into the painter's group palette, -1 no group
    bool groupViable = true;
    int groupSize = 0;
    QRectF badgeRect; // the group-number badge, absolute; empty when no group
    QString badgeText;
    std::optional<LinkLabel> link;

    bool isFunction() const { return kind == Kind::Switch || kind == Kind::Port || kind == Kind::Device; }
    bool isContainer() const { return !children.isEmpty(); }
};

struct TopologyLayout
{
    QList<DrawNode> nodes; // parents before children; node 0 is the machine
    QRectF bounds; // everything drawn: the machine box and the legend below it
    QRectF legendRect;
    QHash<PciAddress, int> nodeOfFunction; // collapsed VFs map to their stack
    QHash<int, int> groupColor; // IOMMU group id → palette index

    int nodeFor(const PciAddress &a) const { return nodeOfFunction.value(a, -1); }
    int count(DrawNode::Kind kind) const;
    // Nodes whose address or name contains text (case-insensitive), in drawing order.
    QList<int> search(const QString &text) const;
    // The topmost node under a scene point, -1 for none.
    int nodeAt(const QPointF &scenePoint) const;
};

TopologyLayout layoutTopology(const Topology &topology, const LayoutOptions &options = {});

// Short forms used on boxes, exposed for tests and tooltips.
QString shortVendor(const QString &vendorName);
QString shortDeviceName(const PciFunction &f);
QString linkLabelText(const LinkInfo &link);
LinkLabel::State linkState(const LinkInfo &link);

} // namespace devtopo::layout
