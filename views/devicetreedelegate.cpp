#include "devicetreedelegate.h"

#include "models/devicetreemodel.h"
#include "models/roles.h"

namespace devtopo::views {

void DeviceTreeDelegate::initStyleOption(QStyleOptionViewItem *option, const QModelIndex &index) const
{
    QStyledItemDelegate::initStyleOption(option, index);
    if (m_group >= 0 && index.data(GroupRole).toInt() == m_group)
        option->backgroundBrush = QColor(0xff, 0xec, 0xb3); // light amber, readable under any text colour
    if (index.column() == DeviceTreeModel::LinkColumn && index.data(DegradedRole).toBool()) {
        option->palette.setColor(QPalette::Text, QColor(0xc6, 0x28, 0x28));
        option->palette.setColor(QPalette::HighlightedText, QColor(0xff, 0xcd, 0xd2));
    }
    if (index.column() == DeviceTreeModel::NameColumn && index.data(KindRole).toString() == QStringLiteral("vf"))
        option->palette.setColor(QPalette::Text, QColor(0x61, 0x61, 0x61));
    if (index.data(KindRole).toString() == QStringLiteral("hostbridge"))
        option->font.setBold(true);
}

} // namespace devtopo::views
