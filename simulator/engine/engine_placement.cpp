// A stack's `placement:` (scenario.h, simulator/README.md): the grid as the
// scenario finds it. Its first deploy installs the stack tree without a
// deploy; then one decision of the driver's own, like the master's restore
// from its store, marks the tree's services running and puts each listed
// instance on its node. From there the core decides as on the live grid:
// the nodes start the containers they are given, and whatever the
// placement leaves out (an instance not listed) is the re-scheduler's.
#include "simulator/engine/engine_internal.h"

namespace kontena::sim::detail {

std::optional<std::string> World::placementProblem(const std::set<std::string>& services,
                                                   const std::vector<PlacedInstance>& placement) const {
    for (const auto& p : placement) {
        const std::string what = "placement: " + p.instance.name() + " on " + p.node + ": ";
        if (!services.count(p.instance.service.key())) return what + "no service " + p.instance.service.key() + " in this stack";
        const Node* n = master().node(p.node);
        if (!n) return what + "node " + p.node + " is not part of the grid";
    }
    return std::nullopt;
}

void World::adoptPlacement(const std::set<std::string>& services, const std::vector<PlacedInstance>& placement) {
    const ClusterState& st = master();
    Decision d;
    mut::PutCounters counters{st.nextDeployId, st.nextRev + 1, st.quorum, st.lastEviction, st.evictedNodes};
    for (const auto& key : services) {
        const Service* svc = st.service(key);
        if (!svc) continue;
        Service running = *svc;
        running.state = ServiceState::Running;   // as a deploy leaves it
        running.deployedAt = now_;
        d.changes.push_back(mut::PutService{std::move(running)});
    }
    std::set<std::string> nodes;
    for (const auto& p : placement) {
        const Service* svc = st.service(p.instance.service.key());
        const Node* node = st.node(p.node);
        if (!svc || !node) continue;   // placementProblem() said so before the install
        Instance inst;
        inst.service = svc->spec.key();
        inst.number = p.instance.number;
        inst.node = p.node;
        inst.deployRev = st.nextRev;
        inst.serviceRevision = svc->revision;
        // A stateful instance on a drained node stays stopped there (as a deploy leaves it).
        const bool pinnedOnDrain = svc->spec.stateful && node->availability == Availability::Drain;
        inst.desired = pinnedOnDrain ? DesiredState::Stopped : DesiredState::Running;
        d.changes.push_back(mut::PutInstance{std::move(inst)});
        d.log.push_back(LogEntry{now_, "instance_placed", p.instance.name(), "found on " + p.node + " (placement)"});
        nodes.insert(p.node);
    }
    d.changes.push_back(counters);
    for (const auto& n : nodes) d.commands.push_back(cmd::NotifyNode{n});
    carryOut(d);
}

}  // namespace kontena::sim::detail
