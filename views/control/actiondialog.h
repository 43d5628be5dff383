#pragma once

// The confirmation every change goes through: the plan's one-line summary, every change it makes
// device by device (no-ops shown as such), what may go wrong, and — only where the helper would
// refuse a device in use — a "force" checkbox. Cancel is the default; Apply must be pressed.

#include "changeplanner.h"

#include <QDialog>

class QCheckBox;
class QLabel;
class QListWidget;
class QPushButton;

namespace devtopo::views {

class ActionDialog : public QDialog
{
    Q_OBJECT
public:
    explicit ActionDialog(const control::ChangePlan &plan, QWidget *parent = nullptr);

    const control::ChangePlan &plan() const { return m_plan; }
    // The action as confirmed (force as ticked).
    control::ControlAction confirmedAction() const;
    bool force() const;

    QString summaryText() const;
    QStringList changeTexts() const;
    QStringList warningTexts() const;
    QCheckBox *forceCheckBox() const { return m_force; }
    QPushButton *applyButton() const { return m_apply; }

    // The whole plan as plain text (for the log's tooltip and for tests).
    static QString planText(const control::ChangePlan &plan);

private:
    control::ChangePlan m_plan;
    QLabel *m_summary = nullptr;
    QListWidget *m_changes = nullptr;
    QLabel *m_warnings = nullptr;
    QCheckBox *m_force = nullptr;
    QPushButton *m_apply = nullptr;
};

} // namespace devtopo::views
