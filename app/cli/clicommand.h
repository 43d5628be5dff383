#pragma once

#include <QString>

namespace devtopo::cli {

// The command word (scan, tree, draw, p2p, ...) before any QCoreApplication exists: draw needs a
// QGuiApplication and p2p parses options of its own, so main() must know which before it parses.
// Skips options and the values of the options that take one.
QString commandWord(int argc, char **argv);

} // namespace devtopo::cli
