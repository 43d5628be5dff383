#include "migrationverdict.h"

#include "migrationrecording.h"

#include <QLocale>

#include <cmath>

namespace devtopo::migration {

namespace {

// Below this per-pass ratio (remaining after / before) a migration converges at a useful pace.
constexpr double ConvergingRatio = 0.9;
// At or above this it does not shrink at all in practice.
constexpr double FlatRatio = 0.97;
// More passes to go than this is "borderline": it may finish, but raising the bandwidth is the fix.
constexpr int ManyPasses = 30;

QString number(double v, int decimals)
{
    return QString::number(v, 'f', decimals);
}

// The link's throughput: mbps averaged over the last two seconds of active samples; max-bandwidth
// when QEMU has not reported any yet.
double recentBandwidth(const MigrationRecording &rec)
{
    const auto &samples = rec.samples();
    double sum = 0;
    int n = 0;
    // Only the last two seconds are looked at, reported or not: no scan of hours of samples.
    const qint64 since = samples.isEmpty() ? 0 : samples.last().timeMs - 2000;
    for (auto it = samples.crbegin(); it != samples.crend() && it->timeMs >= since; ++it) {
        if (it->status != MigrationStatus::Active || it->ram.mbps <= 0)
            continue;
        sum += it->throughputBytesPerSecond();
        ++n;
    }
    if (n > 0)
        return sum / n;
    return rec.parameters().maxBandwidth > 0 ? double(rec.parameters().maxBandwidth) : -1;
}

struct Trend {
    double ratio = -1;          // remaining after a pass / before it, geometric mean of the last few
    double currentRemaining = -1; // what the current pass started with
};

// remaining at each pass start (the saw-tooth's peaks) is exact at each sync. expected-downtime says
// the same over bandwidth but QEMU refreshes it some time into a pass, so early in a pass it still
// shows the previous one's: it is reported, not used for the trend.
Trend passTrend(const MigrationRecording &rec)
{
    Trend t;
    // The last four passes at most (three ratios): constant time however many passes there were.
    QList<double> values;
    const auto &passes = rec.passes();
    for (auto it = passes.crbegin(); it != passes.crend() && values.size() < 4; ++it)
        if (it->syncCount >= 2 && it->remainingAtStart > 0)
            values.prepend(double(it->remainingAtStart));
    if (!values.isEmpty())
        t.currentRemaining = values.last();
    if (values.size() < 2)
        return t;
    double logSum = 0;
    int n = 0;
    for (qsizetype i = values.size() - 1; i >= 1 && n < 3; --i, ++n)
        logSum += std::log(values[i] / values[i - 1]);
    t.ratio = std::exp(logSum / n);
    return t;
}

QString rateClause(const Verdict &v)
{
    QString s = QStringLiteral("memory is dirtied at ");
    if (v.dirtyRateIsLowerBound)
        s += QStringLiteral("at least ");
    return s % formatRate(v.dirtyBytesPerSecond) % QStringLiteral(" and the link moves ")
        % formatRate(v.bandwidthBytesPerSecond);
}

QString downtimeClause(const Verdict &v)
{
    if (v.expectedDowntimeMs < 0 || v.downtimeLimitMs < 0)
        return {};
    return QStringLiteral(" (expected downtime ") % formatMs(double(v.expectedDowntimeMs))
        % QStringLiteral(", limit ") % formatMs(double(v.downtimeLimitMs)) % QStringLiteral(")");
}

Verdict assessRunning(const MigrationRecording &rec, MigrationStatus status)
{
    Verdict v;
    v.downtimeLimitMs = rec.parameters().downtimeLimitMs;
    const auto &samples = rec.samples();
    const MigrationSample *last = nullptr;
    for (auto it = samples.crbegin(); it != samples.crend(); ++it)
        if (it->ram.present) {
            last = &*it;
            break;
        }
    if (last) {
        v.passes = int(std::max<qint64>(0, last->ram.dirtySyncCount));
        v.expectedDowntimeMs = last->expectedDowntimeMs;
    }
    // Dirty rate: QEMU's dirty-pages-rate (a lower bound: it cannot exceed what one pass re-dirties
    // over the pass's time) or calc-dirty-rate's measurement, whichever says more.
    const double fromPages = last && last->ram.dirtyPagesRate > 0 ? last->dirtyBytesPerSecond() : -1;
    const double measured = rec.measuredDirtyBytesPerSecond();
    v.dirtyBytesPerSecond = std::max(fromPages, measured);
    v.bandwidthBytesPerSecond = recentBandwidth(rec);
    v.dirtyRateIsLowerBound = fromPages > measured && v.bandwidthBytesPerSecond > 0
        && fromPages >= 0.9 * v.bandwidthBytesPerSecond;

    if (!last && (status == MigrationStatus::None || status == MigrationStatus::Unknown)) {
        v.kind = VerdictKind::Idle;
        v.text = QStringLiteral("No migration is running.");
        return v;
    }
    if (status == MigrationStatus::Setup || !last) {
        v.kind = VerdictKind::Setup;
        v.text = QStringLiteral("Setting up the migration.");
        return v;
    }

    const Trend trend = passTrend(rec);
    const bool rates = v.dirtyBytesPerSecond > 0 && v.bandwidthBytesPerSecond > 0;
    if (trend.ratio < 0) {
        v.kind = VerdictKind::FirstPass;
        QString text;
        if (v.passes <= 1 && last->ram.total > 0 && last->ram.remaining >= 0) {
            const double done = 100.0 * double(last->ram.total - last->ram.remaining) / double(last->ram.total);
            text = QStringLiteral("First pass: copying all ") % formatBytes(double(last->ram.total))
                % QStringLiteral(" of RAM, ") % number(std::clamp(done, 0.0, 100.0), 0) % QStringLiteral("% done. ");
        } else {
            text = QStringLiteral("Pass ") % QString::number(v.passes) % QStringLiteral(": too few passes for a trend yet. ");
        }
        if (rates) {
            const double ratio = v.dirtyBytesPerSecond / v.bandwidthBytesPerSecond;
            if (ratio >= FlatRatio)
                text += QStringLiteral("Likely not to converge: ") % rateClause(v)
                    % QStringLiteral(" — raise the bandwidth or throttle.");
            else
                text += QStringLiteral("Expect remaining to shrink about ") % number(100 * (1 - ratio), 0)
                    % QStringLiteral("% per pass: ") % rateClause(v) % QStringLiteral(".");
        } else {
            text += QStringLiteral("The verdict comes after the second pass (or measure the dirty rate).");
        }
        v.text = text;
        return v;
    }

    v.shrinkPerPass = 1.0 - trend.ratio;
    const QString shrink = number(std::max(0.0, 100.0 * v.shrinkPerPass), 0) % QStringLiteral("%");
    // A measured dirty rate above the link is not convergence, whatever one pass to the next showed:
    // the working set just fits in what a pass can resend.
    const bool dirtyAboveLink = rates && measured > 0 && measured >= 1.1 * v.bandwidthBytesPerSecond;
    if (trend.ratio < FlatRatio && !dirtyAboveLink) {
        // QEMU switches over once a pass's remaining can be sent within the downtime limit.
        const double threshold = v.bandwidthBytesPerSecond > 0 && v.downtimeLimitMs > 0
            ? v.bandwidthBytesPerSecond * double(v.downtimeLimitMs) / 1000.0 : -1;
        // From QEMU's expected downtime when it has one (the figure the text shows), else from the
        // current pass's remaining against what fits the limit.
        if (v.expectedDowntimeMs > 0 && v.downtimeLimitMs > 0 && v.passes >= 2) {
            v.passesToGo = v.expectedDowntimeMs <= v.downtimeLimitMs
                ? 0
                : std::max(1, int(std::ceil(std::log(double(v.downtimeLimitMs) / double(v.expectedDowntimeMs)) / std::log(trend.ratio))));
        } else if (threshold > 0 && trend.currentRemaining > threshold) {
            v.passesToGo = std::max(1, int(std::ceil(std::log(threshold / trend.currentRemaining) / std::log(trend.ratio))));
        } else if (threshold > 0) {
            v.passesToGo = 0;
        }
        const bool slow = trend.ratio >= ConvergingRatio || v.passesToGo > ManyPasses;
        v.kind = slow ? VerdictKind::Borderline : VerdictKind::Converging;
        QString text = slow ? QStringLiteral("Converging slowly: remaining shrinks only about ")
                            : QStringLiteral("Remaining shrinks about ");
        text += shrink % QStringLiteral(" per pass");
        if (v.passesToGo == 0)
            text += QStringLiteral("; should switch over at the end of this pass");
        else if (v.passesToGo == 1)
            text += QStringLiteral("; should switch over in about 1 pass");
        else if (v.passesToGo > 1)
            text += QStringLiteral("; should switch over in about ") % QString::number(v.passesToGo) % QStringLiteral(" passes");
        text += downtimeClause(v) % QStringLiteral(".");
        if (slow)
            text += QStringLiteral(" Raise the bandwidth or the downtime limit to finish sooner.");
        if (slow && v.dirtyRateIsLowerBound)
            text += QStringLiteral(" QEMU's dirty rate is pinned near the link's speed, so it may not converge at all: measure the dirty rate.");
        v.text = text;
        return v;
    }
    v.kind = VerdictKind::NotConverging;
    if (rates)
        v.text = QStringLiteral("Will not converge: ") % rateClause(v) % QStringLiteral(" — raise the bandwidth or throttle.");
    else
        v.text = QStringLiteral("Will not converge: remaining does not shrink from pass to pass")
            % downtimeClause(v) % QStringLiteral(" — raise the bandwidth or throttle.");
    if (v.dirtyRateIsLowerBound)
        v.text += QStringLiteral(" (Measure the dirty rate for the true figure.)");
    return v;
}

} // namespace

QString verdictKindName(VerdictKind kind)
{
    switch (kind) {
    case VerdictKind::Idle: return QStringLiteral("idle");
    case VerdictKind::Setup: return QStringLiteral("setup");
    case VerdictKind::FirstPass: return QStringLiteral("first-pass");
    case VerdictKind::Converging: return QStringLiteral("converging");
    case VerdictKind::Borderline: return QStringLiteral("borderline");
    case VerdictKind::NotConverging: return QStringLiteral("not-converging");
    case VerdictKind::Completed: return QStringLiteral("completed");
    case VerdictKind::Cancelled: return QStringLiteral("cancelled");
    case VerdictKind::Failed: return QStringLiteral("failed");
    }
    return QStringLiteral("unknown");
}

Verdict computeVerdict(const MigrationRecording &rec)
{
    const MigrationStatus status = rec.currentStatus();
    Verdict v = assessRunning(rec, isFinalStatus(status) ? MigrationStatus::Active : status);
    if (!isFinalStatus(status))
        return v;
    v.trend = v.kind;
    const QString before = v.text;
    const MigrationSample *last = rec.samples().isEmpty() ? nullptr : &rec.samples().last();
    const QString passes = QString::number(v.passes) % (v.passes == 1 ? QStringLiteral(" pass") : QStringLiteral(" passes"));
    if (status == MigrationStatus::Completed) {
        v.kind = VerdictKind::Completed;
        v.text = QStringLiteral("Completed after ") % passes;
        if (last && last->totalTimeMs >= 0)
            v.text += QStringLiteral(" in ") % formatMs(double(last->totalTimeMs));
        if (last && last->downtimeMs >= 0)
            v.text += QStringLiteral("; the VM was paused for ") % formatMs(double(last->downtimeMs));
        v.text += QStringLiteral(".");
        return v;
    }
    if (status == MigrationStatus::Cancelled) {
        v.kind = VerdictKind::Cancelled;
        v.text = QStringLiteral("Cancelled after ") % passes % QStringLiteral("; the VM runs on at the source.");
    } else {
        v.kind = VerdictKind::Failed;
        v.text = QStringLiteral("Failed after ") % passes;
        if (last && !last->errorDesc.isEmpty())
            v.text += QStringLiteral(": ") % last->errorDesc;
        v.text += QStringLiteral("; the VM runs on at the source.");
    }
    if (v.trend == VerdictKind::NotConverging || v.trend == VerdictKind::Borderline || v.trend == VerdictKind::Converging)
        v.text += QStringLiteral(" Before that: ") % before;
    return v;
}

QString formatRate(double bytesPerSecond)
{
    if (bytesPerSecond < 0)
        return QStringLiteral("?");
    if (bytesPerSecond >= 1e9)
        return number(bytesPerSecond / 1e9, 1) % QStringLiteral(" GB/s");
    if (bytesPerSecond >= 10e6)
        return number(bytesPerSecond / 1e6, 0) % QStringLiteral(" MB/s");
    return number(bytesPerSecond / 1e6, 1) % QStringLiteral(" MB/s");
}

QString formatBytes(double bytes)
{
    const double mib = bytes / (1024.0 * 1024.0);
    if (mib >= 1024)
        return number(mib / 1024.0, 1) % QStringLiteral(" GiB");
    return number(mib, mib >= 10 ? 0 : 1) % QStringLiteral(" MiB");
}

QString formatMs(double ms)
{
    if (ms >= 1000)
        return number(ms / 1000.0, 1) % QStringLiteral(" s");
    return number(ms, 0) % QStringLiteral(" ms");
}

} // namespace devtopo::migration
