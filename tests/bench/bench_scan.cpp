// Benchmark, not a test: generates a host with ~10,000 functions and reports devtopo's scan time
// and peak memory next to lspci -vvv and lstopo on the same tree.
//
//   bench_scan [functions=10000] [runs=3] [keep-copy-dir]
//
// Each tool runs as its own process (devtopo as devtopo-cli scan), so peak RSS is comparable;
// wall time is the median of the runs.

#include "demoroot.h"
#include "scalehost.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QProcess>
#include <QProcessEnvironment>
#include <QStandardPaths>
#include <QTextStream>

#include <sys/resource.h>
#include <sys/wait.h>

#include <algorithm>

namespace {

struct Measure
{
    double seconds = 0;
    long peakKiB = 0;
    int exitCode = -1;
};

// Runs a command through /usr/bin/time-free wait4() so we get the child's own max RSS.
Measure run(const QString &program, const QStringList &args, const QProcessEnvironment &env)
{
    Measure m;
    QProcess p;
    p.setProcessEnvironment(env);
    p.setStandardOutputFile(QProcess::nullDevice());
    p.setStandardErrorFile(QProcess::nullDevice());
    // QProcess reaps the child itself, so measure through a tiny shell that reports rusage.
    const QString script = QStringLiteral("\"$@\"; code=$?; exit $code");
    QStringList full{QStringLiteral("-f"), QStringLiteral("%e %M"), QStringLiteral("-o"), QStringLiteral("/dev/stderr"), program};
    full << args;
    const QString timeBin = QStandardPaths::findExecutable(QStringLiteral("time"), {QStringLiteral("/usr/bin")});
    p.setStandardErrorFile(QString());
    QElapsedTimer t;
    t.start();
    if (!timeBin.isEmpty())
        p.start(timeBin, full);
    else
        p.start(program, args);
    p.waitForFinished(-1);
    m.seconds = double(t.nsecsElapsed()) / 1e9;
    m.exitCode = p.exitCode();
    const QList<QByteArray> lines = p.readAllStandardError().trimmed().split('\n');
    if (!timeBin.isEmpty() && !lines.isEmpty()) {
        const QList<QByteArray> parts = lines.last().split(' ');
        if (parts.size() == 2)
            m.peakKiB = parts[1].toLong();
    }
    Q_UNUSED(script);
    return m;
}

Measure median(const QString &program, const QStringList &args, const QProcessEnvironment &env, int runs)
{
    QList<Measure> all;
    for (int i = 0; i < runs; ++i)
        all << run(program, args, env);
    std::sort(all.begin(), all.end(), [](const Measure &a, const Measure &b) { return a.seconds < b.seconds; });
    return all[all.size() / 2];
}

// hwloc refuses a root without a CPU topology; give it 2 sockets x 4 cores so lstopo really
// walks the same PCI tree instead of failing early.
void addCpuTopology(const QString &root)
{
    auto write = [](const QString &path, const QByteArray &content) {
        QDir().mkpath(QFileInfo(path).absolutePath());
        QFile f(path);
        if (f.open(QIODevice::WriteOnly))
            f.write(content);
    };
    const QString cpu = root + QStringLiteral("/sys/devices/system/cpu");
    write(cpu + QStringLiteral("/online"), "0-7\n");
    write(cpu + QStringLiteral("/possible"), "0-7\n");
    QByteArray cpuinfo;
    for (int i = 0; i < 8; ++i) {
        const QString t = cpu + QStringLiteral("/cpu%1/topology/").arg(i);
        const QByteArray pkg = QByteArray::number(i / 4);
        write(t + QStringLiteral("physical_package_id"), pkg + '\n');
        write(t + QStringLiteral("core_id"), QByteArray::number(i % 4) + '\n');
        write(t + QStringLiteral("thread_siblings_list"), QByteArray::number(i) + '\n');
        write(t + QStringLiteral("core_siblings_list"), i < 4 ? "0-3\n" : "4-7\n");
        write(t + QStringLiteral("package_cpus_list"), i < 4 ? "0-3\n" : "4-7\n");
        // hwloc reads the mask forms.
        const QByteArray own = QByteArray::number(1 << i, 16) + '\n';
        const QByteArray pkgMask = i < 4 ? "0f\n" : "f0\n";
        write(t + QStringLiteral("thread_siblings"), own);
        write(t + QStringLiteral("core_cpus"), own);
        write(t + QStringLiteral("core_siblings"), pkgMask);
        write(t + QStringLiteral("package_cpus"), pkgMask);
        write(cpu + QStringLiteral("/cpu%1/online").arg(i), "1\n");
        cpuinfo += "processor\t: " + QByteArray::number(i) + "\nphysical id\t: " + pkg + "\n\n";
    }
    write(root + QStringLiteral("/proc/cpuinfo"), cpuinfo);
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const QStringList args = app.arguments();
    const int target = args.size() > 1 ? args[1].toInt() : 10000;
    const int runs = args.size() > 2 ? std::max(1, args[2].toInt()) : 3;
    QTextStream out(stdout);

    QElapsedTimer gen;
    gen.start();
    QString error;
    const devtopo::sim::SimHost host = devtopo::sim::makeScaleHost(target);
    const QString root = devtopo::sim::createDemoRoot(host, &error);
    if (root.isEmpty()) {
        out << "cannot generate the tree: " << error << '\n';
        return 1;
    }
    out << "generated " << root << " in " << gen.elapsed() << " ms\n";
    addCpuTopology(root);
    if (args.size() > 3) // keep a copy for profiling; the generated root dies with this process
        QProcess::execute(QStringLiteral("cp"), {QStringLiteral("-a"), root, args[3]});

    const QString cli = QCoreApplication::applicationDirPath() + QStringLiteral("/../../app/cli/devtopo-cli");
    const QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    struct Row { QString name; Measure m; };
    QList<Row> rows;
    // Warm the page cache once so every tool reads from memory.
    run(cli, {QStringLiteral("scan"), QStringLiteral("-q"), QStringLiteral("--root"), root}, env);
    rows << Row{QStringLiteral("devtopo-cli scan (model)"),
                median(cli, {QStringLiteral("scan"), QStringLiteral("-q"), QStringLiteral("--root"), root}, env, runs)};
    rows << Row{QStringLiteral("devtopo-cli scan --json"),
                median(cli, {QStringLiteral("scan"), QStringLiteral("--json"), QStringLiteral("-q"), QStringLiteral("--root"), root}, env, runs)};
    const QString lspci = QStandardPaths::findExecutable(QStringLiteral("lspci"));
    if (!lspci.isEmpty())
        rows << Row{QStringLiteral("lspci -vvv"),
                    median(lspci, {QStringLiteral("-A"), QStringLiteral("linux-sysfs"), QStringLiteral("-O"),
                                   QStringLiteral("sysfs.path=") + root + QStringLiteral("/sys/bus/pci"), QStringLiteral("-vvv")},
                           env, runs)};
    const QString lstopo = QStandardPaths::findExecutable(QStringLiteral("lstopo-no-graphics"));
    if (!lstopo.isEmpty()) {
        QProcessEnvironment hw = env;
        hw.insert(QStringLiteral("HWLOC_FSROOT"), root);
        hw.insert(QStringLiteral("HWLOC_COMPONENTS"), QStringLiteral("linux,stop"));
        rows << Row{QStringLiteral("lstopo --whole-io (xml)"),
                    median(lstopo, {QStringLiteral("--whole-io"), QStringLiteral("--of"), QStringLiteral("xml"), QStringLiteral("-")}, hw, runs)};
    }
    out << QStringLiteral("%1 functions requested, median of %2 runs\n").arg(target).arg(runs);
    for (const Row &r : std::as_const(rows))
        out << QStringLiteral("%1  %2 s  peak %3 MiB  exit %4\n")
                   .arg(r.name, -26).arg(r.m.seconds, 7, 'f', 3).arg(double(r.m.peakKiB) / 1024.0, 6, 'f', 1).arg(r.m.exitCode);
    return 0;
}
