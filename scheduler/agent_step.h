#pragma once
// The agent's pure step (reference §11.4, §8.2, §8.4, §4.8): converge the
// containers of one node to the instances the master wants there, and
// decide what each thing the runtime says about a container means. The
// same functions run inside kontena-agent (against Docker) and inside the
// simulator (against a simulated runtime), so both behave alike: the
// callers only carry out the answers (runtime calls, timers, reports).
//
// Pure: no clock (time comes in as `now`), no I/O, no Qt. Functions that
// take a `Container&` update it and say what the caller must do.

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
    std::optional<Instant> portDeadline;   // wait_for_port: Starting until the port opens, at most until then
    std::int64_t reportedRev = -1;      // last revision reported to the master
    ObservedState reportedState = ObservedState::Missing;
};

namespace op {
struct Create { std::string service; int number; std::int64_t deployRev; int serviceRevision; bool start; };
struct Start { std::string service; int number; };
struct Stop { std::string service; int number; };
// `removeData`: no pod names the instance any more, so a stateful
// instance's data goes too (a re-create keeps it).
struct Remove { std::string service; int number; bool removeData; };
struct Report { std::string service; int number; std::int64_t rev; int serviceRevision; ObservedState state; std::string error; };
}  // namespace op

using Op = std::variant<op::Create, op::Start, op::Stop, op::Remove, op::Report>;

// The container runtime of one node as the step's ops address it: by
// instance, in the step's words, no engine types. The simulated node's
// modelled runtime implements it directly; kontena-agent implements it
// with calls to its NodeRuntime (Docker) queued for a worker thread. So
// both carry out the same ops the same way: in order, one call per op.
class Runtime {
public:
    virtual ~Runtime() = default;
    // Makes the container, and with `start` starts it.
    virtual void create(const op::Create& c) = 0;
    virtual void start(const op::Start& s) = 0;
    // Implementations mark the container with onStopping first (its exit is no crash).
    virtual void stop(const op::Stop& s) = 0;
    virtual void remove(const op::Remove& r) = 0;
    // Sends the report to the master if it can, and records it on the
    // container (reportedRev/reportedState) only if it was sent.
    virtual void report(const op::Report& r) = 0;
};

// Hands each of `ops` to `rt`, in order; returns how many were runtime
// calls (not reports): when nonzero, a second reconcile after them finds
// the reports of what changed.
int execute(const std::vector<Op>& ops, Runtime& rt);
// The second look, after a pass's runtime calls (and, for a real engine,
// a fresh listing): hands `rt` only the reports of `ops`, and of those only
// the ones without an error (errors went out with the first look).
void reportChanges(const std::vector<Op>& ops, Runtime& rt);

// Converges `containers` to `pods`: creates missing containers (needs an
// overlay address, so `ipamAvailable` -- the grid's etcd has quorum, as the
// master tells the agent with each pod list -- must hold; otherwise each
// such pod gets a report with ipamUnavailableMessage()), re-creates those of
// an older service revision, starts/stops by desired state, removes containers
// no pod names, and reports each pod's state with its deploy revision
// (never an older revision than already reported, never the same report twice).
std::vector<Op> reconcile(const std::vector<Pod>& pods, const std::vector<Container>& containers, bool ipamAvailable);
// The same over containers held elsewhere (no copies; a simulated node's map).
std::vector<Op> reconcile(const std::vector<Pod>& pods, const std::vector<const Container*>& containers, bool ipamAvailable);

// A running container exited: the delay before it is restarted (n² seconds
// for the n-th consecutive crash counting from 0, capped), resetting the
// count when it had stayed up `resetAfter`. Updates `c`.
Duration onCrash(Container& c, Instant now, const GridSettings& settings);

// --- What the runtime says, and what it means -------------------------

// Is the container up as far as the agent knows: running, or running but
// still waiting for its wait_for_port port (so an exit is a crash)?
bool isUp(const Container& c);

// A container first seen in a listing (the agent restarted, or another
// agent made it): known as Stopped until the listing says more.
Container discovered(const std::string& service, int number);

