#include "backends/sim/sim_node.h"

namespace kontena::simnode {

std::vector<agent::Pod> podsFor(const PlacementIndex& index, const std::string& node) {
    std::vector<agent::Pod> pods;
    const int ord = index.ordinalOf(node);
    if (ord < 0) return pods;
    for (const auto& [service, numbers] : index.occupancy(ord)) {
        const Service* svc = index.serviceRecord(service);
        if (!svc) continue;
        for (const auto& [number, inst] : numbers) {
            if (inst->node != node || inst->desired == DesiredState::Initialized) continue;
            pods.push_back(agent::Pod{service, number, inst->desired, inst->deployRev, svc->revision});
        }
    }
    return pods;
}

bool SimNode::running(const InstanceKey& key) const {
    auto it = containers_.find(key);
    return it != containers_.end() && it->second.state == agent::ContainerState::Running;
}

const HealthCheck* SimNode::healthCheckOf(const InstanceKey& key, const ClusterState& master) const {
    const Service* svc = master.service(key.service);
    return svc && svc->spec.healthCheck ? &*svc->spec.healthCheck : nullptr;
}

void SimNode::startContainer(const InstanceKey& key, Instant now, const ClusterState& master, Effects& out) {
    auto& c = containers_[key];
    c.state = agent::ContainerState::Starting;
    const std::uint64_t epoch = nextEpoch_++;
    epochs_[key] = epoch;
    out.tasks.push_back({now + master.grid.settings.containerStart, NodeTask{TaskKind::ContainerUp, key.service, key.number, epoch}});
}

void SimNode::scheduleHealth(const InstanceKey& key, Instant at, Effects& out) {
    out.tasks.push_back({at, NodeTask{TaskKind::HealthCheck, key.service, key.number, epochs_[key]}});
}

// The modelled container runtime: the step's ops change the node's containers
// at once; a start completes later, as a ContainerUp task.
class SimNode::OpRunner final : public agent::Runtime {
public:
    OpRunner(SimNode& node, Instant now, const ClusterState& master, Effects& out) : n_(node), now_(now), master_(master), out_(out) {}

    void create(const agent::op::Create& o) override {
        const InstanceKey key{o.service, o.number};
        agent::Container c = agent::discovered(o.service, o.number);
        c.deployRev = o.deployRev;
        c.serviceRevision = o.serviceRevision;
        n_.containers_[key] = c;
        if (o.start) n_.startContainer(key, now_, master_, out_);
        else n_.epochs_[key] = n_.nextEpoch_++;
    }
    void start(const agent::op::Start& o) override { n_.startContainer(InstanceKey{o.service, o.number}, now_, master_, out_); }
    void stop(const agent::op::Stop& o) override {
        const InstanceKey key{o.service, o.number};
        agent::onStopping(n_.containers_[key]);
        n_.epochs_[key] = n_.nextEpoch_++;
    }
    void remove(const agent::op::Remove& o) override {
        const InstanceKey key{o.service, o.number};
        n_.containers_.erase(key);
        n_.epochs_.erase(key);
    }
    void report(const agent::op::Report& r) override {
        if (!n_.reachable_) return;   // dropped: a later sync reports it again
        if (auto it = n_.containers_.find(InstanceKey{r.service, r.number}); it != n_.containers_.end()) {
            it->second.reportedRev = r.rev;
            it->second.reportedState = r.state;
            it->second.deployRev = r.rev;
        }
        out_.reports.push_back(ev::InstanceReport{n_.name_, r.service, r.number, r.rev, r.serviceRevision, r.state, r.error});
    }

private:
    SimNode& n_;
    Instant now_;
    const ClusterState& master_;
    Effects& out_;
};

std::vector<const agent::Container*> SimNode::containerRefs() const {
    std::vector<const agent::Container*> refs;
    refs.reserve(containers_.size());
    for (const auto& [key, c] : containers_) refs.push_back(&c);
    return refs;
}

void SimNode::sync(const std::vector<agent::Pod>& pods, bool ipamAvailable, bool reachable, Instant now,
                   const ClusterState& master, Effects& out) {
    reachable_ = reachable;
    OpRunner runtime(*this, now, master, out);
    // Containers that just changed (stopped, created) report on a second
    // look; without a change it would find nothing new.
    if (agent::execute(agent::reconcile(pods, containerRefs(), ipamAvailable), runtime) == 0) return;
    agent::reportChanges(agent::reconcile(pods, containerRefs(), ipamAvailable), runtime);
}

void SimNode::onTask(const NodeTask& task, Instant now, const ClusterState& master, Effects& out) {
    const InstanceKey key{task.service, task.number};
    auto it = containers_.find(key);
    if (it == containers_.end() || epochs_[key] != task.epoch) return;
    agent::Container& c = it->second;
    switch (task.kind) {
    case TaskKind::ContainerUp: {
        if (c.state != agent::ContainerState::Starting) return;
        const Service* svc = master.service(key.service);
        const bool waitForPort = svc && svc->spec.deploy.waitForPort;
        // A modelled port opens with its container: the first probe finds it open.
        if (agent::onUp(c, now, waitForPort, agent::kWaitForPortMax) == agent::Up::WaitForPort) agent::onPortProbe(c, now, true);
        out.running.push_back({key, name_});
        if (svc && svc->spec.healthCheck) scheduleHealth(key, now + svc->spec.healthCheck->initialDelay, out);
        out.resync = true;
        return;
    }
    case TaskKind::RestartDue:
        if (!agent::restartDue(c, now)) return;
        out.restarts.push_back({key, "crash"});
        startContainer(key, now, master, out);
        return;
    case TaskKind::HealthCheck: {
        const HealthCheck* hc = healthCheckOf(key, master);
        if (!hc || c.state != agent::ContainerState::Running) return;
        const bool failing = failingHealth_.count(key) != 0;
        if (reachable_) out.health.push_back(ev::InstanceHealth{name_, key.service, key.number, failing ? Health::Unhealthy : Health::Healthy});
        if (failing && agent::restartsWhenUnhealthy(c)) {
            restart(key, now, master, "unhealthy", out);   // a single unhealthy result restarts (§8.2)
            return;
        }
        scheduleHealth(key, now + hc->interval, out);
        return;
    }
    }
}

bool SimNode::crash(const InstanceKey& key, Instant now, const GridSettings& settings, Effects& out) {
    auto it = containers_.find(key);
    if (it == containers_.end() || !agent::isCrash(it->second, std::nullopt)) return false;
    // A simulated node keeps no pod list between syncs: a crashed container counts as wanted running.
    const Duration delay = *agent::onExit(it->second, true, now, settings);
    const std::uint64_t epoch = nextEpoch_++;
    epochs_[key] = epoch;
    out.tasks.push_back({now + delay, NodeTask{TaskKind::RestartDue, key.service, key.number, epoch}});
    if (reachable_) {
        out.reports.push_back(ev::InstanceReport{name_, key.service, key.number, it->second.reportedRev, it->second.serviceRevision,
                                                 ObservedState::Restarting, ""});
    }
    return true;
}

void SimNode::restart(const InstanceKey& key, Instant now, const ClusterState& master, const std::string& cause, Effects& out) {
    auto it = containers_.find(key);
    if (it == containers_.end() || it->second.state == agent::ContainerState::Stopped) return;
    out.restarts.push_back({key, cause});
    startContainer(key, now, master, out);
}

void SimNode::setFailingHealth(const InstanceKey& key, bool failing) {
    if (failing) failingHealth_.insert(key);
    else failingHealth_.erase(key);
}

}  // namespace kontena::simnode
