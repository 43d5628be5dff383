#pragma once

#include "topology.h"

#include <QMainWindow>

class QAction;
class QDockWidget;
class QLabel;
class QMenu;
class QProgressBar;
class QTabWidget;
class QTimer;
class QToolButton;

namespace devtopo {
class ScanWorker;
namespace devmig {
class DBusDeviceMigrationClient;
class DeviceMigrationDock;
} // namespace devmig
namespace migration {
class MigrationPanel;
} // namespace migration
namespace client {
class ControlClient;
}
namespace control {
class ActionLogModel;
struct ControlAction;
} // namespace control
namespace views {
class ActionDialog;
class ActionLogPanel;
class DmaPanel;
class VfTokenPanel;
class DeviceDetailsView;
class DeviceTreePanel;
class GroupPanel;
class IommuUnitsPanel;
class IovaMapPanel;
class SriovPanel;
} // namespace views
} // namespace devtopo

namespace devtopo::gui {

// The device tree in the middle; groups, details, SR-IOV, IOMMU units and the IOVA map in docks.
// Scans run on ScanWorker (thread pool) with progress and Cancel in the status bar; the window
// stays responsive and keeps showing the previous topology until the new one arrives.
class MainWindow : public QMainWindow
{
    Q_OBJECT
public:
    explicit MainWindow(QWidget *parent = nullptr);
    ~MainWindow() override;

    // Scans a sysfs-like root, a snapshot (.json) or a capture tarball. label names the source in
    // the title ("demo host"); empty: the path.
    void openSource(const QString &path, const QString &label = {});
    bool isScanning() const;
    const Topology &topology() const { return m_topology; }
    QString sourcePath() const { return m_path; }

    views::DeviceTreePanel *deviceTreePanel() const { return m_tree; }
    views::GroupPanel *groupPanel() const { return m_groups; }
    views::DeviceDetailsView *detailsView() const { return m_details; }
    views::SriovPanel *sriovPanel() const { return m_sriov; }
    views::IommuUnitsPanel *iommuUnitsPanel() const { return m_units; }
    views::IovaMapPanel *iovaPanel() const;
    QList<QDockWidget *> docks() const { return m_docks; }

    // Control (mainwindowcontrol.cpp). The demo: start `devtopo-helper --demo`, show the tree it
    // publishes and rescan on its HostChanged. Without a demo helper the window acts on the live
    // host through the system helper, connected on the first action.
    bool startDemoHelper(const QString &helperPath, QString *error);
    // Shows a tree no helper owns; actions are disabled and say why.
    void setReadOnly(const QString &why);
    // Why actions cannot be sent right now (read-only, a snapshot on screen); empty when they can.
    QString actionsUnavailableReason() const;
    client::ControlClient *controlClient() const { return m_control; }
    control::ActionLogModel *actionLog() const { return m_log; }
    views::ActionLogPanel *actionLogPanel() const { return m_logPanel; }
    views::DmaPanel *dmaPanel() const { return m_dma; }
    views::VfTokenPanel *vfTokenPanel() const { return m_vfToken; }
    QMenu *actionsMenu() const { return m_actionsMenu; }
    // Device migration (mainwindowdevmig.cpp): opens `device` (a PCI address or an mdev UUID) of
    // `group` through the helper and shows it in the "Device migration" dock; the handles of the
    // device shown before are closed first. deviceMigrationOpened() says how it went.
    void migrateDevice(const QString &device, int group);
    // Closes the device's handles (if any) and shows the note instead of the panel.
    void closeMigrationDevice(const QString &note = {});
    devmig::DeviceMigrationDock *deviceMigrationDock() const { return m_devMig; }
    migration::MigrationPanel *vmMigrationPanel() const { return m_vmMigration; }
    // Brings the VM migration tab to the front.
    void showVmMigration();
    devmig::DBusDeviceMigrationClient *deviceMigrationClient() const { return m_devMigClient; }
    // Plans the action and opens the confirmation dialog (window-modal, not blocking); Apply sends
    // it. Returns the dialog, or nullptr when the plan is refused (the reason goes to the log).
    views::ActionDialog *requestAction(const control::ControlAction &action);
    // The actions offered for a device (and its group) or, with no device, for a group.
    void fillActionsMenu(QMenu *menu, const std::optional<PciAddress> &function, int group);

public Q_SLOTS:
    void rescan();
    void cancelScan();
    // Shows a function everywhere: tree selection, details, its group, SR-IOV row.
    void selectFunction(const devtopo::PciAddress &address);
    // Shows a group: group table, details, members highlighted in the tree, IOVA map.
    void selectGroup(int groupId);

Q_SIGNALS:
    void topologyLoaded();
    void scanFailed(const QString &error);
    // An action sent to the helper came back (log entry id); the rescan follows.
    void actionFinished(int logId, bool ok);
    void deviceMigrationOpened(const QString &device, bool ok, const QString &error);

protected:
    void closeEvent(QCloseEvent *event) override;

private:
    void createPanels();
    void createDocks();
    void createMenus();
    void createStatusBar();
    void restoreSettings();
    void applyTopology(const Topology &topology);
    void setScanning(bool scanning);
    void updateTitle();
    void showFunction(const PciAddress &address); // everything but the tree's own selection

    void openRootDialog();
    void openSnapshotDialog();
    void saveSnapshotDialog();
    void captureHostDialog();
    void showWarnings();
    void about();

    void createControl();
    void sendAction(const control::ControlAction &action);
    void scheduleRescan();
    void rescanKeepingSelection();
    void chooseDriverAndBind(const PciAddress &address, bool wholeGroup);
    void chooseVfCount(const PciAddress &pf);
    void persistOverrideDialog(const PciAddress &address);
    void showDmaFor(int group);
    void showVfTokenFor(const PciAddress &pf);
    void refreshDma(quint32 handle, const QString &message = {});
    void updateDmaOverlay();
    void updateActionsMenu();
    void createDeviceMigration();
    void updateMigrationNote(const PciFunction *f);

    ScanWorker *m_worker = nullptr;
    Topology m_topology;
    QString m_path;
    QString m_label;
    QString m_pendingPath;
    QString m_pendingLabel;

    views::DeviceTreePanel *m_tree = nullptr;
    views::GroupPanel *m_groups = nullptr;
    views::DeviceDetailsView *m_details = nullptr;
    views::SriovPanel *m_sriov = nullptr;
    views::IommuUnitsPanel *m_units = nullptr;
    QList<QDockWidget *> m_docks;

    QAction *m_saveAction = nullptr;
    QAction *m_rescanAction = nullptr;
    QLabel *m_statusSummary = nullptr;
    QLabel *m_progressLabel = nullptr;
    QProgressBar *m_progress = nullptr;
    QToolButton *m_cancel = nullptr;

    client::ControlClient *m_control = nullptr;
    control::ActionLogModel *m_log = nullptr;
    views::ActionLogPanel *m_logPanel = nullptr;
    views::DmaPanel *m_dma = nullptr;
    views::VfTokenPanel *m_vfToken = nullptr;
    QMenu *m_actionsMenu = nullptr;
    devmig::DeviceMigrationDock *m_devMig = nullptr;
    migration::MigrationPanel *m_vmMigration = nullptr;
    QTabWidget *m_centre = nullptr;
    devmig::DBusDeviceMigrationClient *m_devMigClient = nullptr;
    QTimer *m_rescanTimer = nullptr;
    bool m_rescanAgain = false;
    std::optional<PciAddress> m_keepFunction;
    int m_keepGroup = -1;
    bool m_keepSelection = false;
};

} // namespace devtopo::gui
