#pragma once

// Computes P2P classes and the kernel's p2pdma verdicts between functions of one Topology.
//
// The constructor walks the tree once and keeps, per function, its upstream chain (itself, the
// bridge above it, ... up to the function on the root bus: pci_upstream_bridge() in the kernel),
// the number of ACS-redirecting ports on that chain and the link each hop crosses. A pair then
// costs one walk down the shorter of the two chains to find the common upstream bridge, and
// nothing is allocated, so a matrix of 1,000 endpoints (500,000 pairs) takes milliseconds.

#include "p2p.h"

#include <vector>

namespace devtopo {

struct P2pWhitelistEntry;

class P2pEngine
{
public:
    // Keeps a pointer to topology, which must outlive the engine and stay unchanged.
    explicit P2pEngine(const Topology &topology);

    const Topology &topology() const { return *m_topo; }
    // The functions a matrix of this kind shows, as indices into Topology::functions, in address
    // order. VFs (functions with a physfn) are left out unless includeVfs.
    QList<int> endpoints(P2pKind kind, bool includeVfs = true) const;

    // Indices into Topology::functions; a == b is the diagonal (class X).
    P2pCell cell(int a, int b) const;
    // cell() with the path, the ACS redirects, the bottleneck link and the reasons spelled out.
    P2pPath explain(int a, int b) const;
    P2pPath explain(const PciAddress &a, const PciAddress &b) const; // empty path when unknown

    // Whether cpu_supports_p2pdma() would hold (AMD Zen), and the root complex that says so.
    bool cpuIsAmdZen() const { return !m_zenRootComplex.isEmpty(); }
    QString zenRootComplex() const { return m_zenRootComplex; }

private:
    struct Node
    {
        int chainBegin = 0; // into m_chains: the function itself, its upstream bridge, ... root bus
        int chainLength = 0;
        int hostBridge = -1; // into m_hostBridges
        int numaNode = -1; // the host bridge's, else the function's own
        int unit = -1; // what nvidia-smi counts as one bridge: a switch's ports share their upstream port's unit
        int acsUp = 0; // ACS-redirecting functions on the chain from here to the root bus, inclusive
        bool acsRedirect = false; // ACS capability with RR, CR or EC set in its control register
        int hopLink = -1; // the function whose link status describes the hop to the upstream bridge
        double hopGts = 0; // that link's speed x width; 0 when there is no physical link or it is unknown
    };
    struct HostBridgeInfo
    {
        QString name;
        int numaNode = -1;
        int device = -1; // pci_host_bridge_dev(): 00.0 or a root port first on the root bus
        const P2pWhitelistEntry *entry = nullptr;
    };
    struct Meeting
    {
        int common = -1; // function index of the common upstream bridge, -1 when none
        int ia = 0; // position of the common bridge in a's chain (= hops up from a); chain length when none
        int ib = 0;
    };

    int upstreamOf(int index) const;
    Meeting meet(int a, int b) const;
    P2pHostRule hostRule(int a, int b) const;
    P2pClass classify(int a, int b, const Meeting &m) const;
    QString describe(int index) const;
    QString hostBridgeText(int hb) const;

    const Topology *m_topo;
    std::vector<Node> m_nodes;
    std::vector<int> m_chains;
    std::vector<HostBridgeInfo> m_hostBridges;
    QString m_zenRootComplex;
};

} // namespace devtopo
