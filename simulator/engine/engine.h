#pragma once
// The discrete-event simulation of a scenario (../../../shared/spec/
// scenario-format.md): a virtual clock, one queue ordered by (time, class,
// sequence), one seeded PRNG, the real core (Controller) as the master, and
// simulated nodes running the real agent step. Single-threaded; the report
// depends only on (scenario, seed). No wall clock, no Qt.

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "scheduler/controller.h"
#include "simulator/scenario.h"

namespace kontena::sim {

struct CheckResult {
    int index = 0;
    CheckWindow when;
    std::string subject;      // "service", "node", ...
    bool passed = false;
    std::string expected;
    std::string actual;       // at the first failing instant (or the last evaluation)
    std::optional<Instant> failedAt;
};

struct TimelineEntry {
    Instant at;
    std::string kind;
    std::string subject;
    std::string detail;
};

struct RunStats {
    long events = 0;               // queue items processed
    long scenarioEvents = 0;
    long refusedEvents = 0;
    long instancesStarted = 0;
    long instancesStopped = 0;
    long instancesMoved = 0;
    long restarts = 0;
    long placementFailures = 0;
};

// Per node and per instance, what the timeline picture needs.
struct NodeSpan { std::string node; Instant from, to; std::string state; };              // "offline" / "drain"
struct InstanceSpan { std::string instance; std::string service; std::string node; Instant from, to; };
struct QuorumSpan { Instant from, to; };

struct RunReport {
    std::string scenario;
    std::uint64_t seed = 1;
    bool passed = true;
    Instant end;
    std::vector<CheckResult> checks;
    std::vector<TimelineEntry> timeline;
    RunStats stats;
    std::vector<std::string> nodes;           // node names, in joining order
    std::vector<NodeSpan> nodeSpans;
    std::vector<InstanceSpan> instanceSpans;
    std::vector<QuorumSpan> quorumLoss;
};

// Called at the end of every simulated instant (after all queue items of
// that time) with the simulated time and the master's state (explore's invariant checkers, progress lines). Observers
// never change the run.
// `runningOnline` counts, per instance, the nodes where its container runs
// that are online and in touch with the master (more than one is a split
// brain the platform caused; a node cut off by a partition is not counted).
using StepObserver = std::function<void(Instant now, const ClusterState& master, const std::map<InstanceKey, int>& runningOnline)>;

struct EngineOptions {
    std::uint64_t seed = 1;
    StepObserver observer;
    bool observeRunning = true;   // fill the observer's runningOnline map (costs a pass over all containers)
    bool recordSpans = false;   // fill nodeSpans / instanceSpans (the timeline picture)
    // Extra scenario events (explore's random faults), merged by time.
    std::vector<Event> extraEvents;
    bool memoise = true;          // the core's memoised re-scheduler checks (tests turn it off to compare)
    // Standing keepalive (kontena::Context::standingKeepalive): answered
    // pings are not simulated one by one, only the first missed one. Off:
    // every ping is a timer, a command and an answer, as with the master.
    // Both give the same report but for stats.events.
    bool standingKeepalive = true;
    // Every decision's randomness is this value instead of a draw from the
    // run's stream: what `kontena-master --rehearsal-seed` does, so a run on
    // real hosts (whose agents send more events than simulated nodes) and
    // the simulated run place alike (tests/fidelity).
    std::optional<std::uint64_t> decisionSeed;
};

RunReport runScenario(const Scenario& scenario, const EngineOptions& options);

// JSON report (spec "Running"): byte-identical for the same scenario and seed.
std::string reportJson(const RunReport& report);
// A readable summary: one line per check, failures with expected/actual.
std::string reportText(const RunReport& report, const std::string& file);

}  // namespace kontena::sim
