#include "devicemigrationdock.h"

#include "devicemigrationpanel.h"

#include <QLabel>
#include <QScrollArea>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

namespace devtopo::devmig {

DeviceMigrationDock::DeviceMigrationDock(QWidget *parent) : QWidget(parent)
{
    m_layout = new QVBoxLayout(this);
    m_note = new QLabel(this);
    m_note->setObjectName(u"deviceMigrationNote"_s);
    m_note->setWordWrap(true);
    m_note->setTextFormat(Qt::PlainText);
    m_note->setAlignment(Qt::AlignLeft | Qt::AlignTop);
    m_note->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_layout->addWidget(m_note, 1);
    m_scroll = new QScrollArea(this);
    m_scroll->setWidgetResizable(true);
    m_scroll->setFrameShape(QFrame::NoFrame);
    m_scroll->hide();
    m_layout->addWidget(m_scroll, 1);
    showNote(tr("No device is open for migration. Select a device on a VFIO migration driver (mlx5_vfio_pci, "
                "hisi_acc_vfio_pci, pds_vfio_pci, qat_vfio_pci) or an mdev such as mtty, then Actions → Migrate device…"));
}

void DeviceMigrationDock::showNote(const QString &text, bool error)
{
    if (m_panel) {
        m_scroll->takeWidget();
        m_panel->hide();
        m_panel->deleteLater(); // its answers still on the way are dropped (it guards itself)
        m_panel = nullptr;
    }
    m_scroll->hide();
    m_note->setText(text);
    m_note->setStyleSheet(error ? u"color: #b00020"_s : QString());
    m_note->show();
}

void DeviceMigrationDock::setPanel(DeviceMigrationPanel *panel)
{
    if (m_panel && m_panel != panel) {
        m_scroll->takeWidget();
        m_panel->hide();
        m_panel->deleteLater();
    }
    m_panel = panel;
    m_note->hide();
    m_scroll->setWidget(panel);
    m_scroll->show();
    panel->show();
}

QString DeviceMigrationDock::noteText() const
{
    return m_note->text();
}

bool DeviceMigrationDock::isNoteShown() const
{
    return !m_note->isHidden();
}

} // namespace devtopo::devmig
