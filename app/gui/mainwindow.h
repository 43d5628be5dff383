#pragma once

#include "topology.h"

#include <QMainWindow>

class QAction;
class QDockWidget;
class QLabel;
class QProgressBar;
class QToolButton;

namespace devtopo {
class ScanWorker;
namespace views {
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
};

} // namespace devtopo::gui
