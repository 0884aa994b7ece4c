#include "master/grid_persistence.h"

#include <QJsonArray>
#include <QJsonDocument>

#include "master/agent_sessions.h"
#include "master/grid_runtime.h"
#include "master/json_util.h"
#include "protocol/pod_spec.h"

namespace kontena::master {

namespace {

QString key(const char* k) { return QString::fromLatin1(k); }

// ------------------------------------------------------------ to JSON

// The node and its link as the leader last saw it (connected, announced,
// since when, its etcd member): what a follower's copy shows. The last-seen
// time is not kept (every keepalive would change the row).
QJsonObject nodeDoc(const Node& n) {
    return QJsonObject{{key("name"), qs(n.name)},
                       {key("node_id"), qs(n.nodeId)},
                       {key("number"), n.number},
                       {key("labels"), strings(n.labels)},
                       {key("availability"), qs(toString(n.availability))},
                       {key("cpus"), n.cpus},
                       {key("memory"), static_cast<double>(n.memory)},
                       {key("connected"), n.connected},
                       {key("updated"), n.updated},
                       {key("ever_connected"), n.everConnected},
                       {key("connected_at"), msJson(n.connectedAt)},
                       {key("disconnected_at"), msJson(n.disconnectedAt)},
                       {key("etcd_healthy"), n.etcdHealthy}};
}

// A node's row: the node and what is kept of its agent (version, addresses).
QJsonObject nodeRow(const Node& n, const QJsonObject& agent) {
    QJsonObject o = nodeDoc(n);
    if (!agent.isEmpty()) o.insert(key("agent"), agent);
    return o;
}

// The pod spec carries what agents need; the scheduling fields are kept beside it.
QJsonObject serviceDoc(const Service& s) {
    QJsonArray links;
    for (const auto& l : s.spec.links) links.append(QJsonArray{qs(l.stack), qs(l.service), qs(l.alias)});
    const QJsonObject sched{{key("instances"), s.spec.instances},
                            {key("strategy"), qs(toString(s.spec.strategy))},
                            {key("affinity"), strings(s.spec.affinity)},
                            {key("links"), links},
                            {key("min_health"), s.spec.deploy.minHealth},
                            {key("interval_ms"), s.spec.deploy.interval ? QJsonValue(static_cast<double>(s.spec.deploy.interval->ms)) : QJsonValue()}};
    return QJsonObject{{key("spec"), protocol::toJson(s.spec)},
                       {key("sched"), sched},
                       {key("state"), static_cast<int>(s.state)},
                       {key("revision"), s.revision},
                       {key("deployed_at"), msJson(s.deployedAt)},
                       {key("updated_at"), msJson(s.updatedAt)}};
}

QJsonObject stackDoc(const Stack& s) {
    return QJsonObject{{key("name"), qs(s.name)},
                       {key("services"), strings(s.services)},
                       {key("depends_on"), strings(s.dependsOn)},
                       {key("revision"), s.revision}};
}

QJsonObject instanceDoc(const Instance& i) {
    return QJsonObject{{key("service"), qs(i.service)},
                       {key("number"), i.number},
                       {key("node"), i.node ? QJsonValue(qs(*i.node)) : QJsonValue()},
                       {key("desired"), static_cast<int>(i.desired)},
                       {key("deploy_rev"), static_cast<double>(i.deployRev)},
                       {key("service_revision"), i.serviceRevision},
                       {key("observed"), static_cast<int>(i.observed)},
                       {key("reported_rev"), i.reportedRev ? QJsonValue(static_cast<double>(*i.reportedRev)) : QJsonValue()}};
}

QJsonObject volumeDoc(const Volume& v, const QJsonValue& createdAt) {
    QJsonObject opts;
    for (const auto& [k, val] : v.driverOpts) opts.insert(qs(k), qs(val));
    return QJsonObject{{key("name"), qs(v.name)},
                       {key("scope"), qs(toString(v.scope))},
                       {key("driver"), qs(v.driver)},
                       {key("driver_opts"), opts},
                       {key("created_at"), createdAt}};
}

QJsonObject stateDoc(const GridRuntime& g) {
    const ClusterState& st = g.state();
    QJsonArray nodes, services, stacks, instances, volumes;
    for (const auto& [name, n] : st.nodes) nodes.append(nodeDoc(n));
    for (const auto& [k, s] : st.services) services.append(serviceDoc(s));
    for (const auto& [name, s] : st.stacks) stacks.append(stackDoc(s));
    for (const auto& [k, i] : st.instances) instances.append(instanceDoc(i));
    for (const auto& [name, v] : st.volumes) volumes.append(volumeDoc(v, g.volumeCreatedAt(name)));
    return QJsonObject{{key("nodes"), nodes},
                       {key("services"), services},
                       {key("stacks"), stacks},
                       {key("instances"), instances},
                       {key("volumes"), volumes},
                       {key("next_deploy_id"), static_cast<double>(st.nextDeployId)},
                       {key("next_rev"), static_cast<double>(st.nextRev)}};
}

// ------------------------------------------------------------ from JSON

Node nodeFrom(const QJsonObject& o, Instant now, RestoreAs as) {
    Node n;
    n.name = ss(o.value(key("name")).toString());
    n.nodeId = ss(o.value(key("node_id")).toString());
    n.number = o.value(key("number")).toInt();
    n.labels = stringsFrom(o.value(key("labels")));
    n.availability = o.value(key("availability")).toString() == QLatin1String("drain") ? Availability::Drain : Availability::Active;
    n.cpus = o.value(key("cpus")).toInt();
    n.memory = static_cast<std::int64_t>(o.value(key("memory")).toDouble());
    if (as == RestoreAs::Copy) {   // a follower shows the link as its leader stored it
        n.connected = o.value(key("connected")).toBool();
        n.updated = o.value(key("updated")).toBool();
        n.everConnected = o.value(key("ever_connected")).toBool(true);
        n.connectedAt = timeFrom(o.value(key("connected_at")));
        n.disconnectedAt = timeFrom(o.value(key("disconnected_at")));
        n.etcdHealthy = o.value(key("etcd_healthy")).toBool();
        return n;
    }
    // The master was down: every node counts as seen now and offline
    // until its agent reconnects, so grace periods start from here.
    n.connected = false;
    n.everConnected = true;
    n.lastSeen = now;
    n.disconnectedAt = now;
    n.etcdHealthy = false;
    return n;
}

void applySched(ServiceSpec& spec, const QJsonObject& sched) {
    spec.instances = sched.value(key("instances")).toInt(spec.instances);
    if (auto strategy = parseStrategy(ss(sched.value(key("strategy")).toString()))) spec.strategy = *strategy;
    spec.affinity = stringsFrom(sched.value(key("affinity")));
    spec.links.clear();
    for (const auto& l : sched.value(key("links")).toArray()) {
        const QJsonArray a = l.toArray();
        spec.links.push_back(Link{ss(a.at(0).toString()), ss(a.at(1).toString()), ss(a.at(2).toString())});
    }
    spec.deploy.minHealth = sched.value(key("min_health")).toDouble(spec.deploy.minHealth);
    if (sched.value(key("interval_ms")).isDouble()) {
        spec.deploy.interval = Duration::millis(static_cast<std::int64_t>(sched.value(key("interval_ms")).toDouble()));
    }
}

Service serviceFrom(const QJsonObject& o) {
    Service s;
    s.spec = protocol::serviceSpecFromJson(o.value(key("spec")).toObject());
    applySched(s.spec, o.value(key("sched")).toObject());
    s.state = static_cast<ServiceState>(o.value(key("state")).toInt());
    s.revision = o.value(key("revision")).toInt(1);
    s.deployedAt = timeFrom(o.value(key("deployed_at")));
    s.updatedAt = timeFrom(o.value(key("updated_at")));
    return s;
}

Stack stackFrom(const QJsonObject& o) {
    Stack s;
    s.name = ss(o.value(key("name")).toString());
    s.services = stringsFrom(o.value(key("services")));
    s.dependsOn = stringsFrom(o.value(key("depends_on")));
    s.revision = o.value(key("revision")).toInt();
    return s;
}

Instance instanceFrom(const QJsonObject& o) {
    Instance i;
    i.service = ss(o.value(key("service")).toString());
    i.number = o.value(key("number")).toInt();
    if (o.value(key("node")).isString()) i.node = ss(o.value(key("node")).toString());
    i.desired = static_cast<DesiredState>(o.value(key("desired")).toInt());
    i.deployRev = static_cast<std::int64_t>(o.value(key("deploy_rev")).toDouble());
    i.serviceRevision = o.value(key("service_revision")).toInt();
    // The agents' last reports: an agent does not repeat a report, so
    // what it said before the restart still holds until it says otherwise.
    i.observed = static_cast<ObservedState>(o.value(key("observed")).toInt());
    if (o.value(key("reported_rev")).isDouble()) i.reportedRev = static_cast<std::int64_t>(o.value(key("reported_rev")).toDouble());
    return i;
}

Volume volumeFrom(const QJsonObject& o) {
    Volume v;
    v.name = ss(o.value(key("name")).toString());
    const QString scope = o.value(key("scope")).toString();
    v.scope = scope == QLatin1String("grid") ? VolumeScope::Grid : scope == QLatin1String("stack") ? VolumeScope::Stack : VolumeScope::Instance;
    v.driver = ss(o.value(key("driver")).toString(QStringLiteral("local")));
    const QJsonObject opts = o.value(key("driver_opts")).toObject();
    for (auto it = opts.begin(); it != opts.end(); ++it) v.driverOpts[ss(it.key())] = ss(it.value().toString());
    return v;
}

void restoreState(GridRecord& r, const QJsonObject& saved, Instant now, RestoreAs as) {
    ClusterState& st = r.state;
    for (const auto& v : saved.value(key("nodes")).toArray()) {
        Node n = nodeFrom(v.toObject(), now, as);
        const QJsonObject agent = v.toObject().value(key("agent")).toObject();
        if (!agent.isEmpty()) r.agentRecords.emplace(n.name, agent);
        if (as == RestoreAs::Leader && nodeRow(n, agent) != v.toObject()) r.restatedNodes.push_back(n.name);
        st.nodes.emplace(n.name, n);
    }
    for (const auto& v : saved.value(key("services")).toArray()) {
        Service s = serviceFrom(v.toObject());
        st.services.emplace(s.spec.key(), s);
    }
    for (const auto& v : saved.value(key("stacks")).toArray()) {
        Stack s = stackFrom(v.toObject());
        st.stacks.emplace(s.name, s);
    }
    for (const auto& v : saved.value(key("instances")).toArray()) {
        Instance i = instanceFrom(v.toObject());
        st.instances.emplace(i.key(), i);
    }
    for (const auto& v : saved.value(key("volumes")).toArray()) {
        Volume vol = volumeFrom(v.toObject());
        r.volumeCreated.insert(qs(vol.name), v.toObject().value(key("created_at")));
        st.volumes.emplace(vol.name, vol);
    }
    st.nextDeployId = static_cast<std::int64_t>(saved.value(key("next_deploy_id")).toDouble(1));
    // Deploy revisions must only grow, also across a kill -9 that lost the
    // last ones (agents never report an older or the same revision twice):
    // they continue from the wall clock in milliseconds, like Kontena's.
    st.nextRev = std::max<std::int64_t>(static_cast<std::int64_t>(saved.value(key("next_rev")).toDouble(1)), now.ms);
}

}  // namespace

namespace {

// The grid's own row: identity, settings, counters and what is kept beside.
QJsonObject headerDoc(const GridRuntime& g) {
    const ClusterState& st = g.state();
    return QJsonObject{{key("name"), g.name()},
                       {key("token"), g.token()},
                       {key("created_at"), static_cast<double>(g.createdAt())},
                       {key("initial_size"), st.grid.initialSize},
                       {key("max_nodes"), st.grid.maxNodes},
                       {key("subnet"), qs(g.subnet())},
                       {key("default_affinity"), strings(st.grid.defaultAffinity)},
                       {key("settings"), settingsJson(st.grid.settings)},
                       {key("log_forwarding"), g.logForwarding() ? QJsonValue(g.logForwarding()->toJson()) : QJsonValue()},
                       {key("forwarded_line_id"), static_cast<double>(g.forwardedLineId())},
                       {key("statsd"), g.stats().statsd() ? QJsonValue(g.stats().statsd()->toJson()) : QJsonValue()},
                       {key("next_deploy_id"), static_cast<double>(st.nextDeployId)},
                       {key("next_rev"), static_cast<double>(st.nextRev)}};
}

QByteArray body(const QJsonObject& o) { return QJsonDocument(o).toJson(QJsonDocument::Compact); }
QString instanceId(const InstanceKey& k) { return qs(k.service) + u'#' + QString::number(k.number); }

const QString kGrid = QStringLiteral("grid");
const QString kNode = QStringLiteral("node");
const QString kService = QStringLiteral("service");
const QString kInstance = QStringLiteral("instance");
const QString kStack = QStringLiteral("stack");
const QString kStackDoc = QStringLiteral("stack_doc");
const QString kVolume = QStringLiteral("volume");
const QString kOneshot = QStringLiteral("oneshot");

}  // namespace

QJsonObject gridDocument(const GridRuntime& g) {
    QJsonObject doc = headerDoc(g);
    doc.insert(key("stack_docs"), g.stacks().toJson());
    doc.insert(key("oneshot_hooks"), g.oneshotDocument());
    doc.insert(key("state"), stateDoc(g));
    return doc;
}

QJsonObject gridDocumentFromRows(const std::vector<GridRow>& rows) {
    QJsonObject doc, stackDocs, oneshots;
    QHash<QString, QJsonArray> arrays;   // state array name -> entries
    for (const GridRow& r : rows) {
        const QJsonObject o = QJsonDocument::fromJson(r.body).object();
        if (r.kind == kGrid) doc = o;
        else if (r.kind == kStackDoc) stackDocs.insert(r.id, o);
        else if (r.kind == kOneshot) oneshots.insert(r.id, o.value(key("done")));
        else arrays[r.kind + u's'].append(o);
    }
    QJsonObject state{{key("next_deploy_id"), doc.value(key("next_deploy_id"))}, {key("next_rev"), doc.value(key("next_rev"))}};
    for (auto it = arrays.begin(); it != arrays.end(); ++it) state.insert(it.key(), it.value());
    doc.insert(key("state"), state);
    doc.insert(key("stack_docs"), stackDocs);
    doc.insert(key("oneshot_hooks"), oneshots);
    doc.insert(key("from_rows"), true);
    return doc;
}

// ------------------------------------------------------------ rows

bool GridRows::note(const std::vector<Mutation>& changes, const GridRuntime& g) {
    bool changed = false;
    for (const Mutation& m : changes) {
        if (const auto* pn = std::get_if<mut::PutNode>(&m)) {
            // A keepalive changes the node in the core, not its stored row.
            const auto& written = written_[kNode];
            const auto it = written.find(qs(pn->node.name));
            if (it != written.end() && *it == qHash(body(nodeRow(pn->node, g.agents().agentRecord(pn->node.name))))) continue;
            nodes_.insert(pn->node.name);
        } else if (const auto* dn = std::get_if<mut::DropNode>(&m)) {
            nodes_.insert(dn->name);
        } else if (const auto* ps = std::get_if<mut::PutService>(&m)) {
            services_.insert(ps->service.spec.key());
        } else if (const auto* ds = std::get_if<mut::DropService>(&m)) {
            services_.insert(ds->key);
        } else if (const auto* pi = std::get_if<mut::PutInstance>(&m)) {
            instances_.insert(pi->instance.key());
        } else if (const auto* di = std::get_if<mut::DropInstance>(&m)) {
            instances_.insert(di->key);
        }
        changed = true;
    }
    return changed;
}

namespace {

// Rows of one kind kept by key in the core: a put for each present key, a drop for each gone one.
template <typename Map, typename Keys, typename Id, typename Doc>
void keyedRows(const QString& kind, const Map& map, const Keys& keys, bool all, Id id, Doc doc, std::vector<GridRow>& out) {
    if (all) {
        for (const auto& [k, v] : map) out.push_back(GridRow{kind, id(k), body(doc(v)), false});
        return;
    }
    for (const auto& k : keys) {
        const auto it = map.find(k);
        if (it == map.end()) out.push_back(GridRow{kind, id(k), {}, true});
        else out.push_back(GridRow{kind, id(k), body(doc(it->second)), false});
    }
}

}  // namespace

void GridRows::collect(const GridRuntime& g, std::vector<GridRow>& out) const {
    const ClusterState& st = g.state();
    out.push_back(GridRow{kGrid, QStringLiteral("-"), body(headerDoc(g)), false});
    keyedRows(kNode, st.nodes, nodes_, all_, [](const std::string& k) { return qs(k); },
              [&g](const Node& n) { return nodeRow(n, g.agents().agentRecord(n.name)); }, out);
    keyedRows(kService, st.services, services_, all_, [](const std::string& k) { return qs(k); }, serviceDoc, out);
    keyedRows(kInstance, st.instances, instances_, all_, instanceId, instanceDoc, out);
    QHash<QString, QByteArray> stacks, stackDocs, volumes, oneshots;
    for (const auto& [name, s] : st.stacks) {
        stacks.insert(qs(name), body(stackDoc(s)));
    }
    const QJsonObject book = g.stacks().toJson();
    for (auto it = book.begin(); it != book.end(); ++it) stackDocs.insert(it.key(), body(it.value().toObject()));
    for (const auto& [name, v] : st.volumes) volumes.insert(qs(name), body(volumeDoc(v, g.volumeCreatedAt(name))));
    const QJsonObject hooks = g.oneshotDocument();
    for (auto it = hooks.begin(); it != hooks.end(); ++it) oneshots.insert(it.key(), body(QJsonObject{{key("done"), it.value()}}));
    compareAll(kStack, stacks, out);
    compareAll(kStackDoc, stackDocs, out);
    compareAll(kVolume, volumes, out);
    compareAll(kOneshot, oneshots, out);
}

// The few rows of a kind compared whole: puts for all now, drops for those written and gone.
void GridRows::compareAll(const QString& kind, const QHash<QString, QByteArray>& now, std::vector<GridRow>& out) const {
    for (auto it = now.begin(); it != now.end(); ++it) out.push_back(GridRow{kind, it.key(), it.value(), false});
    const auto written = written_.find(kind);
    if (written == written_.end()) return;
    for (auto it = written->begin(); it != written->end(); ++it) {
        if (!now.contains(it.key())) out.push_back(GridRow{kind, it.key(), {}, true});
    }
}

bool GridRows::unchanged(const GridRow& row) const {
    const auto kind = written_.find(row.kind);
    if (row.drop || kind == written_.end()) return false;
    const auto it = kind->find(row.id);
    return it != kind->end() && *it == qHash(row.body);
}

std::vector<GridRow> GridRows::pending(const GridRuntime& g) const {
    std::vector<GridRow> all;
    collect(g, all);
    std::vector<GridRow> out;
    out.reserve(all.size());
    for (GridRow& r : all) {
        if (!unchanged(r)) out.push_back(std::move(r));
    }
    return out;
}

void GridRows::written(const std::vector<GridRow>& rows) {
    for (const GridRow& r : rows) {
        if (r.drop) written_[r.kind].remove(r.id);
        else written_[r.kind].insert(r.id, qHash(r.body));
    }
    all_ = false;
    nodes_.clear();
    services_.clear();
    instances_.clear();
}

void GridRows::prime(const GridRuntime& g) {
    all_ = true;
    written(pending(g));
}

void GridRows::rewriteNode(const std::string& name) {
    written_[kNode].remove(qs(name));
    nodes_.insert(name);
}

GridRecord restoreGrid(const QJsonObject& doc, Instant now, RestoreAs as) {
    GridRecord r;
    r.name = doc.value(key("name")).toString();
    r.token = doc.value(key("token")).toString();
    r.createdAt = static_cast<qint64>(doc.value(key("created_at")).toDouble());
    r.fromRows = doc.value(key("from_rows")).toBool();
    ClusterState& st = r.state;
    st.grid.name = ss(r.name);
    st.grid.initialSize = std::clamp(doc.value(key("initial_size")).toInt(1), 1, 7);
    st.grid.maxNodes = std::clamp(doc.value(key("max_nodes")).toInt(254), 1, Grid::kMaxNodesLimit);
    // Grids stored before the subnet was a setting have Kontena's.
    const std::string subnet = ss(doc.value(key("subnet")).toString());
    if (parseCidr(subnet)) r.subnet = subnet;
    st.grid.defaultAffinity = stringsFrom(doc.value(key("default_affinity")));
    applySettings(st.grid.settings, doc.value(key("settings")).toObject());
    r.stacks = StackBook::fromJson(doc.value(key("stack_docs")).toObject());
    if (auto logs = api::GridLogSettings::fromJson(doc.value(key("log_forwarding"))); logs && doc.value(key("log_forwarding")).isObject())
        r.logForwarding = std::move(logs).value();
    r.forwardedLineId = static_cast<std::int64_t>(doc.value(key("forwarded_line_id")).toDouble());
    if (auto statsd = api::StatsdServer::fromJson(doc.value(key("statsd"))); statsd && doc.value(key("statsd")).isObject())
        r.statsd = std::move(statsd).value();
    const QJsonObject oneshots = doc.value(key("oneshot_hooks")).toObject();
    for (auto it = oneshots.begin(); it != oneshots.end(); ++it)
        for (const auto& v : it.value().toArray()) r.oneshotDone[it.key()].insert(v.toString());
    restoreState(r, doc.value(key("state")).toObject(), now, as);
    st.quorum = hasQuorum(st);
    return r;
}

}  // namespace kontena::master
