#pragma once

// What the window's "Device migration" dock holds: the panel of the device opened for migration
// or, when none is, a note saying plainly why nothing is shown (the selected device's driver has
// no migration, opening failed, ...). It owns the panel; the window owns the client.

#include <QWidget>

class QLabel;
class QScrollArea;
class QVBoxLayout;

namespace devtopo::devmig {

class DeviceMigrationPanel;

class DeviceMigrationDock : public QWidget
{
    Q_OBJECT
public:
    explicit DeviceMigrationDock(QWidget *parent = nullptr);
    // Shows the note instead of any panel (the panel is deleted).
    void showNote(const QString &text, bool error = false);
    // Takes the panel and shows it in place of the note (and of an earlier panel).
    void setPanel(DeviceMigrationPanel *panel);
    DeviceMigrationPanel *panel() const { return m_panel; }
    QString noteText() const;
    bool isNoteShown() const;
    QSize sizeHint() const override { return {560, 640}; }

private:
    QVBoxLayout *m_layout;
    QLabel *m_note;
    QScrollArea *m_scroll; // a short dock scrolls the panel rather than crushing its chart
    DeviceMigrationPanel *m_panel = nullptr;
};

} // namespace devtopo::devmig
