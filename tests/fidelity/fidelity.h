#pragma once
// Same scenario, real hosts (issue 20): a scenario file run by the
// simulator and on a real grid on this machine — a real kontena-master,
// one real kontena-agent per scenario node, each with its own private
// dockerd — both in the scenario's scaled time (`real.time_scale`), and
// the two stories compared.
//
// A story is what an operator would look at, at every instant a check of
// the scenario names (each `at`, and each `from` and `to`):
//   - which instance runs on which node (a container running on a node
//     that is online, read from that node's own dockerd on the real side),
//   - each node's status (online, offline, drain; removed nodes absent),
//   - in an etcd story (a scenario with etcd_member_* events): whether etcd
//     has a quorum, as the simulator's core says and as the real master
//     reports it from its agents' real etcd members (grid `etcd.quorum`),
// and which events the platform refused, with its message.
// The real side is sampled until it matches the simulated observation or
// the scenario's tolerance passes (containers take real time to start);
// what still differs is printed side by side.

#include <QString>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "simulator/scenario.h"

namespace kontena::fidelity {

struct Observation {
    Instant at;                                    // scaled scenario time
    std::map<std::string, std::string> running;    // "stack/service-N" -> node
    std::map<std::string, std::string> nodes;      // node -> status
    std::optional<bool> quorum;                    // etcd stories only
    bool operator==(const Observation& o) const { return running == o.running && nodes == o.nodes && quorum == o.quorum; }
};

struct Story {
    std::vector<Observation> observations;   // by time
    // Simulated stories only: per observation, every state the simulator
    // went through within the tolerance before or after it (a real grid may
    // be a little early as well as late). Empty: only the observation.
    std::vector<std::vector<Observation>> nearby;
    std::map<int, std::string> refused;      // event index (1-based) -> the platform's message
    std::vector<std::string> notes;          // what the runner could not do (the real side)
};

// Whether `s` tells an etcd story (etcd_member_fail / _recover events): its
// real run gives the initial nodes real etcd members (kontena-agent --etcd
// on), fails a member by SIGSTOP and recovers it by SIGCONT, and both
// stories observe the quorum.
bool etcdStory(const sim::Scenario& s);

// The instants a story is observed at: every check's from and to, sorted, unique.
std::vector<Instant> observationTimes(const sim::Scenario& s);

// The simulator's story of `scaled` (a scenario already scaled).
Story simulatedStory(const sim::Scenario& scaled, std::uint64_t seed, Duration tolerance = Duration());

// Whether `real` matches observation `i` of `simulated` or a state near it.
bool agrees(const Story& simulated, std::size_t i, const Observation& real);

// Why `s` cannot run on real hosts ("" when it can): actions the runner
// does not carry out yet (partitions, health checks).
std::string unsupportedOnRealHosts(const sim::Scenario& s);

// Runs `scaled` on real programs: KONTENA_MASTER_BIN, KONTENA_AGENT_BIN and
// KONTENA_CLI_BIN name them; needs root (private dockerds). `expected` is
// the simulated story: each observation waits up to `tolerance` for the
// real grid to match it. `workDir` keeps the logs.
Story realStory(const sim::Scenario& scaled, double timeScale, const Story& expected, Duration tolerance,
                const QString& workDir);

// Differences, one line each ("" when the stories agree).
std::string compareStories(const Story& simulated, const Story& real);

}  // namespace kontena::fidelity
