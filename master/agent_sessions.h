#pragma once
// The agents of one grid: their WebSocket sessions, the RPC methods they
// call (a table: method name -> handler), and the commands the core sends
// them. Every frame becomes a core event delivered through the GridRuntime;
// nothing here decides anything about scheduling.
//
//   agent ──frame──▶ methods() table ──▶ handler ──ev::...──▶ GridRuntime::deliver
//   GridRuntime ──Command──▶ carryOut ──frame/ping/close──▶ agent

#include <QElapsedTimer>
#include <QHash>
#include <QJsonObject>
#include <QJsonValue>
#include <QList>
#include <QObject>
#include <QTimer>
#include <QWebSocket>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "protocol/handshake.h"
#include "protocol/messages.h"
#include "protocol/rpc.h"
#include "scheduler/controller.h"
#include "vault/secrets.h"

namespace kontena::master {

class GridRuntime;

class AgentSessions : public QObject {
    Q_OBJECT
public:
    // Sessions of `grid`'s agents; a child of `grid`, which must outlive it.
    explicit AgentSessions(GridRuntime& grid);
    ~AgentSessions() override;

    // A WebSocket whose handshake named this grid's token. Takes ownership;
    // closes it at once when the agent's version is incompatible or another
    // connected agent already uses the node name.
    void attach(QWebSocket* socket, const protocol::Handshake& hs);
    // The version the node's agent last announced (kept after it left, and
    // in the node's row); empty before its first connection.
    QString agentVersion(const std::string& node) const;
    // The private and public addresses the node's agent last reported (or
    // that its connection came from; kept in the node's row); empty before
    // its first /nodes/update.
    std::pair<QString, QString> nodeAddresses(const std::string& node) const;
    // What the node's row keeps of its agent (restore() reads it back):
    // {"version", "private_ip", "public_ip"}, empty before it connected.
    QJsonObject agentRecord(const std::string& node) const;
    // The agents' records of a grid read back from the store (a restart, a
    // takeover, a follower's copy): addresses and versions until they report again.
    void restore(const std::map<std::string, QJsonObject>& records);
    // Node `number`'s address on the grid overlay (subnet | number), "" for 0.
    QString overlayAddress(int number) const;

    // Carries out one of the core's commands on the node's newest session
    // (a ping only on the connection it names). No session: nothing happens.
    void carryOut(const Command& c);
    // A notification to the node's newest session; false when it has none.
    bool notify(const std::string& node, const char* method, const QJsonObject& payload);

    // ---- the grid network (agent_sessions_network.cpp)
    // The grid's nodes with a known address, by number: every agent gets
    // them in its node info (overlay forwarding table, etcd cluster).
    QList<protocol::GridPeer> peers() const;
    const QList<protocol::GridPeer>& currentPeers() const;
    // The node info `node`'s agent gets now.
    protocol::NodeInfo nodeInfoFor(const std::string& node, const QString& nodeId, const QList<protocol::GridPeer>& peers) const;
    // The names every node's DNS server answers (/agent/dns_records).
    protocol::DnsRecords dnsRecords() const;
    // What the node's etcd member last said (/nodes/etcd_health); nullopt
    // when its agent does not report etcd.
    std::optional<protocol::EtcdHealth> etcdHealth(const std::string& node) const;

private:
    struct Session;
    struct Outcome {
        QJsonValue result = true;
        std::optional<protocol::RpcError> error;
    };
    using Handler = Outcome (AgentSessions::*)(Session*, const QJsonObject& payload);
    static const QHash<QString, Handler>& methods();

    Outcome onNodesUpdate(Session* s, const QJsonObject& payload);
    Outcome onPodsList(Session* s, const QJsonObject& payload);
    Outcome onPodsSetState(Session* s, const QJsonObject& payload);
    Outcome onPodSecrets(Session* s, const QJsonObject& payload);
    Outcome onPodEvent(Session* s, const QJsonObject& payload);
    Outcome onMarkOneshot(Session* s, const QJsonObject& payload);
    Outcome onLbBackends(Session* s, const QJsonObject& payload);
    protocol::LbLinkedService lbLinked(const Service& svc) const;
    vault::Lookup secretLookup() const;
    Outcome onExecFrame(Session* s, const QJsonObject& payload);
    Outcome onLogBatch(Session* s, const QJsonObject& payload);
    Outcome onHealth(Session* s, const QJsonObject& payload);
    Outcome onContainerStat(Session* s, const QJsonObject& payload);
    Outcome onNodeStats(Session* s, const QJsonObject& payload);
    Outcome onAccepted(Session* s, const QJsonObject& payload);
    Outcome onEtcdHealth(Session* s, const QJsonObject& payload);
    Outcome onPodAddress(Session* s, const QJsonObject& payload);

    // Node addresses, peers and DNS records follow the grid: a change marks
    // them, one pass (peers: at most one a second; DNS: every 100 ms, paced
    // on big grids) sends each agent what differs from what it last got.
    void noteAddress(Session* s, const protocol::NodeUpdate& u);
    void onGridChanged();
    void schedulePeers();
    void sendPeers();
    void sendDnsRecords();
    struct Address {
        QString privateIp, publicIp;
    };
    struct PodAddress {
        std::string node;
        QString address;
    };

    void announce(Session* s, const QJsonObject& payload);
    void sendNodeInfo(Session* s);
    bool sendOwnInfo(Session* s);
    QString peersFrame(const protocol::GridPeers& p) const;
    const QString& fullPeersFrame(const QList<protocol::GridPeer>& all);
    void onFrame(Session* s, const QString& text);
    void onClosed(Session* s);
    void send(Session* s, const QByteArray& frame);
    Session* sessionOf(const std::string& node, std::optional<Instant> connectedAt = std::nullopt) const;

    GridRuntime& grid_;
    QList<Session*> sessions_;
    std::map<std::string, Address> addresses_;                  // node -> last reported addresses
    std::map<std::string, QString> versions_;                   // node -> its agent's last announced version
    std::map<std::pair<std::string, int>, PodAddress> podAddresses_;   // (service, number) -> its container's
    std::map<std::string, protocol::EtcdHealth> etcd_;          // node -> its member's last report
    // A service's spec as pods carry it (protocol::toJson(spec)), with the
    // spec it was made of: a deploy lists the same service's pods 100,000s
    // of times, and the spec's JSON was most of each list.
    QJsonObject specJson(const Service& svc);
    std::map<std::string, std::pair<ServiceSpec, QJsonObject>> specJson_;
    std::size_t knownNodes_ = 0;
    QTimer peersTimer_, dnsTimer_;
    QElapsedTimer peersSent_;   // since the last peers pass
    mutable std::optional<QList<protocol::GridPeer>> peersCache_;   // currentPeers()
    // The lists of the last two peers passes, and the change between them
    // (for agents that have the older); the last whole list's frame.
    QList<protocol::GridPeer> passPeers_, previousPeers_;
    QString deltaPeersFrame_;
    QString fullFrame_;                          // fullPeersFrame(fullFrameOf_)
    QList<protocol::GridPeer> fullFrameOf_;
    static constexpr std::chrono::milliseconds kPeersWindow{1000};
    static constexpr qint64 kDnsBytesPerSecond = 64LL << 20;   // sendDnsRecords' pace
    protocol::DnsRecords sentDns_;
};

}  // namespace kontena::master
