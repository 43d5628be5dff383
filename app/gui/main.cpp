// devtopo: the window. Options mirror devtopo-cli where they overlap (--root, --snapshot, --demo).

#include "applogging.h"
#include "helperclient.h"
#include "mainwindow.h"
#include "migrationpanel.h"

#ifdef DEVTOPO_HAVE_SIM
#include "demoroot.h"
#endif

#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QFileInfo>
#include <QTimer>

#include <cstdio>

namespace {

// Renders the window once the scan is in and quits: for the README and for checking a layout
// without a display (QT_QPA_PLATFORM=offscreen).
void arrangeScreenshot(devtopo::gui::MainWindow *window, const QString &file, int delayMs)
{
    QObject::connect(window, &devtopo::gui::MainWindow::topologyLoaded, window, [window, file, delayMs] {
        // Let the layout settle (column widths, docks) before grabbing.
        QTimer::singleShot(delayMs, window, [window, file] {
            const bool ok = window->grab().save(file);
            if (!ok)
                std::fprintf(stderr, "devtopo: could not write %s\n", qPrintable(file));
            QCoreApplication::exit(ok ? 0 : 1);
        });
    });
    QObject::connect(window, &devtopo::gui::MainWindow::scanFailed, window, [](const QString &error) {
        std::fprintf(stderr, "devtopo: %s\n", qPrintable(error));
        QCoreApplication::exit(1);
    });
}

} // namespace

int main(int argc, char *argv[])
{
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("devtopo"));
    QApplication::setOrganizationName(QStringLiteral("devtopo"));
    QApplication::setApplicationVersion(QStringLiteral(DEVTOPO_VERSION));
    QApplication::setDesktopFileName(QStringLiteral("io.github.devtopo"));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("See how PCI devices sit behind the IOMMU."));
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption demo(QStringLiteral("demo"), QStringLiteral("Open the built-in simulated demo host."));
    const QCommandLineOption root(QStringLiteral("root"),
                                  QStringLiteral("Scan a directory laid out like / (default: the live host)."),
                                  QStringLiteral("dir"));
    const QCommandLineOption snapshot(QStringLiteral("snapshot"),
                                      QStringLiteral("Open a JSON snapshot or a capture tarball."), QStringLiteral("file"));
    const QCommandLineOption screenshot(QStringLiteral("screenshot"),
                                        QStringLiteral("Save the window to a PNG once the scan is done, then quit."),
                                        QStringLiteral("png"));
    const QCommandLineOption screenshotDelay(QStringLiteral("screenshot-delay"),
                                             QStringLiteral("With --screenshot: wait this long after the scan (default 300)."),
                                             QStringLiteral("ms"), QStringLiteral("300"));
    const QCommandLineOption qmp(QStringLiteral("qmp"), QStringLiteral("Watch the VM behind this QMP socket (VM migration tab)."),
                                 QStringLiteral("socket"));
    const QCommandLineOption demoVm(QStringLiteral("demo-vm"),
                                    QStringLiteral("Start a simulated VM migration: converging or non-converging (VM migration tab)."),
                                    QStringLiteral("scenario"));
    parser.addOptions({demo, root, snapshot, screenshot, screenshotDelay, qmp, demoVm});
    parser.addPositionalArgument(QStringLiteral("path"), QStringLiteral("A root directory, snapshot or capture to open."),
                                 QStringLiteral("[path]"));
    parser.process(app);

    const int sources = int(parser.isSet(demo)) + int(parser.isSet(root)) + int(parser.isSet(snapshot))
        + int(!parser.positionalArguments().isEmpty());
    if (sources > 1 || parser.positionalArguments().size() > 1) {
        std::fprintf(stderr, "devtopo: give one of --demo, --root, --snapshot or a path\n");
        return 2;
    }

    if (parser.isSet(qmp) && parser.isSet(demoVm)) {
        std::fprintf(stderr, "devtopo: give one of --qmp and --demo-vm\n");
        return 2;
    }
    const QString vmScenario = parser.value(demoVm);
    if (parser.isSet(demoVm) && vmScenario != QStringLiteral("converging") && vmScenario != QStringLiteral("non-converging")) {
        std::fprintf(stderr, "devtopo: --demo-vm takes converging or non-converging\n");
        return 2;
    }
    bool delayOk = false;
    const int delayMs = parser.value(screenshotDelay).toInt(&delayOk);
    if (!delayOk || delayMs < 0) {
        std::fprintf(stderr, "devtopo: --screenshot-delay takes milliseconds\n");
        return 2;
    }

    devtopo::gui::MainWindow window;
    if (parser.isSet(screenshot))
        arrangeScreenshot(&window, parser.value(screenshot), delayMs);
    // The VM side is independent of which PCI host is on screen.
    if (parser.isSet(qmp)) {
        window.showVmMigration();
        window.vmMigrationPanel()->connectTo(parser.value(qmp));
    } else if (parser.isSet(demoVm)) {
        window.showVmMigration();
        QString error;
        if (!window.vmMigrationPanel()->startDemo(vmScenario, 1.0, &error)) {
            std::fprintf(stderr, "devtopo: cannot start the demo VM: %s\n", qPrintable(error));
            return 1;
        }
    }

    QString path = QStringLiteral("/");
    QString label;
    if (parser.isSet(demo)) {
        // The demo goes through the same protocol as the real thing: a devtopo-helper --demo of our
        // own on a private connection. Without it the demo tree is shown read-only.
        QString error;
        const QString helper = devtopo::client::HelperClient::findHelper();
        window.show();
        if (window.startDemoHelper(helper, &error))
            return app.exec();
        std::fprintf(stderr, "devtopo: cannot start the demo helper (%s): %s\n", qPrintable(helper), qPrintable(error));
#ifdef DEVTOPO_HAVE_SIM
        QString simError;
        path = devtopo::sim::createDemoRoot(&simError);
        if (path.isEmpty()) {
            std::fprintf(stderr, "devtopo: cannot create the demo host: %s\n", qPrintable(simError));
            return 1;
        }
        window.setReadOnly(QStringLiteral("the demo helper could not be started (%1): %2").arg(helper, error));
        label = QStringLiteral("demo host (read-only)");
#else
        return 1;
#endif
    } else if (parser.isSet(root)) {
        path = parser.value(root);
    } else if (parser.isSet(snapshot)) {
        path = parser.value(snapshot);
    } else if (!parser.positionalArguments().isEmpty()) {
        path = parser.positionalArguments().first();
    }
    if (path != QStringLiteral("/") && !QFileInfo::exists(path)) {
        std::fprintf(stderr, "devtopo: %s does not exist\n", qPrintable(path));
        return 2;
    }
    if (label.isEmpty())
        label = path == QStringLiteral("/") ? QStringLiteral("this host") : QDir::cleanPath(QFileInfo(path).absoluteFilePath());

    window.show();
    window.openSource(path, label);
    return app.exec();
}
