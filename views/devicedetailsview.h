#pragma once

#include "topology.h"

#include <QTreeView>

namespace devtopo {
class DetailsModel;
}

namespace devtopo::views {

// The property tree of the selected function or group (DetailsModel). Double-clicking a row that
// names another function or group asks the window to go there; a culprit row (the port a group
// explanation blames) asks for it to be highlighted in the drawing.
class DeviceDetailsView : public QTreeView
{
    Q_OBJECT
public:
    explicit DeviceDetailsView(QWidget *parent = nullptr);

    void setTopology(const Topology &topology);
    void showFunction(const PciAddress &address);
    void showGroup(int groupId);
    void clear();

    DetailsModel *detailsModel() const { return m_model; }

Q_SIGNALS:
    void functionActivated(const devtopo::PciAddress &address);
    void groupActivated(int groupId);
    // A group reason's culprit row was activated: show that port in the topology drawing.
    void portHighlightRequested(const devtopo::PciAddress &address);

private:
    void afterReset();

    DetailsModel *m_model = nullptr;
};

} // namespace devtopo::views
