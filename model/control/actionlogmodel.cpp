#include "actionlogmodel.h"

#include "controllogging.h"


using namespace Qt::StringLiterals;

namespace devtopo::control {

QString ActionLogEntry::detailText() const
{
    switch (status) {
    case Status::Running:
        return progress;
    case Status::Succeeded:
        return changes.isEmpty() ? u"nothing needed changing"_s : changes.join(u"; "_s);
    case Status::Failed:
        return error;
    }
    return {};
}

QString ActionLogModel::statusText(ActionLogEntry::Status s)
{
    switch (s) {
    case ActionLogEntry::Status::Running:
        return u"running…"_s;
    case ActionLogEntry::Status::Succeeded:
        return u"done"_s;
    case ActionLogEntry::Status::Failed:
        return u"refused"_s;
    }
    return {};
}

int ActionLogModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_entries.size());
}

int ActionLogModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant ActionLogModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const ActionLogEntry &e = m_entries.at(index.row());
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case TimeColumn:
            return e.started.toString(u"HH:mm:ss"_s);
        case ActionColumn:
            return e.title;
        case OutcomeColumn:
            return statusText(e.status);
        case DetailsColumn:
            return e.detailText();
        }
        break;
    case Qt::ToolTipRole:
        if (index.column() == DetailsColumn || index.column() == ActionColumn)
            return e.status == ActionLogEntry::Status::Succeeded && !e.changes.isEmpty() ? e.changes.join(u'\n') : e.detailText();
        break;
    case StatusRole:
        return int(e.status);
    case IdRole:
        return e.id;
    default:
        break;
    }
    return {};
}

QVariant ActionLogModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case TimeColumn:
        return u"Time"_s;
    case ActionColumn:
        return u"Action"_s;
    case OutcomeColumn:
        return u"Outcome"_s;
    case DetailsColumn:
        return u"Changes or error"_s;
    }
    return {};
}

int ActionLogModel::start(const QString &title)
{
    const int row = int(m_entries.size());
    beginInsertRows({}, row, row);
    ActionLogEntry e;
    e.id = m_nextId++;
    e.started = QDateTime::currentDateTime();
    e.title = title;
    m_entries << e;
    endInsertRows();
    qCInfo(lcControl).noquote() << "action" << e.id << title;
    return e.id;
}

int ActionLogModel::rowOf(int id) const
{
    for (int i = 0; i < m_entries.size(); ++i)
        if (m_entries.at(i).id == id)
            return i;
    return -1;
}

const ActionLogEntry *ActionLogModel::entry(int id) const
{
    const int row = rowOf(id);
    return row < 0 ? nullptr : &m_entries.at(row);
}

void ActionLogModel::changed(int row)
{
    Q_EMIT dataChanged(index(row, 0), index(row, ColumnCount - 1));
}

void ActionLogModel::setProgress(int id, const QString &text)
{
    const int row = rowOf(id);
    if (row < 0 || m_entries[row].status != ActionLogEntry::Status::Running)
        return;
    m_entries[row].progress = text;
    changed(row);
}

void ActionLogModel::succeed(int id, const QStringList &changes)
{
    const int row = rowOf(id);
    if (row < 0)
        return;
    m_entries[row].status = ActionLogEntry::Status::Succeeded;
    m_entries[row].changes = changes;
    changed(row);
    qCInfo(lcControl).noquote() << "action" << id << "done:" << changes.join(u"; "_s);
    Q_EMIT entryFinished(id);
}

void ActionLogModel::fail(int id, const QString &error)
{
    const int row = rowOf(id);
    if (row < 0)
        return;
    m_entries[row].status = ActionLogEntry::Status::Failed;
    m_entries[row].error = error;
    changed(row);
    qCInfo(lcControl).noquote() << "action" << id << "refused:" << error;
    Q_EMIT entryFinished(id);
}

void ActionLogModel::clear()
{
    if (m_entries.isEmpty())
        return;
    beginResetModel();
    m_entries.clear();
    endResetModel();
}

} // namespace devtopo::control
