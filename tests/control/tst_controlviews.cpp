// The control widgets on their own: the confirmation dialog's text and force option, the DMA
// panel's form (bad input never leaves the panel), its mappings model, memlock gauge and bitmap
// picture, the VF token panel's checks and plain EACCES words, the IOVA map's DMA overlay.

#include "actiondialog.h"
#include "controltesttopology.h"
#include "dirtybitmapwidget.h"
#include "dmamappingmodel.h"
#include "dmapanel.h"
#include "iovamapwidget.h"
#include "screenshots.h"
#include "vftokenpanel.h"

#include <QAbstractItemModelTester>
#include <QCheckBox>
#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QRadioButton>
#include <QSignalSpy>
#include <QTableView>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace devtopo;
using namespace devtopo::control;
using devtopo::test::pa;

class TestControlViews : public QObject
{
    Q_OBJECT
    Topology m_t = test::makeControlTopology();

    static DmaGroupState openState()
    {
        DmaGroupState s;
        s.group = 16;
        s.handle = 3;
        s.iovaRanges = {{0, 0xfedfffff}, {0xfef00000, 0xffffffffffff}};
        s.pageSizes = 0x40201000;
        s.dmaAvail = 65533;
        s.lockedBytes = 0x200000;
        s.memlockLimit = 64ull << 20;
        s.mappings = {{0x100000, 0x200000}, {0x40000000, 0x1000}};
        s.dirtyTrackingSupported = true; // type1 with the migration capability
        return s;
    }
    static DmaGroupState iommufdState(bool hwpt)
    {
        DmaGroupState s = openState();
        s.backend = u"iommufd"_s;
        s.pageSizes = 4096;
        s.dmaAvail = -1;
        s.ioasId = 3;
        s.hwptId = hwpt ? 4 : 0;
        s.dirtyTrackingSupported = hwpt;
        s.boundDevices = {u"0000:1b:00.0"_s, u"0000:1b:00.1"_s};
        return s;
    }

private Q_SLOTS:
    void groupDialog()
    {
        ControlAction a;
        a.kind = ActionKind::BindGroup;
        a.group = 15;
        a.driver = u"vfio-pci"_s;
        views::ActionDialog d(planChange(m_t, a));
        d.resize(720, 420);
        d.show();
        QVERIFY(QTest::qWaitForWindowExposed(&d));
        QCOMPARE(d.windowTitle(), u"Bind IOMMU group 15 to vfio-pci"_s);
        QCOMPARE(d.summaryText(),
                 u"unbind e1000e from 0000:08:00.0 and nvme from 0000:08:00.1 — same group 15 — and bind both to vfio-pci"_s);
        QCOMPARE(d.changeTexts(), (QStringList{u"1. unbind e1000e from 0000:08:00.0 and bind it to vfio-pci"_s,
                                               u"2. unbind nvme from 0000:08:00.1 and bind it to vfio-pci"_s,
                                               u"–  0000:00:1c.0 is a bridge on pcieport: VFIO tolerates it, it stays"_s}));
        // The helper may refuse for in-use (a NIC, a disk): force is offered, off by default.
        QVERIFY(d.forceCheckBox()->isVisible());
        QVERIFY(!d.force());
        QVERIFY(!d.confirmedAction().force);
        QVERIFY(d.applyButton()->isEnabled());
        QVERIFY(!d.applyButton()->isDefault()); // Enter cancels; Apply must be pressed
        QVERIFY(test::saveScreenshot(&d, u"control-action-dialog"_s));
        d.forceCheckBox()->setChecked(true);
        QVERIFY(d.confirmedAction().force);
        QSignalSpy accepted(&d, &QDialog::accepted);
        QTest::mouseClick(d.applyButton(), Qt::LeftButton);
        QCOMPARE(accepted.size(), 1);
    }

