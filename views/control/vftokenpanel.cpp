#include "vftokenpanel.h"

#include "analysis.h"

#include <QButtonGroup>
#include <QComboBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QRadioButton>
#include <QRegularExpression>
#include <QUuid>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

namespace devtopo::views {

namespace {
const QString kErrorStyle = u"QLabel { color: #5c0d07; background: #fce8e6; border: 1px solid #d93025; padding: 6px; }"_s;
const QString kOkStyle = u"QLabel { color: #0d3b17; background: #e6f4ea; border: 1px solid #34a853; padding: 6px; }"_s;
} // namespace

VfTokenPanel::VfTokenPanel(QWidget *parent) : QWidget(parent)
{
    setObjectName(u"vfTokenPanel"_s);
    auto *layout = new QVBoxLayout(this);
    auto *intro = new QLabel(tr("A PF bound to vfio-pci can carry a VF token: a UUID its user shares with whoever opens its "
                                "VFs. While the PF is on vfio-pci, the kernel refuses (EACCES) to open a VF without it."),
                             this);
    intro->setWordWrap(true);
    layout->addWidget(intro);

    auto *pfBox = new QGroupBox(tr("Physical function"), this);
    auto *pfForm = new QFormLayout(pfBox);
    m_pf = new QComboBox(pfBox);
    m_pf->setObjectName(u"vfTokenPf"_s);
    pfForm->addRow(tr("PF:"), m_pf);
    m_pfNote = new QLabel(pfBox);
    m_pfNote->setWordWrap(true);
    pfForm->addRow(QString(), m_pfNote);
    auto *tokenRow = new QHBoxLayout;
    m_token = new QLineEdit(pfBox);
    m_token->setObjectName(u"vfToken"_s);
    m_token->setPlaceholderText(u"xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx"_s);
    m_token->setMinimumWidth(300);
    m_generate = new QPushButton(tr("Generate"), pfBox);
    m_generate->setObjectName(u"vfTokenGenerate"_s);
    m_set = new QPushButton(tr("Set token"), pfBox);
    m_set->setObjectName(u"vfTokenSet"_s);
    tokenRow->addWidget(m_token, 1);
    tokenRow->addWidget(m_generate);
    tokenRow->addWidget(m_set);
    pfForm->addRow(tr("Token:"), tokenRow);
    layout->addWidget(pfBox);

    auto *vfBox = new QGroupBox(tr("Open a VF"), this);
    auto *vfForm = new QFormLayout(vfBox);
    m_vf = new QComboBox(vfBox);
    m_vf->setObjectName(u"vfTokenVf"_s);
    vfForm->addRow(tr("VF:"), m_vf);
    m_noToken = new QRadioButton(tr("with no token"), vfBox);
    m_noToken->setObjectName(u"vfOpenNoToken"_s);
    m_withToken = new QRadioButton(tr("with this token:"), vfBox);
    m_withToken->setObjectName(u"vfOpenWithToken"_s);
    auto *group = new QButtonGroup(this);
    group->addButton(m_noToken);
    group->addButton(m_withToken);
    m_noToken->setChecked(true);
    m_openToken = new QLineEdit(vfBox);
    m_openToken->setObjectName(u"vfOpenToken"_s);
    m_openToken->setPlaceholderText(u"xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx"_s);
    auto *withRow = new QHBoxLayout;
    withRow->addWidget(m_withToken);
    withRow->addWidget(m_openToken, 1);
    vfForm->addRow(tr("Open:"), m_noToken);
    vfForm->addRow(QString(), withRow);
    m_open = new QPushButton(tr("Open VF"), vfBox);
    m_open->setObjectName(u"vfOpen"_s);
    vfForm->addRow(QString(), m_open);
    layout->addWidget(vfBox);

    m_result = new QLabel(this);
    m_result->setObjectName(u"vfTokenResult"_s);
    m_result->setWordWrap(true);
    m_result->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_result->setVisible(false);
    layout->addWidget(m_result);
    layout->addStretch(1);

    connect(m_pf, &QComboBox::currentIndexChanged, this, [this] {
        fillVfs();
        updateEnabled();
    });
    connect(m_generate, &QPushButton::clicked, this, [this] {
        m_token->setText(QUuid::createUuid().toString(QUuid::WithoutBraces));
    });
    connect(m_token, &QLineEdit::textChanged, this, [this](const QString &t) {
        // What was set is what one opens with next, unless the user typed something there.
        if (m_openToken->text().isEmpty() || !m_openToken->isModified())
            m_openToken->setText(t);
        updateEnabled();
    });
    connect(m_set, &QPushButton::clicked, this, [this] {
        const auto pf = chosenPf();
        const QString uuid = m_token->text().trimmed();
        if (!pf)
            return;
        if (!isValidUuid(uuid))
            return showResult(false, tr("\"%1\" is not a UUID (8-4-4-4-12 hexadecimal digits); nothing was sent.").arg(uuid));
        Q_EMIT setTokenRequested(pf->toString(), uuid);
    });
    connect(m_open, &QPushButton::clicked, this, [this] {
        const auto vf = chosenVf();
        if (!vf)
            return;
        const QString uuid = m_withToken->isChecked() ? m_openToken->text().trimmed() : QString();
        if (m_withToken->isChecked() && !isValidUuid(uuid))
            return showResult(false, tr("\"%1\" is not a UUID (8-4-4-4-12 hexadecimal digits); nothing was sent.").arg(uuid));
        Q_EMIT openRequested(vf->toString(), uuid);
    });
    connect(m_noToken, &QRadioButton::toggled, this, &VfTokenPanel::updateEnabled);
    updateEnabled();
}

bool VfTokenPanel::isValidUuid(const QString &text)
{
    static const QRegularExpression re(u"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"_s);
    return re.match(text).hasMatch();
}

QString VfTokenPanel::explainOpenError(const QString &helperError, bool gaveToken)
{
    if (helperError.startsWith(u"EACCES"_s)) {
        return gaveToken ? tr("Refused: the PF is bound to vfio-pci and has a different VF token; this open gave a wrong one.")
                         : tr("Refused: the PF is bound to vfio-pci and has a VF token; this open gave none.");
    }
    if (helperError.startsWith(u"ENODEV"_s))
        return tr("Refused: the VF is not bound to vfio-pci; bind it first (Actions → Bind).");
    if (helperError.startsWith(u"EPERM"_s))
        return tr("Refused: the VF's IOMMU group is not viable for VFIO.");
    return tr("Refused.");
}

void VfTokenPanel::setTopology(const Topology &topology)
{
    m_topology = topology;
    const auto keepPf = chosenPf();
    const auto keepVf = chosenVf();
    {
        QSignalBlocker block(m_pf);
        m_pf->clear();
        for (const PciFunction &f : topology.functions) {
            if (f.isVf() || f.sriov.totalVfs <= 0)
                continue;
            m_pf->addItem(u"%1 — %2 — %3 of %4 VFs"_s.arg(f.address.toString(), f.driver.isEmpty() ? u"no driver"_s : f.driver)
                              .arg(f.vfs.size())
                              .arg(f.sriov.totalVfs),
                          QVariant::fromValue(f.address));
        }
        if (keepPf)
            choosePf(*keepPf);
    }
    fillVfs();
    if (keepVf) {
        const int i = m_vf->findData(QVariant::fromValue(*keepVf));
        if (i >= 0)
            m_vf->setCurrentIndex(i);
    }
    updateEnabled();
}

void VfTokenPanel::setReadOnly(const QString &why)
{
    m_readOnly = why;
    updateEnabled();
}

void VfTokenPanel::choosePf(const PciAddress &pf)
{
    const int i = m_pf->findData(QVariant::fromValue(pf));
    if (i >= 0)
        m_pf->setCurrentIndex(i);
}

std::optional<PciAddress> VfTokenPanel::chosenPf() const
{
    if (m_pf->currentIndex() < 0)
        return std::nullopt;
    return m_pf->currentData().value<PciAddress>();
}

std::optional<PciAddress> VfTokenPanel::chosenVf() const
{
    if (m_vf->currentIndex() < 0)
        return std::nullopt;
    return m_vf->currentData().value<PciAddress>();
}

void VfTokenPanel::fillVfs()
{
    m_vf->clear();
    const auto pf = chosenPf();
    const PciFunction *f = pf ? m_topology.function(*pf) : nullptr;
    if (!f) {
        m_pfNote->setText(tr("No SR-IOV PF on this host."));
        return;
    }
    for (const PciAddress &a : f->vfs) {
        const PciFunction *vf = m_topology.function(a);
        m_vf->addItem(u"%1 — %2"_s.arg(a.toString(), vf && !vf->driver.isEmpty() ? vf->driver : u"no driver"_s),
                      QVariant::fromValue(a));
    }
    if (!isVfioDriver(f->driver))
        m_pfNote->setText(tr("%1 is on %2: bind it to vfio-pci first (Actions → Bind) to set a token.")
                              .arg(f->address.toString(), f->driver.isEmpty() ? tr("no driver") : f->driver));
    else if (f->vfs.isEmpty())
        m_pfNote->setText(tr("On vfio-pci; it has no VFs yet (Actions → Set VF count…)."));
    else
        m_pfNote->setText(tr("On vfio-pci with %n VF(s).", nullptr, int(f->vfs.size())));
}

void VfTokenPanel::updateEnabled()
{
    const bool writable = m_readOnly.isEmpty();
    const auto pf = chosenPf();
    const PciFunction *f = pf ? m_topology.function(*pf) : nullptr;
    const bool pfVfio = f && isVfioDriver(f->driver);
    m_set->setEnabled(writable && pfVfio && !m_token->text().trimmed().isEmpty());
    m_set->setToolTip(pfVfio ? QString() : tr("The PF must be bound to vfio-pci"));
    m_open->setEnabled(writable && m_vf->count() > 0);
    m_openToken->setEnabled(m_withToken->isChecked());
    if (!writable)
        m_set->setToolTip(m_readOnly);
}

void VfTokenPanel::showResult(bool ok, const QString &text)
{
    m_resultError = !ok;
    m_result->setStyleSheet(ok ? kOkStyle : kErrorStyle);
    m_result->setText(text);
    m_result->setVisible(true);
}

QString VfTokenPanel::resultText() const
{
    return m_result->text();
}

void VfTokenPanel::showTokenResult(bool ok, const QString &text)
{
    showResult(ok, ok ? tr("✔ VF token set on %1. Its VFs now open only with this token.").arg(chosenPf() ? chosenPf()->toString() : QString())
                      : tr("✘ Setting the token was refused: %1").arg(text));
}

void VfTokenPanel::showOpenResult(bool ok, const QString &error, bool gaveToken)
{
    const QString vf = chosenVf() ? chosenVf()->toString() : QString();
    if (ok)
        showResult(true, gaveToken ? tr("✔ %1 opened with the token: the kernel accepted it.").arg(vf)
                                   : tr("✔ %1 opened with no token: the kernel did not ask for one.").arg(vf));
    else
        showResult(false, tr("✘ %1\nThe kernel said: %2").arg(explainOpenError(error, gaveToken), error));
}

} // namespace devtopo::views
