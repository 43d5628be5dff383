// The drawing's layout on the demo host and a real QEMU tree, compared structurally: one box per
// function, NUMA and host-bridge boxes, nesting without overlaps, colours per IOMMU group, "N × VF"
// stacks, degraded links highlighted, search and hit-testing.

#include "drawingtestutil.h"
#include "layout/topologylayout.h"

#include <QDir>
#include <QTest>

using namespace devtopo;
using layout::DrawNode;
using Kind = DrawNode::Kind;

namespace {
PciAddress addr(const char *s)
{
    return *PciAddress::parse(QString::fromLatin1(s));
}

int functionNodes(const layout::TopologyLayout &l)
{
    return l.count(Kind::Switch) + l.count(Kind::Port) + l.count(Kind::Device);
}

// Every box inside its parent, siblings (with their link pills) apart.
void checkGeometry(const layout::TopologyLayout &l)
{
    for (int i = 0; i < l.nodes.size(); ++i) {
        const DrawNode &n = l.nodes[i];
        QVERIFY2(n.rect.width() > 0 && n.rect.height() > 0, qPrintable(QString::number(i)));
        if (!n.badgeRect.isEmpty())
            QVERIFY(n.rect.contains(n.badgeRect));
        if (n.parent < 0)
            continue;
        const DrawNode &p = l.nodes[n.parent];
        QVERIFY2(p.rect.contains(n.rect), qPrintable(n.lines.first().text));
        if (n.link)
            QVERIFY2(p.rect.contains(n.link->rect), qPrintable(n.lines.first().text));
        // Children below the parent's title.
        QVERIFY(n.rect.top() >= p.rect.top() + p.headerHeight - 0.5);
        const QList<int> &sib = p.children;
        for (int s : sib) {
            if (s <= i)
                continue;
            QRectF a = n.rect, b = l.nodes[s].rect;
            if (n.link)
                a = a.united(n.link->rect);
            if (l.nodes[s].link)
                b = b.united(l.nodes[s].link->rect);
            QVERIFY2(!a.intersects(b), qPrintable(n.lines.first().text + QStringLiteral(" overlaps ") + l.nodes[s].lines.first().text));
        }
    }
}
} // namespace

