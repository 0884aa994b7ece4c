// The placement filters (reference §4.5, §4.6): each one's per-node check
// with the reason a user reads when a node is rejected, and the table that
// names them in order (placement_filters.h).
#include <algorithm>
#include <array>

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

std::string portList(const std::vector<int>& ports) {
    std::string out = "[";
    for (std::size_t i = 0; i < ports.size(); ++i) out += (i ? ", " : "") + std::to_string(ports[i]);
    return out + "]";
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

// ------------------------------------------------------ affinity rules ----

Result<std::vector<AffinityRule>> PlacementPass::Impl::numberedRules(int number) const {
    return parseAffinityRules(svc.affinity.empty() ? state.grid.defaultAffinity : svc.affinity, number);
}

std::optional<std::string> PlacementPass::Impl::brokenRule(const std::vector<AffinityRule>& rules, const std::vector<bool>& active,
                                                           int ord, int number) const {
    for (std::size_t i = 0; i < rules.size(); ++i) {
        if (active[i] && !ruleMatches(rules[i], ord, number)) return ruleRejection(rules[i], ord);
    }
    return std::nullopt;
}

void PlacementPass::Impl::ensureActiveRules() {
    if (activeRule.size() != needs.rules.size()) computeActiveRules();
}

// A soft rule applies when some node that passes the filters judging soft
// rules (with no instance and no placement of this pass yet) matches it and
// the rules before it.
void PlacementPass::Impl::computeActiveRules() {
    activeRule.assign(needs.rules.size(), true);
    if (!needs.softRules) return;
    ignorePass = true;
    std::vector<int> work;
    for (int ord = 0; ord < index.nodeCount(); ++ord) {
        const bool judged = std::all_of(filters.begin(), filters.end(), [&](const Filter* f) {
            return !f->judgesSoftRules || !f->verdict(*this, ord, 0);
        });
        if (judged) work.push_back(ord);
    }
    for (std::size_t i = 0; i < needs.rules.size(); ++i) {
        std::vector<int> keep;
        for (int ord : work) if (ruleMatches(needs.rules[i], ord, 0)) keep.push_back(ord);
        if (keep.empty() && needs.rules[i].soft) {
            activeRule[i] = false;
            continue;
        }
        work.swap(keep);
    }
    ignorePass = false;
}

// ------------------------------------------------------------- the table ----

namespace {

using Impl = PlacementPass::Impl;

constexpr unsigned kAffinityReads = kNodeLabels | kOwnRecords | kOtherServices | kPassPlacements | kEveryNode;

bool always(const ServiceNeeds&) { return true; }

// The affinity verdict misfit() and the fast path use: the pass's rules with
// soft ones judged once for the pass (activeRule), or, with %i, the hard
// rules of this instance.
std::optional<std::string> affinityVerdict(const Impl& p, int ord, int number) {
    if (p.needs.ruleError) return p.needs.ruleError->message;
    if (!p.needs.placeholders) return p.brokenRule(p.needs.rules, p.activeRule, ord, number);
    auto parsed = p.numberedRules(number);
    if (!parsed) return parsed.error().message;
    std::vector<bool> hard;
    for (const auto& r : parsed.value()) hard.push_back(!r.soft);   // soft rules never make an instance misplaced
    return p.brokenRule(parsed.value(), hard, ord, number);
}

bool affinityFits(const Impl& p, int ord, int number) {
    if (p.needs.ruleError || p.needs.placeholders) return !affinityVerdict(p, ord, number);
    for (std::size_t i = 0; i < p.needs.rules.size(); ++i) {
        if (p.activeRule[i] && !p.ruleMatches(p.needs.rules[i], ord, number)) return false;
    }
    return true;
}

// The reference pass: rules in order over the surviving nodes; a soft rule
// that no survivor matches is skipped.
std::optional<std::string> affinityNarrow(const Impl& p, std::vector<int>& work, int number, PlacementFailure& fail) {
    if (p.needs.ruleError) return p.needs.ruleError->message;
    std::vector<AffinityRule> rules = p.needs.rules;
    if (p.needs.placeholders) {
        auto parsed = p.numberedRules(number);
        if (!parsed) return parsed.error().message;
        rules = std::move(parsed).value();
    }
    for (const auto& rule : rules) {
        std::vector<int> keep;
        for (int ord : work) if (p.ruleMatches(rule, ord, number)) keep.push_back(ord);
        if (keep.empty() && rule.soft) continue;
        for (int ord : work) {
            if (!p.ruleMatches(rule, ord, number)) fail.rejections.push_back({p.nodeAt(ord).name, "affinity", p.ruleRejection(rule, ord)});
        }
        if (keep.empty()) return "Did not find any nodes for affinity filter: " + rule.text;
        work.swap(keep);
    }
    return std::nullopt;
}

unsigned affinityReads(const ServiceNeeds& n) {
    if (n.placeholders || n.ruleError) return kAffinityReads;
    unsigned reads = 0;
    for (const auto& r : n.rules) {
        reads |= r.key == AffinityKey::Node || r.key == AffinityKey::Label ? kNodeLabels : kOwnRecords | kOtherServices | kPassPlacements;
        if (r.soft) reads |= kEveryNode;
    }
    return reads;
}

// VolumeInstance is a preference: narrow to nodes holding the instance's volumes, if any do.
std::optional<std::string> volumeInstanceNarrow(const Impl& p, std::vector<int>& work, int number, PlacementFailure& fail) {
    std::vector<int> holding;
    for (int ord : work) if (p.hasVolumeInstanceFor(ord, number)) holding.push_back(ord);
    if (holding.empty() || holding.size() == work.size()) return std::nullopt;
    for (int ord : work) {
        if (!p.hasVolumeInstanceFor(ord, number))
            fail.rejections.push_back({p.nodeAt(ord).name, "volume-instance", "node does not hold the instance's volumes (another node does)"});
    }
    work.swap(holding);
    return std::nullopt;
}

std::string dependencyMissing(const Impl& p, int number) {
    if (!p.svc.volumesFrom.empty()) {
        std::string list;
        for (const auto& v : p.svc.volumesFrom) list += (list.empty() ? "" : ", ") + substituteInstanceNumber(v, number);
        return "Did not find any nodes for service dependency volumes_from: [" + list + "]";
    }
    return "Did not find any nodes for service dependency net: " + p.svc.net.substr(10);
}

// Adding a filter: one row here, in the place Kontena runs it (see
// scheduler/README.md). Rows leave out what they do not need: no
// `readsFor` (reads the same for every service), no `fits` (the verdict is
// cheap), no `narrow` (the reference pass drops the nodes the verdict
// rejects).
const std::array<Filter, 10> kFilters{{
    {.about = {"candidate", kNodeConnection | kOwnRecords},
     .applies = always,
     .verdict = [](const Impl& p, int o, int n) { return p.candidateReason(o, n); },
     .noNodeLeft = [](const Impl&, int) { return std::string("There are no nodes available"); },
     .fastPath = always,
     .judgesSoftRules = true},
    {.about = {"availability", kNodeAvailability},
     .applies = always,
     .verdict = [](const Impl& p, int o, int) { return p.availabilityReason(o); },
     .noNodeLeft = [](const Impl&, int) { return std::string("Did not find any nodes with availability active (every candidate node is drained)"); },
     .fastPath = always,
     .judgesSoftRules = true},
    {.about = {"ephemeral", kNodeLabels | kOwnRecords},
     .applies = [](const ServiceNeeds& n) { return n.stateful; },
     .verdict = [](const Impl& p, int o, int n) { return p.ephemeralReason(o, n); },
     .noNodeLeft = [](const Impl&, int) { return std::string("Did not find any non-ephemeral nodes for stateful service"); },
     .fastPath = [](const ServiceNeeds&) { return false; }},
    {.about = {"volume-plugin", kNodeVolumeDrivers},
     .applies = [](const ServiceNeeds& n) { return !n.requiredDrivers.empty(); },
     .verdict = [](const Impl& p, int o, int) { return p.volumePluginReason(o); },
     .noNodeLeft = [](const Impl& p, int) { return "Did not find any nodes with required volume drivers: [" + joinList(p.needs.requiredDrivers) + "]"; },
     .fastPath = always,
     .judgesSoftRules = true},
    {.about = {"volume-instance", kVolumeInstances},
     .applies = [](const ServiceNeeds& n) { return !n.namedVolumes.empty(); },
     .verdict = [](const Impl&, int, int) { return std::optional<std::string>(); },   // a preference rejects no node alone
     .noNodeLeft = [](const Impl&, int) { return std::string(); },                    // and always leaves some
     .fastPath = [](const ServiceNeeds&) { return false; },
     .narrow = volumeInstanceNarrow,
     .hard = false},
    {.about = {"affinity", kAffinityReads},
     .applies = [](const ServiceNeeds& n) { return !n.rules.empty() || n.placeholders || n.ruleError.has_value(); },
     .readsFor = affinityReads,
     .verdict = affinityVerdict,
     .fits = affinityFits,
     .noNodeLeft = [](const Impl&, int) { return std::string(); },   // affinityNarrow names the rule
     .fastPath = [](const ServiceNeeds& n) {
         return !n.placeholders && !n.ruleError && !n.containerRules && !n.selfAttract && !(n.selfAnti && n.softRules);
     },
     .narrow = affinityNarrow},
    {.about = {"port", kOtherServices | kOwnRecords | kPassPlacements},
     .applies = [](const ServiceNeeds& n) { return !n.nodePorts.empty(); },
     .verdict = [](const Impl& p, int o, int n) { return p.portReason(o, n); },
     .noNodeLeft = [](const Impl& p, int) { return "Did not find any nodes with unused ports: " + portList(p.needs.nodePorts); },
     .fastPath = always},
    {.about = {"cpu", kNodeResources},
     .applies = [](const ServiceNeeds& n) { return n.cpuLimit; },
     .verdict = [](const Impl& p, int o, int) { return p.cpuReason(o); },
     .noNodeLeft = [](const Impl& p, int) { return "Did not find any nodes with " + std::to_string(*p.svc.cpus) + " CPUs available"; },
     .fastPath = always},
    {.about = {"memory", kNodeResources | kOwnRecords},
     .applies = [](const ServiceNeeds& n) { return n.requiredMemory > 0; },
     .verdict = [](const Impl& p, int o, int n) { return p.memoryReason(o, n); },
     .noNodeLeft = [](const Impl& p, int) { return "Did not find any nodes with sufficient free memory: " + std::to_string(p.needs.requiredMemory); },
     .fastPath = always},
    {.about = {"dependency", kOtherServices},
     .applies = [](const ServiceNeeds& n) { return n.dependencies; },
     .verdict = [](const Impl& p, int o, int n) { return p.dependencyReason(o, n); },
     .noNodeLeft = dependencyMissing,
     .fastPath = [](const ServiceNeeds&) { return false; }},
}};

const std::array<FilterDescription, kFilters.size()> kDescriptions = [] {
    std::array<FilterDescription, kFilters.size()> out{};
    for (std::size_t i = 0; i < kFilters.size(); ++i) out[i] = kFilters[i].about;
    return out;
}();

}  // namespace

std::span<const Filter> filterTable() { return kFilters; }

std::span<const FilterDescription> placementFilters() { return kDescriptions; }

unsigned placementReads(const ClusterState& state, const ServiceSpec& service) {
    const ServiceNeeds needs = analyseService(state, service);
    unsigned reads = 0;
    for (const Filter& f : kFilters) {
        if (f.applies(needs)) reads |= f.readsFor ? f.readsFor(needs) : f.about.reads;
    }
    return reads;
}

}  // namespace kontena
