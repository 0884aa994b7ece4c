// Reports of a run: JSON (machine) and text (people). Both depend only on
// the run's report, never on the wall clock.
#include <nlohmann/json.hpp>

#include <sstream>

#include "simulator/engine/engine.h"

namespace kontena::sim {

namespace {

using Json = nlohmann::ordered_json;

std::string when(const CheckWindow& w) {
    if (w.interval) return "from " + formatDuration(w.from - Instant(0)) + " to " + formatDuration(w.to - Instant(0));
    return "at " + formatDuration(w.from - Instant(0));
}

}  // namespace

std::string reportJson(const RunReport& r) {
    Json j;
    j["scenario"] = r.scenario;
    j["seed"] = r.seed;
    j["passed"] = r.passed;
    j["end_ms"] = r.end.ms;
    Json checks = Json::array();
    for (const auto& c : r.checks) {
        Json x;
        x["index"] = c.index;
        if (c.when.interval) {
            x["from"] = c.when.from.ms;
            x["to"] = c.when.to.ms;
        } else {
            x["at"] = c.when.from.ms;
        }
        x["subject"] = c.subject;
        x["passed"] = c.passed;
        x["expected"] = c.expected;
        x["actual"] = c.actual;
        if (c.failedAt) x["failed_at"] = c.failedAt->ms;
        checks.push_back(x);
    }
    j["checks"] = checks;
    Json timeline = Json::array();
    for (const auto& t : r.timeline) timeline.push_back(Json{{"time", t.at.ms}, {"kind", t.kind}, {"subject", t.subject}, {"detail", t.detail}});
    j["timeline"] = timeline;
    Json quorum = Json::array();
    for (const auto& q : r.quorumLoss) quorum.push_back(Json{{"from", q.from.ms}, {"to", q.to.ms}});
    j["quorum_loss"] = quorum;
    j["nodes"] = r.nodes;
    j["stats"] = Json{{"events_processed", r.stats.events},
                      {"scenario_events", r.stats.scenarioEvents},
                      {"refused_events", r.stats.refusedEvents},
                      {"instances_started", r.stats.instancesStarted},
                      {"instances_stopped", r.stats.instancesStopped},
                      {"instances_moved", r.stats.instancesMoved},
                      {"restarts", r.stats.restarts},
                      {"placement_failures", r.stats.placementFailures}};
    return j.dump(2) + "\n";
}

std::string reportText(const RunReport& r, const std::string& file) {
    std::ostringstream out;
    int failed = 0;
    for (const auto& c : r.checks) failed += c.passed ? 0 : 1;
    out << file << ": " << r.scenario << " (seed " << r.seed << ", until " << formatDuration(r.end - Instant(0)) << "): "
        << (r.passed ? "PASSED" : "FAILED") << ", " << (r.checks.size() - static_cast<std::size_t>(failed)) << " of " << r.checks.size()
        << " checks hold\n";
    out << "  " << r.stats.scenarioEvents << " events (" << r.stats.refusedEvents << " refused), " << r.stats.instancesStarted
        << " instance starts, " << r.stats.instancesMoved << " moves, " << r.stats.restarts << " restarts, "
        << r.stats.placementFailures << " placement failures";
    if (!r.quorumLoss.empty()) out << ", quorum lost " << r.quorumLoss.size() << " time(s)";
    out << "\n";
    for (const auto& c : r.checks) {
        if (c.passed) {
            out << "  ok    check " << c.index << " " << when(c.when) << ": " << c.expected << " (" << c.actual << ")\n";
            continue;
        }
        out << file << ": check " << c.index << " " << when(c.when) << " failed";
        if (c.failedAt) out << " at " << formatDuration(*c.failedAt - Instant(0));
        out << ": expected " << c.expected << "; actual " << c.actual << "\n";
    }
    return out.str();
}

}  // namespace kontena::sim
