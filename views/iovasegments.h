#pragma once

// The arithmetic behind IovaMapWidget, kept free of painting so it can be tested: cut a group's
// IOVA space into segments of one kind each, then give each segment a width that grows with
// log2(size) (a "broken" scale) so a 1 MiB MSI window next to 256 TiB of usable space still shows.

#include "topology.h"

#include <QList>
#include <QString>
#include <QStringList>

namespace devtopo::views {

struct IovaSegment
{
    quint64 start = 0;
    quint64 end = 0; // inclusive
    QString kind; // usable, msi, direct, direct-relaxable, reserved, unavailable
    QStringList regions; // the reserved regions covering it, e.g. "msi 0xfee00000–0xfeefffff"
    bool operator==(const IovaSegment &) const = default;
};

// Last address of a space of `bits` bits (1..64).
quint64 spaceEnd(int bits);

// Splits [0, 2^addressWidth) (widened to cover every region) into maximal runs of one kind.
// Where regions overlap the most restrictive wins: direct > msi > reserved > direct-relaxable >
// usable. Addresses covered by nothing are "unavailable". addressWidth <= 0 means 48 bits.
QList<IovaSegment> buildIovaSegments(int addressWidth, const QList<ReservedRegion> &reserved,
                                     const QList<IovaRange> &usable);

// log2 of the segment's size, at least 1.
double segmentWeight(const IovaSegment &segment);

// Pixel widths summing to max(totalPx, n * minPx): each segment gets minPx plus a share of the rest
// proportional to segmentWeight().
QList<int> segmentWidths(const QList<IovaSegment> &segments, int totalPx, int minPx);

} // namespace devtopo::views
