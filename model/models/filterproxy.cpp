#include "filterproxy.h"

namespace devtopo {

FilterProxy::FilterProxy(QObject *parent)
    : QSortFilterProxyModel(parent)
{
    setRecursiveFilteringEnabled(true);
    setSortRole(SortRole);
    setFilterCaseSensitivity(Qt::CaseInsensitive);
}

QList<FilterProxy::Term> FilterProxy::parse(const QString &text)
{
    using Field = Term::Field;
    static const struct { const char *key; Field field; } keys[] = {
        {"addr", Field::Address}, {"address", Field::Address}, {"name", Field::Name},
        {"driver", Field::Driver}, {"drv", Field::Driver}, {"class", Field::Class},
        {"group", Field::Group}, {"kind", Field::Kind},
    };
    QList<Term> terms;
    for (const QString &word : text.split(QLatin1Char(' '), Qt::SkipEmptyParts)) {
        Term t;
        t.text = word.toLower();
        // Addresses contain colons too ("03:00.0"); only a known key before the first colon counts.
        const qsizetype colon = word.indexOf(QLatin1Char(':'));
        if (colon > 0) {
            const QString key = word.left(colon).toLower();
            for (const auto &k : keys) {
                if (key == QLatin1StringView(k.key)) {
                    t.field = k.field;
                    t.text = word.mid(colon + 1).toLower();
                    break;
                }
            }
        }
        terms << t;
    }
    return terms;
}

void FilterProxy::setFilterText(const QString &text)
{
    if (text == m_text)
        return;
    // beginFilterChange() only exists from Qt 6.9; invalidateFilter() is the 6.4 way.
    m_text = text;
    m_terms = parse(text);
    invalidateFilter();
}

bool FilterProxy::matches(const Term &term, const QModelIndex &source) const
{
    using Field = Term::Field;
    auto contains = [&](int role) {
        return source.data(role).toString().toLower().contains(term.text);
    };
    switch (term.field) {
    case Field::Address: return contains(AddressRole);
    case Field::Name: return contains(NameRole);
    case Field::Class: return contains(ClassRole);
    case Field::Kind: return source.data(KindRole).toString().toLower() == term.text;
    case Field::Driver: {
        const QVariant v = source.data(DriverRole);
        if (term.text == QStringLiteral("none"))
            return v.isValid() && v.toString().isEmpty() && source.data(KindRole).toString() != QStringLiteral("hostbridge");
        return contains(DriverRole);
    }
    case Field::Group: {
        bool ok = false;
        const int want = term.text.toInt(&ok);
        const QVariant v = source.data(GroupRole);
        return ok && v.isValid() && v.toInt() == want;
    }
    case Field::Any:
        break;
    }
    if (contains(AddressRole) || contains(NameRole) || contains(DriverRole) || contains(ClassRole))
        return true;
    // Models without those roles (details, regions): any displayed column.
    const QAbstractItemModel *m = source.model();
    for (int c = 0; c < m->columnCount(source.parent()); ++c)
        if (m->index(source.row(), c, source.parent()).data().toString().toLower().contains(term.text))
            return true;
    return false;
}

bool FilterProxy::filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const
{
    if (m_terms.isEmpty())
        return true;
    const QModelIndex source = sourceModel()->index(sourceRow, 0, sourceParent);
    for (const Term &t : m_terms)
        if (!matches(t, source))
            return false;
    return true;
}

} // namespace devtopo
