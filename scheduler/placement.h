#pragma once
// Placement: choose a node for one service instance (reference §4).
//
// A PlacementPass is one scheduling computation for one service (Kontena's
// per-deploy node wrappers): it remembers which instance numbers it has put
// on which node, and the ha/daemon strategies read that. Filters run in
// Kontena's order, as the filter table lists them (placement_filters.h:
// candidate, availability, ephemeral, volume plugin, volume instance,
// affinity, port, cpu, memory, dependency), then the strategy picks.
//
// Two implementations give the same answers:
//  - the reference path evaluates every filter on every candidate node and
//    records a reason for every rejected node;
//  - the fast path (ha, stateless services without volumes or instance
//    placeholders) walks a precomputed zone order lazily and touches only
//    the nodes it needs. When it finds no node, the reference path runs to
//    explain why.
// Ties between equally good nodes are broken by a per-pass rotation of each
// node's stable random key (PlacementIndex::tieKeyFor), so both paths agree
// and the same seed gives the same placement.

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "scheduler/model.h"
#include "scheduler/placement_index.h"
#include "scheduler/result.h"

namespace kontena {

// Which nodes a pass may use at all.
struct CandidatePolicy {
    Instant now;
    // Re-scheduler comparison (§4.9a): also offline nodes that host an
    // instance of the service and were last seen within its offline grace.
    bool includeOfflineWithinGrace = false;
    // Re-scheduler (§2.4): a node connected less than online_grace ago is
    // used only if it already hosts an instance of the service.
    bool applyOnlineGrace = false;
    // Offline nodes whose instances stay where they are (mass-offline
    // eviction limit): treated as candidates although offline.
    std::set<std::string> keepOffline;
};

// Why one node was not chosen.
struct Rejection {
    std::string node;
    std::string filter;   // availability, ephemeral, volume-plugin, volume-instance,
                          // affinity, port, cpu, memory, dependency, strategy, candidate
    std::string reason;   // e.g. "label az=b does not match label==az=a"
    std::string describe() const { return node + ": " + reason; }
};

struct PlacementFailure {
    std::string instance;   // "stack/service-3"
    std::string message;    // Kontena's wording: "Cannot find applicable node for service instance ...: ..."
    std::vector<Rejection> rejections;   // every candidate node, once, with the filter that dropped it
};

enum class PlacementMode { Auto, ReferenceOnly };

class PlacementPass {
public:
    // `state` and `index` must outlive the pass and stay unchanged while it
    // is used (placements of the pass are kept inside the pass, not in the
    // state). `passSeed` drives tie-breaks and the random strategy.
    PlacementPass(const ClusterState& state, const PlacementIndex& index, const ServiceSpec& service,
                  CandidatePolicy policy, std::uint64_t passSeed, PlacementMode mode = PlacementMode::Auto);
    ~PlacementPass();
    PlacementPass(const PlacementPass&) = delete;
    PlacementPass& operator=(const PlacementPass&) = delete;

    // Chooses a node for instance `number` (>= 1) and remembers it. On
    // failure nothing is remembered.
    Result<std::string, PlacementFailure> place(int number);

    // Tells the pass that an earlier step of the same deploy put instance
    // `number` on `node` (a deploy advances one instance per decision).
    void assume(const std::string& node, int number);

    // Does instance `number` fit on `node` now (every filter of the table
    // but the volume-instance preference, as in a placement)? nullopt when
    // it fits, else the first filter that rejects it, with the reason the
    // reference pass gives for that node.
    std::optional<Rejection> misfit(const std::string& node, int number);
    // Does misfit() read this pass's own placements (assume/place)? True
    // when a filter that constrains the service reads kPassPlacements
    // (published ports, service/container affinity rules); otherwise a
    // misfit is the same before and after assume().
    bool misfitReadsPass() const;

    // Instances this pass put on `node`.
    int scheduledOn(const std::string& node) const;
    // Whether the fast path can serve this service at all.
    bool fastPathEligible() const;

    struct Impl;   // placement_internal.h: the placement files and the filter table only

private:
    friend int computeInstanceCount(const ClusterState&, const PlacementIndex&, const ServiceSpec&, CandidatePolicy, std::uint64_t);
    Impl* impl_;
};

// What a deploy does with instances 1..count. For stateless ha services,
// instances whose current node still fits them stay there as long as their
// zone and node stay within an even share (ceil(count / zones), ceil(count /
// nodes)); only the rest are placed by the ha strategy, which sees the kept
// ones and fills the emptiest zones and nodes. Kontena re-placed every
// instance in number order, which moved healthy instances just because of
// their numbers (pain point #2174/#2182). Other strategies, and fresh
// deploys, place every instance in number order, exactly as Kontena.
struct PlacementPlan {
    std::vector<std::pair<int, std::string>> kept;   // (number, node), in number order
    std::vector<int> toPlace;                        // in number order
};
PlacementPlan planPlacement(const ClusterState& state, const PlacementIndex& index, const ServiceSpec& service,
                            CandidatePolicy policy, int count, std::uint64_t passSeed);

// ha's even shares of `count` instances now: (per zone, per node) over the
// zones and nodes online and active. All planPlacement reads of the pool.
std::pair<int, int> haShares(const PlacementIndex& index, int count);

// Number of instances a deploy creates now (§3.3): instances for ha/random,
// (distinct nodes a scratch pass can use) x instances for daemon.
int computeInstanceCount(const ClusterState& state, const PlacementIndex& index, const ServiceSpec& service,
                         CandidatePolicy policy, std::uint64_t passSeed);

}  // namespace kontena
