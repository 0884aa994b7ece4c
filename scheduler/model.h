#pragma once
// The grid model as plain value types. Nothing here does I/O or reads a
// clock; drivers build these values and hand them to the core.
//
// Identity:
//  - a node is identified by its name (unique per grid);
//  - a service by its key "<stack>/<name>" (the null stack is "null");
//  - an instance by (service key, instance number from 1).

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "scheduler/time.h"

namespace kontena {

// ---------------------------------------------------------------- grid ----

enum class Strategy { Ha, Daemon, Random };

// Every timer and threshold of the platform, injectable (reference §13).
struct GridSettings {
    Duration pingInterval = Duration::seconds(30);
    Duration pingTimeout = Duration::seconds(5);
    Duration onlineGrace = Duration::seconds(20);
    Duration offlineGraceDaemon = Duration::minutes(10);
    Duration offlineGraceHa = Duration::minutes(2);
    Duration offlineGraceRandom = Duration::seconds(30);
    Duration staleSweepInterval = Duration::seconds(60);
    Duration staleThreshold = Duration::seconds(60);
    Duration schedulerInterval = Duration::seconds(20);
    Duration agentPollInterval = Duration::seconds(30);
    Duration nodeInfoInterval = Duration::seconds(60);
    Duration reconnectBackoffUnit = Duration::seconds(1);   // the k-th reconnect waits unit * 2^k
    Duration reconnectBackoffMax = Duration::seconds(90);
    Duration containerStart = Duration::seconds(2);   // simulated runtime only
    Duration deployTimeout = Duration::minutes(30);
    Duration stackDeployBlocksRescheduling = Duration::minutes(30);
    Duration instanceDeployWait = Duration::seconds(300);
    Duration stackServiceWait = Duration::seconds(600);
    Duration crashBackoffUnit = Duration::seconds(1);   // the k-th crash waits k^2 units
    Duration crashBackoffCap = Duration::seconds(30);
    Duration crashResetAfter = Duration::seconds(10);
    Duration ephemeralNodeCleanup = Duration::hours(6);
    int maxInFlightInstanceDeploys = 20;
    // Beyond Kontena: eviction storm protection.
    double massOfflineFraction = 0.55;     // above this share of offline nodes...
    Duration massOfflineEvictionInterval = Duration::seconds(10);  // ...evict one node per interval

    Duration offlineGrace(Strategy s) const {
        switch (s) {
        case Strategy::Daemon: return offlineGraceDaemon;
        case Strategy::Random: return offlineGraceRandom;
        case Strategy::Ha: break;
        }
        return offlineGraceHa;
    }
    // Reference 2.3: the wait before an agent's reconnect attempt `attempt`
    // (0 = first retry): min(cap, unit * 2^attempt). The simulator's nodes
    // and kontena-agent both back off by it.
    Duration reconnectDelay(int attempt) const;
};

// Every timing of `s` multiplied by `factor` (> 0), rounded to whole
// milliseconds (a non-zero timing stays at least 1 ms). A rehearsal on real
// hosts runs the platform at, say, a tenth of Kontena's timings; the
// simulator runs the same scenario with the same scaled settings, so both
// see the same story in scaled seconds.
GridSettings scaledTimings(const GridSettings& s, double factor);

struct Grid {
    std::string name = "test";
    int initialSize = 1;                       // 1..7, fixed at creation
    std::vector<std::string> defaultAffinity;  // used when a service has none
    // Node numbers 1..maxNodes. Kontena stops at 254 (one /24 of the
    // overlay); the grid subnet's lower half (10.81.0.0/17) has room for
    // 32,766 node addresses, so larger grids are a grid option.
    int maxNodes = 254;
    static constexpr int kMaxNodesLimit = 32766;
    GridSettings settings;

