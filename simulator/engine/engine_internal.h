#pragma once
// The engine's world model, shared by engine.cpp (the loop, scenario
// events, networking) and engine_checks.cpp (expectations).

#include <map>
#include <queue>
#include <set>
#include <variant>

#include "backends/sim/sim_node.h"
#include "scheduler/random.h"
#include "simulator/engine/engine.h"

namespace kontena::sim::detail {

// A simulated host: its agent, network and etcd member.
struct WorldNode {
    ScenarioNode spec;
    simnode::SimNode sim;
    bool joined = false;          // connected at least once (it exists in the grid)
    bool removed = false;
    bool agentWanted = false;     // the agent should be connected (node_disconnect clears it)
    bool networkUp = true;        // node_unresponsive clears it
    bool connectionOpen = false;  // the agent's WebSocket is open
    Instant connectedAt;
    int reconnectAttempt = 0;
    bool reconnectPending = false;
    bool etcdProcessUp = true;
    bool needsSync = false;
    bool syncQueued = false;      // a SyncItem is in the queue: it reads the state when it runs, so one is enough
    bool probeQueued = false;     // standing keepalive: a KeepaliveProbeItem is in the queue
    explicit WorldNode(const ScenarioNode& s) : spec(s), sim(s.name) {}
};

struct ScenarioEventItem { int position = 0; };    // index into the run's event list
struct CoreTimerItem { Timer timer; };
struct CoreEventItem { kontena::Event event; };
struct NodeTaskItem { std::string node; simnode::NodeTask task; };
struct ReconnectItem { std::string node; };
struct SyncItem { std::string node; };
struct CheckItem { std::size_t check = 0; };
// Standing keepalive: the master's next ping to a node whose path is down.
struct KeepaliveProbeItem { std::string node; Instant connectedAt; };

using Payload = std::variant<ScenarioEventItem, CoreTimerItem, CoreEventItem, NodeTaskItem, ReconnectItem, SyncItem, CheckItem,
                             KeepaliveProbeItem>;

struct Item {
    Instant at;
    int cls = 0;                  // 0: the world; 1: checks (after everything else at the same time)
    Payload payload;
};

// The queue orders small keys; payloads wait in slots (a heap moving
// variants of strings and events on every push and pop cost more than the
// ordering itself).
struct QueueKey {
    Instant at;
    int cls = 0;
    std::uint64_t seq = 0;
    std::uint32_t slot = 0;
};

struct Later {
    bool operator()(const QueueKey& a, const QueueKey& b) const {
        if (a.at != b.at) return a.at > b.at;
        if (a.cls != b.cls) return a.cls > b.cls;
        return a.seq > b.seq;
    }
};

// Outcome of each scenario event, for refused/accepted checks.
struct EventOutcome {
    bool applied = false;
    std::optional<std::string> refusal;
    Instant at;
    std::string action;
};

class World {
public:
    World(const Scenario& sc, const EngineOptions& options);
    RunReport run();

    // --- used by the checks (engine_checks.cpp)
    const Scenario& scenario() const { return sc_; }
    const ClusterState& master() const { return ctl_.state(); }
    const std::map<std::string, WorldNode>& nodes() const { return nodes_; }
    const std::vector<EventOutcome>& outcomes() const { return outcomes_; }
    const std::vector<Event>& events() const { return events_; }
    int moves(const std::string& service) const;
    int restarts(const std::string& service, int number) const;   // number 0: every instance
    Instant now() const { return now_; }
    bool instanceRunning(const std::string& service, int number, std::string* node = nullptr) const;

private:
    void push(Instant at, Payload p, int cls = 0);
    void process(const Item& item);
    std::optional<std::string> deliver(const kontena::Event& e);
    // Commits a decision and carries out what it asks (timers, commands, timeline).
    void carryOut(const Decision& d);
    void handleCommand(const Command& c);
    void applyScenarioEvent(const Event& e, EventOutcome& out);
    // A `deploy` event: install (or adopt, the first time with `placement:`) or deploy the stack.
    std::optional<std::string> deployStack(const std::string& stack);
    // `placement` (first deploy of a stack with `placement:`): install the
    // stack tree without a deploy and adopt those instances where they are.
    std::optional<std::string> loadAndApplyStack(const std::string& stack, const StackSource& source,
                                                 const std::map<std::string, std::string>& variables,
                                                 const std::vector<PlacedInstance>* placement = nullptr);
    // engine_placement.cpp: is `placement` possible for a tree with these
    // services (every instance's service among them, every node in the grid)?
    std::optional<std::string> placementProblem(const std::set<std::string>& services,
                                                const std::vector<PlacedInstance>& placement) const;
    // Marks `services` running as deployed now and puts the instances on their nodes.
    void adoptPlacement(const std::set<std::string>& services, const std::vector<PlacedInstance>& placement);
    void connect(WorldNode& n);
    void connectionLost(WorldNode& n, Duration detectAfter);
    void scheduleReconnect(WorldNode& n, Instant from);
    bool masterReaches(const WorldNode& n) const;
    bool pathUp(const WorldNode& n) const { return n.networkUp && n.agentWanted && masterReaches(n); }
    void updateEtcd(WorldNode& n);
    void syncNode(const std::string& node);
    void queueSync(WorldNode& n);
    void armProbes();
    void applyEffects(const std::string& node, simnode::Effects& fx);
    void noteRunning(const InstanceKey& key, const std::string& node);
    void evaluateCheck(std::size_t i);
    void evaluateIntervals();
    void recordSpans();
    void closeSpans();

    const Scenario& sc_;
    EngineOptions options_;
    Rng rng_;
    Controller ctl_;
    std::priority_queue<QueueKey, std::vector<QueueKey>, Later> queue_;
    std::vector<Payload> slots_;                 // payloads of queued items, by QueueKey::slot
    std::vector<std::uint32_t> freeSlots_;
    std::uint64_t seq_ = 0;
    Instant now_;
    std::map<std::string, WorldNode> nodes_;
    std::vector<std::string> joinOrder_;
    std::vector<std::vector<std::string>> partition_;   // groups, "master" included
    std::vector<Event> events_;
    std::vector<EventOutcome> outcomes_;
    std::set<std::string> appliedStacks_;
    std::set<std::string> adoptedStacks_;         // stacks whose `placement:` was taken (once, at their first deploy)
    std::map<InstanceKey, std::string> lastRanOn_;
    std::map<std::string, int> moves_;
    std::map<InstanceKey, int> restarts_;
    RunReport report_;
    std::vector<std::size_t> openIntervals_;
    // spans
    std::map<std::string, std::pair<std::string, Instant>> nodeSpanOpen_;
    std::map<std::pair<InstanceKey, std::string>, Instant> instSpanOpen_;   // (instance, node) -> running since
    std::optional<Instant> quorumLostAt_;
    bool everHadQuorum_ = false;

    friend std::string checkActual(const World&, const Check&, bool&);
};

// Evaluates one check now: sets `passed`, returns what was observed.
std::string checkActual(const World& w, const Check& c, bool& passed);
// What the check expects, in words.
std::string checkExpected(const Check& c);

}  // namespace kontena::sim::detail
