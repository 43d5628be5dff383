#include "p2pcolors.h"

namespace devtopo::views {

QColor p2pClassColor(P2pClass c)
{
    // ColorBrewer RdYlGn, reversed: a heat scale that stays readable for red-green colour blindness
    // thanks to its lightness ramp, and the class name is printed in every cell anyway.
    switch (c) {
    case P2pClass::X: return QColor(0xd9, 0xd9, 0xd9);
    case P2pClass::PIX: return QColor(0x1a, 0x98, 0x50);
    case P2pClass::PXB: return QColor(0x91, 0xcf, 0x60);
    case P2pClass::PHB: return QColor(0xfe, 0xe0, 0x8b);
    case P2pClass::NODE: return QColor(0xfc, 0x8d, 0x59);
    case P2pClass::SYS: return QColor(0xd7, 0x30, 0x27);
    }
    return Qt::white;
}

QColor p2pClassTextColor(P2pClass c)
{
    return p2pClassColor(c).lightnessF() < 0.45 ? Qt::white : Qt::black;
}

} // namespace devtopo::views
