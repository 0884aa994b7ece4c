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

void SimNode::sync(const std::vector<agent::Pod>& pods, bool ipamAvailable, bool reachable, Instant now,
                   const ClusterState& master, Effects& out) {
    reachable_ = reachable;
    std::vector<const agent::Container*> current;
    current.reserve(containers_.size());
    for (const auto& [key, c] : containers_) current.push_back(&c);
    const std::vector<agent::Op> ops = agent::reconcile(pods, current, ipamAvailable);   // before containers_ changes
    bool changed = false;   // a container created, started, stopped or removed
    for (const auto& op : ops) {
        changed = changed || !std::holds_alternative<agent::op::Report>(op);
        if (auto* create = std::get_if<agent::op::Create>(&op)) {
            const InstanceKey key{create->service, create->number};
            agent::Container c;
            c.service = create->service;
            c.number = create->number;
            c.deployRev = create->deployRev;
            c.serviceRevision = create->serviceRevision;
            c.state = agent::ContainerState::Stopped;
            containers_[key] = c;
            if (create->start) startContainer(key, now, master, out);
            else epochs_[key] = nextEpoch_++;
        } else if (auto* start = std::get_if<agent::op::Start>(&op)) {
            startContainer(InstanceKey{start->service, start->number}, now, master, out);
        } else if (auto* stop = std::get_if<agent::op::Stop>(&op)) {
            const InstanceKey key{stop->service, stop->number};
            agent::onStopping(containers_[key]);
            epochs_[key] = nextEpoch_++;
        } else if (auto* remove = std::get_if<agent::op::Remove>(&op)) {
            const InstanceKey key{remove->service, remove->number};
            containers_.erase(key);
            epochs_.erase(key);
        } else if (auto* report = std::get_if<agent::op::Report>(&op)) {
            if (!reachable) continue;
            const InstanceKey key{report->service, report->number};
            auto it = containers_.find(key);
            if (it != containers_.end()) {
                it->second.reportedRev = report->rev;
                it->second.reportedState = report->state;
                it->second.deployRev = report->rev;
            }
            out.reports.push_back(ev::InstanceReport{name_, report->service, report->number, report->rev, report->serviceRevision,
                                                     report->state, report->error});
        }
    }
    // Containers that just changed (stopped, created) report on the next pass.
    // Without such a change it would find nothing: the reports above are
    // recorded on their containers.
    if (!changed) return;
    std::vector<const agent::Container*> after;
    after.reserve(containers_.size());
    for (const auto& [key, c] : containers_) after.push_back(&c);
    for (const auto& op : agent::reconcile(pods, after, ipamAvailable)) {
        const auto* report = std::get_if<agent::op::Report>(&op);
        if (!report || !reachable || !report->error.empty()) continue;
        const InstanceKey key{report->service, report->number};
        auto it = containers_.find(key);
        if (it == containers_.end()) continue;
        it->second.reportedRev = report->rev;
        it->second.reportedState = report->state;
        out.reports.push_back(ev::InstanceReport{name_, report->service, report->number, report->rev, report->serviceRevision,
                                                 report->state, ""});
    }
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