    void dialogWithoutForceOrChanges()
    {
        ControlAction a;
        a.kind = ActionKind::BindGroup;
        a.group = 16;
        a.driver = u"vfio-pci"_s;
        views::ActionDialog d(planChange(m_t, a));
        d.show();
        QVERIFY(!d.forceCheckBox()->isVisible()); // nothing the helper would call in use
        QVERIFY(!d.confirmedAction().force);
        QCOMPARE(d.changeTexts().first(), u"–  0000:09:00.0 is already on vfio-pci: nothing to do"_s);
        a.group = -1;
        a.kind = ActionKind::BindDevice;
        a.address = pa("0000:09:00.0");
        views::ActionDialog noop(planChange(m_t, a));
        QVERIFY(!noop.applyButton()->isEnabled());
        a.kind = ActionKind::SetNumVfs;
        a.address = pa("0000:0a:00.0");
        a.count = 3;
        const QString text = views::ActionDialog::planText(planChange(m_t, a));
        QVERIFY2(text.startsWith(u"Set 0000:0a:00.0's VF count to 3: set 0000:0a:00.0's VF count from 2 to 3 by way of 0"_s), qPrintable(text));
        QVERIFY(text.contains(u"  • VF 0000:0a:00.2 (mlx5_core) disappears"_s));
        QVERIFY(text.contains(u"  ⚠ VF 0000:0a:00.3 is on vfio-pci"_s));
    }

