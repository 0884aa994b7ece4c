#include "master/api_json.h"

#include <QStringList>

#include <algorithm>

#include "master/agent_sessions.h"
#include "master/grid_runtime.h"
#include "master/json_util.h"

namespace kontena::master::api_json {

namespace {

QString key(const char* k) { return QString::fromLatin1(k); }

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

QJsonValue healthText(Health h) {
    if (h == Health::Unknown) return QJsonValue();
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
QString stackStateText(const QJsonArray& services) {
    int running = 0, stopped = 0, initialized = 0, busy = 0;
    for (const auto& v : services) {
        const QString st = v.toObject().value(key("state")).toString();
        running += st == QLatin1String("running");
        stopped += st == QLatin1String("stopped");
        initialized += st == QLatin1String("initialized");
        busy += st == QLatin1String("deploying");
    }
    const int count = static_cast<int>(services.size());
    if (busy) return QStringLiteral("deploying");
    if (count == 0 || initialized == count) return QStringLiteral("initialized");
    if (stopped == count) return QStringLiteral("stopped");
    if (running == count) return QStringLiteral("running");
    return QStringLiteral("partially_running");
}

QJsonArray portsJson(const ServiceSpec& spec) {
    QJsonArray ports;
    for (const auto& p : spec.ports) {
        ports.append(QJsonObject{{key("ip"), qs(p.ip)},
                                 {key("node_port"), p.nodePort},
                                 {key("container_port"), p.containerPort},
                                 {key("protocol"), qs(p.protocol)}});
    }
    return ports;
}

}  // namespace

QJsonObject grid(const GridRuntime& g) {
    const ClusterState& st = g.state();
    int reachable = 0;
    for (const auto& [n, node] : st.nodes) {
        if (node.isInitial(st.grid.initialSize)) reachable += node.connected && node.etcdHealthy ? 1 : 0;
    }
    int containers = 0;
    for (const auto& [k, i] : st.instances) containers += i.observed == ObservedState::Running ? 1 : 0;
    return QJsonObject{{key("id"), g.name()},
                       {key("name"), g.name()},
                       {key("initial_size"), st.grid.initialSize},
                       {key("max_nodes"), st.grid.maxNodes},
                       {key("node_count"), static_cast<int>(st.nodes.size())},
                       {key("service_count"), static_cast<int>(st.services.size())},
                       {key("container_count"), containers},
                       {key("default_affinity"), strings(st.grid.defaultAffinity)},
                       {key("etcd"), QJsonObject{{key("members"), st.grid.initialSize},
                                                 {key("reachable"), reachable},
                                                 {key("quorum"), st.quorum},
                                                 {key("summary"), qs(quorumSummary(st))}}},
                       {key("settings"), settingsJson(st.grid.settings)},
                       {key("created_at"), timeJson(Instant(g.createdAt()))}};
}

QJsonObject node(const GridRuntime& g, const Node& n) {
    const std::optional<Instant> since = n.connected ? n.connectedAt : n.disconnectedAt;
    return QJsonObject{{key("id"), qs(n.nodeId)},
                       {key("name"), qs(n.name)},
                       {key("grid"), g.name()},
                       {key("node_number"), n.number},
                       {key("initial_member"), n.isInitial(g.state().grid.initialSize)},
                       {key("status"), qs(toString(n.status()))},
                       {key("connected"), n.connected},
                       {key("availability"), qs(toString(n.availability))},
                       {key("labels"), strings(n.labels)},
                       {key("agent_version"), g.agents().agentVersion(n.name)},
                       {key("connected_at"), timeJson(n.connectedAt)},
                       {key("last_seen_at"), timeJson(n.lastSeen)},
                       {key("status_since"), timeJson(since)},
                       {key("cpus"), n.cpus},
                       {key("mem_total"), static_cast<double>(n.memory)},
                       {key("etcd_healthy"), n.etcdHealthy}};
}

QJsonArray nodes(const GridRuntime& g) {
    std::vector<const Node*> sorted;
    for (const auto& [n, node] : g.state().nodes) sorted.push_back(&node);
    std::sort(sorted.begin(), sorted.end(), [](const Node* x, const Node* y) { return x->number < y->number; });
    QJsonArray a;
    for (const Node* n : sorted) a.append(node(g, *n));
    return a;
}

QJsonObject service(const GridRuntime& g, const Service& s) {
    int total = 0, running = 0, healthy = 0, checked = 0;
    const auto& instances = g.state().instances;
    for (auto it = instances.lower_bound(InstanceKey{s.spec.key(), 0}); it != instances.end() && it->first.service == s.spec.key(); ++it) {
        ++total;
        running += it->second.observed == ObservedState::Running ? 1 : 0;
        checked += it->second.health != Health::Unknown ? 1 : 0;
        healthy += it->second.health == Health::Healthy ? 1 : 0;
    }
    const QJsonValue health = s.spec.healthCheck ? QJsonValue(QJsonObject{{key("healthy"), healthy}, {key("total"), checked}}) : QJsonValue();
    return QJsonObject{{key("id"), scoped(g, qs(s.spec.key()))},
                       {key("name"), qs(s.spec.name)},
                       {key("stack"), qs(s.spec.stack)},
                       {key("image"), qs(s.spec.image)},
                       {key("strategy"), qs(toString(s.spec.strategy))},
                       {key("stateful"), s.spec.stateful},
                       {key("instances"), s.spec.instances},
                       {key("state"), serviceStateText(s, deploying(g, s.spec.key()))},
                       {key("instance_counts"), QJsonObject{{key("total"), total}, {key("running"), running}}},
                       {key("health_status"), health},
                       {key("ports"), portsJson(s.spec)},
                       {key("affinity"), strings(s.spec.affinity)},
                       {key("revision"), s.revision},
                       {key("deploy_opts"), QJsonObject{{key("min_health"), s.spec.deploy.minHealth}}},
                       {key("updated_at"), timeJson(s.updatedAt)}};
}

QJsonArray services(const GridRuntime& g, const QString& stack) {
    QJsonArray a;
    for (const auto& [k, s] : g.state().services) {
        if (stack.isEmpty() || qs(s.spec.stack) == stack) a.append(service(g, s));
    }
    return a;
}

QJsonObject stack(const GridRuntime& g, const QString& name) {
    const auto it = g.state().stacks.find(ss(name));
    QJsonArray members;
    if (it != g.state().stacks.end()) {
        for (const auto& k : it->second.services) {
            if (const Service* s = g.state().service(k)) members.append(service(g, *s));
        }
    }
    const QJsonObject doc = g.stacks().document(name);
    const QString parent = g.stacks().parent(name);
    auto msTime = [&](const char* field) { return timeJson(Instant(static_cast<std::int64_t>(doc.value(key(field)).toDouble()))); };
    return QJsonObject{{key("id"), scoped(g, name)},
                       {key("name"), name},
                       {key("stack"), doc.value(key("stack"))},
                       {key("version"), doc.value(key("version"))},
                       {key("revision"), it != g.state().stacks.end() ? it->second.revision : 0},
                       {key("state"), stackStateText(members)},
                       {key("parent"), parent.isEmpty() ? QJsonValue() : QJsonValue(parent)},
                       {key("children"), QJsonArray::fromStringList(g.stacks().children(name))},
                       {key("variables"), doc.value(key("variables"))},
                       {key("source"), doc.value(key("source"))},
                       {key("services"), members},
                       {key("created_at"), msTime("created_at")},
                       {key("updated_at"), msTime("updated_at")}};
}

QJsonArray stacks(const GridRuntime& g) {
    QJsonArray a;
    for (const auto& [n, s] : g.state().stacks) a.append(stack(g, qs(n)));
    return a;
}

QJsonArray instances(const GridRuntime& g, const std::string& serviceKey) {
    QJsonArray out;
    const Service* svc = g.state().service(serviceKey);
    const auto& all = g.state().instances;
    for (auto it = all.lower_bound(InstanceKey{serviceKey, 0}); it != all.end() && it->first.service == serviceKey; ++it) {
        const Instance& i = it->second;
        out.append(QJsonObject{{key("instance_number"), i.number},
                               {key("node"), i.node ? QJsonValue(qs(*i.node)) : QJsonValue()},
                               {key("desired"), desiredText(i.desired)},
                               {key("state"), i.desired == DesiredState::Initialized ? QStringLiteral("pending") : observedText(i.observed)},
                               {key("rev"), static_cast<double>(i.deployRev)},
                               {key("health"), healthText(i.health)},
                               {key("error"), qs(i.error)},
                               {key("name"), svc ? qs(containerName(svc->spec, i.number)) : QString()}});
    }
    return out;
}

QJsonObject deploy(const GridRuntime& g, const ServiceDeploy& d) {
    QJsonArray placed;
    for (const auto& [n, node] : d.placed) placed.append(QJsonObject{{key("instance_number"), n}, {key("node"), qs(node)}});
    return QJsonObject{{key("id"), QString::number(d.id)},
                       {key("service_id"), scoped(g, qs(d.service))},
                       {key("state"), deployStateText(d.state)},
                       {key("reason"), qs(d.reason)},
                       {key("error"), qs(d.error)},
                       {key("instance_count"), d.instanceCount},
                       {key("created_at"), timeJson(d.createdAt)},
                       {key("started_at"), timeJson(d.startedAt)},
                       {key("finished_at"), timeJson(d.finishedAt)},
                       {key("instance_deploys"), placed}};
}

QJsonObject stackDeploy(const GridRuntime& g, const StackDeployRecord& sd) {
    QJsonArray deploys;
    for (const auto& [id, d] : g.state().deploys) {
        if (d.stackDeploy == sd.id) deploys.append(deploy(g, d));
    }
    return QJsonObject{{key("id"), QString::number(sd.id)},
                       {key("stack_id"), scoped(g, qs(sd.stack))},
                       {key("state"), deployStateText(sd.state)},
                       {key("error"), qs(sd.error)},
                       {key("service_deploys"), deploys}};
}

QJsonObject volume(const GridRuntime& g, const Volume& v) {
    QJsonObject opts;
    for (const auto& [k, val] : v.driverOpts) opts.insert(qs(k), qs(val));
    QJsonArray users;
    for (const auto& [k, svc] : g.state().services) {
        for (const auto& m : svc.spec.volumes) {
            if (m.kind == VolumeKind::Named && m.source == v.name) users.append(qs(k));
        }
    }
    return QJsonObject{{key("id"), scoped(g, qs(v.name))},
                       {key("name"), qs(v.name)},
                       {key("scope"), qs(toString(v.scope))},
                       {key("driver"), qs(v.driver)},
                       {key("driver_opts"), opts},
                       {key("services"), users},
                       {key("created_at"), g.volumeCreatedAt(v.name)}};
}

QJsonArray volumes(const GridRuntime& g) {
    QJsonArray a;
    for (const auto& [n, v] : g.state().volumes) a.append(volume(g, v));
    return a;
}

QJsonArray containerLogs(const GridRuntime& g, const std::string& serviceKey, int limit) {
    QStringList names;
    if (!serviceKey.empty()) {
        const Service* s = g.state().service(serviceKey);
        if (!s) return {};
        // Instances beyond the desired count may still have output (scaled down, or numbers not yet reused).
        for (int n = 1; n <= std::max(s->spec.instances, 1) + 32; ++n) names.append(qs(containerName(s->spec, n)));
    }
    return g.logs().containerLines(names, limit);
}

QJsonObject whatIfState(const GridRuntime& g) {
    QJsonArray all;
    for (const auto& [n, node] : g.state().nodes) all.append(api_json::node(g, node));
    return QJsonObject{{key("grid"), grid(g)}, {key("nodes"), all}, {key("stacks"), stacks(g)}};
}

}  // namespace kontena::master::api_json
