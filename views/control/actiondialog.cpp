#include "actiondialog.h"

#include <QCheckBox>
#include <QDialogButtonBox>
#include <QLabel>
#include <QListWidget>
#include <QPushButton>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

namespace devtopo::views {

ActionDialog::ActionDialog(const control::ChangePlan &plan, QWidget *parent) : QDialog(parent), m_plan(plan)
{
    setObjectName(u"actionDialog"_s);
    setWindowTitle(plan.action.title());
    auto *layout = new QVBoxLayout(this);

    auto *heading = new QLabel(tr("<b>%1</b>").arg(plan.action.title().toHtmlEscaped()), this);
    layout->addWidget(heading);
    m_summary = new QLabel(plan.isValid() ? plan.summary : plan.error, this);
    m_summary->setObjectName(u"summary"_s);
    m_summary->setWordWrap(true);
    m_summary->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(m_summary);

    layout->addWidget(new QLabel(tr("These changes will be made, in this order:"), this));
    m_changes = new QListWidget(this);
    m_changes->setObjectName(u"changes"_s);
    m_changes->setWordWrap(true);
    m_changes->setSelectionMode(QAbstractItemView::NoSelection);
    m_changes->setFocusPolicy(Qt::NoFocus);
    int n = 0;
    for (const control::PlannedChange &c : plan.changes) {
        auto *item = new QListWidgetItem(c.changes() ? u"%1. %2"_s.arg(++n).arg(c.text) : u"–  %1"_s.arg(c.text), m_changes);
        if (!c.changes())
            item->setForeground(palette().color(QPalette::Disabled, QPalette::Text));
    }
    m_changes->setMinimumWidth(560);
    m_changes->setMinimumHeight(std::min<int>(320, 26 * int(plan.changes.size()) + 12));
    layout->addWidget(m_changes, 1);

    m_warnings = new QLabel(this);
    m_warnings->setObjectName(u"warnings"_s);
    m_warnings->setWordWrap(true);
    m_warnings->setTextFormat(Qt::RichText);
    m_warnings->setStyleSheet(u"QLabel { background: #fff4ce; border: 1px solid #e0b000; padding: 6px; color: #3a2c00; }"_s);
    QStringList html;
    for (const QString &w : plan.warnings)
        html << u"⚠ "_s + w.toHtmlEscaped();
    m_warnings->setText(html.join(u"<br>"_s));
    m_warnings->setVisible(!plan.warnings.isEmpty());
    layout->addWidget(m_warnings);

    m_force = new QCheckBox(tr("Force: unbind or reset even if the helper finds the device in use"), this);
    m_force->setObjectName(u"force"_s);
    m_force->setVisible(plan.mayNeedForce && plan.action.hasForce());
    layout->addWidget(m_force);

    auto *buttons = new QDialogButtonBox(this);
    m_apply = buttons->addButton(tr("Apply"), QDialogButtonBox::AcceptRole);
    m_apply->setObjectName(u"apply"_s);
    QPushButton *cancel = buttons->addButton(QDialogButtonBox::Cancel);
    cancel->setDefault(true);
    cancel->setAutoDefault(true);
    m_apply->setAutoDefault(false);
    m_apply->setEnabled(plan.isValid() && !plan.isNoOp());
    if (plan.isNoOp())
        m_apply->setToolTip(tr("Nothing would change"));
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    layout->addWidget(buttons);
}

bool ActionDialog::force() const
{
    return confirmedAction().force;
}

control::ControlAction ActionDialog::confirmedAction() const
{
    control::ControlAction a = m_plan.action;
    a.force = a.hasForce() && m_plan.mayNeedForce && m_force->isChecked();
    return a;
}

QString ActionDialog::summaryText() const
{
    return m_summary->text();
}

QStringList ActionDialog::changeTexts() const
{
    QStringList out;
    for (int i = 0; i < m_changes->count(); ++i)
        out << m_changes->item(i)->text();
    return out;
}

QStringList ActionDialog::warningTexts() const
{
    return m_plan.warnings;
}

QString ActionDialog::planText(const control::ChangePlan &plan)
{
    if (!plan.isValid())
        return plan.action.title() + u": "_s + plan.error;
    QStringList lines{plan.action.title() + u": "_s + plan.summary};
    for (const control::PlannedChange &c : plan.changes)
        lines << (c.changes() ? u"  • "_s : u"  – "_s) + c.text;
    for (const QString &w : plan.warnings)
        lines << u"  ⚠ "_s + w;
    return lines.join(u'\n');
}

} // namespace devtopo::views