    void dmaPanel()
    {
        views::DmaPanel p;
        p.resize(640, 760);
        p.setTopology(m_t);
        p.show();
        QVERIFY(QTest::qWaitForWindowExposed(&p));
        QAbstractItemModelTester tester(p.mappingModel(), QAbstractItemModelTester::FailureReportingMode::QtTest);
        // Viable groups are listed first.
        QVERIFY(p.groupCombo()->itemText(0).contains(u"— viable —"_s));
        QVERIFY(!p.mapButton()->isEnabled());
        QSignalSpy open(&p, &views::DmaPanel::openRequested);
        p.chooseGroup(16);
        QTest::mouseClick(p.openButton(), Qt::LeftButton);
        QCOMPARE(open.size(), 1);
        QCOMPARE(open.first().first().toInt(), 16);
        QCOMPARE(open.first().at(1).toString(), u"auto"_s); // the default backend

        p.setOpened(openState());
        QVERIFY(p.mapButton()->isEnabled() && p.closeButton()->isEnabled() && !p.openButton()->isEnabled());
        QCOMPARE(p.mappingModel()->rowCount(), 2);
        QCOMPARE(p.memlockText(), u"2 MiB of 64 MiB locked (3%)"_s);
        QCOMPARE(p.memlockGauge()->value(), 31);
        QVERIFY(p.hugePagesBox()->isEnabled()); // 2 MiB is among the page sizes

        QSignalSpy map(&p, &views::DmaPanel::mapRequested);
        p.iovaEdit()->setText(u"0x200000"_s);
        p.sizeEdit()->setText(u"4 KiB"_s);
        QTest::mouseClick(p.mapButton(), Qt::LeftButton);
        QCOMPARE(map.size(), 1);
        QCOMPARE(map.first().at(0).toUInt(), 3u);
        QCOMPARE(map.first().at(1).toULongLong(), 0x200000ull);
        QCOMPARE(map.first().at(2).toULongLong(), 4096ull);
        // Bad input: said next to the form, nothing sent.
        p.sizeEdit()->setText(u"lots"_s);
        QTest::mouseClick(p.mapButton(), Qt::LeftButton);
        QCOMPARE(map.size(), 1);
        QVERIFY(p.errorText().contains(u"is not a size"_s));
        p.sizeEdit()->setText(u"0"_s);
        QTest::mouseClick(p.mapButton(), Qt::LeftButton);
        QCOMPARE(map.size(), 1);
        p.iovaEdit()->setText(u"0xq"_s);
        p.sizeEdit()->setText(u"4k"_s);
        QTest::mouseClick(p.mapButton(), Qt::LeftButton);
        QCOMPARE(map.size(), 1);
        QVERIFY(p.errorText().contains(u"not a hexadecimal address"_s));
        // The kernel's refusals in plain words, with its own text.
        p.showError(u"EEXIST: 0x100000+0x200000 overlaps an existing mapping"_s);
        QVERIFY(p.errorText().contains(u"overlaps a mapping that is already there (EEXIST)"_s));
        QVERIFY(p.errorText().contains(u"The kernel said: EEXIST: 0x100000+0x200000"_s));

        QSignalSpy unmap(&p, &views::DmaPanel::unmapRequested);
        QVERIFY(!p.unmapButton()->isEnabled());
        p.mappingTable()->selectRow(1);
        QVERIFY(p.unmapButton()->isEnabled());
        QTest::mouseClick(p.unmapButton(), Qt::LeftButton);
        QCOMPARE(unmap.size(), 1);
        QCOMPARE(unmap.first().at(1).toULongLong(), 0x40000000ull);
        QCOMPARE(unmap.first().at(2).toULongLong(), 0x1000ull);

        // Dirty tracking: the bitmap covers the span of the mappings.
        DmaGroupState s = openState();
        s.dirtyTracking = true;
        p.setOpened(s);
        QSignalSpy bitmap(&p, &views::DmaPanel::bitmapRequested);
        QVERIFY(p.bitmapButton()->isEnabled() && p.dirtyStopButton()->isEnabled() && !p.dirtyStartButton()->isEnabled());
        QTest::mouseClick(p.bitmapButton(), Qt::LeftButton);
        QCOMPARE(bitmap.size(), 1);
        QCOMPARE(bitmap.first().at(1).toULongLong(), 0x100000ull);
        QCOMPARE(bitmap.first().at(2).toULongLong(), 0x40001000ull - 0x100000ull);
        DirtyBitmapData b;
        b.iova = 0x100000;
        b.size = 0x400000;
        b.pageSize = 4096;
        b.bits = QByteArray(128, '\0');
        b.bits.replace(0, 64, QByteArray(64, char(0xff)));
        p.setBitmap(b);
        QCOMPARE(p.bitmapWidget()->caption(), u"512 of 1024 pages dirty · 4 KiB pages from 0x100000"_s);
        p.showMessage(u"512 of 1024 pages dirty"_s);
        QVERIFY(test::saveScreenshot(&p, u"control-dma-panel"_s));
        const QImage img = p.bitmapWidget()->grab().toImage();
        const QColor dirty = img.pixelColor(p.bitmapWidget()->cellRect(0).center());
        const QColor clean = img.pixelColor(p.bitmapWidget()->cellRect(1000).center());
        QVERIFY2(dirty.red() > 200 && dirty.green() < 80, qPrintable(dirty.name()));
        QVERIFY2(clean.red() > 200 && clean.green() > 200, qPrintable(clean.name()));

        p.setClosed();
        QCOMPARE(p.mappingModel()->rowCount(), 0);
        QVERIFY(!p.bitmapWidget()->hasBitmap());
        QVERIFY(!p.mapButton()->isEnabled());
    }

