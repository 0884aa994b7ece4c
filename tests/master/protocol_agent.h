#pragma once
// The agent side of one node for CLI tests against a real kontena-master:
// this test process speaks the agent protocol on a WebSocket (node update,
// pods reported running as the master asks, container and node samples),
// enough for the master to place and keep instances without a dockerd.
#include <QWebSocket>
#include <QtTest>

#include "protocol/handshake.h"
#include "protocol/messages.h"
#include "protocol/node_stats.h"
#include "protocol/rpc.h"

namespace kontena::testing {

using namespace Qt::StringLiterals;

constexpr qint64 MiB = 1024 * 1024;

// The agent side of one node, enough for the master to place and keep instances.
class ProtocolAgent : public QObject {
public:
    QWebSocket ws;
    QStringList running;   // container names reported running
    QMap<QString, QStringList> env;   // container name -> the env of the spec the master sent
    qint64 nextId = 1;

    bool open(const QString& url, const QString& token) {
        protocol::Handshake hs;
        hs.nodeId = u"ID:n1"_s;
        hs.nodeName = u"n1"_s;
        hs.version = u"0.1.0"_s;
        hs.token = token;
        hs.connectedAt = QDateTime::currentDateTimeUtc();
        hs.protocolVersion = protocol::kProtocolVersion;
        QNetworkRequest req{QUrl(url)};
        for (const auto& [name, value] : protocol::toHeaders(hs)) req.setRawHeader(name, value);
        QObject::connect(&ws, &QWebSocket::textMessageReceived, this, [this](const QString& t) { onFrame(t); });
        ws.open(req);
        if (!QTest::qWaitFor([this] { return ws.state() == QAbstractSocket::ConnectedState; }, 10000)) return false;
        protocol::NodeUpdate u;
        u.nodeId = hs.nodeId;
        u.name = hs.nodeName;
        u.cpus = 2;
        u.memTotal = 4096 * MiB;
        request(protocol::method::kNodesUpdate, protocol::params(protocol::toJson(u)));
        return true;
    }
    void request(const char* method, const QJsonValue& params) {
        ws.sendTextMessage(QString::fromUtf8(protocol::encode(protocol::Frame::request(nextId++, QString::fromLatin1(method), params))));
    }
    void notify(const char* method, const QJsonObject& payload) {
        ws.sendTextMessage(QString::fromUtf8(protocol::encode(protocol::Frame::notification(QString::fromLatin1(method), protocol::params(payload)))));
    }
    void stat(const QString& name, double cpu, qint64 memory, qint64 limit, qint64 rx, qint64 tx) {
        notify(protocol::method::kContainersStat,
               protocol::toJson(protocol::ContainerStat{u"id-"_s + name, name, cpu, memory, limit, rx, tx, QDateTime::currentDateTimeUtc()}));
    }

private:
    // notify_update: read the pods and report each running; the pod list: the same.
    void onFrame(const QString& text) {
        const auto f = protocol::decode(text.toUtf8());
        if (!f) return;
        if (f->kind == protocol::FrameKind::Notification && f->method == QLatin1String(protocol::method::kNotifyUpdate)) {
            request(protocol::method::kPodsList, QJsonArray{u"ID:n1"_s});
            return;
        }
        if (f->kind != protocol::FrameKind::Response || !f->result.isObject()) return;
        if (!f->result.toObject().contains(u"service_pods"_s)) return;
        for (const protocol::PodSpec& pod : protocol::podListFromJson(f->result.toObject()).pods) {
            protocol::PodState st{QString::fromStdString(pod.spec.key()), pod.instanceNumber, pod.deployRev, pod.serviceRevision,
                                  pod.desired == DesiredState::Running ? ObservedState::Running : ObservedState::Stopped, {}};
            request(protocol::method::kPodsSetState, protocol::params(protocol::toJson(st)));
            const QString name = QString::fromStdString(containerName(pod.spec, pod.instanceNumber));
            if (!running.contains(name)) running.append(name);
            QStringList vars;
            for (const auto& e : pod.spec.env) vars.append(QString::fromStdString(e));
            env[name] = vars;
        }
    }
};


}  // namespace kontena::testing
