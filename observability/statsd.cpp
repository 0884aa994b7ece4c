#include "observability/statsd.h"

#include <cctype>
#include <cstdio>

namespace kontena::stats {

namespace {

std::string clean(const std::string& part) {
    std::string out = part;
    for (auto& c : out) {
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-') c = '_';
    }
    return out.empty() ? "_" : out;
}

std::string number(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2f", v);
    return buf;
}

}  // namespace

std::string statsdDatagram(const std::string& prefix, const ContainerId& id, const Sample& s) {
    const std::string base = clean(prefix) + "." + clean(id.grid) + "." + clean(id.stack) + "." + clean(id.service) + "." +
                             std::to_string(id.number) + ".";
    std::string out;
    out += base + "cpu_percent:" + number(s.cpuPercent) + "|g\n";
    out += base + "memory_bytes:" + std::to_string(s.memory) + "|g\n";
    if (s.memoryLimit > 0) out += base + "memory_limit_bytes:" + std::to_string(s.memoryLimit) + "|g\n";
    out += base + "network_rx_bytes:" + std::to_string(s.rxBytes) + "|g\n";
    out += base + "network_tx_bytes:" + std::to_string(s.txBytes) + "|g\n";
    return out;
}

}  // namespace kontena::stats
