// The periodic re-scheduler (reference §4.9, §2.4, §2.5): a service is
// re-deployed when an instance is missing, is on a node it may no longer
// use (offline past its strategy's grace, drained, affinity no longer
// holds, ...), a daemon service's eligible nodes changed, or ha would now
// use another set of nodes (Kontena's comparison); plus the "lagging
// behind" and `interval` triggers. random services keep their nodes while
// those stay eligible (Kontena 1.x moved them constantly, #2244).
// Beyond Kontena: when more than massOfflineFraction of the nodes are
// offline, instances are evicted from at most one more offline node per
// massOfflineEvictionInterval, and not at all when every node is offline.
#include <array>
#include <map>
#include <utility>

#include "scheduler/controller_internal.h"
#include "scheduler/placement_filters.h"
#include "scheduler/random.h"

namespace kontena::detail {

namespace {

struct Misplacement {
    std::string reason;
    std::set<std::string> offlineNodes;   // offline nodes the instances would leave
};

// --- memo of clean checks (scheduler/reschedule_memo.h)
//
// A service's check reads: its spec and instance records (serviceVersion),
// the nodes as placement sees them at this instant (the fingerprint below:
// everything a filter reads, with the grace periods reduced to "within" or
// "past" for the service's strategy), the protected offline nodes, and, for
// services whose filters read other services (placementReads: service or
// container affinity, ports, volumes, shared network), every instance record
// (instancesVersion). Equal inputs give the equal answer, so a check that
// found nothing to do need not be repeated until one of them changes.

std::uint64_t mix(std::uint64_t h, std::uint64_t v) {
    h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
    return h;
}

std::uint64_t mix(std::uint64_t h, const std::string& s) { return mix(h, stableHash(s)); }

// The nodes as placement sees them now: per strategy (ha, daemon, random)
// one fingerprint of every node; and the services whose OwnNodes entries a
// changed node voids.
struct NodesFingerprint {
    std::array<std::uint64_t, 3> all{};
    std::uint64_t common = 0;          // the protected offline nodes
    std::set<std::string> voided;
};

std::size_t strategySlot(Strategy s) { return s == Strategy::Ha ? 0 : s == Strategy::Daemon ? 1 : 2; }

// Every node input some filter of the table reads.
unsigned filterNodeInputs() {
    unsigned inputs = 0;
    for (const auto& f : placementFilters()) inputs |= f.reads;
    return inputs;
}

// The parts of a node's record that placement reads and that change only
// with the record: the filters' node inputs, and what the strategies read
// (name and number: daemon order, tie keys; labels: zone; memory stats: rank).
std::uint64_t recordHash(const Node& n, unsigned inputs) {
    std::uint64_t h = mix(0, n.name);
    h = mix(h, static_cast<std::uint64_t>(n.number));
    for (const auto& l : n.labels) h = mix(h, l);   // zone and rank are the strategies' whatever the filters read
    if (n.stats) {
        for (std::int64_t v : {n.stats->used, n.stats->total, n.stats->free, n.stats->cached, n.stats->buffers}) h = mix(h, static_cast<std::uint64_t>(v));
    }
    if (inputs & kNodeResources) h = mix(mix(h, static_cast<std::uint64_t>(n.cpus)), static_cast<std::uint64_t>(n.memory));
    if (inputs & kNodeVolumeDrivers) {
        for (const auto& v : n.volumeDrivers) h = mix(h, v);
    }
    if (inputs & kNodeAvailability) h = mix(h, n.availability == Availability::Drain ? 1 : 0);
    if (inputs & kNodeConnection) h = mix(h, n.connected ? 1 : 0);
    return h;
}

// What changes with time alone: the grace periods, per strategy.
std::array<std::uint64_t, 3> placementView(const Draft& d, const Node& n, std::uint64_t record) {
    const Strategy strategies[3] = {Strategy::Ha, Strategy::Daemon, Strategy::Random};
    const GridSettings& s = d.settings();
    std::uint64_t h = record;
    if (n.connected) h = mix(h, n.connectedAt && d.now() - *n.connectedAt < s.onlineGrace ? 1 : 0);
    std::array<std::uint64_t, 3> out{};
    for (std::size_t k = 0; k < 3; ++k) {
        out[k] = h;
        if (!n.connected) out[k] = mix(h, n.lastSeen && d.now() - *n.lastSeen <= s.offlineGrace(strategies[k]) ? 1 : 0);
    }
    return out;
}

NodesFingerprint nodesFingerprint(Draft& d, const std::set<std::string>& protectedNodes) {
    NodesFingerprint out;
    std::uint64_t common = 0x5eed;
    for (const auto& p : protectedNodes) common = mix(common, p);
    out.common = common;
    for (std::size_t k = 0; k < 3; ++k) out.all[k] = common;
    const PlacementIndex& index = d.index();
    const unsigned inputs = filterNodeInputs();
    const bool cached = !d.nodesChanged();   // the index's records are the draft's
    // `ord`: the node's ordinal in the index, -1 for a node only the draft has.
    auto visit = [&](const Node& n, int ord) {
        const NodeSeen* seen = ord < 0 ? nullptr : d.memo().node(n.name);
        const std::uint64_t revision = cached ? index.entry(ord).revision : 0;
        const bool known = cached && seen && seen->revision == revision;
        const std::uint64_t record = known ? seen->recordHash : recordHash(n, inputs);
        const auto mine = placementView(d, n, record);
        for (std::size_t k = 0; k < 3; ++k) out.all[k] = mix(out.all[k], mine[k]);
        if (ord < 0) return;
        const bool moved = !seen || seen->placement != mine;
        if (moved || (cached && !known)) d.memoUpdate().nodes.emplace_back(n.name, NodeSeen{revision, record, mine});
        if (!moved) return;
        // A node that changed since the last pass: the OwnNodes entries of the services it holds are void.
        for (const auto& [service, numbers] : index.occupancy(ord)) out.voided.insert(service);
    };
    if (cached) {
        for (int ord = 0; ord < index.nodeCount(); ++ord) visit(*index.entry(ord).node, ord);
    } else {
        for (const Node* n : d.allNodes()) visit(*n, index.ordinalOf(n->name));
    }
    d.memoUpdate().voided.assign(out.voided.begin(), out.voided.end());
    return out;
}

// May a clean check of this service be keyed on its own nodes only (given
// that, for ha, it placed nothing anew)? Stateless ha and random services
// whose filters read neither other services nor every node: a check reads
// the nodes that hold their instances, plus for ha the even shares
// (planPlacement keeps every instance while its node fits and the shares
// hold; a clean check had nothing to place, so no other node was asked).
// Daemon services count every eligible node: they read all nodes.
bool narrowable(const ServiceSpec& spec, unsigned reads) {
    return !spec.stateful && (spec.strategy == Strategy::Ha || spec.strategy == Strategy::Random) &&
           !(reads & (kOtherServices | kVolumeInstances | kEveryNode));
}

CheckScope scopeOf(unsigned reads, bool narrow) {
    if (reads & (kOtherServices | kVolumeInstances)) return CheckScope::EveryNodeAndInstance;
    return narrow ? CheckScope::OwnNodes : CheckScope::EveryNode;
}

std::uint64_t checkFingerprint(const Draft& d, const std::string& key, const Service& svc, const NodesFingerprint& nodes, CheckScope scope) {
    const std::size_t k = strategySlot(svc.spec.strategy);
    std::uint64_t h = mix(0x5e41ce, d.index().serviceVersion(key));
    if (scope == CheckScope::EveryNodeAndInstance) return mix(mix(h, nodes.all[k]), d.index().instancesVersion());
    if (scope == CheckScope::EveryNode) return mix(h, nodes.all[k]);
    // The nodes holding its instances are not in the key: a change to one of
    // them voids the entry (nodesFingerprint); its instances moving changes
    // serviceVersion.
    h = mix(h, nodes.common);
    if (svc.spec.strategy == Strategy::Ha) {
        // All a narrow check reads of the pool: the even shares (planPlacement).
        const auto [zoneShare, nodeShare] = haShares(d.index(), svc.spec.instances);
        h = mix(mix(h, static_cast<std::uint64_t>(zoneShare)), static_cast<std::uint64_t>(nodeShare));
    }
    return h;
}

// Was the service's check clean with the same inputs at an earlier pass?
bool rememberedClean(const Draft& d, const std::string& key, const Service& svc, const NodesFingerprint& nodes) {
    const CleanCheck* c = d.memo().check(key);
    if (!c || (c->scope == CheckScope::OwnNodes && nodes.voided.count(key))) return false;
    return c->fingerprint == checkFingerprint(d, key, svc, nodes, c->scope);
}

// Stacks whose recent stack deploy is still pending or ongoing: their services wait.
std::set<std::string> stacksBlockingRescheduling(const Draft& d) {
    std::set<std::string> out;
    for (const auto& [id, sd] : d.base().stackDeploys) {
        if ((sd.state == DeployState::Pending || sd.state == DeployState::Ongoing) &&
            d.now() - sd.createdAt < d.settings().stackDeployBlocksRescheduling) {
            out.insert(sd.stack);
        }
    }
    return out;
}

// Kontena's test (§4.9a): would a deploy now put the instances on the
// same set of nodes? With planPlacement, instances keep their nodes while
// zones and nodes hold even shares, so this only fires when the spread can
// improve (a zone came back, a node joined an emptier zone). Clears `narrow`
// when it placed instances anew.
std::optional<Misplacement> haWouldMove(const Draft& d, const Service& svc, const std::vector<const Instance*>& records,
                                        const CandidatePolicy& keep, int count, std::uint64_t seed, bool& narrow) {
    const PlacementPlan plan = planPlacement(d.base(), d.index(), svc.spec, keep, count, seed);
    // Every instance kept (on its own node: records == count, all placed): the same set of nodes.
    if (plan.toPlace.empty()) return std::nullopt;
    narrow = false;   // placing anew asks every node
    std::set<std::string> current, computed;
    for (const Instance* r : records) current.insert(*r->node);
    PlacementPass fresh(d.base(), d.index(), svc.spec, keep, seed);
    for (const auto& [n, node] : plan.kept) {
        fresh.assume(node, n);
        computed.insert(node);
    }
    for (int n : plan.toPlace) {
        auto placedNode = fresh.place(n);
        if (placedNode) computed.insert(placedNode.value());
    }
    if (computed.empty() || computed == current) return std::nullopt;
    std::string from, to;
    for (const auto& n : current) from += (from.empty() ? "" : ", ") + n;
    for (const auto& n : computed) to += (to.empty() ? "" : ", ") + n;
    return Misplacement{"instances are not distributed as ha would place them now (on " + from + "; ha wants " + to + ")", {}};
}

// A daemon service holds at most `instances` instances per node.
std::optional<Misplacement> daemonOverfilled(const Service& svc, const std::vector<const Instance*>& records) {
    std::map<std::string, int> perNode;
    for (const Instance* r : records) ++perNode[*r->node];
    for (const auto& [node, c] : perNode) {
        if (c > svc.spec.instances) return Misplacement{"daemon instances are not spread one set per node (" + node + ")", {}};
    }
    return std::nullopt;
}

// `narrow` (in/out): the answer depends on the service's own nodes (and
// ha's shares) only; cleared when the check placed instances anew.
std::optional<Misplacement> misplacement(const Draft& d, const Service& svc, const std::set<std::string>& protectedNodes,
                                         bool& narrow) {
    CandidatePolicy policy;
    policy.now = d.now();
    policy.includeOfflineWithinGrace = true;
    policy.applyOnlineGrace = true;
    // Per service, not per pass: the answer must not change while nothing it reads does.
    const std::uint64_t seed = stableHash(svc.spec.key());
    // Counting and the ha comparison leave protected offline nodes (mass-offline
    // limit) where they are; the per-instance test below still reports them.
    CandidatePolicy keep = policy;
    keep.keepOffline = protectedNodes;
    const int count = computeInstanceCount(d.base(), d.index(), svc.spec, keep, seed);
    const auto records = d.instanceRefsOf(svc.spec.key());
    int placed = 0;
    for (const Instance* r : records) placed += r->node ? 1 : 0;
    if (placed != count || static_cast<int>(records.size()) != count) {
        return Misplacement{"service has " + std::to_string(placed) + " placed instances, wants " + std::to_string(count), {}};
    }
    PlacementPass pass(d.base(), d.index(), svc.spec, policy, seed);
    for (const Instance* r : records) {
        if (r->number > count) return Misplacement{"instance " + instanceName(r->service, r->number) + " is beyond the instance count", {}};
        if (auto why = pass.misfit(*r->node, r->number)) {
            Misplacement m{"instance " + instanceName(r->service, r->number) + " on " + *r->node + " must move: " + why->reason, {}};
            const Node* n = d.node(*r->node);
            if (n && !n->connected) m.offlineNodes.insert(*r->node);
            return m;
        }
    }
    if (svc.spec.strategy == Strategy::Ha) return haWouldMove(d, svc, records, keep, count, seed, narrow);
    if (svc.spec.strategy == Strategy::Daemon) return daemonOverfilled(svc, records);
    return std::nullopt;
}

// May instances leave these offline nodes now? Updates the limiter state.
bool evictionAllowed(Draft& d, const std::set<std::string>& offlineNodes, double offlineFraction) {
    if (offlineNodes.empty() || offlineFraction <= d.settings().massOfflineFraction) return true;
    bool needsNew = false;
    for (const auto& n : offlineNodes) needsNew = needsNew || !d.counters().evictedNodes.count(n);
    if (!needsNew) return true;
    const auto& last = d.counters().lastEviction;
    if (last && d.now() - *last < d.settings().massOfflineEvictionInterval) return false;
    auto& c = d.counters();
    c.lastEviction = d.now();
    for (const auto& n : offlineNodes) c.evictedNodes.insert(n);
    return true;
}

}  // namespace

std::set<std::string> protectedOfflineNodes(const Draft& d) {
    std::set<std::string> out;
    int total = 0, offline = 0;
    if (!d.nodesChanged()) {   // the index counts the base's nodes
        total = d.index().nodeCount();
        offline = total - d.index().connectedCount();
    } else {
        for (const Node* n : d.allNodes()) {
            ++total;
            offline += n->connected ? 0 : 1;
        }
    }
    if (total == 0 || static_cast<double>(offline) / total <= d.settings().massOfflineFraction) return out;
    for (const Node* n : d.allNodes()) {
        if (!n->connected && !d.counters().evictedNodes.count(n->name)) out.insert(n->name);
    }
    return out;
}

void onReschedulePass(Draft& d, const Timer& t) {
    Timer next = t;
    next.at = d.now() + d.settings().schedulerInterval;
    d.timer(next);

    // The base's nodes, as the index counts them.
    const int total = d.index().nodeCount();
    const int connected = d.index().connectedCount();
    // Never re-deploy with zero nodes: the master is more likely the one cut off.
    if (connected == 0) return;
    const double offlineFraction = total ? static_cast<double>(total - connected) / total : 0.0;
    // Nodes that are back (or gone) are no longer "evicted"; read first, write only on change.
    std::set<std::string> stillEvicted;
    const auto& evicted = std::as_const(d).counters().evictedNodes;
    for (const auto& name : evicted) {
        const Node* n = d.node(name);
        if (n && !n->connected) stillEvicted.insert(name);
    }
    if (stillEvicted.size() != evicted.size()) d.counters().evictedNodes = std::move(stillEvicted);

    const std::set<std::string> protectedNodes = protectedOfflineNodes(d);
    // The memo is read as of the last commit; what this pass learns goes into the decision.
    const std::optional<NodesFingerprint> nodes =
        d.memo().enabled() ? std::optional<NodesFingerprint>(nodesFingerprint(d, protectedNodes)) : std::nullopt;
    const std::set<std::string> blockedStacks = stacksBlockingRescheduling(d);
    for (const auto& [key, base] : d.base().services) {
        const Service* svc = d.service(key, base);
        if (!svc || svc->spec.stateful || svc->state != ServiceState::Running) continue;
        if (d.activeDeploy(key) || blockedStacks.count(svc->spec.stack)) continue;
        if (svc->spec.deploy.interval && svc->deployedAt && *svc->deployedAt + *svc->spec.deploy.interval < d.now()) {
            ++d.editService(key).revision;
            d.log("reschedule", key, "interval of " + formatDuration(*svc->spec.deploy.interval) + " passed: forced redeploy");
            createDeploy(d, key, "interval", 0, true);
            continue;
        }
        if (svc->updatedAt && (!svc->deployedAt || *svc->updatedAt > *svc->deployedAt)) {
            d.log("reschedule", key, "service definition changed after its last deploy");
            createDeploy(d, key, "scheduler: lagging behind");
            continue;
        }
        if (nodes && rememberedClean(d, key, *svc, *nodes)) continue;
        const unsigned reads = nodes ? placementReads(d.base(), svc->spec) : 0;
        bool narrow = narrowable(svc->spec, reads);
        auto wrong = misplacement(d, *svc, protectedNodes, narrow);
        if (nodes) {
            const CheckScope scope = scopeOf(reads, narrow);
            d.memoUpdate().checks.emplace_back(key, wrong ? std::nullopt
                                                          : std::optional<CleanCheck>(CleanCheck{checkFingerprint(d, key, *svc, *nodes, scope), scope}));
        }
        if (!wrong) continue;
        if (!evictionAllowed(d, wrong->offlineNodes, offlineFraction)) {
            d.log("eviction_limited", key,
                  "not moving " + key + " yet: many nodes are offline at once, evictions are limited to one node per " +
                      formatDuration(d.settings().massOfflineEvictionInterval));
            continue;
        }
        d.log("reschedule", key, wrong->reason);
        createDeploy(d, key, "scheduler: " + wrong->reason);
    }
}

}  // namespace kontena::detail
