#include "topologylayout.h"

#include "models/format.h"

#include <QMap>
#include <QRegularExpression>

#include <algorithm>
#include <cmath>

namespace devtopo::layout {

namespace {

constexpr qreal Pad = 6; // inside a box, around its text and children
constexpr qreal Gap = 8; // between sibling boxes
constexpr qreal BadgeGap = 8; // between a title and the group badge
constexpr qreal MaxTitleWidth = 300; // ports and switches: longer titles are elided

using Kind = DrawNode::Kind;

QString shortAddress(const PciAddress &a)
{
    // Domain 0 is the common case; other domains keep the full form so addresses stay unique.
    const QString full = a.toString();
    return a.domain == 0 ? full.mid(5) : full;
}

QString portKindName(const PciFunction &f)
{
    switch (f.portType) {
    case PortType::RootPort:
        return QStringLiteral("Root port");
    case PortType::SwitchDownstream:
        return QStringLiteral("Downstream port");
    case PortType::SwitchUpstream:
        return QStringLiteral("Upstream port");
    case PortType::PcieToPciBridge:
        return QStringLiteral("PCIe-to-PCI bridge");
    case PortType::PciToPcieBridge:
        return QStringLiteral("PCI-to-PCIe bridge");
    case PortType::CardBusBridge:
        return QStringLiteral("CardBus bridge");
    default:
        return QStringLiteral("Bridge");
    }
}

// What the port does for isolation, because that is what decides the groups below it.
TextLine acsLine(const PciFunction &f)
{
    if (!f.caps.configReadable)
        return {QStringLiteral("ACS unknown (no config)"), TextRole::Small, TextLine::Tone::Muted};
    if (!f.caps.acs.present)
        return {QStringLiteral("no ACS"), TextRole::Small, TextLine::Tone::Bad};
    const quint16 missing = quint16(Acs::RequiredForIsolation & ~f.caps.acs.control);
    if (missing)
        return {QStringLiteral("ACS off: ") + Acs::bitsToString(missing), TextRole::Small, TextLine::Tone::Warning};
    return {QStringLiteral("ACS on"), TextRole::Small, TextLine::Tone::Good};
}

// What kind of device, in a word or two: the name above is shortened, so this says "Ethernet".
QString shortClass(const PciFunction &f)
{
    switch (f.classCode >> 8) {
    case 0x0108:
        return QStringLiteral("NVMe");
    case 0x0106:
        return QStringLiteral("SATA");
    case 0x0200:
        return QStringLiteral("Ethernet");
    case 0x0207:
        return QStringLiteral("InfiniBand");
    case 0x0300:
        return QStringLiteral("VGA");
    case 0x0302:
        return QStringLiteral("3D");
    case 0x0403:
        return QStringLiteral("audio");
    case 0x0c03:
        return QStringLiteral("USB");
    case 0x0c05:
        return QStringLiteral("SMBus");
    case 0x1200:
        return QStringLiteral("accelerator");
    default:
        break;
    }
    return f.className.section(QLatin1Char(' '), 0, 1).toLower();
}

TextLine driverLine(const QString &driver, const QString &kind = {})
{
    const QString suffix = kind.isEmpty() ? QString() : QStringLiteral(" · ") + kind;
    if (driver.isEmpty())
        return {QStringLiteral("no driver") + suffix, TextRole::Small, TextLine::Tone::Muted};
    // Devices on a VFIO driver are the ones handed to guests: worth spotting at a glance.
    const bool vfio = driver.startsWith(QStringLiteral("vfio")) || driver.endsWith(QStringLiteral("_vfio_pci"));
    return {driver + suffix, TextRole::Small, vfio ? TextLine::Tone::Good : TextLine::Tone::Normal};
}

QString gib(quint64 kib)
{
    if (kib == 0)
        return {};
    const double g = double(kib) / (1024.0 * 1024.0);
    return g >= 1 ? QString::number(g, 'f', g < 10 ? 1 : 0) + QStringLiteral(" GiB")
                  : QString::number(double(kib) / 1024.0, 'f', 0) + QStringLiteral(" MiB");
}

class Builder
{
public:
    Builder(const Topology &t, const LayoutOptions &o, TopologyLayout &l)
        : m_t(t)
        , m_o(o)
        , m_l(l)
    {
    }

