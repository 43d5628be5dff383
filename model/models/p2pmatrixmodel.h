#pragma once

// The P2P matrix as a table: one row and one column per device of the chosen kind, each cell the
// nvidia-smi class of the pair, with the kernel's verdict and the reasons in roles and tooltips.
// Wraps P2pEngine/P2pMatrix; the cells are computed once per topology and kind.

#include "p2pmatrix.h"
#include "roles.h"

#include <QAbstractTableModel>

#include <memory>

namespace devtopo {

class P2pMatrixModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    // Beyond the shared ModelRole set (PciAddressRole: the row's function, also on headers).
    enum Role {
        P2pClassRole = Qt::UserRole + 64, // int, a P2pClass
        ClassNameRole, // QString "PIX"
        MapTypeRole, // QString "BUS_ADDR", "THRU_HOST_BRIDGE", "NOT_SUPPORTED"
        DistanceRole, // int, the kernel's distance
        HostRuleRole, // QString, p2pHostRuleName()
        PathRole, // QStringList of addresses from the row's function to the column's
        AcsRedirectRole, // QStringList of addresses with ACS RR/CR/EC set on the path
        BottleneckRole, // QString "0000:1b:00.0: 8 GT/s x16 (≈15.8 GB/s)", empty when unknown
        ReasonsRole, // QStringList, the reasoning sentences
        ColumnAddressRole, // devtopo::PciAddress of the column's function
    };
    Q_ENUM(Role)

    explicit P2pMatrixModel(QObject *parent = nullptr);
    ~P2pMatrixModel() override;

    void setTopology(const Topology &topology);
    const Topology &topology() const { return m_topology; }
    void setKind(P2pKind kind);
    P2pKind kind() const { return m_kind; }
    void setIncludeVfs(bool include);
    bool includeVfs() const { return m_includeVfs; }

    const P2pMatrix &matrix() const { return m_matrix; }
    // Everything about the pair at index; an empty path for an invalid index.
    P2pPath pathAt(const QModelIndex &index) const;
    QString shortName(int section) const;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    void recompute();
    QString toolTip(const P2pPath &path, int row, int column) const;

    Topology m_topology;
    std::unique_ptr<P2pEngine> m_engine; // points into m_topology
    P2pMatrix m_matrix;
    P2pKind m_kind = P2pKind::Gpu;
    bool m_includeVfs = true;
};

} // namespace devtopo
