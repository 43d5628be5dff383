#pragma once

// The samples of a recording as a table. Wraps the recording (owned elsewhere, only appended to);
// call samplesAppended() after samples were added and reset() after it was cleared.

#include "migrationrecording.h"

#include <QAbstractTableModel>

namespace devtopo::migration {

class MigrationSampleModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column {
        TimeColumn, StatusColumn, PassColumn, RemainingColumn, TransferredColumn, TotalColumn,
        DirtyRateColumn, ThroughputColumn, ExpectedDowntimeColumn, VfioTransferredColumn, VerdictColumn,
        ColumnCount
    };
    enum Role {
        RawValueRole = Qt::UserRole + 1, // numbers as numbers (-1 unknown), for sorting and charts
    };

    explicit MigrationSampleModel(QObject *parent = nullptr);
    void setRecording(const MigrationRecording *recording);
    const MigrationRecording *recording() const { return m_recording; }
    void samplesAppended();
    void reset();

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    const MigrationRecording *m_recording = nullptr;
    int m_rows = 0;
};

} // namespace devtopo::migration