    // The backend choice: iommufd greyed with the helper's reason where it is unavailable, the
    // choice sent with Open, the backend in use shown after, and the dirty box saying which.
    void dmaBackends()
    {
        views::DmaPanel p;
        p.resize(640, 860);
        QSignalSpy asked(&p, &views::DmaPanel::backendsRequested);
        p.setTopology(m_t);
        p.show();
        QVERIFY(QTest::qWaitForWindowExposed(&p));
        p.chooseGroup(16);
        QVERIFY(!asked.isEmpty());
        QCOMPARE(asked.last().first().toInt(), 16);
        QCOMPARE(p.backendCombo()->count(), 3);
        p.chooseBackend(u"iommufd"_s);
        // An answer for another group is not this one's.
        p.setBackends(15, {u"type1v2"_s}, u"ENOENT: whatever"_s);
        QCOMPARE(p.chosenBackend(), u"iommufd"_s);
        QVERIFY(p.backendNoteText().isEmpty());
        p.setBackends(16, {u"type1v2"_s}, u"ENOENT: no /dev/iommu on this kernel (CONFIG_IOMMUFD not set)"_s);
        QVERIFY(!p.iommufdOffered());
        QCOMPARE(p.chosenBackend(), u"auto"_s); // the greyed entry cannot stay chosen
        QVERIFY2(p.backendNoteText().contains(u"iommufd is not available for group 16: ENOENT: no /dev/iommu on this kernel (CONFIG_IOMMUFD not set). Auto will use a type1v2 container."_s),
                 qPrintable(p.backendNoteText()));
        const QModelIndex fd = p.backendCombo()->model()->index(p.backendCombo()->findData(u"iommufd"_s), 0);
        QVERIFY(fd.data(Qt::ToolTipRole).toString().contains(u"CONFIG_IOMMUFD not set"_s));
        QVERIFY(test::saveScreenshot(&p, u"control-dma-backend-unavailable"_s));
        p.setBackends(16, {u"type1v2"_s, u"iommufd"_s}, QString());
        QVERIFY(p.iommufdOffered());
        QVERIFY(p.backendNoteText().isEmpty());
        p.chooseBackend(u"iommufd"_s);
        QSignalSpy open(&p, &views::DmaPanel::openRequested);
        QTest::mouseClick(p.openButton(), Qt::LeftButton);
        QCOMPARE(open.size(), 1);
        QCOMPARE(open.first().at(1).toString(), u"iommufd"_s);

        // Open on iommufd with a dirty-tracking HWPT.
        p.setOpened(iommufdState(true));
        QVERIFY(!p.backendCombo()->isEnabled());
        QVERIFY2(p.statusText().startsWith(u"Group 16 is open on iommufd (IOAS 3, HWPT 4), handle 3"_s), qPrintable(p.statusText()));
        QCOMPARE(p.backendText(), u"iommufd IOAS 3, dirty-tracking HWPT 4 — hardware dirty tracking available"_s);
        QCOMPARE(p.dirtyTitle(), u"Dirty page tracking (iommufd HWPT)"_s);
        QVERIFY(p.dirtyNoteText().startsWith(u"Hardware dirty tracking"_s));
        QVERIFY(p.dirtyStartButton()->isEnabled());
        QVERIFY(p.hugePagesBox()->isEnabled()); // iommufd takes 2 MiB-aligned huge pages
        QVERIFY2(p.memlockText().startsWith(u"2 MiB of 64 MiB RLIMIT_MEMLOCK (3%) pinned by this handle"_s), qPrintable(p.memlockText()));
        QVERIFY(test::saveScreenshot(&p, u"control-dma-iommufd"_s));
        // An unmap of a typed range; iommufd's ENOENT in plain words.
        QSignalSpy unmap(&p, &views::DmaPanel::unmapRequested);
        p.iovaEdit()->setText(u"0x100000"_s);
        p.sizeEdit()->setText(u"4k"_s);
        QTest::mouseClick(p.unmapRangeButton(), Qt::LeftButton);
        QCOMPARE(unmap.size(), 1);
        QCOMPARE(unmap.first().at(2).toULongLong(), 4096ull);
        p.showError(u"ENOENT: IOMMU_IOAS_UNMAP [0x100000, 0x100fff] would split the mapping [0x100000, 0x2fffff]; nothing unmapped"_s);
        QVERIFY(p.errorText().startsWith(u"Nothing was unmapped (ENOENT): iommufd unmaps whole mappings only"_s));

        // No dirty-tracking HWPT (a legacy-mode VT-d unit): Start not offered, and why.
        p.setOpened(iommufdState(false));
        QCOMPARE(p.backendText(), u"iommufd IOAS 3, no dirty-tracking HWPT — no hardware dirty tracking"_s);
        QVERIFY(!p.dirtyStartButton()->isEnabled());
        QVERIFY(p.dirtyNoteText().contains(u"(EOPNOTSUPP)"_s));
        QVERIFY(p.dirtyStartButton()->toolTip().contains(u"cannot track dirty pages"_s));
        p.showError(u"EOPNOTSUPP: this IOMMU cannot track dirty pages"_s);
        QVERIFY(p.errorText().startsWith(u"This IOMMU cannot track dirty pages (EOPNOTSUPP)"_s));
        QVERIFY(test::saveScreenshot(&p, u"control-dma-iommufd-no-hwpt"_s));

        // type1v2 after auto fell back: the reason stays in view.
        DmaGroupState t1 = openState();
        t1.backendNote = u"iommufd not used: no /dev/iommu on this kernel (CONFIG_IOMMUFD not set)"_s;
        p.setOpened(t1);
        QCOMPARE(p.dirtyTitle(), u"Dirty page tracking (type1)"_s);
        QVERIFY(p.findChild<QLabel *>(u"dmaNote"_s)->text().contains(u"CONFIG_IOMMUFD not set"_s));
        QVERIFY(p.statusText().contains(u"type1v2 container"_s));
        p.setClosed();
        QVERIFY(p.backendCombo()->isEnabled());
        QCOMPARE(p.dirtyTitle(), u"Dirty page tracking"_s);
    }

