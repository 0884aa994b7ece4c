#include "scheduler/controller.h"

#include <algorithm>

#include "scheduler/controller_internal.h"
#include "scheduler/overloaded.h"

namespace kontena {

const char* refusalKindName(RefusalKind kind) {
    switch (kind) {
    case RefusalKind::NoQuorum: return "no_quorum";
    case RefusalKind::Conflict: return "conflict";
    case RefusalKind::NotFound: return "not_found";
    case RefusalKind::Invalid: return "invalid";
    case RefusalKind::Stale: return "stale";
    }
    return "invalid";
}

namespace detail {

Draft::Draft(const ClusterState& base, const PlacementIndex& index, const RescheduleMemo& memo, const Context& ctx, Decision& out,
             std::function<void()> freshIndex)
    : base_(base), index_(index), memo_(memo), freshIndex_(std::move(freshIndex)), ctx_(ctx), out_(out) {
    counters_.nextDeployId = base.nextDeployId;
    counters_.nextRev = base.nextRev;
    counters_.quorum = base.quorum;
    counters_.lastEviction = base.lastEviction;
    counters_.evictedNodes = base.evictedNodes;
}

const Node* Draft::node(const std::string& name) const {
    auto it = nodes_.find(name);
    if (it != nodes_.end()) return it->second ? &*it->second : nullptr;
    return base_.node(name);
}

std::vector<const Node*> Draft::allNodes() const {
    std::vector<const Node*> out;
    out.reserve(base_.nodes.size() + nodes_.size());
    if (nodes_.empty()) {   // nothing changed: the base map is already in name order
        for (const auto& [name, n] : base_.nodes) out.push_back(&n);
        return out;
    }
    for (const auto& [name, base] : base_.nodes) {
        if (const Node* n = node(name)) out.push_back(n);
    }
    for (const auto& [name, n] : nodes_) {
        if (n && !base_.nodes.count(name)) out.push_back(&*n);
    }
    std::sort(out.begin(), out.end(), [](const Node* a, const Node* b) { return a->name < b->name; });
    return out;
}

std::vector<const Node*> Draft::initialNodes() const {
    std::vector<const Node*> out;
    const int size = base_.grid.initialSize;
    const PlacementIndex& idx = index();
    for (const auto& [number, ord] : idx.byNumber()) {   // numbers never change while a node exists
        if (number > size) break;
        const Node* n = node(idx.entry(ord).node->name);
        if (n && n->isInitial(size)) out.push_back(n);
    }
    for (const auto& [name, n] : nodes_) {   // added by the draft (or renumbered: not in the loop above)
        const Node* before = base_.node(name);
        if (n && n->isInitial(size) && (!before || !before->isInitial(size))) out.push_back(&*n);
    }
    return out;
}

Node& Draft::editNode(const std::string& name) {
    auto it = nodes_.find(name);
    if (it == nodes_.end()) it = nodes_.emplace(name, *base_.node(name)).first;
    return *it->second;
}

void Draft::putNode(Node n) { nodes_[n.name] = std::move(n); }
void Draft::dropNode(const std::string& name) {
    nodes_[name] = std::nullopt;
    volumeDrops_.push_back(name);
}

const Service* Draft::service(const std::string& key) const {
    auto it = services_.find(key);
    if (it != services_.end()) return it->second ? &*it->second : nullptr;
    return base_.service(key);
}

Service& Draft::editService(const std::string& key) {
    auto it = services_.find(key);
    if (it == services_.end() || !it->second) it = services_.insert_or_assign(key, *base_.service(key)).first;
    return *it->second;
}

void Draft::putService(Service s) { services_[s.spec.key()] = std::move(s); }
void Draft::dropService(const std::string& key) { services_[key] = std::nullopt; }

const Instance* Draft::instance(const std::string& service, int number) const {
    auto it = instances_.find(InstanceKey{service, number});
    if (it != instances_.end()) return it->second ? &*it->second : nullptr;
    return base_.instance(service, number);
}

Instance& Draft::editInstance(const std::string& service, int number) {
    const InstanceKey key{service, number};
    auto it = instances_.find(key);
    if (it == instances_.end() || !it->second) {
        const Instance* existing = it == instances_.end() ? base_.instance(service, number) : nullptr;
        Instance fresh;
        fresh.service = service;
        fresh.number = number;
        it = instances_.insert_or_assign(key, existing ? *existing : fresh).first;
    }
    return *it->second;
}

void Draft::dropInstance(const std::string& service, int number) { instances_[InstanceKey{service, number}] = std::nullopt; }

std::vector<const Instance*> Draft::instanceRefsOf(const std::string& service) const {
    std::vector<const Instance*> out;
    for (auto it = base_.instances.lower_bound(InstanceKey{service, 0}); it != base_.instances.end() && it->first.service == service; ++it) {
        out.push_back(&it->second);
    }
    auto own = instances_.lower_bound(InstanceKey{service, 0});
    if (own == instances_.end() || own->first.service != service) return out;   // the draft changed none of them
    std::map<int, const Instance*> merged;
    for (const Instance* inst : out) merged[inst->number] = inst;
    for (; own != instances_.end() && own->first.service == service; ++own) {
        if (own->second) merged[own->first.number] = &*own->second;
        else merged.erase(own->first.number);
    }
    out.clear();
    for (const auto& [n, inst] : merged) out.push_back(inst);
    return out;
}

std::vector<Instance> Draft::instancesOf(const std::string& service) const {
    std::vector<Instance> out;
    for (const Instance* inst : instanceRefsOf(service)) out.push_back(*inst);
    return out;
}

std::vector<Instance> Draft::instancesOn(const std::string& nodeName) const {
    std::map<InstanceKey, Instance> merged;
    const int ord = index().ordinalOf(nodeName);
    if (ord >= 0) {
        for (const auto& [svc, numbers] : index().occupancy(ord)) {
            for (const auto& [n, inst] : numbers) merged[inst->key()] = *inst;
        }
    }
    for (const auto& [key, inst] : instances_) {
        if (inst && inst->node == nodeName) merged[key] = *inst;
        else merged.erase(key);
    }
    std::vector<Instance> out;
    for (auto& [k, inst] : merged) out.push_back(std::move(inst));
    return out;
}

const Stack* Draft::stack(const std::string& name) const {
    auto it = stacks_.find(name);
    if (it != stacks_.end()) return it->second ? &*it->second : nullptr;
    auto b = base_.stacks.find(name);
    return b == base_.stacks.end() ? nullptr : &b->second;
}

void Draft::putStack(Stack s) { stacks_[s.name] = std::move(s); }
void Draft::dropStack(const std::string& name) { stacks_[name] = std::nullopt; }

const ServiceDeploy* Draft::deploy(std::int64_t id) const {
    auto it = deploys_.find(id);
    if (it != deploys_.end()) return &it->second;
    auto b = base_.deploys.find(id);
    return b == base_.deploys.end() ? nullptr : &b->second;
}

ServiceDeploy& Draft::editDeploy(std::int64_t id) {
    auto it = deploys_.find(id);
    if (it == deploys_.end()) it = deploys_.emplace(id, base_.deploys.at(id)).first;
    return it->second;
}

void Draft::putDeploy(ServiceDeploy dep) { deploys_[dep.id] = std::move(dep); }

const ServiceDeploy* Draft::activeDeploy(const std::string& service) const {
    const ServiceDeploy* found = nullptr;
    auto consider = [&](const ServiceDeploy& dep) {
        if (dep.service == service && (dep.state == DeployState::Pending || dep.state == DeployState::Ongoing)) {
            if (!found || dep.id < found->id) found = &dep;
        }
    };
    if (const auto* ids = index().activeDeploys(service)) {   // the base's active deploys of this service
        for (std::int64_t id : *ids) {
            auto it = base_.deploys.find(id);
            if (it != base_.deploys.end() && !deploys_.count(id)) consider(it->second);
        }
    }
    for (const auto& [id, dep] : deploys_) consider(dep);
    return found;
}

const StackDeployRecord* Draft::stackDeploy(std::int64_t id) const {
    auto it = stackDeploys_.find(id);
    if (it != stackDeploys_.end()) return &it->second;
    auto b = base_.stackDeploys.find(id);
    return b == base_.stackDeploys.end() ? nullptr : &b->second;
}

StackDeployRecord& Draft::editStackDeploy(std::int64_t id) {
    auto it = stackDeploys_.find(id);
    if (it == stackDeploys_.end()) it = stackDeploys_.emplace(id, base_.stackDeploys.at(id)).first;
    return it->second;
}

void Draft::putStackDeploy(StackDeployRecord dep) { stackDeploys_[dep.id] = std::move(dep); }

mut::PutCounters& Draft::counters() {
    countersChanged_ = true;
    return counters_;
}

void Draft::log(const std::string& kind, const std::string& subject, const std::string& detail) {
    out_.log.push_back(LogEntry{ctx_.now, kind, subject, detail});
}

void Draft::refuse(RefusalKind kind, const std::string& message) {
    out_.refused = Refusal{kind, message};
    log("refused", "", message);
}

void Draft::finish() {
    if (out_.refused) {   // a refused event changes nothing
        out_.startedDeploy.reset();
        out_.startedStackDeploy.reset();
        return;
    }
    for (auto& [name, n] : nodes_) {
        if (n) out_.changes.push_back(mut::PutNode{std::move(*n)});
        else out_.changes.push_back(mut::DropNode{name});
    }
    for (const auto& name : volumeDrops_) out_.changes.push_back(mut::DropVolumeInstancesOn{name});
    for (auto& [key, s] : services_) {
        if (s) out_.changes.push_back(mut::PutService{std::move(*s)});
        else out_.changes.push_back(mut::DropService{key});
    }
    for (auto& [key, inst] : instances_) {
        if (inst) out_.changes.push_back(mut::PutInstance{std::move(*inst)});
        else out_.changes.push_back(mut::DropInstance{key});
    }
    for (auto& [name, s] : stacks_) {
        if (s) out_.changes.push_back(mut::PutStack{std::move(*s)});
        else out_.changes.push_back(mut::DropStack{name});
    }
    for (auto& [id, dep] : deploys_) out_.changes.push_back(mut::PutDeploy{std::move(dep)});   // the draft ends here
    for (auto& [id, dep] : stackDeploys_) out_.changes.push_back(mut::PutStackDeploy{std::move(dep)});
    if (countersChanged_) out_.changes.push_back(counters_);
}

bool draftQuorum(const Draft& d) {
    const ClusterState& st = d.base();
    std::map<int, int> healthyByGroup;
    for (const Node* n : d.initialNodes()) {
        if (n->etcdHealthy) ++healthyByGroup[n->partitionGroup];
    }
    int best = 0;
    for (const auto& [g, c] : healthyByGroup) best = std::max(best, c);
    return best >= st.grid.quorumSize();
}

std::string quorumRefusal(const Draft& d) {
    const ClusterState& st = d.base();
    int healthy = 0;
    for (const Node* n : d.initialNodes()) {
        if (n->etcdHealthy) ++healthy;
    }
    return "etcd has no quorum (" + std::to_string(healthy) + " of " + std::to_string(st.grid.initialSize) +
           " initial members healthy and reachable, " + std::to_string(st.grid.quorumSize()) +
           " needed): new containers cannot get an overlay IP address, so deploys are refused until quorum returns; "
           "running containers keep running";
}

}  // namespace detail

using namespace detail;

Controller::Controller(ClusterState initial, std::uint64_t seed) : state_(std::move(initial)), seed_(seed) {
    state_.quorum = hasQuorum(state_);
    index_.build(state_, seed_);
}

namespace {

void dispatchTimer(Draft& d, const Timer& t) {
    switch (t.kind) {
    case TimerKind::KeepaliveTick: onKeepaliveTick(d, t); break;
    case TimerKind::KeepaliveCheck: onKeepaliveCheck(d, t); break;
    case TimerKind::StaleSweep: onStaleSweep(d, t); break;
    case TimerKind::ReschedulePass: onReschedulePass(d, t); break;
    case TimerKind::DeployStep: onDeployStep(d, t); break;
    case TimerKind::InstanceTimeout: onInstanceTimeout(d, t); break;
    }
}

}  // namespace

Decision Controller::decide(const Event& event, const Context& ctx) const {
    Decision out;
    Draft d(state_, index_, memo_, ctx, out, [this] { freshIndex(); });
    std::visit(Overloaded{
                   [&](const ev::NodeConnect& e) { onNodeConnect(d, e); },
                   [&](const ev::NodeClosed& e) { onNodeClosed(d, e); },
                   [&](const ev::PingAnswered& e) { onPingAnswered(d, e); },
                   [&](const ev::PingMissed& e) { onPingMissed(d, e); },
                   [&](const ev::NodeRemove& e) { onNodeRemove(d, e); },
                   [&](const ev::NodeAvailability& e) { onNodeAvailability(d, e); },
                   [&](const ev::NodeLabels& e) { onNodeLabels(d, e); },
                   [&](const ev::StackApply& e) { onStackApply(d, e); },
                   [&](const ev::StackDeploy& e) { onStackDeploy(d, e); },
                   [&](const ev::StackRemove& e) { onStackRemove(d, e); },
                   [&](const ev::ServiceScale& e) { onServiceScale(d, e); },
                   [&](const ev::ServiceDeploy& e) { onServiceDeploy(d, e); },
                   [&](const ev::ServiceStop& e) { onServiceStop(d, e); },
                   [&](const ev::ServiceStart& e) { onServiceStart(d, e); },
                   [&](const ev::ServiceRestart& e) { onServiceRestart(d, e); },
                   [&](const ev::InstanceReport& e) { onInstanceReport(d, e); },
                   [&](const ev::InstanceHealth& e) { onInstanceHealth(d, e); },
                   [&](const ev::EtcdMember& e) { onEtcdMember(d, e); },
                   [&](const ev::Partition& e) { onPartition(d, e); },
                   [&](const ev::TimerFired& e) { dispatchTimer(d, e.timer); },
                   [&](const ev::VolumeCreate& e) { onVolumeCreate(d, e); },
                   [&](const ev::VolumeRemove& e) { onVolumeRemove(d, e); },
                   [&](const ev::StackStop& e) { onStackStop(d, e); },
                   [&](const ev::StackStart& e) { onStackStart(d, e); },
                   [&](const ev::StackRestart& e) { onStackRestart(d, e); },
                   [&](const ev::GridRemove& e) { onGridRemove(d, e); },
                   [&](const ev::SecretChanged& e) { onSecretChanged(d, e); },
                   [&](const ev::NodeStats& e) { onNodeStats(d, e); },
               },
               event);
    d.finish();
    return out;
}

void Controller::commit(const Decision& decision) {
    // A node added or dropped rebuilds the index; that waits until someone
    // reads it (10,000 nodes joining at once would otherwise rebuild it 10,000 times).
    kontena::commit(state_, decision, &index_, seed_, &indexStale_);
    if (!decision.memo.empty()) memo_.apply(decision.memo);
}

void Controller::freshIndex() const {
    if (!indexStale_) return;
    index_.build(state_, seed_);
    indexStale_ = false;
}

std::vector<Timer> Controller::startupTimers(Instant now) const {
    std::vector<Timer> out;
    Timer pass;
    pass.kind = TimerKind::ReschedulePass;
    pass.at = now + state_.grid.settings.schedulerInterval;
    out.push_back(pass);
    Timer sweep;
    sweep.kind = TimerKind::StaleSweep;
    sweep.at = now + state_.grid.settings.staleSweepInterval;
    out.push_back(sweep);
    return out;
}

namespace {

// Applies one mutation to the state and keeps the index in step; sets
// `rebuild` when the change needs the index built afresh (a node added or
// dropped, labels or memory statistics changed).
struct ApplyMutation {
    ClusterState& st;
    PlacementIndex* index;
    bool& rebuild;   // already stale: incremental updates would be lost anyway

