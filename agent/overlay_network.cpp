#include "agent/overlay_network.h"

#include <QLoggingCategory>
#include <QPointer>

#include <functional>

#include "backends/overlay/overlay_applier.h"
#include "scheduler/agent_step.h"

Q_LOGGING_CATEGORY(lcOverlay, "kontena.agent.overlay")

namespace kontena::agentd {

namespace {

constexpr char kNetwork[] = "kontena";
constexpr std::chrono::milliseconds kEtcdTimeout{2000};

RuntimeError unavailable(const etcd::EtcdError& e) {
    if (e.kind == etcd::ErrorKind::Unavailable) return RuntimeError{503, agent::ipamUnavailableMessage()};
    return RuntimeError{500, "cannot allocate an overlay IP address: " + e.message};
}

}  // namespace

OverlayNetwork::OverlayNetwork(OverlayOptions options, QString nodeName, docker::DockerClient engine, QObject* parent)
    : QObject(parent), options_(std::move(options)), node_(std::move(nodeName)), engine_(std::move(engine)) {
    worker_.setMaxThreadCount(1);
    pool_ = etcd::defaultPool(*parseCidr(kDefaultGridSubnet));
}

OverlayNetwork::~OverlayNetwork() { worker_.waitForDone(); }

void OverlayNetwork::attach(docker::DockerRuntime& runtime) {
    docker::DockerRuntime::GridAddresses g;
    g.network = QString::fromLatin1(kNetwork);
    g.prefix = pool_.subnet.prefix;
    g.allocate = [this](const std::string& container) { return allocate(container); };
    g.release = [this](const std::string& container) { release(container); };
    runtime.setGridAddresses(std::move(g));
}

void OverlayNetwork::configure(const protocol::NodeInfo& info, std::vector<std::string> etcdEndpoints) {
    {
        std::lock_guard lock(mutex_);
        if (etcdEndpoints != endpoints_) {
            endpoints_ = etcdEndpoints;
            etcd_ = std::make_shared<etcd::EtcdClient>(endpoints_, kEtcdTimeout);
        }
        if (!info.gridSubnet.isEmpty()) {
            if (const auto subnet = parseCidr(info.gridSubnet.toStdString()); subnet && subnet->base != pool_.subnet.base) {
                pool_ = etcd::defaultPool(*subnet);
                poolReserved_ = false;
            }
        }
    }
    QPointer<OverlayNetwork> self(this);
    worker_.start([self, info] {
        if (!self) return;
        const QString error = self->apply(info);
        QMetaObject::invokeMethod(self.data(), [self, error] {
            if (!self) return;
            if (error != self->lastError_ && !error.isEmpty()) qCWarning(lcOverlay).noquote() << "overlay:" << error;
            self->lastError_ = error;
            self->ready_ = error.isEmpty();
            emit self->applied(error);
        }, Qt::QueuedConnection);
    });
}

// On the worker: the Docker network (its bridge holds the node's overlay
// address), the VXLAN device on it, the peers' flood entries.
QString OverlayNetwork::apply(const protocol::NodeInfo& info) {
    overlay::OverlayConfig c;
    if (!info.gridSubnet.isEmpty()) c.gridSubnet = info.gridSubnet.toStdString();
    const std::string self = overlay::overlayAddress(c, info.nodeNumber);
    if (self.empty()) return QStringLiteral("node number %1 has no overlay address").arg(info.nodeNumber);
    QString underlay;
    std::set<std::string> peers;
    for (const protocol::GridPeer& p : info.peers) {
        if (p.number == info.nodeNumber) underlay = p.underlay;
        else if (!p.underlay.isEmpty()) peers.insert(p.underlay.toStdString());
    }
    if (underlay.isEmpty()) return QStringLiteral("the master knows no address of this node yet");
    if (!engine_.inspectNetwork(QString::fromLatin1(kNetwork))) {
        docker::NetworkSpec spec;
        spec.name = QString::fromLatin1(kNetwork);
        spec.subnet = QString::fromStdString(c.gridSubnet);
        spec.gateway = QString::fromStdString(self.substr(0, self.find('/')));
        spec.options.insert(QStringLiteral("com.docker.network.bridge.name"), QString::fromStdString(c.bridge));
        spec.options.insert(QStringLiteral("com.docker.network.driver.mtu"), QString::number(c.mtu));
        spec.labels.insert(QStringLiteral("io.kontena.grid.overlay"), QStringLiteral("true"));
        if (auto made = engine_.createNetwork(spec); !made) return QStringLiteral("cannot create the Docker network kontena: ") + made.error().message;
    }
    const overlay::OverlayApplier applier(c, options_.netns.toStdString());
    if (auto vx = applier.ensureVxlan(overlay::NodeAddress{info.nodeNumber, underlay.toStdString()}); !vx)
        return QString::fromStdString(vx.error().message);
    auto synced = applier.syncPeers(peers);
    if (!synced) return QString::fromStdString(synced.error().message);
    if (synced.value() > 0) qCInfo(lcOverlay).noquote() << "overlay peers:" << synced.value() << "flood entries changed," << peers.size() << "peers";
    return {};
}

std::shared_ptr<etcd::EtcdClient> OverlayNetwork::client() const {
    std::lock_guard lock(mutex_);
    return etcd_;
}

std::string OverlayNetwork::ownerOf(const std::string& container) const { return node_.toStdString() + "/" + container; }

RuntimeResult<std::string> OverlayNetwork::allocate(const std::string& container) {
    const auto etcd = client();
    if (!etcd) return RuntimeError{503, "cannot allocate an overlay IP address: the node has no etcd endpoints yet"};
    const etcd::Ipam ipam(*etcd);
    etcd::Pool pool;
    bool reserved = false;
    {
        std::lock_guard lock(mutex_);
        pool = pool_;
        reserved = poolReserved_;
    }
    if (!reserved) {
        if (auto r = ipam.reservePool(pool); !r) return unavailable(r.error());
        std::lock_guard lock(mutex_);
        poolReserved_ = true;
    }
    const std::string owner = ownerOf(container);
    auto address = ipam.allocate(pool, owner, std::hash<std::string>{}(owner));
    if (!address) return unavailable(address.error());
    return address.value();
}

void OverlayNetwork::release(const std::string& container) {
    const auto etcd = client();
    if (!etcd) return;
    const etcd::Ipam ipam(*etcd);
    etcd::Pool pool;
    {
        std::lock_guard lock(mutex_);
        pool = pool_;
    }
    const std::string owner = ownerOf(container);
    auto all = ipam.addresses(pool);
    if (!all) {   // no quorum: the orphan cleaner gives it back later
        qCWarning(lcOverlay).noquote() << "address of" << QString::fromStdString(container)
                                       << "not released:" << QString::fromStdString(all.error().message);
        return;
    }
    for (const auto& [address, holder] : all.value()) {
        if (holder == owner) (void)ipam.release(pool, address, owner);
    }
}

int OverlayNetwork::releaseOrphans(const std::set<std::string>& liveContainers) {
    const auto etcd = client();
    if (!etcd) return 0;
    std::set<std::string> live;
    for (const auto& c : liveContainers) live.insert(ownerOf(c));
    etcd::Pool pool;
    {
        std::lock_guard lock(mutex_);
        pool = pool_;
    }
    auto n = etcd::Ipam(*etcd).releaseOrphans(pool, node_.toStdString() + "/", live);
    return n ? n.value() : 0;
}

}  // namespace kontena::agentd
