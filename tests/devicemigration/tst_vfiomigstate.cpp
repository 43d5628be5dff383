// The migration v2 state machine against the kernel's own words: the arcs linux/vfio.h documents,
// the combination paths listed in vfio_mig_get_next_state()'s comment (6.12), the arcs each
// feature set requires of a driver, and, for every flag set and every pair of states, that the
// walk is a shortest path over single-step arcs whose interior never enters the saving group.

#include "migrationstate.h"

#include <QHash>
#include <QQueue>
#include <QTest>

#include <cerrno>

using namespace Qt::StringLiterals;
using namespace devtopo::vfiomig;

namespace {

constexpr quint64 kAll = StopCopyFlag | P2pFlag | PreCopyFlag;

State st(const QString &name)
{
    State s = State::Error;
    if (!parseState(name, &s))
        qFatal("bad state name in test data");
    return s;
}

QList<State> chain(const QString &text)
{
    QList<State> out;
    for (const QString &part : text.split(u" -> "_s))
        out << st(part);
    return out;
}

QSet<QString> arcSet(quint64 flags)
{
    QSet<QString> out;
    for (const Arc &a : singleStepArcs(flags))
        out.insert(stateName(a.from) + u" -> "_s + stateName(a.to));
    return out;
}

} // namespace

class TestVfioMigState : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void numbering()
    {
        // enum vfio_device_mig_state in linux/vfio.h.
        QCOMPARE(quint32(State::Error), 0u);
        QCOMPARE(quint32(State::Stop), 1u);
        QCOMPARE(quint32(State::Running), 2u);
        QCOMPARE(quint32(State::StopCopy), 3u);
        QCOMPARE(quint32(State::Resuming), 4u);
        QCOMPARE(quint32(State::RunningP2p), 5u);
        QCOMPARE(quint32(State::PreCopy), 6u);
        QCOMPARE(quint32(State::PreCopyP2p), 7u);
        QCOMPARE(quint64(StopCopyFlag | P2pFlag | PreCopyFlag), quint64(7));
        QCOMPARE(flagsText(kAll), u"STOP_COPY|P2P|PRE_COPY"_s);
    }

    void parsing_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<bool>("ok");
        QTest::addColumn<quint32>("state");
        QTest::newRow("name") << u"STOP_COPY"_s << true << 3u;
        QTest::newRow("lower case") << u"pre_copy_p2p"_s << true << 7u;
        QTest::newRow("kernel prefix") << u"VFIO_DEVICE_STATE_RESUMING"_s << true << 4u;
        QTest::newRow("number") << u"5"_s << true << 5u;
        QTest::newRow("error by name parses") << u"ERROR"_s << true << 0u;
        QTest::newRow("number 8") << u"8"_s << false << 0u;
        QTest::newRow("negative") << u"-1"_s << false << 0u;
        QTest::newRow("unknown") << u"SAVING"_s << false << 0u; // the v1 name
        QTest::newRow("empty") << QString() << false << 0u;
        QTest::newRow("path-like") << u"../RUNNING"_s << false << 0u;
    }
    void parsing()
    {
        QFETCH(QString, text);
        QFETCH(bool, ok);
        QFETCH(quint32, state);
        State s = State::Error;
        QCOMPARE(parseState(text, &s), ok);
        if (ok)
            QCOMPARE(quint32(s), state);
    }

    void supported_data()
    {
        QTest::addColumn<quint64>("flags");
        QTest::addColumn<QString>("states");
        QTest::newRow("none") << quint64(0) << QString();
        QTest::newRow("STOP_COPY") << quint64(StopCopyFlag) << u"STOP RUNNING STOP_COPY RESUMING"_s;
        QTest::newRow("+P2P") << quint64(StopCopyFlag | P2pFlag) << u"STOP RUNNING STOP_COPY RESUMING RUNNING_P2P"_s;
        QTest::newRow("+PRE_COPY") << quint64(StopCopyFlag | PreCopyFlag) << u"STOP RUNNING STOP_COPY RESUMING PRE_COPY"_s;
        QTest::newRow("all (mtty, mlx5)") << kAll << u"STOP RUNNING STOP_COPY RESUMING RUNNING_P2P PRE_COPY PRE_COPY_P2P"_s;
        QTest::newRow("P2P without STOP_COPY") << quint64(P2pFlag) << QString();
    }
    void supported()
    {
        QFETCH(quint64, flags);
        QFETCH(QString, states);
        QStringList names;
        for (State s : devtopo::vfiomig::supportedStates(flags))
            names << stateName(s);
        QCOMPARE(names.join(u' '), states);
    }

    // The 15 direct arcs of linux/vfio.h's FSM comment, with every optional feature.
    void documentedArcs()
    {
        const QSet<QString> documented{
            u"RUNNING_P2P -> STOP"_s, u"STOP_COPY -> STOP"_s, u"RESUMING -> STOP"_s, u"PRE_COPY -> RUNNING"_s,
            u"RUNNING_P2P -> RUNNING"_s, u"PRE_COPY_P2P -> RUNNING_P2P"_s, u"RUNNING -> RUNNING_P2P"_s,
            u"STOP -> RUNNING_P2P"_s, u"RUNNING -> PRE_COPY"_s, u"RUNNING_P2P -> PRE_COPY_P2P"_s,
            u"STOP -> STOP_COPY"_s, u"PRE_COPY -> PRE_COPY_P2P"_s, u"PRE_COPY_P2P -> PRE_COPY"_s,
            u"PRE_COPY_P2P -> STOP_COPY"_s, u"STOP -> RESUMING"_s,
        };
        QCOMPARE(arcSet(kAll), documented);
    }

    // What vfio_mig_get_next_state()'s comment says a driver must implement per feature set.
    void requiredArcs_data()
    {
        QTest::addColumn<quint64>("flags");
        QTest::addColumn<QStringList>("arcs");
        const QStringList base{u"RESUMING -> STOP"_s, u"STOP -> RESUMING"_s, u"STOP -> STOP_COPY"_s, u"STOP_COPY -> STOP"_s};
        QTest::newRow("STOP_COPY only") << quint64(StopCopyFlag) << (base + QStringList{u"RUNNING -> STOP"_s, u"STOP -> RUNNING"_s});
        QTest::newRow("P2P") << quint64(StopCopyFlag | P2pFlag)
                             << (base + QStringList{u"RUNNING -> RUNNING_P2P"_s, u"RUNNING_P2P -> RUNNING"_s, u"RUNNING_P2P -> STOP"_s, u"STOP -> RUNNING_P2P"_s});
        QTest::newRow("PRE_COPY") << quint64(StopCopyFlag | PreCopyFlag)
                                  << (base + QStringList{u"RUNNING -> STOP"_s, u"STOP -> RUNNING"_s, u"RUNNING -> PRE_COPY"_s, u"PRE_COPY -> RUNNING"_s, u"PRE_COPY -> STOP_COPY"_s});
    }
    void requiredArcs()
    {
        QFETCH(quint64, flags);
        QFETCH(QStringList, arcs);
        QCOMPARE(arcSet(flags), QSet<QString>(arcs.cbegin(), arcs.cend()));
    }

    // Every combination transition the kernel comment lists (all features), verbatim.
    void kernelCombinationPaths_data()
    {
        QTest::addColumn<QString>("path");
        const char *const paths[] = {
            "PRE_COPY -> PRE_COPY_P2P -> STOP_COPY", "PRE_COPY -> RUNNING -> RUNNING_P2P",
            "PRE_COPY -> RUNNING -> RUNNING_P2P -> STOP", "PRE_COPY -> RUNNING -> RUNNING_P2P -> STOP -> RESUMING",
            "PRE_COPY_P2P -> RUNNING_P2P -> RUNNING", "PRE_COPY_P2P -> RUNNING_P2P -> STOP",
            "PRE_COPY_P2P -> RUNNING_P2P -> STOP -> RESUMING", "RESUMING -> STOP -> RUNNING_P2P",
            "RESUMING -> STOP -> RUNNING_P2P -> PRE_COPY_P2P", "RESUMING -> STOP -> RUNNING_P2P -> RUNNING",
            "RESUMING -> STOP -> RUNNING_P2P -> RUNNING -> PRE_COPY", "RESUMING -> STOP -> STOP_COPY",
            "RUNNING -> RUNNING_P2P -> PRE_COPY_P2P", "RUNNING -> RUNNING_P2P -> STOP",
            "RUNNING -> RUNNING_P2P -> STOP -> RESUMING", "RUNNING -> RUNNING_P2P -> STOP -> STOP_COPY",
            "RUNNING_P2P -> RUNNING -> PRE_COPY", "RUNNING_P2P -> STOP -> RESUMING", "RUNNING_P2P -> STOP -> STOP_COPY",
            "STOP -> RUNNING_P2P -> PRE_COPY_P2P", "STOP -> RUNNING_P2P -> RUNNING",
            "STOP -> RUNNING_P2P -> RUNNING -> PRE_COPY", "STOP_COPY -> STOP -> RESUMING",
            "STOP_COPY -> STOP -> RUNNING_P2P", "STOP_COPY -> STOP -> RUNNING_P2P -> RUNNING",
        };
        for (const char *p : paths)
            QTest::newRow(p) << QString::fromLatin1(p);
    }
    void kernelCombinationPaths()
    {
        QFETCH(QString, path);
        const QList<State> states = chain(path);
        const MigrationPath p = pathTo(states.first(), states.last(), kAll);
        QVERIFY2(p.ok(), qPrintable(p.why));
        QCOMPARE(pathText(states.first(), p.steps), path);
    }

    void refusals_data()
    {
        QTest::addColumn<quint64>("flags");
        QTest::addColumn<QString>("from");
        QTest::addColumn<QString>("to");
        QTest::newRow("ERROR as target") << kAll << u"RUNNING"_s << u"ERROR"_s;
        QTest::newRow("from ERROR") << kAll << u"ERROR"_s << u"RUNNING"_s;
        QTest::newRow("STOP_COPY -> PRE_COPY blocked") << kAll << u"STOP_COPY"_s << u"PRE_COPY"_s;
        QTest::newRow("STOP_COPY -> PRE_COPY_P2P blocked") << kAll << u"STOP_COPY"_s << u"PRE_COPY_P2P"_s;
        QTest::newRow("P2P state without P2P") << quint64(StopCopyFlag) << u"RUNNING"_s << u"RUNNING_P2P"_s;
        QTest::newRow("PRE_COPY without PRE_COPY") << quint64(StopCopyFlag | P2pFlag) << u"RUNNING"_s << u"PRE_COPY"_s;
        QTest::newRow("PRE_COPY_P2P needs both") << quint64(StopCopyFlag | PreCopyFlag) << u"RUNNING"_s << u"PRE_COPY_P2P"_s;
        QTest::newRow("no migration at all") << quint64(0) << u"RUNNING"_s << u"STOP"_s;
        QTest::newRow("current state unsupported") << quint64(StopCopyFlag) << u"RUNNING_P2P"_s << u"STOP"_s;
    }
    void refusals()
    {
        QFETCH(quint64, flags);
        QFETCH(QString, from);
        QFETCH(QString, to);
        const MigrationPath p = pathTo(st(from), st(to), flags);
        QCOMPARE(p.err, EINVAL);
        QVERIFY(!p.why.isEmpty());
        QVERIFY(p.steps.isEmpty());
        State next = State::Running;
        QCOMPARE(nextState(st(from), st(to), flags, &next), EINVAL);
    }

    // Exhaustive: every flag set drivers can have, every (from, to): the walk only takes
    // single-step arcs, never passes through an unsupported state, keeps its interior out of the
    // saving group, and is as short as the shortest such path (breadth-first over the arcs).
    void exhaustiveShortestPaths_data()
    {
        QTest::addColumn<quint64>("flags");
        for (quint64 f : {quint64(StopCopyFlag), quint64(StopCopyFlag | P2pFlag), quint64(StopCopyFlag | PreCopyFlag), kAll})
            QTest::newRow(qPrintable(flagsText(f))) << f;
    }
    void exhaustiveShortestPaths()
    {
        QFETCH(quint64, flags);
        const QList<Arc> arcs = singleStepArcs(flags);
        int pairs = 0;
        for (State from : devtopo::vfiomig::supportedStates(flags)) {
            for (State to : devtopo::vfiomig::supportedStates(flags)) {
                const MigrationPath p = pathTo(from, to, flags);
                const bool blocked = from == State::StopCopy && (to == State::PreCopy || to == State::PreCopyP2p);
                QCOMPARE(p.ok(), !blocked);
                if (blocked)
                    continue;
                ++pairs;
                State at = from;
                for (int i = 0; i < p.steps.size(); ++i) {
                    const State s = p.steps[i];
                    QVERIFY(isSupported(s, flags));
                    QVERIFY2(arcs.contains(Arc{at, s}), qPrintable(pathText(from, p.steps)));
                    if (i + 1 < p.steps.size() && isSavingState(s))
                        QVERIFY2(isSavingState(from) && isSavingState(to), qPrintable(pathText(from, p.steps)));
                    at = s;
                }
                QCOMPARE(at, to);
                // BFS over arcs whose interior states avoid the saving group (unless moving inside it).
                QHash<int, int> dist{{int(from), 0}};
                QQueue<State> q;
                q.enqueue(from);
                while (!q.isEmpty()) {
                    const State s = q.dequeue();
                    if (s == to)
                        break;
                    if (s != from && isSavingState(s) && !(isSavingState(from) && isSavingState(to)))
                        continue;
                    for (const Arc &a : arcs) {
                        if (a.from == s && !dist.contains(int(a.to))) {
                            dist.insert(int(a.to), dist.value(int(s)) + 1);
                            q.enqueue(a.to);
                        }
                    }
                }
                QVERIFY(dist.contains(int(to)));
                QCOMPARE(int(p.steps.size()), dist.value(int(to)));
            }
        }
        QVERIFY(pairs >= 16);
    }

    void driverCaps_data()
    {
        QTest::addColumn<QString>("driver");
        QTest::addColumn<quint64>("flags");
        QTest::addColumn<bool>("logging");
        QTest::newRow("mlx5") << u"mlx5_vfio_pci"_s << kAll << true;
        QTest::newRow("mlx5 dashed") << u"mlx5-vfio-pci"_s << kAll << true;
        QTest::newRow("hisi") << u"hisi_acc_vfio_pci"_s << quint64(StopCopyFlag | PreCopyFlag) << false;
        QTest::newRow("pds") << u"pds_vfio_pci"_s << quint64(StopCopyFlag | P2pFlag) << true;
        QTest::newRow("vfio-pci") << u"vfio-pci"_s << quint64(0) << false;
    }
    void driverCaps()
    {
        QFETCH(QString, driver);
        QFETCH(quint64, flags);
        QFETCH(bool, logging);
        QCOMPARE(driverMigrationCaps(driver).flags, flags);
        QCOMPARE(driverMigrationCaps(driver).dmaLogging, logging);
    }
};

QTEST_GUILESS_MAIN(TestVfioMigState)
#include "tst_vfiomigstate.moc"
