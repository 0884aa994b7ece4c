#pragma once
// MasterConnection: the agent's one WebSocket to the master (reference
// 2.1, 2.3, 11.4). It opens with the handshake headers, keeps the
// connection alive (answers the master's pings -- QWebSocket does that --
// and pings the master itself), reconnects with the injected backoff, and
// carries RPC frames: requests with a callback for the answer,
// notifications, and the master's own requests (unknown ones get 501).
//
// Lifecycle signals: connected() after every successful open;
// disconnected(code, reason) after every close, then either
// reconnectScheduled(attempt, delay) or stopped(code, reason) when the
// close code says retrying cannot help (protocol::afterClose).
//
// Several masters (AgentConfig::masterUrls): after a close the next URL is
// tried, quickly on the first pass through the list, then with the
// backoff. A follower's refusal (protocol::kCloseNotLeader) names the
// grid's leader: the agent goes there next when it is one of its URLs, and
// while no master leads (an election within the lease) it retries every
// 500 ms without backing off further.

#include <QJsonValue>
#include <QObject>
#include <QTimer>
#include <QWebSocket>

#include <functional>
#include <map>

#include "agent/config.h"
#include "protocol/handshake.h"
#include "protocol/rpc.h"

namespace kontena::agentd {

class MasterConnection : public QObject {
    Q_OBJECT
public:
    using Reply = std::function<void(const std::optional<protocol::RpcError>& error, const QJsonValue& result)>;
    using Handler = std::function<QJsonValue(const QJsonValue& params)>;

    MasterConnection(AgentConfig config, QObject* parent = nullptr);
    ~MasterConnection() override;

    void open();                       // first connect; reconnects follow by themselves
    void close();                      // for good: no reconnect
    bool isConnected() const { return connected_; }
    int attempt() const { return attempt_; }
    // The master URL tried last (or connected to).
    QUrl currentUrl() const { return urls_.value(current_); }
    void setNodeId(const QString& id) { config_.nodeId = id; }

    // A request; `reply` runs once with the answer, or with an error
    // {code 503 not connected | 504 timeout | the master's error}.
    void request(const QString& method, const QJsonValue& params, Reply reply, Millis timeout = Millis(30'000));
    // A notification; false (nothing sent) while disconnected.
    bool notify(const QString& method, const QJsonValue& params);
    // The answer to the master's requests for `method`.
    void setHandler(const QString& method, Handler handler);

signals:
    void connected();
    void disconnected(int code, const QString& reason);
    void reconnectScheduled(int attempt, qint64 delayMs);
    void stopped(int code, const QString& reason);
    void notification(const QString& method, const QJsonValue& params);
    void pongReceived(qint64 elapsedMs);

private:
    void connectNow();
    void onConnected();
    void onDisconnected();
    void onText(const QString& text);
    void onPingTick();
    void failPending();
    void send(const protocol::Frame& f);
    // Picks the URL to try after a close with `code`/`reason`; the delay before.
    Millis nextTarget(int code, const QString& reason);

    AgentConfig config_;
    QWebSocket socket_;
    QTimer reconnectTimer_, openTimer_, pingTimer_, pongDeadline_;
    bool connected_ = false;
    bool handshook_ = false;        // the last open reached the master (its close code is fresh)
    bool closing_ = false;          // close() called: never reconnect
    int attempt_ = 0;               // reconnects since the last successful open
    QList<QUrl> urls_;              // the masters to try, in order
    qsizetype current_ = 0;         // the one tried last
    qint64 nextId_ = 1;
    struct Pending {
        Reply reply;
        QTimer* timer;
    };
    std::map<qint64, Pending> pending_;
    std::map<QString, Handler> handlers_;
};

}  // namespace kontena::agentd