    // floor(initial_size / 2) + 1 (reference §1.3).
    int quorumSize() const { return initialSize / 2 + 1; }
};

// --------------------------------------------------------------- nodes ----

enum class Availability { Active, Drain };

// User-visible node status (reference §2.2).
enum class NodeStatus { Created, Connecting, Online, Drain, Offline };

struct NodeMemoryStats {
    std::int64_t total = 0;
    std::int64_t used = 0;
    std::int64_t free = 0;
    std::int64_t cached = 0;
    std::int64_t buffers = 0;
};

struct Node {
    std::string name;
    std::string nodeId;       // Docker engine ID in production; name in the simulator
    int number = 0;           // node_number 1..254; 0 = not numbered yet
    std::vector<std::string> labels;   // "key" or "key=value"
    int cpus = 0;
    std::int64_t memory = 0;  // mem_total in bytes (0 = not reported yet)
    std::vector<std::string> volumeDrivers{"local"};
    Availability availability = Availability::Active;
    bool connected = false;
    bool updated = false;     // sent /nodes/update since connecting
    std::optional<Instant> connectedAt;
    std::optional<Instant> disconnectedAt;
    std::optional<Instant> lastSeen;
    std::optional<NodeMemoryStats> stats;
    bool everConnected = false;  // false: status "created" (node-token mode)
    std::optional<Instant> pingSentAt;   // outstanding keepalive ping of this connection
    int closeCode = 0;                   // last WebSocket close code (4030 ping timeout, ...)
    bool etcdHealthy = true;             // the node's etcd member (initial nodes) is up and reachable
    int partitionGroup = 0;              // nodes reach each other's etcd only within one group

    bool isInitial(int initialSize) const { return number >= 1 && number <= initialSize; }
    NodeStatus status() const;
};

// Label helpers (reference §2.7): the name is the part before the first '='.
std::string labelName(const std::string& label);
std::optional<std::string> labelValue(const std::vector<std::string>& labels, const std::string& name);
bool isEphemeral(const Node& node);
// The node's availability zone: value of the "az" label, default "default".
std::string zoneOf(const Node& node);

// ------------------------------------------------------------ services ----

struct PortSpec {
    std::string ip = "0.0.0.0";
    int nodePort = 0;
    int containerPort = 0;
    std::string protocol = "tcp";
    bool operator==(const PortSpec&) const = default;
};

struct HealthCheck {
    std::string protocol;        // "http" or "tcp"
    int port = 0;
    std::string uri = "/";
    Duration timeout = Duration::seconds(10);
    Duration interval = Duration::seconds(60);
    Duration initialDelay = Duration::seconds(10);
    bool operator==(const HealthCheck&) const = default;
};

struct DeployOptions {
    std::optional<int> waitForPort;
    double minHealth = 0.8;
    std::optional<Duration> interval;
    bool operator==(const DeployOptions&) const = default;
};

enum class VolumeKind { Bind, Named, Anonymous };

// A Kontena volume (reference §5.3): `kontena volume create`.
enum class VolumeScope { Instance, Stack, Grid };

struct Volume {
    std::string name;
    VolumeScope scope = VolumeScope::Instance;
    std::string driver = "local";
    std::map<std::string, std::string> driverOpts;
    bool operator==(const Volume&) const = default;
};

// One entry of a service's `volumes` (reference §5.2).
struct VolumeMount {
    VolumeKind kind = VolumeKind::Anonymous;
    std::string source;   // host path (bind) or volume name (named); empty for anonymous
    std::string path;     // path in the container
    std::string flags;    // "ro", "rw,z", ...
    // A named mount of a stack service: the Kontena volume its stack's
    // `volumes:` entry refers to, resolved by the core when the stack is
    // applied. The node then mounts volumeNameForService(*volume, ...)
    // (`<stack>.<volume>`, ...) made with its driver and options; without
    // it, `source` is the Docker volume name itself.
    std::optional<Volume> volume = std::nullopt;
    // The Kontena volume's name placement looks for (volume, else source).
    const std::string& volumeName() const { return volume ? volume->name : source; }
    bool operator==(const VolumeMount&) const = default;
};

struct Link {
    std::string stack;    // empty: same stack
    std::string service;
    std::string alias;
    bool operator==(const Link&) const = default;
};

struct SecretRef {
    std::string secret, name, type;
    bool operator==(const SecretRef&) const = default;
};

struct Hook {
    std::string kind;        // pre_build, pre_start, post_start, pre_stop
    std::string name;
    std::string cmd;
    std::string instances = "*";   // "*" or "1,3"
    bool oneshot = false;
    bool operator==(const Hook&) const = default;
};

// A service as defined by the user (stack file or API). Everything an agent
// needs to create its containers is here, so the pure agent step can work
// from it.
struct ServiceSpec {
    std::string stack = "null";
    std::string name;
    std::string image;
    int instances = 1;                       // container_count
    bool stateful = false;
    Strategy strategy = Strategy::Ha;
    std::vector<std::string> affinity;
    std::vector<PortSpec> ports;
    std::optional<double> cpus;
    std::optional<std::int64_t> memory;      // mem_limit, bytes
    std::optional<std::int64_t> memorySwap;  // memswap_limit, bytes
    std::optional<std::int64_t> shmSize;
    std::optional<int> cpuShares;
    std::vector<Link> links;                 // depends_on is merged in here
    std::vector<VolumeMount> volumes;
    std::vector<std::string> volumesFrom;    // may contain %s / %i
    std::string net = "bridge";              // bridge, host, container:<name>
    std::optional<HealthCheck> healthCheck;
    DeployOptions deploy;
    Duration stopGracePeriod = Duration::seconds(10);
    std::string stopSignal;
    std::vector<std::string> env;            // "KEY=VALUE"
    std::vector<std::string> cmd;
    std::vector<std::string> entrypoint;
    std::vector<SecretRef> secrets;
    std::vector<SecretRef> certificates;
    std::vector<Hook> hooks;
    bool privileged = false;
    std::vector<std::string> capAdd, capDrop;
    std::string user;
    bool readOnly = false;
    std::string pid;
    std::string logDriver;
    std::map<std::string, std::string> logOpts;

