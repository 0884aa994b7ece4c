// The simulation loop, the scenario's events, and the simulated network
// between the master and the nodes (see engine.h).
#include "simulator/engine/engine.h"

#include <algorithm>

#include "simulator/engine/engine_internal.h"
#include "stacks/apply.h"
#include "stacks/loader.h"
#include "stacks/sources.h"
#include "scheduler/overloaded.h"

namespace kontena::sim {

namespace detail {

namespace {

ClusterState initialState(const Scenario& sc) {
    ClusterState st;
    st.grid = sc.grid;
    return st;
}

std::vector<Event> mergedEvents(const Scenario& sc, const EngineOptions& options) {
    std::vector<Event> all = sc.events;
    for (const auto& e : options.extraEvents) all.push_back(e);
    std::stable_sort(all.begin(), all.end(), [](const Event& a, const Event& b) { return a.at < b.at; });
    return all;
}

}  // namespace

World::World(const Scenario& sc, const EngineOptions& options)
    : sc_(sc), options_(options), rng_(options.seed), ctl_(initialState(sc), options.seed), events_(mergedEvents(sc, options)) {
    ctl_.setMemoEnabled(options.memoise);
    report_.scenario = sc.name;
    report_.seed = options.seed;
    report_.end = sc.end();
    for (const auto& n : sc.nodes) {
        auto [it, inserted] = nodes_.emplace(n.name, WorldNode(n));
        it->second.agentWanted = true;
        it->second.reconnectPending = true;
        push(n.connectAt, ReconnectItem{n.name});   // first connection; file order decides node numbers
    }
    outcomes_.resize(events_.size());
    for (std::size_t i = 0; i < events_.size(); ++i) push(events_[i].at, ScenarioEventItem{static_cast<int>(i)});
    for (std::size_t i = 0; i < sc.expect.size(); ++i) push(sc.expect[i].when.from, CheckItem{i}, 1);
    for (const Timer& t : ctl_.startupTimers(Instant(0))) push(t.at, CoreTimerItem{t});
    report_.checks.resize(sc.expect.size());
    for (std::size_t i = 0; i < sc.expect.size(); ++i) {
        CheckResult& r = report_.checks[i];
        r.index = sc.expect[i].index;
        r.when = sc.expect[i].when;
        r.subject = subjectName(sc.expect[i].subject);
        r.expected = checkExpected(sc.expect[i]);
        r.passed = true;
    }
}

void World::push(Instant at, Payload p, int cls) {
    std::uint32_t slot;
    if (freeSlots_.empty()) {
        slot = static_cast<std::uint32_t>(slots_.size());
        slots_.push_back(std::move(p));
    } else {
        slot = freeSlots_.back();
        freeSlots_.pop_back();
        slots_[slot] = std::move(p);
    }
    queue_.push(QueueKey{at, cls, seq_++, slot});
}

RunReport World::run() {
    const Instant end = sc_.end();
    while (!queue_.empty() && queue_.top().at <= end) {
        const QueueKey key = queue_.top();
        queue_.pop();
        Item item{key.at, key.cls, std::move(slots_[key.slot])};
        freeSlots_.push_back(key.slot);
        now_ = item.at;
        process(item);
        ++report_.stats.events;
        if (item.cls == 0) {
            evaluateIntervals();
            recordSpans();
        }
        // Observers see each instant once it is complete (every item at this time processed).
        const bool instantDone = queue_.empty() || queue_.top().at > now_;
        if (options_.observer && instantDone) {
            std::map<InstanceKey, int> running;
            for (const auto& [name, n] : nodes_) {
                if (!options_.observeRunning) break;
                const Node* m = ctl_.state().node(name);
                if (!m || !m->connected || !n.connectionOpen || !pathUp(n)) continue;   // online and in touch with the master
                for (const auto& [key, c] : n.sim.containers()) {
                    if (c.state == agent::ContainerState::Running) ++running[key];
                }
            }
            options_.observer(now_, ctl_.state(), running);
        }
    }
    now_ = end;
    closeSpans();
    for (const auto& c : report_.checks) report_.passed = report_.passed && c.passed;
    for (const auto& name : joinOrder_) report_.nodes.push_back(name);
    return report_;
}

void World::process(const Item& item) {
    std::visit(Overloaded{
                   [&](const ScenarioEventItem& x) {
                       const Event& e = events_[static_cast<std::size_t>(x.position)];
                       EventOutcome& out = outcomes_[static_cast<std::size_t>(x.position)];
                       out.at = e.at;
                       out.action = actionName(e.action);
                       applyScenarioEvent(e, out);
                       armProbes();   // paths only change with scenario events
                       ++report_.stats.scenarioEvents;
                       if (out.refusal) ++report_.stats.refusedEvents;
                       report_.timeline.push_back(TimelineEntry{now_, out.refusal ? "event_refused" : "event", out.action,
                                                                "event " + std::to_string(e.index) + (out.refusal ? ": " + *out.refusal : "")});
                   },
                   [&](const CoreTimerItem& x) { deliver(ev::TimerFired{x.timer}); },
                   [&](const CoreEventItem& x) { deliver(x.event); },
                   [&](const NodeTaskItem& x) {
                       auto it = nodes_.find(x.node);
                       if (it == nodes_.end() || it->second.removed) return;
                       simnode::Effects fx;
                       it->second.sim.onTask(x.task, now_, ctl_.state(), fx);
                       applyEffects(x.node, fx);
                   },
                   [&](const ReconnectItem& x) {
                       WorldNode& n = nodes_.at(x.node);
                       n.reconnectPending = false;
                       if (!n.agentWanted || n.connectionOpen) return;
                       if (n.networkUp && masterReaches(n)) connect(n);
                       else scheduleReconnect(n, now_);
                   },
                   [&](const SyncItem& x) { syncNode(x.node); },
                   [&](const CheckItem& x) { evaluateCheck(x.check); },
                   [&](const KeepaliveProbeItem& x) {
                       auto it = nodes_.find(x.node);
                       if (it == nodes_.end()) return;
                       WorldNode& n = it->second;
                       n.probeQueued = false;
                       if (!n.connectionOpen || n.connectedAt != x.connectedAt || pathUp(n)) return;   // answered
                       deliver(ev::PingMissed{x.node, x.connectedAt});
                       connectionLost(n, master().grid.settings.pingTimeout);   // the agent's own ping fails too
                   },
               },
               item.payload);
}

// Standing keepalive: for every open connection whose path is down, the
// master's next ping (every pingInterval after connectedAt; one due now
// counts) finds out.
void World::armProbes() {
    if (!options_.standingKeepalive) return;
    const std::int64_t interval = std::max<std::int64_t>(1, master().grid.settings.pingInterval.ms);
    for (auto& [name, n] : nodes_) {
        if (n.probeQueued || !n.connectionOpen || pathUp(n)) continue;
        const std::int64_t since = now_.ms - n.connectedAt.ms;
        const std::int64_t k = std::max<std::int64_t>(1, (since + interval - 1) / interval);
        n.probeQueued = true;
        push(Instant(n.connectedAt.ms + k * interval), KeepaliveProbeItem{name, n.connectedAt});
    }
}

std::optional<std::string> World::deliver(const kontena::Event& e) {
    // Keepalive decisions draw no randomness (they use none), so the two
    // keepalive modes see the same random stream.
    const auto* timer = std::get_if<ev::TimerFired>(&e);
    const bool keepalive = std::holds_alternative<ev::PingAnswered>(e) || std::holds_alternative<ev::PingMissed>(e) ||
                           (timer && (timer->timer.kind == TimerKind::KeepaliveTick || timer->timer.kind == TimerKind::KeepaliveCheck));
    const Context ctx{now_, keepalive ? 0 : options_.decisionSeed ? *options_.decisionSeed : rng_.next(), options_.standingKeepalive};
    const Decision d = ctl_.decide(e, ctx);
    carryOut(d);
    if (d.refused) return d.refused->message;
    return std::nullopt;
}

void World::carryOut(const Decision& d) {
    ctl_.commit(d);
    for (const auto& m : d.changes) {
        if (const auto* drop = std::get_if<mut::DropInstance>(&m)) lastRanOn_.erase(drop->key);
    }
    for (const auto& t : d.timers) push(t.at, CoreTimerItem{t});
    for (const auto& l : d.log) {
        if (l.kind == "refused") continue;   // recorded with the event itself
        report_.timeline.push_back(TimelineEntry{l.at, l.kind, l.subject, l.detail});
    }
    report_.stats.placementFailures += static_cast<long>(d.failures.size());
    for (const auto& c : d.commands) handleCommand(c);
}

bool World::masterReaches(const WorldNode& n) const {
    if (partition_.empty()) return true;
    auto groupOf = [&](const std::string& name) {
        for (std::size_t g = 0; g < partition_.size(); ++g) {
            if (std::find(partition_[g].begin(), partition_[g].end(), name) != partition_[g].end()) return static_cast<int>(g);
        }
        return -1;
    };
    return groupOf(n.spec.name) == groupOf(kMaster);
}

void World::handleCommand(const Command& c) {
    std::visit(Overloaded{
                   [&](const cmd::Ping& p) {
                       auto it = nodes_.find(p.node);
                       if (it == nodes_.end()) return;
                       WorldNode& n = it->second;
                       if (!n.connectionOpen || n.connectedAt != p.connectedAt) return;
                       if (pathUp(n)) push(now_, CoreEventItem{ev::PingAnswered{p.node, p.connectedAt}});
                       else connectionLost(n, master().grid.settings.pingTimeout);   // the agent's own ping fails too
                   },
                   [&](const cmd::NotifyNode& x) {
                       auto it = nodes_.find(x.node);
                       if (it == nodes_.end()) return;
                       if (it->second.connectionOpen && pathUp(it->second)) queueSync(it->second);
                       else it->second.needsSync = true;
                   },
                   [&](const cmd::CloseConnection& x) {
                       auto it = nodes_.find(x.node);
                       if (it == nodes_.end() || !it->second.connectionOpen) return;
                       WorldNode& n = it->second;
                       if (pathUp(n)) {
                           n.connectionOpen = false;
                           scheduleReconnect(n, now_);
                       }
                   },
                   [&](const cmd::RestartInstance& x) {
                       auto it = nodes_.find(x.node);
                       if (it == nodes_.end() || !it->second.connectionOpen || !pathUp(it->second)) return;
                       simnode::Effects fx;
                       it->second.sim.restart(InstanceKey{x.service, x.number}, now_, ctl_.state(), "user", fx);
                       applyEffects(x.node, fx);
                   },
               },
               c);
}

void World::connect(WorldNode& n) {
    // §2.8: the agent of a removed node still holds the grid token, so the master creates the node again.
    n.removed = false;
    n.connectionOpen = true;
    n.connectedAt = now_;
    n.reconnectAttempt = 0;
    if (!n.joined) joinOrder_.push_back(n.spec.name);
    n.joined = true;
    ev::NodeConnect e{n.spec.name, now_, n.spec.labels, n.spec.cpus, n.spec.memory, n.spec.volumeDrivers};
    if (auto refusal = deliver(e)) {
        n.connectionOpen = false;
        report_.timeline.push_back(TimelineEntry{now_, "node_refused", n.spec.name, *refusal});
    }
    updateEtcd(n);
}

void World::connectionLost(WorldNode& n, Duration detectAfter) {
    n.connectionOpen = false;
    scheduleReconnect(n, now_ + detectAfter);
}

void World::scheduleReconnect(WorldNode& n, Instant from) {
    if (n.reconnectPending || !n.agentWanted) return;
    const Duration delay = master().grid.settings.reconnectDelay(n.reconnectAttempt);
    ++n.reconnectAttempt;
    n.reconnectPending = true;
    push(from + delay, ReconnectItem{n.spec.name});
}

void World::updateEtcd(WorldNode& n) {
    const bool healthy = n.joined && !n.removed && n.etcdProcessUp && n.networkUp && n.agentWanted;
    if (n.joined && !n.removed) deliver(ev::EtcdMember{n.spec.name, healthy});
}

void World::queueSync(WorldNode& n) {
    if (n.syncQueued) return;
    n.syncQueued = true;
    push(now_, SyncItem{n.spec.name});
}

void World::syncNode(const std::string& node) {
    auto it = nodes_.find(node);
    if (it == nodes_.end()) return;
    WorldNode& n = it->second;
    n.syncQueued = false;
    if (n.removed) return;
    if (!n.connectionOpen || !pathUp(n)) {
        n.needsSync = true;
        return;
    }
    n.needsSync = false;
    const std::size_t before = n.sim.containers().size();
    simnode::Effects fx;
    n.sim.sync(simnode::podsFor(ctl_.index(), node), ctl_.state().quorum, true, now_, ctl_.state(), fx);
    const std::size_t after = n.sim.containers().size();
    if (after < before) report_.stats.instancesStopped += static_cast<long>(before - after);
    applyEffects(node, fx);
}

void World::applyEffects(const std::string& node, simnode::Effects& fx) {
    for (auto& [at, task] : fx.tasks) push(at, NodeTaskItem{node, task});
    if (fx.resync) queueSync(nodes_.at(node));
    for (auto& r : fx.reports) push(now_, CoreEventItem{r});
    for (auto& h : fx.health) push(now_, CoreEventItem{h});
    for (auto& [key, on] : fx.running) noteRunning(key, on);
    for (auto& [key, cause] : fx.restarts) {
        ++restarts_[key];
        ++report_.stats.restarts;
        report_.timeline.push_back(TimelineEntry{now_, "instance_restarted", instanceName(key.service, key.number), "restarted (" + cause + ")"});
    }
}

void World::noteRunning(const InstanceKey& key, const std::string& node) {
    ++report_.stats.instancesStarted;
    auto it = lastRanOn_.find(key);
    if (it != lastRanOn_.end() && it->second != node) {
        ++moves_[key.service];
        ++report_.stats.instancesMoved;
    }
    lastRanOn_[key] = node;
}

int World::moves(const std::string& service) const {
    auto it = moves_.find(service);
    return it == moves_.end() ? 0 : it->second;
}

int World::restarts(const std::string& service, int number) const {
    int total = 0;
    for (const auto& [key, count] : restarts_) {
        if (key.service == service && (number == 0 || key.number == number)) total += count;
    }
    return total;
}

bool World::instanceRunning(const std::string& service, int number, std::string* node) const {
    const Instance* inst = master().instance(service, number);
    if (!inst || !inst->node) return false;
    auto it = nodes_.find(*inst->node);
    if (it == nodes_.end()) return false;
    if (node) *node = *inst->node;
    return it->second.sim.running(InstanceKey{service, number});
}

// ------------------------------------------------------------ scenario events

std::optional<std::string> World::loadAndApplyStack(const std::string& stack, const StackSource& source,
                                                    const std::map<std::string, std::string>& variables,
                                                    const std::vector<PlacedInstance>* placement) {
    stacks::LoadOptions opt;
    opt.name = stack;
    opt.grid = sc_.grid.name;
    for (const auto& [k, v] : variables) opt.values[k] = stacks::Value::string(v);
    opt.placeholders = true;
    opt.seed = options_.seed;
    stacks::MapEnvironment env;
    opt.environment = &env;
    stacks::LoadResult loaded;
    if (const auto* f = std::get_if<StackFile>(&source)) loaded = stacks::loadStackFile(f->path.string(), opt);
    else loaded = stacks::loadStackText(std::get<StackInline>(source).yaml, sc_.file.string() + " (stack " + stack + ")", opt);
    if (!loaded.ok()) return "stack " + stack + " does not validate: " + loaded.diagnostics.format();
    std::set<std::string> services;   // of the whole tree: a placement may name a child stack's instances
    if (placement) {
        for (const auto& step : stacks::stackApplySteps(*loaded.stack, false)) {
            for (const auto& spec : step.event.services) services.insert(spec.key());
        }
        if (auto problem = placementProblem(services, *placement)) return problem;
    }
    // The master's path too (stacks/apply.h): children first, stop at the first refusal.
    const auto refusal = stacks::applyStackTree(*loaded.stack, !placement,
                                                [&](const stacks::StackApplyStep& step) { return deliver(step.event); });
    if (refusal) return refusal;
    appliedStacks_.insert(stack);
    if (placement) adoptPlacement(services, *placement);
    return std::nullopt;
}

std::optional<std::string> World::deployStack(const std::string& stack) {
    if (appliedStacks_.count(stack)) return deliver(ev::StackDeploy{stack});
    const ScenarioStack& s = sc_.stacks.at(stack);
    // The stack's `placement:` is where the scenario finds it, once: later installs deploy.
    const bool found = !s.placement.empty() && !adoptedStacks_.count(stack);
    auto refusal = loadAndApplyStack(stack, s.source, s.variables, found ? &s.placement : nullptr);
    if (found && !refusal) adoptedStacks_.insert(stack);
    return refusal;
}

void World::applyScenarioEvent(const Event& e, EventOutcome& out) {
    auto node = [&](const std::string& name) -> WorldNode* {
        auto it = nodes_.find(name);
        return it == nodes_.end() ? nullptr : &it->second;
    };
    std::optional<std::string> refusal;
    std::visit(Overloaded{
                   [&](const Deploy& x) { refusal = deployStack(x.stack); },
                   [&](const Upgrade& x) { refusal = loadAndApplyStack(x.stack, x.source, x.variables); },
                   [&](const Remove& x) {
                       refusal = deliver(ev::StackRemove{x.stack});
                       if (!refusal) appliedStacks_.erase(x.stack);
                   },
                   [&](const Scale& x) { refusal = deliver(ev::ServiceScale{x.service.key(), x.instances}); },
                   [&](const Stop& x) { refusal = deliver(ev::ServiceStop{x.service.key()}); },
                   [&](const Start& x) { refusal = deliver(ev::ServiceStart{x.service.key()}); },
                   [&](const Restart& x) { refusal = deliver(ev::ServiceRestart{x.service.key()}); },
                   [&](const NodeConnect& x) {
                       WorldNode* n = node(x.node);
                       if (!n) {
                           refusal = "node " + x.node + " is not part of the grid";
                           return;
                       }
                       n->agentWanted = true;
                       n->networkUp = true;
                       if (!n->connectionOpen) {
                           if (masterReaches(*n)) connect(*n);
                           else scheduleReconnect(*n, now_);   // partitioned from the master: the agent keeps trying
                       }
                       updateEtcd(*n);
                   },
                   [&](const NodeDisconnect& x) {
                       WorldNode* n = node(x.node);
                       if (!n) return;
                       n->agentWanted = false;
                       if (n->connectionOpen) {
                           n->connectionOpen = false;
                           deliver(ev::NodeClosed{x.node, n->connectedAt});
                       }
                       updateEtcd(*n);
                   },
                   [&](const NodeUnresponsive& x) {
                       WorldNode* n = node(x.node);
                       if (!n) return;
                       n->networkUp = false;
                       updateEtcd(*n);
                   },
                   [&](const NodeResponsive& x) {
                       WorldNode* n = node(x.node);
                       if (!n) return;
                       n->networkUp = true;
                       updateEtcd(*n);
                       if (n->connectionOpen && n->needsSync) queueSync(*n);
                   },
                   [&](const NodeDrain& x) { refusal = deliver(ev::NodeAvailability{x.node, Availability::Drain}); },
                   [&](const NodeActivate& x) { refusal = deliver(ev::NodeAvailability{x.node, Availability::Active}); },
                   [&](const NodeRemove& x) {
                       refusal = deliver(ev::NodeRemove{x.node});
                       if (refusal) return;
                       // Its agent keeps running (or stays stopped) as it was; connect() brings the node back.
                       if (WorldNode* n = node(x.node)) n->removed = true;
                   },
                   [&](const NodeAdd& x) {
                       for (const auto& spec : x.nodes) {
                           auto [it, inserted] = nodes_.emplace(spec.name, WorldNode(spec));
                           if (!inserted) {
                               refusal = "node " + spec.name + " already exists";
                               continue;
                           }
                           it->second.agentWanted = true;
                           connect(it->second);
                       }
                   },
                   [&](const NodeLabel& x) { refusal = deliver(ev::NodeLabels{x.node, x.add, x.remove}); },
                   [&](const InstanceCrash& x) {
                       std::string on;
                       if (!instanceRunning(x.instance.service.key(), x.instance.number, &on)) {
                           refusal = "instance " + x.instance.name() + " is not running";
                           return;
                       }
                       simnode::Effects fx;
                       nodes_.at(on).sim.crash(InstanceKey{x.instance.service.key(), x.instance.number}, now_, master().grid.settings, fx);
                       report_.timeline.push_back(TimelineEntry{now_, "instance_crashed", x.instance.name(), "exited with code 1 on " + on});
                       applyEffects(on, fx);
                   },
                   [&](const InstanceUnhealthy& x) {
                       const Service* svc = master().service(x.instance.service.key());
                       const Instance* inst = master().instance(x.instance.service.key(), x.instance.number);
                       if (!svc || !inst || !inst->node) {
                           refusal = "instance " + x.instance.name() + " does not exist";
                           return;
                       }
                       if (!svc->spec.healthCheck) {
                           refusal = "service " + svc->spec.key() + " has no health check";
                           return;
                       }
                       // The world's truth about this instance's health follows it to any node.
                       for (auto& [name, n] : nodes_) n.sim.setFailingHealth(InstanceKey{x.instance.service.key(), x.instance.number}, true);
                   },
                   [&](const InstanceHealthy& x) {
                       const Instance* inst = master().instance(x.instance.service.key(), x.instance.number);
                       if (!inst || !inst->node) {
                           refusal = "instance " + x.instance.name() + " does not exist";
                           return;
                       }
                       for (auto& [name, n] : nodes_) n.sim.setFailingHealth(InstanceKey{x.instance.service.key(), x.instance.number}, false);
                   },
                   [&](const EtcdMemberFail& x) {
                       if (WorldNode* n = node(x.node)) {
                           n->etcdProcessUp = false;
                           updateEtcd(*n);
                       }
                   },
                   [&](const EtcdMemberRecover& x) {
                       if (WorldNode* n = node(x.node)) {
                           n->etcdProcessUp = true;
                           updateEtcd(*n);
                       }
                   },
                   [&](const Partition& x) {
                       partition_ = x.groups;
                       ev::Partition p;
                       for (const auto& g : x.groups) {
                           std::vector<std::string> members;
                           for (const auto& m : g) if (m != kMaster) members.push_back(m);
                           p.groups.push_back(members);
                       }
                       deliver(p);
                   },
                   [&](const Heal&) {
                       partition_.clear();
                       deliver(ev::Partition{});
                       for (auto& [name, n] : nodes_) {
                           if (n.connectionOpen && n.needsSync) queueSync(n);
                       }
                   },
               },
               e.action);
    out.applied = !refusal;
    out.refusal = refusal;
}

// ------------------------------------------------------------ spans

void World::recordSpans() {
    if (options_.recordSpans) {
        for (const auto& [name, n] : nodes_) {
            const Node* m = ctl_.state().node(name);
            std::string state;
            if (m && !m->connected) state = "offline";
            else if (m && m->availability == Availability::Drain) state = "drain";
            auto open = nodeSpanOpen_.find(name);
            const std::string current = open == nodeSpanOpen_.end() ? "" : open->second.first;
            if (current == state) continue;
            if (!current.empty()) report_.nodeSpans.push_back(NodeSpan{name, open->second.second, now_, current});
            if (state.empty()) nodeSpanOpen_.erase(name);
            else nodeSpanOpen_[name] = {state, now_};
        }
        std::set<std::pair<InstanceKey, std::string>> runningNow;   // a moved instance may still run on a lost node
        for (const auto& [name, n] : nodes_) {
            for (const auto& [key, c] : n.sim.containers()) {
                if (c.state == agent::ContainerState::Running) runningNow.insert({key, name});
            }
        }
        for (auto it = instSpanOpen_.begin(); it != instSpanOpen_.end();) {
            if (runningNow.count(it->first)) {
                ++it;
                continue;
            }
            const auto& [key, node] = it->first;
            report_.instanceSpans.push_back(InstanceSpan{instanceName(key.service, key.number), key.service, node, it->second, now_});
            it = instSpanOpen_.erase(it);
        }
        for (const auto& kn : runningNow) {
            if (!instSpanOpen_.count(kn)) instSpanOpen_[kn] = now_;
        }
    }
    const bool q = ctl_.state().quorum;
    everHadQuorum_ = everHadQuorum_ || q;
    if (!q && everHadQuorum_ && !quorumLostAt_) quorumLostAt_ = now_;   // a grid still forming has not lost anything
    if (q && quorumLostAt_) {
        report_.quorumLoss.push_back(QuorumSpan{*quorumLostAt_, now_});
        quorumLostAt_.reset();
    }
}

void World::closeSpans() {
    for (const auto& [name, open] : nodeSpanOpen_) report_.nodeSpans.push_back(NodeSpan{name, open.second, now_, open.first});
    for (const auto& [kn, since] : instSpanOpen_) {
        report_.instanceSpans.push_back(InstanceSpan{instanceName(kn.first.service, kn.first.number), kn.first.service, kn.second, since, now_});
    }
    if (quorumLostAt_) report_.quorumLoss.push_back(QuorumSpan{*quorumLostAt_, now_});
}

}  // namespace detail

RunReport runScenario(const Scenario& scenario, const EngineOptions& options) {
    detail::World world(scenario, options);
    return world.run();
}

}  // namespace kontena::sim
