#include "agent/agent.h"

#include <QLoggingCategory>
#include <QNetworkInterface>
#include <QPointer>

#include "backends/docker/kontena_labels.h"

Q_LOGGING_CATEGORY(lcAgent, "kontena.agent")

namespace kontena::agentd {

using namespace kontena::protocol;

namespace {

GridSettings settingsFrom(const AgentTimers& t) { return t.timeScale == 1.0 ? GridSettings{} : scaledTimings(GridSettings{}, t.timeScale); }

QString privateAddress() {
    for (const QHostAddress& a : QNetworkInterface::allAddresses())
        if (a.protocol() == QAbstractSocket::IPv4Protocol && !a.isLoopback()) return a.toString();
    return QStringLiteral("127.0.0.1");
}

}  // namespace

Agent::Agent(AgentConfig config, std::shared_ptr<NodeRuntime> runtime, std::optional<docker::DockerClient> engine,
             QObject* parent)
    : QObject(parent), config_(config), engine_(std::move(engine)), conn_(config),
      lbRuntime_(engine_ ? std::make_shared<LbRuntime>(runtime, config.stateDir) : nullptr),
      supervisor_(lbRuntime_ ? std::shared_ptr<NodeRuntime>(lbRuntime_) : std::move(runtime), settingsFrom(config.timers)),
      health_(config.version) {
    infoWorker_.setMaxThreadCount(1);
    supervisor_.setReporter([this](const PodState& s) { return report(s); });
    supervisor_.setSecretSource([this](const PodSecretsRequest& r, PodSupervisor::SecretsDone done) {
        conn_.request(QString::fromLatin1(method::kPodsSecrets), params(toJson(r)),
                      [done = std::move(done)](const std::optional<RpcError>& error, const QJsonValue& result) {
                          if (error) done(error->message, {});
                          else done(QString(), podSecretsFromJson(result.toObject()));
                      });
    });
    if (engine_) wireEngine();
    if (config_.dns.enabled && !config_.dns.address.isEmpty()) {
        dns_ = std::make_unique<DnsSupervisor>(config_.grid, config_.dns, config_.dataDir + QStringLiteral("/dns"));
        dns_->follow(supervisor_, health_);
    }
    if (config_.etcd.enabled) etcd_ = std::make_unique<EtcdSupervisor>(config_.etcd, config_.dataDir + QStringLiteral("/etcd"));
    if (config_.overlay.enabled && engine_) overlay_ = std::make_unique<OverlayNetwork>(config_.overlay, config_.nodeName, *engine_);
    wireSupervisor();
    wireMaster();
    wireGridNetwork();
    if (lbRuntime_) wireLoadBalancers();
    connect(&nodeInfoTimer_, &QTimer::timeout, this, &Agent::sendNodeUpdate);
    connect(&pollTimer_, &QTimer::timeout, this, &Agent::fetchPods);
}

void Agent::wireEngine() {
    auto client = *engine_;
    supervisor_.setAddressLookup([client](const QString& name) mutable {
        auto info = client.inspectContainer(name);
        if (!info) return QString();
        const QString mode = info.value().raw.value(QStringLiteral("HostConfig")).toObject().value(QStringLiteral("NetworkMode")).toString();
        return mode == QLatin1String("host") ? QStringLiteral("127.0.0.1") : info.value().ipAddress;
    });
    streams_ = std::make_unique<ContainerStreams>(*engine_, config_.grid, config_.timers);
    connect(streams_.get(), &ContainerStreams::died, this, [this](const QString& service, int n, qint64 atMs) {
        supervisor_.containerDied(service.toStdString(), n, atMs);
    });
    connect(streams_.get(), &ContainerStreams::resynced, this, [this] { supervisor_.resync(); });
    connect(streams_.get(), &ContainerStreams::event, this,
            [this](const ContainerEvent& e) { conn_.notify(QString::fromLatin1(method::kContainersEvent), params(toJson(e))); });
    connect(streams_.get(), &ContainerStreams::logBatch, this,
            [this](const LogBatch& b) { conn_.notify(QString::fromLatin1(method::kContainersLogBatch), params(toJson(b))); });
    exec_ = std::make_unique<ExecRunner>(*engine_, [this](const QString& name) { return supervisor_.podFor(name).has_value(); });
    connect(exec_.get(), &ExecRunner::frame, this,
            [this](const QString& method, const ExecFrame& f) { conn_.notify(method, params(toJson(f))); });
    const auto onExec = [this](const char* method, std::function<void(const ExecFrame&)> act) {
        conn_.setHandler(QString::fromLatin1(method), [act = std::move(act)](const QJsonValue& p) {
            act(execFrameFromJson(payloadOf(p)));
            return QJsonValue(true);
        });
    };
    onExec(method::kExecStart, [this](const ExecFrame& f) { exec_->start(f); });
    onExec(method::kExecInput, [this](const ExecFrame& f) { exec_->input(f); });
    onExec(method::kExecResize, [this](const ExecFrame& f) { exec_->resize(f); });
    onExec(method::kExecTerminate, [this](const ExecFrame& f) { exec_->terminate(f.id); });
    connect(streams_.get(), &ContainerStreams::stat, this,
            [this](const ContainerStat& s) { conn_.notify(QString::fromLatin1(method::kContainersStat), params(toJson(s))); });
    nodeStats_ = std::make_unique<NodeStatsSampler>(config_.timers.statsInterval);
    connect(nodeStats_.get(), &NodeStatsSampler::sampled, this,
            [this](const NodeStatsReport& r) { conn_.notify(QString::fromLatin1(method::kNodesStats), params(toJson(r))); });
}

void Agent::wireSupervisor() {
    connect(&supervisor_, &PodSupervisor::containerRunning, this, [this](const QString& name, const QString& id, const QString& address) {
        const auto pod = supervisor_.podFor(name);
        if (lbs_) lbs_->containerRunning(name, pod ? QString::fromStdString(pod->spec.key()) : QString(), address);
        if (lbRuntime_ && lbRuntime_->isLoadBalancer(name.toStdString())) return;   // HAProxy: no container to follow or check
        if (streams_) streams_->follow(name, id);
        if (pod && pod->spec.healthCheck && !pod->spec.healthCheck->protocol.empty() && !address.isEmpty())
            health_.watch(name, id, *pod->spec.healthCheck, address);
    });
    connect(&supervisor_, &PodSupervisor::containerGone, this, [this](const QString& name) {
        if (lbs_) lbs_->containerGone(name);
        health_.unwatch(name);
        if (streams_) streams_->unfollow(name);
    });
    connect(&supervisor_, &PodSupervisor::runtimeError, this,
            [](const QString& m) { qCWarning(lcAgent).noquote() << m; });
    connect(&supervisor_, &PodSupervisor::podEvent, this,
            [this](const PodEvent& e) { conn_.notify(QString::fromLatin1(method::kPodsEvent), params(toJson(e))); });
    connect(&supervisor_, &PodSupervisor::oneshotHookDone, this, [this](const OneshotHookDone& d) {
        conn_.request(QString::fromLatin1(method::kPodsMarkOneshot), params(toJson(d)), [d](const std::optional<RpcError>& error, const QJsonValue&) {
            if (error) qCWarning(lcAgent).noquote() << "oneshot hook" << d.name << "of" << d.serviceId << "not recorded:" << error->message;
        });
    });
    connect(&health_, &HealthMonitor::result, this, [this](const ContainerHealth& h) {
        conn_.notify(QString::fromLatin1(method::kContainersHealth), params(toJson(h)));
        if (lbs_) lbs_->healthChecked(h.name, h.status == HealthStatus::Healthy);
        if (h.status == HealthStatus::Unhealthy) supervisor_.restartUnhealthy(h.name);
    });
}

void Agent::wireMaster() {
    connect(&conn_, &MasterConnection::connected, this, &Agent::onConnected);
    connect(&conn_, &MasterConnection::stopped, this, [this](int code, const QString& reason) {
        nodeInfoTimer_.stop();
        pollTimer_.stop();
        emit fatal(code, reason);
    });
    connect(&conn_, &MasterConnection::disconnected, this, [this](int, const QString&) {
        nodeInfoTimer_.stop();
        pollTimer_.stop();
        if (exec_) exec_->terminateAll();
    });
    conn_.setHandler(QString::fromLatin1(method::kMasterInfo), [this](const QJsonValue& p) {
        masterInfo_ = masterInfoFromJson(payloadOf(p));
        if (!versionCompatible(masterInfo_->version, config_.version))
            qCWarning(lcAgent).noquote() << "master version" << masterInfo_->version << "is not compatible with agent" << config_.version;
        return QJsonValue(true);
    });
    conn_.setHandler(QString::fromLatin1(method::kNodeInfo), [this](const QJsonValue& p) {
        const QJsonObject o = payloadOf(p);
        NodeInfo info = nodeInfoFromJson(o);
        // Without peers: the ones this agent has stay (new ones come in /agent/grid_peers).
        if (!o.contains(QLatin1String("peers")) && nodeInfo_) info = withPeers(std::move(info), nodeInfo_->peers);
        nodeInfo_ = std::move(info);
        if (!nodeInfo_->grid.isEmpty() && nodeInfo_->grid != config_.grid)
            qCWarning(lcAgent).noquote() << "master says grid" << nodeInfo_->grid << "but containers are labelled" << config_.grid;
        useNodeInfo();
        return QJsonValue(true);
    });
    // The grid's peers changed: the same node info with the new peers.
    conn_.setHandler(QString::fromLatin1(method::kGridPeers), [this](const QJsonValue& p) {
        if (!nodeInfo_) return QJsonValue(true);   // the node info (with its peers) comes first
        nodeInfo_ = withPeers(std::move(*nodeInfo_), applyPeers(nodeInfo_->peers, gridPeersFromJson(payloadOf(p))));
        useNodeInfo();
        return QJsonValue(true);
    });
    conn_.setHandler(QString::fromLatin1(method::kNotifyUpdate), [this](const QJsonValue&) {
        fetchPods();
        return QJsonValue(true);
    });
    conn_.setHandler(QString::fromLatin1(method::kRestartPod), [this](const QJsonValue& p) {
        const RestartPod r = restartPodFromJson(payloadOf(p));
        supervisor_.restartUnhealthy(supervisor_.containerNameOf({r.serviceId.toStdString(), r.instanceNumber}));
        return QJsonValue(true);
    });
}

// The node's etcd member and overlay follow its node info (peers included).
void Agent::useNodeInfo() {
    if (etcd_) etcd_->configure(*nodeInfo_);
    if (overlay_) overlay_->configure(*nodeInfo_, etcd_ ? etcd_->endpoints() : etcdClientUrls(config_.etcd, *nodeInfo_));
}

// Load balancers: their backends from the master, their events to it.
void Agent::wireLoadBalancers() {
    lbs_ = std::make_unique<LbSupervisor>(lbRuntime_, config_.nodeName);
    lbs_->setRemoteBackends(overlay_ != nullptr);   // other nodes' instances are reachable on the overlay
    lbs_->setSource([this](const LbBackendsRequest& r, LbSupervisor::Answer done) {
        if (!conn_.isConnected()) return;   // the LB keeps the backends it has
        conn_.request(QString::fromLatin1(method::kPodsLbBackends), params(toJson(r)),
                      [done = std::move(done)](const std::optional<RpcError>& error, const QJsonValue& result) {
                          if (error) done(error->message, {});
                          else done(QString(), lbBackendsFromJson(result.toObject()));
                      });
    });
    connect(lbs_.get(), &LbSupervisor::configRejected, this,
            [this](const PodEvent& e) { conn_.notify(QString::fromLatin1(method::kPodsEvent), params(toJson(e))); });
    connect(lbs_.get(), &LbSupervisor::loadBalancerExited, this, [this] { supervisor_.resync(); });
}

Agent::~Agent() {
    etcd_.reset();
    dns_.reset();
    exec_.reset();
    streams_.reset();
    infoWorker_.waitForDone();
}

void Agent::start() {
    if (QString error; dns_ && !dns_->start(&error)) qCWarning(lcAgent).noquote() << "no DNS server:" << error;
    supervisor_.rediscover();
    if (lbs_) lbs_->start();
    if (streams_) streams_->start();
    if (nodeStats_) nodeStats_->start();
    conn_.open();
}

void Agent::stop() {
    if (dns_) dns_->stop();
    if (etcd_) etcd_->stop();
    if (lbs_) lbs_->stop();
    nodeInfoTimer_.stop();
    pollTimer_.stop();
    conn_.close();
}

void Agent::onConnected() {
    sendNodeUpdate();
    sendEtcdHealth();
    fetchPods();
    nodeInfoTimer_.start(config_.timers.nodeInfoInterval);
    pollTimer_.start(config_.timers.podPollInterval);
}

void Agent::fetchPods() {
    if (fetching_) {
        fetchAgain_ = true;
        return;
    }
    fetching_ = true;
    conn_.request(QString::fromLatin1(method::kPodsList), QJsonArray{config_.nodeId},
                  [this](const std::optional<RpcError>& error, const QJsonValue& result) {
                      fetching_ = false;
                      if (error) {
                          qCWarning(lcAgent).noquote() << "cannot fetch pods:" << error->message;
                      } else {
                          QStringList problems;
                          const PodList list = podListFromJson(result.toObject(), &problems);
                          for (const QString& p : problems) qCWarning(lcAgent).noquote() << "ignoring a pod:" << p;
                          emit podsFetched(int(list.pods.size()));
                          supervisor_.sync(list.pods, list.etcdQuorum);
                      }
                      if (fetchAgain_) {
                          fetchAgain_ = false;
                          fetchPods();
                      }
                  });
}

void Agent::sendNodeUpdate() {
    NodeUpdate u;
    u.nodeId = config_.nodeId;
    u.name = config_.nodeName;
    u.labels = config_.labels;
    u.privateIp = config_.privateIp.isEmpty() ? privateAddress() : config_.privateIp;
    u.publicIp = u.privateIp;
    u.etcdReports = etcd_ != nullptr;
    if (!engine_) {
        conn_.request(QString::fromLatin1(method::kNodesUpdate), params(toJson(u)), [](auto&&, auto&&) {});
        return;
    }
    QPointer<Agent> self(this);
    auto client = *engine_;
    infoWorker_.start([self, client, u]() mutable {
        if (auto info = client.info()) {
            u.cpus = info.value().cpus;
            u.memTotal = info.value().memTotal;
            u.engineVersion = info.value().serverVersion;
            u.volumeDrivers = info.value().volumeDrivers;
        }
        if (!self) return;
        QMetaObject::invokeMethod(self.data(), [self, u] {
            if (self) self->conn_.request(QString::fromLatin1(method::kNodesUpdate), params(toJson(u)), [](auto&&, auto&&) {});
        }, Qt::QueuedConnection);
    });
}

bool Agent::report(const PodState& state) {
    if (!conn_.isConnected()) return false;
    conn_.request(QString::fromLatin1(method::kPodsSetState), params(toJson(state)),
                  [](const std::optional<RpcError>& error, const QJsonValue&) {
                      if (error) qCWarning(lcAgent).noquote() << "state report not acknowledged:" << error->message;
                  });
    return true;
}

}  // namespace kontena::agentd
