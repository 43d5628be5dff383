#pragma once

// The DMA panel: pick an IOMMU group and a backend (Auto, a type1v2 container or an iommufd IOAS;
// iommufd greyed with the helper's reason where it is unavailable), open it, see the backend in
// use (IOAS/HWPT ids, bound devices, hardware dirty tracking, auto's fallback note) and what the
// kernel reports (IOVA ranges, page sizes, DMA entries left, locked memory
// against RLIMIT_MEMLOCK), map and unmap buffers, track dirty pages and see the bitmap. The panel
// only emits requests and shows answers; the window sends them. Errors (EEXIST, EINVAL, ENOMEM)
// appear next to the form in plain words, with the kernel's own text.

#include "dmastate.h"
#include "topology.h"

#include <QWidget>

class QCheckBox;
class QComboBox;
class QGroupBox;
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QTableView;

namespace devtopo::control {
class DmaMappingModel;
}

namespace devtopo::views {

class DirtyBitmapWidget;

class DmaPanel : public QWidget
{
    Q_OBJECT
public:
    explicit DmaPanel(QWidget *parent = nullptr);

    void setTopology(const Topology &topology);
    void setReadOnly(const QString &why); // empty: actions allowed
    // Picks the group in the chooser (does not open it).
    void chooseGroup(int group);
    int chosenGroup() const;
    // "auto", "type1v2" or "iommufd".
    QString chosenBackend() const;
    void chooseBackend(const QString &backend);
    // DmaBackends' answer for `group` (ignored when another group is chosen by then).
    void setBackends(int group, const QStringList &backends, const QString &iommufdReason);
    bool iommufdOffered() const;
    QString backendNoteText() const;

    // Answers from the helper.
    void setOpened(const control::DmaGroupState &state);
    void setClosed();
    void showError(const QString &helperError);
    void showMessage(const QString &text);
    void setBitmap(const control::DirtyBitmapData &bitmap);

    const control::DmaGroupState &state() const { return m_state; }
    QString errorText() const;
    QString messageText() const;
    QString memlockText() const;
    QString statusText() const;
    QString backendText() const;
    QString dirtyTitle() const;
    QString dirtyNoteText() const;

    // Widgets, for tests and for the window's layout.
    QComboBox *groupCombo() const { return m_group; }
    QComboBox *backendCombo() const { return m_backend; }
    QPushButton *openButton() const { return m_open; }
    QPushButton *closeButton() const { return m_close; }
    QLineEdit *iovaEdit() const { return m_iova; }
    QLineEdit *sizeEdit() const { return m_size; }
    QCheckBox *hugePagesBox() const { return m_huge; }
    QPushButton *mapButton() const { return m_map; }
    QPushButton *unmapButton() const { return m_unmap; }
    QPushButton *unmapRangeButton() const { return m_unmapRange; }
    QPushButton *dirtyStartButton() const { return m_dirtyStart; }
    QPushButton *dirtyStopButton() const { return m_dirtyStop; }
    QPushButton *bitmapButton() const { return m_bitmapButton; }
    QTableView *mappingTable() const { return m_table; }
    control::DmaMappingModel *mappingModel() const { return m_model; }
    DirtyBitmapWidget *bitmapWidget() const { return m_bitmap; }
    QProgressBar *memlockGauge() const { return m_gauge; }

Q_SIGNALS:
    // backend: "auto", "type1v2" or "iommufd".
    void openRequested(int group, const QString &backend);
    // The chosen group changed: the window asks the helper which backends it can use.
    void backendsRequested(int group);
    void closeRequested(quint32 handle);
    void mapRequested(quint32 handle, quint64 iova, quint64 size, bool hugePages);
    void unmapRequested(quint32 handle, quint64 iova, quint64 size);
    void dirtyStartRequested(quint32 handle);
    void dirtyStopRequested(quint32 handle);
    void bitmapRequested(quint32 handle, quint64 iova, quint64 size);

private:
    void updateEnabled();
    void requestMap();
    void requestUnmap();
    void requestUnmapRange();
    void requestBitmap();
    void clearFeedback();
    // [iova, iova+size) covering every mapping, for the bitmap read.
    std::pair<quint64, quint64> mappedSpan() const;

    Topology m_topology;
    control::DmaGroupState m_state;
    QString m_readOnly;
    QComboBox *m_group = nullptr;
    QComboBox *m_backend = nullptr;
    QLabel *m_backendNote = nullptr;
    int m_backendsGroup = -1; // the group the backend choice was last told about
    QPushButton *m_open = nullptr;
    QPushButton *m_close = nullptr;
    QLabel *m_status = nullptr;
    QLabel *m_backendInfo = nullptr;
    QLabel *m_devices = nullptr;
    QLabel *m_note = nullptr;
    QLabel *m_ranges = nullptr;
    QLabel *m_pageSizes = nullptr;
    QLabel *m_dmaAvail = nullptr;
    QProgressBar *m_gauge = nullptr;
    QLabel *m_memlock = nullptr;
    QTableView *m_table = nullptr;
    control::DmaMappingModel *m_model = nullptr;
    QLineEdit *m_iova = nullptr;
    QLineEdit *m_size = nullptr;
    QCheckBox *m_huge = nullptr;
    QPushButton *m_map = nullptr;
    QPushButton *m_unmap = nullptr;
    QPushButton *m_unmapRange = nullptr;
    QLabel *m_error = nullptr;
    QLabel *m_message = nullptr;
    QGroupBox *m_dirtyBox = nullptr;
    QLabel *m_dirtyNote = nullptr;
    QPushButton *m_dirtyStart = nullptr;
    QPushButton *m_dirtyStop = nullptr;
    QPushButton *m_bitmapButton = nullptr;
    DirtyBitmapWidget *m_bitmap = nullptr;
};

} // namespace devtopo::views