    void memlockCases()
    {
        views::DmaPanel p;
        DmaGroupState s = openState();
        s.memlockLimit = ~0ull;
        p.setOpened(s);
        QCOMPARE(p.memlockText(), u"2 MiB locked; RLIMIT_MEMLOCK is unlimited"_s);
        QVERIFY(!p.memlockGauge()->isEnabled());
        s.memlockLimit = 8ull << 20;
        s.capIpcLock = true;
        p.setOpened(s);
        QVERIFY(p.memlockText().contains(u"CAP_IPC_LOCK, which bypasses RLIMIT_MEMLOCK"_s));
        s.backend = u"iommufd"_s;
        p.setOpened(s);
        QCOMPARE(p.memlockText(), u"2 MiB pinned by this handle (iommufd charges the user; this is what this handle pinned); the helper has CAP_IPC_LOCK, so no limit applies"_s);
        s.capIpcLock = false;
        s.memlockLimit = ~0ull;
        p.setOpened(s);
        QVERIFY(p.memlockText().endsWith(u"; RLIMIT_MEMLOCK is unlimited"_s));
    }

    void vfTokenPanel()
    {
        Topology t = m_t;
        t.function(pa("0000:0a:00.0"))->driver = u"vfio-pci"_s;
        views::VfTokenPanel p;
        p.resize(620, 480);
        p.setTopology(t);
        p.show();
        QVERIFY(QTest::qWaitForWindowExposed(&p));
        QCOMPARE(p.pfCombo()->count(), 1);
        QCOMPARE(p.vfCombo()->count(), 2);
        QVERIFY(!p.setTokenButton()->isEnabled()); // no token typed yet
        QTest::mouseClick(p.generateButton(), Qt::LeftButton);
        const QString token = p.tokenEdit()->text();
        QVERIFY2(views::VfTokenPanel::isValidUuid(token), qPrintable(token));
        QCOMPARE(p.openTokenEdit()->text(), token);
        QSignalSpy set(&p, &views::VfTokenPanel::setTokenRequested);
        QTest::mouseClick(p.setTokenButton(), Qt::LeftButton);
        QCOMPARE(set.size(), 1);
        QCOMPARE(set.first().at(0).toString(), u"0000:0a:00.0"_s);
        QCOMPARE(set.first().at(1).toString(), token);
        // A malformed UUID never leaves the panel.
        p.tokenEdit()->setText(u"{"_s + token + u"}"_s);
        QTest::mouseClick(p.setTokenButton(), Qt::LeftButton);
        QCOMPARE(set.size(), 1);
        QVERIFY(p.resultIsError() && p.resultText().contains(u"is not a UUID"_s));
        p.tokenEdit()->setText(token);

        QSignalSpy open(&p, &views::VfTokenPanel::openRequested);
        p.noTokenRadio()->setChecked(true);
        QTest::mouseClick(p.openButton(), Qt::LeftButton);
        QCOMPARE(open.size(), 1);
        QCOMPARE(open.first().at(0).toString(), u"0000:0a:00.2"_s);
        QVERIFY(open.first().at(1).toString().isEmpty());
        p.showOpenResult(false, u"EACCES: VF token required to access device"_s, false);
        QVERIFY(p.resultIsError());
        QVERIFY(p.resultText().contains(u"the PF is bound to vfio-pci and has a VF token; this open gave none"_s));
        QVERIFY(p.resultText().contains(u"The kernel said: EACCES: VF token required to access device"_s));
        QVERIFY(test::saveScreenshot(&p, u"control-vf-token-panel"_s));
        p.withTokenRadio()->setChecked(true);
        QTest::mouseClick(p.openButton(), Qt::LeftButton);
        QCOMPARE(open.size(), 2);
        QCOMPARE(open.last().at(1).toString(), token);
        p.showOpenResult(false, u"EACCES: Incorrect VF token provided for device"_s, true);
        QVERIFY(p.resultText().contains(u"has a different VF token; this open gave a wrong one"_s));
        p.showOpenResult(true, {}, true);
        QVERIFY(!p.resultIsError());
        QVERIFY(p.resultText().contains(u"the kernel accepted it"_s));
    }

