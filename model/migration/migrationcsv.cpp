#include "migrationcsv.h"

#include <QSaveFile>

namespace devtopo::migration {

namespace {

QByteArray cell(qint64 v)
{
    return v < 0 ? QByteArray() : QByteArray::number(v);
}

QByteArray cellDouble(double v)
{
    return v < 0 ? QByteArray() : QByteArray::number(v, 'g', 10);
}

QByteArray quoted(const QString &text)
{
    QByteArray b = text.toUtf8();
    b.replace('"', "\"\"");
    return '"' + b + '"';
}

// The calc-dirty-rate result known at a time (measured before or at it), -1 if none.
qint64 dirtyRateAt(const MigrationRecording &rec, qint64 timeMs)
{
    qint64 value = -1;
    for (const DirtyRateResult &r : rec.dirtyRates()) {
        if (r.timeMs > timeMs)
            break;
        if (r.measured())
            value = r.dirtyRateMiBps;
    }
    return value;
}

} // namespace

QByteArray migrationCsvHeader()
{
    return QByteArrayLiteral("time_s,status,ram_total,ram_remaining,ram_transferred,dirty_pages_rate,"
                             "dirty_sync_count,page_size,mbps,expected_downtime_ms,setup_time_ms,total_time_ms,"
                             "downtime_ms,vfio_transferred,calc_dirty_rate_mibps,verdict\n");
}

QByteArray migrationCsvRow(const MigrationRecording &rec, int i)
{
    const MigrationSample &s = rec.samples().at(i);
    QByteArray row;
    row += QByteArray::number(double(s.timeMs) / 1000.0, 'f', 3) + ',';
    row += s.statusText.toUtf8() + ',';
    row += cell(s.ram.total) + ',' + cell(s.ram.remaining) + ',' + cell(s.ram.transferred) + ',';
    row += cell(s.ram.dirtyPagesRate) + ',' + cell(s.ram.dirtySyncCount) + ',' + cell(s.ram.pageSize) + ',';
    row += cellDouble(s.ram.mbps) + ',' + cell(s.expectedDowntimeMs) + ',' + cell(s.setupTimeMs) + ',';
    row += cell(s.totalTimeMs) + ',' + cell(s.downtimeMs) + ',' + cell(s.vfio.transferred) + ',';
    row += cell(dirtyRateAt(rec, s.timeMs)) + ',';
    row += verdictKindName(rec.sampleVerdicts().value(i, VerdictKind::Idle)).toUtf8() + '\n';
    return row;
}

QByteArray migrationCsvPreamble(const MigrationRecording &rec)
{
    QByteArray b;
    if (!rec.vmName().isEmpty())
        b += "# vm," + quoted(rec.vmName()) + '\n';
    if (rec.parameters().maxBandwidth >= 0)
        b += "# max_bandwidth_bytes_per_s," + QByteArray::number(rec.parameters().maxBandwidth) + '\n';
    if (rec.parameters().downtimeLimitMs >= 0)
        b += "# downtime_limit_ms," + QByteArray::number(rec.parameters().downtimeLimitMs) + '\n';
    return b;
}

QByteArray migrationCsvFooter(const MigrationRecording &rec)
{
    QByteArray b;
    for (const MigrationEvent &e : rec.events())
        b += "# event," + QByteArray::number(double(e.timeMs) / 1000.0, 'f', 3) + ',' + e.name.toUtf8() + ','
            + quoted(e.value) + ',' + quoted(e.device) + '\n';
    const Verdict &v = rec.verdict();
    b += "# verdict," + verdictKindName(v.kind).toUtf8() + ',' + quoted(v.text) + '\n';
    return b;
}

QByteArray migrationToCsv(const MigrationRecording &rec)
{
    QByteArray b = migrationCsvPreamble(rec) + migrationCsvHeader();
    for (int i = 0; i < rec.samples().size(); ++i)
        b += migrationCsvRow(rec, i);
    return b + migrationCsvFooter(rec);
}

bool writeMigrationCsv(const MigrationRecording &rec, const QString &path, QString *error)
{
    QSaveFile f(path);
    if (!f.open(QIODevice::WriteOnly)) {
        *error = QStringLiteral("cannot write ") % path % QStringLiteral(": ") % f.errorString();
        return false;
    }
    const QByteArray data = migrationToCsv(rec);
    if (f.write(data) != data.size() || !f.commit()) {
        *error = QStringLiteral("cannot write ") % path % QStringLiteral(": ") % f.errorString();
        return false;
    }
    return true;
}

} // namespace devtopo::migration
