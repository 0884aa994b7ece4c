#pragma once
// Shared helpers of the benchmark programs (not of the platform).

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>

namespace kontena::bench {

// Peak resident set size of this process in KiB (VmHWM), -1 when unknown.
inline long peakRssKiB() {
    std::ifstream f("/proc/self/status");
    std::string line;
    while (std::getline(f, line)) {
        if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6));
    }
    return -1;
}

// The integer after `--name` on the command line ("--name N"), or `fallback`.
// `--help` prints `usage` and exits 0 (so no benchmark runs by mistake).
inline int intOption(int argc, char** argv, const char* name, int fallback, const char* usage = nullptr) {
    for (int i = 1; i < argc; ++i) {
        if (usage && (!std::strcmp(argv[i], "--help") || !std::strcmp(argv[i], "-h"))) {
            std::printf("%s\n", usage);
            std::exit(0);
        }
        if (i + 1 < argc && !std::strcmp(argv[i], name)) return std::atoi(argv[i + 1]);
    }
    return fallback;
}

}  // namespace kontena::bench
