#pragma once
// A scenario file (../shared/spec/scenario-format.md) as plain value types,
// and the loader that reads one.
//
// Contract of the loader:
//  - it never throws, never crashes and always terminates, whatever the
//    bytes of the file;
//  - it either returns a complete, validated Scenario, or every problem it
//    found in the file as a Diagnostic (FILE:LINE:COLUMN: message, 1-based);
//  - a valid Scenario only names nodes and stacks it declares (or adds with
//    a node_add event), events are sorted by time (file order for equal
//    times), and every duration is a non-negative whole number of
//    milliseconds.
// The loader does not read stack files' content: a stack that does not
// validate is the platform's business at run time (a refused event).
// No Qt here: the library links yaml-cpp and the core's model only.

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "scheduler/model.h"
#include "scheduler/result.h"
#include "scheduler/time.h"

namespace kontena::sim {

// ------------------------------------------------------------ errors ----

// A place in the scenario file, 1-based (0 = unknown).
struct SourcePos {
    int line = 0;
    int column = 0;
    bool operator==(const SourcePos&) const = default;
};

// One problem in a scenario file.
struct Diagnostic {
    std::string file;
    SourcePos pos;
    std::string message;
};

// "FILE:LINE:COLUMN: message" (the form the spec requires on stderr).
std::string formatDiagnostic(const Diagnostic& d);

using Diagnostics = std::vector<Diagnostic>;

// --------------------------------------------------------- references ----

// "STACK/SERVICE": the stack instance name, then the service name.
struct ServiceRef {
    std::string stack;
    std::string service;
    std::string key() const { return stack + "/" + service; }
    bool operator==(const ServiceRef&) const = default;
};

// "STACK/SERVICE-N", N from 1.
struct InstanceRef {
    ServiceRef service;
    int number = 0;
    std::string name() const { return service.key() + "-" + std::to_string(number); }
    bool operator==(const InstanceRef&) const = default;
};

// -------------------------------------------------------------- nodes ----

// One node as declared under `nodes:` (groups are expanded) or by node_add.
struct ScenarioNode {
    std::string name;
    std::vector<std::string> labels;               // "key" or "key=value"
    int cpus = 2;                                  // default: 2 CPUs
    std::int64_t memory = 4LL * 1024 * 1024 * 1024;  // bytes; default 4 GiB
    std::vector<std::string> volumeDrivers{"local"};
    Instant connectAt;                             // first connection
    SourcePos pos;
    bool operator==(const ScenarioNode&) const = default;
};

// -------------------------------------------------------------- stacks ----

struct StackFile {
    std::filesystem::path path;   // resolved against the scenario's folder
    bool operator==(const StackFile&) const = default;
};

// A stack file given inline in the scenario: its YAML re-emitted as text.
struct StackInline {
    std::string yaml;
    SourcePos pos;                // where the inline map starts
    bool operator==(const StackInline&) const = default;
};

using StackSource = std::variant<StackFile, StackInline>;

// One entry of a stack's `placement:` (beyond the spec, simulator/README.md):
// the instance already runs on that node when the stack is first deployed.
struct PlacedInstance {
    InstanceRef instance;
    std::string node;
    SourcePos pos;
};

struct ScenarioStack {
    std::string name;             // the stack instance name
    StackSource source;
    std::map<std::string, std::string> variables;
    SourcePos pos;
    // Where its instances (and its child stacks') run when the scenario
    // finds them: the first `deploy` of the stack installs it and puts
    // these instances on these nodes instead of deploying it. Empty: an
    // ordinary deploy. Ordered by instance name.
    std::vector<PlacedInstance> placement;
};

// ------------------------------------------------------------- events ----

struct Deploy { std::string stack; };
struct Upgrade {
    std::string stack;
    StackSource source;
    std::map<std::string, std::string> variables;
};
struct Remove { std::string stack; };
struct Scale {
    ServiceRef service;
    int instances = 0;
};
struct Stop { ServiceRef service; };
struct Start { ServiceRef service; };
struct Restart { ServiceRef service; };
struct NodeConnect { std::string node; };
struct NodeDisconnect { std::string node; };
struct NodeUnresponsive { std::string node; };
struct NodeResponsive { std::string node; };
struct NodeDrain { std::string node; };
struct NodeActivate { std::string node; };
struct NodeRemove { std::string node; };
// A node (or an expanded group, members in order) joins at the event's time;
// each member's connectAt equals the event's `at`.
struct NodeAdd { std::vector<ScenarioNode> nodes; };
struct NodeLabel {
    std::string node;
    std::vector<std::string> add;
    std::vector<std::string> remove;
};
struct InstanceCrash { InstanceRef instance; };
struct InstanceUnhealthy { InstanceRef instance; };
struct InstanceHealthy { InstanceRef instance; };
struct EtcdMemberFail { std::string node; };
struct EtcdMemberRecover { std::string node; };
// Only members of the same group reach each other. kMaster names the master.
struct Partition { std::vector<std::vector<std::string>> groups; };
struct Heal {};

inline constexpr const char* kMaster = "master";

using Action = std::variant<Deploy, Upgrade, Remove, Scale, Stop, Start, Restart, NodeConnect,
                            NodeDisconnect, NodeUnresponsive, NodeResponsive, NodeDrain,
                            NodeActivate, NodeRemove, NodeAdd, NodeLabel, InstanceCrash,
                            InstanceUnhealthy, InstanceHealthy, EtcdMemberFail,
                            EtcdMemberRecover, Partition, Heal>;

// The action's key in the file: "deploy", "node_remove", ...
std::string actionName(const Action& a);
// Every action key, in the order of the spec's table.
const std::vector<std::string>& actionNames();

struct Event {
    int index = 0;       // 1-based position in the file's `events` list
    Instant at;
    Action action;
    SourcePos pos;
};

// ------------------------------------------------------------- checks ----

enum class InstanceState { Running, Stopped, Missing };
enum class DeployOutcome { Success, Error };

struct ServiceCheck {
    ServiceRef service;
    std::optional<int> running;
    std::optional<int> minRunning;
    std::optional<int> maxRunning;
    std::optional<std::vector<std::string>> on;
    std::optional<std::vector<std::string>> notOn;
    std::optional<std::string> spread;   // a label name, e.g. "az"
    std::optional<int> healthy;
};

struct InstanceCheck {
    InstanceRef instance;
    std::optional<std::string> on;
    std::optional<InstanceState> state;
};

struct NodeCheck {
    std::string node;
    std::optional<NodeStatus> status;    // Online, Offline or Drain only
    std::optional<int> number;
    std::optional<bool> exists;
    std::optional<Availability> availability;
    std::optional<bool> initial;
    std::optional<int> instances;
};

struct QuorumCheck { bool expected = true; };

// An event named by its 1-based index, or by action: the latest event with
// that action at or before the time the check is evaluated.
using EventSelector = std::variant<int, std::string>;

struct RefusedCheck {
    EventSelector event;
    std::optional<std::string> message;   // a substring of the refusal
};

struct AcceptedCheck { EventSelector event; };

struct MovesCheck {
    ServiceRef service;
    int max = 0;
};

struct LastDeployCheck {
    ServiceRef service;
    DeployOutcome state = DeployOutcome::Success;
    std::optional<std::string> message;   // a substring of the error
};

struct RestartsCheck {
    std::variant<ServiceRef, InstanceRef> target;
    std::optional<int> min;
    std::optional<int> max;
};

using CheckSubject = std::variant<ServiceCheck, InstanceCheck, NodeCheck, QuorumCheck,
                                  RefusedCheck, AcceptedCheck, MovesCheck, LastDeployCheck,
                                  RestartsCheck>;

// The subject's key in the file: "service", "quorum", "last_deploy", ...
std::string subjectName(const CheckSubject& s);

// `at: T` gives from == to == T and interval == false; `from`/`to` gives an
// invariant over the closed interval [from, to].
struct CheckWindow {
    Instant from;
    Instant to;
    bool interval = false;
};

struct Check {
    int index = 0;       // 1-based position in the file's `expect` list
    CheckWindow when;
    CheckSubject subject;
    SourcePos pos;
};

// ----------------------------------------------------------- scenario ----

// `real:` — the scenario can run on real hosts (tests/fidelity): every
// time and timing multiplied by `timeScale`, and a real run agrees with the
// simulated one when each observation matches within `tolerance` (scaled
// time, after the scaling).
struct RealRunOptions {
    double timeScale = 0.1;
    Duration tolerance = Duration::seconds(3);
    // How long a container takes to start on the real hosts: a physical
    // time, not scaled (the simulated side of a real run uses it).
    Duration containerStart = Duration::seconds(1);
};

struct Scenario {
    std::filesystem::path file;     // as given to the loader
    std::string name;
    std::string description;
    std::uint64_t seed = 1;
    std::optional<Instant> until;   // as written; see end()
    Grid grid;                      // name, initial size, default affinity, settings
    std::vector<ScenarioNode> nodes;      // groups expanded, file order
    std::map<std::string, ScenarioStack> stacks;
    std::vector<Event> events;      // by time, then file order
    std::vector<Check> expect;      // file order
    std::optional<RealRunOptions> real;   // nullopt: simulation only

    // The simulated end: `until`, else the last event or check time + 5m.
    Instant end() const;
};

// Reads and validates the scenario at `path`.
Result<Scenario, Diagnostics> loadScenarioFile(const std::filesystem::path& path);

// Same, from text; `file` names it in diagnostics and stack file paths are
// resolved against file's parent folder.
Result<Scenario, Diagnostics> loadScenarioText(const std::string& text,
                                               const std::filesystem::path& file);

// The same scenario in scaled time: every event and check time, `until`
// (set to the scaled end), and every grid timing (scaledTimings) multiplied
// by `factor` > 0. Nodes' first connections move with their times.
Scenario scaledScenario(const Scenario& s, double factor);

// The scenario as its run on real hosts sees it: scaled by its
// `real.time_scale` (0.1 without a `real:` key), with the containers'
// start time set to `real.container_start` (unscaled).
Scenario realHostScenario(const Scenario& s);

// "NAME (seed N)": how reports name a run.
std::string scenarioTitle(const Scenario& s);
// A few lines for reports: name, description, seed, grid, counts, end.
std::string formatScenarioSummary(const Scenario& s);

}  // namespace kontena::sim
