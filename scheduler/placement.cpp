// The reference placement path and the pass's public face (reference §4.1–4.4).
#include "scheduler/placement.h"

#include <algorithm>
#include <set>
#include <tuple>
#include <unordered_map>

#include "scheduler/placement_internal.h"

namespace kontena {

ServiceNeeds analyseService(const ClusterState& state, const ServiceSpec& svc) {
    ServiceNeeds needs;
    needs.key = svc.key();
    const auto& ruleTexts = svc.affinity.empty() ? state.grid.defaultAffinity : svc.affinity;
    for (const auto& text : ruleTexts) needs.placeholders = needs.placeholders || hasInstancePlaceholder(text);
    if (!needs.placeholders) {
        auto parsed = parseAffinityRules(ruleTexts, 0);
        if (parsed) needs.rules = std::move(parsed).value();
        else needs.ruleError = parsed.error();
    }
    for (const auto& r : needs.rules) {
        needs.softRules = needs.softRules || r.soft;
        needs.containerRules = needs.containerRules || r.key == AffinityKey::Container;
        if (r.key != AffinityKey::Service) continue;
        bool self = false;
        if (r.isRegex()) self = r.regexHasStackSeparator ? r.valueMatches(needs.key) : r.valueMatches(svc.name);
        else self = r.value == svc.name || r.value == needs.key;
        if (self && r.op == AffinityOp::Ne && !r.soft) needs.selfAnti = true;
        if (self && (r.op == AffinityOp::Eq || r.soft)) needs.selfAttract = true;
    }
    for (const auto& m : svc.volumes) {
        if (m.kind != VolumeKind::Named) continue;
        needs.namedVolumes.push_back(m.volumeName());
        auto it = state.volumes.find(m.volumeName());
        if (it != state.volumes.end() &&
            std::find(needs.requiredDrivers.begin(), needs.requiredDrivers.end(), it->second.driver) == needs.requiredDrivers.end()) {
            needs.requiredDrivers.push_back(it->second.driver);
        }
    }
    for (const auto& p : svc.ports) needs.nodePorts.push_back(p.nodePort);
    needs.requiredMemory = svc.memory.value_or(svc.memorySwap.value_or(0));
    needs.stateful = svc.stateful;
    needs.cpuLimit = svc.cpus.has_value();
    needs.dependencies = !svc.volumesFrom.empty() || svc.net.rfind("container:", 0) == 0;
    return needs;
}

PlacementPass::Impl::Impl(const ClusterState& s, const PlacementIndex& i, const ServiceSpec& sv, CandidatePolicy p,
                          std::uint64_t sd, PlacementMode m)
    : state(s), index(i), svc(sv), policy(p), seed(splitmix64(sd)), mode(m), needs(analyseService(s, sv)),
      rngSeed(sd ^ 0x72616e646f6dULL) {
    for (const Filter& f : filterTable()) {
        if (f.applies(needs)) filters.push_back(&f);
    }
}

std::optional<int> PlacementPass::Impl::recordNode(int number) const {
    const Instance* inst = state.instance(needs.key, number);
    if (!inst || !inst->node) return std::nullopt;
    const int ord = index.ordinalOf(*inst->node);
    if (ord < 0) return std::nullopt;
    return ord;
}

double PlacementPass::Impl::rank(int ord, int number) const {
    return 10.0 + (recordNode(number) == ord ? -5.0 : 0.0) + index.entry(ord).memoryRank;
}

void PlacementPass::Impl::commitPlacement(int ord, int number) {
    if (counters.empty()) counters = index.borrowCounters();   // most passes check, few place
    ++counters[static_cast<std::size_t>(ord)];
    placements.emplace_back(ord, number);
}

const std::map<int, std::vector<int>>& PlacementPass::Impl::placedNumbers() const {
    for (; placedSynced < placements.size(); ++placedSynced) placedByOrd[placements[placedSynced].first].push_back(placements[placedSynced].second);
    return placedByOrd;
}

std::string PlacementPass::Impl::instanceLabel(int number) const {
    return instanceName(needs.key, number);
}

// ------------------------------------------------------------ reference ----

namespace {

// A filter that is a verdict per node: survivors stay, the rest are
// recorded; Kontena's message when none is left.
std::optional<std::string> dropUnfit(const PlacementPass::Impl& p, const Filter& f, std::vector<int>& work, int number,
                                     PlacementFailure& fail) {
    std::vector<int> keep;
    keep.reserve(work.size());
    for (int ord : work) {
        if (auto why = f.verdict(p, ord, number)) fail.rejections.push_back({p.nodeAt(ord).name, std::string(f.about.name), *why});
        else keep.push_back(ord);
    }
    work.swap(keep);
    if (work.empty()) return f.noNodeLeft(p, number);
    return std::nullopt;
}

}  // namespace

PlacementFailure PlacementPass::Impl::failed(PlacementFailure fail, const std::string& why) const {
    fail.message = "Cannot find applicable node for service instance " + state.grid.name + "/" + fail.instance + ": " + why;
    return fail;
}

Result<int, PlacementFailure> PlacementPass::Impl::referencePlace(int number) {
    PlacementFailure fail;
    fail.instance = instanceLabel(number);
    std::vector<int> work(static_cast<std::size_t>(index.nodeCount()));
    for (int ord = 0; ord < index.nodeCount(); ++ord) work[static_cast<std::size_t>(ord)] = ord;
    for (const Filter* f : filters) {
        const auto noNode = f->narrow ? f->narrow(*this, work, number, fail) : dropUnfit(*this, *f, work, number, fail);
        if (noNode) return failed(std::move(fail), *noNode);
    }
    return strategyChoice(work, number, std::move(fail));
}

Result<int, PlacementFailure> PlacementPass::Impl::strategyChoice(const std::vector<int>& work, int number, PlacementFailure fail) const {
    // Stateful instances stay on the node of their record (§4.2, §4.4).
    if (svc.stateful) {
        if (auto pinned = recordNode(number)) {
            if (std::find(work.begin(), work.end(), *pinned) != work.end()) return *pinned;
            const std::string pinnedName = nodeAt(*pinned).name;
            for (int ord : work) fail.rejections.push_back({nodeAt(ord).name, "strategy", "stateful instance is pinned to " + pinnedName});
            const std::string why = "Strategy " + toString(svc.strategy) + " did not find any node: stateful instance " + fail.instance +
                                    " is pinned to node " + pinnedName + ", which is not available";
            return failed(std::move(fail), why);
        }
    }
    switch (svc.strategy) {
    case Strategy::Daemon: return daemonChoice(work, number);
    case Strategy::Random: return randomChoice(work, number);
    case Strategy::Ha: break;
    }
    return haChoice(work, number);
}

// daemon: (instance rank, node number), the instance's own node first.
int PlacementPass::Impl::daemonChoice(const std::vector<int>& work, int number) const {
    const std::size_t total = work.size() * static_cast<std::size_t>(std::max(svc.instances, 0));
    const auto pinned = recordNode(number);
    auto instanceRank = [&](int ord) -> long {
        if (pinned == ord) return -1;
        std::set<int> numbers;
        const auto& occ = index.occupancy(ord);
        auto it = occ.find(needs.key);
        if (it != occ.end()) {
            for (const auto& [k, record] : it->second) if (static_cast<std::size_t>(k) <= total) numbers.insert(k);
        }
        auto placed = placedNumbers().find(ord);
        if (placed != placedNumbers().end()) numbers.insert(placed->second.begin(), placed->second.end());
        return static_cast<long>(numbers.size());
    };
    int best = work.front();
    auto key = [&](int ord) { return std::make_tuple(instanceRank(ord), nodeAt(ord).number, ord); };
    auto bestKey = key(best);
    for (int ord : work) {
        auto k = key(ord);
        if (k < bestKey) { best = ord; bestKey = k; }
    }
    return best;
}

// random: the instance's own node while it fits, else a draw.
int PlacementPass::Impl::randomChoice(const std::vector<int>& work, int number) const {
    if (auto pinned = recordNode(number)) {
        if (std::find(work.begin(), work.end(), *pinned) != work.end()) return *pinned;
    }
    // A draw per instance number, so a deploy stepping one instance per
    // decision picks what one long pass picks.
    Rng draw(rngSeed ^ splitmix64(static_cast<std::uint64_t>(number)));
    return work[static_cast<std::size_t>(draw.below(work.size()))];
}

// ha: the smallest (zone counter, node counter, rank, tie-break).
int PlacementPass::Impl::haChoice(const std::vector<int>& work, int number) const {
    std::vector<long> zoneCounter(index.zones().size(), 0);
    for (int ord : work) zoneCounter[static_cast<std::size_t>(index.entry(ord).zone)] += countOn(ord);
    auto key = [&](int ord) {
        return std::make_tuple(zoneCounter[static_cast<std::size_t>(index.entry(ord).zone)], countOn(ord),
                               rank(ord, number), tieBreak(ord));
    };
    int best = work.front();
    auto bestKey = key(best);
    for (int ord : work) {
        auto k = key(ord);
        if (k < bestKey) { best = ord; bestKey = k; }
    }
    return best;
}

// ----------------------------------------------------------------- pass ----

PlacementPass::PlacementPass(const ClusterState& state, const PlacementIndex& index, const ServiceSpec& service,
                             CandidatePolicy policy, std::uint64_t passSeed, PlacementMode mode)
    : impl_(new Impl(state, index, service, policy, passSeed, mode)) {}

PlacementPass::~PlacementPass() { delete impl_; }

Result<std::string, PlacementFailure> PlacementPass::place(int number) {
    if (impl_->mode == PlacementMode::Auto && impl_->fastEligible()) {
        if (auto ord = impl_->fastPlace(number)) {
            impl_->commitPlacement(*ord, number);
            return impl_->nodeAt(*ord).name;
        }
    }
    auto chosen = impl_->referencePlace(number);
    if (!chosen) return chosen.error();
    impl_->commitPlacement(chosen.value(), number);
    return impl_->nodeAt(chosen.value()).name;
}

void PlacementPass::assume(const std::string& node, int number) {
    const int ord = impl_->index.ordinalOf(node);
    if (ord >= 0) impl_->commitPlacement(ord, number);
}

std::optional<Rejection> PlacementPass::misfit(const std::string& node, int number) {
    Impl& p = *impl_;
    const int ord = p.index.ordinalOf(node);
    if (ord < 0) return Rejection{node, "candidate", "node does not exist"};
    p.ensureActiveRules();
    for (const Filter* f : p.filters) {
        if (!f->hard) continue;   // a preference never makes an instance misplaced
        if (auto why = f->verdict(p, ord, number)) return Rejection{node, std::string(f->about.name), *why};
    }
    return std::nullopt;
}

int PlacementPass::scheduledOn(const std::string& node) const {
    const int ord = impl_->index.ordinalOf(node);
    return ord < 0 ? 0 : impl_->countOn(ord);
}

bool PlacementPass::fastPathEligible() const { return impl_->fastEligible(); }

bool PlacementPass::misfitReadsPass() const {
    const Impl& p = *impl_;
    return std::any_of(p.filters.begin(), p.filters.end(), [&](const Filter* f) {
        return f->hard && ((f->readsFor ? f->readsFor(p.needs) : f->about.reads) & kPassPlacements);
    });
}

std::pair<int, int> haShares(const PlacementIndex& index, int count) {
    const auto ceilDiv = [](int a, int b) { return b <= 0 ? a : (a + b - 1) / b; };
    return {ceilDiv(count, index.activeZones()), ceilDiv(count, index.activeNodes())};
}

PlacementPlan planPlacement(const ClusterState& state, const PlacementIndex& index, const ServiceSpec& service,
                            CandidatePolicy policy, int count, std::uint64_t passSeed) {
    PlacementPlan plan;
    const bool keepAny = service.strategy == Strategy::Ha && !service.stateful;
    if (!keepAny) {
        for (int n = 1; n <= count; ++n) plan.toPlace.push_back(n);
        return plan;
    }
    // Even shares over the zones and nodes that are online and active now.
    const auto [zoneShare, nodeShare] = haShares(index, count);
    std::vector<int> perZone(index.zones().size(), 0);
    std::unordered_map<int, int> perNode;   // by ordinal
    PlacementPass probe(state, index, service, policy, passSeed);
    const std::string key = service.key();
    // The service's records in number order: one lookup, then a walk.
    auto next = state.instances.lower_bound(InstanceKey{key, 1});
    for (int n = 1; n <= count; ++n) {
        while (next != state.instances.end() && next->first.service == key && next->first.number < n) ++next;
        const Instance* rec = next != state.instances.end() && next->first.service == key && next->first.number == n ? &next->second : nullptr;
        const int ord = rec && rec->node ? index.ordinalOf(*rec->node) : -1;
        const bool fits = ord >= 0 && !probe.misfit(*rec->node, n);
        if (fits && perZone[static_cast<std::size_t>(index.entry(ord).zone)] < zoneShare && perNode[ord] < nodeShare) {
            ++perZone[static_cast<std::size_t>(index.entry(ord).zone)];
            ++perNode[ord];
            plan.kept.push_back({n, *rec->node});
        } else {
            plan.toPlace.push_back(n);
        }
    }
    return plan;
}

int computeInstanceCount(const ClusterState& state, const PlacementIndex& index, const ServiceSpec& service,
                         CandidatePolicy policy, std::uint64_t passSeed) {
    if (service.strategy != Strategy::Daemon) return service.instances;
    PlacementPass scratch(state, index, service, policy, passSeed);
    int candidates = 0;   // connected nodes, plus offline ones within grace when the policy says so
    const std::string key = service.key();
    for (int ord = 0; ord < index.nodeCount(); ++ord) {
        const bool kept = !policy.keepOffline.empty() && policy.keepOffline.count(index.entry(ord).node->name) && index.hostsService(ord, key);
        candidates += kept || !scratch.impl_->candidateReason(ord) ? 1 : 0;
    }
    const int max = candidates * service.instances;
    std::set<std::string> distinct;
    for (int n = 1; n <= max; ++n) {
        auto placed = scratch.place(n);
        if (placed) distinct.insert(placed.value());
    }
    return static_cast<int>(distinct.size()) * service.instances;
}

}  // namespace kontena
