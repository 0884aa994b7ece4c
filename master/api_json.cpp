#include "master/api_json.h"

#include <QStringList>

#include <algorithm>

#include "master/agent_sessions.h"
#include "master/grid_runtime.h"
#include "master/json_util.h"

namespace kontena::master::api_json {

namespace {

QString serviceStateText(const Service& s, bool deploying) {
    if (deploying) return QStringLiteral("deploying");
    switch (s.state) {
    case ServiceState::Initialized: return QStringLiteral("initialized");
    case ServiceState::Stopped: return QStringLiteral("stopped");
    case ServiceState::Running: return QStringLiteral("running");
    }
    return QString();
}

QString deployStateText(DeployState s) {
    switch (s) {
    case DeployState::Pending: return QStringLiteral("created");
    case DeployState::Ongoing: return QStringLiteral("ongoing");
    case DeployState::Success: return QStringLiteral("success");
    case DeployState::Error: return QStringLiteral("error");
    }
    return QString();
}

QString observedText(ObservedState s) {
    switch (s) {
    case ObservedState::Missing: return QStringLiteral("missing");
    case ObservedState::Created: return QStringLiteral("created");
    case ObservedState::Running: return QStringLiteral("running");
    case ObservedState::Stopped: return QStringLiteral("stopped");
    case ObservedState::Restarting: return QStringLiteral("restarting");
    case ObservedState::Exited: return QStringLiteral("exited");
    }
    return QString();
}

QString desiredText(DesiredState s) {
    switch (s) {
    case DesiredState::Running: return QStringLiteral("running");
    case DesiredState::Stopped: return QStringLiteral("stopped");
    default: return QStringLiteral("initialized");
    }
}

std::optional<QString> healthText(Health h) {
    if (h == Health::Unknown) return std::nullopt;
    return h == Health::Healthy ? QStringLiteral("healthy") : QStringLiteral("unhealthy");
}

QString scoped(const GridRuntime& g, const QString& name) { return g.name() + QLatin1Char('/') + name; }

bool deploying(const GridRuntime& g, const std::string& service) {
    for (const auto& [id, d] : g.state().deploys) {
        if (d.service == service && (d.state == DeployState::Pending || d.state == DeployState::Ongoing)) return true;
    }
    return false;
}

// A stack's state from its services' states (API.md's stack "state").
QString stackStateText(const QList<api::Service>& services) {
    int running = 0, stopped = 0, initialized = 0, busy = 0;
    for (const api::Service& s : services) {
        running += s.state == QLatin1String("running");
        stopped += s.state == QLatin1String("stopped");
        initialized += s.state == QLatin1String("initialized");
        busy += s.state == QLatin1String("deploying");
    }
    const int count = static_cast<int>(services.size());
    if (busy) return QStringLiteral("deploying");
    if (count == 0 || initialized == count) return QStringLiteral("initialized");
    if (stopped == count) return QStringLiteral("stopped");
    if (running == count) return QStringLiteral("running");
    return QStringLiteral("partially_running");
}

QList<api::Port> ports(const ServiceSpec& spec) {
    QList<api::Port> out;
    for (const auto& p : spec.ports) {
        api::Port port;
        port.ip = qs(p.ip);
        port.nodePort = p.nodePort;
        port.containerPort = p.containerPort;
        port.protocol = qs(p.protocol);
        out.append(port);
    }
    return out;
}

api::Etcd etcd(const ClusterState& st) {
    api::Etcd e;
    e.members = st.grid.initialSize;
    for (const auto& [n, node] : st.nodes) {
        if (node.isInitial(st.grid.initialSize)) e.reachable += node.connected && node.etcdHealthy ? 1 : 0;
    }
    e.quorum = st.quorum;
    e.summary = qs(quorumSummary(st));
    return e;
}

// A stored stack document's millisecond time (0 when missing, as it always was).
std::optional<QString> docTime(const QJsonObject& doc, const char* field) {
    return timeText(Instant(static_cast<std::int64_t>(doc.value(QLatin1String(field)).toDouble())));
}

}  // namespace

api::Grid grid(const GridRuntime& g) {
    const ClusterState& st = g.state();
    api::Grid out;
    out.id = out.name = g.name();
    out.initialSize = st.grid.initialSize;
    out.maxNodes = st.grid.maxNodes;
    out.subnet = qs(g.subnet());
    out.nodeCount = static_cast<int>(st.nodes.size());
    out.serviceCount = static_cast<int>(st.services.size());
    for (const auto& [k, i] : st.instances) out.containerCount += i.observed == ObservedState::Running ? 1 : 0;
    out.defaultAffinity = qstrings(st.grid.defaultAffinity);
    out.etcd = etcd(st);
    out.settings = apiSettings(st.grid.settings);
    out.logs = g.logForwarding();
    if (g.stats().statsd()) {
        out.stats = api::GridStatsSettings{};
        out.stats->statsd = g.stats().statsd();
    }
    out.createdAt = timeText(Instant(g.createdAt()));
    out.leaveOut({"user_count", "supernet"});
    return out;
}

api::Node node(const GridRuntime& g, const Node& n) {
    api::Node out;
    out.id = qs(n.nodeId);
    out.name = qs(n.name);
    out.grid = g.name();
    out.nodeNumber = n.number;
    out.initialMember = n.isInitial(g.state().grid.initialSize);
    out.status = qs(toString(n.status()));
    out.connected = n.connected;
    out.availability = qs(toString(n.availability));
    out.labels = qstrings(n.labels);
    out.agentVersion = g.agents().agentVersion(n.name);
    out.connectedAt = timeText(n.connectedAt);
    out.lastSeenAt = timeText(n.lastSeen);
    out.statusSince = timeText(n.connected ? n.connectedAt : n.disconnectedAt);
    out.cpus = n.cpus;
    out.memTotal = static_cast<double>(n.memory);
    out.etcdHealthy = n.etcdHealthy;
    // Addresses as the agent reported them; the overlay address follows the node number.
    const auto [privateIp, publicIp] = g.agents().nodeAddresses(n.name);
    out.privateIp = privateIp;
    out.publicIp = publicIp;
    out.overlayIp = g.agents().overlayAddress(n.number);
    if (privateIp.isEmpty()) out.leaveOut({"private_ip"});
    if (publicIp.isEmpty()) out.leaveOut({"public_ip"});
    if (out.overlayIp.isEmpty()) out.leaveOut({"overlay_ip"});
    out.leaveOut({"docker_version", "os", "kernel_version", "mem_used", "load"});
    return out;
}

QList<api::Node> nodes(const GridRuntime& g) {
    std::vector<const Node*> sorted;
    for (const auto& [n, node] : g.state().nodes) sorted.push_back(&node);
    std::sort(sorted.begin(), sorted.end(), [](const Node* x, const Node* y) { return x->number < y->number; });
    QList<api::Node> out;
    for (const Node* n : sorted) out.append(node(g, *n));
    return out;
}

api::Service service(const GridRuntime& g, const Service& s) {
    api::Service out;
    api::HealthStatus health;
    const auto& instances = g.state().instances;
    for (auto it = instances.lower_bound(InstanceKey{s.spec.key(), 0}); it != instances.end() && it->first.service == s.spec.key(); ++it) {
        ++out.instanceCounts.total;
        out.instanceCounts.running += it->second.observed == ObservedState::Running ? 1 : 0;
        health.total += it->second.health != Health::Unknown ? 1 : 0;
        health.healthy += it->second.health == Health::Healthy ? 1 : 0;
    }
    if (s.spec.healthCheck) out.healthStatus = health;
    out.id = scoped(g, qs(s.spec.key()));
    out.name = qs(s.spec.name);
    out.stack = qs(s.spec.stack);
    out.image = qs(s.spec.image);
    out.strategy = qs(toString(s.spec.strategy));
    out.stateful = s.spec.stateful;
    out.instances = s.spec.instances;
    out.state = serviceStateText(s, deploying(g, s.spec.key()));
    out.ports = ports(s.spec);
    out.affinity = qstrings(s.spec.affinity);
    out.revision = s.revision;
    out.deployOpts = QJsonObject{{QStringLiteral("min_health"), s.spec.deploy.minHealth}};
    out.updatedAt = timeText(s.updatedAt);
    return out;
}

QList<api::Service> services(const GridRuntime& g, const QString& stack) {
    QList<api::Service> out;
    for (const auto& [k, s] : g.state().services) {
        if (stack.isEmpty() || qs(s.spec.stack) == stack) out.append(service(g, s));
    }
    return out;
}

api::Stack stack(const GridRuntime& g, const QString& name) {
    const auto it = g.state().stacks.find(ss(name));
    api::Stack out;
    if (it != g.state().stacks.end()) {
        for (const auto& k : it->second.services) {
            if (const Service* s = g.state().service(k)) out.services.append(service(g, *s));
        }
        out.revision = it->second.revision;
    }
    const QJsonObject doc = g.stacks().document(name);
    const QString parent = g.stacks().parent(name);
    out.id = scoped(g, name);
    out.name = name;
    out.stack = doc.value(QStringLiteral("stack")).toString();
    out.version = doc.value(QStringLiteral("version")).toString();
    out.state = stackStateText(out.services);
    if (!parent.isEmpty()) out.parent = parent;
    out.children = g.stacks().children(name);
    out.labels = g.stacks().labels(name);
    out.variables = doc.value(QStringLiteral("variables")).toObject();
    out.source = doc.value(QStringLiteral("source")).toString();
    out.createdAt = docTime(doc, "created_at");
    out.updatedAt = docTime(doc, "updated_at");
    out.leaveOut({"expose"});
    for (const char* k : {"stack", "version", "variables", "source"}) {
        if (!doc.contains(QLatin1String(k))) out.leaveOut({k});   // a stack the book has no document of
    }
    return out;
}

QList<api::Stack> stacks(const GridRuntime& g) {
    QList<api::Stack> out;
    for (const auto& [n, s] : g.state().stacks) out.append(stack(g, qs(n)));
    return out;
}

QList<api::Instance> instances(const GridRuntime& g, const std::string& serviceKey) {
    QList<api::Instance> out;
    const Service* svc = g.state().service(serviceKey);
    const auto& all = g.state().instances;
    for (auto it = all.lower_bound(InstanceKey{serviceKey, 0}); it != all.end() && it->first.service == serviceKey; ++it) {
        const Instance& i = it->second;
        api::Instance o;
        o.instanceNumber = i.number;
        if (i.node) o.node = qs(*i.node);
        o.desired = desiredText(i.desired);
        o.state = i.desired == DesiredState::Initialized ? QStringLiteral("pending") : observedText(i.observed);
        o.rev = static_cast<double>(i.deployRev);
        o.health = healthText(i.health);
        o.error = qs(i.error);
        o.name = svc ? qs(containerName(svc->spec, i.number)) : QString();
        o.leaveOut({"pending_reason"});
        out.append(o);
    }
    return out;
}

api::Deploy deploy(const GridRuntime& g, const ServiceDeploy& d) {
    api::Deploy out;
    for (const auto& [n, node] : d.placed) {
        api::InstanceDeploy placed;
        placed.instanceNumber = n;
        placed.node = qs(node);
        placed.leaveOut({"state", "error"});
        out.instanceDeploys.append(placed);
    }
    out.id = QString::number(d.id);
    out.serviceId = scoped(g, qs(d.service));
    out.state = deployStateText(d.state);
    out.reason = qs(d.reason);
    out.error = qs(d.error);
    out.instanceCount = d.instanceCount;
    out.createdAt = timeText(d.createdAt);
    out.startedAt = timeText(d.startedAt);
    out.finishedAt = timeText(d.finishedAt);
    return out;
}

api::StackDeploy stackDeploy(const GridRuntime& g, const StackDeployRecord& sd) {
    api::StackDeploy out;
    for (const auto& [id, d] : g.state().deploys) {
        if (d.stackDeploy == sd.id) out.serviceDeploys.append(deploy(g, d));
    }
    out.id = QString::number(sd.id);
    out.stackId = scoped(g, qs(sd.stack));
    out.state = deployStateText(sd.state);
    out.error = qs(sd.error);
    out.leaveOut({"created_at", "finished_at"});
    return out;
}

api::Volume volume(const GridRuntime& g, const Volume& v) {
    api::Volume out;
    for (const auto& [k, val] : v.driverOpts) out.driverOpts.insert(qs(k), qs(val));
    for (const auto& [k, svc] : g.state().services) {
        for (const auto& m : svc.spec.volumes) {
            if (m.kind == VolumeKind::Named && m.source == v.name) out.services.append(qs(k));
        }
    }
    out.id = scoped(g, qs(v.name));
    out.name = qs(v.name);
    out.scope = qs(toString(v.scope));
    out.driver = qs(v.driver);
    const QJsonValue created = g.volumeCreatedAt(v.name);
    if (created.isString()) out.createdAt = created.toString();
    else if (created.isUndefined()) out.leaveOut({"created_at"});   // a volume the master kept no date of
    return out;
}

QList<api::Volume> volumes(const GridRuntime& g) {
    QList<api::Volume> out;
    for (const auto& [n, v] : g.state().volumes) out.append(volume(g, v));
    return out;
}

api::GridState whatIfState(const GridRuntime& g) {
    api::GridState out;
    out.grid = grid(g);
    for (const auto& [n, node] : g.state().nodes) out.nodes.append(api_json::node(g, node));
    out.stacks = stacks(g);
    for (const auto& [key, i] : g.state().instances) {
        api::PlacedInstance o;
        o.serviceId = scoped(g, qs(key.service));
        o.instanceNumber = key.number;
        if (i.node) o.node = qs(*i.node);
        o.desired = desiredText(i.desired);
        out.instances.append(o);
    }
    return out;
}

}  // namespace kontena::master::api_json
