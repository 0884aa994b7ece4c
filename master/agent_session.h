#pragma once
// One agent's WebSocket session (AgentSessions' private state, shared by
// agent_sessions.cpp and agent_sessions_network.cpp).

#include <optional>
#include <string>
#include <vector>

#include "master/agent_sessions.h"

namespace kontena::master {

struct AgentSessions::Session {
    QWebSocket* ws = nullptr;
    protocol::Handshake hs;
    std::string node;
    Instant connectedAt;
    bool announced = false;   // NodeConnect delivered (after /nodes/update)
    bool stored = false;      // its node is in the store: it may learn its info
    bool closing = false;
    bool etcdReports = false;   // its agent reports its etcd member's health (/nodes/etcd_health)
    std::optional<protocol::NodeInfo> sentInfo;   // the node info it last got, less the peers
    QList<protocol::GridPeer> sentPeers;          // the peers it last got
    bool peersSent = false;
    bool dnsSent = false;                         // it has the current DNS records
    std::vector<ev::InstanceReport> early;   // reports sent before /nodes/update, delivered after it
};

}  // namespace kontena::master
