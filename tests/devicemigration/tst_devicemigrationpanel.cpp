// The device-migration panel against the demo helper on a private bus: the mlx5_vfio_pci VF's
// diagram and path, a walk to PRE_COPY with the chart filling from polled samples, a save; a
// screenshot is written for a look. And against a client whose answers the test holds back: the
// buttons wait for them, progress is shown, and polls never overlap.

#include "dbusdevicemigrationclient.h"
#include "devicemigrationpanel.h"
#include "dirtybitmapwidget.h"
#include "helperproxy.h"
#include "migrationstatediagram.h"
#include "screenshots.h"

#include <QChartView>
#include <QComboBox>
#include <QDBusConnection>
#include <QDBusConnectionInterface>
#include <QDir>
#include <QGroupBox>
#include <QLabel>
#include <QLineEdit>
#include <QProcess>
#include <QPushButton>
#include <QRadioButton>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace devtopo;
using devmig::DeviceMigrationClient;

namespace {

// Answers only when the test says so; counts what is outstanding.
class HeldClient : public DeviceMigrationClient
{
public:
    devmig::DeviceMigrationStatus st{u"0000:af:00.4"_s, 40, 7, 2, true, false};
    QList<std::function<void()>> pending;
    int outstandingPolls = 0;
    int maxOutstandingPolls = 0;
    int setStateCalls = 0;

    // The answers to what is out now (what they send in turn stays out).
    void answerRound()
    {
        const auto now = std::exchange(pending, {});
        for (const auto &answer : now)
            answer();
    }
    void drain()
    {
        while (!pending.isEmpty())
            answerRound();
    }
    void status(Reply<const devmig::DeviceMigrationStatus &> done) override
    {
        pending << [this, done] { done({}, st); };
    }
    void setState(const QString &target, Reply<const QStringList &> done) override
    {
        ++setStateCalls;
        pending << [this, target, done] {
            vfiomig::State t;
            vfiomig::parseState(target, &t);
            st.state = quint32(t);
            done({}, {u"RUNNING -> RUNNING_P2P"_s});
        };
    }
    void poll()
    {
        ++outstandingPolls;
        maxOutstandingPolls = std::max(maxOutstandingPolls, outstandingPolls);
    }
    void precopy(Reply<quint64, quint64> done) override
    {
        poll();
        pending << [this, done] {
            --outstandingPolls;
            done({}, 100, 10);
        };
    }
    void stopCopySize(Reply<quint64> done) override
    {
        poll();
        pending << [this, done] {
            --outstandingPolls;
            done({}, 100);
        };
    }
    void readPrecopy(quint64, Reply<quint64> done) override { pending << [done] { done({}, 0); }; }
    void saveTo(const QString &, Reply<quint64, const QString &> done) override { pending << [done] { done({}, 1, u"x"_s); }; }
    void loadFrom(const QString &, Reply<quint64> done) override { pending << [done] { done({}, 1); }; }
    void reset(Reply<> done) override { pending << [done] { done({}); }; }
    QList<devmig::IovaSpan> mapped;
    QList<devmig::IovaSpan> started;
    int logCalls = 0;
    QString reportError;
    void mappedRanges(Reply<const QList<devmig::IovaSpan> &> done) override { pending << [this, done] { done({}, mapped); }; }
    void dmaLoggingStart(const QList<devmig::IovaSpan> &ranges, quint64, Reply<> done) override
    {
        ++logCalls;
        pending << [this, ranges, done] {
            started = ranges;
            st.dmaLogging = true;
            done({});
        };
    }
    void dmaLoggingReport(quint64, quint64 length, quint64 page, Reply<const QByteArray &> done) override
    {
        ++logCalls;
        pending << [this, length, page, done] {
            QByteArray bits(qsizetype((length / page + 63) / 64 * 8), '\0');
            bits[0] = char(0x05); // pages 0 and 2
            done(reportError, reportError.isEmpty() ? bits : QByteArray());
        };
    }
    void dmaLoggingStop(Reply<> done) override
    {
        ++logCalls;
        pending << [this, done] {
            st.dmaLogging = false;
            done({});
        };
    }
};

int precopySamples(const devmig::DeviceMigrationPanel &panel)
{
    return int(std::count_if(panel.samples().cbegin(), panel.samples().cend(), [](const devmig::PrecopySample &s) { return s.precopy; }));
}

} // namespace