    std::string key() const { return stack + "/" + name; }
    bool operator==(const ServiceSpec&) const = default;
};

std::string serviceKey(const std::string& stack, const std::string& name);
// Container name: "<service>-<n>" in the null stack, else "<stack>.<service>-<n>".
std::string containerName(const ServiceSpec& svc, int instanceNumber);
// "STACK/SERVICE-N", the name scenarios and messages use.
std::string instanceName(const std::string& serviceKey, int instanceNumber);

enum class ServiceState { Initialized, Running, Stopped };

// The master's record of a service: its definition plus lifecycle.
struct Service {
    ServiceSpec spec;
    ServiceState state = ServiceState::Initialized;
    int revision = 1;
    std::optional<Instant> deployedAt;        // deploy_rev
    std::optional<Instant> updatedAt;
    std::optional<Instant> deployRequestedAt;
};

// --------------------------------------------------------- instances ----

enum class DesiredState { Initialized, Running, Stopped };
enum class ObservedState { Missing, Created, Running, Stopped, Restarting, Exited };
enum class Health { Unknown, Healthy, Unhealthy };

struct InstanceKey {
    std::string service;   // service key
    int number = 0;
    auto operator<=>(const InstanceKey&) const = default;
};

// The master's placement record for one instance (GridServiceInstance).
struct Instance {
    std::string service;
    int number = 0;
    std::optional<std::string> node;   // nullopt: node removed (orphan)
    DesiredState desired = DesiredState::Initialized;
    ObservedState observed = ObservedState::Missing;
    Health health = Health::Unknown;
    std::int64_t deployRev = 0;
    std::optional<std::int64_t> reportedRev;
    int serviceRevision = 0;           // service revision its container was created from (0: none)
    std::string error;

    InstanceKey key() const { return {service, number}; }
};

// ------------------------------------------------------------- volumes ----

// Docker volume name for a service instance (reference §5.3).
std::string volumeNameForService(const Volume& v, const ServiceSpec& svc, int instanceNumber);

// (node, docker volume name): a volume created on a node.
struct VolumeInstance {
    std::string node;
    std::string name;
    auto operator<=>(const VolumeInstance&) const = default;
};

// -------------------------------------------------------------- stacks ----

struct Stack {
    std::string name;
    std::vector<std::string> services;       // service keys, in deploy order
    std::vector<std::string> dependsOn;      // child stacks deployed first
    int revision = 0;
};

enum class DeployState { Pending, Ongoing, Success, Error };

// (number, node) in placement order, each number once, shared by the copies
// of a deploy record: a deploy step copies the record, and copying a
// 100-entry vector of strings every step was the simulator's largest copy.
// A copy sees its first size() entries; entries a copy can see are never
// changed in place (changing one, or appending after another copy appended,
// first takes a private copy).
class PlacementLog {
public:
    using Entry = std::pair<int, std::string>;
    using const_iterator = std::vector<Entry>::const_iterator;

