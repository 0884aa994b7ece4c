#pragma once
// Internals of the controller: a draft of state changes over the read-only
// state, so one decision can read its own writes. Not for other users.

#include <functional>
#include <map>
#include <optional>

#include "scheduler/controller.h"

namespace kontena::detail {

class Draft {
public:
    // `freshIndex` (optional) brings a lazily rebuilt index up to date before it is read.
    Draft(const ClusterState& base, const PlacementIndex& index, const RescheduleMemo& memo, const Context& ctx, Decision& out,
          std::function<void()> freshIndex = {});

    const ClusterState& base() const { return base_; }
    const PlacementIndex& index() const {
        if (freshIndex_) freshIndex_();
        return index_;
    }
    // The base's node numbers: the one part of the index every commit keeps,
    // read without bringing the rest up to date.
    const NodeNumberPool& numberPool() const { return index_.numbers(); }
    // The re-scheduler's memo as of the last commit (read only), and what
    // this decision teaches it (applied by Controller::commit).
    const RescheduleMemo& memo() const { return memo_; }
    RescheduleMemoUpdate& memoUpdate() { return out_.memo; }
    // Nodes added, changed or dropped by this draft so far (nullopt: dropped).
    bool nodesChanged() const { return !nodes_.empty(); }
    const std::map<std::string, std::optional<Node>>& changedNodes() const { return nodes_; }
    const Context& ctx() const { return ctx_; }
    Instant now() const { return ctx_.now; }
    const GridSettings& settings() const { return base_.grid.settings; }

    const Node* node(const std::string& name) const;
    // Every node as the draft sees it (base plus added, minus dropped), by name.
    std::vector<const Node*> allNodes() const;
    // The initial nodes (number <= the grid's initial size) as the draft sees them, in no particular order.
    std::vector<const Node*> initialNodes() const;
    Node& editNode(const std::string& name);            // the node must exist (in base or draft)
    void putNode(Node n);
    void dropNode(const std::string& name);

    const Service* service(const std::string& key) const;
    // The same for a caller that holds the base's record of `key` (iterating the base).
    const Service* service(const std::string& key, const Service& baseRecord) const {
        return services_.empty() ? &baseRecord : service(key);
    }
    Service& editService(const std::string& key);
    void putService(Service s);
    void dropService(const std::string& key);

    const Instance* instance(const std::string& service, int number) const;
    Instance& editInstance(const std::string& service, int number);   // creates an empty record if missing
    void dropInstance(const std::string& service, int number);
    std::vector<Instance> instancesOf(const std::string& service) const;
    // The same without copies, by number: valid until the draft changes an instance.
    std::vector<const Instance*> instanceRefsOf(const std::string& service) const;
    std::vector<Instance> instancesOn(const std::string& node) const;

    const Stack* stack(const std::string& name) const;
    void putStack(Stack s);
    void dropStack(const std::string& name);

    const ServiceDeploy* deploy(std::int64_t id) const;
    ServiceDeploy& editDeploy(std::int64_t id);
    void putDeploy(ServiceDeploy d);
    // The service's deploy that is pending or ongoing, if any.
    const ServiceDeploy* activeDeploy(const std::string& service) const;

    const StackDeployRecord* stackDeploy(std::int64_t id) const;
    StackDeployRecord& editStackDeploy(std::int64_t id);
    void putStackDeploy(StackDeployRecord d);

    mut::PutCounters& counters();
    // The etcd quorum as of this draft (kept current by updateQuorum on every node change).
    bool quorum() const { return counters_.quorum; }
    const mut::PutCounters& counters() const { return counters_; }

    void log(const std::string& kind, const std::string& subject, const std::string& detail);
    void command(Command c) { out_.commands.push_back(std::move(c)); }
    // Volumes have no overlay: a decision about a volume changes nothing else.
    void change(Mutation m) { out_.changes.push_back(std::move(m)); }
    void timer(Timer t) { out_.timers.push_back(std::move(t)); }
    void refuse(RefusalKind kind, const std::string& message);
    void failure(PlacementFailure f) { out_.failures.push_back(std::move(f)); }
    bool refused() const { return out_.refused.has_value(); }
    // Records a deploy this decision created (Decision::startedDeploy / startedStackDeploy).
    void started(const ServiceDeploy& dep) { out_.startedDeploy = dep.id; }
    void started(const StackDeployRecord& sd) { out_.startedStackDeploy = sd.id; }

