#pragma once

// The VF token panel: for an SR-IOV PF bound to vfio-pci, set its VF token (a UUID the PF's user
// and the VFs' users share) and try opening one of its VFs with no token or a given one, showing
// the kernel's answer plainly (EACCES without the right token). Requests out, answers in.

#include "topology.h"

#include <QWidget>

class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QRadioButton;

namespace devtopo::views {

class VfTokenPanel : public QWidget
{
    Q_OBJECT
public:
    explicit VfTokenPanel(QWidget *parent = nullptr);

    void setTopology(const Topology &topology);
    void setReadOnly(const QString &why);
    void choosePf(const PciAddress &pf);
    std::optional<PciAddress> chosenPf() const;
    std::optional<PciAddress> chosenVf() const;

    void showTokenResult(bool ok, const QString &text);
    void showOpenResult(bool ok, const QString &error, bool gaveToken);

    QString resultText() const;
    bool resultIsError() const { return m_resultError; }

    QComboBox *pfCombo() const { return m_pf; }
    QComboBox *vfCombo() const { return m_vf; }
    QLineEdit *tokenEdit() const { return m_token; }
    QPushButton *generateButton() const { return m_generate; }
    QPushButton *setTokenButton() const { return m_set; }
    QRadioButton *noTokenRadio() const { return m_noToken; }
    QRadioButton *withTokenRadio() const { return m_withToken; }
    QLineEdit *openTokenEdit() const { return m_openToken; }
    QPushButton *openButton() const { return m_open; }

    // "8-4-4-4-12" hexadecimal, the only form the helper accepts.
    static bool isValidUuid(const QString &text);
    // The kernel's EACCES in plain words: which case it is and what to do.
    static QString explainOpenError(const QString &helperError, bool gaveToken);

Q_SIGNALS:
    void setTokenRequested(const QString &pf, const QString &uuid);
    void openRequested(const QString &vf, const QString &uuid); // empty uuid: open with no token

private:
    void fillVfs();
    void updateEnabled();
    void showResult(bool ok, const QString &text);

    Topology m_topology;
    QString m_readOnly;
    bool m_resultError = false;
    QComboBox *m_pf = nullptr;
    QLabel *m_pfNote = nullptr;
    QLineEdit *m_token = nullptr;
    QPushButton *m_generate = nullptr;
    QPushButton *m_set = nullptr;
    QComboBox *m_vf = nullptr;
    QRadioButton *m_noToken = nullptr;
    QRadioButton *m_withToken = nullptr;
    QLineEdit *m_openToken = nullptr;
    QPushButton *m_open = nullptr;
    QLabel *m_result = nullptr;
};

} // namespace devtopo::views
