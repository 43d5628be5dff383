#pragma once

// The VFIO migration v2 state machine drawn: states as nodes, the kernel's single-step arcs for the
// device's flags as arrows, the current state filled, states the flags do not support greyed, and
// the path a move would walk drawn bold. Read-only: it paints what it is given.

#include "migrationstate.h"

#include <QWidget>

namespace devtopo::devmig {

class MigrationStateDiagram : public QWidget
{
    Q_OBJECT
public:
    explicit MigrationStateDiagram(QWidget *parent = nullptr);
    void setDevice(quint64 flags, vfiomig::State current);
    void setPlannedPath(const QList<vfiomig::State> &steps); // empty: none
    QSize sizeHint() const override { return {420, 300}; }
    QRectF nodeRect(vfiomig::State s) const; // for tests and tooltips

protected:
    void paintEvent(QPaintEvent *) override;

private:
    quint64 m_flags = 0;
    vfiomig::State m_current = vfiomig::State::Running;
    QList<vfiomig::State> m_path;
};

} // namespace devtopo::devmig