    // Emits every change into the decision, in a deterministic order.
    void finish();

private:
    const ClusterState& base_;
    const PlacementIndex& index_;
    const RescheduleMemo& memo_;
    std::function<void()> freshIndex_;
    const Context& ctx_;
    Decision& out_;
    std::map<std::string, std::optional<Node>> nodes_;
    std::map<std::string, std::optional<Service>> services_;
    std::map<InstanceKey, std::optional<Instance>> instances_;
    std::map<std::string, std::optional<Stack>> stacks_;
    std::map<std::int64_t, ServiceDeploy> deploys_;
    std::map<std::int64_t, StackDeployRecord> stackDeploys_;
    std::vector<std::string> volumeDrops_;
    mut::PutCounters counters_;
    bool countersChanged_ = false;
};

// Handlers, one file per concern.
void onNodeConnect(Draft& d, const ev::NodeConnect& e);
void onNodeClosed(Draft& d, const ev::NodeClosed& e);
void onPingAnswered(Draft& d, const ev::PingAnswered& e);
void onPingMissed(Draft& d, const ev::PingMissed& e);
void onKeepaliveTick(Draft& d, const Timer& t);
void onKeepaliveCheck(Draft& d, const Timer& t);
void onStaleSweep(Draft& d, const Timer& t);
void onNodeRemove(Draft& d, const ev::NodeRemove& e);
void onNodeAvailability(Draft& d, const ev::NodeAvailability& e);
void onNodeLabels(Draft& d, const ev::NodeLabels& e);
void onNodeStats(Draft& d, const ev::NodeStats& e);
void onEtcdMember(Draft& d, const ev::EtcdMember& e);
void onPartition(Draft& d, const ev::Partition& e);
void updateQuorum(Draft& d);
void unplug(Draft& d, const std::string& node, int code, const std::string& reason);

void onStackApply(Draft& d, const ev::StackApply& e);
void onStackDeploy(Draft& d, const ev::StackDeploy& e);
void onStackRemove(Draft& d, const ev::StackRemove& e);
void onVolumeCreate(Draft& d, const ev::VolumeCreate& e);
void onVolumeRemove(Draft& d, const ev::VolumeRemove& e);
void onServiceScale(Draft& d, const ev::ServiceScale& e);
void onServiceDeploy(Draft& d, const ev::ServiceDeploy& e);
void onServiceStop(Draft& d, const ev::ServiceStop& e);
void onServiceStart(Draft& d, const ev::ServiceStart& e);
void onServiceRestart(Draft& d, const ev::ServiceRestart& e);
// Stack- and grid-wide user actions (controller_grid.cpp).
void onStackStop(Draft& d, const ev::StackStop& e);
void onStackStart(Draft& d, const ev::StackStart& e);
void onStackRestart(Draft& d, const ev::StackRestart& e);
void onGridRemove(Draft& d, const ev::GridRemove& e);
void onSecretChanged(Draft& d, const ev::SecretChanged& e);
void onInstanceReport(Draft& d, const ev::InstanceReport& e);
void onInstanceHealth(Draft& d, const ev::InstanceHealth& e);
void onDeployStep(Draft& d, const Timer& t);
void onInstanceTimeout(Draft& d, const Timer& t);
// Creates a pending service deploy and arms its first step. Returns its id.
std::int64_t createDeploy(Draft& d, const std::string& service, const std::string& reason, std::int64_t stackDeploy = 0,
                          bool force = false);

// Stack and service rules (controller_rules.cpp, reference §5.1, §5.3,
// §3.6, §6.2, §6.4). Each refuses through the draft and returns false when
// the request breaks a rule; true when it may go on.
bool checkStackApply(Draft& d, const ev::StackApply& e);
// The stack's services with each named mount of a stack volume resolved to
// the grid's Kontena volume it refers to (VolumeMount::volume, §5.3).
std::vector<ServiceSpec> withStackVolumes(const Draft& d, const ev::StackApply& e);
// The highest instance name of `spec` at `instances` fits in 64 characters.
bool checkInstanceNames(Draft& d, const ServiceSpec& spec, int instances, const std::string& action);
// No service outside `stack` links to one of `services` (service keys).
bool checkNotLinkedFromOtherStacks(Draft& d, const std::string& stack, const std::vector<std::string>& services,
                                   const std::string& action);

void onReschedulePass(Draft& d, const Timer& t);
// While more than massOfflineFraction of the nodes are offline: the offline
// nodes not yet evicted (their instances stay). Empty otherwise.
std::set<std::string> protectedOfflineNodes(const Draft& d);

// Quorum computed on the draft (its node changes included).
bool draftQuorum(const Draft& d);
std::string quorumRefusal(const Draft& d);

}  // namespace kontena::detail
