#include "master/agent_sessions.h"

#include <QJsonArray>
#include <QLoggingCategory>

#include <algorithm>
#include <utility>

#include "master/agent_session.h"
#include "master/grid_runtime.h"
#include "lb/lb_model.h"
#include "master/json_util.h"
#include "protocol/messages.h"
#include "protocol/pod_spec.h"
#include "vault/secrets.h"
#include "scheduler/overloaded.h"

Q_LOGGING_CATEGORY(lcAgents, "kontena.master.agents")

namespace kontena::master {

namespace {

constexpr char kMasterVersion[] = "0.1.0";
constexpr std::size_t kEarlyReportsMax = 10000;

QByteArray notification(const char* method, const QJsonValue& params) {
    return protocol::encode(protocol::Frame::notification(QString::fromLatin1(method), params));
}

// The instance records placed on `node`, in the order of the state's
// instances (service key, number), from the core's placement index: a
// node's pods are read on every notify_update, and walking the grid's
// every instance for each (100,000s in a large deploy) took most of the
// master's time.
template <typename F>
void forEachOnNode(const GridRuntime& grid, const std::string& node, F f) {
    const PlacementIndex& index = grid.placementIndex();
    const int ordinal = index.ordinalOf(node);
    if (ordinal < 0) return;
    for (const auto& [service, byNumber] : index.occupancy(ordinal)) {
        for (const auto& [number, inst] : byNumber) {
            if (f(*inst)) return;
        }
    }
}

// The instance on `node` whose container is called `name` (nullptr: none).
const Instance* instanceByContainer(const GridRuntime& grid, const std::string& node, const QString& name) {
    const ClusterState& st = grid.state();
    const Instance* found = nullptr;
    forEachOnNode(grid, node, [&](const Instance& inst) {
        const Service* svc = st.service(inst.service);
        if (svc && qs(containerName(svc->spec, inst.number)) == name) found = &inst;
        return found != nullptr;
    });
    return found;
}

}  // namespace


AgentSessions::AgentSessions(GridRuntime& grid) : QObject(&grid), grid_(grid) {
    peersTimer_.setSingleShot(true);
    connect(&peersTimer_, &QTimer::timeout, this, &AgentSessions::sendPeers);
    dnsTimer_.setSingleShot(true);
    dnsTimer_.setInterval(100);
    connect(&dnsTimer_, &QTimer::timeout, this, &AgentSessions::sendDnsRecords);
    connect(&grid_, &GridRuntime::changed, this, &AgentSessions::onGridChanged);
}

AgentSessions::~AgentSessions() {
    for (Session* s : std::exchange(sessions_, {})) {
        s->ws->disconnect(this);   // the socket (a child) goes with us: no close events to a grid going away
        delete s;
    }
}

const QHash<QString, AgentSessions::Handler>& AgentSessions::methods() {
    using namespace protocol::method;
    static const QHash<QString, Handler> table{
        {QString::fromLatin1(kNodesUpdate), &AgentSessions::onNodesUpdate},
        {QString::fromLatin1(kPodsList), &AgentSessions::onPodsList},
        {QString::fromLatin1(kPodsSetState), &AgentSessions::onPodsSetState},
        {QString::fromLatin1(kPodsSecrets), &AgentSessions::onPodSecrets},
        {QString::fromLatin1(kPodsEvent), &AgentSessions::onPodEvent},
        {QString::fromLatin1(kPodsMarkOneshot), &AgentSessions::onMarkOneshot},
        {QString::fromLatin1(kPodsLbBackends), &AgentSessions::onLbBackends},
        {QString::fromLatin1(kExecOutput), &AgentSessions::onExecFrame},
        {QString::fromLatin1(kExecExit), &AgentSessions::onExecFrame},
        {QString::fromLatin1(kExecError), &AgentSessions::onExecFrame},
        {QString::fromLatin1(kContainersLogBatch), &AgentSessions::onLogBatch},
        {QString::fromLatin1(kContainersHealth), &AgentSessions::onHealth},
        {QString::fromLatin1(kNodesStats), &AgentSessions::onNodeStats},
        {QString::fromLatin1(kNodesEtcdHealth), &AgentSessions::onEtcdHealth},
        {QString::fromLatin1(kPodsAddress), &AgentSessions::onPodAddress},
        {QString::fromLatin1(kContainersStat), &AgentSessions::onContainerStat},
        // accepted; container events are not kept yet
        {QString::fromLatin1(kContainersEvent), &AgentSessions::onAccepted},
    };
    return table;
}

// ------------------------------------------------------------ connections

void AgentSessions::attach(QWebSocket* socket, const protocol::Handshake& hs) {
    socket->setParent(this);
    auto close = [socket](protocol::CloseCode code) {
        socket->close(QWebSocketProtocol::CloseCode(int(code)), protocol::closeReason(code));
        QObject::connect(socket, &QWebSocket::disconnected, socket, &QObject::deleteLater);
    };
    const QByteArray masterInfo = notification(protocol::method::kMasterInfo,
        protocol::params(protocol::toJson(protocol::MasterInfo{QString::fromLatin1(kMasterVersion), protocol::kProtocolVersion})));
    if (!protocol::versionCompatible(QString::fromLatin1(kMasterVersion), hs.version) ||
        (hs.protocolVersion && hs.protocolVersion != protocol::kProtocolVersion)) {
        socket->sendTextMessage(QString::fromUtf8(masterInfo));
        close(protocol::CloseCode::VersionIncompatible);
        return;
    }
    if (const Node* existing = grid_.state().node(ss(hs.nodeName));
        existing && existing->connected && existing->nodeId != ss(hs.nodeId) && !existing->nodeId.empty() &&
        existing->nodeId != existing->name) {
        close(protocol::CloseCode::NodeIdTaken);
        return;
    }
    auto* s = new Session;
    s->ws = socket;
    s->hs = hs;
    s->node = ss(hs.nodeName);
    s->connectedAt = hs.connectedAt.isValid() ? Instant(hs.connectedAt.toMSecsSinceEpoch()) : grid_.now();
    sessions_.append(s);
    if (QString& known = versions_[s->node]; known != hs.version) {
        known = hs.version;
        grid_.nodeRowChanged(s->node);
    }
    connect(socket, &QWebSocket::textMessageReceived, this, [this, s](const QString& text) { onFrame(s, text); });
    connect(socket, &QWebSocket::disconnected, this, [this, s] { onClosed(s); });
    connect(socket, &QWebSocket::pong, this, [this, s](quint64, const QByteArray&) {
        if (s->announced) grid_.deliver(ev::PingAnswered{s->node, s->connectedAt});
    });
    send(s, masterInfo);
    qCInfo(lcAgents).noquote() << grid_.name() << "agent connected:" << hs.nodeName;
}

QString AgentSessions::agentVersion(const std::string& node) const {
    const auto v = versions_.find(node);
    return v == versions_.end() ? QString() : v->second;
}

QJsonObject AgentSessions::agentRecord(const std::string& node) const {
    QJsonObject o;
    if (const auto v = versions_.find(node); v != versions_.end()) o.insert(QStringLiteral("version"), v->second);
    if (const auto a = addresses_.find(node); a != addresses_.end()) {
        o.insert(QStringLiteral("private_ip"), a->second.privateIp);
        o.insert(QStringLiteral("public_ip"), a->second.publicIp);
    }
    return o;
}

void AgentSessions::restore(const std::map<std::string, QJsonObject>& records) {
    for (const auto& [node, o] : records) {
        if (o.contains(QStringLiteral("version"))) versions_[node] = o.value(QStringLiteral("version")).toString();
        if (o.contains(QStringLiteral("private_ip")))
            addresses_[node] = Address{o.value(QStringLiteral("private_ip")).toString(), o.value(QStringLiteral("public_ip")).toString()};
    }
    peersCache_.reset();
}

AgentSessions::Session* AgentSessions::sessionOf(const std::string& node, std::optional<Instant> connectedAt) const {
    Session* best = nullptr;
    for (Session* s : sessions_) {
        if (s->node != node || s->closing) continue;
        if (connectedAt && s->connectedAt != *connectedAt) continue;
        if (!best || s->connectedAt > best->connectedAt) best = s;
    }
    return best;
}

void AgentSessions::send(Session* s, const QByteArray& frame) { s->ws->sendTextMessage(QString::fromUtf8(frame)); }

void AgentSessions::onClosed(Session* s) {
    sessions_.removeAll(s);
    if (s->announced) {
        grid_.deliver(ev::NodeClosed{s->node, s->connectedAt});
        if (!sessionOf(s->node)) {
            etcd_.erase(s->node);   // nobody to say how its member is
            grid_.deliver(ev::EtcdMember{s->node, false});
        }
    }
    qCInfo(lcAgents).noquote() << grid_.name() << "agent disconnected:" << qs(s->node);
    s->ws->deleteLater();
    delete s;
}

void AgentSessions::carryOut(const Command& c) {
    std::visit(Overloaded{
                   [&](const cmd::Ping& p) {
                       if (Session* s = sessionOf(p.node, p.connectedAt)) s->ws->ping();
                   },
                   [&](const cmd::NotifyNode& n) {
                       if (Session* s = sessionOf(n.node)) {
                           send(s, notification(protocol::method::kNotifyUpdate,
                                                protocol::params(protocol::toJson(protocol::NotifyUpdate{QStringLiteral("update")}))));
                       }
                   },
                   [&](const cmd::CloseConnection& x) {
                       if (Session* s = sessionOf(x.node)) {
                           s->closing = true;
                           s->ws->close(QWebSocketProtocol::CloseCode(x.code), qs(x.reason));
                       }
                   },
                   [&](const cmd::RestartInstance& x) {
                       if (Session* s = sessionOf(x.node)) {
                           send(s, notification(protocol::method::kRestartPod,
                                                protocol::params(protocol::toJson(protocol::RestartPod{qs(x.service), x.number}))));
                       }
                   },
               },
               c);
}

// ------------------------------------------------------------ RPC methods

void AgentSessions::onFrame(Session* s, const QString& text) {
    using namespace protocol;
    auto f = decode(text.toUtf8());
    if (!f || f->kind == FrameKind::Response) return;
    qCDebug(lcAgents).noquote() << grid_.name() << qs(s->node) << "frame" << f->method;
    const auto handler = methods().value(f->method, nullptr);
    const Outcome out = handler ? (this->*handler)(s, payloadOf(f->params)) : Outcome{QJsonValue(), notImplemented()};
    if (f->kind == FrameKind::Request) send(s, encode(out.error ? Frame::failure(f->id, *out.error) : Frame::response(f->id, out.result)));
}

// /nodes/update: the first one announces the node to the core (NodeConnect);
// each one may bring new addresses for the grid's peers.
AgentSessions::Outcome AgentSessions::onNodesUpdate(Session* s, const QJsonObject& payload) {
    const protocol::NodeUpdate u = protocol::nodeUpdateFromJson(payload);
    s->etcdReports = u.etcdReports;
    noteAddress(s, u);
    if (!s->announced) announce(s, payload);
    return {};
}

void AgentSessions::announce(Session* s, const QJsonObject& payload) {
    const protocol::NodeUpdate u = protocol::nodeUpdateFromJson(payload);
    ev::NodeConnect e;
    e.node = s->node;
    e.connectedAt = s->connectedAt;
    for (const auto& l : (u.labels.isEmpty() ? s->hs.labels : u.labels)) e.labels.push_back(ss(l));
    e.cpus = u.cpus > 0 ? u.cpus : 1;
    e.memory = u.memTotal;
    e.volumeDrivers.clear();
    for (const auto& d : u.volumeDrivers) e.volumeDrivers.push_back(ss(d));
    if (e.volumeDrivers.empty()) e.volumeDrivers.push_back("local");
    const ApplyResult r = grid_.deliver(e);
    if (r.refused) {
        qCWarning(lcAgents).noquote() << grid_.name() << "connection of" << qs(s->node) << "refused:" << qs(r.refused->message);
        s->closing = true;
        s->ws->close(QWebSocketProtocol::CloseCode(int(protocol::CloseCode::ReconnectedElsewhere)), qs(r.refused->message));
        return;
    }
    s->announced = true;
    // An agent running its etcd member says how it is (/nodes/etcd_health);
    // for one that does not, a connected agent means a healthy member.
    if (!s->etcdReports) grid_.deliver(ev::EtcdMember{s->node, true});
    else if (const auto h = etcdHealth(s->node)) grid_.deliver(ev::EtcdMember{s->node, h->member});
    // An agent does not repeat a report: the ones that came before /nodes/update count now.
    for (const auto& report : std::exchange(s->early, {})) grid_.deliver(report);
    if (!dnsTimer_.isActive()) dnsTimer_.start();
    // The node (its number) is stored before the agent learns it, in the
    // store's next group commit (one fsync for all agents announced then);
    // then it gets its info and the whole peer list (its etcd member and
    // overlay start from them), and the others learn of it in the grid's
    // next peers pass.
    grid_.saveThen([this, s] {
        if (!sessions_.contains(s)) return;
        s->stored = true;
        if (!sendOwnInfo(s)) return;
        const QList<protocol::GridPeer>& all = currentPeers();
        s->ws->sendTextMessage(fullPeersFrame(all));
        s->sentPeers = all;
        s->peersSent = true;
        schedulePeers();
    });
}

// What the node lacks of its info: the node's own facts (its first info,
// or they changed), then the grid's peers (one frame for the whole grid).
void AgentSessions::sendNodeInfo(Session* s) {
    if (!sendOwnInfo(s)) return;
    if (s->peersSent && s->sentPeers == passPeers_) return;
    // The change since the previous pass to an agent that has that pass's list, else the whole list.
    const bool delta = s->peersSent && s->sentPeers == previousPeers_;
    s->ws->sendTextMessage(delta ? deltaPeersFrame_ : fullPeersFrame(passPeers_));
    s->sentPeers = passPeers_;   // shared with passPeers_: no copy per node
    s->peersSent = true;
}

// The node's own facts, if they are not what it last got; false when the
// node is gone from the grid.
bool AgentSessions::sendOwnInfo(Session* s) {
    if (!grid_.state().node(s->node)) return false;
    protocol::NodeInfo own = nodeInfoFor(s->node, s->hs.nodeId, {});
    if (s->sentInfo != own) {
        send(s, notification(protocol::method::kNodeInfo, protocol::params(protocol::nodeFactsJson(own))));
        s->sentInfo = std::move(own);
    }
    return true;
}

AgentSessions::Outcome AgentSessions::onPodsList(Session* s, const QJsonObject&) {
    const ClusterState& st = grid_.state();
    QJsonArray pods;
    forEachOnNode(grid_, s->node, [&](const Instance& inst) {
        const Service* svc = inst.desired == DesiredState::Initialized ? nullptr : st.service(inst.service);
        if (!svc) return false;
        const bool oneshot = std::any_of(svc->spec.hooks.begin(), svc->spec.hooks.end(), [](const Hook& h) { return h.oneshot; });
        if (!oneshot) {
            pods.append(protocol::podJson(svc->spec, specJson(*svc), inst.number, inst.desired, inst.deployRev, svc->revision));
            return false;
        }
        protocol::PodSpec pod{svc->spec, inst.number, inst.desired, inst.deployRev, svc->revision};
        std::erase_if(pod.spec.hooks, [&](const Hook& h) {
            return h.oneshot && grid_.oneshotDone(qs(inst.service), qs(h.kind), qs(h.name), inst.number);
        });
        pods.append(protocol::toJson(pod));
        return false;
    });
    qCDebug(lcAgents).noquote() << grid_.name() << qs(s->node) << "pods:" << pods.size();
    // etcd_quorum: the agent step's ipamAvailable, as the simulated node reads it
    return {protocol::podListJson(pods, st.quorum), std::nullopt};
}

QJsonObject AgentSessions::specJson(const Service& svc) {
    const std::string key = svc.spec.key();
    auto it = specJson_.find(key);
    if (it != specJson_.end() && it->second.first == svc.spec) return it->second.second;
    if (specJson_.size() > 2 * grid_.state().services.size() + 16) specJson_.clear();   // services gone
    QJsonObject json = protocol::toJson(svc.spec);
    specJson_.insert_or_assign(key, std::make_pair(svc.spec, json));
    return json;
}

AgentSessions::Outcome AgentSessions::onPodsSetState(Session* s, const QJsonObject& payload) {
    const protocol::PodState p = protocol::podStateFromJson(payload);
    const ev::InstanceReport report{s->node, ss(p.serviceId), p.instanceNumber, p.rev, p.serviceRevision, p.state, ss(p.error)};
    qCDebug(lcAgents).noquote() << grid_.name() << qs(s->node) << "report" << p.serviceId << p.instanceNumber << "rev" << p.rev
                                << protocol::toWire(p.state);
    if (s->announced) grid_.deliver(report);
    else if (s->early.size() < kEarlyReportsMax) s->early.push_back(report);
    return {};
}

bool AgentSessions::notify(const std::string& node, const char* method, const QJsonObject& payload) {
    Session* s = sessionOf(node);
    if (!s || !s->announced) return false;
    send(s, notification(method, protocol::params(payload)));
    return true;
}

// Output, exit or error of an exec: to whoever waits for it (ExecRelay),
// which checks that it came from the node running it.
AgentSessions::Outcome AgentSessions::onExecFrame(Session* s, const QJsonObject& payload) {
    emit grid_.execFrame(qs(s->node), protocol::execFrameFromJson(payload));
    return {};
}

// A hook ran or failed on the agent: into the grid's event log.
AgentSessions::Outcome AgentSessions::onPodEvent(Session* s, const QJsonObject& payload) {
    const protocol::PodEvent e = protocol::podEventFromJson(payload);
    const Service* svc = grid_.state().service(ss(e.serviceId));
    if (!svc) return {};
    const std::string subject = svc->spec.stack + "/" + svc->spec.name + "-" + std::to_string(e.instanceNumber);
    // hook, hook_failed; lb_config_invalid: a load balancer kept its config (HAProxy's reason)
    const std::string kind = e.type == QLatin1String("hook_failed") || e.type == QLatin1String("lb_config_invalid") ? ss(e.type) : "hook";
    grid_.logs().addEvent(LogEntry{grid_.now(), kind, subject, ss(e.message) + " (on " + s->node + ")"});
    qCInfo(lcAgents).noquote() << grid_.name() << qs(s->node) << qs(kind) << qs(subject) << e.message;
    return {};
}

// A oneshot hook ran for an instance placed on the asking node.
AgentSessions::Outcome AgentSessions::onMarkOneshot(Session* s, const QJsonObject& payload) {
    const protocol::OneshotHookDone d = protocol::oneshotHookDoneFromJson(payload);
    const Instance* inst = grid_.state().instance(ss(d.serviceId), d.instanceNumber);
    if (!inst || inst->node != s->node) {
        return Outcome{QJsonValue(), protocol::RpcError{403, QStringLiteral("%1/%2 is not placed on this node").arg(d.serviceId).arg(d.instanceNumber)}};
    }
    grid_.markOneshotDone(d.serviceId, d.kind, d.name, d.instanceNumber);
    return {};
}

// The services linked to a load balancer (lb::linkedLoadBalancer) with
// what its config needs of them, for the agent running an instance of it.
AgentSessions::Outcome AgentSessions::onLbBackends(Session* s, const QJsonObject& payload) {
    const protocol::LbBackendsRequest req = protocol::lbBackendsRequestFromJson(payload);
    const ClusterState& st = grid_.state();
    const Instance* inst = st.instance(ss(req.serviceId), req.instanceNumber);
    if (!inst || inst->node != s->node) {
        return Outcome{QJsonValue(), protocol::RpcError{403, QStringLiteral("%1/%2 is not placed on this node").arg(req.serviceId).arg(req.instanceNumber)}};
    }
    const auto lookup = [&st](const std::string& key) -> const ServiceSpec* {
        const Service* svc = st.service(key);
        return svc ? &svc->spec : nullptr;
    };
    protocol::LbBackends answer;
    for (const auto& [key, svc] : st.services) {
        if (lb::linkedLoadBalancer(svc.spec, lookup) == ss(req.serviceId)) answer.services.append(lbLinked(svc));
    }
    return {protocol::toJson(answer), std::nullopt};   // never logged: it may hold basic-auth secrets
}

// One linked service as its LB sees it: KONTENA_LB_* settings, the values
// of its KONTENA_LB_* secrets, and each instance with the address its node
// reported for it (an overlay address is reachable from every node).
protocol::LbLinkedService AgentSessions::lbLinked(const Service& svc) const {
    const ClusterState& st = grid_.state();
    protocol::LbLinkedService linked;
    linked.spec.stack = svc.spec.stack;
    linked.spec.name = svc.spec.name;
    linked.spec.image = svc.spec.image;
    linked.spec.healthCheck = svc.spec.healthCheck;
    for (const std::string& e : svc.spec.env)
        if (e.rfind("KONTENA_LB_", 0) == 0) linked.spec.env.push_back(e);
    std::vector<SecretRef> lbSecrets;
    for (const SecretRef& r : svc.spec.secrets)
        if (r.name.rfind("KONTENA_LB_", 0) == 0) lbSecrets.push_back(r);
    if (!lbSecrets.empty()) {
        const auto env = vault::secretEnv(svc.spec.key(), lbSecrets, {}, secretLookup(), secretLookup());
        if (env) {
            for (const std::string& e : env.value()) linked.secretEnv.append(qs(e));
        } else {
            linked.secretError = qs(env.error().message);
        }
    }
    const std::string& key = svc.spec.key();
    for (auto it = st.instances.lower_bound(InstanceKey{key, 0}); it != st.instances.end() && it->first.service == key; ++it) {
        const Instance& i = it->second;
        const QString health = i.health == Health::Healthy ? QStringLiteral("healthy")
                               : i.health == Health::Unhealthy ? QStringLiteral("unhealthy") : QStringLiteral("unknown");
        const auto a = podAddresses_.find({key, i.number});
        const QString address = a != podAddresses_.end() && i.node == a->second.node ? a->second.address : QString();
        linked.instances.append({i.number, i.node ? qs(*i.node) : QString(), qs(containerName(svc.spec, i.number)), i.observed, health, address});
    }
    return linked;
}

// A secret's value from the grid's vault (nullopt: missing, or no vault);
// one that does not open is logged by name, never by value.
vault::Lookup AgentSessions::secretLookup() const {
    return [this](const std::string& name) -> std::optional<std::string> {
        const GridVault& vault = grid_.vault();
        const auto value = vault.configured() ? vault.read(qs(name)) : std::nullopt;
        if (value && !*value) qCWarning(lcAgents).noquote() << grid_.name() << "secret" << qs(name) << "does not open:" << qs(value->error().message);
        if (!value || !*value) return std::nullopt;
        return value->value().toStdString();
    };
}

// The values of a pod's `secrets:`, for the agent about to create its
// container; only for a pod placed on the asking node. Values are in the
// answer only: never logged (names are, at debug level).
AgentSessions::Outcome AgentSessions::onPodSecrets(Session* s, const QJsonObject& payload) {
    const protocol::PodSecretsRequest req = protocol::podSecretsRequestFromJson(payload);
    const ClusterState& st = grid_.state();
    const Instance* inst = st.instance(ss(req.serviceId), req.instanceNumber);
    const Service* svc = st.service(ss(req.serviceId));
    const auto refuse = [](int code, const QString& message) { return Outcome{QJsonValue(), protocol::RpcError{code, message}}; };
    if (!inst || !svc || inst->node != s->node) {
        return refuse(403, QStringLiteral("%1/%2 is not placed on this node").arg(req.serviceId).arg(req.instanceNumber));
    }
    const GridVault& vault = grid_.vault();
    const auto certificate = [&](const std::string& subject) -> std::optional<std::string> {
        const auto bundle = vault.certificate ? vault.certificate(qs(subject)) : std::nullopt;
        if (bundle && !*bundle) qCWarning(lcAgents).noquote() << grid_.name() << "certificate" << qs(subject) << "does not open:" << qs(bundle->error().message);
        if (!bundle || !*bundle) return std::nullopt;
        return bundle->value().toStdString();
    };
    const auto env = vault::secretEnv(svc->spec.key(), svc->spec.secrets, svc->spec.certificates, secretLookup(), certificate);
    if (!env) return refuse(404, qs(env.error().message));
    protocol::PodSecrets answer;
    for (const std::string& e : env.value()) answer.env.append(qs(e));
    const QString registry = protocol::registryHost(qs(svc->spec.image));
    if (!registry.isEmpty() && vault.registryAuth) {
        if (const auto auth = vault.registryAuth(registry)) answer.registryAuth = QString::fromLatin1(*auth);
    }
    qCDebug(lcAgents).noquote() << grid_.name() << qs(s->node) << "secrets for" << req.serviceId << req.instanceNumber << ":"
                                << answer.env.size();
    return {protocol::toJson(answer), std::nullopt};
}

AgentSessions::Outcome AgentSessions::onLogBatch(Session* s, const QJsonObject& payload) {
    // Acknowledged only once kept: an agent whose batch fails sends it again.
    if (!grid_.logs().addContainerLines(qs(s->node), protocol::logBatchFromJson(payload).entries)) {
        return {QJsonValue(), protocol::RpcError{500, QStringLiteral("the log store could not keep the lines")}};
    }
    emit grid_.containerLinesAdded();
    return {};
}

// A container's sample: kept for the instance placed on this node under
// that name; a container the grid does not know (yet, or any more) is ignored.
AgentSessions::Outcome AgentSessions::onContainerStat(Session* s, const QJsonObject& payload) {
    const protocol::ContainerStat st = protocol::containerStatFromJson(payload);
    if (const Instance* inst = instanceByContainer(grid_, s->node, st.name))
        grid_.stats().addContainer(inst->service, inst->number, st.name, qs(s->node), sampleOf(st, grid_.now()));
    return {};
}

// The node's sample: its series, and its memory figures to the core (latest_stats).
AgentSessions::Outcome AgentSessions::onNodeStats(Session* s, const QJsonObject& payload) {
    if (!s->announced) return {};
    const protocol::NodeStatsReport r = protocol::nodeStatsFromJson(payload);
    grid_.stats().addNode(qs(s->node), r);
    if (r.memTotal > 0) grid_.deliver(ev::NodeStats{s->node, NodeMemoryStats{r.memTotal, r.memUsed, r.memFree, r.memCached, r.memBuffers}});
    return {};
}

AgentSessions::Outcome AgentSessions::onHealth(Session* s, const QJsonObject& payload) {
    const protocol::ContainerHealth h = protocol::containerHealthFromJson(payload);
    if (const Instance* inst = instanceByContainer(grid_, s->node, h.name)) {
        // copied first: the delivery may change the record
        const ev::InstanceHealth e{s->node, inst->service, inst->number, h.status == protocol::HealthStatus::Healthy ? Health::Healthy : Health::Unhealthy};
        grid_.deliver(e);
    }
    return {};
}

AgentSessions::Outcome AgentSessions::onAccepted(Session*, const QJsonObject&) { return {}; }

}  // namespace kontena::master
