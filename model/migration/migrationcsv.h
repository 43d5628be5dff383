#pragma once

// A recording as CSV: one row per query-migrate sample (every one, never thinned), with the pass and
// the verdict kind at that moment; '#' lines before hold the VM and parameters, after: the final verdict.
// Empty cells are fields QEMU did not report.

#include "migrationrecording.h"

#include <QByteArray>
#include <QString>

namespace devtopo::migration {

QByteArray migrationCsvHeader();
QByteArray migrationCsvRow(const MigrationRecording &recording, int sampleIndex);
QByteArray migrationCsvPreamble(const MigrationRecording &recording);
QByteArray migrationCsvFooter(const MigrationRecording &recording);
QByteArray migrationToCsv(const MigrationRecording &recording);
// Writes atomically (QSaveFile): a failed write leaves an existing file as it was.
bool writeMigrationCsv(const MigrationRecording &recording, const QString &path, QString *error);

} // namespace devtopo::migration
