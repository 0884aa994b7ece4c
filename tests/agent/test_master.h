#pragma once
// TestMaster: a small master endpoint inside the test (QWebSocketServer on
// 127.0.0.1, port 0). It records each connection's handshake headers and
// every frame the agent sends, answers /node_service_pods/list with the
// pods the test set, acknowledges other requests, and can refuse
// connections with a close code.

#include <QJsonArray>
#include <QList>
#include <QNetworkRequest>
#include <QObject>
#include <QWebSocket>
#include <QWebSocketServer>

#include <optional>

#include "protocol/handshake.h"
#include "protocol/messages.h"
#include "protocol/rpc.h"

namespace kontena::testing {

class TestMaster : public QObject {
    Q_OBJECT
public:
    explicit TestMaster(QObject* parent = nullptr)
        : QObject(parent), server_(QStringLiteral("test-master"), QWebSocketServer::NonSecureMode) {
        connect(&server_, &QWebSocketServer::newConnection, this, &TestMaster::onNewConnection);
    }
    ~TestMaster() override { server_.close(); }

    bool listen(quint16 port = 0) { return server_.listen(QHostAddress::LocalHost, port); }
    void stopListening() { server_.close(); }
    quint16 port() const { return port_ ? port_ : server_.serverPort(); }
    QUrl url() const { return QUrl(QStringLiteral("ws://127.0.0.1:%1/").arg(port())); }
    void rememberPort() { port_ = server_.serverPort(); }

    // The next connections are closed with `code` right after the handshake
    // (0: accepted).
    int rejectWith = 0;
    QString masterVersion = QStringLiteral("0.1.3");
    protocol::PodList pods;

    // ---- what the agent did
    QList<protocol::Handshake> handshakes;
    QList<protocol::PodState> reports;
    QList<protocol::NodeUpdate> nodeUpdates;
    QList<protocol::ContainerHealth> health;
    QList<protocol::ContainerEvent> events;
    QList<protocol::LogEntry> logs;
    QList<protocol::ContainerStat> stats;
    QList<protocol::Frame> responses;   // answers to our own requests
    int podListRequests = 0;
    int pongs = 0;

    QWebSocket* current() const { return current_; }

    void send(const protocol::Frame& f) {
        if (current_) current_->sendTextMessage(QString::fromUtf8(protocol::encode(f)));
    }
    void notifyUpdate() {
        send(protocol::Frame::notification(QString::fromLatin1(protocol::method::kNotifyUpdate),
                                           protocol::params(protocol::toJson(protocol::NotifyUpdate{QStringLiteral("test")}))));
    }
    void closeCurrent(int code) {
        if (current_) current_->close(QWebSocketProtocol::CloseCode(code), protocol::closeReason(code));
    }
    // Reports for one instance, in order.
    QList<protocol::PodState> reportsOf(const QString& serviceId, int n) const {
        QList<protocol::PodState> out;
        for (const auto& r : reports)
            if (r.serviceId == serviceId && r.instanceNumber == n) out.append(r);
        return out;
    }
    std::optional<protocol::PodState> lastReportOf(const QString& serviceId, int n) const {
        const auto all = reportsOf(serviceId, n);
        if (all.isEmpty()) return std::nullopt;
        return all.last();
    }

signals:
    void agentConnected();

private:
    void onNewConnection() {
        QWebSocket* s = server_.nextPendingConnection();
        if (!s) return;
        protocol::HeaderList headers;
        for (const QByteArray& name : s->request().rawHeaderList()) headers.append({name, s->request().rawHeader(name)});
        handshakes.append(protocol::fromHeaders(headers));
        connect(s, &QWebSocket::disconnected, s, &QObject::deleteLater);
        if (rejectWith) {
            if (rejectWith == int(protocol::CloseCode::VersionIncompatible)) sendTo(s, masterInfo());
            s->close(QWebSocketProtocol::CloseCode(rejectWith), protocol::closeReason(rejectWith));
            return;
        }
        if (current_) current_->close(QWebSocketProtocol::CloseCode(4041), protocol::closeReason(4041));
        current_ = s;
        connect(s, &QWebSocket::destroyed, this, [this, s] {
            if (current_ == s) current_ = nullptr;
        });
        connect(s, &QWebSocket::textMessageReceived, this, &TestMaster::onText);
        connect(s, &QWebSocket::pong, this, [this] { ++pongs; });
        sendTo(s, masterInfo());
        emit agentConnected();
    }

    protocol::Frame masterInfo() const {
        return protocol::Frame::notification(QString::fromLatin1(protocol::method::kMasterInfo),
                                             protocol::params(protocol::toJson(protocol::MasterInfo{masterVersion, protocol::kProtocolVersion})));
    }
    static void sendTo(QWebSocket* s, const protocol::Frame& f) { s->sendTextMessage(QString::fromUtf8(protocol::encode(f))); }

    void onText(const QString& text) {
        auto f = protocol::decode(text.toUtf8());
        if (!f) return;
        using namespace protocol;
        if (f->kind == FrameKind::Response) {
            responses.append(*f);
            return;
        }
        const QJsonObject payload = payloadOf(f->params);
        QJsonValue result = true;
        const QString m = f->method;
        if (m == QLatin1String(method::kPodsList)) {
            ++podListRequests;
            result = toJson(pods);
        } else if (m == QLatin1String(method::kPodsSetState)) {
            reports.append(podStateFromJson(payload));
        } else if (m == QLatin1String(method::kNodesUpdate)) {
            nodeUpdates.append(nodeUpdateFromJson(payload));
        } else if (m == QLatin1String(method::kContainersHealth)) {
            health.append(containerHealthFromJson(payload));
        } else if (m == QLatin1String(method::kContainersEvent)) {
            events.append(containerEventFromJson(payload));
        } else if (m == QLatin1String(method::kContainersLogBatch)) {
            logs.append(logBatchFromJson(payload).entries);
        } else if (m == QLatin1String(method::kContainersStat)) {
            stats.append(containerStatFromJson(payload));
        }
        if (f->kind == FrameKind::Request) send(Frame::response(f->id, result));
    }

    QWebSocketServer server_;
    QWebSocket* current_ = nullptr;
    quint16 port_ = 0;
};

}  // namespace kontena::testing
