// The per-node checks of each placement filter, with the reason a user reads
// when a node is rejected (reference §4.5, §4.6).
#include <algorithm>

#include "scheduler/placement_internal.h"

namespace kontena {

namespace {

std::string formatBytes(std::int64_t bytes) {
    static const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    int u = 0;
    std::int64_t v = bytes;
    while (u < 4 && v >= 1024 && v % 1024 == 0) {
        v /= 1024;
        ++u;
    }
    return std::to_string(v) + " " + units[u];
}

std::string joinList(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& s : items) out += (out.empty() ? "" : ", ") + s;
    return out;
}

// "stack/name" -> (stack, name)
std::pair<std::string, std::string> splitKey(const std::string& key) {
    const auto slash = key.find('/');
    return {key.substr(0, slash), slash == std::string::npos ? std::string() : key.substr(slash + 1)};
}

std::string containerNameFor(const std::string& key, int number) {
    const auto [stack, name] = splitKey(key);
    const std::string base = name + "-" + std::to_string(number);
    return stack == "null" ? base : stack + "." + base;
}

// "db-3" -> ("db", 3); number 0 when the entry has no "-N" suffix.
std::pair<std::string, int> splitInstanceRef(const std::string& ref) {
    const auto dash = ref.rfind('-');
    if (dash == std::string::npos || dash + 1 >= ref.size()) return {ref, 0};
    int n = 0;
    for (std::size_t i = dash + 1; i < ref.size(); ++i) {
        if (ref[i] < '0' || ref[i] > '9') return {ref, 0};
        n = n * 10 + (ref[i] - '0');
        if (n > 1'000'000) return {ref, 0};
    }
    return {ref.substr(0, dash), n};
}

}  // namespace

std::optional<std::string> PlacementPass::Impl::candidateReason(int ord, int number) const {
    const Node& n = nodeAt(ord);
    // hostsService is a map lookup: asked only when a rule reads it (this runs
    // for every node a placement walks).
    if (n.connected) {
        if (policy.applyOnlineGrace && n.connectedAt && policy.now - *n.connectedAt < state.grid.settings.onlineGrace &&
            !index.hostsService(ord, needs.key)) {
            return "node came online less than " + formatDuration(state.grid.settings.onlineGrace) +
                   " ago (online grace)";
        }
        return std::nullopt;
    }
    if (number > 0 && policy.keepOffline.count(n.name) && recordNode(number) == ord) return std::nullopt;
    if (policy.includeOfflineWithinGrace && n.lastSeen && policy.now - *n.lastSeen <= state.grid.settings.offlineGrace(svc.strategy) &&
        index.hostsService(ord, needs.key)) {
        return std::nullopt;
    }
    return std::string("node is offline");
}

std::optional<std::string> PlacementPass::Impl::availabilityReason(int ord) const {
    if (nodeAt(ord).availability == Availability::Drain) return std::string("node is drained");
    return std::nullopt;
}

std::optional<std::string> PlacementPass::Impl::ephemeralReason(int ord, int number) const {
    if (!svc.stateful || !isEphemeral(nodeAt(ord))) return std::nullopt;
    if (recordNode(number) == ord) return std::nullopt;
    return std::string("node is ephemeral and the service is stateful");
}

std::optional<std::string> PlacementPass::Impl::volumePluginReason(int ord) const {
    const Node& n = nodeAt(ord);
    std::vector<std::string> missing;
    for (const auto& d : needs.requiredDrivers) {
        if (std::find(n.volumeDrivers.begin(), n.volumeDrivers.end(), d) == n.volumeDrivers.end()) missing.push_back(d);
    }
    if (missing.empty()) return std::nullopt;
    return "node has no volume driver " + joinList(missing) + " (it has: " + joinList(n.volumeDrivers) + ")";
}

bool PlacementPass::Impl::hasVolumeInstanceFor(int ord, int number) const {
    for (const auto& name : needs.namedVolumes) {
        auto it = state.volumes.find(name);
        if (it == state.volumes.end() || it->second.scope != VolumeScope::Instance) continue;
        const VolumeInstance wanted{nodeAt(ord).name, volumeNameForService(it->second, svc, number)};
        if (!state.volumeInstances.count(wanted)) return false;
    }
    return true;
}

bool PlacementPass::Impl::ruleMatches(const AffinityRule& rule, int ord, int number) const {
    const Node& n = nodeAt(ord);
    bool match = false;
    switch (rule.key) {
    case AffinityKey::Node:
        match = rule.valueMatches(n.name);
        break;
    case AffinityKey::Label:
        match = std::any_of(n.labels.begin(), n.labels.end(), [&](const std::string& l) { return rule.valueMatches(l); });
        break;
    case AffinityKey::Service: {
        auto targets = [&](const std::string& key) {
            if (rule.isRegex()) {
                if (rule.regexHasStackSeparator) return rule.valueMatches(key);
                const auto [stack, name] = splitKey(key);
                return stack == svc.stack && rule.valueMatches(name);
            }
            const std::string target = rule.value.find('/') != std::string::npos ? rule.value : svc.stack + "/" + rule.value;
            return key == target;
        };
        for (const auto& [key, numbers] : index.occupancy(ord)) {
            const bool own = key == needs.key;
            if (own && numbers.size() == 1 && numbers.count(number)) continue;   // only this very instance
            if (targets(key)) { match = true; break; }
        }
        if (!match && !ignorePass && countOn(ord) > 0 && targets(needs.key)) match = true;
        break;
    }
    case AffinityKey::Container: {
        for (const auto& [key, numbers] : index.occupancy(ord)) {
            for (const auto& [k, record] : numbers) {
                if (key == needs.key && k == number) continue;
                if (rule.valueMatches(containerNameFor(key, k))) { match = true; break; }
            }
            if (match) break;
        }
        if (!match && !ignorePass) {
            auto it = placedNumbers().find(ord);
            if (it != placedNumbers().end()) {
                for (int k : it->second) {
                    if (rule.valueMatches(containerNameFor(needs.key, k))) { match = true; break; }
                }
            }
        }
        break;
    }
    }
    return rule.op == AffinityOp::Eq ? match : !match;
}