class TestDeviceMigrationPanel : public QObject
{
    Q_OBJECT
    QProcess m_bus, m_helper;
    QTemporaryDir m_tree;

private Q_SLOTS:
    void heldAnswers()
    {
        HeldClient client;
        devmig::DeviceMigrationPanel panel(&client);
        panel.setPollInterval(10);
        auto *move = panel.findChild<QPushButton *>(u"moveButton"_s);
        QVERIFY(move);
        QVERIFY(!move->isEnabled()); // nothing known yet
        client.answerRound(); // the status
        QVERIFY(panel.hasStatus());
        QVERIFY(panel.statusText().contains(u"RUNNING"_s));
        // The poll after the status is out; the timer fires many times: none piles up behind it.
        QVERIFY(panel.isPolling());
        QTest::qWait(100);
        QCOMPARE(client.maxOutstandingPolls, 1);
        QCOMPARE(panel.pollsSent(), 1);
        client.answerRound();
        QVERIFY(!panel.isPolling());
        QCOMPARE(panel.samples().size(), 1);

        // A walk: the buttons wait for the answer and the refresh after it.
        panel.findChild<QComboBox *>()->setCurrentText(u"STOP"_s);
        client.drain();
        QVERIFY(move->isEnabled());
        QSignalSpy finished(&panel, &devmig::DeviceMigrationPanel::finished);
        QSignalSpy busy(&panel, &devmig::DeviceMigrationPanel::busyChanged);
        QVERIFY(panel.moveTo(u"STOP"_s));
        QCOMPARE(busy.size(), 1);
        QVERIFY(panel.isBusy());
        QVERIFY(!move->isEnabled());
        QVERIFY(!panel.findChild<QPushButton *>(u"resetButton"_s)->isEnabled());
        QVERIFY(!panel.moveTo(u"STOP"_s)); // busy: nothing more is sent
        QCOMPARE(client.setStateCalls, 1);
        Q_EMIT client.progress(u"migration-state"_s, 0, 2, u"RUNNING -> RUNNING_P2P"_s);
        QCOMPARE(panel.progressText(), u"step 1 of 2: RUNNING -> RUNNING_P2P"_s);
        const int before = panel.pollsSent();
        QTest::qWait(60); // the poll timer fires; no poll goes out behind the walk
        QCOMPARE(panel.pollsSent(), before);
        client.answerRound(); // the walk: the status is asked before the buttons come back
        QVERIFY(panel.isBusy());
        QCOMPARE(finished.size(), 0);
        client.drain();
        QCOMPARE(finished.size(), 1);
        QCOMPARE(finished.first().at(1).toBool(), true);
        QVERIFY(!panel.isBusy());
        QCOMPARE(busy.size(), 2);
        QVERIFY(panel.statusText().contains(u": STOP,"_s));

        // A refused arc is said without a call.
        client.drain();
        client.st.state = quint32(vfiomig::State::StopCopy);
        panel.refresh();
        client.drain();
        QVERIFY(panel.statusText().contains(u": STOP_COPY,"_s));
        QVERIFY(!panel.moveTo(u"PRE_COPY"_s));
        QCOMPARE(client.setStateCalls, 1);
        QCOMPARE(busy.size(), 2);
        QVERIFY2(panel.messageText().startsWith(u"Not sent: "_s), qPrintable(panel.messageText()));
    }

