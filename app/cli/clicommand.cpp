#include "clicommand.h"

#include <cstring>

namespace devtopo::cli {

QString commandWord(int argc, char **argv)
{
    static const char *const withValue[] = {"--root", "-o", "--output", "--kind"};
    for (int i = 1; i < argc; ++i) {
        const char *a = argv[i];
        bool takesValue = false;
        for (const char *opt : withValue)
            takesValue |= std::strcmp(a, opt) == 0;
        if (takesValue) {
            ++i;
            continue;
        }
        if (a[0] != '-')
            return QString::fromLocal8Bit(a);
    }
    return {};
}

} // namespace devtopo::cli
