#include "scheduler/dns.h"

#include <algorithm>
#include <cctype>

namespace kontena::dns {

namespace {

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

void add(Records& r, const std::string& name, const std::string& address) { r[lower(name)].insert(address); }

void nameInstance(Records& r, const GridNames& g, const Endpoint& e) {
    const std::string n = std::to_string(e.number);
    const std::string domain = domainOf(g.grid, e.stack);
    add(r, e.service + "." + domain, e.address);
    add(r, e.service + "-" + n + "." + domain, e.address);
    if (e.stack == "null") {
        add(r, e.service + "." + kDomain, e.address);
        add(r, e.service + "-" + n + "." + kDomain, e.address);
        return;
    }
    auto exposed = g.exposed.find(e.stack);
    if (exposed != g.exposed.end() && exposed->second == e.service) {
        const std::string gridDomain = g.grid + "." + kDomain;
        add(r, e.stack + "." + gridDomain, e.address);
        add(r, e.stack + "-" + n + "." + gridDomain, e.address);
    }
}

}  // namespace

std::string domainOf(const std::string& grid, const std::string& stack) {
    const std::string gridDomain = grid + "." + kDomain;
    return stack == "null" ? gridDomain : stack + "." + gridDomain;
}

Records records(const GridNames& g) {
    Records r;
    for (const auto& e : g.endpoints) {
        if (!e.running || e.unhealthy || e.hostNetwork || e.address.empty()) continue;
        nameInstance(r, g, e);
    }
    for (const auto& ip : g.etcdMembers) add(r, std::string("etcd.") + kDomain, ip);
    return r;
}

std::string longestInstanceName(const std::string& grid, const std::string& stack, const std::string& service, int instances) {
    return service + "-" + std::to_string(std::max(instances, 1)) + "." + domainOf(grid, stack);
}

std::string nameLengthProblem(const std::string& grid, const std::string& stack, const std::string& service, int instances) {
    const std::string name = longestInstanceName(grid, stack, service, instances);
    if (name.size() <= kMaxInstanceName) return {};
    return "Total grid service name length " + std::to_string(name.size()) + " is over limit (" + std::to_string(kMaxInstanceName) +
           "): " + name;
}

std::string hostsFile(const Records& r) {
    std::vector<std::pair<std::string, std::string>> lines;
    for (const auto& [name, addresses] : r) {
        for (const auto& a : addresses) lines.emplace_back(a, name);
    }
    std::sort(lines.begin(), lines.end());
    std::string out;
    for (const auto& [a, name] : lines) out += a + " " + name + "\n";
    return out;
}

}  // namespace kontena::dns
