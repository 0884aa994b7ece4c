#pragma once
// The methods of the master <-> agent protocol (reference 11.4) and the
// typed payload of each. Every payload has toJson()/xxxFromJson() so the
// master and the agent encode it the same way; params travel as a JSON
// array of one object ([payload]) as Kontena's RPC sends positional args.

#include <QDateTime>
#include <QJsonArray>
#include <QJsonObject>
#include <QList>
#include <QString>
#include <QStringList>

#include <cstdint>
#include <optional>

#include "protocol/pod_spec.h"

namespace kontena::protocol {

namespace method {
// master -> agent
inline constexpr char kMasterInfo[] = "/agent/master_info";
inline constexpr char kNodeInfo[] = "/agent/node_info";
inline constexpr char kDnsRecords[] = "/agent/dns_records";
inline constexpr char kGridPeers[] = "/agent/grid_peers";
inline constexpr char kNotifyUpdate[] = "/service_pods/notify_update";
inline constexpr char kRestartPod[] = "/service_pods/restart";
inline constexpr char kExecStart[] = "/containers/exec";
inline constexpr char kExecInput[] = "/containers/tty_input";
inline constexpr char kExecResize[] = "/containers/tty_resize";
inline constexpr char kExecTerminate[] = "/containers/terminate_exec";
// agent -> master
inline constexpr char kNodesUpdate[] = "/nodes/update";
inline constexpr char kNodesStats[] = "/nodes/stats";
inline constexpr char kNodesEtcdHealth[] = "/nodes/etcd_health";
inline constexpr char kPodsList[] = "/node_service_pods/list";
inline constexpr char kPodsSetState[] = "/node_service_pods/set_state";
inline constexpr char kPodsEvent[] = "/node_service_pods/event";
inline constexpr char kPodsSecrets[] = "/node_service_pods/secrets";
inline constexpr char kPodsMarkOneshot[] = "/node_service_pods/mark_oneshot_hook";
inline constexpr char kPodsLbBackends[] = "/node_service_pods/lb_backends";
inline constexpr char kPodsAddress[] = "/node_service_pods/address";
inline constexpr char kContainersEvent[] = "/containers/event";
inline constexpr char kContainersHealth[] = "/containers/health";
inline constexpr char kContainersLogBatch[] = "/containers/log_batch";
inline constexpr char kContainersStat[] = "/containers/stat";
inline constexpr char kExecOutput[] = "/container_exec/output";
inline constexpr char kExecExit[] = "/container_exec/exit";
inline constexpr char kExecError[] = "/container_exec/error";
}  // namespace method

// Wraps one payload as the params array, and takes it out again.
QJsonArray params(const QJsonObject& payload);
QJsonObject payloadOf(const QJsonValue& params);

// /agent/master_info
struct MasterInfo {
    QString version;
    int protocolVersion = 0;
    bool operator==(const MasterInfo&) const = default;
};
QJsonObject toJson(const MasterInfo& m);
MasterInfo masterInfoFromJson(const QJsonObject& o);

// One node of the grid as every agent learns it (the overlay's forwarding
// table, the etcd cluster): its number, the address its peers reach it at
// (`underlay`: the private address it reported, else the address its
// connection came from), its overlay address, whether it is an initial
// node (an etcd member).
struct GridPeer {
    int number = 0;
    QString name;
    QString underlay;
    QString publicIp;
    QString overlayIp;
    bool initial = false;
    bool operator==(const GridPeer&) const = default;
};

// /agent/node_info: what the master knows of the node and its grid. Sent
// after the node connects and again when what it says of the node itself
// changes. The master sends it without `peers`/`peer_ips` (nodeFactsJson):
// the grid's peers follow in /agent/grid_peers, then again whenever they
// change (a node joins, leaves or reports another address); an agent keeps
// the peers it has when a node info comes without them. `peers` are the grid's
// nodes with a known address, this one included, by number; `peerIps` the
// underlay addresses of the others (Kontena's field); `initialSize` the
// grid's number of initial nodes (etcd members node-1..node-initialSize).
struct NodeInfo {
    QString nodeId;
    QString name;
    QString grid;
    int nodeNumber = 0;
    bool initialMember = false;
    QString overlayIp;
    QStringList peerIps;
    QStringList labels;
    int initialSize = 0;
    QString gridSubnet;
    QList<GridPeer> peers;
    bool operator==(const NodeInfo&) const = default;
};
QJsonObject toJson(const NodeInfo& n);

// /agent/grid_peers: the grid's peers now (NodeInfo::peers), the same
// message for every node of the grid (the master encodes it once): the
// agent takes them into its node info, its peerIps recomputed
// (withPeers). At thousands of nodes per grid a node info per node per
// change would cost (nodes x peers) encodings each time.
// Either the whole list (`peers`), or, to an agent that has the list of
// the grid's previous peers pass, what changed since (`delta`: `changed`
// the peers added or altered, `removed` the numbers of the ones gone):
// when agents join by the thousand, every pass re-sending every peer to
// every agent was most of what the master wrote.
struct GridPeers {
    QList<GridPeer> peers;
    bool delta = false;
    QList<GridPeer> changed;
    QList<int> removed;
    bool operator==(const GridPeers&) const = default;
};
QJsonObject toJson(const GridPeers& p);
// What turns `from` into `to` (both by number, as the master lists them).
GridPeers peersDelta(const QList<GridPeer>& from, const QList<GridPeer>& to);
// `have` after `p`: the whole list, or `have` with the delta applied, by number.
QList<GridPeer> applyPeers(const QList<GridPeer>& have, const GridPeers& p);
// A node info without its peers (`peers`, `peer_ips`).
QJsonObject nodeFactsJson(const NodeInfo& n);
GridPeers gridPeersFromJson(const QJsonObject& o);
// `info` with `peers`: peerIps the others' underlay addresses, by number.
NodeInfo withPeers(NodeInfo info, const QList<GridPeer>& peers);
NodeInfo nodeInfoFromJson(const QJsonObject& o);

// /nodes/update: the engine's facts about the node.
struct NodeUpdate {
    QString nodeId;
    QString name;
    int cpus = 0;
    qint64 memTotal = 0;
    QString engineVersion;
    QStringList volumeDrivers;
    QString publicIp, privateIp;
    QStringList labels;
    // The agent runs the node's etcd member and reports its health
    // (/nodes/etcd_health); otherwise the master counts a connected
    // initial node's member as healthy (the simulator's model).
    bool etcdReports = false;
    bool operator==(const NodeUpdate&) const = default;
};

// /nodes/etcd_health: what the node's etcd member says, every few seconds
// and on every change. `member`: the member process serves (answers a
// serializable status); `quorum`: a linearizable read went through, i.e.
// etcd itself has a quorum; `leader`: the member id of the leader it knows.
struct EtcdHealth {
    bool member = false;
    bool quorum = false;
    QString leader;
    QString detail;   // why not, when not
    bool operator==(const EtcdHealth&) const = default;
};
QJsonObject toJson(const EtcdHealth& h);
EtcdHealth etcdHealthFromJson(const QJsonObject& o);

// /agent/dns_records: the grid's named instances (scheduler/dns.h's
// endpoints) as the master knows them, for every node's DNS server; sent
// when they change. Each carries the node it runs on, so an agent can
// prefer its own fresher view of its local containers.
struct DnsEndpoint {
    QString node;
    QString stack;
    QString service;
    int number = 0;
    QString address;
    bool unhealthy = false;
    bool operator==(const DnsEndpoint&) const = default;
};
struct DnsRecords {
    QList<DnsEndpoint> endpoints;
    QStringList exposed;        // "stack=service"
    QStringList etcdMembers;    // overlay addresses of the healthy members
    bool operator==(const DnsRecords&) const = default;
};
QJsonObject toJson(const DnsRecords& r);
DnsRecords dnsRecordsFromJson(const QJsonObject& o);
QJsonObject toJson(const NodeUpdate& n);
NodeUpdate nodeUpdateFromJson(const QJsonObject& o);

// /service_pods/notify_update
struct NotifyUpdate {
    QString reason;
    bool operator==(const NotifyUpdate&) const = default;
};
QJsonObject toJson(const NotifyUpdate& n);
NotifyUpdate notifyUpdateFromJson(const QJsonObject& o);

// /service_pods/restart
struct RestartPod {
    QString serviceId;
    int instanceNumber = 0;
    bool operator==(const RestartPod&) const = default;
};
QJsonObject toJson(const RestartPod& r);
RestartPod restartPodFromJson(const QJsonObject& o);

// The exec methods (reference 11.4), all notifications, all about one
// exec `id` the master chose: master -> agent /containers/exec (container,
// cmd, tty, interactive), tty_input (stdin, eof), tty_resize (width,
// height), terminate_exec; agent -> master /container_exec/output (stream
// "stdout"|"stderr", chunk), exit (exit_code), error (error). Fields a
// method does not use stay empty and are left out of the JSON.
struct ExecFrame {
    QString id;
    QString container;
    QStringList cmd;
    bool tty = false;
    bool interactive = false;
    QString stdinData;
    bool eof = false;
    int width = 0, height = 0;
    QString stream;
    QString chunk;
    std::optional<int> exitCode;
    QString error;
    bool operator==(const ExecFrame&) const = default;
};
QJsonObject toJson(const ExecFrame& f);
ExecFrame execFrameFromJson(const QJsonObject& o);

// /node_service_pods/event: something the agent did for a pod that the
// service's event log should show (a hook that ran or failed).
struct PodEvent {
    QString serviceId;
    int instanceNumber = 0;
    QString type;      // "hook", "hook_failed"
    QString message;
    bool operator==(const PodEvent&) const = default;
};
QJsonObject toJson(const PodEvent& e);
PodEvent podEventFromJson(const QJsonObject& o);

// /node_service_pods/mark_oneshot_hook: a oneshot hook ran for the
// instance; the master stops sending it for that instance number.
struct OneshotHookDone {
    QString serviceId;
    int instanceNumber = 0;
    QString kind;   // pre_start, post_start, pre_stop
    QString name;
    bool operator==(const OneshotHookDone&) const = default;
};
QJsonObject toJson(const OneshotHookDone& d);
OneshotHookDone oneshotHookDoneFromJson(const QJsonObject& o);

// /node_service_pods/list: the answer (the request's params are the node id).
// `etcdQuorum`: the grid's etcd has quorum, so overlay addresses can be
// allocated (the agent step's ipamAvailable); absent from the JSON (an
// older master) it counts as true.
struct PodList {
    QList<PodSpec> pods;
    bool etcdQuorum = true;
    bool operator==(const PodList&) const = default;
};
QJsonObject toJson(const PodList& l);
// The same object from the pods' JSON (toJson(PodSpec) or podJson each).
QJsonObject podListJson(const QJsonArray& pods, bool etcdQuorum);
// Malformed pods are left out and named in `problems`.
PodList podListFromJson(const QJsonObject& o, QStringList* problems = nullptr);

// /node_service_pods/set_state
struct PodState {
    QString serviceId;
    int instanceNumber = 0;
    std::int64_t rev = 0;        // the deploy_rev the state belongs to
    int serviceRevision = 0;
    ObservedState state = ObservedState::Missing;
    QString error;
    bool operator==(const PodState&) const = default;
};
QJsonObject toJson(const PodState& s);
PodState podStateFromJson(const QJsonObject& o);

// /node_service_pods/address: the instance's container runs with this
// grid address (empty: it stopped or went), for the grid's DNS names.
struct PodAddress {
    QString serviceId;
    int instanceNumber = 0;
    QString address;
    bool operator==(const PodAddress&) const = default;
};
QJsonObject toJson(const PodAddress& a);
PodAddress podAddressFromJson(const QJsonObject& o);

// /node_service_pods/secrets: just before it creates the container of a pod
// whose service has `secrets:`, the agent asks for their values; they are
// never part of the pod list, never stored by the agent, and the master
// answers only for a pod placed on the asking node.
struct PodSecretsRequest {
    QString serviceId;
    int instanceNumber = 0;
    bool operator==(const PodSecretsRequest&) const = default;
};
QJsonObject toJson(const PodSecretsRequest& r);
PodSecretsRequest podSecretsRequestFromJson(const QJsonObject& o);

// The answer: the "NAME=value" environment entries the container gets from
// its service's `secrets:` and `certificates:` (vault::secretEnv made them,
// entries of one name already joined by newlines), and the credentials of
// the registry its image is pulled from. Agents ask for a pod with secrets,
// certificates or an image of a registry other than Docker Hub.
struct PodSecrets {
    QStringList env;
    // Docker's X-Registry-Auth value for the image's registry (base64url
    // JSON), when the grid has credentials for it; empty otherwise.
    QString registryAuth;
    bool operator==(const PodSecrets&) const = default;
};
QJsonObject toJson(const PodSecrets& p);
PodSecrets podSecretsFromJson(const QJsonObject& o);

// /node_service_pods/lb_backends: the agent running an instance of a load
// balancer asks for the services linked to it (lb/lb_model.h,
// linkedLoadBalancer) and their instances; the master answers only for an
// LB instance placed on the asking node. Each service carries only what
// the LB reads: stack, name, its KONTENA_LB_* environment, its health check,
// and the values of its `secrets:` named KONTENA_LB_* (basic auth users from
// the vault) — the only secret values this answer holds; neither side logs them.
struct LbBackendsRequest {
    QString serviceId;   // the LB service
    int instanceNumber = 0;
    bool operator==(const LbBackendsRequest&) const = default;
};
QJsonObject toJson(const LbBackendsRequest& r);
LbBackendsRequest lbBackendsRequestFromJson(const QJsonObject& o);

struct LbBackendInstance {
    int instanceNumber = 0;
    QString node;
    QString container;                       // its container name
    ObservedState state = ObservedState::Missing;
    QString health;                          // healthy | unhealthy | unknown
    // The address its node reported for the running container (/node_service_pods/address):
    // on the grid overlay, reachable from every node; empty: none known.
    QString address;
    bool operator==(const LbBackendInstance&) const = default;
};
struct LbLinkedService {
    ServiceSpec spec;                        // stack, name, env (KONTENA_LB_* only), health_check
    QList<LbBackendInstance> instances;
    QStringList secretEnv;                   // "KONTENA_LB_BASIC_AUTH_SECRETS=<lines>" (wire: secret_env, only when set)
    QString secretError;                     // why a KONTENA_LB_* secret is missing (names it, never a value)
    bool operator==(const LbLinkedService&) const = default;
};
struct LbBackends {
    QList<LbLinkedService> services;
    bool operator==(const LbBackends&) const = default;
};
QJsonObject toJson(const LbBackends& b);
LbBackends lbBackendsFromJson(const QJsonObject& o);

// /containers/health
enum class HealthStatus { Healthy, Unhealthy };
struct ContainerHealth {
    QString containerId;
    QString name;
    HealthStatus status = HealthStatus::Healthy;
    int statusCode = 0;          // http status; tcp: 1 open, 0 closed
    QString detail;              // why unhealthy
    QDateTime at;
    bool operator==(const ContainerHealth&) const = default;
};
QJsonObject toJson(const ContainerHealth& h);
ContainerHealth containerHealthFromJson(const QJsonObject& o);

// /containers/event
struct ContainerEvent {
    QString containerId;
    QString name;
    QString status;              // the engine's action: create, start, die, ...
    QDateTime at;
    bool operator==(const ContainerEvent&) const = default;
};
QJsonObject toJson(const ContainerEvent& e);
ContainerEvent containerEventFromJson(const QJsonObject& o);

// /containers/log_batch (reference 11.5: batches of 10)
struct LogEntry {
    QString containerId;
    QString name;
    QString stream;              // stdout | stderr
    QString data;
    QDateTime at;
    bool operator==(const LogEntry&) const = default;
};
struct LogBatch {
    QList<LogEntry> entries;
    bool operator==(const LogBatch&) const = default;
};
// Lines per /containers/log_batch: a busy container's lines go 100 to a
// request (bench_log_ingest: about twice the lines/s of batches of 10 on
// the same master); a quiet one's after the agent's flush interval.
inline constexpr int kLogBatchSize = 100;
inline constexpr int kLogQueueMax = 2000;
QJsonObject toJson(const LogBatch& b);
LogBatch logBatchFromJson(const QJsonObject& o);

// /containers/stat
struct ContainerStat {
    QString containerId;
    QString name;
    double cpuPercent = 0;
    qint64 memoryUsage = 0, memoryLimit = 0;
    qint64 rxBytes = 0, txBytes = 0;
    QDateTime at;
    bool operator==(const ContainerStat&) const = default;
};
QJsonObject toJson(const ContainerStat& s);
ContainerStat containerStatFromJson(const QJsonObject& o);

}  // namespace kontena::protocol
