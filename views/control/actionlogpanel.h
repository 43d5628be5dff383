#pragma once

// The "Actions log" dock: the latest outcome in words at the top (green done, red refused with the
// helper's error), the helper's progress while an action runs, and every action so far below.

#include <QWidget>

class QLabel;
class QProgressBar;
class QTableView;

namespace devtopo::control {
class ActionLogModel;
}

namespace devtopo::views {

class ActionLogPanel : public QWidget
{
    Q_OBJECT
public:
    explicit ActionLogPanel(control::ActionLogModel *model, QWidget *parent = nullptr);

    // devtopo-helper's Progress signal: operation, step, steps, what it does now.
    void showProgress(const QString &operation, int done, int total, const QString &message);
    // A note that is not an action (read-only mode, connection trouble).
    void showNote(const QString &text, bool error);

    QString messageText() const;
    bool messageIsError() const { return m_error; }
    QTableView *table() const { return m_table; }
    QProgressBar *progressBar() const { return m_progress; }

private:
    void showEntry(int id);

    control::ActionLogModel *m_model = nullptr;
    QLabel *m_message = nullptr;
    QProgressBar *m_progress = nullptr;
    QTableView *m_table = nullptr;
    bool m_error = false;
};

} // namespace devtopo::views
