#include "scheduler/model.h"

#include <algorithm>
#include <cmath>

namespace kontena {

std::string formatDuration(Duration d) {
    if (d.ms == 0) return "0s";
    std::string out;
    std::int64_t ms = d.ms;
    if (ms < 0) {
        out = "-";
        ms = -ms;
    }
    const std::int64_t h = ms / 3'600'000;
    const std::int64_t m = ms / 60'000 % 60;
    const std::int64_t s = ms / 1000 % 60;
    const std::int64_t rest = ms % 1000;
    if (h) out += std::to_string(h) + "h";
    if (m) out += std::to_string(m) + "m";
    if (s) out += std::to_string(s) + "s";
    if (rest) out += std::to_string(rest) + "ms";
    return out;
}

NodeStatus Node::status() const {
    if (!everConnected && !connected) return NodeStatus::Created;
    if (!connected) return NodeStatus::Offline;
    if (!updated) return NodeStatus::Connecting;
    return availability == Availability::Drain ? NodeStatus::Drain : NodeStatus::Online;
}

std::string labelName(const std::string& label) {
    return label.substr(0, label.find('='));
}

std::optional<std::string> labelValue(const std::vector<std::string>& labels, const std::string& name) {
    for (const auto& l : labels) {
        const auto eq = l.find('=');
        if (eq != std::string::npos && l.compare(0, eq, name) == 0 && eq == name.size()) {
            return l.substr(eq + 1);
        }
    }
    return std::nullopt;
}

bool isEphemeral(const Node& node) {
    for (const auto& l : node.labels) {
        if (labelName(l) == "ephemeral") return true;
    }
    return false;
}

std::string zoneOf(const Node& node) {
    return labelValue(node.labels, "az").value_or("default");
}

std::string serviceKey(const std::string& stack, const std::string& name) {
    return stack + "/" + name;
}

std::string containerName(const ServiceSpec& svc, int instanceNumber) {
    const std::string base = svc.name + "-" + std::to_string(instanceNumber);
    return svc.stack == "null" ? base : svc.stack + "." + base;
}

std::string instanceName(const std::string& key, int instanceNumber) {
    return key + "-" + std::to_string(instanceNumber);
}

std::string volumeNameForService(const Volume& v, const ServiceSpec& svc, int instanceNumber) {
    switch (v.scope) {
    case VolumeScope::Instance:
        return (svc.stack == "null" ? "" : svc.stack + ".") + svc.name + "." + v.name + "-" +
               std::to_string(instanceNumber);
    case VolumeScope::Stack:
        return svc.stack + "." + v.name;
    case VolumeScope::Grid:
        break;
    }
    return v.name;
}

const Node* ClusterState::node(const std::string& name) const {
    auto it = nodes.find(name);
    return it == nodes.end() ? nullptr : &it->second;
}

const Service* ClusterState::service(const std::string& key) const {
    auto it = services.find(key);
    return it == services.end() ? nullptr : &it->second;
}

const Instance* ClusterState::instance(const std::string& svc, int number) const {
    auto it = instances.find(InstanceKey{svc, number});
    return it == instances.end() ? nullptr : &it->second;
}

namespace {

Duration scaled(Duration d, double factor) {
    if (d.ms == 0) return d;
    const auto ms = static_cast<std::int64_t>(std::llround(static_cast<double>(d.ms) * factor));
    return Duration::millis(std::max<std::int64_t>(ms, 1));
}

}  // namespace

Duration GridSettings::reconnectDelay(int attempt) const {
    const int shift = std::clamp(attempt, 0, 30);
    const std::int64_t unitMs = std::max<std::int64_t>(reconnectBackoffUnit.ms, 1);
    if (unitMs > (reconnectBackoffMax.ms >> shift)) return reconnectBackoffMax;
    return Duration::millis(unitMs << shift);
}

GridSettings scaledTimings(const GridSettings& s, double factor) {
    GridSettings out = s;
    for (Duration GridSettings::*d :
         {&GridSettings::pingInterval, &GridSettings::pingTimeout, &GridSettings::onlineGrace, &GridSettings::offlineGraceDaemon,
          &GridSettings::offlineGraceHa, &GridSettings::offlineGraceRandom, &GridSettings::staleSweepInterval,
          &GridSettings::staleThreshold, &GridSettings::schedulerInterval, &GridSettings::agentPollInterval,
          &GridSettings::nodeInfoInterval, &GridSettings::reconnectBackoffUnit, &GridSettings::reconnectBackoffMax,
          &GridSettings::containerStart,
          &GridSettings::deployTimeout, &GridSettings::stackDeployBlocksRescheduling, &GridSettings::instanceDeployWait,
          &GridSettings::stackServiceWait, &GridSettings::crashBackoffUnit, &GridSettings::crashBackoffCap, &GridSettings::crashResetAfter,
          &GridSettings::ephemeralNodeCleanup, &GridSettings::massOfflineEvictionInterval}) {
        out.*d = scaled(s.*d, factor);
    }
    return out;
}

std::string toString(Strategy s) {
    switch (s) {
    case Strategy::Daemon: return "daemon";
    case Strategy::Random: return "random";
    case Strategy::Ha: break;
    }
    return "ha";
}

std::optional<Strategy> parseStrategy(const std::string& s) {
    if (s == "ha") return Strategy::Ha;
    if (s == "daemon") return Strategy::Daemon;
    if (s == "random") return Strategy::Random;
    return std::nullopt;
}

std::string toString(NodeStatus s) {
    switch (s) {
    case NodeStatus::Created: return "created";
    case NodeStatus::Connecting: return "connecting";
    case NodeStatus::Online: return "online";
    case NodeStatus::Drain: return "drain";
    case NodeStatus::Offline: break;
    }
    return "offline";
}

std::string toString(Availability a) {
    return a == Availability::Drain ? "drain" : "active";
}

std::string toString(VolumeScope s) {
    switch (s) {
    case VolumeScope::Stack: return "stack";
    case VolumeScope::Grid: return "grid";
    case VolumeScope::Instance: break;
    }
    return "instance";
}

}  // namespace kontena
