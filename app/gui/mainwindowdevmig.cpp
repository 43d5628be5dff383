// The main window's device migration: the "Device migration" dock, the "Migrate device…" entries
// (enabled for devices on a driver with migration ops, and for mdevs), opening the group and the
// device through the helper, and closing their handles when another device is chosen or the
// window closes. The panel talks to the helper asynchronously; nothing here waits.

#include "mainwindow.h"

#include "actionlogmodel.h"
#include "applogging.h"
#include "controlclient.h"
#include "dbusdevicemigrationclient.h"
#include "devicemigrationdock.h"
#include "devicemigrationpanel.h"
#include "migrationcandidate.h"

#include <QDockWidget>
#include <QStatusBar>

using namespace Qt::StringLiterals;

namespace devtopo::gui {

void MainWindow::createDeviceMigration()
{
    m_devMig = new devmig::DeviceMigrationDock(this);
    m_devMig->setObjectName(u"deviceMigrationPanel"_s);
}

void MainWindow::updateMigrationNote(const PciFunction *f)
{
    if (!m_devMig || m_devMigClient || !f)
        return; // a device is open (or opening): it stays on screen while the user looks elsewhere
    const QString why = devmig::migrationUnavailableReason(*f);
    const QString blocked = actionsUnavailableReason();
    if (!why.isEmpty())
        m_devMig->showNote(tr("Nothing to show: %1.").arg(why));
    else if (!blocked.isEmpty())
        m_devMig->showNote(tr("%1 is on %2, which migrates, but %3.").arg(f->address.toString(), f->driver, blocked));
    else
        m_devMig->showNote(tr("%1 is on %2, which migrates: Actions → Migrate device… opens it here.").arg(f->address.toString(), f->driver));
}

void MainWindow::migrateDevice(const QString &device, int group)
{
    for (QDockWidget *d : std::as_const(m_docks))
        if (d->widget() == m_devMig) {
            d->show();
            d->raise();
            // Room for the diagram and the chart; the user's own larger size stays.
            if (d->height() < 600 && !d->isFloating())
                resizeDocks({d}, {std::min(620, height() * 2 / 3)}, Qt::Vertical);
        }
    closeMigrationDevice();
    const int id = m_log->start(tr("Open %1 (IOMMU group %2) for migration").arg(device).arg(group));
    auto fail = [this, id, device](const QString &error) {
        m_devMig->showNote(tr("Could not open %1 for migration: %2").arg(device, error), true);
        m_log->fail(id, error);
        Q_EMIT deviceMigrationOpened(device, false, error);
    };
    QString error = actionsUnavailableReason();
    IoGithubDevtopoHelper1Interface *proxy = error.isEmpty() ? m_control->helperProxy(&error) : nullptr;
    if (!proxy)
        return fail(error);
    auto *client = new devmig::DBusDeviceMigrationClient(proxy, this);
    m_devMigClient = client;
    m_devMig->showNote(tr("Opening IOMMU group %1 and %2 through devtopo-helper…").arg(group).arg(device));
    client->open(group, device, [this, client, id, device, group, fail](const QString &e) {
        // A client closed meanwhile is deleted with its pending answers: this one is current.
        if (!e.isEmpty()) {
            m_devMigClient = nullptr;
            client->deleteLater();
            return fail(e);
        }
        m_log->succeed(id, {tr("group %1 open, %2 open for migration").arg(group).arg(device)});
        auto *panel = new devmig::DeviceMigrationPanel(client);
        connect(panel, &devmig::DeviceMigrationPanel::finished, this,
                [this, device](const QString &operation, bool ok, const QString &message) {
                    // Every walk, save, load and reset in the actions log too.
                    const int entry = m_log->start(tr("Device migration of %1: %2").arg(device, operation));
                    ok ? m_log->succeed(entry, {message}) : m_log->fail(entry, message);
                });
        connect(client, &devmig::DeviceMigrationClient::progress, this,
                [this](const QString &, int done, int total, const QString &message) {
                    statusBar()->showMessage(done < total ? tr("Device migration, step %1 of %2: %3").arg(done + 1).arg(total).arg(message)
                                                          : message,
                                             5000);
                });
        m_devMig->setPanel(panel);
        qCInfo(lcApp).noquote() << device << "open for migration in the dock";
        Q_EMIT deviceMigrationOpened(device, true, {});
    });
}

void MainWindow::closeMigrationDevice(const QString &note)
{
    if (!m_devMigClient)
        return;
    const QString device = m_devMigClient->device();
    // The panel goes first (it holds the client), then the handles: device, then group.
    m_devMig->showNote(note.isEmpty() ? tr("%1 closed.").arg(device.isEmpty() ? tr("The device") : device) : note);
    m_devMigClient->close();
    m_devMigClient->deleteLater();
    m_devMigClient = nullptr;
}

} // namespace devtopo::gui