    void build();

private:
    int addNode(Kind kind, int parent);
    void addFunctions(int parent, const QList<PciAddress> &addresses);
    int addFunction(int parent, const PciFunction &f);
    void addVfStack(int parent, const PciFunction &pf, const QList<PciAddress> &vfs);
    void setGroup(DrawNode &n, int group);
    void assignColours();
    void finishText(DrawNode &n);
    QSizeF measure(int index);
    void place(int index, QPointF origin);
    qreal linkStrip() const { return m_o.metrics.smallLine + 6; }

    const Topology &m_t;
    const LayoutOptions &m_o;
    TopologyLayout &m_l;
    QList<QPointF> m_relative; // child positions relative to the parent's top-left
};

int Builder::addNode(Kind kind, int parent)
{
    DrawNode n;
    n.kind = kind;
    n.parent = parent;
    const int index = int(m_l.nodes.size());
    if (parent >= 0) {
        n.depth = m_l.nodes[parent].depth + 1;
        m_l.nodes[parent].children.append(index);
    }
    m_l.nodes.append(n);
    return index;
}

void Builder::setGroup(DrawNode &n, int group)
{
    n.group = group;
    const IommuGroup *g = m_t.group(group);
    n.groupViable = !g || g->viability.viable;
    n.groupSize = g ? int(g->devices.size()) : 0;
    n.badgeText = QStringLiteral("G%1").arg(group);
}

void Builder::build()
{
    const int machine = addNode(Kind::Machine, -1);
    {
        DrawNode &m = m_l.nodes[machine];
        m.name = m_t.hostname.isEmpty() ? QStringLiteral("Host") : m_t.hostname;
        m.lines << TextLine{m.name, TextRole::Title};
        QStringList facts;
        if (!m_t.kernelRelease.isEmpty())
            facts << QStringLiteral("Linux ") + m_t.kernelRelease;
        facts << QStringLiteral("%1 PCI functions").arg(m_t.functions.size())
              << QStringLiteral("%1 IOMMU groups").arg(m_t.groups.size());
        m.lines << TextLine{facts.join(QStringLiteral(" · ")), TextRole::Small, TextLine::Tone::Muted};
    }

    // Host bridges in address order, with the NUMA node the scan found for them.
    QMap<QString, int> bridgeNuma;
    for (const HostBridge &hb : m_t.hostBridges)
        bridgeNuma.insert(hb.name, hb.numaNode);
    QMap<QString, QList<PciAddress>> rootsByBridge;
    for (const PciAddress &a : m_t.roots()) {
        const PciFunction *f = m_t.function(a);
        const QString hb = f->hostBridge.isEmpty() ? QStringLiteral("pci%1:%2").arg(a.domain, 4, 16, QLatin1Char('0')).arg(a.bus, 2, 16, QLatin1Char('0'))
                                                   : f->hostBridge;
        rootsByBridge[hb].append(a);
        if (!bridgeNuma.contains(hb) || bridgeNuma.value(hb) < 0)
            bridgeNuma[hb] = f->numaNode;
    }
    // QMap orders "pci0000:00" < "pci0000:17" < "pci0001:00" < "pci10000:00": bus order within a domain.
    QMap<int, QStringList> bridgesByNuma;
    bool anyNuma = false;
    for (auto it = rootsByBridge.cbegin(); it != rootsByBridge.cend(); ++it) {
        const int numa = bridgeNuma.value(it.key(), -1);
        bridgesByNuma[numa].append(it.key());
        anyNuma = anyNuma || numa >= 0;
    }

    auto numaInfo = [this](int id) -> const NumaNode * {
        for (const NumaNode &n : m_t.numaNodes)
            if (n.id == id)
                return &n;
        return nullptr;
    };
    for (auto it = bridgesByNuma.cbegin(); it != bridgesByNuma.cend(); ++it) {
        int parent = machine;
        // Without any NUMA information the host bridges sit in the machine box directly.
        if (anyNuma) {
            parent = addNode(Kind::Numa, machine);
            DrawNode &n = m_l.nodes[parent];
            n.numaNode = it.key();
            if (it.key() < 0) {
                n.name = QStringLiteral("No NUMA node");
                n.lines << TextLine{n.name, TextRole::Title};
            } else {
                n.name = QStringLiteral("NUMA node %1").arg(it.key());
                n.lines << TextLine{n.name, TextRole::Title};
                if (const NumaNode *info = numaInfo(it.key())) {
                    QStringList facts;
                    if (!info->cpuList.isEmpty())
                        facts << QStringLiteral("CPUs ") + info->cpuList;
                    if (info->memTotalKiB)
                        facts << gib(info->memTotalKiB);
                    if (!facts.isEmpty())
                        n.lines << TextLine{facts.join(QStringLiteral(" · ")), TextRole::Small, TextLine::Tone::Muted};
                }
            }
        }
        for (const QString &hbName : it.value()) {
            const int hb = addNode(Kind::HostBridge, parent);
            {
                DrawNode &n = m_l.nodes[hb];
                n.hostBridge = hbName;
                n.name = QStringLiteral("Host bridge ") + hbName;
                n.lines << TextLine{n.name, TextRole::Title};
                QString unit;
                for (const PciAddress &a : rootsByBridge.value(hbName))
                    if (const PciFunction *f = m_t.function(a); f && !f->iommuUnit.isEmpty()) {
                        unit = f->iommuUnit;
                        break;
                    }
                n.lines << TextLine{unit.isEmpty() ? QStringLiteral("no IOMMU unit") : QStringLiteral("IOMMU ") + unit,
                                    TextRole::Small, TextLine::Tone::Muted};
            }
            addFunctions(hb, rootsByBridge.value(hbName));
        }
    }

    // Memory-only nodes (CXL expanders, HBM) hold no devices but matter for placement.
    for (const NumaNode &n : m_t.numaNodes) {
        if (!n.memoryOnly())
            continue;
        const int idx = addNode(Kind::MemoryNode, machine);
        DrawNode &d = m_l.nodes[idx];
        d.numaNode = n.id;
        d.name = QStringLiteral("NUMA node %1").arg(n.id);
        d.lines << TextLine{d.name, TextRole::Title}
                << TextLine{QStringLiteral("memory only") + (n.memTotalKiB ? QStringLiteral(" · ") + gib(n.memTotalKiB) : QString()),
                            TextRole::Small, TextLine::Tone::Muted}
                << TextLine{QStringLiteral("no CPUs, no devices (CXL or HBM)"), TextRole::Small, TextLine::Tone::Muted};
    }

    assignColours();
    for (DrawNode &n : m_l.nodes)
        finishText(n);
    m_relative.resize(m_l.nodes.size());
    const QSizeF size = measure(machine);
    place(machine, QPointF(0, 0));
    // The legend goes under the machine; the painter fills it, the layout only reserves room.
    m_l.legendRect = QRectF(0, size.height() + Gap, std::max<qreal>(size.width(), 980), 2 * m_o.metrics.smallLine + 2 * Pad);
    m_l.bounds = QRectF(QPointF(0, 0), size).united(m_l.legendRect);
}

// Functions in address order, each PF followed by its VFs (collapsed unless expanded).
void Builder::addFunctions(int parent, const QList<PciAddress> &addresses)
{
    QList<const PciFunction *> plain;
    QMap<PciAddress, QList<PciAddress>> vfsByPf; // PF → its VFs among these siblings
    for (const PciAddress &a : addresses) {
        const PciFunction *f = m_t.function(a);
        if (!f)
            continue;
        if (f->physfn)
            vfsByPf[*f->physfn].append(a);
        else
            plain.append(f);
    }
    auto emitVfs = [&](const PciAddress &pf) {
        const QList<PciAddress> vfs = vfsByPf.take(pf);
        if (vfs.isEmpty())
            return;
        const PciFunction *pff = m_t.function(pf);
        const bool expand = m_o.expandAllVfs || m_o.expandedPfs.contains(pf);
        // Identical siblings collapse: same device ID (a PF's VFs always are; the check is cheap).
        QMap<quint16, QList<PciAddress>> byDevice;
        for (const PciAddress &v : vfs)
            byDevice[m_t.function(v)->deviceId].append(v);
        for (const QList<PciAddress> &same : std::as_const(byDevice)) {
            if (expand || same.size() < 2 || !pff) {
                for (const PciAddress &v : same)
                    addFunction(parent, *m_t.function(v));
            } else {
                addVfStack(parent, *pff, same);
            }
        }
    };
    for (const PciFunction *f : std::as_const(plain)) {
        addFunction(parent, *f);
        emitVfs(f->address);
    }
    for (const PciAddress &pf : vfsByPf.keys())
        emitVfs(pf);
}

int Builder::addFunction(int parent, const PciFunction &f)
{
    Kind kind = Kind::Device;
    if (f.portType == PortType::SwitchUpstream)
        kind = Kind::Switch;
    else if (f.isBridge())
        kind = Kind::Port;
    const int idx = addNode(kind, parent);
    m_l.nodeOfFunction.insert(f.address, idx);
    {
        DrawNode &n = m_l.nodes[idx];
        n.address = f.address;
        if (f.iommuGroup)
            setGroup(n, *f.iommuGroup);
        const QString name = shortDeviceName(f);
        n.name = f.address.toString() + QLatin1Char(' ') + f.vendorName + QLatin1Char(' ') + f.deviceName + QLatin1Char(' ')
            + f.className + QLatin1Char(' ') + f.driver;
        switch (kind) {
        case Kind::Switch:
            n.lines << TextLine{QStringLiteral("Switch · ") + name, TextRole::Title}
                    << TextLine{shortAddress(f.address) + QStringLiteral(" upstream"), TextRole::Body} << driverLine(f.driver);
            break;
        case Kind::Port:
            n.lines << TextLine{portKindName(f) + QLatin1Char(' ') + shortAddress(f.address), TextRole::Title} << acsLine(f);
            if (f.children.isEmpty())
                n.lines << TextLine{QStringLiteral("empty"), TextRole::Small, TextLine::Tone::Muted};
            break;
        default:
            // A VF's name is its PF's family name; its index is what tells the boxes apart.
            n.lines << TextLine{f.isVf() ? QStringLiteral("VF %1 · ").arg(f.vfIndex) + name : name, TextRole::Title}
                    << TextLine{shortAddress(f.address), TextRole::Body} << driverLine(f.driver, shortClass(f));
            break;
        }
        n.toolTip = f.address.toString() + QLatin1Char('\n') + fmt::functionName(f) + QLatin1Char('\n') + fmt::className(f)
            + (f.driver.isEmpty() ? QString() : QStringLiteral("\ndriver ") + f.driver)
            + (f.iommuGroup ? QStringLiteral("\nIOMMU group %1").arg(*f.iommuGroup) + (n.groupViable ? QString() : QStringLiteral(" (not viable for VFIO)"))
                            : QStringLiteral("\nno IOMMU group"));
        // The link into this box, as this function sees it. Root and downstream ports report the
        // same link their child does, so drawing it on the child side draws each link once.
        const bool linkOwner = f.parent && f.portType != PortType::RootPort && f.portType != PortType::SwitchDownstream
            && f.portType != PortType::RootComplexIntegratedEndpoint && !f.isVf();
        if (linkOwner && f.link.known() && (f.link.currentWidth > 0 || f.link.currentSpeed > 0)) {
            LinkLabel l;
            l.link = f.link;
            l.text = linkLabelText(f.link);
            l.state = linkState(f.link);
            n.link = l;
            n.toolTip += QStringLiteral("\nlink ") + fmt::linkText(f.link);
        }
    }
    addFunctions(idx, f.children);
    return idx;
}

void Builder::addVfStack(int parent, const PciFunction &pf, const QList<PciAddress> &vfs)
{
    const int idx = addNode(Kind::VfStack, parent);
    DrawNode &n = m_l.nodes[idx];
    n.address = pf.address;
    n.members = vfs;
    const PciFunction *first = m_t.function(vfs.first());
    const PciFunction *last = m_t.function(vfs.last());
    QMap<QString, int> drivers;
    QList<int> groups;
    bool viable = true;
    QStringList memberText;
    for (const PciAddress &v : vfs) {
        m_l.nodeOfFunction.insert(v, idx);
        const PciFunction *f = m_t.function(v);
        drivers[f->driver.isEmpty() ? QStringLiteral("no driver") : f->driver]++;
        if (f->iommuGroup) {
            groups << *f->iommuGroup;
            if (const IommuGroup *g = m_t.group(*f->iommuGroup); g && !g->viability.viable)
                viable = false;
        }
        memberText << v.toString();
    }
    if (!groups.isEmpty()) {
        setGroup(n, groups.first());
        std::sort(groups.begin(), groups.end());
        const bool consecutive = groups.last() - groups.first() == groups.size() - 1;
        if (groups.size() > 1)
            n.badgeText = consecutive ? QStringLiteral("G%1–%2").arg(groups.first()).arg(groups.last())
                                      : QStringLiteral("%1 groups").arg(groups.size());
    }
    n.groupViable = viable;
    QStringList driverText;
    for (auto it = drivers.cbegin(); it != drivers.cend(); ++it)
        driverText << (drivers.size() == 1 ? it.key() : it.key() + QStringLiteral(" ×") + QString::number(it.value()));
    n.lines << TextLine{QStringLiteral("%1 × VF").arg(vfs.size()), TextRole::Title}
            << TextLine{shortDeviceName(*first), TextRole::Body}
            << TextLine{shortAddress(first->address) + QStringLiteral(" – ") + shortAddress(last->address), TextRole::Small}
            << TextLine{driverText.join(QStringLiteral(", ")), TextRole::Small,
                        drivers.size() > 1 ? TextLine::Tone::Warning : TextLine::Tone::Normal};
    n.name = QStringLiteral("VF ") + first->vendorName + QLatin1Char(' ') + first->deviceName + QLatin1Char(' ')
        + memberText.join(QLatin1Char(' '));
    n.toolTip = QStringLiteral("%1 virtual functions of %2 (click to expand)\n").arg(vfs.size()).arg(pf.address.toString())
        + fmt::functionName(*first) + QLatin1Char('\n') + driverText.join(QStringLiteral(", "));
}

// Greedy colouring so neighbours differ: boxes within a few places of each other under the same
// parent or grandparent (a switch's devices sit under different downstream ports) never share a
// colour unless they share a group. Groups are coloured in id order starting at id mod palette, so
// a host that does not change keeps its colours.
void Builder::assignColours()
{
    QHash<int, QSet<int>> neighbours;
    auto addWindow = [&neighbours](const QList<int> &groups) {
        const int w = GroupPaletteSize - 1;
        for (int i = 0; i < groups.size(); ++i)
            for (int j = i + 1; j < std::min<int>(int(groups.size()), i + 1 + w); ++j)
                if (groups[i] != groups[j]) {
                    neighbours[groups[i]].insert(groups[j]);
                    neighbours[groups[j]].insert(groups[i]);
                }
    };
    for (const DrawNode &p : std::as_const(m_l.nodes)) {
        if (p.children.isEmpty())
            continue;
        QList<int> kids, grandKids;
        for (int c : p.children) {
            const DrawNode &cn = m_l.nodes[c];
            if (cn.group >= 0)
                kids << cn.group;
            for (int g : cn.children)
                if (m_l.nodes[g].group >= 0)
                    grandKids << m_l.nodes[g].group;
        }
        addWindow(kids);
        addWindow(grandKids);
    }
    QList<int> ids;
    for (const IommuGroup &g : m_t.groups)
        ids << g.id;
    for (const DrawNode &n : std::as_const(m_l.nodes))
        if (n.group >= 0 && !m_t.group(n.group))
            ids << n.group; // a function naming a group the scan did not list
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    for (int id : std::as_const(ids)) {
        QSet<int> used;
        for (int other : neighbours.value(id))
            if (auto it = m_l.groupColor.constFind(other); it != m_l.groupColor.cend())
                used.insert(*it);
        const int start = ((id % GroupPaletteSize) + GroupPaletteSize) % GroupPaletteSize;
        int colour = start;
        for (int k = 0; k < GroupPaletteSize; ++k) {
            const int c = (start + k) % GroupPaletteSize;
            if (!used.contains(c)) {
                colour = c;
                break;
            }
        }
        m_l.groupColor.insert(id, colour);
    }
    for (DrawNode &n : m_l.nodes)
        if (n.group >= 0)
            n.colorIndex = m_l.groupColor.value(n.group, -1);
}

void Builder::finishText(DrawNode &n)
{
    qreal h = Pad;
    for (const TextLine &l : std::as_const(n.lines))
        h += m_o.metrics.lineHeight(l.role);
    n.headerHeight = h + (n.children.isEmpty() ? Pad : Pad / 2);
}

QSizeF Builder::measure(int index)
{
    const LayoutMetrics &m = m_o.metrics;
    DrawNode &self = m_l.nodes[index];
    const bool leaf = self.children.isEmpty();
    const bool elided = self.kind == Kind::Device || self.kind == Kind::VfStack;

    qreal textW = 0;
    for (int i = 0; i < self.lines.size(); ++i) {
        qreal w = m.width(self.lines[i].text, self.lines[i].role);
        if (i == 0 && !self.badgeText.isEmpty())
            w += BadgeGap + m.width(self.badgeText, TextRole::Small) + 8;
        textW = std::max(textW, w);
    }
    qreal width = textW + 2 * Pad;
    if (elided)
        width = std::clamp(width, m_o.minDeviceWidth, m_o.maxDeviceWidth);
    else if (!leaf && self.isFunction())
        width = std::min(width, MaxTitleWidth); // a long switch name must not widen the box: elided
    if (self.link)
        width = std::max(width, m.width(self.link->text, TextRole::Small) + 12);
    qreal height = self.headerHeight;

    if (!leaf) {
        // Measure children, then wrap them in rows at the width that keeps the box closest to a
        // landscape shape: lstopo's left-to-right with wrapping, without its very wide rows.
        const QList<int> kids = self.children;
        QList<QSizeF> slots;
        qreal maxW = 0, sumW = 0;
        for (int c : kids) {
            QSizeF s = measure(c);
            if (m_l.nodes[c].link)
                s.rheight() += linkStrip();
            slots << s;
            maxW = std::max(maxW, s.width());
            sumW += s.width() + Gap;
        }
        const qreal target = self.kind == Kind::Machine ? 1.7 : 1.4; // width / height
        auto flow = [&](qreal wrap, QList<QPointF> *pos) {
            qreal x = 0, y = 0, rowH = 0, w = 0;
            for (const QSizeF &s : std::as_const(slots)) {
                if (x > 0 && x + s.width() > wrap) {
                    x = 0;
                    y += rowH + Gap;
                    rowH = 0;
                }
                if (pos)
                    pos->append(QPointF(x, y));
                x += s.width() + Gap;
                w = std::max(w, x - Gap);
                rowH = std::max(rowH, s.height());
            }
            return QSizeF(w, y + rowH);
        };
        qreal best = sumW;
        double bestScore = 1e300;
        // A few candidate widths between one column and one row: cheap even for thousands of boxes.
        const int candidates = 24;
        for (int i = 0; i <= candidates; ++i) {
            const qreal wrap = maxW + (sumW - maxW) * std::pow(double(i) / candidates, 2.0);
            const QSizeF s = flow(wrap, nullptr);
            // The title may make the box wider than its rows anyway: then wider rows cost nothing.
            const qreal w = std::max(s.width() + 2 * Pad, width);
            const double aspect = w / std::max<qreal>(1, s.height() + height + Pad);
            const double score = w * (s.height() + height + Pad) * (1.0 + 0.6 * std::abs(std::log(aspect / target)));
            if (score < bestScore) {
                bestScore = score;
                best = wrap;
            }
        }
        QList<QPointF> pos;
        const QSizeF inner = flow(best, &pos);
        for (int i = 0; i < kids.size(); ++i) {
            QPointF p = pos[i] + QPointF(Pad, height);
            if (m_l.nodes[kids[i]].link)
                p.ry() += linkStrip();
            m_relative[kids[i]] = p;
        }
        width = std::max(width, inner.width() + 2 * Pad);
        height += inner.height() + Pad;
    }
    DrawNode &n = m_l.nodes[index];
    n.rect = QRectF(0, 0, width, height);
    return n.rect.size();
}

void Builder::place(int index, QPointF origin)
{
    DrawNode &n = m_l.nodes[index];
    n.rect.moveTopLeft(origin);
    const LayoutMetrics &m = m_o.metrics;
    if (!n.badgeText.isEmpty()) {
        const qreal bw = m.width(n.badgeText, TextRole::Small) + 8;
        n.badgeRect = QRectF(n.rect.right() - Pad - bw, n.rect.top() + Pad, bw, m.smallLine + 1);
    }
    if (n.link) {
        const qreal w = m.width(n.link->text, TextRole::Small) + 10;
        n.link->rect = QRectF(n.rect.left() + 4, n.rect.top() - linkStrip() + 1, w, m.smallLine + 3);
    }
    const QList<int> kids = n.children;
    for (int c : kids)
        place(c, origin + m_relative[c]);
}

} // namespace

TopologyLayout layoutTopology(const Topology &topology, const LayoutOptions &options)
{
    TopologyLayout l;
    Builder(topology, options, l).build();
    return l;
}

qreal LayoutMetrics::lineHeight(TextRole role) const
{
    switch (role) {
    case TextRole::Title:
        return titleLine;
    case TextRole::Body:
        return bodyLine;
    case TextRole::Small:
        return smallLine;
    }
    return bodyLine;
}

qreal LayoutMetrics::width(const QString &text, TextRole role) const
{
    if (textWidth)
        return textWidth(text, role);
    // Roughly a sans-serif at 11/10/9 px: good enough for tests and Core-only callers.
    const qreal perChar = role == TextRole::Title ? 6.6 : role == TextRole::Body ? 6.0 : 5.4;
    return qreal(text.size()) * perChar;
}

int TopologyLayout::count(DrawNode::Kind kind) const
{
    return int(std::count_if(nodes.cbegin(), nodes.cend(), [kind](const DrawNode &n) { return n.kind == kind; }));
}

QList<int> TopologyLayout::search(const QString &text) const
{
    QList<int> hits;
    const QString needle = text.trimmed();
    if (needle.isEmpty())
        return hits;
    // An exact address first: typing "3b:00.0" should land there, not on the first box mentioning it.
    if (const auto a = PciAddress::parse(needle)) {
        const int n = nodeFor(*a);
        if (n >= 0)
            hits << n;
    }
    for (int i = 0; i < nodes.size(); ++i) {
        const DrawNode &n = nodes[i];
        if (n.kind == DrawNode::Kind::Machine || hits.contains(i))
            continue;
        // A stack's address is its PF's, which has a box of its own: match stacks by their VFs.
        const bool byAddress = n.kind != DrawNode::Kind::VfStack && n.address
            && n.address->toString().contains(needle, Qt::CaseInsensitive);
        if (byAddress || n.name.contains(needle, Qt::CaseInsensitive))
            hits << i;
    }
    return hits;
}

int TopologyLayout::nodeAt(const QPointF &p) const
{
    int best = -1;
    // Walk down from the machine: only the containing child can hold a deeper hit.
    int current = nodes.isEmpty() || !nodes.first().rect.contains(p) ? -1 : 0;
    while (current >= 0) {
        best = current;
        int next = -1;
        for (int c : nodes[current].children)
            if (nodes[c].rect.contains(p)) {
                next = c;
                break;
            }
        current = next;
    }
    return best;
}

QString shortVendor(const QString &vendorName)
{
    // "Advanced Micro Devices, Inc. [AMD]" → "AMD"; "NVIDIA Corporation" → "NVIDIA".
    static const QRegularExpression bracket(QStringLiteral("\\[([^\\]]+)\\]"));
    const QRegularExpressionMatch m = bracket.match(vendorName);
    if (m.hasMatch())
        return m.captured(1);
    // "Red Hat, Inc." → "Red Hat"; "Samsung Electronics Co Ltd" → "Samsung"; "Texas Instruments" stays.
    static const QRegularExpression suffix(QStringLiteral(
        "\\s+(Corporation|Corp\\.?|Inc\\.?|Co\\.?|Ltd\\.?|Limited|Technologies|Technology|Electronics|Semiconductor|"
        "Systems|International|GmbH|AG|S\\.A\\.|LLC)\\b.*$"));
    QString v = vendorName.section(QLatin1Char(','), 0, 0).trimmed();
    v.remove(suffix);
    return v.trimmed().isEmpty() ? vendorName.section(QLatin1Char(' '), 0, 0) : v.trimmed();
}

QString shortDeviceName(const PciFunction &f)
{
    // pci.ids puts the marketing name in brackets: "TU102GL [Quadro RTX 6000/8000]".
    static const QRegularExpression bracket(QStringLiteral("\\[([^\\]]+)\\]"));
    QString device = f.deviceName;
    if (const QRegularExpressionMatch m = bracket.match(device); m.hasMatch())
        device = m.captured(1);
    if (device.isEmpty())
        device = f.className.isEmpty() ? QStringLiteral("%1:%2").arg(f.vendorId, 4, 16, QLatin1Char('0')).arg(f.deviceId, 4, 16, QLatin1Char('0'))
                                       : f.className;
    // Words every second device name has ("Ethernet Controller XXV710") push the model number
    // out of the box; the class is written on the box's last line instead.
    static const QRegularExpression generic(QStringLiteral("\\b(Ethernet Controller|Network Connection|Network Controller|"
                                                           "SSD Controller|Controller|Gigabit Ethernet|Virtual Function)\\b\\s*"));
    const QString trimmed = QString(device).remove(generic).simplified();
    if (trimmed.size() >= 4)
        device = trimmed;
    const QString vendor = shortVendor(f.vendorName);
    if (vendor.isEmpty() || device.startsWith(vendor, Qt::CaseInsensitive))
        return device;
    return vendor + QLatin1Char(' ') + device;
}

QString linkLabelText(const LinkInfo &l)
{
    auto num = [](double gt) { return QString::number(gt, 'g', 3); };
    QString speed;
    if (l.currentSpeed > 0 && l.maxSpeed > 0 && l.currentSpeed < l.maxSpeed)
        speed = num(l.currentSpeed) + QStringLiteral(" of ") + num(l.maxSpeed) + QStringLiteral(" GT/s");
    else if (l.currentSpeed > 0)
        speed = num(l.currentSpeed) + QStringLiteral(" GT/s");
    QString width;
    if (l.currentWidth > 0 && l.maxWidth > 0 && l.currentWidth < l.maxWidth)
        width = QStringLiteral("x%1 of x%2").arg(l.currentWidth).arg(l.maxWidth);
    else if (l.currentWidth > 0)
        width = QStringLiteral("x%1").arg(l.currentWidth);
    if (speed.isEmpty())
        return width;
    return width.isEmpty() ? speed : speed + QLatin1Char(' ') + width;
}

LinkLabel::State linkState(const LinkInfo &l)
{
    if (!l.degraded())
        return LinkLabel::State::Ok;
    const double speedRatio = l.currentSpeed > 0 && l.maxSpeed > 0 ? l.currentSpeed / l.maxSpeed : 1.0;
    const double widthRatio = l.currentWidth > 0 && l.maxWidth > 0 ? double(l.currentWidth) / l.maxWidth : 1.0;
    return speedRatio * widthRatio <= 0.5 ? LinkLabel::State::Severe : LinkLabel::State::Degraded;
}

} // namespace devtopo::layout
