// Deploy machinery (reference §3): stacks, service deploys advanced one
// instance per step with the min_health throttle, scale, stop/start/restart.
#include <algorithm>
#include <cmath>

#include "scheduler/controller_internal.h"
#include "scheduler/deploy_math.h"
#include "scheduler/graphs.h"
#include "scheduler/random.h"

namespace kontena::detail {

namespace {

Timer stepTimer(const std::string& service, std::int64_t id, Instant at) {
    Timer t;
    t.kind = TimerKind::DeployStep;
    t.service = service;
    t.token = id;
    t.at = at;
    return t;
}


void notePlaced(ServiceDeploy& dep, int n, const std::string& node) { dep.placed.note(n, node); }

void notify(Draft& d, const std::optional<std::string>& node) {
    if (!node) return;
    const Node* n = d.node(*node);
    if (n && n->connected) d.command(cmd::NotifyNode{*node});
}

void advanceStackDeploy(Draft& d, std::int64_t stackDeployId, const ServiceDeploy& finished);

void finishDeploy(Draft& d, ServiceDeploy& dep, DeployState state, const std::string& error) {
    dep.state = state;
    dep.finishedAt = d.now();
    dep.error = error;
    if (state == DeployState::Success) d.log("deploy_finished", dep.service, "deploy of " + dep.service + " finished: " + std::to_string(dep.instanceCount) + " instances");
    else d.log("deploy_failed", dep.service, "deploy of " + dep.service + " failed: " + error);
    if (dep.stackDeploy) advanceStackDeploy(d, dep.stackDeploy, dep);
}

void startNextStackService(Draft& d, StackDeployRecord& sd) {
    while (sd.position < sd.order.size()) {
        const std::string key = sd.order[sd.position];
        const Service* svc = d.service(key);
        if (!svc) {
            ++sd.position;
            continue;
        }
        d.editService(key).state = ServiceState::Running;
        sd.current = createDeploy(d, key, "stack deploy of " + sd.stack, sd.id);
        return;
    }
    sd.state = DeployState::Success;
    d.log("stack_deploy_finished", sd.stack, "stack " + sd.stack + " deployed");
}

void advanceStackDeploy(Draft& d, std::int64_t stackDeployId, const ServiceDeploy& finished) {
    const StackDeployRecord* existing = d.stackDeploy(stackDeployId);
    if (!existing || existing->state != DeployState::Ongoing || existing->current != finished.id) return;
    StackDeployRecord& sd = d.editStackDeploy(stackDeployId);
    if (finished.state != DeployState::Success) {
        sd.state = DeployState::Error;
        sd.error = finished.error;
        d.log("stack_deploy_failed", sd.stack, "stack " + sd.stack + " deploy stopped at " + finished.service + ": " + finished.error);
        return;
    }
    ++sd.position;
    startNextStackService(d, sd);
}

// Service keys of a stack and its child stacks, children first.
std::vector<std::string> stackDeployOrder(const Draft& d, const std::string& stack, std::set<std::string>& seen) {
    std::vector<std::string> out;
    if (!seen.insert(stack).second) return out;
    const Stack* s = d.stack(stack);
    if (!s) return out;
    for (const auto& child : s->dependsOn) {
        auto sub = stackDeployOrder(d, child, seen);
        out.insert(out.end(), sub.begin(), sub.end());
    }
    out.insert(out.end(), s->services.begin(), s->services.end());
    return out;
}

void createStackDeploy(Draft& d, const std::string& stack) {
    StackDeployRecord sd;
    sd.id = d.counters().nextDeployId++;
    sd.stack = stack;
    sd.state = DeployState::Ongoing;
    sd.createdAt = d.now();
    std::set<std::string> seen;
    sd.order = stackDeployOrder(d, stack, seen);
    d.log("stack_deploy_started", stack, "deploying stack " + stack);
    startNextStackService(d, sd);
    d.started(sd);
    d.putStackDeploy(sd);
}

void dropServiceEverywhere(Draft& d, const std::string& key) {
    for (const Instance& inst : d.instancesOf(key)) {
        notify(d, inst.node);
        d.dropInstance(key, inst.number);
    }
    d.dropService(key);
    d.log("service_removed", key, "service " + key + " removed");
}

bool requireService(Draft& d, const std::string& key, const char* action) {
    if (d.service(key)) return true;
    d.refuse(RefusalKind::NotFound, std::string("Cannot ") + action + " " + key + ": no such service");
    return false;
}

}  // namespace

std::int64_t createDeploy(Draft& d, const std::string& service, const std::string& reason, std::int64_t stackDeploy, bool force) {
    ServiceDeploy dep;
    dep.id = d.counters().nextDeployId++;
    dep.service = service;
    dep.createdAt = d.now();
    dep.reason = reason;
    dep.stackDeploy = stackDeploy;
    dep.force = force;
    d.started(dep);
    d.putDeploy(dep);
    d.timer(stepTimer(service, dep.id, d.now()));
    return dep.id;
}

void onStackApply(Draft& d, const ev::StackApply& e) {
    if (e.deploy && !draftQuorum(d)) {
        d.refuse(RefusalKind::NoQuorum, "Cannot deploy stack " + e.stack + ": " + quorumRefusal(d));
        return;
    }
    auto order = serviceDeployOrder(e.services);
    if (!order) {
        d.refuse(RefusalKind::Invalid, "Stack " + e.stack + " is invalid: " + order.error().message);
        return;
    }
    if (!checkStackApply(d, e)) return;
    const std::vector<ServiceSpec> resolved = withStackVolumes(d, e);
    std::vector<ServiceSpec> all = resolved;
    for (const auto& [key, svc] : d.base().services) {
        if (svc.spec.stack != e.stack) all.push_back(svc.spec);
    }
    const auto conflicts = affinityConflicts(all, d.base().grid.defaultAffinity);
    for (const auto& c : conflicts) {
        if (c.service.rfind(e.stack + "/", 0) == 0) {
            d.refuse(RefusalKind::Invalid, "Stack " + e.stack + " has contradicting affinity rules: " + c.message);
            return;
        }
    }
    Stack stack;
    if (const Stack* old = d.stack(e.stack)) stack = *old;
    stack.name = e.stack;
    stack.dependsOn = e.dependsOn;
    ++stack.revision;
    std::set<std::string> keep;
    stack.services.clear();
    for (const auto& name : order.value()) {
        const auto& spec = *std::find_if(resolved.begin(), resolved.end(), [&](const ServiceSpec& s) { return s.name == name; });
        const std::string key = spec.key();
        keep.insert(key);
        stack.services.push_back(key);
        if (const Service* existing = d.service(key)) {
            if (!(existing->spec == spec)) {
                Service& w = d.editService(key);
                w.spec = spec;
                ++w.revision;
                w.updatedAt = d.now();
            }
        } else {
            Service s;
            s.spec = spec;
            s.updatedAt = d.now();
            d.putService(s);
        }
    }
    for (const auto& [key, svc] : d.base().services) {
        if (svc.spec.stack == e.stack && !keep.count(key)) dropServiceEverywhere(d, key);
    }
    d.putStack(stack);
    d.log("stack_applied", e.stack, "stack " + e.stack + " revision " + std::to_string(stack.revision) + " with " +
                                        std::to_string(stack.services.size()) + " services");
    if (e.deploy) createStackDeploy(d, e.stack);
}

void onStackDeploy(Draft& d, const ev::StackDeploy& e) {
    if (!d.stack(e.stack)) {
        d.refuse(RefusalKind::NotFound, "Cannot deploy stack " + e.stack + ": no such stack");
        return;
    }
    for (const auto& key : d.stack(e.stack)->services) {
        const Service* svc = d.service(key);
        if (svc && !checkInstanceNames(d, svc->spec, svc->spec.instances, "deploy stack " + e.stack)) return;
    }
    if (!draftQuorum(d)) {
        d.refuse(RefusalKind::NoQuorum, "Cannot deploy stack " + e.stack + ": " + quorumRefusal(d));
        return;
    }
    createStackDeploy(d, e.stack);
}

void onStackRemove(Draft& d, const ev::StackRemove& e) {
    const Stack* s = d.stack(e.stack);
    if (!s) {
        d.refuse(RefusalKind::NotFound, "Cannot remove stack " + e.stack + ": no such stack");
        return;
    }
    if (!checkNotLinkedFromOtherStacks(d, e.stack, s->services, "remove stack " + e.stack)) return;
    const std::vector<std::string> services = s->services;
    for (auto it = services.rbegin(); it != services.rend(); ++it) {
        if (d.service(*it)) dropServiceEverywhere(d, *it);
    }
    d.dropStack(e.stack);
    d.log("stack_removed", e.stack, "stack " + e.stack + " removed");
}

void onServiceScale(Draft& d, const ev::ServiceScale& e) {
    if (!requireService(d, e.service, "scale")) return;
    if (e.instances < 0) {
        d.refuse(RefusalKind::Invalid, "Cannot scale " + e.service + ": instances must be 0 or more");
        return;
    }
    if (!checkInstanceNames(d, d.service(e.service)->spec, e.instances, "scale " + e.service)) return;
    if (e.instances > d.service(e.service)->spec.instances && !draftQuorum(d)) {
        d.refuse(RefusalKind::NoQuorum, "Cannot scale up " + e.service + ": " + quorumRefusal(d));
        return;
    }
    Service& s = d.editService(e.service);
    s.spec.instances = e.instances;
    s.state = ServiceState::Running;
    d.log("service_scaled", e.service, "service " + e.service + " scaled to " + std::to_string(e.instances));
    createDeploy(d, e.service, "scale");
}

void onServiceDeploy(Draft& d, const ev::ServiceDeploy& e) {
    if (!requireService(d, e.service, "deploy")) return;
    const ServiceSpec& spec = d.service(e.service)->spec;
    if (!checkInstanceNames(d, spec, spec.instances, "deploy " + e.service)) return;
    if (!draftQuorum(d)) {
        d.refuse(RefusalKind::NoQuorum, "Cannot deploy " + e.service + ": " + quorumRefusal(d));
        return;
    }
    Service& s = d.editService(e.service);
    s.state = ServiceState::Running;
    s.deployRequestedAt = d.now();
    if (e.force) ++s.revision;
    createDeploy(d, e.service, "user", 0, e.force);
}

void onServiceStop(Draft& d, const ev::ServiceStop& e) {
    if (!requireService(d, e.service, "stop")) return;
    d.editService(e.service).state = ServiceState::Stopped;
    for (const Instance& inst : d.instancesOf(e.service)) {
        d.editInstance(e.service, inst.number).desired = DesiredState::Stopped;
        notify(d, inst.node);
    }
    d.log("service_stopped", e.service, "service " + e.service + " stopped");
}

void onServiceStart(Draft& d, const ev::ServiceStart& e) {
    if (!requireService(d, e.service, "start")) return;
    d.editService(e.service).state = ServiceState::Running;
    for (const Instance& inst : d.instancesOf(e.service)) {
        const Node* n = inst.node ? d.node(*inst.node) : nullptr;
        const bool pinnedOnDrain = n && n->availability == Availability::Drain && d.service(e.service)->spec.stateful;
        if (!pinnedOnDrain) d.editInstance(e.service, inst.number).desired = DesiredState::Running;
        notify(d, inst.node);
    }
    d.log("service_started", e.service, "service " + e.service + " started");
}

void onServiceRestart(Draft& d, const ev::ServiceRestart& e) {
    if (!requireService(d, e.service, "restart")) return;
    for (const Instance& inst : d.instancesOf(e.service)) {
        if (inst.node) d.command(cmd::RestartInstance{*inst.node, e.service, inst.number});
    }
    d.log("service_restarted", e.service, "service " + e.service + " restart requested");
}

void onSecretChanged(Draft& d, const ev::SecretChanged& e) {
    const auto names = [&](const Service& s) {
        const std::vector<SecretRef>& refs = e.certificate ? s.spec.certificates : s.spec.secrets;
        return std::any_of(refs.begin(), refs.end(), [&](const SecretRef& r) { return r.secret == e.secret; });
    };
    for (const auto& [key, base] : d.base().services) {
        const Service* svc = d.service(key, base);
        if (!svc || !names(*svc)) continue;
        Service& w = d.editService(key);
        ++w.revision;
        w.updatedAt = d.now();
        d.log("service_updated", key, (e.certificate ? "certificate " : "secret ") + e.secret + " changed: " + key + " revision " + std::to_string(w.revision));
    }
}

void onInstanceHealth(Draft& d, const ev::InstanceHealth& e) {
    const Instance* inst = d.instance(e.service, e.number);
    if (!inst || inst->node != e.node || inst->health == e.health) return;
    d.editInstance(e.service, e.number).health = e.health;
}

void onInstanceReport(Draft& d, const ev::InstanceReport& e) {
    const Instance* inst = d.instance(e.service, e.number);
    if (!inst || inst->node != e.node) return;   // a report from a node the instance left
    if (inst->reportedRev && e.rev < *inst->reportedRev) return;   // never go back to an older revision
    Instance& w = d.editInstance(e.service, e.number);
    w.observed = e.state;
    w.reportedRev = e.rev;
    w.serviceRevision = e.serviceRevision;
    w.error = e.error;
    const ServiceDeploy* active = d.activeDeploy(e.service);
    if (!active || active->state != DeployState::Ongoing || !active->inFlight.count(e.number) || e.rev < active->rev) return;
    ServiceDeploy& dep = d.editDeploy(active->id);
    if (!e.error.empty()) {
        finishDeploy(d, dep, DeployState::Error, "halting deploy of " + d.base().grid.name + "/" + e.service +
                                                     ", one or more instances failed: " + e.error);
        return;
    }
    const bool done = e.state == ObservedState::Running || (w.desired == DesiredState::Stopped && e.state == ObservedState::Stopped);
    if (!done) return;
    dep.inFlight.erase(e.number);
    d.timer(stepTimer(e.service, dep.id, d.now()));
}

void onInstanceTimeout(Draft& d, const Timer& t) {
    const ServiceDeploy* dep = d.deploy(t.token);
    if (!dep || dep->state != DeployState::Ongoing || !dep->inFlight.count(t.number)) return;
    finishDeploy(d, d.editDeploy(t.token), DeployState::Error,
                 "instance " + instanceName(t.service, t.number) + " did not report running within " +
                     formatDuration(d.settings().instanceDeployWait));
}

namespace {

void startDeploy(Draft& d, ServiceDeploy& dep, const Service& svc) {
    dep.state = DeployState::Ongoing;
    dep.startedAt = d.now();
    dep.rev = d.counters().nextRev++;
    d.editService(dep.service).deployedAt = d.now();
    CandidatePolicy policy;
    policy.now = d.now();
    policy.keepOffline = protectedOfflineNodes(d);
    dep.instanceCount = computeInstanceCount(d.base(), d.index(), svc.spec, policy, splitmix64(static_cast<std::uint64_t>(dep.id)));
    const PlacementPlan plan = planPlacement(d.base(), d.index(), svc.spec, policy, dep.instanceCount, splitmix64(static_cast<std::uint64_t>(dep.id)));
    dep.order.clear();
    std::map<int, std::string> keep;
    for (const auto& [n, node] : plan.kept) {
        dep.order.push_back(n);
        keep[n] = node;
    }
    dep.keep = std::make_shared<const std::map<int, std::string>>(std::move(keep));
    dep.order.insert(dep.order.end(), plan.toPlace.begin(), plan.toPlace.end());
    for (const Instance& inst : d.instancesOf(dep.service)) {
        if (inst.number <= dep.instanceCount) continue;
        notify(d, inst.node);
        d.dropInstance(dep.service, inst.number);
        d.log("instance_removed", instanceName(dep.service, inst.number), "scaled down");
    }
    d.log("deploy_started", dep.service, "deploying " + dep.service + " (" + dep.reason + "): " + std::to_string(dep.instanceCount) + " instances");
    d.timer(stepTimer(dep.service, dep.id, d.now()));
}

// Would a step of this deploy wait (every instance placed and some still in
// flight, or as many in flight as min_health allows)? Then it changes nothing.
bool timedOut(const Draft& d, const ServiceDeploy& dep) {
    return dep.startedAt && d.now() - *dep.startedAt > d.settings().deployTimeout;
}

bool stepWaits(const Draft& d, const ServiceDeploy& dep, const Service& svc) {
    if (dep.nextNumber > dep.instanceCount) return !dep.inFlight.empty();
    return static_cast<int>(dep.inFlight.size()) >=
           instanceDeployParallelism(dep.instanceCount, svc.spec.deploy.minHealth, d.settings().maxInFlightInstanceDeploys);
}

// Places the next instance of an ongoing deploy that does not wait, or finishes it.
void stepDeploy(Draft& d, ServiceDeploy& dep, const Service& svc) {
    if (dep.nextNumber > dep.instanceCount) {
        finishDeploy(d, dep, DeployState::Success, "");
        return;
    }
    const int n = dep.nextNumber <= static_cast<int>(dep.order.size()) ? dep.order[static_cast<std::size_t>(dep.nextNumber - 1)] : dep.nextNumber;
    CandidatePolicy policy;
    policy.now = d.now();
    policy.keepOffline = protectedOfflineNodes(d);
    PlacementPass pass(d.base(), d.index(), svc.spec, policy, splitmix64(static_cast<std::uint64_t>(dep.id)));
    const std::string* kept = dep.keptNode(n);
    // An instance that keeps its node needs this deploy's earlier placements
    // only when its filters read them (ports, service/container rules).
    const bool readsPass = pass.misfitReadsPass();
    bool stays = kept && !readsPass && !pass.misfit(*kept, n);
    if (!stays) {
        for (const auto& [num, node] : dep.placed) pass.assume(node, num);
        stays = kept && readsPass && !pass.misfit(*kept, n);
    }
    auto placed = stays ? Result<std::string, PlacementFailure>(*kept) : pass.place(n);
    if (!placed) {
        d.failure(placed.error());
        d.log("placement_failed", instanceName(dep.service, n), placed.error().message);
        finishDeploy(d, dep, DeployState::Error, placed.error().message);
        return;
    }
    const std::string node = placed.value();
    const Instance* old = d.instance(dep.service, n);
    const Node* placedOn = d.node(node);
    if (placedOn && !placedOn->connected) {
        // A protected offline node (mass-offline limit) keeps its instance: nothing to start or wait for.
        notePlaced(dep, n, node);
        ++dep.nextNumber;
        d.timer(stepTimer(dep.service, dep.id, d.now()));
        return;
    }
    const bool moved = old && old->node && *old->node != node;
    const bool needsContainer = !old || !old->node || moved || old->serviceRevision != svc.revision ||
                                old->observed == ObservedState::Missing;
    if (needsContainer && !d.quorum()) {
        finishDeploy(d, dep, DeployState::Error, "Cannot create container for " + instanceName(dep.service, n) + " on " + node + ": " + quorumRefusal(d));
        return;
    }
    const std::optional<std::string> from = old ? old->node : std::nullopt;
    Instance& w = d.editInstance(dep.service, n);
    w.node = node;
    w.deployRev = dep.rev;
    const Node* target = d.node(node);
    const bool pinnedOnDrain = svc.spec.stateful && target && target->availability == Availability::Drain;
    w.desired = svc.state == ServiceState::Running && !pinnedOnDrain ? DesiredState::Running : DesiredState::Stopped;
    if (moved) {
        w.observed = ObservedState::Missing;
        d.log("instance_moved", instanceName(dep.service, n), "moved from " + *from + " to " + node);
        notify(d, from);
    } else if (!old || !old->node) {
        d.log("instance_placed", instanceName(dep.service, n), "placed on " + node);
    }
    notify(d, node);
    notePlaced(dep, n, node);
    dep.inFlight[n] = d.now();
    ++dep.nextNumber;
    Timer timeout;
    timeout.kind = TimerKind::InstanceTimeout;
    timeout.service = dep.service;
    timeout.number = n;
    timeout.token = dep.id;
    timeout.at = d.now() + d.settings().instanceDeployWait;
    d.timer(timeout);
    d.timer(stepTimer(dep.service, dep.id, d.now() + Duration::millis(100)));
}

}  // namespace

void onDeployStep(Draft& d, const Timer& t) {
    const ServiceDeploy* existing = d.deploy(t.token);
    if (!existing || existing->state == DeployState::Success || existing->state == DeployState::Error) return;
    const Service* svc = d.service(existing->service);
    // A step of an ongoing deploy that waits changes nothing: decided on the
    // record itself, before the draft copies it.
    if (svc && existing->state == DeployState::Ongoing && !timedOut(d, *existing) && stepWaits(d, *existing, *svc)) return;
    ServiceDeploy& dep = d.editDeploy(t.token);
    if (!svc) {
        finishDeploy(d, dep, DeployState::Error, "service " + dep.service + " was removed");
        return;
    }
    if (dep.state == DeployState::Pending) {
        const ServiceDeploy* active = d.activeDeploy(dep.service);
        if (active && active->id != dep.id) {
            d.timer(stepTimer(dep.service, dep.id, d.now() + Duration::seconds(1)));   // wait for the running one
            return;
        }
        if (svc->state != ServiceState::Running) {
            finishDeploy(d, dep, DeployState::Error, "service deploy aborted: service is not running");
            return;
        }
        startDeploy(d, dep, *svc);
        return;
    }
    if (timedOut(d, dep)) {
        finishDeploy(d, dep, DeployState::Error, "deploy timed out after " + formatDuration(d.settings().deployTimeout));
        return;
    }
    stepDeploy(d, dep, *svc);
}

void onVolumeCreate(Draft& d, const ev::VolumeCreate& e) {
    const Volume& v = e.volume;
    if (v.name.empty()) {
        d.refuse(RefusalKind::Invalid, "a volume needs a name");
        return;
    }
    if (d.base().volumes.count(v.name)) {
        d.refuse(RefusalKind::Conflict, "volume " + v.name + " exists already");
        return;
    }
    d.change(mut::PutVolume{v});
    d.log("volume_created", v.name, "volume " + v.name + " created (scope " + toString(v.scope) + ", driver " + v.driver + ")");
}

void onVolumeRemove(Draft& d, const ev::VolumeRemove& e) {
    if (!d.base().volumes.count(e.name)) {
        d.refuse(RefusalKind::NotFound, "volume " + e.name + " does not exist");
        return;
    }
    for (const auto& [key, svc] : d.base().services) {
        for (const auto& m : svc.spec.volumes) {
            if (m.kind == VolumeKind::Named && m.source == e.name) {
                d.refuse(RefusalKind::Conflict, "volume " + e.name + " is in use by service " + key + ": remove the service first");
                return;
            }
        }
    }
    d.change(mut::DropVolume{e.name});
    d.log("volume_removed", e.name, "volume " + e.name + " removed");
}

}  // namespace kontena::detail
