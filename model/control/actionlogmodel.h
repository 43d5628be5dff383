#pragma once

// Every action the window sent to devtopo-helper, newest last: what, when, how it went and the
// helper's own words (the changes it made or its error, "EPERM: group 15 is not viable: ...").

#include <QAbstractTableModel>
#include <QDateTime>
#include <QList>

namespace devtopo::control {

struct ActionLogEntry
{
    enum class Status { Running, Succeeded, Failed };
    int id = 0;
    QDateTime started;
    QString title;
    Status status = Status::Running;
    QString progress; // the latest progress line while running
    QStringList changes; // what the helper says it changed
    QString error; // the helper's error text
    QString detailText() const;
};

class ActionLogModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column { TimeColumn, ActionColumn, OutcomeColumn, DetailsColumn, ColumnCount };
    enum Role { StatusRole = Qt::UserRole + 1, IdRole };

    using QAbstractTableModel::QAbstractTableModel;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    // Returns the entry's id.
    int start(const QString &title);
    void setProgress(int id, const QString &text);
    void succeed(int id, const QStringList &changes);
    void fail(int id, const QString &error);
    void clear();

    const QList<ActionLogEntry> &entries() const { return m_entries; }
    const ActionLogEntry *entry(int id) const;
    int rowOf(int id) const;

    static QString statusText(ActionLogEntry::Status s);

Q_SIGNALS:
    void entryFinished(int id);

private:
    void changed(int row);

    QList<ActionLogEntry> m_entries;
    int m_nextId = 1;
};

} // namespace devtopo::control
