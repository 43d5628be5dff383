#pragma once

#include "roles.h"

#include <QSortFilterProxyModel>

namespace devtopo {

// Filters any devtopo model by what people type: words separated by spaces, all of which must
// match (case-insensitive substring) the row's address, name, driver or class. A word may carry a
// key to look at one field only: "driver:vfio-pci", "class:nvme", "name:intel", "addr:03:00",
// "group:12" (exact id), "kind:vf"; "driver:none" matches unbound functions. Parents of a match
// stay visible (recursive filtering), so the tree keeps its shape. Sorts by SortRole.
class FilterProxy : public QSortFilterProxyModel
{
    Q_OBJECT
public:
    explicit FilterProxy(QObject *parent = nullptr);

    void setFilterText(const QString &text);
    QString filterText() const { return m_text; }

    struct Term
    {
        enum class Field { Any, Address, Name, Driver, Class, Group, Kind };
        Field field = Field::Any;
        QString text; // lower case
    };
    static QList<Term> parse(const QString &text);

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const override;

private:
    bool matches(const Term &term, const QModelIndex &source) const;

    QString m_text;
    QList<Term> m_terms;
};

} // namespace devtopo