    void vfTokenNeedsVfioPf()
    {
        views::VfTokenPanel p;
        p.setTopology(m_t); // the PF is on mlx5_core
        p.tokenEdit()->setText(u"bd8d9d2b-5a5f-4f5a-a211-f591514ba1f3"_s);
        QVERIFY(!p.setTokenButton()->isEnabled());
    }

    void iovaOverlay()
    {
        views::IovaMapWidget map;
        map.resize(900, 160);
        const IommuGroup g = [] {
            IommuGroup x;
            x.id = 16;
            x.addressWidth = 48;
            x.reservedRegions = {{0xfee00000, 0xfeefffff, u"msi"_s}};
            x.usableIova = {{0, 0xfedfffff}, {0xfef00000, 0xffffffffffff}};
            return x;
        }();
        map.setGroup(g);
        map.show();
        QVERIFY(QTest::qWaitForWindowExposed(&map));
        QVERIFY(!map.hasDmaOverlay());
        map.setDmaOverlay({{0, 0xfedfffff}, {0xfef00000, 0xffffffffffff}}, {{0x100000, 0x2fffff}, {0x40000000, 0x40000fff}});
        const QList<QRect> rects = map.dmaMappingRects();
        QCOMPARE(rects.size(), 2);
        // Both inside the first (usable) segment, in address order, apart.
        QVERIFY(map.segmentRect(0).contains(rects[0].topLeft()));
        QVERIFY(rects[0].left() < rects[1].left());
        QVERIFY(map.xForAddress(0xfee00000) >= map.segmentRect(1).left());
        QCOMPARE(map.xForAddress(quint64(1) << 50), -1);
        QVERIFY(test::saveScreenshot(&map, u"control-iova-overlay"_s));
        const QImage img = map.grab().toImage();
        const QColor c = img.pixelColor(rects[0].center());
        QVERIFY2(c.blue() > 120 && c.green() < 60 && c.red() > 80, qPrintable(c.name())); // purple block
        map.clearDmaOverlay();
        QVERIFY(map.dmaMappingRects().isEmpty());
    }
};

QTEST_MAIN(TestControlViews)
#include "tst_controlviews.moc"
