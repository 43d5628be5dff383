#pragma once

// The P2P heat map: nvidia-smi topo -m for any device kind, each cell coloured by class, with the
// kernel's verdict and the reasons of the selected pair beside it and the legend below.

#include "p2p.h"
#include "topology.h"

#include <QWidget>

class QCheckBox;
class QComboBox;
class QLabel;
class QTableView;
class QTextBrowser;

namespace devtopo {
class P2pMatrixModel;
}

namespace devtopo::views {

class P2pHeatMapPanel : public QWidget
{
    Q_OBJECT
public:
    explicit P2pHeatMapPanel(QWidget *parent = nullptr);

    // Shows GPUs by default; falls back to every endpoint when the host has none, until the user
    // picks a kind.
    void setTopology(const Topology &topology);
    void setKind(P2pKind kind);
    P2pKind kind() const;

    QTableView *tableView() const { return m_table; }
    P2pMatrixModel *matrixModel() const { return m_model; }
    QString summaryText() const;
    QString detailsText() const; // the selected pair's explanation, as plain text

Q_SIGNALS:
    // A header was double-clicked: show that function elsewhere.
    void functionActivated(const devtopo::PciAddress &address);

private:
    void kindChosen();
    void modelChanged();
    void showPair(const QModelIndex &index);

    QComboBox *m_kindCombo = nullptr;
    QCheckBox *m_vfs = nullptr;
    QLabel *m_summary = nullptr;
    QTableView *m_table = nullptr;
    QTextBrowser *m_details = nullptr;
    P2pMatrixModel *m_model = nullptr;
    bool m_userChoseKind = false;
};

} // namespace devtopo::views