    void recordMove(const Instance* before, const Instance* after) {
        if (!index) return;
        index->touchService((after ? after : before)->service);
        index->touchInstances();
        if (rebuild) return;
        if (before && before->node && (!after || after->node != before->node)) index->recordRemoved(*before->node, before->service, before->number);
        if (after && after->node && (!before || before->node != after->node)) index->recordAdded(*after->node, *after);
    }

    void operator()(const mut::PutNode& x) {
        auto it = st.nodes.find(x.node.name);
        if (it == st.nodes.end()) {
            rebuild = true;
            st.nodes.emplace(x.node.name, x.node);
            if (index) index->numbers().use(x.node.number, true);
            return;
        }
        if (it->second.labels != x.node.labels || it->second.stats.has_value() != x.node.stats.has_value() ||
            (x.node.stats && it->second.stats->used != x.node.stats->used)) {
            rebuild = true;
        }
        const bool wasConnected = it->second.connected;
        const bool wasActive = wasConnected && it->second.availability == Availability::Active;
        it->second = x.node;
        if (index && !rebuild) {   // a rebuild counts afresh
            if (const int ord = index->ordinalOf(x.node.name); ord >= 0) index->nodeChanged(ord, wasConnected, wasActive);
        }
    }
    void operator()(const mut::DropNode& x) {
        rebuild = true;
        auto it = st.nodes.find(x.name);
        if (it == st.nodes.end()) return;
        if (index) index->numbers().use(it->second.number, false);
        st.nodes.erase(it);
    }
    void operator()(const mut::PutService& x) {
        const std::string key = x.service.spec.key();
        Service& stored = st.services[key];
        stored = x.service;
        if (!index) return;
        index->touchService(key);
        index->serviceStored(key, &stored);
    }
    void operator()(const mut::DropService& x) {
        st.services.erase(x.key);
        if (!index) return;
        index->touchService(x.key);
        index->serviceStored(x.key, nullptr);
    }
    void operator()(const mut::PutInstance& x) {
        auto it = st.instances.find(x.instance.key());
        if (it == st.instances.end()) {
            auto ins = st.instances.emplace(x.instance.key(), x.instance).first;
            recordMove(nullptr, &ins->second);
            return;
        }
        const Instance before = it->second;
        it->second = x.instance;
        recordMove(&before, &it->second);
    }
    void operator()(const mut::DropInstance& x) {
        auto it = st.instances.find(x.key);
        if (it == st.instances.end()) return;
        recordMove(&it->second, nullptr);
        st.instances.erase(it);
    }
    void operator()(const mut::PutStack& x) { st.stacks[x.stack.name] = x.stack; }
    void operator()(const mut::DropStack& x) { st.stacks.erase(x.name); }
    void operator()(const mut::PutDeploy& x) {
        st.deploys[x.deploy.id] = x.deploy;
        if (index) index->deployChanged(x.deploy);
    }
    void operator()(const mut::PutStackDeploy& x) { st.stackDeploys[x.deploy.id] = x.deploy; }
    void operator()(const mut::DropVolumeInstancesOn& x) {
        for (auto it = st.volumeInstances.begin(); it != st.volumeInstances.end();) {
            if (it->node == x.node) it = st.volumeInstances.erase(it);
            else ++it;
        }
    }
    void operator()(const mut::PutVolume& x) { st.volumes[x.volume.name] = x.volume; }
    void operator()(const mut::DropVolume& x) { st.volumes.erase(x.name); }
    void operator()(const mut::PutCounters& x) {
        st.nextDeployId = x.nextDeployId;
        st.nextRev = x.nextRev;
        st.quorum = x.quorum;
        st.lastEviction = x.lastEviction;
        st.evictedNodes = x.evictedNodes;
    }
};

}  // namespace

void commit(ClusterState& st, const Decision& d, PlacementIndex* index, std::uint64_t salt, bool* deferredRebuild) {
    bool rebuild = deferredRebuild && *deferredRebuild;
    ApplyMutation apply{st, index, rebuild};
    for (const auto& m : d.changes) std::visit(apply, m);
    if (index && rebuild) {
        if (deferredRebuild) *deferredRebuild = true;
        else index->build(st, salt);
    }
}

bool hasQuorum(const ClusterState& st) {
    std::map<int, int> byGroup;
    for (const auto& [name, n] : st.nodes) {
        if (n.isInitial(st.grid.initialSize) && n.etcdHealthy) ++byGroup[n.partitionGroup];
    }
    int best = 0;
    for (const auto& [g, c] : byGroup) best = std::max(best, c);
    return best >= st.grid.quorumSize();
}

std::string quorumSummary(const ClusterState& st) {
    int healthy = 0;
    for (const auto& [name, n] : st.nodes) healthy += n.isInitial(st.grid.initialSize) && n.etcdHealthy ? 1 : 0;
    return std::to_string(healthy) + " of " + std::to_string(st.grid.initialSize) + " initial members healthy, " +
           std::to_string(st.grid.quorumSize()) + " needed";
}

}  // namespace kontena
