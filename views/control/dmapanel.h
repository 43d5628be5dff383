#pragma once

// The DMA panel: pick an IOMMU group, open it (devtopo-helper puts it in its own type1v2
// container), see what the kernel reports (IOVA ranges, page sizes, DMA entries left, locked memory
// against RLIMIT_MEMLOCK), map and unmap buffers, track dirty pages and see the bitmap. The panel
// only emits requests and shows answers; the window sends them. Errors (EEXIST, EINVAL, ENOMEM)
// appear next to the form in plain words, with the kernel's own text.

#include "dmastate.h"
#include "topology.h"

#include <QWidget>

class QCheckBox;
class QComboBox;
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

    // Widgets, for tests and for the window's layout.
    QComboBox *groupCombo() const { return m_group; }
    QPushButton *openButton() const { return m_open; }
    QPushButton *closeButton() const { return m_close; }
    QLineEdit *iovaEdit() const { return m_iova; }
    QLineEdit *sizeEdit() const { return m_size; }
    QCheckBox *hugePagesBox() const { return m_huge; }
    QPushButton *mapButton() const { return m_map; }
    QPushButton *unmapButton() const { return m_unmap; }
    QPushButton *dirtyStartButton() const { return m_dirtyStart; }
    QPushButton *dirtyStopButton() const { return m_dirtyStop; }
    QPushButton *bitmapButton() const { return m_bitmapButton; }
    QTableView *mappingTable() const { return m_table; }
    control::DmaMappingModel *mappingModel() const { return m_model; }
    DirtyBitmapWidget *bitmapWidget() const { return m_bitmap; }
    QProgressBar *memlockGauge() const { return m_gauge; }

Q_SIGNALS:
    void openRequested(int group);
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
    void requestBitmap();
    void clearFeedback();
    // [iova, iova+size) covering every mapping, for the bitmap read.
    std::pair<quint64, quint64> mappedSpan() const;

    Topology m_topology;
    control::DmaGroupState m_state;
    QString m_readOnly;
    QComboBox *m_group = nullptr;
    QPushButton *m_open = nullptr;
    QPushButton *m_close = nullptr;
    QLabel *m_status = nullptr;
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
    QLabel *m_error = nullptr;
    QLabel *m_message = nullptr;
    QPushButton *m_dirtyStart = nullptr;
    QPushButton *m_dirtyStop = nullptr;
    QPushButton *m_bitmapButton = nullptr;
    DirtyBitmapWidget *m_bitmap = nullptr;
};

} // namespace devtopo::views
