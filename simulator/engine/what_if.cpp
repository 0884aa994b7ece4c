// A rehearsal scenario from a live grid's API objects (what_if.h).
#include "simulator/engine/what_if.h"

#include <algorithm>
#include <map>
#include <set>

#include <yaml-cpp/yaml.h>

#include "api/state.h"

namespace kontena::sim {

namespace {

struct LiveNode {
    std::string name;
    int number = 0;
    std::vector<std::string> labels;
    bool offline = false;
    bool drained = false;
    int cpus = 0;
    std::int64_t memory = 0;
};

// Is `m[key]` a map? (Looking up a missing key gives an invalid node: test it first.)
bool mapAt(const YAML::Node& m, const std::string& key) {
    if (!m.IsMap()) return false;
    const YAML::Node v = m[key];
    return v && v.IsMap();
}

struct LiveStack {
    std::string name;
    std::string parent;
    std::string source;
    std::vector<api::state::Service> services;   // as the master runs them now
    std::vector<std::pair<std::string, std::string>> placement;   // ("STACK/SERVICE-N", node), by service then number
    // The parsed file, with the live instance counts (a `kontena service
    // scale` changes the count, not the installed file). YAML::Node is a
    // reference whose operator= writes through, so it is parsed again
    // (file()) instead of being copied around.
    YAML::Node file() const {
        YAML::Node f = YAML::Load(source);
        // Child stacks are their own entries here; the parent's `depends`
        // would point at files that only exist on the installer's machine.
        f.remove("depends");
        const YAML::Node services = f["services"];   // const: a lookup must not add keys
        for (const auto& live : this->services) {
            if (!live.instances || !mapAt(services, live.name)) continue;
            YAML::Node svc = services[live.name];
            const YAML::Node& count = svc;
            const std::string written = count["instances"] ? count["instances"].as<std::string>("") : "1";   // 1 when left out
            if (written != std::to_string(*live.instances)) svc["instances"] = *live.instances;
        }
        return f;
    }
    bool stopped(const std::string& service) const {
        for (const auto& s : services) {
            if (s.name == service) return s.state == "stopped";
        }
        return false;
    }
};

std::string durationText(Duration d) { return d.ms == 0 ? "0s" : formatDuration(d); }

// Seconds in the API to a scenario duration.
std::string secondsText(double s) { return durationText(Duration::millis(static_cast<std::int64_t>(s * 1000.0 + 0.5))); }

std::vector<LiveNode> liveNodes(const std::vector<api::state::Node>& nodes) {
    std::vector<LiveNode> out;
    for (const auto& n : nodes) {
        LiveNode node;
        node.name = n.name;
        node.number = n.nodeNumber;
        node.labels = n.labels;
        node.offline = n.status == "offline" || n.status == "created";
        node.drained = n.availability == "drain" || n.status == "drain";
        node.cpus = n.cpus;
        node.memory = n.memTotal;
        out.push_back(std::move(node));
    }
    // Connect order decides node numbers: live numbers first, in order.
    std::stable_sort(out.begin(), out.end(), [](const LiveNode& a, const LiveNode& b) {
        const int x = a.number > 0 ? a.number : 1 << 20, y = b.number > 0 ? b.number : 1 << 20;
        return x < y;
    });
    return out;
}

Result<std::vector<LiveStack>> liveStacks(const std::vector<api::state::Stack>& stacks) {
    std::vector<LiveStack> out;
    for (std::size_t i = 0; i < stacks.size(); ++i) {
        const auto& s = stacks[i];
        const std::string where = "stacks[" + std::to_string(i) + "] (" + s.name + ")";
        if (s.source.empty()) return Error{where + ": \"source\" is missing: the master must return the installed stack file"};
        try {
            if (!YAML::Load(s.source).IsMap()) return Error{where + ": the source is not a stack file"};
        } catch (const YAML::Exception& e) {
            return Error{where + ": the source is not YAML: " + e.what()};
        }
        out.push_back(LiveStack{s.name, s.parent, s.source, s.services, {}});
    }
    // Children before parents (a parent's services may link to them).
    std::stable_sort(out.begin(), out.end(), [](const LiveStack& a, const LiveStack& b) {
        return !a.parent.empty() && b.parent.empty();
    });
    return out;
}

// Each stack's instances where they run now: only nodes of the grid and
// services of the stack's file (anything else could not be placed).
void placeInstances(std::vector<LiveStack>& stacks, const std::vector<api::state::PlacedInstance>& instances,
                    const std::vector<LiveNode>& nodes) {
    std::set<std::string> known;
    for (const auto& n : nodes) known.insert(n.name);
    for (auto& s : stacks) {
        const YAML::Node services = s.file()["services"];
        std::vector<std::pair<std::string, int>> keys;   // (service, number) to sort by
        std::map<std::pair<std::string, int>, std::string> on;
        for (const auto& i : instances) {
            if (i.stack != s.name || !known.count(i.node) || !mapAt(services, i.service)) continue;
            if (on.emplace(std::pair(i.service, i.number), i.node).second) keys.emplace_back(i.service, i.number);
        }
        std::sort(keys.begin(), keys.end());
        for (const auto& k : keys) s.placement.emplace_back(s.name + "/" + k.first + "-" + std::to_string(k.second), on.at(k));
    }
}

// (service key, instances) for every non-daemon service of a stack that is not stopped.
std::vector<std::pair<std::string, int>> expectedInstances(const LiveStack& s) {
    std::vector<std::pair<std::string, int>> out;
    const YAML::Node file = s.file();
    const YAML::Node services = file["services"];
    if (!services || !services.IsMap()) return out;
    for (const auto& entry : services) {
        const YAML::Node svc = entry.second;
        if (!svc.IsMap()) continue;
        std::string strategy;
        if (svc["deploy"] && svc["deploy"].IsMap() && svc["deploy"]["strategy"]) strategy = svc["deploy"]["strategy"].as<std::string>("");
        if (strategy == "daemon" || s.stopped(entry.first.as<std::string>())) continue;
        int instances = 1;
        if (svc["instances"] && svc["instances"].IsScalar()) instances = svc["instances"].as<int>(1);
        out.emplace_back(s.name + "/" + entry.first.as<std::string>(), instances);
    }
    return out;
}

void emitAt(YAML::Emitter& y, Duration at, const char* action, const std::string& subject) {
    y << YAML::Flow << YAML::BeginMap << YAML::Key << "at" << YAML::Value << durationText(at) << YAML::Key << action
      << YAML::Value << subject << YAML::EndMap;
}

// When each phase of the rehearsal happens.
struct Timing {
    Duration deployAt, failAt, backAt, until;
    explicit Timing(const WhatIf& w)
        : deployAt(Duration::seconds(10)), failAt(deployAt + w.settle), backAt(failAt + w.outage.value_or(Duration::millis(0))),
          until((w.outage ? backAt : failAt) + w.observe) {}
};

void emitHeader(YAML::Emitter& y, const std::string& gridName, const WhatIf& w, const Timing& t) {
    y << YAML::Key << "scenario" << YAML::Value << "what-if-" + gridName;
    std::string description = "rehearsal on the live grid " + gridName + ":";
    for (const auto& n : w.offline) description += " " + n + " offline;";
    for (const auto& n : w.unresponsive) description += " " + n + " unresponsive;";
    for (const auto& n : w.drain) description += " " + n + " drained;";
    if (w.outage) description += " back after " + durationText(*w.outage);
    y << YAML::Key << "description" << YAML::Value << description;
    y << YAML::Key << "until" << YAML::Value << durationText(t.until);
}

void emitGrid(YAML::Emitter& y, const std::string& gridName, const api::state::Grid& grid) {
    y << YAML::Key << "grid" << YAML::Value << YAML::BeginMap;
    y << YAML::Key << "name" << YAML::Value << gridName;
    if (grid.initialSize) y << YAML::Key << "initial_size" << YAML::Value << *grid.initialSize;
    if (grid.maxNodes && *grid.maxNodes != 254) y << YAML::Key << "max_nodes" << YAML::Value << *grid.maxNodes;
    if (!grid.defaultAffinity.empty()) {
        y << YAML::Key << "default_affinity" << YAML::Value << YAML::Flow << YAML::BeginSeq;
        for (const auto& a : grid.defaultAffinity) y << a;
        y << YAML::EndSeq;
    }
    y << YAML::EndMap;
}

void emitSettings(YAML::Emitter& y, const api::state::Grid& grid) {
    if (!grid.hasSettings) return;
    const api::state::Settings& s = grid.settings;
    y << YAML::Key << "settings" << YAML::Value << YAML::BeginMap;
    if (s.keepaliveInterval) y << YAML::Key << "ping_interval" << YAML::Value << secondsText(*s.keepaliveInterval);
    if (s.keepaliveTimeout) y << YAML::Key << "ping_timeout" << YAML::Value << secondsText(*s.keepaliveTimeout);
    if (s.onlineGrace) y << YAML::Key << "online_grace" << YAML::Value << secondsText(*s.onlineGrace);
    if (s.hasOfflineGrace) {
        y << YAML::Key << "offline_grace" << YAML::Value << YAML::BeginMap;
        const std::pair<const char*, std::optional<double>> graces[] = {
            {"daemon", s.offlineGrace.daemon}, {"ha", s.offlineGrace.ha}, {"random", s.offlineGrace.random}};
        for (const auto& [name, v] : graces) {
            if (v) y << YAML::Key << name << YAML::Value << secondsText(*v);
        }
        y << YAML::EndMap;
    }
    y << YAML::EndMap;
}

void emitNodesAndStacks(YAML::Emitter& y, const std::vector<LiveNode>& nodes, const std::vector<LiveStack>& stacks) {
    y << YAML::Key << "nodes" << YAML::Value << YAML::BeginSeq;
    for (const auto& n : nodes) {
        y << YAML::BeginMap << YAML::Key << "name" << YAML::Value << n.name;
        if (!n.labels.empty()) {
            y << YAML::Key << "labels" << YAML::Value << YAML::Flow << YAML::BeginSeq;
            for (const auto& l : n.labels) y << l;
            y << YAML::EndSeq;
        }
        if (n.cpus > 0) y << YAML::Key << "cpus" << YAML::Value << n.cpus;
        if (n.memory > 0) y << YAML::Key << "memory" << YAML::Value << std::to_string(n.memory) + "B";
        y << YAML::EndMap;
    }
    y << YAML::EndSeq;
    if (stacks.empty()) return;
    y << YAML::Key << "stacks" << YAML::Value << YAML::BeginMap;
    for (const auto& s : stacks) {
        y << YAML::Key << s.name << YAML::Value << YAML::BeginMap << YAML::Key << "inline" << YAML::Value << s.file();
        if (!s.placement.empty()) {
            y << YAML::Key << "placement" << YAML::Value << YAML::BeginMap;
            for (const auto& [instance, node] : s.placement) y << YAML::Key << instance << YAML::Value << node;
            y << YAML::EndMap;
        }
        y << YAML::EndMap;
    }
    y << YAML::EndMap;
}

void emitEvents(YAML::Emitter& y, const std::vector<LiveNode>& nodes, const std::vector<LiveStack>& stacks, const WhatIf& w,
                const Timing& t) {
    y << YAML::Key << "events" << YAML::Value << YAML::BeginSeq;
    for (const auto& n : nodes) {
        if (n.drained) emitAt(y, Duration::seconds(1), "node_drain", n.name);
        if (n.offline) emitAt(y, Duration::seconds(1), "node_disconnect", n.name);
    }
    for (const auto& s : stacks) emitAt(y, t.deployAt, "deploy", s.name);
    for (const auto& s : stacks) {
        for (const auto& svc : s.services) {
            if (s.stopped(svc.name)) emitAt(y, t.deployAt, "stop", s.name + "/" + svc.name);
        }
    }
    for (const auto& n : w.drain) emitAt(y, t.failAt, "node_drain", n);
    for (const auto& n : w.offline) emitAt(y, t.failAt, "node_disconnect", n);
    for (const auto& n : w.unresponsive) emitAt(y, t.failAt, "node_unresponsive", n);
    if (w.outage) {
        for (const auto& n : w.offline) emitAt(y, t.backAt, "node_connect", n);
        for (const auto& n : w.unresponsive) emitAt(y, t.backAt, "node_responsive", n);
    }
    y << YAML::EndSeq;
}

void emitExpectations(YAML::Emitter& y, const std::vector<LiveStack>& stacks, const Timing& t) {
    std::vector<std::pair<std::string, int>> expected;
    for (const auto& s : stacks) {
        for (auto& e : expectedInstances(s)) expected.push_back(std::move(e));
    }
    if (expected.empty()) return;
    y << YAML::Key << "expect" << YAML::Value << YAML::BeginSeq;
    for (const auto& [service, count] : expected) {
        y << YAML::Flow << YAML::BeginMap << YAML::Key << "at" << YAML::Value << durationText(t.until) << YAML::Key << "service"
          << YAML::Value << service << YAML::Key << "running" << YAML::Value << count << YAML::EndMap;
    }
    y << YAML::EndSeq;
}

}  // namespace

Result<std::string> whatIfScenario(const std::string& gridJson, const WhatIf& w) {
    auto state = api::state::parseGridState(gridJson);
    if (!state) return state.error();
    const std::vector<LiveNode> nodes = liveNodes(state.value().nodes);
    if (nodes.empty()) return Error{"the grid has no nodes: nothing to rehearse"};
    auto stacks = liveStacks(state.value().stacks);
    if (!stacks) return stacks.error();
    placeInstances(stacks.value(), state.value().instances, nodes);
    std::set<std::string> known;
    for (const auto& n : nodes) known.insert(n.name);
    for (const auto* list : {&w.offline, &w.unresponsive, &w.drain}) {
        for (const auto& name : *list) {
            if (!known.count(name)) return Error{"node " + name + " is not a node of this grid"};
        }
    }
    const api::state::Grid& grid = state.value().grid;
    const std::string gridName = grid.name.empty() ? "live" : grid.name;
    const Timing t(w);
    YAML::Emitter y;
    y << YAML::BeginMap;
    emitHeader(y, gridName, w, t);
    emitGrid(y, gridName, grid);
    emitSettings(y, grid);
    emitNodesAndStacks(y, nodes, stacks.value());
    emitEvents(y, nodes, stacks.value(), w, t);
    emitExpectations(y, stacks.value(), t);
    y << YAML::EndMap;
    if (!y.good()) return Error{"could not write the scenario: " + std::string(y.GetLastError())};
    return std::string("# Generated by kontena-sim what-if from a live grid's state.\n") + y.c_str() + "\n";
}

}  // namespace kontena::sim
