#include "devicedetailsview.h"

#include "models/detailsmodel.h"

#include <QHeaderView>

namespace devtopo::views {

DeviceDetailsView::DeviceDetailsView(QWidget *parent)
    : QTreeView(parent)
    , m_model(new DetailsModel(this))
{
    setModel(m_model);
    setUniformRowHeights(true);
    setAlternatingRowColors(true);
    setSelectionBehavior(QAbstractItemView::SelectRows);
    setEditTriggers(QAbstractItemView::NoEditTriggers);
    header()->setStretchLastSection(true);
    connect(this, &QTreeView::activated, this, [this](const QModelIndex &index) {
        const QVariant address = index.data(PciAddressRole);
        if (address.isValid() && index.data(KindRole).toString() == QStringLiteral("culprit")) {
            Q_EMIT portHighlightRequested(address.value<PciAddress>());
            return;
        }
        if (address.isValid()) {
            Q_EMIT functionActivated(address.value<PciAddress>());
            return;
        }
        const int group = index.data(GroupRole).toInt();
        if (group >= 0 && index.data(KindRole).toString() == QStringLiteral("section"))
            Q_EMIT groupActivated(group);
    });
}

void DeviceDetailsView::setTopology(const Topology &topology)
{
    m_model->setTopology(topology);
    afterReset();
}

void DeviceDetailsView::showFunction(const PciAddress &address)
{
    m_model->showFunction(address);
    afterReset();
}

void DeviceDetailsView::showGroup(int groupId)
{
    m_model->showGroup(groupId);
    afterReset();
}

void DeviceDetailsView::clear()
{
    m_model->clear();
    afterReset();
}

void DeviceDetailsView::afterReset()
{
    // Two levels open (blockers, actions, ACS bits, link); long lists stay one click away.
    expandToDepth(1);
    for (int r = 0; r < m_model->rowCount(); ++r) {
        const QModelIndex section = m_model->index(r, 0);
        for (int c = 0; c < m_model->rowCount(section); ++c) {
            const QModelIndex row = m_model->index(c, 0, section);
            if (m_model->rowCount(row) > 8)
                collapse(row); // 63 VFs or 20 capabilities would bury the rest
        }
    }
    resizeColumnToContents(DetailsModel::KeyColumn);
    setColumnWidth(DetailsModel::KeyColumn, std::min(columnWidth(DetailsModel::KeyColumn) + 24, 280));
}

} // namespace devtopo::views
