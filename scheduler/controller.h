#pragma once
// The decision seam (design.md): Decision decide(state, event, context) and
// commit(state, decision). decide() reads the grid's state, never changes
// it, and returns plain data: state changes, commands for the outside world,
// timers to arm, placement failures and timeline entries. commit() applies
// the state changes; every driver (simulator, master, tests) uses it.
//
// Time and randomness are inputs (Context). The driver owns the clock and
// the timer queue: it arms every Timer a decision returns and hands it back
// as a TimerFired event when it is due. Stale timers are harmless: every
// handler checks that the timer still applies (connection token, deploy id).

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "scheduler/model.h"
#include "scheduler/placement.h"
#include "scheduler/placement_index.h"
#include "scheduler/reschedule_memo.h"

namespace kontena {

struct Context {
    Instant now;
    std::uint64_t seed = 1;   // per-decision randomness, drawn by the driver from its seeded PRNG
    // How the driver keeps connections alive. false: the core arms a
    // KeepaliveTick timer per ping and expects cmd::Ping to be answered with
    // ev::PingAnswered (the master). true ("standing" keepalive): the driver
    // pings every pingInterval from the connection's connectedAt on its own
    // and reports only the first unanswered ping, as ev::PingMissed at the
    // time it was sent; an answered ping changes nothing but the node's last
    // contact, which the core then derives from the schedule (the simulator:
    // 10,000 healthy nodes cost nothing between failures). Both give the same
    // decisions; a driver must not switch modes while connections are open.
    bool standingKeepalive = false;
};

enum class TimerKind {
    KeepaliveTick,     // ping the node (node, token = connectedAt)
    KeepaliveCheck,    // was the ping answered? (node, token)
    StaleSweep,        // every staleSweepInterval
    ReschedulePass,    // every schedulerInterval (§4.9)
    DeployStep,        // advance a service deploy (service, token = deploy id)
    InstanceTimeout,   // an instance deploy waited instanceDeployWait (service, number, token = deploy id)
};

struct Timer {
    Instant at;
    TimerKind kind = TimerKind::ReschedulePass;
    std::string node;
    std::string service;
    int number = 0;
    std::int64_t token = 0;
};

// ------------------------------------------------------------------ events

namespace ev {
// An agent connection was accepted, with the node's info (/nodes/update).
struct NodeConnect {
    std::string node;
    Instant connectedAt;                 // the agent's Kontena-Connected-At
    std::vector<std::string> labels;
    int cpus = 2;
    std::int64_t memory = 0;
    std::vector<std::string> volumeDrivers{"local"};
};
struct NodeClosed { std::string node; Instant connectedAt; };      // the socket closed
struct PingAnswered { std::string node; Instant connectedAt; };
// Standing keepalive (Context::standingKeepalive): the ping sent now got no answer.
struct PingMissed { std::string node; Instant connectedAt; };
struct NodeRemove { std::string node; };
struct NodeAvailability { std::string node; Availability availability = Availability::Active; };
struct NodeLabels { std::string node; std::vector<std::string> add, remove; };
// The node's newest memory figures (/nodes/stats, Kontena's `latest_stats`):
// the memory filter and the ha rank read them. An unknown node: nothing.
struct NodeStats { std::string node; NodeMemoryStats memory; };
// A top-level `volumes:` entry of a stack file (reference §5.3): a stack may
// only use external volumes, and each must exist in the grid.
struct StackVolume {
    std::string name;           // the name the stack's services use
    bool external = false;
    std::string externalName;   // the grid volume it refers to
};
// Install or upgrade a stack (already rendered into service specs), then deploy it.
// Refused (Invalid) without services, with a non-external volume, a stateful
// service with volumes_from, a stateful service gaining an anonymous volume,
// or an instance name over 64 characters; (NotFound) with a missing external
// volume; (Conflict) when it drops a service another stack links to.
struct StackApply {
    std::string stack;
    std::vector<ServiceSpec> services;
    std::vector<std::string> dependsOn;  // child stacks, deployed first
    bool deploy = true;
    std::vector<StackVolume> volumes;
};
struct StackDeploy { std::string stack; };
// Refused (Conflict) while a service of another stack links to one of its services.
struct StackRemove { std::string stack; };
// Grid volumes (reference §5.3): created before services use them; removal
// is refused while a service mounts the volume.
struct VolumeCreate { Volume volume; };
struct VolumeRemove { std::string name; };
// Scale and deploy are refused (Invalid) when the service's highest
// instance name `<service>-<n>.<stack>.<grid>.kontena.local` would exceed
// 64 characters (dns::nameLengthProblem).
struct ServiceScale { std::string service; int instances = 0; };
struct ServiceDeploy { std::string service; bool force = false; };
struct ServiceStop { std::string service; };
struct ServiceStart { std::string service; };
struct ServiceRestart { std::string service; };
// An agent's report on one instance (/node_service_pods/set_state).
struct InstanceReport {
    std::string node;
    std::string service;
    int number = 0;
    std::int64_t rev = 0;
    int serviceRevision = 0;
    ObservedState state = ObservedState::Running;
    std::string error;
};
struct InstanceHealth { std::string node; std::string service; int number = 0; Health health = Health::Unknown; };
// The etcd member of a node is (un)healthy / (un)reachable.
struct EtcdMember { std::string node; bool healthy = true; };
// Etcd reachability groups: nodes listed together reach each other; nodes
// not listed form one more group. Empty: everything reaches everything.
struct Partition { std::vector<std::vector<std::string>> groups; };
struct TimerFired { Timer timer; };
// A whole stack's services stopped, started or restarted in one decision
// (refused as a whole: NotFound when the stack does not exist).
struct StackStop { std::string stack; };
struct StackStart { std::string stack; };
struct StackRestart { std::string stack; };
// The user removes the grid itself: refused (Conflict) while any node is
// online; accepted, it changes nothing and the driver forgets the grid.
struct GridRemove {};
// A vault secret was created or its value changed, or a certificate was
// imported (reference §10.1/10.2): every service naming it in `secrets:`
// (or `certificates:`) gets a forced update
// (revision + 1, updated_at now). The re-scheduler then re-deploys the
// running stateless ones ("lagging behind"); a stateful one takes the new
// value on its next explicit deploy. Nothing refers to it: nothing changes.
struct SecretChanged {
    std::string secret;          // a secret's name, or a certificate's subject
    bool certificate = false;    // which of the two: services' `certificates:` or `secrets:`
};
}  // namespace ev

using Event = std::variant<ev::NodeConnect, ev::NodeClosed, ev::PingAnswered, ev::PingMissed, ev::NodeRemove, ev::NodeAvailability,
                           ev::NodeLabels, ev::StackApply, ev::StackDeploy, ev::StackRemove, ev::ServiceScale,
                           ev::ServiceDeploy, ev::ServiceStop, ev::ServiceStart, ev::ServiceRestart, ev::InstanceReport,
                           ev::InstanceHealth, ev::EtcdMember, ev::Partition, ev::TimerFired, ev::VolumeCreate,
                           ev::VolumeRemove, ev::StackStop, ev::StackStart, ev::StackRestart, ev::GridRemove,
                           ev::SecretChanged, ev::NodeStats>;

// ---------------------------------------------------------------- commands

namespace cmd {
struct Ping { std::string node; Instant connectedAt; };             // answer with ev::PingAnswered
struct NotifyNode { std::string node; };                            // the agent re-reads its desired instances
struct CloseConnection { std::string node; int code = 1000; std::string reason; };
struct RestartInstance { std::string node; std::string service; int number = 0; };
}  // namespace cmd

using Command = std::variant<cmd::Ping, cmd::NotifyNode, cmd::CloseConnection, cmd::RestartInstance>;

// ---------------------------------------------------------- state changes

namespace mut {
struct PutNode { Node node; };
struct DropNode { std::string name; };
struct PutService { Service service; };
struct DropService { std::string key; };
struct PutInstance { Instance instance; };
struct DropInstance { InstanceKey key; };
struct PutStack { Stack stack; };
struct DropStack { std::string name; };
struct PutDeploy { ServiceDeploy deploy; };
struct PutStackDeploy { StackDeployRecord deploy; };
struct DropVolumeInstancesOn { std::string node; };
struct PutVolume { Volume volume; };
struct DropVolume { std::string name; };
struct PutCounters {
    std::int64_t nextDeployId = 1;
    std::int64_t nextRev = 1;
    bool quorum = true;
    std::optional<Instant> lastEviction;
    std::set<std::string> evictedNodes;
};
}  // namespace mut

using Mutation = std::variant<mut::PutNode, mut::DropNode, mut::PutService, mut::DropService, mut::PutInstance,
                              mut::DropInstance, mut::PutStack, mut::DropStack, mut::PutDeploy, mut::PutStackDeploy,
                              mut::DropVolumeInstancesOn, mut::PutCounters, mut::PutVolume, mut::DropVolume>;

// One line of the timeline: what the platform did and why.
struct LogEntry {
    Instant at;
    std::string kind;      // node_online, node_offline, instance_placed, instance_moved, deploy_finished, ...
    std::string subject;   // node, service or instance name
    std::string detail;
};

// Why an event was refused. Drivers map the kind, never the message, to
// their own vocabulary (the master: one kind -> HTTP status table); the
// message is the platform's words for a person and what scenario `refused`
// checks match.
enum class RefusalKind {
    NoQuorum,   // needs the etcd quorum (new addresses), which is lost
    Conflict,   // clashes with the grid's current state (exists, in use, online, full)
    NotFound,   // names a node, service, stack or volume the grid does not have
    Invalid,    // the request itself is wrong (bad count, cyclic or contradicting stack)
    Stale,      // superseded by something newer (an old agent connection)
};
// "no_quorum", "conflict", "not_found", "invalid", "stale"
const char* refusalKindName(RefusalKind kind);

struct Refusal {
    RefusalKind kind = RefusalKind::Invalid;
    std::string message;   // the platform's message, e.g. "Cannot remove node n1: no such node"
};

struct Decision {
    std::optional<Refusal> refused;         // the event was refused: why, with the platform's message
    std::vector<Mutation> changes;
    std::vector<Command> commands;
    std::vector<Timer> timers;
    std::vector<PlacementFailure> failures;
    std::vector<LogEntry> log;
    // The last service deploy and stack deploy this decision created (none
    // when refused): what the API answers a deploy, scale or stack request with.
    std::optional<std::int64_t> startedDeploy;
    std::optional<std::int64_t> startedStackDeploy;
    // What a re-scheduler pass learned about clean checks; Controller::commit
    // hands it to the controller's memo. Derived data: drivers ignore it.
    RescheduleMemoUpdate memo;
};

// The grid's state plus derived data kept in step by commit(): the placement
// index and the re-scheduler's memo. decide() reads both and writes neither
// (the index is rebuilt on first read after nodes were added or dropped: a
// pure function of the state, so when that happens changes no decision).
class Controller {
public:
    Controller(ClusterState initial, std::uint64_t seed);

