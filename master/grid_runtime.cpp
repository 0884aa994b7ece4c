#include "master/grid_runtime.h"

#include <QDateTime>

#include <cmath>
#include <QJsonDocument>
#include <QTimeZone>
#include <QLoggingCategory>

#include "master/store.h"
#include "protocol/messages.h"
#include "protocol/pod_spec.h"
#include "protocol/rpc.h"
#include "scheduler/random.h"
#include "stacks/loader.h"
#include "stacks/sources.h"

Q_LOGGING_CATEGORY(lcGrid, "kontena.master.grid")

namespace kontena::master {

namespace {

constexpr std::size_t kEventLogMax = 5000;
constexpr std::size_t kContainerLogMax = 20000;
constexpr char kMasterVersion[] = "0.1.0";

template <class... Ts>
struct Overloaded : Ts... { using Ts::operator()...; };
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

QString qs(const std::string& s) { return QString::fromStdString(s); }
std::string ss(const QString& s) { return s.toStdString(); }

QJsonValue timeJson(const std::optional<Instant>& t) {
    if (!t) return QJsonValue();
    return QDateTime::fromMSecsSinceEpoch(t->ms, Qt::UTC).toString(Qt::ISODateWithMs);
}
std::optional<Instant> timeFrom(const QJsonValue& v) {
    if (!v.isDouble()) return std::nullopt;
    return Instant(static_cast<std::int64_t>(v.toDouble()));
}
QJsonValue msJson(const std::optional<Instant>& t) { return t ? QJsonValue(static_cast<double>(t->ms)) : QJsonValue(); }

QJsonArray strings(const std::vector<std::string>& v) {
    QJsonArray a;
    for (const auto& s : v) a.append(qs(s));
    return a;
}
std::vector<std::string> stringsFrom(const QJsonValue& v) {
    std::vector<std::string> out;
    for (const auto& x : v.toArray()) out.push_back(ss(x.toString()));
    return out;
}

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

Duration seconds(const QJsonValue& v, Duration fallback) {
    return v.isDouble() ? Duration::millis(static_cast<std::int64_t>(v.toDouble() * 1000.0)) : fallback;
}

// The inverse of GridRuntime::settingsJson: absent fields keep their value.
void applySettings(GridSettings& s, const QJsonObject& o) {
    s.onlineGrace = seconds(o.value(QStringLiteral("online_grace")), s.onlineGrace);
    const QJsonObject g = o.value(QStringLiteral("offline_grace")).toObject();
    s.offlineGraceDaemon = seconds(g.value(QStringLiteral("daemon")), s.offlineGraceDaemon);
    s.offlineGraceHa = seconds(g.value(QStringLiteral("ha")), s.offlineGraceHa);
    s.offlineGraceRandom = seconds(g.value(QStringLiteral("random")), s.offlineGraceRandom);
    s.pingInterval = seconds(o.value(QStringLiteral("keepalive_interval")), s.pingInterval);
    s.pingTimeout = seconds(o.value(QStringLiteral("keepalive_timeout")), s.pingTimeout);
}

}  // namespace

struct GridRuntime::Session {
    QWebSocket* ws = nullptr;
    protocol::Handshake hs;
    std::string node;
    Instant connectedAt;
    bool announced = false;   // NodeConnect delivered (after /nodes/update)
    bool closing = false;
    std::vector<ev::InstanceReport> early;   // reports sent before /nodes/update, delivered after it
};

GridRuntime::GridRuntime(Store& store, const QJsonObject& doc, QObject* parent) : QObject(parent), store_(store) {
    name_ = doc.value(QStringLiteral("name")).toString();
    token_ = doc.value(QStringLiteral("token")).toString();
    createdAt_ = static_cast<qint64>(doc.value(QStringLiteral("created_at")).toDouble());
    rngState_ = stableHash(ss(name_)) ^ static_cast<std::uint64_t>(QDateTime::currentMSecsSinceEpoch());
    restore(doc);
    saveTimer_.setSingleShot(true);
    saveTimer_.setInterval(200);
    connect(&saveTimer_, &QTimer::timeout, this, [this] { save(); });
    for (const Timer& t : ctl_->startupTimers(now())) arm(t);
    // Stack deploys cut short by a restart are started again (their
    // services may still be waiting to be deployed).
    for (auto it = stackDocs_.begin(); it != stackDocs_.end(); ++it) {
        if (it->value(QStringLiteral("deploy_pending")).toBool()) deliver(ev::StackDeploy{ss(it.key())});
    }
}

GridRuntime::~GridRuntime() {
    if (dirty_) save();
    for (Session* s : sessions_) {
        s->ws->disconnect(this);
        s->ws->deleteLater();
        delete s;
    }
}

Instant GridRuntime::now() const { return Instant(QDateTime::currentMSecsSinceEpoch()); }

// ------------------------------------------------------------ the core

ApplyResult GridRuntime::apply(const Event& e) {
    ApplyResult r = deliver(e);
    save();
    return r;
}

ApplyResult GridRuntime::deliver(const Event& e) {
    rngState_ = splitmix64(rngState_);
    const Context ctx{now(), rngState_};
    ApplyResult r;
    r.decision = ctl_->decide(e, ctx);
    r.refused = r.decision.refused;
    ctl_->commit(r.decision);
    for (const auto& t : r.decision.timers) arm(t);
    for (const auto& l : r.decision.log) {
        log_.push_back(l);
        if (l.kind != "ping") qCInfo(lcGrid).noquote() << name_ << qs(l.kind) << qs(l.subject) << qs(l.detail);
    }
    while (log_.size() > kEventLogMax) log_.pop_front();
    if (r.refused) log_.push_back(LogEntry{ctx.now, "refused", "", r.refused->message});
    for (const auto& c : r.decision.commands) execute(c);
    bool onlyKeepalive = true;
    for (const auto& m : r.decision.changes) {
        if (!std::holds_alternative<mut::PutNode>(m)) onlyKeepalive = false;
    }
    if (!r.decision.changes.empty()) {
        dirty_ = true;
        if (!onlyKeepalive) scheduleSave();
        emit changed();
    }
    for (const auto& m : r.decision.changes) {
        if (const auto* v = std::get_if<mut::PutVolume>(&m)) volumeCreated_.insert(qs(v->volume.name), timeJson(ctx.now));
    }
    // Stack deploys: remember the unfinished ones (a restart starts them again).
    for (const auto& m : r.decision.changes) {
        if (const auto* sd = std::get_if<mut::PutStackDeploy>(&m)) {
            auto it = stackDocs_.find(qs(sd->deploy.stack));
            if (it == stackDocs_.end()) continue;
            const bool pending = sd->deploy.state == DeployState::Pending || sd->deploy.state == DeployState::Ongoing;
            if (it->value(QStringLiteral("deploy_pending")).toBool() != pending) {
                (*it)[QStringLiteral("deploy_pending")] = pending;
                scheduleSave();
            }
        }
    }
    return r;
}

void GridRuntime::arm(const Timer& t) {
    const qint64 delay = std::max<qint64>(0, t.at.ms - now().ms);
    QTimer::singleShot(std::chrono::milliseconds(delay), this, [this, t] { deliverTimer(t); });
}

void GridRuntime::deliverTimer(const Timer& t) { deliver(ev::TimerFired{t}); }

void GridRuntime::execute(const Command& c) {
    std::visit(Overloaded{
                   [&](const cmd::Ping& p) {
                       if (Session* s = sessionOf(p.node, p.connectedAt)) s->ws->ping();
                   },
                   [&](const cmd::NotifyNode& n) {
                       if (Session* s = sessionOf(n.node)) {
                           send(s, protocol::encode(protocol::Frame::notification(
                                       QString::fromLatin1(protocol::method::kNotifyUpdate),
                                       protocol::params(protocol::toJson(protocol::NotifyUpdate{QStringLiteral("update")})))));
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
                           send(s, protocol::encode(protocol::Frame::notification(
                                       QString::fromLatin1(protocol::method::kRestartPod),
                                       protocol::params(protocol::toJson(protocol::RestartPod{qs(x.service), x.number})))));
                       }
                   },
               },
               c);
}

// ------------------------------------------------------------ agents

void GridRuntime::attachAgent(QWebSocket* socket, const protocol::Handshake& hs) {
    socket->setParent(this);
    auto close = [socket](protocol::CloseCode code) {
        socket->close(QWebSocketProtocol::CloseCode(int(code)), protocol::closeReason(code));
        QObject::connect(socket, &QWebSocket::disconnected, socket, &QObject::deleteLater);
    };
    const auto masterInfo = protocol::encode(protocol::Frame::notification(
        QString::fromLatin1(protocol::method::kMasterInfo),
        protocol::params(protocol::toJson(protocol::MasterInfo{QString::fromLatin1(kMasterVersion), protocol::kProtocolVersion}))));
    if (!protocol::versionCompatible(QString::fromLatin1(kMasterVersion), hs.version) ||
        (hs.protocolVersion && hs.protocolVersion != protocol::kProtocolVersion)) {
        socket->sendTextMessage(QString::fromUtf8(masterInfo));
        close(protocol::CloseCode::VersionIncompatible);
        return;
    }
    if (const Node* existing = state().node(ss(hs.nodeName));
        existing && existing->connected && existing->nodeId != ss(hs.nodeId) && !existing->nodeId.empty() &&
        existing->nodeId != existing->name) {
        close(protocol::CloseCode::NodeIdTaken);
        return;
    }
    auto* s = new Session;
    s->ws = socket;
    s->hs = hs;
    s->node = ss(hs.nodeName);
    s->connectedAt = hs.connectedAt.isValid() ? Instant(hs.connectedAt.toMSecsSinceEpoch()) : now();
    sessions_.append(s);
    connect(socket, &QWebSocket::textMessageReceived, this, [this, s](const QString& text) { onFrame(s, text); });
    connect(socket, &QWebSocket::disconnected, this, [this, s] { onClosed(s); });
    connect(socket, &QWebSocket::pong, this, [this, s](quint64, const QByteArray&) {
        if (s->announced) deliver(ev::PingAnswered{s->node, s->connectedAt});
    });
    send(s, masterInfo);
    qCInfo(lcGrid).noquote() << name_ << "agent connected:" << hs.nodeName;
}

int GridRuntime::connectedAgents() const { return static_cast<int>(sessions_.size()); }

GridRuntime::Session* GridRuntime::sessionOf(const std::string& node, std::optional<Instant> connectedAt) const {
    Session* best = nullptr;
    for (Session* s : sessions_) {
        if (s->node != node || s->closing) continue;
        if (connectedAt && s->connectedAt != *connectedAt) continue;
        if (!best || s->connectedAt > best->connectedAt) best = s;
    }
    return best;
}

void GridRuntime::send(Session* s, const QByteArray& frame) { s->ws->sendTextMessage(QString::fromUtf8(frame)); }

void GridRuntime::onClosed(Session* s) {
    sessions_.removeAll(s);
    if (s->announced) {
        deliver(ev::NodeClosed{s->node, s->connectedAt});
        if (!sessionOf(s->node)) deliver(ev::EtcdMember{s->node, false});
    }
    qCInfo(lcGrid).noquote() << name_ << "agent disconnected:" << qs(s->node);
    s->ws->deleteLater();
    delete s;
}

void GridRuntime::onFrame(Session* s, const QString& text) {
    using namespace protocol;
    auto f = decode(text.toUtf8());
    if (!f || f->kind == FrameKind::Response) return;
    const QJsonObject payload = payloadOf(f->params);
    const QString m = f->method;
    qCDebug(lcGrid).noquote() << name_ << qs(s->node) << "frame" << m;
    QJsonValue result = true;
    std::optional<RpcError> error;
    if (m == QLatin1String(method::kNodesUpdate)) {
        const NodeUpdate u = nodeUpdateFromJson(payload);
        if (!s->announced) {
            ev::NodeConnect e;
            e.node = s->node;
            e.connectedAt = s->connectedAt;
            for (const auto& l : (u.labels.isEmpty() ? s->hs.labels : u.labels)) e.labels.push_back(ss(l));
            e.cpus = u.cpus > 0 ? u.cpus : 1;
            e.memory = u.memTotal;
            e.volumeDrivers.clear();
            for (const auto& d : u.volumeDrivers) e.volumeDrivers.push_back(ss(d));
            if (e.volumeDrivers.empty()) e.volumeDrivers.push_back("local");
            const ApplyResult r = deliver(e);
            if (r.refused) {
                qCWarning(lcGrid).noquote() << name_ << "connection of" << qs(s->node) << "refused:" << qs(r.refused->message);
                s->closing = true;
                s->ws->close(QWebSocketProtocol::CloseCode(int(CloseCode::ReconnectedElsewhere)), qs(r.refused->message));
                return;
            }
            s->announced = true;
            deliver(ev::EtcdMember{s->node, true});
            // An agent does not repeat a report: the ones that came before
            // /nodes/update count now.
            for (const auto& r : std::exchange(s->early, {})) deliver(r);
            if (const Node* n = state().node(s->node)) {
                NodeInfo info;
                info.nodeId = s->hs.nodeId;
                info.name = qs(n->name);
                info.grid = name_;
                info.nodeNumber = n->number;
                info.initialMember = n->isInitial(state().grid.initialSize);
                for (const auto& l : n->labels) info.labels.append(qs(l));
                send(s, encode(Frame::notification(QString::fromLatin1(method::kNodeInfo), params(toJson(info)))));
            }
            save();
        }
    } else if (m == QLatin1String(method::kPodsList)) {
        PodList list;
        for (const auto& [key, inst] : state().instances) {
            if (!inst.node || *inst.node != s->node || inst.desired == DesiredState::Initialized) continue;
            const Service* svc = state().service(key.service);
            if (!svc) continue;
            list.pods.append(PodSpec{svc->spec, inst.number, inst.desired, inst.deployRev, svc->revision});
        }
        list.etcdQuorum = state().quorum;   // the agent step's ipamAvailable, as the simulated node reads it
        result = toJson(list);
        qCDebug(lcGrid).noquote() << name_ << qs(s->node) << "pods:" << list.pods.size();
    } else if (m == QLatin1String(method::kPodsSetState)) {
        const PodState p = podStateFromJson(payload);
        const ev::InstanceReport report{s->node, ss(p.serviceId), p.instanceNumber, p.rev, p.serviceRevision, p.state, ss(p.error)};
        qCDebug(lcGrid).noquote() << name_ << qs(s->node) << "report" << p.serviceId << p.instanceNumber << "rev" << p.rev << toWire(p.state);
        if (s->announced) deliver(report);
        else if (s->early.size() < 10000) s->early.push_back(report);
    } else if (m == QLatin1String(method::kContainersLogBatch)) {
        for (const auto& e : logBatchFromJson(payload).entries) {
            QJsonObject o{{QStringLiteral("id"), QString::number(nextLogId_++)},
                          {QStringLiteral("created_at"), e.at.toUTC().toString(Qt::ISODateWithMs)},
                          {QStringLiteral("node"), qs(s->node)},
                          {QStringLiteral("name"), e.name},
                          {QStringLiteral("type"), e.stream},
                          {QStringLiteral("data"), e.data}};
            containerLogs_.push_back(o);
        }
        while (containerLogs_.size() > kContainerLogMax) containerLogs_.pop_front();
    } else if (m == QLatin1String(method::kContainersHealth)) {
        const ContainerHealth h = containerHealthFromJson(payload);
        for (const auto& [key, inst] : state().instances) {
            const Service* svc = state().service(key.service);
            if (!svc || !inst.node || *inst.node != s->node || qs(containerName(svc->spec, inst.number)) != h.name) continue;
            deliver(ev::InstanceHealth{s->node, key.service, key.number,
                                       h.status == HealthStatus::Healthy ? Health::Healthy : Health::Unhealthy});
            break;
        }
    } else if (m == QLatin1String(method::kNodesStats) || m == QLatin1String(method::kContainersStat) ||
               m == QLatin1String(method::kContainersEvent) || m == QLatin1String(method::kPodsEvent)) {
        // accepted; statistics are not kept yet
    } else {
        error = notImplemented();
    }
    if (f->kind == FrameKind::Request) send(s, encode(error ? Frame::failure(f->id, *error) : Frame::response(f->id, result)));
}

// ------------------------------------------------------------ stacks

ApplyResult GridRuntime::applyStack(const QString& stack, const QString& source, const QJsonObject& variables, bool deploy,
                                    QString* diagnostics) {
    stacks::LoadOptions opt;
    opt.name = ss(stack);
    opt.grid = ss(name_);
    for (auto it = variables.begin(); it != variables.end(); ++it) {
        const QJsonValue v = it.value();
        stacks::Value value;
        if (v.isBool()) value = stacks::Value::boolean(v.toBool());
        else if (v.isDouble() && v.toDouble() == std::floor(v.toDouble())) value = stacks::Value::integer(static_cast<std::int64_t>(v.toDouble()));
        else if (v.isDouble()) value = stacks::Value::number(v.toDouble());
        else if (v.isString()) value = stacks::Value::string(ss(v.toString()));
        else continue;
        opt.values[ss(it.key())] = value;
    }
    stacks::MapEnvironment env;
    opt.environment = &env;
    const stacks::LoadResult loaded = stacks::loadStackText(ss(source), ss(stack) + ".yml", opt);
    if (!loaded.ok()) {
        *diagnostics = qs(loaded.diagnostics.format());
        return ApplyResult{Refusal{RefusalKind::Invalid, "the stack file does not validate"}, {}};
    }
    ApplyResult last;
    std::function<bool(const stacks::Stack&, bool, const QString&)> put = [&](const stacks::Stack& s, bool dep, const QString& parent) {
        ev::StackApply e;
        e.stack = s.name;
        e.deploy = dep;
        for (const auto& child : s.dependencies) {
            if (!put(child, false, qs(s.name))) return false;
            e.dependsOn.push_back(child.name);
        }
        for (const auto& svc : s.services) {
            ServiceSpec spec = svc.spec;
            spec.stack = s.name;
            e.services.push_back(spec);
        }
        last = deliver(e);
        if (last.refused) return false;
        QJsonObject doc = stackDocs_.value(qs(s.name));
        if (!doc.contains(QStringLiteral("created_at"))) doc[QStringLiteral("created_at")] = static_cast<double>(now().ms);
        doc[QStringLiteral("updated_at")] = static_cast<double>(now().ms);
        doc[QStringLiteral("source")] = qs(s.name) == stack ? source : QString();
        doc[QStringLiteral("parent")] = parent;
        doc[QStringLiteral("stack")] = qs(s.stack);
        doc[QStringLiteral("version")] = qs(s.version);
        doc[QStringLiteral("variables")] = variables;
        stackDocs_.insert(qs(s.name), doc);
        return true;
    };
    put(*loaded.stack, deploy, QString());
    save();
    return last;
}

std::optional<QString> GridRuntime::stackSource(const QString& stack) const {
    auto it = stackDocs_.find(stack);
    if (it == stackDocs_.end()) return std::nullopt;
    return it->value(QStringLiteral("source")).toString();
}

QString GridRuntime::stackParent(const QString& stack) const { return stackDocs_.value(stack).value(QStringLiteral("parent")).toString(); }

qint64 GridRuntime::stackCreatedAt(const QString& stack) const {
    return static_cast<qint64>(stackDocs_.value(stack).value(QStringLiteral("created_at")).toDouble());
}

// ------------------------------------------------------------ read models

QJsonObject GridRuntime::settingsJson(const GridSettings& s) {
    auto sec = [](Duration d) { return static_cast<double>(d.ms) / 1000.0; };
    return QJsonObject{{QStringLiteral("online_grace"), sec(s.onlineGrace)},
                       {QStringLiteral("offline_grace"), QJsonObject{{QStringLiteral("daemon"), sec(s.offlineGraceDaemon)},
                                                                     {QStringLiteral("ha"), sec(s.offlineGraceHa)},
                                                                     {QStringLiteral("random"), sec(s.offlineGraceRandom)}}},
                       {QStringLiteral("keepalive_interval"), sec(s.pingInterval)},
                       {QStringLiteral("keepalive_timeout"), sec(s.pingTimeout)}};
}

QJsonObject GridRuntime::gridJson() const {
    const ClusterState& st = state();
    int members = 0, reachable = 0;
    for (const auto& [n, node] : st.nodes) {
        if (!node.isInitial(st.grid.initialSize)) continue;
        ++members;
        reachable += node.connected && node.etcdHealthy ? 1 : 0;
    }
    int containers = 0;
    for (const auto& [k, i] : st.instances) containers += i.observed == ObservedState::Running ? 1 : 0;
    QJsonObject o{{QStringLiteral("id"), name_},
                  {QStringLiteral("name"), name_},
                  {QStringLiteral("initial_size"), st.grid.initialSize},
                  {QStringLiteral("max_nodes"), st.grid.maxNodes},
                  {QStringLiteral("node_count"), static_cast<int>(st.nodes.size())},
                  {QStringLiteral("service_count"), static_cast<int>(st.services.size())},
                  {QStringLiteral("container_count"), containers},
                  {QStringLiteral("default_affinity"), strings(st.grid.defaultAffinity)},
                  {QStringLiteral("etcd"), QJsonObject{{QStringLiteral("members"), st.grid.initialSize},
                                                       {QStringLiteral("reachable"), reachable},
                                                       {QStringLiteral("quorum"), st.quorum},
                                                       {QStringLiteral("summary"), qs(quorumSummary(st))}}},
                  {QStringLiteral("settings"), settingsJson(st.grid.settings)},
                  {QStringLiteral("created_at"), timeJson(Instant(createdAt_))}};
    Q_UNUSED(members);
    return o;
}

QJsonObject GridRuntime::nodeJson(const Node& n) const {
    QString agentVersion;
    for (const Session* s : sessions_) {
        if (s->node == n.name) agentVersion = s->hs.version;
    }
    const std::optional<Instant> since = n.connected ? n.connectedAt : n.disconnectedAt;
    return QJsonObject{{QStringLiteral("id"), qs(n.nodeId)},
                       {QStringLiteral("name"), qs(n.name)},
                       {QStringLiteral("grid"), name_},
                       {QStringLiteral("node_number"), n.number},
                       {QStringLiteral("initial_member"), n.isInitial(state().grid.initialSize)},
                       {QStringLiteral("status"), qs(toString(n.status()))},
                       {QStringLiteral("connected"), n.connected},
                       {QStringLiteral("availability"), qs(toString(n.availability))},
                       {QStringLiteral("labels"), strings(n.labels)},
                       {QStringLiteral("agent_version"), agentVersion},
                       {QStringLiteral("connected_at"), timeJson(n.connectedAt)},
                       {QStringLiteral("last_seen_at"), timeJson(n.lastSeen)},
                       {QStringLiteral("status_since"), timeJson(since)},
                       {QStringLiteral("cpus"), n.cpus},
                       {QStringLiteral("mem_total"), static_cast<double>(n.memory)},
                       {QStringLiteral("etcd_healthy"), n.etcdHealthy}};
}

QJsonObject GridRuntime::serviceJson(const Service& s) const {
    bool deploying = false;
    for (const auto& [id, d] : state().deploys) {
        if (d.service == s.spec.key() && (d.state == DeployState::Pending || d.state == DeployState::Ongoing)) deploying = true;
    }
    int total = 0, running = 0, healthy = 0, checked = 0;
    for (auto it = state().instances.lower_bound(InstanceKey{s.spec.key(), 0});
         it != state().instances.end() && it->first.service == s.spec.key(); ++it) {
        ++total;
        running += it->second.observed == ObservedState::Running ? 1 : 0;
        if (it->second.health != Health::Unknown) ++checked;
        healthy += it->second.health == Health::Healthy ? 1 : 0;
    }
    QJsonArray ports;
    for (const auto& p : s.spec.ports) {
        ports.append(QJsonObject{{QStringLiteral("ip"), qs(p.ip)},
                                 {QStringLiteral("node_port"), p.nodePort},
                                 {QStringLiteral("container_port"), p.containerPort},
                                 {QStringLiteral("protocol"), qs(p.protocol)}});
    }
    QJsonObject o{{QStringLiteral("id"), QString(name_ + QLatin1Char('/') + qs(s.spec.key()))},
                  {QStringLiteral("name"), qs(s.spec.name)},
                  {QStringLiteral("stack"), qs(s.spec.stack)},
                  {QStringLiteral("image"), qs(s.spec.image)},
                  {QStringLiteral("strategy"), qs(toString(s.spec.strategy))},
                  {QStringLiteral("stateful"), s.spec.stateful},
                  {QStringLiteral("instances"), s.spec.instances},
                  {QStringLiteral("state"), serviceStateText(s, deploying)},
                  {QStringLiteral("instance_counts"), QJsonObject{{QStringLiteral("total"), total}, {QStringLiteral("running"), running}}},
                  {QStringLiteral("health_status"), s.spec.healthCheck ? QJsonValue(QJsonObject{{QStringLiteral("healthy"), healthy},
                                                                                                 {QStringLiteral("total"), checked}})
                                                                       : QJsonValue()},
                  {QStringLiteral("ports"), ports},
                  {QStringLiteral("affinity"), strings(s.spec.affinity)},
                  {QStringLiteral("revision"), s.revision},
                  {QStringLiteral("deploy_opts"), QJsonObject{{QStringLiteral("min_health"), s.spec.deploy.minHealth}}},
                  {QStringLiteral("updated_at"), timeJson(s.updatedAt)}};
    return o;
}

QJsonObject GridRuntime::stackJson(const QString& stack) const {
    const auto it = state().stacks.find(ss(stack));
    const QJsonObject doc = stackDocs_.value(stack);
    QJsonArray services;
    int running = 0, stopped = 0, initialized = 0, deploying = 0, count = 0;
    if (it != state().stacks.end()) {
        for (const auto& key : it->second.services) {
            const Service* s = state().service(key);
            if (!s) continue;
            const QJsonObject sj = serviceJson(*s);
            services.append(sj);
            ++count;
            const QString st = sj.value(QStringLiteral("state")).toString();
            running += st == QLatin1String("running");
            stopped += st == QLatin1String("stopped");
            initialized += st == QLatin1String("initialized");
            deploying += st == QLatin1String("deploying");
        }
    }
    QString st = QStringLiteral("partially_running");
    if (deploying) st = QStringLiteral("deploying");
    else if (count == 0 || initialized == count) st = QStringLiteral("initialized");
    else if (stopped == count) st = QStringLiteral("stopped");
    else if (running == count) st = QStringLiteral("running");
    QJsonArray children;
    for (auto d = stackDocs_.begin(); d != stackDocs_.end(); ++d) {
        if (d->value(QStringLiteral("parent")).toString() == stack) children.append(d.key());
    }
    const QString parent = doc.value(QStringLiteral("parent")).toString();
    return QJsonObject{{QStringLiteral("id"), QString(name_ + QLatin1Char('/') + stack)},
                       {QStringLiteral("name"), stack},
                       {QStringLiteral("stack"), doc.value(QStringLiteral("stack"))},
                       {QStringLiteral("version"), doc.value(QStringLiteral("version"))},
                       {QStringLiteral("revision"), it != state().stacks.end() ? it->second.revision : 0},
                       {QStringLiteral("state"), st},
                       {QStringLiteral("parent"), parent.isEmpty() ? QJsonValue() : QJsonValue(parent)},
                       {QStringLiteral("children"), children},
                       {QStringLiteral("variables"), doc.value(QStringLiteral("variables"))},
                       {QStringLiteral("source"), doc.value(QStringLiteral("source"))},
                       {QStringLiteral("services"), services},
                       {QStringLiteral("created_at"), timeJson(Instant(static_cast<std::int64_t>(doc.value(QStringLiteral("created_at")).toDouble())))},
                       {QStringLiteral("updated_at"), timeJson(Instant(static_cast<std::int64_t>(doc.value(QStringLiteral("updated_at")).toDouble())))}};
}

QJsonArray GridRuntime::instancesJson(const QString& serviceKey) const {
    QJsonArray out;
    const std::string key = ss(serviceKey);
    for (auto it = state().instances.lower_bound(InstanceKey{key, 0}); it != state().instances.end() && it->first.service == key; ++it) {
        const Instance& i = it->second;
        out.append(QJsonObject{{QStringLiteral("instance_number"), i.number},
                               {QStringLiteral("node"), i.node ? QJsonValue(qs(*i.node)) : QJsonValue()},
                               {QStringLiteral("desired"), i.desired == DesiredState::Running ? QStringLiteral("running")
                                                          : i.desired == DesiredState::Stopped ? QStringLiteral("stopped")
                                                                                               : QStringLiteral("initialized")},
                               {QStringLiteral("state"), i.desired == DesiredState::Initialized ? QStringLiteral("pending") : observedText(i.observed)},
                               {QStringLiteral("rev"), static_cast<double>(i.deployRev)},
                               {QStringLiteral("health"), i.health == Health::Unknown ? QJsonValue()
                                                          : QJsonValue(i.health == Health::Healthy ? QStringLiteral("healthy") : QStringLiteral("unhealthy"))},
                               {QStringLiteral("error"), qs(i.error)},
                               {QStringLiteral("name"), [&] {
                                    const Service* s = state().service(key);
                                    return s ? qs(containerName(s->spec, i.number)) : QString();
                                }()}});
    }
    return out;
}

QJsonObject GridRuntime::deployJson(const ServiceDeploy& d) const {
    QJsonArray instances;
    for (const auto& [n, node] : d.placed) instances.append(QJsonObject{{QStringLiteral("instance_number"), n}, {QStringLiteral("node"), qs(node)}});
    return QJsonObject{{QStringLiteral("id"), QString::number(d.id)},
                       {QStringLiteral("service_id"), QString(name_ + QLatin1Char('/') + qs(d.service))},
                       {QStringLiteral("state"), deployStateText(d.state)},
                       {QStringLiteral("reason"), qs(d.reason)},
                       {QStringLiteral("error"), qs(d.error)},
                       {QStringLiteral("instance_count"), d.instanceCount},
                       {QStringLiteral("created_at"), timeJson(d.createdAt)},
                       {QStringLiteral("started_at"), timeJson(d.startedAt)},
                       {QStringLiteral("finished_at"), timeJson(d.finishedAt)},
                       {QStringLiteral("instance_deploys"), instances}};
}

QJsonObject GridRuntime::volumeJson(const Volume& v) const {
    QJsonObject opts;
    for (const auto& [k, val] : v.driverOpts) opts.insert(qs(k), qs(val));
    QJsonArray users;
    for (const auto& [key, svc] : state().services) {
        for (const auto& m : svc.spec.volumes) {
            if (m.kind == VolumeKind::Named && m.source == v.name) users.append(qs(key));
        }
    }
    return QJsonObject{{QStringLiteral("id"), QString(name_ + QLatin1Char('/') + qs(v.name))},
                       {QStringLiteral("name"), qs(v.name)},
                       {QStringLiteral("scope"), qs(toString(v.scope))},
                       {QStringLiteral("driver"), qs(v.driver)},
                       {QStringLiteral("driver_opts"), opts},
                       {QStringLiteral("services"), users},
                       {QStringLiteral("created_at"), volumeCreated_.value(qs(v.name))}};
}

QJsonArray GridRuntime::eventLogs(int limit) const {
    QJsonArray out;
    const std::size_t n = std::min<std::size_t>(static_cast<std::size_t>(std::max(limit, 0)), log_.size());
    for (std::size_t i = log_.size() - n; i < log_.size(); ++i) {
        const LogEntry& l = log_[i];
        out.append(QJsonObject{{QStringLiteral("created_at"), timeJson(l.at)},
                               {QStringLiteral("type"), qs(l.kind)},
                               {QStringLiteral("subject"), qs(l.subject)},
                               {QStringLiteral("msg"), qs(l.detail)}});
    }
    return out;
}

QJsonArray GridRuntime::containerLogs(const QString& serviceKey, int limit) const {
    QStringList names;
    if (!serviceKey.isEmpty()) {
        const std::string key = ss(serviceKey);
        const Service* s = state().service(key);
        if (!s) return {};
        for (int n = 1; n <= std::max(s->spec.instances, 1) + 32; ++n) names.append(qs(containerName(s->spec, n)));
    }
    QJsonArray out;
    for (auto it = containerLogs_.rbegin(); it != containerLogs_.rend() && out.size() < limit; ++it) {
        if (!names.isEmpty() && !names.contains(it->value(QStringLiteral("name")).toString())) continue;
        out.prepend(*it);
    }
    return out;
}

void GridRuntime::setSettings(const QJsonObject& o) {
    ClusterState st = state();
    applySettings(st.grid.settings, o);
    if (o.contains(QStringLiteral("default_affinity"))) st.grid.defaultAffinity = stringsFrom(o.value(QStringLiteral("default_affinity")));
    // Settings are configuration, not events: the controller restarts on
    // the same state with the new grid settings.
    ctl_ = std::make_unique<Controller>(std::move(st), rngState_);
    save();
}

// ------------------------------------------------------------ persistence

QJsonObject GridRuntime::snapshot() const {
    const ClusterState& st = state();
    QJsonArray nodes, services, stacks, instances;
    for (const auto& [name, n] : st.nodes) {
        nodes.append(QJsonObject{{QStringLiteral("name"), qs(n.name)},
                                 {QStringLiteral("node_id"), qs(n.nodeId)},
                                 {QStringLiteral("number"), n.number},
                                 {QStringLiteral("labels"), strings(n.labels)},
                                 {QStringLiteral("availability"), qs(toString(n.availability))},
                                 {QStringLiteral("cpus"), n.cpus},
                                 {QStringLiteral("memory"), static_cast<double>(n.memory)}});
    }
    for (const auto& [key, s] : st.services) {
        // The pod spec carries what agents need; the scheduling fields are kept beside it.
        QJsonArray links;
        for (const auto& l : s.spec.links) links.append(QJsonArray{qs(l.stack), qs(l.service), qs(l.alias)});
        const QJsonObject sched{{QStringLiteral("instances"), s.spec.instances},
                                {QStringLiteral("strategy"), qs(toString(s.spec.strategy))},
                                {QStringLiteral("affinity"), strings(s.spec.affinity)},
                                {QStringLiteral("links"), links},
                                {QStringLiteral("min_health"), s.spec.deploy.minHealth},
                                {QStringLiteral("interval_ms"), s.spec.deploy.interval ? QJsonValue(static_cast<double>(s.spec.deploy.interval->ms)) : QJsonValue()}};
        services.append(QJsonObject{{QStringLiteral("spec"), protocol::toJson(s.spec)},
                                    {QStringLiteral("sched"), sched},
                                    {QStringLiteral("state"), static_cast<int>(s.state)},
                                    {QStringLiteral("revision"), s.revision},
                                    {QStringLiteral("deployed_at"), msJson(s.deployedAt)},
                                    {QStringLiteral("updated_at"), msJson(s.updatedAt)}});
    }
    for (const auto& [name, s] : st.stacks) {
        stacks.append(QJsonObject{{QStringLiteral("name"), qs(s.name)},
                                  {QStringLiteral("services"), strings(s.services)},
                                  {QStringLiteral("depends_on"), strings(s.dependsOn)},
                                  {QStringLiteral("revision"), s.revision}});
    }
    for (const auto& [key, i] : st.instances) {
        instances.append(QJsonObject{{QStringLiteral("service"), qs(i.service)},
                                     {QStringLiteral("number"), i.number},
                                     {QStringLiteral("node"), i.node ? QJsonValue(qs(*i.node)) : QJsonValue()},
                                     {QStringLiteral("desired"), static_cast<int>(i.desired)},
                                     {QStringLiteral("deploy_rev"), static_cast<double>(i.deployRev)},
                                     {QStringLiteral("service_revision"), i.serviceRevision},
                                     {QStringLiteral("observed"), static_cast<int>(i.observed)},
                                     {QStringLiteral("reported_rev"), i.reportedRev ? QJsonValue(static_cast<double>(*i.reportedRev)) : QJsonValue()}});
    }
    QJsonObject docs;
    for (auto it = stackDocs_.begin(); it != stackDocs_.end(); ++it) docs.insert(it.key(), *it);
    QJsonArray volumes;
    for (const auto& [name, v] : st.volumes) volumes.append(volumeJson(v));
    return QJsonObject{{QStringLiteral("name"), name_},
                       {QStringLiteral("token"), token_},
                       {QStringLiteral("created_at"), static_cast<double>(createdAt_)},
                       {QStringLiteral("initial_size"), st.grid.initialSize},
                       {QStringLiteral("max_nodes"), st.grid.maxNodes},
                       {QStringLiteral("default_affinity"), strings(st.grid.defaultAffinity)},
                       {QStringLiteral("settings"), settingsJson(st.grid.settings)},
                       {QStringLiteral("stack_docs"), docs},
                       {QStringLiteral("state"), QJsonObject{{QStringLiteral("nodes"), nodes},
                                                             {QStringLiteral("services"), services},
                                                             {QStringLiteral("stacks"), stacks},
                                                             {QStringLiteral("instances"), instances},
                                                             {QStringLiteral("volumes"), volumes},
                                                             {QStringLiteral("next_deploy_id"), static_cast<double>(st.nextDeployId)},
                                                             {QStringLiteral("next_rev"), static_cast<double>(st.nextRev)}}}};
}

void GridRuntime::restore(const QJsonObject& doc) {
    ClusterState st;
    st.grid.name = ss(name_);
    st.grid.initialSize = std::clamp(doc.value(QStringLiteral("initial_size")).toInt(1), 1, 7);
    st.grid.maxNodes = std::clamp(doc.value(QStringLiteral("max_nodes")).toInt(254), 1, Grid::kMaxNodesLimit);
    st.grid.defaultAffinity = stringsFrom(doc.value(QStringLiteral("default_affinity")));
    applySettings(st.grid.settings, doc.value(QStringLiteral("settings")).toObject());
    const QJsonObject docs = doc.value(QStringLiteral("stack_docs")).toObject();
    for (auto it = docs.begin(); it != docs.end(); ++it) stackDocs_.insert(it.key(), it.value().toObject());
    const QJsonObject saved = doc.value(QStringLiteral("state")).toObject();
    const Instant t = now();
    for (const auto& v : saved.value(QStringLiteral("nodes")).toArray()) {
        const QJsonObject o = v.toObject();
        Node n;
        n.name = ss(o.value(QStringLiteral("name")).toString());
        n.nodeId = ss(o.value(QStringLiteral("node_id")).toString());
        n.number = o.value(QStringLiteral("number")).toInt();
        n.labels = stringsFrom(o.value(QStringLiteral("labels")));
        n.availability = o.value(QStringLiteral("availability")).toString() == QLatin1String("drain") ? Availability::Drain : Availability::Active;
        n.cpus = o.value(QStringLiteral("cpus")).toInt();
        n.memory = static_cast<std::int64_t>(o.value(QStringLiteral("memory")).toDouble());
        // The master was down: every node counts as seen now and offline
        // until its agent reconnects, so grace periods start from here.
        n.connected = false;
        n.everConnected = true;
        n.lastSeen = t;
        n.disconnectedAt = t;
        n.etcdHealthy = false;
        st.nodes.emplace(n.name, n);
    }
    for (const auto& v : saved.value(QStringLiteral("services")).toArray()) {
        const QJsonObject o = v.toObject();
        Service s;
        s.spec = protocol::serviceSpecFromJson(o.value(QStringLiteral("spec")).toObject());
        const QJsonObject sched = o.value(QStringLiteral("sched")).toObject();
        s.spec.instances = sched.value(QStringLiteral("instances")).toInt(s.spec.instances);
        if (auto st = parseStrategy(ss(sched.value(QStringLiteral("strategy")).toString()))) s.spec.strategy = *st;
        s.spec.affinity = stringsFrom(sched.value(QStringLiteral("affinity")));
        s.spec.links.clear();
        for (const auto& l : sched.value(QStringLiteral("links")).toArray()) {
            const QJsonArray a = l.toArray();
            s.spec.links.push_back(Link{ss(a.at(0).toString()), ss(a.at(1).toString()), ss(a.at(2).toString())});
        }
        s.spec.deploy.minHealth = sched.value(QStringLiteral("min_health")).toDouble(s.spec.deploy.minHealth);
        if (sched.value(QStringLiteral("interval_ms")).isDouble()) {
            s.spec.deploy.interval = Duration::millis(static_cast<std::int64_t>(sched.value(QStringLiteral("interval_ms")).toDouble()));
        }
        s.state = static_cast<ServiceState>(o.value(QStringLiteral("state")).toInt());
        s.revision = o.value(QStringLiteral("revision")).toInt(1);
        s.deployedAt = timeFrom(o.value(QStringLiteral("deployed_at")));
        s.updatedAt = timeFrom(o.value(QStringLiteral("updated_at")));
        st.services.emplace(s.spec.key(), s);
    }
    for (const auto& v : saved.value(QStringLiteral("stacks")).toArray()) {
        const QJsonObject o = v.toObject();
        Stack s;
        s.name = ss(o.value(QStringLiteral("name")).toString());
        s.services = stringsFrom(o.value(QStringLiteral("services")));
        s.dependsOn = stringsFrom(o.value(QStringLiteral("depends_on")));
        s.revision = o.value(QStringLiteral("revision")).toInt();
        st.stacks.emplace(s.name, s);
    }
    for (const auto& v : saved.value(QStringLiteral("instances")).toArray()) {
        const QJsonObject o = v.toObject();
        Instance i;
        i.service = ss(o.value(QStringLiteral("service")).toString());
        i.number = o.value(QStringLiteral("number")).toInt();
        if (o.value(QStringLiteral("node")).isString()) i.node = ss(o.value(QStringLiteral("node")).toString());
        i.desired = static_cast<DesiredState>(o.value(QStringLiteral("desired")).toInt());
        i.deployRev = static_cast<std::int64_t>(o.value(QStringLiteral("deploy_rev")).toDouble());
        i.serviceRevision = o.value(QStringLiteral("service_revision")).toInt();
        // The agents' last reports: an agent does not repeat a report, so
        // what it said before the restart still holds until it says otherwise.
        i.observed = static_cast<ObservedState>(o.value(QStringLiteral("observed")).toInt());
        if (o.value(QStringLiteral("reported_rev")).isDouble()) i.reportedRev = static_cast<std::int64_t>(o.value(QStringLiteral("reported_rev")).toDouble());
        st.instances.emplace(i.key(), i);
    }
    for (const auto& v : saved.value(QStringLiteral("volumes")).toArray()) {
        const QJsonObject o = v.toObject();
        Volume vol;
        vol.name = ss(o.value(QStringLiteral("name")).toString());
        const QString scope = o.value(QStringLiteral("scope")).toString();
        vol.scope = scope == QLatin1String("grid") ? VolumeScope::Grid : scope == QLatin1String("stack") ? VolumeScope::Stack : VolumeScope::Instance;
        vol.driver = ss(o.value(QStringLiteral("driver")).toString(QStringLiteral("local")));
        const QJsonObject opts = o.value(QStringLiteral("driver_opts")).toObject();
        for (auto it = opts.begin(); it != opts.end(); ++it) vol.driverOpts[ss(it.key())] = ss(it.value().toString());
        volumeCreated_.insert(qs(vol.name), o.value(QStringLiteral("created_at")));
        st.volumes.emplace(vol.name, vol);
    }
    st.nextDeployId = static_cast<std::int64_t>(saved.value(QStringLiteral("next_deploy_id")).toDouble(1));
    // Deploy revisions must only grow, also across a kill -9 that lost the
    // last ones (agents never report an older or the same revision twice):
    // they continue from the wall clock in milliseconds, like Kontena's.
    st.nextRev = std::max<std::int64_t>(static_cast<std::int64_t>(saved.value(QStringLiteral("next_rev")).toDouble(1)), t.ms);
    st.quorum = hasQuorum(st);
    ctl_ = std::make_unique<Controller>(std::move(st), rngState_);
}

bool GridRuntime::save() {
    saveTimer_.stop();
    dirty_ = false;
    return store_.put(QStringLiteral("grid"), name_, snapshot());
}

void GridRuntime::scheduleSave() {
    if (!saveTimer_.isActive()) saveTimer_.start();
}

}  // namespace kontena::master
