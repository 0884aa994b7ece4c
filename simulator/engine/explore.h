#pragma once
// `kontena-sim explore`: the scenario with random extra faults drawn from a
// seed (node flaps, unresponsive nodes, partitions, etcd member failures,
// crashes, unhealthy instances), safety invariants checked after every step,
// then everything healed and convergence required (VOPR style: a safety
// phase, then a liveness phase).

#include <cstdint>
#include <optional>
#include <string>

#include "simulator/engine/engine.h"
#include "simulator/scenario.h"

namespace kontena::sim {

struct ExploreResult {
    bool ok = true;
    std::string violation;   // the first broken invariant, with its time
    Instant at;              // when it broke
    std::vector<TimelineEntry> timeline;   // what the platform did, up to the end of the run
    std::optional<RunReport> report;       // the whole run, kept only when the seed fails
};

// `memoise`: the core's memoised re-scheduler checks (tests compare on and off).
// `standingKeepalive`: see EngineOptions (tests compare on and off).
// `recordSpans`: record the spans a timeline picture needs (EngineOptions).
ExploreResult exploreSeed(const Scenario& scenario, std::uint64_t seed, bool memoise = true, bool standingKeepalive = true,
                          bool recordSpans = false);

}  // namespace kontena::sim
