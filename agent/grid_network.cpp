// The agent's part of the grid network: its etcd member's health to the
// master, the master's DNS records of the other nodes' instances to the
// node's DNS server, and this node's container addresses to the master.

#include <QLoggingCategory>
#include <QPointer>

#include "agent/agent.h"

Q_DECLARE_LOGGING_CATEGORY(lcAgent)

namespace kontena::agentd {

using namespace kontena::protocol;

namespace {

// The master's records less this node's own instances (the DNS supervisor
// follows those itself, sooner than the master could tell it).
std::vector<dns::Endpoint> remoteEndpoints(const DnsRecords& r, const QString& self) {
    std::vector<dns::Endpoint> out;
    for (const DnsEndpoint& e : r.endpoints) {
        if (e.node == self) continue;
        dns::Endpoint d;
        d.stack = e.stack.toStdString();
        d.service = e.service.toStdString();
        d.number = e.number;
        d.address = e.address.toStdString();
        d.running = true;
        d.unhealthy = e.unhealthy;
        out.push_back(std::move(d));
    }
    return out;
}

}  // namespace

void Agent::wireGridNetwork() {
    if (etcd_) connect(etcd_.get(), &EtcdSupervisor::healthChanged, this, [this] { sendEtcdHealth(); });
    conn_.setHandler(QString::fromLatin1(method::kDnsRecords), [this](const QJsonValue& p) {
        const DnsRecords r = dnsRecordsFromJson(payloadOf(p));
        if (dns_) {
            dns_->setRemoteEndpoints(remoteEndpoints(r, config_.nodeName));
            std::vector<std::string> members;
            for (const QString& m : r.etcdMembers) members.push_back(m.toStdString());
            dns_->setEtcdMembers(members);
        }
        return QJsonValue(true);
    });
    // Names follow containers on every node: the master hears of each address.
    connect(&supervisor_, &PodSupervisor::containerRunning, this, [this](const QString& name, const QString&, const QString& address) {
        const auto pod = supervisor_.podFor(name);
        if (!pod || address.isEmpty() || pod->spec.net == "host") return;
        const PodAddress a{QString::fromStdString(pod->spec.key()), pod->instanceNumber, address};
        podAddresses_[name] = a;
        conn_.notify(QString::fromLatin1(method::kPodsAddress), params(toJson(a)));
    });
    connect(&supervisor_, &PodSupervisor::containerGone, this, [this](const QString& name) {
        const auto it = podAddresses_.find(name);
        if (it == podAddresses_.end()) return;
        PodAddress gone = it->second;
        gone.address.clear();
        podAddresses_.erase(it);
        conn_.notify(QString::fromLatin1(method::kPodsAddress), params(toJson(gone)));
    });
    connect(&conn_, &MasterConnection::connected, this, [this] {
        for (const auto& [name, a] : podAddresses_) conn_.notify(QString::fromLatin1(method::kPodsAddress), params(toJson(a)));
    });
}

void Agent::useGridAddresses(docker::DockerRuntime& runtime) {
    if (!overlay_) return;
    overlay_->attach(runtime);
    // Containers that could not be made before the overlay was up are made now.
    connect(overlay_.get(), &OverlayNetwork::applied, this, [this](const QString& error) {
        if (error.isEmpty()) supervisor_.resync();
    });
    // Reference §7.1: every 3 minutes, addresses whose containers vanished go back to the pool.
    orphanTimer_.setInterval(std::chrono::minutes(3));
    connect(&orphanTimer_, &QTimer::timeout, this, [this] {
        std::set<std::string> live;
        for (const auto& [key, c] : supervisor_.containers()) live.insert(supervisor_.containerNameOf(key).toStdString());
        QPointer<Agent> self(this);
        infoWorker_.start([self, live] {
            if (!self || !self->overlay_) return;
            if (const int n = self->overlay_->releaseOrphans(live)) qCInfo(lcAgent).noquote() << "released" << n << "orphaned grid addresses";
        });
    });
    orphanTimer_.start();
}

void Agent::sendEtcdHealth() {
    if (!etcd_ || !etcd_->isMember() || !conn_.isConnected()) return;
    conn_.notify(QString::fromLatin1(method::kNodesEtcdHealth), params(toJson(etcd_->health())));
}

}  // namespace kontena::agentd
