#include "iovasegments.h"

#include "models/format.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace devtopo::views {

namespace {
int priority(const QString &kind)
{
    if (kind == QStringLiteral("direct"))
        return 5;
    if (kind == QStringLiteral("msi"))
        return 4;
    if (kind == QStringLiteral("direct-relaxable"))
        return 2;
    if (kind == QStringLiteral("usable"))
        return 1;
    return 3; // reserved, and unknown future types count as reserved
}
} // namespace

quint64 spaceEnd(int bits)
{
    if (bits >= 64)
        return std::numeric_limits<quint64>::max();
    if (bits <= 0)
        return 0;
    return (quint64(1) << bits) - 1;
}

QList<IovaSegment> buildIovaSegments(int addressWidth, const QList<ReservedRegion> &reserved,
                                     const QList<IovaRange> &usable)
{
    struct Span
    {
        quint64 start, end;
        QString kind;
    };
    QList<Span> spans;
    quint64 last = spaceEnd(addressWidth > 0 ? addressWidth : 48);
    for (const ReservedRegion &r : reserved)
        if (r.start <= r.end) {
            spans.append({r.start, r.end, r.type.isEmpty() ? QStringLiteral("reserved") : r.type});
            last = std::max(last, r.end);
        }
    for (const IovaRange &r : usable)
        if (r.start <= r.end) {
            spans.append({r.start, r.end, QStringLiteral("usable")});
            last = std::max(last, r.end);
        }

    // Every boundary, so each elementary interval is either fully inside or fully outside a span.
    std::vector<quint64> cuts{0};
    for (const Span &s : spans) {
        cuts.push_back(s.start);
        if (s.end < last)
            cuts.push_back(s.end + 1);
    }
    std::sort(cuts.begin(), cuts.end());
    cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());

    QList<IovaSegment> out;
    for (size_t i = 0; i < cuts.size(); ++i) {
        IovaSegment seg;
        seg.start = cuts[i];
        seg.end = i + 1 < cuts.size() ? cuts[i + 1] - 1 : last;
        int best = 0;
        seg.kind = QStringLiteral("unavailable");
        for (const Span &s : spans) {
            if (s.start > seg.start || s.end < seg.end)
                continue;
            if (s.kind != QStringLiteral("usable"))
                seg.regions << s.kind + QLatin1Char(' ') + fmt::hexRange(s.start, s.end);
            if (priority(s.kind) > best) {
                best = priority(s.kind);
                seg.kind = s.kind;
            }
        }
        // One run per region: neighbours of one kind merge when they continue the same region (or
        // are both plain usable space); two MSI regions that merely touch stay two segments.
        const bool continues = !out.isEmpty() && out.last().kind == seg.kind
            && (seg.regions.isEmpty() == out.last().regions.isEmpty())
            && (seg.regions.isEmpty() || std::any_of(seg.regions.cbegin(), seg.regions.cend(), [&](const QString &r) {
                   return out.last().regions.contains(r);
               }));
        if (continues) {
            out.last().end = seg.end;
            for (const QString &r : std::as_const(seg.regions))
                if (!out.last().regions.contains(r))
                    out.last().regions << r;
        } else {
            out.append(seg);
        }
    }
    return out;
}

double segmentWeight(const IovaSegment &segment)
{
    // end - start is size - 1 and never overflows; +1 in floating point is exact enough here.
    const long double size = static_cast<long double>(segment.end - segment.start) + 1.0L;
    return std::max(1.0, static_cast<double>(std::log2(size)));
}

QList<int> segmentWidths(const QList<IovaSegment> &segments, int totalPx, int minPx)
{
    QList<int> widths;
    const int n = int(segments.size());
    if (n == 0)
        return widths;
    const int spare = std::max(0, totalPx - n * minPx);
    double sum = 0;
    for (const IovaSegment &s : segments)
        sum += segmentWeight(s);
    // Round the running total, not each share, so the widths add up to exactly the bar's width.
    double acc = 0;
    int given = 0;
    for (const IovaSegment &s : segments) {
        acc += segmentWeight(s) / sum * spare;
        const int upto = int(std::lround(acc));
        widths << minPx + (upto - given);
        given = upto;
    }
    return widths;
}

} // namespace devtopo::views