    // The dirty tracking box against held answers: enabled by the support flag, the group's mapped
    // ranges asked first (none: said, nothing sent), every logged range reported, errors plain.
    void dirtyTrackingHeld()
    {
        HeldClient client;
        client.st.dmaLoggingSupported = false;
        devmig::DeviceMigrationPanel panel(&client);
        panel.setPollInterval(100000);
        client.drain();
        QVERIFY(!panel.logStartButton()->isEnabled());
        QVERIFY2(panel.dirtyNoteText().contains(u"has no DMA logging"_s), qPrintable(panel.dirtyNoteText()));
        QVERIFY(!panel.startDirtyTracking());
        QCOMPARE(client.logCalls, 0);

        client.st.dmaLoggingSupported = true;
        panel.refresh();
        client.drain();
        QVERIFY(panel.logStartButton()->isEnabled());
        QVERIFY(!panel.logReportButton()->isEnabled() && !panel.logStopButton()->isEnabled());
        // The group's mapped ranges: none, so nothing is sent.
        panel.logMappedRadio()->setChecked(true);
        QVERIFY(!panel.logIovaEdit()->isEnabled());
        QVERIFY(panel.startDirtyTracking());
        QVERIFY(!panel.logStartButton()->isEnabled()); // the question is out
        client.drain();
        QCOMPARE(client.logCalls, 0);
        QVERIFY(panel.dirtyMessageIsError());
        QVERIFY2(panel.dirtyMessageText().startsWith(u"Not sent: the group has no DMA mappings"_s), qPrintable(panel.dirtyMessageText()));
        // Two mapped ranges: both logged, both reported, the counts cover both.
        client.mapped = {{0x100000, 0x10000}, {0x400000, 0x4000}};
        QVERIFY(panel.startDirtyTracking());
        client.drain();
        QCOMPARE(client.started, client.mapped);
        QVERIFY(panel.status().dmaLogging);
        QVERIFY(panel.logReportButton()->isEnabled() && panel.logStopButton()->isEnabled() && !panel.logStartButton()->isEnabled());
        QVERIFY(panel.reportDirty());
        QVERIFY(!panel.logReportButton()->isEnabled());
        client.drain();
        QCOMPARE(client.logCalls, 3); // start + one report per range
        QVERIFY2(panel.dirtyMessageText().startsWith(u"4 of 20 pages written by the device"_s), qPrintable(panel.dirtyMessageText()));
        QVERIFY(panel.logBitmap()->hasBitmap());
        QCOMPARE(panel.logBitmap()->bitmap().pages(), 16);
        QVERIFY(panel.logBitmap()->bitmap().isDirty(2) && !panel.logBitmap()->bitmap().isDirty(1));
        // The kernel's EOPNOTSUPP (mtty on a real kernel) in plain words, with its text.
        client.reportError = u"EOPNOTSUPP: VFIO_DEVICE_FEATURE_DMA_LOGGING_REPORT: Operation not supported"_s;
        QVERIFY(panel.reportDirty());
        client.drain();
        QVERIFY(panel.dirtyMessageIsError());
        QVERIFY2(panel.dirtyMessageText().contains(u"cannot report dirty pages"_s), qPrintable(panel.dirtyMessageText()));
        QVERIFY(panel.dirtyMessageText().contains(u"The helper said: EOPNOTSUPP: "_s));
        QVERIFY(panel.stopDirtyTracking());
        client.drain();
        QVERIFY(!panel.status().dmaLogging);
        QVERIFY(panel.logStartButton()->isEnabled());
        // Bad input: said, nothing sent.
        panel.logRangeRadio()->setChecked(true);
        panel.logIovaEdit()->setText(u"zz"_s);
        const int calls = client.logCalls;
        QVERIFY(!panel.startDirtyTracking());
        QCOMPARE(client.logCalls, calls);
        QVERIFY(panel.dirtyMessageText().startsWith(u"Not sent: "_s));
    }

