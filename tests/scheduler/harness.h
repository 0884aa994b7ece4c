#pragma once
// Short builders for core tests, in the style of Nomad's scheduler harness:
// build nodes and services, place, assert on results and state.

#include <string>
#include <vector>

#include "scheduler/model.h"
#include "scheduler/placement.h"
#include "scheduler/placement_index.h"

namespace kontena::test {

inline constexpr std::int64_t GiB = 1024LL * 1024 * 1024;

inline Node makeNode(const std::string& name, int number, std::vector<std::string> labels = {}, int cpus = 2,
                     std::int64_t memory = 4 * GiB) {
    Node n;
    n.name = name;
    n.nodeId = name;
    n.number = number;
    n.labels = std::move(labels);
    n.cpus = cpus;
    n.memory = memory;
    n.connected = true;
    n.updated = true;
    n.everConnected = true;
    n.connectedAt = Instant(0);
    n.lastSeen = Instant(0);
    return n;
}

inline ServiceSpec makeService(const std::string& stack, const std::string& name, int instances,
                               Strategy strategy = Strategy::Ha) {
    ServiceSpec s;
    s.stack = stack;
    s.name = name;
    s.image = "busybox:latest";
    s.instances = instances;
    s.strategy = strategy;
    return s;
}

inline void addNode(ClusterState& st, Node n) { st.nodes[n.name] = std::move(n); }

inline void addService(ClusterState& st, const ServiceSpec& spec) {
    Service s;
    s.spec = spec;
    s.state = ServiceState::Running;
    st.services[spec.key()] = s;
}

inline void addInstance(ClusterState& st, const ServiceSpec& spec, int number, const std::string& node) {
    Instance i;
    i.service = spec.key();
    i.number = number;
    i.node = node;
    i.desired = DesiredState::Running;
    i.observed = ObservedState::Running;
    st.instances[i.key()] = i;
}

struct Placed {
    std::vector<std::string> nodes;          // by instance number - 1; "" when it failed
    std::vector<PlacementFailure> failures;
};

// Places instances 1..count in one pass.
inline Placed placeAll(const ClusterState& st, const ServiceSpec& spec, int count, std::uint64_t seed = 1,
                       PlacementMode mode = PlacementMode::Auto, CandidatePolicy policy = {}) {
    PlacementIndex index;
    index.build(st, seed);
    PlacementPass pass(st, index, spec, policy, seed, mode);
    Placed out;
    for (int n = 1; n <= count; ++n) {
        auto r = pass.place(n);
        if (r) out.nodes.push_back(r.value());
        else {
            out.nodes.emplace_back();
            out.failures.push_back(r.error());
        }
    }
    return out;
}

}  // namespace kontena::test
