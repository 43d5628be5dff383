#include "p2pengine.h"

#include "p2pwhitelist.h"

#include <algorithm>

namespace devtopo {

namespace {

constexpr int MaxChain = 64; // deeper than any real hierarchy; stops a malformed parent cycle

bool hasAcsRedirect(const PciFunction &f)
{
    // pci_bridge_has_acs_redir(): any function with an ACS capability, endpoints included.
    return f.caps.acs.present && (f.caps.acs.control & (Acs::RR | Acs::CR | Acs::EC));
}

double linkSpeed(const LinkInfo &l, bool *fromMax)
{
    if (l.currentSpeed > 0)
        return l.currentSpeed;
    *fromMax = *fromMax || l.maxSpeed > 0;
    return l.maxSpeed;
}

int linkWidth(const LinkInfo &l, bool *fromMax)
{
    if (l.currentWidth > 0)
        return l.currentWidth;
    *fromMax = *fromMax || l.maxWidth > 0;
    return l.maxWidth;
}

double linkGts(const LinkInfo &l)
{
    bool ignored = false;
    return linkSpeed(l, &ignored) * linkWidth(l, &ignored);
}

bool isPortAbove(PortType t)
{
    // Ports whose link status describes the link below them.
    return t == PortType::RootPort || t == PortType::SwitchDownstream;
}

} // namespace

P2pEngine::P2pEngine(const Topology &topology)
    : m_topo(&topology)
{
    const QList<PciFunction> &fns = topology.functions;
    const int n = int(fns.size());
    m_nodes.resize(size_t(n));

    QHash<QString, int> hbIndex;
    for (const HostBridge &hb : topology.hostBridges) {
        hbIndex.insert(hb.name, int(m_hostBridges.size()));
        m_hostBridges.push_back(HostBridgeInfo{hb.name, hb.numaNode, -1, nullptr});
    }
    for (int i = 0; i < n; ++i) {
        const PciFunction &f = fns[i];
        Node &node = m_nodes[size_t(i)];
        node.hostBridge = hbIndex.value(f.hostBridge, -1);
        if (node.hostBridge < 0 && !f.hostBridge.isEmpty()) {
            node.hostBridge = int(m_hostBridges.size());
            hbIndex.insert(f.hostBridge, node.hostBridge);
            m_hostBridges.push_back(HostBridgeInfo{f.hostBridge, -1, -1, nullptr});
        }
        const int hbNuma = node.hostBridge >= 0 ? m_hostBridges[size_t(node.hostBridge)].numaNode : -1;
        node.numaNode = hbNuma >= 0 ? hbNuma : f.numaNode;
        node.acsRedirect = hasAcsRedirect(f);
    }

    // pci_host_bridge_dev(): the first function on the host bridge's root bus if it is 00.0 or a
    // root port. Functions are sorted by address, so the first one seen is the first on the bus.
    for (int i = 0; i < n; ++i) {
        const PciFunction &f = fns[i];
        const int hb = m_nodes[size_t(i)].hostBridge;
        if (hb < 0 || f.parent || m_hostBridges[size_t(hb)].device != -1)
            continue;
        HostBridgeInfo &info = m_hostBridges[size_t(hb)];
        const bool isFirst = f.address.device == 0 && f.address.function == 0;
        info.device = (isFirst || f.portType == PortType::RootPort) ? i : -2; // -2: looked, none usable
        if (info.device >= 0) {
            info.entry = findP2pWhitelistEntry(f.vendorId, f.deviceId);
            if (m_zenRootComplex.isEmpty()) {
                const QString zen = amdZenRootComplexName(f.vendorId, f.deviceId);
                if (!zen.isEmpty())
                    m_zenRootComplex = f.address.toString() + QStringLiteral(" (") + zen + QLatin1Char(')');
            }
        }
    }

    // Upstream chains, ACS counts, nvidia-smi bridge units and the link of each hop.
    m_chains.reserve(size_t(n) * 4);
    for (int i = 0; i < n; ++i) {
        Node &node = m_nodes[size_t(i)];
        node.chainBegin = int(m_chains.size());
        for (int c = i; c >= 0 && node.chainLength < MaxChain; c = upstreamOf(c)) {
            m_chains.push_back(c);
            ++node.chainLength;
            if (m_nodes[size_t(c)].acsRedirect)
                ++node.acsUp;
        }
        const PciFunction &f = fns[i];
        const int up = upstreamOf(i);
        node.unit = i;
        if (up >= 0) {
            const PciFunction &u = fns[up];
            if (f.portType == PortType::SwitchDownstream && u.portType == PortType::SwitchUpstream)
                node.unit = up;
            else if (f.portType == PortType::Unknown && f.isBridge() && u.portType == PortType::Unknown
                     && u.isBridge() && upstreamOf(up) >= 0)
                // Without config space the port types are unknown: a bridge behind a bridge that is
                // not on the root bus is taken to be a switch's downstream port.
                node.unit = up;

            // The hop from a switch's downstream port to its upstream port stays inside the switch.
            if (f.portType != PortType::SwitchDownstream) {
                if (linkGts(f.link) > 0) {
                    node.hopLink = i;
                    node.hopGts = linkGts(f.link);
                } else if (isPortAbove(u.portType) && linkGts(u.link) > 0) {
                    node.hopLink = up; // the port reports the same link from above
                    node.hopGts = linkGts(u.link);
                }
            }
        }
    }
}

int P2pEngine::upstreamOf(int index) const
{
    // pci_upstream_bridge(): the bridge above the bus, taken from the PF for a VF; none on a root
    // bus. A host bridge nested below a device (VMD) starts a hierarchy of its own.
    const PciFunction *f = &m_topo->functions[index];
    if (f->physfn) {
        if (const PciFunction *pf = m_topo->function(*f->physfn))
            f = pf;
    }
    if (!f->parent)
        return -1;
    const int p = m_topo->functionIndex.value(*f->parent, -1);
    if (p < 0 || m_topo->functions[p].hostBridge != m_topo->functions[index].hostBridge)
        return -1;
    return p;
}

QList<int> P2pEngine::endpoints(P2pKind kind, bool includeVfs) const
{
    QList<int> out;
    const QList<PciFunction> &fns = m_topo->functions;
    for (int i = 0; i < fns.size(); ++i)
        if (matchesP2pKind(fns[i], kind) && (includeVfs || !fns[i].isVf()))
            out << i;
    return out;
}

P2pEngine::Meeting P2pEngine::meet(int a, int b) const
{
    const Node &na = m_nodes[size_t(a)];
    const Node &nb = m_nodes[size_t(b)];
    const int *ca = m_chains.data() + na.chainBegin;
    const int *cb = m_chains.data() + nb.chainBegin;
    const int la = na.chainLength;
    const int lb = nb.chainLength;
    Meeting m;
    m.ia = la;
    m.ib = lb;
    // Chains run from the function up to the root bus; walk both down from the root together.
    const int shorter = std::min(la, lb);
    for (int k = 1; k <= shorter; ++k) {
        if (ca[la - k] != cb[lb - k])
            break;
        m.common = ca[la - k];
        m.ia = la - k;
        m.ib = lb - k;
    }
    return m;
}

P2pHostRule P2pEngine::hostRule(int a, int b) const
{
    if (cpuIsAmdZen())
        return P2pHostRule::CpuAmdZen;
    const int ha = m_nodes[size_t(a)].hostBridge;
    const int hb = m_nodes[size_t(b)].hostBridge;
    auto check = [this](int h, bool same) {
        if (h < 0 || m_hostBridges[size_t(h)].device < 0)
            return P2pHostRule::NoHostBridgeDevice;
        const P2pWhitelistEntry *e = m_hostBridges[size_t(h)].entry;
        if (!e)
            return P2pHostRule::NotWhitelisted;
        if (e->requireSameHostBridge && !same)
            return P2pHostRule::SameHostBridgeRequired;
        return P2pHostRule::Whitelisted;
    };
    if (ha == hb)
        return check(ha, true);
    // host_bridge_whitelist(): both must be listed without REQ_SAME_HOST_BRIDGE; a's first.
    const P2pHostRule ra = check(ha, false);
    return ra != P2pHostRule::Whitelisted ? ra : check(hb, false);
}

P2pClass P2pEngine::classify(int a, int b, const Meeting &m) const
{
    if (a == b)
        return P2pClass::X;
    if (m.common >= 0) {
        // Count what nvidia-smi counts as bridges between the two: the functions strictly between
        // a and b, a switch's ports counting once.
        const int *ca = m_chains.data() + m_nodes[size_t(a)].chainBegin;
        const int *cb = m_chains.data() + m_nodes[size_t(b)].chainBegin;
        int units[2 * MaxChain];
        int count = 0;
        auto add = [&](int fn) {
            const int u = m_nodes[size_t(fn)].unit;
            for (int k = 0; k < count; ++k)
                if (units[k] == u)
                    return;
            units[count++] = u;
        };
        for (int k = 1; k <= m.ia; ++k)
            if (ca[k] != b)
                add(ca[k]);
        for (int k = 1; k < m.ib; ++k)
            add(cb[k]);
        return count <= 1 ? P2pClass::PIX : P2pClass::PXB;
    }
    const Node &na = m_nodes[size_t(a)];
    const Node &nb = m_nodes[size_t(b)];
    if (na.hostBridge >= 0 && na.hostBridge == nb.hostBridge)
        return P2pClass::PHB;
    // Different host bridges: SYS only when both NUMA nodes are known and differ. An unknown node
    // (-1, common on one-socket machines and in VMs) cannot prove an inter-socket hop.
    if (na.numaNode >= 0 && nb.numaNode >= 0 && na.numaNode != nb.numaNode)
        return P2pClass::SYS;
    return P2pClass::NODE;
}

P2pCell P2pEngine::cell(int a, int b) const
{
    const Meeting m = meet(a, b);
    const Node &na = m_nodes[size_t(a)];
    const Node &nb = m_nodes[size_t(b)];
    P2pCell c;
    c.cls = classify(a, b, m);
    // calc_map_type_and_dist(): hops from each side up to the common bridge, or each whole chain.
    c.distance = qint16(m.ia + m.ib);

    bool throughHost = true;
    if (m.common >= 0) {
        // a's side up to and including the common bridge, b's side below it.
        const Node &nc = m_nodes[size_t(m.common)];
        c.acsRedirects = quint8(na.acsUp + nb.acsUp - 2 * nc.acsUp + (nc.acsRedirect ? 1 : 0));
        throughHost = c.acsRedirects > 0;
    }
    if (!throughHost) {
        c.mapType = P2pMapType::BusAddr;
        c.hostRule = P2pHostRule::NotConsulted;
    } else {
        c.hostRule = hostRule(a, b);
        c.mapType = (c.hostRule == P2pHostRule::CpuAmdZen || c.hostRule == P2pHostRule::Whitelisted)
            ? P2pMapType::ThruHostBridge
            : P2pMapType::NotSupported;
    }

    // Narrowest link over the hops of both sides; a's side first so ties name the nearer link.
    const int *ca = m_chains.data() + na.chainBegin;
    const int *cb = m_chains.data() + nb.chainBegin;
    const int hopsA = m.common >= 0 ? m.ia : na.chainLength - 1;
    const int hopsB = m.common >= 0 ? m.ib : nb.chainLength - 1;
    double best = 0;
    auto consider = [&](int fn) {
        const Node &node = m_nodes[size_t(fn)];
        if (node.hopLink >= 0 && (best == 0 || node.hopGts < best)) {
            best = node.hopGts;
            c.bottleneck = node.hopLink;
        }
    };
    for (int k = 0; k < hopsA; ++k)
        consider(ca[k]);
    for (int k = 0; k < hopsB; ++k)
        consider(cb[k]);
    if (a == b && na.hopLink >= 0)
        c.bottleneck = na.hopLink; // the device's own link bounds what it can do with itself
    return c;
}

QString P2pEngine::describe(int index) const
{
    const PciFunction &f = m_topo->functions[index];
    return f.address.toString() + QStringLiteral(" (") + portTypeName(f.portType) + QLatin1Char(')');
}

QString P2pEngine::hostBridgeText(int hb) const
{
    if (hb < 0)
        return QStringLiteral("an unknown host bridge");
    const HostBridgeInfo &info = m_hostBridges[size_t(hb)];
    QString s = info.name;
    if (info.numaNode >= 0)
        s += QStringLiteral(" (NUMA node %1)").arg(info.numaNode);
    return s;
}

P2pPath P2pEngine::explain(const PciAddress &a, const PciAddress &b) const
{
    const int ia = m_topo->functionIndex.value(a, -1);
    const int ib = m_topo->functionIndex.value(b, -1);
    if (ia < 0 || ib < 0) {
        P2pPath p;
        p.a = a;
        p.b = b;
        p.reasons << QStringLiteral("%1 is not in this topology").arg((ia < 0 ? a : b).toString());
        return p;
    }
    return explain(ia, ib);
}

P2pPath P2pEngine::explain(int a, int b) const
{
    const QList<PciFunction> &fns = m_topo->functions;
    const Meeting m = meet(a, b);
    const Node &na = m_nodes[size_t(a)];
    const Node &nb = m_nodes[size_t(b)];
    const int *ca = m_chains.data() + na.chainBegin;
    const int *cb = m_chains.data() + nb.chainBegin;

    P2pPath p;
    p.a = fns[a].address;
    p.b = fns[b].address;
    p.cell = cell(a, b);
    p.hostBridgeA = na.hostBridge >= 0 ? m_hostBridges[size_t(na.hostBridge)].name : QString();
    p.hostBridgeB = nb.hostBridge >= 0 ? m_hostBridges[size_t(nb.hostBridge)].name : QString();
    const QString sa = fns[a].address.toString();
    const QString sb = fns[b].address.toString();

    // Path: up a's chain, down b's.
    const int upA = m.common >= 0 ? m.ia : na.chainLength - 1;
    const int upB = m.common >= 0 ? m.ib - 1 : nb.chainLength - 1;
    for (int k = 0; k <= upA; ++k)
        p.path << fns[ca[k]].address;
    for (int k = upB; k >= 0; --k)
        p.path << fns[cb[k]].address;

    // 1. Where the two meet and the kernel's distance.
    if (a == b) {
        p.commonBridge = p.a;
        p.reasons << QStringLiteral("%1 is the same function: distance 0.").arg(sa);
    } else if (m.common >= 0) {
        p.commonBridge = fns[m.common].address;
        p.reasons << QStringLiteral("%1 and %2 share the upstream bridge %3: %4 hop(s) up from %1 and %5 from %2, "
                                    "so the kernel's distance is %6.")
                         .arg(sa, sb, describe(m.common))
                         .arg(m.ia)
                         .arg(m.ib)
                         .arg(m.ia + m.ib);
    } else {
        p.reasons << QStringLiteral("%1 and %2 share no upstream bridge (%1 is below %3, %2 below %4); the kernel "
                                    "counts both whole chains: %5 + %6 = distance %7.")
                         .arg(sa, sb, hostBridgeText(na.hostBridge), hostBridgeText(nb.hostBridge))
                         .arg(m.ia)
                         .arg(m.ib)
                         .arg(m.ia + m.ib);
    }

    // 2. ACS redirects on the path, in calc_map_type_and_dist()'s order.
    QStringList unknownAcs;
    if (m.common >= 0) {
        auto check = [&](int fn) {
            const PciFunction &f = fns[fn];
            if (m_nodes[size_t(fn)].acsRedirect)
                p.acsRedirect << f.address;
            else if (!f.caps.configReadable && f.isBridge())
                unknownAcs << f.address.toString();
        };
        for (int k = 0; k <= m.ia; ++k)
            check(ca[k]);
        for (int k = 0; k < m.ib; ++k)
            check(cb[k]);
        if (p.acsRedirect.isEmpty()) {
            p.reasons << QStringLiteral("No function on the path has ACS P2P Request Redirect, Completion Redirect or "
                                        "Egress Control enabled, so %1 routes the TLPs directly: %2.")
                             .arg(fns[m.common].address.toString(), p2pMapTypeKernelName(P2pMapType::BusAddr));
        } else {
            QStringList withBits;
            QStringList plain;
            for (const PciAddress &r : std::as_const(p.acsRedirect)) {
                const PciFunction *f = m_topo->function(r);
                plain << r.toString();
                withBits << r.toString() + QStringLiteral(" [")
                        + Acs::bitsToString(f->caps.acs.control & (Acs::RR | Acs::CR | Acs::EC)) + QLatin1Char(']');
            }
            p.reasons << QStringLiteral("ACS redirect is set on %1: peer traffic goes up to the root complex instead of "
                                        "across, so the host bridge has to allow it (the kernel suggests "
                                        "pci=disable_acs_redir=%2). The distance stays %3: Linux does not add to it.")
                             .arg(withBits.join(QStringLiteral(", ")), plain.join(QLatin1Char(';')))
                             .arg(p.cell.distance);
        }
        if (!unknownAcs.isEmpty())
            p.reasons << QStringLiteral("ACS of %1 is unknown (config space not readable without root); taken as off.")
                             .arg(unknownAcs.join(QStringLiteral(", ")));
    }

    // 3. The host bridge rule, when the kernel consults it.
    if (p.cell.hostRule != P2pHostRule::NotConsulted) {
        const int ha = na.hostBridge;
        const int hb = nb.hostBridge;
        auto deviceText = [&](int h) -> QString {
            if (h < 0 || m_hostBridges[size_t(h)].device < 0)
                return hostBridgeText(h) + QStringLiteral(" has no 00.0 function or root port first on its bus");
            const PciFunction &d = fns[m_hostBridges[size_t(h)].device];
            return QStringLiteral("%1's %2 [%3:%4]")
                .arg(m_hostBridges[size_t(h)].name, d.address.toString())
                .arg(d.vendorId, 4, 16, QLatin1Char('0'))
                .arg(d.deviceId, 4, 16, QLatin1Char('0'));
        };
        QString rule;
        switch (p.cell.hostRule) {
        case P2pHostRule::CpuAmdZen:
            rule = QStringLiteral("The CPU counts as AMD Zen (family 17h or later) because of root complex %1, and "
                                  "cpu_supports_p2pdma() allows P2P through any host bridge on it.")
                       .arg(m_zenRootComplex);
            break;
        case P2pHostRule::Whitelisted:
            rule = ha == hb ? QStringLiteral("Host bridge %1 is in pci_p2pdma_whitelist (%2).")
                                  .arg(deviceText(ha), QLatin1StringView(m_hostBridges[size_t(ha)].entry->name))
                            : QStringLiteral("Host bridges %1 and %2 are both in pci_p2pdma_whitelist without the "
                                             "same-host-bridge restriction.")
                                  .arg(deviceText(ha), deviceText(hb));
            break;
        case P2pHostRule::SameHostBridgeRequired:
            rule = QStringLiteral("%1 and %2: the whitelist allows %3 only within one host bridge "
                                  "(REQ_SAME_HOST_BRIDGE), and these are two.")
                       .arg(deviceText(ha), deviceText(hb),
                            QLatin1StringView((m_hostBridges[size_t(ha)].entry && m_hostBridges[size_t(ha)].entry->requireSameHostBridge
                                                   ? m_hostBridges[size_t(ha)].entry
                                                   : m_hostBridges[size_t(hb)].entry)
                                                  ->name));
            break;
        case P2pHostRule::NotWhitelisted: {
            QStringList offenders;
            for (int h : {ha, hb})
                if (h >= 0 && m_hostBridges[size_t(h)].device >= 0 && !m_hostBridges[size_t(h)].entry
                    && !offenders.contains(deviceText(h)))
                    offenders << deviceText(h);
            rule = QStringLiteral("Host bridge %1 is not in pci_p2pdma_whitelist and the CPU is not AMD Zen.")
                       .arg(offenders.join(QStringLiteral(" and ")));
            const PciFunction *dev = nullptr;
            for (int h : {ha, hb})
                if (h >= 0 && m_hostBridges[size_t(h)].device >= 0)
                    dev = &fns[m_hostBridges[size_t(h)].device];
            if (dev && dev->vendorId == 0x1022)
                rule += QStringLiteral(" It is an AMD host bridge devtopo does not know as a Zen root complex; on a "
                                       "Zen CPU the kernel would allow it (cpu_supports_p2pdma() reads the CPU family).");
            break;
        }
        case P2pHostRule::NoHostBridgeDevice:
            rule = QStringLiteral("The kernel finds no host bridge device to look up: %1, so it cannot whitelist the path.")
                       .arg(deviceText(na.hostBridge >= 0 && m_hostBridges[size_t(na.hostBridge)].device >= 0 ? nb.hostBridge
                                                                                                              : na.hostBridge));
            break;
        case P2pHostRule::NotConsulted:
            break;
        }
        p.reasons << rule;
        p.reasons << QStringLiteral("Verdict: %1.").arg(p2pMapTypeKernelName(p.cell.mapType));
    } else {
        p.reasons << QStringLiteral("Verdict: %1.").arg(p2pMapTypeKernelName(p.cell.mapType));
    }

    // 4. nvidia-smi's class.
    switch (p.cell.cls) {
    case P2pClass::X:
        p.reasons << QStringLiteral("X: the same function.");
        break;
    case P2pClass::PIX:
    case P2pClass::PXB: {
        QStringList bridges;
        for (int k = 1; k < p.path.size() - 1; ++k)
            bridges << p.path[k].toString();
        p.reasons << QStringLiteral("%1: the path crosses %2 (%3), a switch's ports counting as one bridge, and no "
                                    "host bridge.")
                         .arg(p2pClassName(p.cell.cls),
                              p.cell.cls == P2pClass::PIX ? QStringLiteral("at most one PCIe bridge")
                                                          : QStringLiteral("several PCIe bridges"),
                              bridges.isEmpty() ? QStringLiteral("none") : bridges.join(QStringLiteral(", ")));
        break;
    }
    case P2pClass::PHB:
        p.reasons << QStringLiteral("PHB: the two meet only in the root complex, host bridge %1.")
                         .arg(hostBridgeText(na.hostBridge));
        break;
    case P2pClass::NODE:
        if (na.numaNode >= 0 && nb.numaNode >= 0)
            p.reasons << QStringLiteral("NODE: host bridges %1 and %2 are on NUMA node %3; traffic crosses the "
                                        "interconnect between them.")
                             .arg(hostBridgeText(na.hostBridge), hostBridgeText(nb.hostBridge))
                             .arg(na.numaNode);
        else
            p.reasons << QStringLiteral("NODE: host bridges %1 and %2 differ; the NUMA node of %3 is unknown, so an "
                                        "inter-socket hop (SYS) cannot be shown and is not assumed.")
                             .arg(hostBridgeText(na.hostBridge), hostBridgeText(nb.hostBridge),
                                  na.numaNode < 0 ? sa : sb);
        break;
    case P2pClass::SYS:
        p.reasons << QStringLiteral("SYS: %1 is on NUMA node %2 and %3 on node %4; traffic crosses the SMP "
                                    "interconnect between the sockets.")
                         .arg(sa)
                         .arg(na.numaNode)
                         .arg(sb)
                         .arg(nb.numaNode);
        break;
    }

    // 5. The bandwidth bound.
    if (p.cell.bottleneck >= 0) {
        const PciFunction &f = fns[p.cell.bottleneck];
        p.bottleneck.address = f.address;
        p.bottleneck.speed = linkSpeed(f.link, &p.bottleneck.fromMax);
        p.bottleneck.width = linkWidth(f.link, &p.bottleneck.fromMax);
        p.reasons << QStringLiteral("Narrowest link on the path: %1's, %2.").arg(f.address.toString(), p.bottleneck.toString());
    } else {
        p.reasons << QStringLiteral("No link speed or width is known on the path, so there is no bandwidth bound.");
    }
    return p;
}

} // namespace devtopo
