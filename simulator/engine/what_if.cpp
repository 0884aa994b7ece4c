// A rehearsal scenario from a live grid's API objects (what_if.h).
#include "simulator/engine/what_if.h"

#include <algorithm>
#include <map>
#include <set>

#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

namespace kontena::sim {

namespace {

using Json = nlohmann::json;

struct LiveNode {
    std::string name;
    int number = 0;
    std::vector<std::string> labels;
    bool offline = false;
    bool drained = false;
    int cpus = 0;
    std::int64_t memory = 0;
};

struct LiveStack {
    std::string name;
    std::string parent;
    std::string source;
    // The parsed file. YAML::Node is a reference whose operator= writes
    // through, so it is parsed again (file()) instead of being copied around.
    YAML::Node file() const {
        YAML::Node f = YAML::Load(source);
        // Child stacks are their own entries here; the parent's `depends`
        // would point at files that only exist on the installer's machine.
        f.remove("depends");
        return f;
    }
};

std::string durationText(Duration d) { return d.ms == 0 ? "0s" : formatDuration(d); }

// Seconds in the API (numbers) to a scenario duration.
std::optional<std::string> secondsField(const Json& obj, const char* key) {
    auto it = obj.find(key);
    if (it == obj.end() || !it->is_number()) return std::nullopt;
    const double s = it->get<double>();
    if (s < 0) return std::nullopt;
    return durationText(Duration::millis(static_cast<std::int64_t>(s * 1000.0 + 0.5)));
}

std::string stringField(const Json& obj, const char* key) {
    auto it = obj.find(key);
    return it != obj.end() && it->is_string() ? it->get<std::string>() : std::string();
}

Result<std::vector<LiveNode>> readNodes(const Json& nodes) {
    if (!nodes.is_array()) return Error{"\"nodes\" must be an array of node objects"};
    std::vector<LiveNode> out;
    for (std::size_t i = 0; i < nodes.size(); ++i) {
        const Json& n = nodes[i];
        const std::string where = "nodes[" + std::to_string(i) + "]";
        if (!n.is_object()) return Error{where + " must be an object"};
        LiveNode node;
        node.name = stringField(n, "name");
        if (node.name.empty()) return Error{where + ": \"name\" is missing"};
        if (auto it = n.find("node_number"); it != n.end() && it->is_number_integer()) node.number = it->get<int>();
        if (auto it = n.find("labels"); it != n.end() && it->is_array()) {
            for (const auto& l : *it) {
                if (l.is_string()) node.labels.push_back(l.get<std::string>());
            }
        }
        const std::string status = stringField(n, "status");
        node.offline = status == "offline" || status == "created";
        node.drained = stringField(n, "availability") == "drain" || status == "drain";
        if (auto it = n.find("cpus"); it != n.end() && it->is_number_integer()) node.cpus = it->get<int>();
        if (auto it = n.find("mem_total"); it != n.end() && it->is_number_integer()) node.memory = it->get<std::int64_t>();
        out.push_back(std::move(node));
    }
    // Connect order decides node numbers: live numbers first, in order.
    std::stable_sort(out.begin(), out.end(), [](const LiveNode& a, const LiveNode& b) {
        const int x = a.number > 0 ? a.number : 1 << 20, y = b.number > 0 ? b.number : 1 << 20;
        return x < y;
    });
    return out;
}

Result<std::vector<LiveStack>> readStacks(const Json& stacks) {
    std::vector<LiveStack> out;
    if (stacks.is_null()) return out;
    if (!stacks.is_array()) return Error{"\"stacks\" must be an array of stack objects"};
    for (std::size_t i = 0; i < stacks.size(); ++i) {
        const Json& s = stacks[i];
        const std::string where = "stacks[" + std::to_string(i) + "]";
        if (!s.is_object()) return Error{where + " must be an object"};
        LiveStack stack;
        stack.name = stringField(s, "name");
        if (stack.name.empty()) return Error{where + ": \"name\" is missing"};
        stack.parent = stringField(s, "parent");
        const std::string source = stringField(s, "source");
        if (source.empty()) return Error{where + " (" + stack.name + "): \"source\" is missing: the master must return the installed stack file"};
        try {
            if (!YAML::Load(source).IsMap()) return Error{where + " (" + stack.name + "): the source is not a stack file"};
        } catch (const YAML::Exception& e) {
            return Error{where + " (" + stack.name + "): the source is not YAML: " + e.what()};
        }
        stack.source = source;
        out.push_back(std::move(stack));
    }
    // Children before parents (a parent's services may link to them).
    std::stable_sort(out.begin(), out.end(), [](const LiveStack& a, const LiveStack& b) {
        return !a.parent.empty() && b.parent.empty();
    });
    return out;
}

// (service key, instances) for every non-daemon service of a stack.
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
        if (strategy == "daemon") continue;
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

}  // namespace

Result<std::string> whatIfScenario(const std::string& gridJson, const WhatIf& w) {
    Json in;
    try {
        in = Json::parse(gridJson);
    } catch (const Json::exception& e) {
        return Error{std::string("the grid state is not JSON: ") + e.what()};
    }
    if (!in.is_object()) return Error{"the grid state must be an object with \"grid\", \"nodes\" and \"stacks\""};
    const Json grid = in.value("grid", Json::object());
    if (!grid.is_object()) return Error{"\"grid\" must be an object"};
    auto nodes = readNodes(in.value("nodes", Json::array()));
    if (!nodes) return nodes.error();
    if (nodes.value().empty()) return Error{"the grid has no nodes: nothing to rehearse"};
    auto stacks = readStacks(in.value("stacks", Json()));
    if (!stacks) return stacks.error();

    std::set<std::string> known;
    for (const auto& n : nodes.value()) known.insert(n.name);
    for (const auto* list : {&w.offline, &w.unresponsive, &w.drain}) {
        for (const auto& name : *list) {
            if (!known.count(name)) return Error{"node " + name + " is not a node of this grid"};
        }
    }

    const std::string gridName = stringField(grid, "name").empty() ? "live" : stringField(grid, "name");
    const Duration deployAt = Duration::seconds(10);
    const Duration failAt = deployAt + w.settle;
    const Duration backAt = failAt + w.outage.value_or(Duration::millis(0));
    const Duration until = (w.outage ? backAt : failAt) + w.observe;

    YAML::Emitter y;
    y << YAML::BeginMap;
    y << YAML::Key << "scenario" << YAML::Value << "what-if-" + gridName;
    std::string description = "rehearsal on the live grid " + gridName + ":";
    for (const auto& n : w.offline) description += " " + n + " offline;";
    for (const auto& n : w.unresponsive) description += " " + n + " unresponsive;";
    for (const auto& n : w.drain) description += " " + n + " drained;";
    if (w.outage) description += " back after " + durationText(*w.outage);
    y << YAML::Key << "description" << YAML::Value << description;
    y << YAML::Key << "until" << YAML::Value << durationText(until);

    y << YAML::Key << "grid" << YAML::Value << YAML::BeginMap;
    y << YAML::Key << "name" << YAML::Value << gridName;
    if (auto it = grid.find("initial_size"); it != grid.end() && it->is_number_integer()) {
        y << YAML::Key << "initial_size" << YAML::Value << it->get<int>();
    }
    if (auto it = grid.find("max_nodes"); it != grid.end() && it->is_number_integer() && it->get<int>() != 254) {
        y << YAML::Key << "max_nodes" << YAML::Value << it->get<int>();
    }
    if (auto it = grid.find("default_affinity"); it != grid.end() && it->is_array() && !it->empty()) {
        y << YAML::Key << "default_affinity" << YAML::Value << YAML::Flow << YAML::BeginSeq;
        for (const auto& a : *it) {
            if (a.is_string()) y << a.get<std::string>();
        }
        y << YAML::EndSeq;
    }
    y << YAML::EndMap;

    const Json settings = grid.value("settings", Json::object());
    if (settings.is_object() && !settings.empty()) {
        y << YAML::Key << "settings" << YAML::Value << YAML::BeginMap;
        if (auto v = secondsField(settings, "keepalive_interval")) y << YAML::Key << "ping_interval" << YAML::Value << *v;
        if (auto v = secondsField(settings, "keepalive_timeout")) y << YAML::Key << "ping_timeout" << YAML::Value << *v;
        if (auto v = secondsField(settings, "online_grace")) y << YAML::Key << "online_grace" << YAML::Value << *v;
        const Json grace = settings.value("offline_grace", Json::object());
        if (grace.is_object() && !grace.empty()) {
            y << YAML::Key << "offline_grace" << YAML::Value << YAML::BeginMap;
            for (const char* s : {"daemon", "ha", "random"}) {
                if (auto v = secondsField(grace, s)) y << YAML::Key << s << YAML::Value << *v;
            }
            y << YAML::EndMap;
        }
        y << YAML::EndMap;
    }

    y << YAML::Key << "nodes" << YAML::Value << YAML::BeginSeq;
    for (const auto& n : nodes.value()) {
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

    if (!stacks.value().empty()) {
        y << YAML::Key << "stacks" << YAML::Value << YAML::BeginMap;
        for (const auto& s : stacks.value()) {
            y << YAML::Key << s.name << YAML::Value << YAML::BeginMap << YAML::Key << "inline" << YAML::Value << s.file() << YAML::EndMap;
        }
        y << YAML::EndMap;
    }

    y << YAML::Key << "events" << YAML::Value << YAML::BeginSeq;
    for (const auto& n : nodes.value()) {
        if (n.drained) emitAt(y, Duration::seconds(1), "node_drain", n.name);
        if (n.offline) emitAt(y, Duration::seconds(1), "node_disconnect", n.name);
    }
    for (const auto& s : stacks.value()) emitAt(y, deployAt, "deploy", s.name);
    for (const auto& n : w.drain) emitAt(y, failAt, "node_drain", n);
    for (const auto& n : w.offline) emitAt(y, failAt, "node_disconnect", n);
    for (const auto& n : w.unresponsive) emitAt(y, failAt, "node_unresponsive", n);
    if (w.outage) {
        for (const auto& n : w.offline) emitAt(y, backAt, "node_connect", n);
        for (const auto& n : w.unresponsive) emitAt(y, backAt, "node_responsive", n);
    }
    y << YAML::EndSeq;

    std::vector<std::pair<std::string, int>> expected;
    for (const auto& s : stacks.value()) {
        for (auto& e : expectedInstances(s)) expected.push_back(std::move(e));
    }
    if (!expected.empty()) {
        y << YAML::Key << "expect" << YAML::Value << YAML::BeginSeq;
        for (const auto& [service, count] : expected) {
            y << YAML::Flow << YAML::BeginMap << YAML::Key << "at" << YAML::Value << durationText(until) << YAML::Key
              << "service" << YAML::Value << service << YAML::Key << "running" << YAML::Value << count << YAML::EndMap;
        }
        y << YAML::EndSeq;
    }
    y << YAML::EndMap;
    if (!y.good()) return Error{"could not write the scenario: " + std::string(y.GetLastError())};
    return std::string("# Generated by kontena-sim what-if from a live grid's state.\n") + y.c_str() + "\n";
}

}  // namespace kontena::sim
