#include "migrationsamplemodel.h"

namespace devtopo::migration {

MigrationSampleModel::MigrationSampleModel(QObject *parent)
    : QAbstractTableModel(parent)
{
}

void MigrationSampleModel::setRecording(const MigrationRecording *recording)
{
    beginResetModel();
    m_recording = recording;
    m_rows = recording ? int(recording->samples().size()) : 0;
    endResetModel();
}

void MigrationSampleModel::samplesAppended()
{
    // The recording only grows, so rows below m_rows never change: the new ones go in at the end.
    const int now = m_recording ? int(m_recording->samples().size()) : 0;
    if (now < m_rows) {
        reset();
        return;
    }
    if (now == m_rows)
        return;
    beginInsertRows({}, m_rows, now - 1);
    m_rows = now;
    endInsertRows();
}

void MigrationSampleModel::reset()
{
    setRecording(m_recording);
}

int MigrationSampleModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : m_rows;
}

int MigrationSampleModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant MigrationSampleModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid) || !m_recording)
        return {};
    const MigrationSample &s = m_recording->samples().at(index.row());
    const bool raw = role == RawValueRole;
    if (role != Qt::DisplayRole && !raw) {
        if (role == Qt::TextAlignmentRole && index.column() != StatusColumn && index.column() != VerdictColumn)
            return QVariant(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    }
    auto bytes = [&](qint64 v) -> QVariant {
        if (raw)
            return v;
        return v < 0 ? QString() : formatBytes(double(v));
    };
    switch (Column(index.column())) {
    case TimeColumn:
        return raw ? QVariant(double(s.timeMs) / 1000.0) : QVariant(QString::number(double(s.timeMs) / 1000.0, 'f', 1));
    case StatusColumn:
        return s.statusText;
    case PassColumn:
        return raw ? QVariant(s.ram.dirtySyncCount) : (s.ram.dirtySyncCount < 0 ? QVariant(QString()) : QVariant(s.ram.dirtySyncCount));
    case RemainingColumn:
        return bytes(s.ram.remaining);
    case TransferredColumn:
        return bytes(s.ram.transferred);
    case TotalColumn:
        return bytes(s.ram.total);
    case DirtyRateColumn:
        return raw ? QVariant(s.dirtyBytesPerSecond()) : QVariant(s.dirtyBytesPerSecond() < 0 ? QString() : formatRate(s.dirtyBytesPerSecond()));
    case ThroughputColumn:
        return raw ? QVariant(s.throughputBytesPerSecond()) : QVariant(s.throughputBytesPerSecond() < 0 ? QString() : formatRate(s.throughputBytesPerSecond()));
    case ExpectedDowntimeColumn:
        return raw ? QVariant(s.expectedDowntimeMs) : QVariant(s.expectedDowntimeMs < 0 ? QString() : formatMs(double(s.expectedDowntimeMs)));
    case VfioTransferredColumn:
        return bytes(s.vfio.transferred);
    case VerdictColumn:
        return verdictKindName(m_recording->sampleVerdicts().value(index.row(), VerdictKind::Idle));
    case ColumnCount:
        break;
    }
    return {};
}

QVariant MigrationSampleModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (Column(section)) {
    case TimeColumn: return tr("Time (s)");
    case StatusColumn: return tr("Status");
    case PassColumn: return tr("Pass");
    case RemainingColumn: return tr("Remaining");
    case TransferredColumn: return tr("Transferred");
    case TotalColumn: return tr("RAM");
    case DirtyRateColumn: return tr("Dirty rate");
    case ThroughputColumn: return tr("Throughput");
    case ExpectedDowntimeColumn: return tr("Expected downtime");
    case VfioTransferredColumn: return tr("VFIO transferred");
    case VerdictColumn: return tr("Verdict");
    case ColumnCount: break;
    }
    return {};
}

} // namespace devtopo::migration
