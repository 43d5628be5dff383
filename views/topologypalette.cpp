#include "topologypalette.h"

#include <array>

namespace devtopo::views {

namespace {
// ColorBrewer Set3/Paired light tones, reordered so neighbours in index order contrast; the
// saturated red is left out because red means "not viable" and "degraded link" here.
constexpr std::array<QRgb, layout::GroupPaletteSize> Fills = {
    0x8dd3c7, // teal
    0xfdb462, // orange
    0xbebada, // lavender
    0xb3de69, // green
    0x80b1d3, // blue
    0xfccde5, // pink
    0xffed6f, // yellow
    0xbc80bd, // purple
    0xccebc5, // mint
    0xe5c494, // tan
    0xa6cee3, // sky
    0xd9d98c, // olive
};
} // namespace

QColor groupFill(int colorIndex)
{
    if (colorIndex < 0)
        return QColor(0xee, 0xee, 0xee);
    return QColor::fromRgb(Fills[size_t(colorIndex) % Fills.size()]);
}

QColor groupLine(int colorIndex)
{
    if (colorIndex < 0)
        return QColor(0x9e, 0x9e, 0x9e);
    return groupFill(colorIndex).darker(185);
}

QColor textToneColor(layout::TextLine::Tone tone)
{
    using Tone = layout::TextLine::Tone;
    switch (tone) {
    case Tone::Muted:
        return QColor(0x45, 0x5a, 0x64);
    case Tone::Good:
        return QColor(0x1b, 0x5e, 0x20);
    case Tone::Warning:
        return QColor(0xa8, 0x4a, 0x00);
    case Tone::Bad:
        return QColor(0xb7, 0x1c, 0x1c);
    case Tone::Normal:
        break;
    }
    return QColor(0x21, 0x21, 0x21);
}

QColor linkFill(layout::LinkLabel::State state)
{
    switch (state) {
    case layout::LinkLabel::State::Degraded:
        return QColor(0xff, 0xca, 0x28);
    case layout::LinkLabel::State::Severe:
        return QColor(0xd3, 0x2f, 0x2f);
    case layout::LinkLabel::State::Ok:
        break;
    }
    return QColor(0xec, 0xef, 0xf1);
}

QColor linkLine(layout::LinkLabel::State state)
{
    switch (state) {
    case layout::LinkLabel::State::Degraded:
        return QColor(0xe6, 0x7e, 0x00);
    case layout::LinkLabel::State::Severe:
        return QColor(0x8e, 0x10, 0x10);
    case layout::LinkLabel::State::Ok:
        break;
    }
    return QColor(0x90, 0xa4, 0xae);
}

QColor linkText(layout::LinkLabel::State state)
{
    return state == layout::LinkLabel::State::Severe ? QColor(Qt::white) : QColor(0x26, 0x32, 0x38);
}

QColor viableColor()
{
    return QColor(0x2e, 0x7d, 0x32);
}

QColor notViableColor()
{
    return QColor(0xc6, 0x28, 0x28);
}

QColor selectionColor()
{
    return QColor(0x15, 0x65, 0xc0);
}

QColor portHighlightColor()
{
    return QColor(0xff, 0x6d, 0x00);
}

} // namespace devtopo::views