enum class Seen {
    Nothing,   // nothing to do (a non-running container is now Stopped,
               // unless a crash restart is pending)
    CameUp,    // it runs and did not before, or it is another container
               // than last listed (re-created): call onUp
    Crashed,   // it was up and is not, and the agent did not stop it: call onExit
};
// A listing of the runtime shows the container `running` or not;
// `newRun`: its id differs from the last listing's. The caller must not
// call it while a runtime call for the instance is under way (the
// listing may show a state in flux).
Seen onListed(Container& c, bool running, bool newRun);

// The runtime reported the container's exit at `at` (if known): true when
// it is a crash to handle with onExit. An exit the agent caused (it marked
// the container with onStopping first), one already known, or the end of
// an earlier run (`at` before the current run began) is not.
bool isCrash(const Container& c, std::optional<Instant> at);

// The container exited without the agent stopping it. If its pod is
// wanted running, it is Exited and restarts after the returned delay
// (onCrash; the caller arms a timer for restartAt); otherwise it is
// Stopped and nothing restarts it.
std::optional<Duration> onExit(Container& c, bool wantRunning, Instant now, const GridSettings& settings);

// The crash-restart timer armed for `due` fired: true if the restart is
// still wanted (nothing stopped, started or re-created it meanwhile).
bool restartDue(const Container& c, Instant due);

// A (crash) restart call failed: Stopped, so the next pass starts it.
void onStartFailed(Container& c);

// The agent is about to stop or remove the container: Stopped now, so the
// exit this causes is not taken for a crash, and nothing pending applies.
void onStopping(Container& c);

// How long wait_for_port waits at most (reference 4.8).
inline constexpr Duration kWaitForPortMax = Duration::seconds(300);

enum class Up {
    Running,       // Running from `now`
    WaitForPort,   // Starting until onPortProbe says otherwise: probe now and
                   // again while it answers Retry
};
// The container runs (started, restarted or re-created). With
// `waitForPort` (the pod names a wait_for_port port and the caller can
// probe it) it stays Starting -- so reconcile reports nothing for it --
// for at most `portWaitMax` (reference 4.8).
Up onUp(Container& c, Instant now, bool waitForPort, Duration portWaitMax);

enum class Probe {
    Stale,      // not waiting for its port any more: ignore the result
    Open,       // Running now; reconcile reports it
    Retry,      // probe again later
    TimedOut,   // Running now, and the caller reports waitForPortTimeoutMessage()
};
// A wait_for_port probe at `now` found the port `open` or not.
Probe onPortProbe(Container& c, Instant now, bool open);

// A health check found the container unhealthy: true if it is to be
// restarted now (one unhealthy result restarts a running container,
// reference 8.2). The caller must not restart while another runtime call
// for it is under way.
bool restartsWhenUnhealthy(const Container& c);

// An HTTP health check's verdict from the status (0: no answer) (reference
// 8.2): 200-399 is healthy, a redirect counting as healthy whatever its target.
bool httpStatusHealthy(int status);

// A runtime call for `p` failed (or wait_for_port gave up) with `error`:
// the report to send (state Missing, the pod's revisions), or nothing when
// it repeats `lastError`, the last error report sent for the pod (empty
// after a call that succeeded). The caller remembers `error` once sent.
std::optional<op::Report> errorReport(const Pod& p, const std::string& error, const std::string& lastError);

// --- Lifecycle hooks (reference 6.5) -----------------------------------

// Whether `hook` is for instance `number`: its `instances` is "*" or a
// comma-separated list of numbers ("1,3"; blanks allowed).
bool hookAppliesTo(const Hook& hook, int number);
// The hooks of `kind` (pre_start, post_start, pre_stop) for instance
// `number`, in the order the service lists them.
std::vector<Hook> hooksFor(const ServiceSpec& spec, const std::string& kind, int number);
// The command a hook runs: `/bin/sh -c cmd`.
std::vector<std::string> hookCommand(const Hook& hook);
// What a failed hook reports: "<kind> hook <name> failed (exit N): <output tail>".
std::string hookFailureMessage(const Hook& hook, int exitCode, const std::string& output);

// The message the agent reports when it cannot allocate an address.
std::string ipamUnavailableMessage();
// The message the agent reports when wait_for_port gave up.
std::string waitForPortTimeoutMessage();

}  // namespace kontena::agent
