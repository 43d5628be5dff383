#include "actionlogpanel.h"

#include "actionlogmodel.h"

#include <QHeaderView>
#include <QLabel>
#include <QProgressBar>
#include <QTableView>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

namespace devtopo::views {

namespace {
const QString kOkStyle = u"QLabel { background: #e6f4ea; border: 1px solid #34a853; padding: 6px; color: #0d3b17; }"_s;
const QString kErrorStyle = u"QLabel { background: #fce8e6; border: 1px solid #d93025; padding: 6px; color: #5c0d07; }"_s;
const QString kRunningStyle = u"QLabel { background: #e8f0fe; border: 1px solid #4285f4; padding: 6px; color: #0b2a5c; }"_s;
} // namespace

ActionLogPanel::ActionLogPanel(control::ActionLogModel *model, QWidget *parent) : QWidget(parent), m_model(model)
{
    setObjectName(u"actionLogPanel"_s);
    auto *layout = new QVBoxLayout(this);
    m_message = new QLabel(tr("Actions you take (Actions menu, or right-click a device or group) are listed here with "
                              "their outcome."),
                           this);
    m_message->setObjectName(u"message"_s);
    m_message->setWordWrap(true);
    m_message->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(m_message);
    m_progress = new QProgressBar(this);
    m_progress->setVisible(false);
    m_progress->setTextVisible(true);
    layout->addWidget(m_progress);
    m_table = new QTableView(this);
    m_table->setObjectName(u"actionLog"_s);
    m_table->setModel(model);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setWordWrap(false);
    m_table->verticalHeader()->hide();
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->setColumnWidth(0, 70);
    m_table->setColumnWidth(1, 300);
    m_table->setColumnWidth(2, 80);
    layout->addWidget(m_table, 1);

    connect(model, &control::ActionLogModel::rowsInserted, this, [this](const QModelIndex &, int first) {
        const int id = m_model->index(first, 0).data(control::ActionLogModel::IdRole).toInt();
        showEntry(id);
        m_table->scrollToBottom();
    });
    connect(model, &control::ActionLogModel::entryFinished, this, &ActionLogPanel::showEntry);
}

void ActionLogPanel::showEntry(int id)
{
    const control::ActionLogEntry *e = m_model->entry(id);
    if (!e)
        return;
    using S = control::ActionLogEntry::Status;
    switch (e->status) {
    case S::Running:
        m_error = false;
        m_message->setStyleSheet(kRunningStyle);
        m_message->setText(tr("%1 …").arg(e->title));
        break;
    case S::Succeeded:
        m_error = false;
        m_progress->setVisible(false);
        m_message->setStyleSheet(kOkStyle);
        m_message->setText(tr("✔ %1: %2").arg(e->title, e->detailText()));
        break;
    case S::Failed:
        m_error = true;
        m_progress->setVisible(false);
        m_message->setStyleSheet(kErrorStyle);
        m_message->setText(tr("✘ %1 was refused, nothing was changed by it:\n%2").arg(e->title, e->error));
        break;
    }
}

void ActionLogPanel::showProgress(const QString &operation, int done, int total, const QString &message)
{
    m_progress->setVisible(done < total);
    m_progress->setRange(0, std::max(total, 1));
    m_progress->setValue(std::min(done, std::max(total, 1)));
    m_progress->setFormat(u"%1: %2 (%v/%m)"_s.arg(operation, message));
    // The running entry shows it too.
    const auto &entries = m_model->entries();
    for (auto it = entries.crbegin(); it != entries.crend(); ++it)
        if (it->status == control::ActionLogEntry::Status::Running) {
            m_model->setProgress(it->id, message);
            break;
        }
}

void ActionLogPanel::showNote(const QString &text, bool error)
{
    m_error = error;
    m_message->setStyleSheet(error ? kErrorStyle : kRunningStyle);
    m_message->setText(text);
}

QString ActionLogPanel::messageText() const
{
    return m_message->text();
}

} // namespace devtopo::views
