#pragma once

namespace devtopo::cli {

// devtopo-cli migrate start|watch|cancel|info|find: VM live migration through QEMU's QMP socket, or
// through the simulated VM with --demo. Its own QCoreApplication and options.
int runMigrateCommand(int argc, char **argv);

} // namespace devtopo::cli
