#pragma once
// The agent's pure step (reference §11.4, §8.2, §8.4): converge the
// containers of one node to the instances the master wants there. The same
// functions run inside kontena-agent (against Docker) and inside the
// simulator (against a simulated runtime), so both behave alike.

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "scheduler/model.h"

namespace kontena::agent {

// One instance the master wants on this node (a pod).
struct Pod {
    std::string service;
    int number = 0;
    DesiredState desired = DesiredState::Running;
    std::int64_t deployRev = 0;
    int serviceRevision = 1;
};

enum class ContainerState { Starting, Running, Stopped, Exited };

// What the agent knows of one container it owns.
struct Container {
    std::string service;
    int number = 0;
    std::int64_t deployRev = 0;
    int serviceRevision = 0;
    ContainerState state = ContainerState::Starting;
    int consecutiveCrashes = 0;
    std::optional<Instant> runningSince;
    std::optional<Instant> restartAt;   // a crash restart is pending
    std::int64_t reportedRev = -1;      // last revision reported to the master
    ObservedState reportedState = ObservedState::Missing;
};

namespace op {
struct Create { std::string service; int number; std::int64_t deployRev; int serviceRevision; bool start; };
struct Start { std::string service; int number; };
struct Stop { std::string service; int number; };
struct Remove { std::string service; int number; };
struct Report { std::string service; int number; std::int64_t rev; int serviceRevision; ObservedState state; std::string error; };
}  // namespace op

using Op = std::variant<op::Create, op::Start, op::Stop, op::Remove, op::Report>;

// Converges `containers` to `pods`: creates missing containers (needs an
// overlay address, so `ipamAvailable` must hold), re-creates those of an
// older service revision, starts/stops by desired state, removes containers
// no pod names, and reports each pod's state with its deploy revision
// (never an older revision than already reported, never the same report twice).
std::vector<Op> reconcile(const std::vector<Pod>& pods, const std::vector<Container>& containers, bool ipamAvailable);
// The same over containers held elsewhere (no copies; a simulated node's map).
std::vector<Op> reconcile(const std::vector<Pod>& pods, const std::vector<const Container*>& containers, bool ipamAvailable);

// A running container exited: the delay before it is restarted (n² seconds
// for the n-th consecutive crash counting from 0, capped), resetting the
// count when it had stayed up `resetAfter`. Updates `c`.
Duration onCrash(Container& c, Instant now, const GridSettings& settings);

// An HTTP health check's verdict from the status (0: no answer) (reference
// 8.2): 200-399 is healthy, a redirect counting as healthy whatever its target.
bool httpStatusHealthy(int status);

// The message the agent reports when it cannot allocate an address.
std::string ipamUnavailableMessage();

}  // namespace kontena::agent
