// The plain C++ grid state reader (state.h).
#include "api/state.h"

#include <nlohmann/json.hpp>

namespace kontena::api::state {

namespace {

using Json = nlohmann::json;

std::string stringField(const Json& obj, const char* key) {
    auto it = obj.find(key);
    return it != obj.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::optional<int> intField(const Json& obj, const char* key) {
    auto it = obj.find(key);
    if (it == obj.end() || !it->is_number_integer()) return std::nullopt;
    return it->get<int>();
}

std::optional<double> secondsField(const Json& obj, const char* key) {
    auto it = obj.find(key);
    if (it == obj.end() || !it->is_number()) return std::nullopt;
    const double s = it->get<double>();
    if (s < 0) return std::nullopt;
    return s;
}

std::vector<std::string> stringsField(const Json& obj, const char* key) {
    std::vector<std::string> out;
    auto it = obj.find(key);
    if (it == obj.end() || !it->is_array()) return out;
    for (const auto& v : *it) {
        if (v.is_string()) out.push_back(v.get<std::string>());
    }
    return out;
}

Settings readSettings(const Json& s) {
    Settings out;
    out.keepaliveInterval = secondsField(s, "keepalive_interval");
    out.keepaliveTimeout = secondsField(s, "keepalive_timeout");
    out.onlineGrace = secondsField(s, "online_grace");
    const Json grace = s.value("offline_grace", Json::object());
    out.hasOfflineGrace = grace.is_object() && !grace.empty();
    if (out.hasOfflineGrace) {
        out.offlineGrace.daemon = secondsField(grace, "daemon");
        out.offlineGrace.ha = secondsField(grace, "ha");
        out.offlineGrace.random = secondsField(grace, "random");
    }
    return out;
}

Grid readGrid(const Json& g) {
    Grid out;
    out.name = stringField(g, "name");
    out.initialSize = intField(g, "initial_size");
    out.maxNodes = intField(g, "max_nodes");
    out.defaultAffinity = stringsField(g, "default_affinity");
    const Json settings = g.value("settings", Json::object());
    out.hasSettings = settings.is_object() && !settings.empty();
    if (out.hasSettings) out.settings = readSettings(settings);
    return out;
}

Result<std::vector<Node>> readNodes(const Json& nodes) {
    if (!nodes.is_array()) return Error{"\"nodes\" must be an array of node objects"};
    std::vector<Node> out;
    for (std::size_t i = 0; i < nodes.size(); ++i) {
        const Json& n = nodes[i];
        const std::string where = "nodes[" + std::to_string(i) + "]";
        if (!n.is_object()) return Error{where + " must be an object"};
        Node node;
        node.name = stringField(n, "name");
        if (node.name.empty()) return Error{where + ": \"name\" is missing"};
        node.nodeNumber = intField(n, "node_number").value_or(0);
        node.labels = stringsField(n, "labels");
        node.status = stringField(n, "status");
        node.availability = stringField(n, "availability");
        node.cpus = intField(n, "cpus").value_or(0);
        if (auto it = n.find("mem_total"); it != n.end() && it->is_number_integer()) node.memTotal = it->get<std::int64_t>();
        out.push_back(std::move(node));
    }
    return out;
}

std::vector<Service> readServices(const Json& services) {
    std::vector<Service> out;
    if (!services.is_array()) return out;
    for (const Json& s : services) {
        if (!s.is_object()) continue;
        Service svc;
        svc.name = stringField(s, "name");
        if (svc.name.empty()) continue;
        if (auto n = intField(s, "instances"); n && *n >= 0) svc.instances = n;
        svc.state = stringField(s, "state");
        out.push_back(std::move(svc));
    }
    return out;
}

// "grid/stack/service" split into stack and service; false when it is not three parts.
bool splitServiceId(const std::string& id, PlacedInstance& out) {
    const auto a = id.find('/');
    const auto b = a == std::string::npos ? a : id.find('/', a + 1);
    if (b == std::string::npos || id.find('/', b + 1) != std::string::npos) return false;
    out.stack = id.substr(a + 1, b - a - 1);
    out.service = id.substr(b + 1);
    return !out.stack.empty() && !out.service.empty();
}

std::vector<PlacedInstance> readInstances(const Json& instances) {
    std::vector<PlacedInstance> out;
    if (!instances.is_array()) return out;
    for (const Json& i : instances) {
        if (!i.is_object()) continue;
        PlacedInstance p;
        p.number = intField(i, "instance_number").value_or(0);
        p.node = stringField(i, "node");
        p.desired = stringField(i, "desired");
        if (p.number < 1 || p.node.empty() || !splitServiceId(stringField(i, "service_id"), p)) continue;
        out.push_back(std::move(p));
    }
    return out;
}

Result<std::vector<Stack>> readStacks(const Json& stacks) {
    std::vector<Stack> out;
    if (stacks.is_null()) return out;
    if (!stacks.is_array()) return Error{"\"stacks\" must be an array of stack objects"};
    for (std::size_t i = 0; i < stacks.size(); ++i) {
        const Json& s = stacks[i];
        const std::string where = "stacks[" + std::to_string(i) + "]";
        if (!s.is_object()) return Error{where + " must be an object"};
        Stack stack;
        stack.name = stringField(s, "name");
        if (stack.name.empty()) return Error{where + ": \"name\" is missing"};
        stack.parent = stringField(s, "parent");
        stack.source = stringField(s, "source");
        stack.services = readServices(s.value("services", Json()));
        out.push_back(std::move(stack));
    }
    return out;
}

}  // namespace

Result<GridState> parseGridState(const std::string& json) {
    Json in;
    try {
        in = Json::parse(json);
    } catch (const Json::exception& e) {
        return Error{std::string("the grid state is not JSON: ") + e.what()};
    }
    if (!in.is_object()) return Error{"the grid state must be an object with \"grid\", \"nodes\" and \"stacks\""};
    const Json grid = in.value("grid", Json::object());
    if (!grid.is_object()) return Error{"\"grid\" must be an object"};
    GridState out;
    out.grid = readGrid(grid);
    auto nodes = readNodes(in.value("nodes", Json::array()));
    if (!nodes) return nodes.error();
    out.nodes = std::move(nodes).value();
    auto stacks = readStacks(in.value("stacks", Json()));
    if (!stacks) return stacks.error();
    out.stacks = std::move(stacks).value();
    out.instances = readInstances(in.value("instances", Json()));
    return out;
}

}  // namespace kontena::api::state
