#pragma once

// The convergence verdict, in words a demo audience understands. Pre-copy converges when each pass
// leaves less to send than the one before: remaining (and expected-downtime, which is remaining over
// bandwidth) shrinks by about dirty-rate / bandwidth per pass, and QEMU switches over once the expected
// downtime fits the downtime-limit.

#include "migrationsample.h"

#include <QString>

namespace devtopo::migration {

class MigrationRecording;

enum class VerdictKind {
    Idle,          // no migration
    Setup,
    FirstPass,     // not enough passes yet; a prediction from dirty rate vs bandwidth when both are known
    Converging,
    Borderline,    // shrinking, but slowly: many passes to go
    NotConverging,
    Completed,
    Cancelled,
    Failed,
};

QString verdictKindName(VerdictKind kind);

struct Verdict {
    VerdictKind kind = VerdictKind::Idle;
    // For Completed/Cancelled/Failed: what the running migration looked like before it ended.
    VerdictKind trend = VerdictKind::Idle;
    QString text;
    int passes = 0;                    // dirty-sync-count so far
    double shrinkPerPass = -1;         // fraction of remaining gone per pass (0.4 = 40% less each pass)
    int passesToGo = -1;
    double dirtyBytesPerSecond = -1;
    bool dirtyRateIsLowerBound = false; // from dirty-pages-rate, which saturates at what a pass can see
    double bandwidthBytesPerSecond = -1;
    qint64 expectedDowntimeMs = -1;
    qint64 downtimeLimitMs = -1;
};

Verdict computeVerdict(const MigrationRecording &recording);

// "900 MB/s", "1.2 GB/s" (decimal units, as network people say).
QString formatRate(double bytesPerSecond);
// "512 MiB", "3.5 GiB".
QString formatBytes(double bytes);
// "300 ms", "7.9 s".
QString formatMs(double ms);

} // namespace devtopo::migration
