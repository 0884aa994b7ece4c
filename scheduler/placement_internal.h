#pragma once
// Internals shared by the placement translation units. Not for other users.

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "scheduler/affinity.h"
#include "scheduler/placement.h"
#include "scheduler/placement_filters.h"
#include "scheduler/random.h"

namespace kontena {

// The service's requirements, parsed once per pass.
struct ServiceNeeds {
    std::string key;
    std::vector<AffinityRule> rules;     // parsed without substitution (valid when !placeholders)
    std::optional<Error> ruleError;      // a rule that does not parse
    bool placeholders = false;           // some rule uses %i: parse per instance
    std::vector<std::string> namedVolumes;   // Kontena volumes the service mounts
    std::vector<std::string> requiredDrivers;
    std::vector<int> nodePorts;
    std::int64_t requiredMemory = 0;
    bool selfAnti = false;               // a hard service!= rule that targets the service itself
    bool selfAttract = false;            // a service== rule that targets the service itself
    bool softRules = false;
    bool containerRules = false;
    bool stateful = false;
    bool cpuLimit = false;               // the service asks for a number of CPUs
    bool dependencies = false;           // volumes_from, or net: container:...
};

// The service's requirements (one parse of its affinity rules).
ServiceNeeds analyseService(const ClusterState& state, const ServiceSpec& svc);

// One row of the filter table (placement_filters.cpp; see placement_filters.h).
struct Filter {
    FilterDescription about;                  // name and what it may read
    // Does it constrain this service at all? One that does not passes every node.
    bool (*applies)(const ServiceNeeds&) = nullptr;
    // What it reads for this service, when that depends on the service (affinity).
    unsigned (*readsFor)(const ServiceNeeds&) = nullptr;   // nullptr: about.reads
    // Its verdict on one node for instance `number` (0: any instance): nullopt
    // when the node fits, else the reason. Reads the pass (const).
    std::optional<std::string> (*verdict)(const PlacementPass::Impl&, int ord, int number) = nullptr;
    // The verdict without its reason, where building the reason costs (nullptr: !verdict).
    bool (*fits)(const PlacementPass::Impl&, int ord, int number) = nullptr;
    // Kontena's message when no candidate node is left after it.
    std::string (*noNodeLeft)(const PlacementPass::Impl&, int number) = nullptr;
    // Can the fast path evaluate it for this service (when it applies)?
    bool (*fastPath)(const ServiceNeeds&) = nullptr;
    // The reference pass's own step, for filters that are more than a verdict
    // per node (a preference; affinity's soft rules judged on the survivors):
    // narrows `work`, records rejections, returns a failure message or nullopt.
    std::optional<std::string> (*narrow)(const PlacementPass::Impl&, std::vector<int>& work, int number, PlacementFailure& fail) = nullptr;
    // false: a preference, never a reason not to fit (misfit and fast path skip it).
    bool hard = true;
    // Narrows the nodes soft affinity rules are judged against.
    bool judgesSoftRules = false;
};

// The table, in the order placement runs it.
std::span<const Filter> filterTable();

struct PlacementPass::Impl {
    const ClusterState& state;
    const PlacementIndex& index;
    const ServiceSpec& svc;
    CandidatePolicy policy;
    std::uint64_t seed;
    PlacementMode mode;
    ServiceNeeds needs;
    std::vector<const Filter*> filters;           // the table's filters that constrain this service, in order
    std::uint64_t rngSeed;                        // the random strategy draws from Rng(rngSeed ^ number)
    std::vector<int> counters;                    // by ordinal: instances placed in this pass (empty until one is)
    int countOn(int ord) const { return counters.empty() ? 0 : counters[static_cast<std::size_t>(ord)]; }
    // This pass's placements in order (ordinal, number); by ordinal on demand
    // (few filters read them, and a deploy step assumes up to all earlier ones).
    std::vector<std::pair<int, int>> placements;
    const std::map<int, std::vector<int>>& placedNumbers() const;
    mutable std::map<int, std::vector<int>> placedByOrd;
    mutable std::size_t placedSynced = 0;
    bool ignorePass = false;      // evaluate as if this pass had placed nothing yet
    std::vector<bool> activeRule; // per rule: applies (hard rules, and soft rules that match some node)

    struct Fast;                                  // fast-path state (placement_fast.cpp)
    Fast* fast = nullptr;

    Impl(const ClusterState& s, const PlacementIndex& i, const ServiceSpec& sv, CandidatePolicy p,
         std::uint64_t seed, PlacementMode m);
    ~Impl();

    // ---- per-node checks (placement_filters.cpp) ----
    // nullopt: the node passes; else the reason it is rejected.
    // number 0: any instance (a protected offline node is then no candidate);
    // otherwise a protected offline node is a candidate for its own instance.
    std::optional<std::string> candidateReason(int ord, int number = 0) const;
    std::optional<std::string> availabilityReason(int ord) const;
    std::optional<std::string> ephemeralReason(int ord, int number) const;
    std::optional<std::string> volumePluginReason(int ord) const;
    std::optional<std::string> portReason(int ord, int number) const;
    std::optional<std::string> cpuReason(int ord) const;
    std::optional<std::string> memoryReason(int ord, int number) const;
    std::optional<std::string> dependencyReason(int ord, int number) const;
    bool ruleMatches(const AffinityRule& rule, int ord, int number) const;
    std::string ruleRejection(const AffinityRule& rule, int ord) const;
    bool hasVolumeInstanceFor(int ord, int number) const;

    // The service's rules with instance `number` filled in for %i (an error
    // when they do not parse).
    Result<std::vector<AffinityRule>> numberedRules(int number) const;
    // The rejection by the first of `rules` flagged in `active` that the node breaks.
    std::optional<std::string> brokenRule(const std::vector<AffinityRule>& rules, const std::vector<bool>& active, int ord,
                                          int number) const;
    // The soft rules that apply (activeRule), computed once.
    void ensureActiveRules();

    // ---- the reference path (placement.cpp) ----
    Result<int, PlacementFailure> referencePlace(int number);
    PlacementFailure failed(PlacementFailure fail, const std::string& why) const;
    Result<int, PlacementFailure> strategyChoice(const std::vector<int>& work, int number, PlacementFailure fail) const;
    int daemonChoice(const std::vector<int>& work, int number) const;
    int randomChoice(const std::vector<int>& work, int number) const;
    int haChoice(const std::vector<int>& work, int number) const;
    // ---- the fast path (placement_fast.cpp) ----
    std::optional<int> fastPlace(int number);     // nullopt: ask the reference path
    void startFast();
    int fastZoneBest(int zone);                   // the zone's best node now, -1: none
    bool fastEligible() const;
    // Does this node pass every filter for the generic instance of this service?
    bool staticEligible(int ord);
    // Does this node pass every filter for instance `number` right now?
    bool passesAll(int ord, int number);
    void computeActiveRules();

    // ---- shared helpers ----
    const Node& nodeAt(int ord) const { return *index.entry(ord).node; }
    std::optional<int> recordNode(int number) const;   // ordinal of the stored record's node
    std::uint64_t tieBreak(int ord) const { return index.entry(ord).tieKey - seed; }
    double rank(int ord, int number) const;
    void commitPlacement(int ord, int number);
    std::string instanceLabel(int number) const;
};

}  // namespace kontena
