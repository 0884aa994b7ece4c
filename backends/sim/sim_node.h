#pragma once
// A simulated node: the real agent step (scheduler/agent_step.h) driving a
// modelled container runtime (start latency, crashes, health checks)
// through the step's agent::Runtime, as kontena-agent drives Docker.
// It never reads a clock or draws random numbers itself: the engine passes
// `now`, and everything that happens later comes back as a NodeTask the
// engine schedules. Pure C++, no Qt.

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <boost/container/flat_map.hpp>

#include "scheduler/agent_step.h"
#include "scheduler/controller.h"

namespace kontena::simnode {

enum class TaskKind { ContainerUp, RestartDue, HealthCheck };

// Something the node must do later; `epoch` drops tasks of a container that
// was restarted, re-created or removed since.
struct NodeTask {
    TaskKind kind = TaskKind::ContainerUp;
    std::string service;
    int number = 0;
    std::uint64_t epoch = 0;
};

// What one call produced, for the engine to deliver or schedule.
struct Effects {
    std::vector<std::pair<Instant, NodeTask>> tasks;
    std::vector<ev::InstanceReport> reports;     // to the master
    std::vector<ev::InstanceHealth> health;      // to the master
    std::vector<std::pair<InstanceKey, std::string>> running;   // containers that started running (key, node)
    std::vector<std::pair<InstanceKey, std::string>> restarts;  // restarts with their cause ("crash", "unhealthy", "user")
    bool resync = false;                         // a container came up: sync again to report it
};

class SimNode {
public:
    explicit SimNode(std::string name) : name_(std::move(name)) {}

    const std::string& name() const { return name_; }

    // Converge to `pods` (the agent's sync after a notify or a connect).
    // `reachable`: reports can reach the master now; if not, they are
    // dropped and sent again by a later sync.
    void sync(const std::vector<agent::Pod>& pods, bool ipamAvailable, bool reachable, Instant now,
              const ClusterState& master, Effects& out);
    // A task the engine scheduled is due.
    void onTask(const NodeTask& task, Instant now, const ClusterState& master, Effects& out);
    // The container exits with a non-zero code; false when it was not running.
    bool crash(const InstanceKey& key, Instant now, const GridSettings& settings, Effects& out);
    // The user (or the master) restarts the container.
    void restart(const InstanceKey& key, Instant now, const ClusterState& master, const std::string& cause, Effects& out);
    // The world's truth about an instance's health check from now on.
    void setFailingHealth(const InstanceKey& key, bool failing);

    // Observers for checks and reports.
    // Sorted flat maps: a node holds a few containers and syncs often (a
    // tree's scattered nodes made walking them the sync's largest cost).
    using Containers = boost::container::flat_map<InstanceKey, agent::Container>;
    const Containers& containers() const { return containers_; }
    bool running(const InstanceKey& key) const;
    void setReachable(bool reachable) { reachable_ = reachable; }

private:
    class OpRunner;   // the modelled runtime behind agent::Runtime
    std::vector<const agent::Container*> containerRefs() const;
    void startContainer(const InstanceKey& key, Instant now, const ClusterState& master, Effects& out);
    void scheduleHealth(const InstanceKey& key, Instant at, Effects& out);
    const HealthCheck* healthCheckOf(const InstanceKey& key, const ClusterState& master) const;

    std::string name_;
    Containers containers_;
    boost::container::flat_map<InstanceKey, std::uint64_t> epochs_;
    std::set<InstanceKey> failingHealth_;
    bool reachable_ = true;
    std::uint64_t nextEpoch_ = 1;
};

// The pods the master wants on `node` (its instance records there), found
// through the occupancy of that node in the master's placement index (kept
// with the master's state: it points at its records).
std::vector<agent::Pod> podsFor(const PlacementIndex& index, const std::string& node);

}  // namespace kontena::simnode