    void panelOverTheDemoHelper()
    {
        m_bus.start(u"dbus-daemon"_s, {u"--session"_s, u"--nofork"_s, u"--nopidfile"_s, u"--print-address=1"_s});
        if (!m_bus.waitForStarted(5000))
            QSKIP("no dbus-daemon");
        QVERIFY(m_bus.waitForReadyRead(5000));
        const QString address = QString::fromUtf8(m_bus.readLine()).trimmed();
        m_helper.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        m_helper.start(QStringLiteral(DEVTOPO_HELPER_BIN), {u"--demo"_s, u"--address"_s, address, u"--authority"_s, u"allow"_s, u"--demo-root"_s, m_tree.path()});
        QVERIFY(m_helper.waitForStarted(5000));
        QDBusConnection bus = QDBusConnection::connectToBus(address, u"panel"_s);
        QTRY_VERIFY_WITH_TIMEOUT(bus.interface()->isServiceRegistered(u"io.github.devtopo.Helper1"_s), 15000);
        IoGithubDevtopoHelper1Interface helper(u"io.github.devtopo.Helper1"_s, u"/io/github/devtopo/Helper1"_s, bus);
        // The VF's group: the demo tree says it.
        const QString link = QFileInfo(m_tree.path() + u"/current/sys/bus/pci/devices/0000:af:00.4/iommu_group"_s).symLinkTarget();
        const int group = QFileInfo(link).fileName().toInt();
        QVERIFY(group > 0);
        {
            devmig::DBusDeviceMigrationClient client(&helper);
            QString openError = u"(no answer)"_s;
            client.open(group, u"0000:af:00.4"_s, [&](const QString &e) { openError = e; });
            QVERIFY(!client.isOpen()); // the answer comes later, from the event loop
            QTRY_COMPARE_WITH_TIMEOUT(openError, QString(), 10000);
            QVERIFY(client.isOpen());
            devmig::DeviceMigrationPanel panel(&client);
            QSignalSpy finished(&panel, &devmig::DeviceMigrationPanel::finished);
            QSignalSpy progress(&client, &DeviceMigrationClient::progress);
            panel.setPollInterval(100);
            panel.resize(760, 980); // the diagram, the chart and the dirty tracking box, as the dock's scroll area gives them
            panel.show();
            QVERIFY(QTest::qWaitForWindowExposed(&panel));
            QTRY_VERIFY_WITH_TIMEOUT(panel.hasStatus(), 10000);
            QVERIFY2(panel.statusText().contains(u"RUNNING, migration flags STOP_COPY|P2P|PRE_COPY"_s), qPrintable(panel.statusText()));

            // Device dirty tracking on the mlx5-like VF: its group has nothing mapped, so the
            // mapped-ranges choice is refused here; an IOVA range is logged and the pages the
            // running device wrote come back.
            QSignalSpy dirty(&panel, &devmig::DeviceMigrationPanel::dirtyFinished);
            QVERIFY(panel.status().dmaLoggingSupported);
            QVERIFY(panel.logStartButton()->isEnabled());
            panel.logMappedRadio()->setChecked(true);
            QVERIFY(panel.startDirtyTracking());
            QTRY_COMPARE_WITH_TIMEOUT(dirty.size(), 1, 10000);
            QVERIFY2(panel.dirtyMessageText().contains(u"no DMA mappings"_s), qPrintable(panel.dirtyMessageText()));
            // Unaligned to 64 KiB: the helper's EINVAL, explained.
            panel.logRangeRadio()->setChecked(true);
            panel.logIovaEdit()->setText(u"0x101000"_s);
            panel.logSizeEdit()->setText(u"1M"_s);
            panel.logPageSizeCombo()->setCurrentIndex(1); // 64 KiB
            QVERIFY(panel.startDirtyTracking());
            QTRY_COMPARE_WITH_TIMEOUT(dirty.size(), 2, 10000);
            QVERIFY(!dirty.last().at(1).toBool());
            QVERIFY2(panel.dirtyMessageText().contains(u"(EINVAL)"_s) && panel.dirtyMessageText().contains(u"not aligned"_s), qPrintable(panel.dirtyMessageText()));
            QVERIFY(!panel.status().dmaLogging);
            panel.logIovaEdit()->setText(u"0x100000"_s);
            panel.logPageSizeCombo()->setCurrentIndex(0); // 4 KiB
            QVERIFY(panel.startDirtyTracking());
            QTRY_COMPARE_WITH_TIMEOUT(dirty.size(), 3, 10000);
            QVERIFY2(dirty.last().at(1).toBool(), qPrintable(panel.dirtyMessageText()));
            QTRY_VERIFY_WITH_TIMEOUT(panel.status().dmaLogging && !panel.isLogBusy(), 10000);
            QVERIFY(panel.logReportButton()->isEnabled());
            QTest::qWait(300); // the running device writes
            QTest::mouseClick(panel.logReportButton(), Qt::LeftButton);
            QTRY_COMPARE_WITH_TIMEOUT(dirty.size(), 4, 10000);
            QVERIFY2(dirty.last().at(1).toBool(), qPrintable(panel.dirtyMessageText()));
            QVERIFY(panel.logBitmap()->hasBitmap());
            QCOMPARE(panel.logBitmap()->bitmap().pages(), 256);
            const int written = panel.logBitmap()->bitmap().dirtyPages();
            QVERIFY2(written > 0 && written < 256, qPrintable(panel.dirtyMessageText()));
            QVERIFY(panel.dirtyMessageText().startsWith(QString::number(written) + u" of 256 pages written by the device"_s));
            QVERIFY(test::saveScreenshot(&panel, u"devicemigration-panel-dirty"_s));
            QTest::mouseClick(panel.logStopButton(), Qt::LeftButton);
            QTRY_COMPARE_WITH_TIMEOUT(dirty.size(), 5, 10000);
            QVERIFY(dirty.last().at(1).toBool());
            QTRY_VERIFY_WITH_TIMEOUT(!panel.status().dmaLogging && panel.hasStatus() && !panel.isLogBusy(), 10000);
            QVERIFY(panel.logStartButton()->isEnabled());
            QVERIFY(panel.moveTo(u"PRE_COPY"_s));
            QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 10000);
            QVERIFY2(finished.last().at(1).toBool(), qPrintable(finished.last().at(2).toString()));
            QVERIFY(panel.statusText().contains(u": PRE_COPY,"_s));
            // The helper's steps reached the panel without the device's name in front.
            QVERIFY(!progress.isEmpty());
            QCOMPARE(progress.first().at(3).toString(), u"RUNNING -> PRE_COPY"_s);
            QTRY_VERIFY_WITH_TIMEOUT(precopySamples(panel) >= 5, 5000);
            const devmig::PrecopySample last = panel.samples().last();
            QVERIFY(last.initialBytes > (quint64(2) << 20));
            QVERIFY(last.stopCopyBytes >= last.initialBytes);
            // The planned path for a target is what the kernel would walk.
            auto *combo = panel.findChild<QComboBox *>();
            QVERIFY(combo);
            combo->setCurrentText(u"RESUMING"_s);
            QVERIFY2(panel.plannedPathText().startsWith(u"PRE_COPY -> RUNNING -> RUNNING_P2P -> STOP -> RESUMING"_s), qPrintable(panel.plannedPathText()));
            QVERIFY(test::saveScreenshot(&panel, u"devicemigration-panel"_s));
            // A wide dock puts the chart beside the diagram.
            panel.resize(1280, 780);
            QVERIFY(test::saveScreenshot(&panel, u"devicemigration-panel-wide"_s));
            QVERIFY(panel.diagram()->geometry().right() < panel.findChild<QChartView *>()->geometry().left());
            panel.resize(760, 980);
            combo->setCurrentText(u"STOP_COPY"_s);
            QVERIFY(panel.moveTo(u"STOP_COPY"_s));
            QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 2, 10000);
            QVERIFY(finished.last().at(1).toBool());
            QTemporaryDir out;
            QVERIFY(panel.saveTo(out.filePath(u"vf.dtstate"_s)));
            QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 3, 30000);
            QVERIFY2(finished.last().at(1).toBool(), qPrintable(finished.last().at(2).toString()));
            QVERIFY(QFileInfo(out.filePath(u"vf.dtstate"_s)).size() > 64);
            // A file it cannot create: said, nothing sent.
            QVERIFY(panel.saveTo(u"/nonexistent/dir/vf.dtstate"_s));
            QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 4, 10000);
            QVERIFY(!finished.last().at(1).toBool());
            QVERIFY2(panel.messageText().startsWith(u"cannot create /nonexistent/dir/vf.dtstate"_s), qPrintable(panel.messageText()));
            combo->setCurrentText(u"PRE_COPY"_s);
            QVERIFY(panel.plannedPathText().contains(u"blocked"_s));
            QVERIFY(!panel.findChild<QPushButton *>(u"moveButton"_s)->isEnabled());
        }
        m_helper.terminate();
        m_helper.waitForFinished(5000);
        m_bus.terminate();
        m_bus.waitForFinished(5000);
    }
};

QTEST_MAIN(TestDeviceMigrationPanel)
#include "tst_devicemigrationpanel.moc"
