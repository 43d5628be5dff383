#pragma once

#include <QStyledItemDelegate>

namespace devtopo::views {

// Item models stay Qt Core only, so colours are decided here: rows of the highlighted IOMMU group
// get a tint, degraded links red text, VFs a grey name.
class DeviceTreeDelegate : public QStyledItemDelegate
{
    Q_OBJECT
public:
    using QStyledItemDelegate::QStyledItemDelegate;

    void setHighlightedGroup(int groupId) { m_group = groupId; }
    int highlightedGroup() const { return m_group; }

protected:
    void initStyleOption(QStyleOptionViewItem *option, const QModelIndex &index) const override;

private:
    int m_group = -1;
};

} // namespace devtopo::views
