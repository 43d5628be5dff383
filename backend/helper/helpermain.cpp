// devtopo-helper: the privileged D-Bus service behind every change devtopo makes.
//
//   devtopo-helper                      system bus, the Linux host, polkit (started by D-Bus activation)
//   devtopo-helper --demo --address A   the simulated demo host on the bus at A (a private bus)
//   devtopo-helper --demo --listen A    the demo host served peer-to-peer; prints "address=<addr>"
//
// --authority allow|deny|FILE replaces polkit with a stand-in: TEST/DEMO ONLY, refused on the
// system bus.

#include "authority.h"
#include "helperadaptor.h"
#include "helperservice.h"
#include "linuxhost.h"
#include "simulatedhost.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDBusConnection>
#include <QDBusServer>

#include <spdlog/spdlog.h>

#include <cstdio>

using namespace Qt::StringLiterals;

namespace {

const QString kService = u"io.github.devtopo.Helper1"_s;
const QString kPath = u"/io/github/devtopo/Helper1"_s;

int fail(const QString &text)
{
    spdlog::error("{}", text.toStdString());
    return 1;
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(u"devtopo-helper"_s);
    QCoreApplication::setApplicationVersion(QStringLiteral(DEVTOPO_VERSION));
    spdlog::set_pattern("devtopo-helper[%P] %l: %v");

    QCommandLineParser parser;
    parser.setApplicationDescription(u"devtopo's privileged helper (D-Bus service io.github.devtopo.Helper1)"_s);
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption demoOpt(u"demo"_s, u"Serve the simulated demo host instead of this machine."_s);
    const QCommandLineOption demoRootOpt(u"demo-root"_s, u"Directory where the demo host's sysfs tree is published (DIR/current)."_s, u"dir"_s);
    const QCommandLineOption addressOpt(u"address"_s, u"Connect to the D-Bus bus at this address instead of the system bus."_s, u"address"_s);
    const QCommandLineOption listenOpt(u"listen"_s, u"Serve peer-to-peer on this address (e.g. unix:tmpdir=/tmp)."_s, u"address"_s);
    const QCommandLineOption authorityOpt(u"authority"_s, u"TEST/DEMO ONLY: allow, deny or a file of '<action> allow|deny' lines instead of polkit."_s, u"spec"_s);
    const QCommandLineOption rootOpt(u"root"_s, u"The Linux host's root directory (default /)."_s, u"dir"_s, u"/"_s);
    const QCommandLineOption idleOpt(u"idle-timeout"_s, u"Quit after this many idle seconds (0 = never)."_s, u"seconds"_s);
    parser.addOptions({demoOpt, demoRootOpt, addressOpt, listenOpt, authorityOpt, rootOpt, idleOpt});
    parser.process(app);

    const bool systemBus = !parser.isSet(addressOpt) && !parser.isSet(listenOpt);
    if (systemBus && parser.isSet(authorityOpt))
        return fail(u"--authority is for tests and the demo only; it is refused on the system bus"_s);
    if (systemBus && parser.isSet(demoOpt))
        return fail(u"--demo needs --address or --listen: the demo host never goes on the system bus"_s);

    std::unique_ptr<devtopo::host::Host> host;
    if (parser.isSet(demoOpt)) {
        QString error;
        host = devtopo::host::SimulatedHost::demo(parser.value(demoRootOpt), &error);
        if (!host)
            return fail(u"cannot start the demo host: %1"_s.arg(error));
        host->scanRoot(); // publish the first tree before anyone asks
    } else {
        devtopo::linuxhost::LinuxHostPaths paths;
        paths.root = parser.value(rootOpt);
        host = std::make_unique<devtopo::linuxhost::LinuxHost>(paths);
    }

    std::unique_ptr<devtopo::helper::Authority> authority;
    if (parser.isSet(authorityOpt)) {
        QString error;
        authority = devtopo::helper::StandInAuthority::fromSpec(parser.value(authorityOpt), &error);
        if (!authority)
            return fail(error);
        spdlog::warn("using the stand-in authority '{}': TEST/DEMO ONLY", parser.value(authorityOpt).toStdString());
    } else if (parser.isSet(listenOpt)) {
        return fail(u"a peer connection has no bus name for polkit; --listen needs --authority"_s);
    }

    const int idle = parser.isSet(idleOpt) ? parser.value(idleOpt).toInt() : (parser.isSet(demoOpt) ? 0 : 60);

    if (parser.isSet(listenOpt)) {
        auto *service = new devtopo::helper::HelperService(std::move(host), std::move(authority), idle, &app);
        new HelperAdaptor(service);
        auto *server = new QDBusServer(parser.value(listenOpt), &app);
        if (!server->isConnected())
            return fail(u"cannot listen on %1: %2"_s.arg(parser.value(listenOpt), server->lastError().message()));
        QObject::connect(server, &QDBusServer::newConnection, service, [service](const QDBusConnection &conn) {
            QDBusConnection c(conn);
            c.registerObject(kPath, service);
        });
        // The client that started us reads this line to connect.
        std::printf("address=%s\n", qPrintable(server->address()));
        std::fflush(stdout);
        QObject::connect(service, &devtopo::helper::HelperService::idleTimeout, &app, &QCoreApplication::quit);
        return app.exec();
    }

    QDBusConnection bus = systemBus ? QDBusConnection::systemBus()
                                    : QDBusConnection::connectToBus(parser.value(addressOpt), u"devtopo-helper-bus"_s);
    if (!bus.isConnected())
        return fail(u"cannot connect to the bus: %1"_s.arg(bus.lastError().message()));
    if (!authority)
        authority = std::make_unique<devtopo::helper::PolkitAuthority>(bus);
    auto *service = new devtopo::helper::HelperService(std::move(host), std::move(authority), idle, &app);
    new HelperAdaptor(service);
    service->watchCallers(bus);
    if (!bus.registerObject(kPath, service))
        return fail(u"cannot register %1"_s.arg(kPath));
    if (!bus.registerService(kService))
        return fail(u"cannot own %1: %2"_s.arg(kService, bus.lastError().message()));
    QObject::connect(service, &devtopo::helper::HelperService::idleTimeout, &app, [] {
        spdlog::info("idle, quitting");
        QCoreApplication::quit();
    });
    spdlog::info("serving {} on {}", kService.toStdString(), systemBus ? "the system bus" : "a private bus");
    return app.exec();
}
