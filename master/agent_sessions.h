#pragma once
// The agents of one grid: their WebSocket sessions, the RPC methods they
// call (a table: method name -> handler), and the commands the core sends
// them. Every frame becomes a core event delivered through the GridRuntime;
// nothing here decides anything about scheduling.
//
//   agent ──frame──▶ methods() table ──▶ handler ──ev::...──▶ GridRuntime::deliver
//   GridRuntime ──Command──▶ carryOut ──frame/ping/close──▶ agent

#include <QHash>
#include <QJsonObject>
#include <QJsonValue>
#include <QList>
#include <QObject>
#include <QWebSocket>

#include <optional>
#include <string>
#include <vector>

#include "protocol/handshake.h"
#include "protocol/rpc.h"
#include "scheduler/controller.h"

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
    // The version the newest agent of `node` announced; empty when none is connected.
    QString agentVersion(const std::string& node) const;

    // Carries out one of the core's commands on the node's newest session
    // (a ping only on the connection it names). No session: nothing happens.
    void carryOut(const Command& c);
    // A notification to the node's newest session; false when it has none.
    bool notify(const std::string& node, const char* method, const QJsonObject& payload);

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
    Outcome onExecFrame(Session* s, const QJsonObject& payload);
    Outcome onLogBatch(Session* s, const QJsonObject& payload);
    Outcome onHealth(Session* s, const QJsonObject& payload);
    Outcome onContainerStat(Session* s, const QJsonObject& payload);
    Outcome onNodeStats(Session* s, const QJsonObject& payload);
    Outcome onAccepted(Session* s, const QJsonObject& payload);

    void announce(Session* s, const QJsonObject& payload);
    void sendNodeInfo(Session* s);
    void onFrame(Session* s, const QString& text);
    void onClosed(Session* s);
    void send(Session* s, const QByteArray& frame);
    Session* sessionOf(const std::string& node, std::optional<Instant> connectedAt = std::nullopt) const;

    GridRuntime& grid_;
    QList<Session*> sessions_;
};

}  // namespace kontena::master
