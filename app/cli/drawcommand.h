#pragma once

// `devtopo-cli draw`: the topology drawing as SVG or PNG, headless. It needs Qt Gui (fonts, a
// paint device) where every other command is Qt Core only, so main() hands over before creating
// its QCoreApplication.

namespace devtopo::cli {

// Creates the QGuiApplication (offscreen when there is no display), parses draw's options and
// writes the file. Returns the process exit code.
int runDrawCommand(int argc, char **argv);

} // namespace devtopo::cli