class TestTopologyLayout : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase()
    {
        QString error;
        QVERIFY2(test::scanDemoHost(&m_topo, &error), qPrintable(error));
        m_topo.reindex();
        m_layout = layout::layoutTopology(m_topo);
    }

    void oneBoxPerFunction()
    {
        int collapsed = 0;
        for (const DrawNode &n : std::as_const(m_layout.nodes))
            if (n.kind == Kind::VfStack)
                collapsed += int(n.members.size());
        QVERIFY(collapsed > 0);
        QCOMPARE(functionNodes(m_layout), int(m_topo.functions.size()) - collapsed);
        QCOMPARE(m_layout.nodeOfFunction.size(), m_topo.functions.size());
        for (const PciFunction &f : std::as_const(m_topo.functions)) {
            const int n = m_layout.nodeFor(f.address);
            QVERIFY2(n >= 0, qPrintable(f.address.toString()));
            const DrawNode &d = m_layout.nodes[n];
            if (d.kind == Kind::VfStack)
                QVERIFY(d.members.contains(f.address));
            else
                QCOMPARE(*d.address, f.address);
        }
        QCOMPARE(m_layout.nodes.first().kind, Kind::Machine);
    }

    void numaAndHostBridgeBoxes()
    {
        QSet<int> numaWithDevices;
        QSet<QString> bridges;
        for (const PciFunction &f : std::as_const(m_topo.functions)) {
            bridges.insert(f.hostBridge);
            for (const HostBridge &hb : std::as_const(m_topo.hostBridges))
                if (hb.name == f.hostBridge && hb.numaNode >= 0)
                    numaWithDevices.insert(hb.numaNode);
        }
        QCOMPARE(m_layout.count(Kind::Numa), int(numaWithDevices.size()));
        QCOMPARE(m_layout.count(Kind::Numa), 2);
        QCOMPARE(m_layout.count(Kind::HostBridge), int(bridges.size()));
        int memoryOnly = 0;
        for (const NumaNode &n : std::as_const(m_topo.numaNodes))
            memoryOnly += n.memoryOnly() ? 1 : 0;
        QCOMPARE(m_layout.count(Kind::MemoryNode), memoryOnly);
        QCOMPARE(memoryOnly, 1); // the demo's CXL expander
        // Host bridges sit in the box of their NUMA node.
        for (const DrawNode &n : std::as_const(m_layout.nodes)) {
            if (n.kind != Kind::HostBridge)
                continue;
            const DrawNode &numa = m_layout.nodes[n.parent];
            QCOMPARE(numa.kind, Kind::Numa);
            for (const HostBridge &hb : std::as_const(m_topo.hostBridges))
                if (hb.name == n.hostBridge)
                    QCOMPARE(numa.numaNode, hb.numaNode);
        }
    }

    void geometry()
    {
        checkGeometry(m_layout);
        QVERIFY(m_layout.bounds.contains(m_layout.nodes.first().rect));
        QVERIFY(m_layout.bounds.contains(m_layout.legendRect));
        QVERIFY(!m_layout.legendRect.intersects(m_layout.nodes.first().rect));
    }

    void switchNesting()
    {
        // Root port 17:01.0 → switch 19:00.0 (PEX 8747) → downstream ports 1a:08.0, 1a:09.0, 1a:10.0 → GPUs.
        const DrawNode &sw = m_layout.nodes[m_layout.nodeFor(addr("0000:19:00.0"))];
        QCOMPARE(sw.kind, Kind::Switch);
        QCOMPARE(m_layout.nodes[sw.parent].kind, Kind::Port);
        QCOMPARE(*m_layout.nodes[sw.parent].address, addr("0000:17:01.0"));
        QCOMPARE(sw.children.size(), 3);
        for (int c : sw.children)
            QCOMPARE(m_layout.nodes[c].kind, Kind::Port);
        const DrawNode &gpu = m_layout.nodes[m_layout.nodeFor(addr("0000:1b:00.0"))];
        QCOMPARE(gpu.kind, Kind::Device);
        QCOMPARE(*m_layout.nodes[gpu.parent].address, addr("0000:1a:08.0"));
        QVERIFY(sw.rect.contains(gpu.rect));
    }

    void coloursFollowGroups()
    {
        QHash<int, int> colourOf;
        for (const DrawNode &n : std::as_const(m_layout.nodes)) {
            if (!n.isFunction())
                continue;
            const PciFunction *f = m_topo.function(*n.address);
            QCOMPARE(n.group, f->iommuGroup.value_or(-1));
            if (n.group < 0) {
                QCOMPARE(n.colorIndex, -1);
                continue;
            }
            QVERIFY(n.colorIndex >= 0 && n.colorIndex < layout::GroupPaletteSize);
            // All members of a group share a colour.
            if (colourOf.contains(n.group))
                QCOMPARE(n.colorIndex, colourOf.value(n.group));
            colourOf.insert(n.group, n.colorIndex);
            QCOMPARE(n.badgeText, QStringLiteral("G%1").arg(n.group));
            QCOMPARE(n.groupViable, m_topo.group(n.group)->viability.viable);
        }
        // Different groups on one switch differ: the GPU switch's downstream ports and devices.
        for (const DrawNode &sw : std::as_const(m_layout.nodes)) {
            if (sw.kind != Kind::Switch)
                continue;
            QHash<int, int> groupColour;
            QList<int> stack = sw.children;
            while (!stack.isEmpty()) {
                const DrawNode &n = m_layout.nodes[stack.takeLast()];
                stack << n.children;
                if (n.group >= 0)
                    groupColour.insert(n.group, n.colorIndex);
            }
            if (groupColour.size() > layout::GroupPaletteSize)
                continue;
            const QList<int> colours = groupColour.values();
            QCOMPARE(QSet<int>(colours.cbegin(), colours.cend()).size(), groupColour.size());
        }
        // The group of a port without isolation and its device is one colour: 80:03.0 and 84:00.0.
        const DrawNode &port = m_layout.nodes[m_layout.nodeFor(addr("0000:80:03.0"))];
        const DrawNode &nvme = m_layout.nodes[m_layout.nodeFor(addr("0000:84:00.0"))];
        QCOMPARE(port.group, nvme.group);
        QCOMPARE(port.colorIndex, nvme.colorIndex);
    }

    void vfsCollapse()
    {
        const PciFunction *pf = m_topo.function(addr("0000:3b:00.0"));
        QVERIFY(pf);
        QCOMPARE(pf->vfs.size(), 8);
        const int stack = m_layout.nodeFor(pf->vfs.first());
        const DrawNode &s = m_layout.nodes[stack];
        QCOMPARE(s.kind, Kind::VfStack);
        QCOMPARE(s.lines.first().text, QStringLiteral("8 × VF"));
        QCOMPARE(s.members, pf->vfs);
        QCOMPARE(*s.address, pf->address);
        for (const PciAddress &vf : pf->vfs)
            QCOMPARE(m_layout.nodeFor(vf), stack);
        // The stack follows its PF under the same port.
        const DrawNode &pfNode = m_layout.nodes[m_layout.nodeFor(pf->address)];
        QCOMPARE(s.parent, pfNode.parent);
        const QList<int> &sib = m_layout.nodes[s.parent].children;
        QCOMPARE(sib.indexOf(stack), sib.indexOf(m_layout.nodeFor(pf->address)) + 1);
        // One VF is on vfio-pci: the drivers line says so.
        QVERIFY(s.lines.last().text.contains(QStringLiteral("vfio-pci")));

        const DrawNode &cx6 = m_layout.nodes[m_layout.nodeFor(addr("0000:af:00.2"))];
        QCOMPARE(cx6.kind, Kind::VfStack);
        QCOMPARE(cx6.lines.first().text, QStringLiteral("4 × VF"));
    }

    void vfsExpand()
    {
        layout::LayoutOptions all;
        all.expandAllVfs = true;
        const layout::TopologyLayout l = layout::layoutTopology(m_topo, all);
        QCOMPARE(l.count(Kind::VfStack), 0);
        QCOMPARE(functionNodes(l), int(m_topo.functions.size()));
        checkGeometry(l);

        layout::LayoutOptions one;
        one.expandedPfs.insert(addr("0000:3b:00.0"));
        const layout::TopologyLayout l1 = layout::layoutTopology(m_topo, one);
        QCOMPARE(l1.count(Kind::VfStack), m_layout.count(Kind::VfStack) - 1);
        QCOMPARE(l1.nodes[l1.nodeFor(addr("0000:3b:02.0"))].kind, Kind::Device);
    }

    void degradedLinks()
    {
        // The ConnectX-6 Dx: a Gen4 card running at Gen3, half its bandwidth.
        const DrawNode &cx6 = m_layout.nodes[m_layout.nodeFor(addr("0000:af:00.0"))];
        QVERIFY(cx6.link);
        QCOMPARE(cx6.link->state, layout::LinkLabel::State::Severe);
        QCOMPARE(cx6.link->text, QStringLiteral("8 of 16 GT/s x16"));
        int degraded = 0, labels = 0;
        for (const DrawNode &n : std::as_const(m_layout.nodes)) {
            if (!n.link)
                continue;
            ++labels;
            const PciFunction *f = m_topo.function(*n.address);
            QCOMPARE(n.link->state != layout::LinkLabel::State::Ok, f->link.degraded());
            degraded += f->link.degraded() ? 1 : 0;
        }
        QVERIFY(labels > 10);
        QVERIFY(degraded >= 1);
        // Root ports and downstream ports do not repeat their child's link.
        QVERIFY(!m_layout.nodes[m_layout.nodeFor(addr("0000:17:01.0"))].link);
        QVERIFY(!m_layout.nodes[m_layout.nodeFor(addr("0000:1a:08.0"))].link);
        QVERIFY(m_layout.nodes[m_layout.nodeFor(addr("0000:19:00.0"))].link);
    }

    void linkText_data()
    {
        QTest::addColumn<double>("cur");
        QTest::addColumn<int>("curW");
        QTest::addColumn<double>("max");
        QTest::addColumn<int>("maxW");
        QTest::addColumn<QString>("text");
        QTest::addColumn<int>("state");
        QTest::newRow("full") << 8.0 << 16 << 8.0 << 16 << "8 GT/s x16" << int(layout::LinkLabel::State::Ok);
        QTest::newRow("narrow") << 8.0 << 8 << 8.0 << 16 << "8 GT/s x8 of x16" << int(layout::LinkLabel::State::Severe);
        QTest::newRow("slower") << 8.0 << 16 << 16.0 << 16 << "8 of 16 GT/s x16" << int(layout::LinkLabel::State::Severe);
        QTest::newRow("a bit slower") << 5.0 << 4 << 8.0 << 4 << "5 of 8 GT/s x4" << int(layout::LinkLabel::State::Degraded);
        QTest::newRow("both") << 2.5 << 1 << 8.0 << 4 << "2.5 of 8 GT/s x1 of x4" << int(layout::LinkLabel::State::Severe);
    }
    void linkText()
    {
        QFETCH(double, cur);
        QFETCH(int, curW);
        QFETCH(double, max);
        QFETCH(int, maxW);
        LinkInfo l;
        l.currentSpeed = cur;
        l.currentWidth = curW;
        l.maxSpeed = max;
        l.maxWidth = maxW;
        QTEST(layout::linkLabelText(l), "text");
        QTEST(int(layout::linkState(l)), "state");
    }

    void searchAndHitTest()
    {
        const QList<int> hits = m_layout.search(QStringLiteral("0000:3b:00.0"));
        QVERIFY(!hits.isEmpty());
        QCOMPARE(hits.first(), m_layout.nodeFor(addr("0000:3b:00.0")));
        QVERIFY(!m_layout.search(QStringLiteral("ConnectX-5")).isEmpty());
        QVERIFY(m_layout.search(QStringLiteral("no such device anywhere")).isEmpty());
        // A collapsed VF is found in its stack.
        QCOMPARE(m_layout.search(QStringLiteral("0000:3b:02.3")).first(), m_layout.nodeFor(addr("0000:3b:02.3")));
        const int gpu = m_layout.nodeFor(addr("0000:1b:00.0"));
        QCOMPARE(m_layout.nodeAt(m_layout.nodes[gpu].rect.center()), gpu);
        QCOMPARE(m_layout.nodeAt(QPointF(-100, -100)), -1);
    }

    void shortNames()
    {
        PciFunction f;
        f.vendorName = QStringLiteral("NVIDIA Corporation");
        f.deviceName = QStringLiteral("TU102GL [Quadro RTX 6000/8000]");
        QCOMPARE(layout::shortDeviceName(f), QStringLiteral("NVIDIA Quadro RTX 6000/8000"));
        QCOMPARE(layout::shortVendor(QStringLiteral("Advanced Micro Devices, Inc. [AMD]")), QStringLiteral("AMD"));
        QCOMPARE(layout::shortVendor(QStringLiteral("Samsung Electronics Co Ltd")), QStringLiteral("Samsung"));
    }

    void realQemuTree()
    {
        const QString root = QStringLiteral(DEVTOPO_SHARED_DIR "/realdata/qemu-q35-vtd-linux6.12-before");
        if (!QDir(root).exists())
            QSKIP("../shared/realdata is not here");
        SourceResult r = openSource(root);
        QVERIFY2(r.ok, qPrintable(r.error));
        r.topology.reindex();
        const layout::TopologyLayout l = layout::layoutTopology(r.topology);
        QCOMPARE(functionNodes(l), int(r.topology.functions.size()));
        checkGeometry(l);
        // The XIO3130 switch: upstream 04:00.0 containing downstream ports 05:00.0 and 05:01.0,
        // each containing its device.
        const DrawNode &sw = l.nodes[l.nodeFor(addr("0000:04:00.0"))];
        QCOMPARE(sw.kind, Kind::Switch);
        QCOMPARE(sw.children.size(), 2);
        for (int c : sw.children) {
            const DrawNode &down = l.nodes[c];
            QCOMPARE(down.kind, Kind::Port);
            QVERIFY(sw.rect.contains(down.rect));
            QCOMPARE(down.children.size(), 1);
            QCOMPARE(l.nodes[down.children.first()].kind, Kind::Device);
        }
        QCOMPARE(*l.nodes[sw.parent].address, addr("0000:00:02.3"));
        // No NUMA information in a q35 guest: host bridges sit in the machine box.
        QCOMPARE(l.count(Kind::Numa), 0);
        QCOMPARE(l.nodes[l.nodes[sw.parent].parent].kind, Kind::HostBridge);
    }

private:
    Topology m_topo;
    layout::TopologyLayout m_layout;
};

QTEST_GUILESS_MAIN(TestTopologyLayout)
#include "tst_topologylayout.moc"