std::string PlacementPass::Impl::ruleRejection(const AffinityRule& rule, int ord) const {
    const Node& n = nodeAt(ord);
    const bool eq = rule.op == AffinityOp::Eq;
    switch (rule.key) {
    case AffinityKey::Node:
        return eq ? "node name " + n.name + " does not match " + rule.text : "node name " + n.name + " is excluded by " + rule.text;
    case AffinityKey::Label: {
        if (!eq) {
            for (const auto& l : n.labels) {
                if (rule.valueMatches(l)) return "label " + l + " matches " + rule.text;
            }
        }
        if (n.labels.empty()) return "node has no labels, so it does not match " + rule.text;
        if (!rule.isRegex()) {
            const std::string wanted = labelName(rule.value);
            for (const auto& l : n.labels) {
                if (labelName(l) == wanted) return "label " + l + " does not match " + rule.text;
            }
        }
        return "labels [" + joinList(n.labels) + "] do not match " + rule.text;
    }
    case AffinityKey::Service:
        return eq ? "node runs no instance of the service named by " + rule.text
                  : "node runs an instance of the service excluded by " + rule.text;
    case AffinityKey::Container:
        return eq ? "node runs no container matching " + rule.text : "node runs a container excluded by " + rule.text;
    }
    return rule.text;
}

std::optional<std::string> PlacementPass::Impl::portReason(int ord, int number) const {
    if (needs.nodePorts.empty()) return std::nullopt;
    auto conflicts = [&](const ServiceSpec& other) -> std::optional<int> {
        for (const auto& p : other.ports) {
            if (std::find(needs.nodePorts.begin(), needs.nodePorts.end(), p.nodePort) != needs.nodePorts.end()) return p.nodePort;
        }
        return std::nullopt;
    };
    for (const auto& [key, numbers] : index.occupancy(ord)) {
        const bool own = key == needs.key;
        const ServiceSpec* spec = own ? &svc : nullptr;
        if (!own) {
            const Service* s = state.service(key);
            if (!s) continue;
            spec = &s->spec;
        }
        for (const auto& [k, record] : numbers) {
            if (own && k == number) continue;
            if (auto port = conflicts(*spec)) {
                return "port " + std::to_string(*port) + " is already published on this node by " + instanceName(key, k);
            }
        }
    }
    auto it = placedNumbers().find(ord);
    if (!ignorePass && it != placedNumbers().end() && !it->second.empty()) {
        return "port " + std::to_string(needs.nodePorts.front()) + " is taken by " + instanceName(needs.key, it->second.front()) +
               ", placed on this node in the same deploy";
    }
    return std::nullopt;
}

std::optional<std::string> PlacementPass::Impl::cpuReason(int ord) const {
    if (!svc.cpus) return std::nullopt;
    const Node& n = nodeAt(ord);
    if (static_cast<double>(n.cpus) >= *svc.cpus) return std::nullopt;
    std::string want = std::to_string(*svc.cpus);
    want.erase(want.find_last_not_of('0') + 1);
    if (!want.empty() && want.back() == '.') want.pop_back();
    return "node has " + std::to_string(n.cpus) + " CPUs, the service needs " + want;
}

std::optional<std::string> PlacementPass::Impl::memoryReason(int ord, int number) const {
    const std::int64_t required = needs.requiredMemory;
    if (required <= 0) return std::nullopt;
    if (recordNode(number) == ord) return std::nullopt;
    const Node& n = nodeAt(ord);
    if (n.memory < required) {
        return "node has " + formatBytes(n.memory) + " of memory, the service needs " + formatBytes(required);
    }
    if (!n.stats) return std::nullopt;
    const std::int64_t free = n.stats->free + n.stats->cached + n.stats->buffers;
    if (free < required) {
        return "node has " + formatBytes(free) + " of free memory, the service needs " + formatBytes(required);
    }
    return std::nullopt;
}

std::optional<std::string> PlacementPass::Impl::dependencyReason(int ord, int number) const {
    auto hosts = [&](const std::string& ref) {
        const auto [name, k] = splitInstanceRef(ref);
        const auto& occ = index.occupancy(ord);
        auto it = occ.find(serviceKey(svc.stack, name));
        return k > 0 && it != occ.end() && it->second.count(k);
    };
    for (const auto& entry : svc.volumesFrom) {
        const std::string ref = substituteInstanceNumber(entry, number);
        if (!hosts(ref)) return "node does not run " + ref + " (volumes_from)";
    }
    if (svc.net.rfind("container:", 0) == 0) {
        const std::string ref = substituteInstanceNumber(svc.net.substr(10), number);
        if (!hosts(ref)) return "node does not run " + ref + " (net)";
    }
    return std::nullopt;
}

}  // namespace kontena
