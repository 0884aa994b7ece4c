#pragma once
// Shared helpers of the benchmark programs (not of the platform).

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

}  // namespace kontena::bench