    const ClusterState& state() const { return state_; }
    const PlacementIndex& index() const {
        freshIndex();
        return index_;
    }

    // Pure: the same state, memo, event and context give the same decision.
    Decision decide(const Event& event, const Context& ctx) const;
    // Applies the decision's state changes, updates the index, and teaches
    // the memo what the decision learned (Decision::memo).
    void commit(const Decision& decision);
    // Recurring timers a driver arms once at start (re-scheduler, stale sweep).
    std::vector<Timer> startupTimers(Instant now) const;
    // Memoised re-scheduler checks are on by default; off recomputes every
    // check on every pass (tests compare the two). Either way forgets all.
    void setMemoEnabled(bool on) { memo_.setEnabled(on); }
    const RescheduleMemo& memo() const { return memo_; }

private:
    void freshIndex() const;

    ClusterState state_;
    mutable PlacementIndex index_;
    mutable bool indexStale_ = false;
    RescheduleMemo memo_;   // written by commit() only
    std::uint64_t seed_;
};

// Applies `d`'s changes to `state` (and keeps `index` in step when given).
// With `deferredRebuild`, a change that needs a full rebuild of the index
// sets the flag instead; the caller rebuilds before the index is read.
void commit(ClusterState& state, const Decision& d, PlacementIndex* index = nullptr, std::uint64_t indexSalt = 0,
            bool* deferredRebuild = nullptr);

// Etcd quorum (§1.3): the largest group of initial nodes whose members are
// healthy and reach each other holds floor(initial_size/2)+1 of them.
bool hasQuorum(const ClusterState& state);
// "2 of 3 initial members healthy, 2 needed"
std::string quorumSummary(const ClusterState& state);

}  // namespace kontena
