// The grid network side of AgentSessions: node addresses and the peer list
// every agent gets in its node info, etcd members' health as their agents
// report it, and the DNS records of the grid's instances (scheduler/dns.h)
// sent to every node's DNS server.

#include <QLoggingCategory>

#include <algorithm>
#include <cmath>

#include "master/agent_session.h"
#include "master/grid_runtime.h"
#include "master/json_util.h"
#include "scheduler/ipv4.h"

Q_DECLARE_LOGGING_CATEGORY(lcAgents)

namespace kontena::master {

namespace {

// Node `number`'s overlay address in the grid's subnet (nodeOverlayAddress).
QString overlayAddressOf(const std::string& subnet, int number) {
    const auto net = parseCidr(subnet);
    const auto address = net ? nodeOverlayAddress(*net, number) : std::nullopt;
    return address ? qs(formatIpv4(*address)) : QString();
}

QString wireHealth(const protocol::EtcdHealth& h) {
    return h.member ? (h.quorum ? QStringLiteral("member, quorum") : QStringLiteral("member, no quorum")) : QStringLiteral("down");
}

}  // namespace

// The private address the agent reported; else the address its connection
// came from (what the master itself reaches it at).
void AgentSessions::noteAddress(Session* s, const protocol::NodeUpdate& u) {
    Address a{u.privateIp, u.publicIp};
    if (a.privateIp.isEmpty()) a.privateIp = s->ws->peerAddress().toString();
    if (a.publicIp.isEmpty()) a.publicIp = a.privateIp;
    Address& known = addresses_[s->node];
    if (known.privateIp == a.privateIp && known.publicIp == a.publicIp) return;
    known = a;
    grid_.nodeRowChanged(s->node);
    peersCache_.reset();
    schedulePeers();
}

std::pair<QString, QString> AgentSessions::nodeAddresses(const std::string& node) const {
    const auto a = addresses_.find(node);
    return a == addresses_.end() ? std::pair<QString, QString>{} : std::pair{a->second.privateIp, a->second.publicIp};
}

QString AgentSessions::overlayAddress(int number) const { return overlayAddressOf(grid_.subnet(), number); }

// peers(), computed again only after the grid or an address changed
// (agents announced in one group commit all get the same list).
const QList<protocol::GridPeer>& AgentSessions::currentPeers() const {
    if (!peersCache_) peersCache_ = peers();
    return *peersCache_;
}

QList<protocol::GridPeer> AgentSessions::peers() const {
    const ClusterState& st = grid_.state();
    QList<protocol::GridPeer> out;
    for (const auto& [name, n] : st.nodes) {
        const auto a = addresses_.find(name);
        if (n.number <= 0 || a == addresses_.end() || a->second.privateIp.isEmpty()) continue;
        out.append(protocol::GridPeer{n.number, qs(name), a->second.privateIp, a->second.publicIp, overlayAddressOf(grid_.subnet(), n.number),
                                      n.isInitial(st.grid.initialSize)});
    }
    std::sort(out.begin(), out.end(), [](const auto& x, const auto& y) { return x.number < y.number; });
    return out;
}

protocol::NodeInfo AgentSessions::nodeInfoFor(const std::string& node, const QString& nodeId, const QList<protocol::GridPeer>& all) const {
    protocol::NodeInfo info;
    const Node* n = grid_.state().node(node);
    if (!n) return info;
    info.nodeId = nodeId;
    info.name = qs(n->name);
    info.grid = grid_.name();
    info.nodeNumber = n->number;
    info.initialMember = n->isInitial(grid_.state().grid.initialSize);
    for (const auto& l : n->labels) info.labels.append(qs(l));
    info.overlayIp = overlayAddressOf(grid_.subnet(), n->number);
    info.initialSize = grid_.state().grid.initialSize;
    info.gridSubnet = qs(grid_.subnet());
    return protocol::withPeers(std::move(info), all);
}

// Nodes removed (or added without an agent yet) change the peers; any
// change may change what the grid's names point to.
void AgentSessions::onGridChanged() {
    peersCache_.reset();
    const ClusterState& st = grid_.state();
    if (st.nodes.size() != knownNodes_) {
        // Only a removal leaves addresses of nodes gone (a walk of all at
        // each of 10,000 joins was a fifth of the master's time).
        if (st.nodes.size() < knownNodes_) {
            std::erase_if(addresses_, [&](const auto& a) { return !st.node(a.first); });
            std::erase_if(versions_, [&](const auto& v) { return !st.node(v.first); });
        }
        knownNodes_ = st.nodes.size();
        schedulePeers();
    }
    if (!dnsTimer_.isActive()) dnsTimer_.start();
}

// Every node gets the grid's peers: a node announcing itself gets the whole
// list once it is stored (announce), and then, in each pass, what changed
// since the pass before (a pass costs nodes x changed peers, not nodes x
// peers). When agents join by the thousand (a master restart) the passes
// are at most one per kPeersWindow (scaled with --time-scale).
void AgentSessions::schedulePeers() {
    if (peersTimer_.isActive()) return;
    const qint64 window = std::llround(double(kPeersWindow.count()) * GridRuntime::timeScale());
    const qint64 since = peersSent_.isValid() ? peersSent_.elapsed() : window;
    peersTimer_.start(int(std::clamp<qint64>(window - since, 0, window)));
}

void AgentSessions::sendPeers() {
    peersSent_.start();
    const QList<protocol::GridPeer>& all = currentPeers();
    if (all != passPeers_) {
        previousPeers_ = std::exchange(passPeers_, all);
        deltaPeersFrame_ = peersFrame(protocol::peersDelta(previousPeers_, passPeers_));
    }
    for (Session* s : sessions_) {
        if (s->stored && !s->closing) sendNodeInfo(s);
    }
}

// The whole list `all`, encoded once for every agent that gets it (the
// ones stored since the last pass: hundreds per group commit when
// thousands join; the ones a pass finds without the previous list).
const QString& AgentSessions::fullPeersFrame(const QList<protocol::GridPeer>& all) {
    if (fullFrame_.isEmpty() || fullFrameOf_ != all) {
        fullFrame_ = peersFrame(protocol::GridPeers{all, false, {}, {}});
        fullFrameOf_ = all;
    }
    return fullFrame_;
}

// A /agent/grid_peers frame, encoded once per pass for the whole grid.
QString AgentSessions::peersFrame(const protocol::GridPeers& p) const {
    return QString::fromUtf8(protocol::encode(
        protocol::Frame::notification(QString::fromLatin1(protocol::method::kGridPeers), protocol::params(protocol::toJson(p)))));
}

// ------------------------------------------------------------------ etcd

// The node's etcd member says how it is: that is its health in the core
// (only initial nodes count). etcd's own view of the quorum is kept beside
// it: the core's quorum model must agree with it (etcdHealth()).
AgentSessions::Outcome AgentSessions::onEtcdHealth(Session* s, const QJsonObject& payload) {
    const protocol::EtcdHealth h = protocol::etcdHealthFromJson(payload);
    const auto before = etcd_.find(s->node);
    if (before == etcd_.end() || before->second != h) {
        qCInfo(lcAgents).noquote() << grid_.name() << qs(s->node) << "etcd:" << wireHealth(h) << h.detail;
    }
    etcd_[s->node] = h;
    s->etcdReports = true;
    if (s->announced) grid_.deliver(ev::EtcdMember{s->node, h.member});   // else at the announcement
    return {};
}

std::optional<protocol::EtcdHealth> AgentSessions::etcdHealth(const std::string& node) const {
    const auto it = etcd_.find(node);
    if (it == etcd_.end()) return std::nullopt;
    return it->second;
}

// ------------------------------------------------------------------- DNS

// A container of an instance placed on the asking node runs with this
// address (or no longer runs); the names follow within 100 ms.
AgentSessions::Outcome AgentSessions::onPodAddress(Session* s, const QJsonObject& payload) {
    const protocol::PodAddress p = protocol::podAddressFromJson(payload);
    const auto key = std::make_pair(ss(p.serviceId), p.instanceNumber);
    const auto known = podAddresses_.find(key);
    if (p.address.isEmpty()) {
        if (known == podAddresses_.end() || known->second.node != s->node) return {};
        podAddresses_.erase(known);
    } else {
        if (known != podAddresses_.end() && known->second.node == s->node && known->second.address == p.address) return {};
        podAddresses_[key] = PodAddress{s->node, p.address};
    }
    if (!dnsTimer_.isActive()) dnsTimer_.start();
    return {};
}

// Instances that run where their container reported its address; the core
// says whether they are unhealthy (dns::records leaves those out).
protocol::DnsRecords AgentSessions::dnsRecords() const {
    const ClusterState& st = grid_.state();
    protocol::DnsRecords r;
    for (const auto& [key, a] : podAddresses_) {
        const Instance* inst = st.instance(key.first, key.second);
        const Service* svc = st.service(key.first);
        if (!inst || !svc || inst->node != a.node || inst->observed != ObservedState::Running) continue;
        r.endpoints.append(protocol::DnsEndpoint{qs(a.node), qs(svc->spec.stack), qs(svc->spec.name), key.second, a.address,
                                                 inst->health == Health::Unhealthy});
    }
    for (const auto& [name, n] : st.nodes) {
        if (n.isInitial(st.grid.initialSize) && n.connected && n.etcdHealthy) r.etcdMembers.append(overlayAddressOf(grid_.subnet(), n.number));
    }
    return r;
}

void AgentSessions::sendDnsRecords() {
    protocol::DnsRecords r = dnsRecords();
    const bool changed = r != sentDns_;
    if (changed) sentDns_ = std::move(r);
    const QString frame = QString::fromUtf8(protocol::encode(protocol::Frame::notification(
        QString::fromLatin1(protocol::method::kDnsRecords), protocol::params(protocol::toJson(sentDns_)))));
    qint64 bytes = 0;
    for (Session* s : sessions_) {
        if (!s->announced || s->closing || (s->dnsSent && !changed)) continue;
        s->ws->sendTextMessage(frame);
        s->dnsSent = true;
        bytes += frame.size();
    }
    // Every node gets all the records: a big grid's pass is (nodes x
    // records) bytes. The next pass waits so that they stay under
    // kDnsBytesPerSecond (names follow within 100 ms on small grids, within
    // seconds at thousands of nodes and instances).
    const qint64 wait = bytes * 1000 / kDnsBytesPerSecond;
    dnsTimer_.setInterval(int(std::clamp<qint64>(wait, 100, 5000)));
}

}  // namespace kontena::master