    // Sets the node of `number`, appending it when it is new.
    void note(int number, const std::string& node) {
        for (std::size_t i = 0; i < count_; ++i) {
            if ((*entries_)[i].first != number) continue;
            if ((*entries_)[i].second == node) return;
            own();
            (*entries_)[i].second = node;
            return;
        }
        if (!entries_ || entries_->size() != count_) own();
        entries_->emplace_back(number, node);
        ++count_;
    }
    std::size_t size() const { return count_; }
    bool empty() const { return count_ == 0; }
    const_iterator begin() const { return entries_ ? entries_->cbegin() : const_iterator(); }
    const_iterator end() const { return entries_ ? entries_->cbegin() + static_cast<std::ptrdiff_t>(count_) : const_iterator(); }

private:
    void own() {
        auto mine = std::make_shared<std::vector<Entry>>();
        if (entries_) mine->assign(entries_->cbegin(), entries_->cbegin() + static_cast<std::ptrdiff_t>(count_));
        entries_ = std::move(mine);
    }
    std::shared_ptr<std::vector<Entry>> entries_;
    std::size_t count_ = 0;
};

// One service deploy (GridServiceDeploy, reference §3.2–3.5), advanced step
// by step by DeployStep timers.
struct ServiceDeploy {
    std::int64_t id = 0;
    std::string service;
    DeployState state = DeployState::Pending;
    Instant createdAt;
    std::optional<Instant> startedAt, finishedAt;
    std::string reason;          // why it was created ("user", "scheduler: ...")
    std::string error;
    std::int64_t stackDeploy = 0;   // 0: not part of a stack deploy
    bool force = false;
    int instanceCount = 0;
    int nextNumber = 1;          // 1-based position in `order`
    std::vector<int> order;      // instance numbers in placement order (kept first, see planPlacement)
    // Instances that stay on their node (number -> node). Fixed when the
    // deploy starts and shared by every copy of the record: a deploy step
    // copies the record, and 100 instances' worth of map made the copies the
    // simulator's largest cost.
    std::shared_ptr<const std::map<int, std::string>> keep;
    std::int64_t rev = 0;        // deploy_rev handed to agents
    // (number, node) placed by this deploy, in placement order (each number once).
    PlacementLog placed;
    const std::string* keptNode(int number) const {
        if (!keep) return nullptr;
        auto it = keep->find(number);
        return it == keep->end() ? nullptr : &it->second;
    }
    std::map<int, Instant> inFlight;                // number -> instance deploy started at
};

struct StackDeployRecord {
    std::int64_t id = 0;
    std::string stack;
    DeployState state = DeployState::Pending;
    Instant createdAt;
    std::vector<std::string> order;   // service keys
    std::size_t position = 0;         // next service in `order`
    std::int64_t current = 0;         // running service deploy id
    std::string error;
};

// -------------------------------------------------------------- state ----

// Everything the core knows about one grid. Ordered containers only: their
// iteration order can reach reports, which must be deterministic.
struct ClusterState {
    Grid grid;
    std::map<std::string, Node> nodes;            // by name
    std::map<std::string, Service> services;      // by service key
    std::map<InstanceKey, Instance> instances;
    std::map<std::string, Volume> volumes;        // by name
    std::set<VolumeInstance> volumeInstances;
    std::map<std::string, Stack> stacks;
    std::map<std::int64_t, ServiceDeploy> deploys;
    std::map<std::int64_t, StackDeployRecord> stackDeploys;
    std::int64_t nextDeployId = 1;
    std::int64_t nextRev = 1;
    bool quorum = true;                          // last computed etcd quorum
    std::optional<Instant> lastEviction;         // mass-offline eviction limiter
    std::set<std::string> evictedNodes;          // offline nodes already evicted

    const Node* node(const std::string& name) const;
    const Service* service(const std::string& key) const;
    const Instance* instance(const std::string& service, int number) const;
};

std::string toString(Strategy s);
std::optional<Strategy> parseStrategy(const std::string& s);
std::string toString(NodeStatus s);
std::string toString(Availability a);
std::string toString(VolumeScope s);

}  // namespace kontena
