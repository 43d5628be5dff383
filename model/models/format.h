#pragma once

// Text forms shared by the item models and the widgets, so the tree, the tables and the IOVA
// map print the same numbers the same way.

#include "topology.h"

#include <QString>

namespace devtopo::fmt {

// "0xfee00000"; with digits > 0 zero-padded to that many hex digits.
QString hex(quint64 value, int digits = 0);
// "0x0000fee00000–0x0000feefffff": padded to 12 digits (48-bit spaces) or 16 above that.
QString hexRange(quint64 start, quint64 endInclusive);
// Size of an inclusive range in binary units: "1 MiB", "256 TiB", "1.5 GiB", "16 EiB" for the whole
// 64-bit space (whose size does not fit in quint64).
QString rangeSize(quint64 start, quint64 endInclusive);
QString byteSize(quint64 bytes);
// The exact byte count, "1048576 bytes", for tooltips.
QString exactRangeSize(quint64 start, quint64 endInclusive);

// "8 GT/s x16"; degraded links add what they could do: "2.5 GT/s x4 (degraded; capable of 8 GT/s x16)".
QString linkText(const LinkInfo &link);
QString linkSpeed(double gtPerSecond);

// "0x010802"
QString classCode(quint32 classCode);
// "8086:10fb"
QString vendorDevice(quint16 vendor, quint16 device);
// "Intel Corporation 82599ES 10-Gigabit SFI/SFP+ Network Connection"
QString functionName(const PciFunction &f);
// "Ethernet controller" or "Class 0x020000" when pci.ids had no name.
QString className(const PciFunction &f);

QString groupReasonKindName(GroupReason::Kind kind);

// First sentence of a longer explanation, for table cells; the whole text goes in the tooltip.
QString firstSentence(const QString &text, int maxChars = 90);

QString yesNo(bool value);

} // namespace devtopo::fmt
