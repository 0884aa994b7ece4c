#include "agent/health_monitor.h"

#include <QDateTime>
#include <QNetworkReply>
#include <QTcpSocket>

#include "scheduler/agent_step.h"

namespace kontena::agentd {

struct HealthMonitor::Watch {
    QString id;
    HealthCheck check;
    QString address;
    quint64 generation = 0;
    QTimer timer;
};

HealthMonitor::HealthMonitor(QString agentVersion, QObject* parent)
    : QObject(parent), userAgent_(QStringLiteral("Kontena-Agent/") + agentVersion) {}

HealthMonitor::~HealthMonitor() = default;

void HealthMonitor::watch(const QString& name, const QString& id, const HealthCheck& hc, const QString& address) {
    auto w = std::make_unique<Watch>();
    w->id = id;
    w->check = hc;
    w->address = address;
    w->generation = nextGeneration_++;
    w->timer.setSingleShot(true);
    const quint64 gen = w->generation;
    connect(&w->timer, &QTimer::timeout, this, [this, name, gen] { this->check(name, gen); });
    w->timer.start(std::chrono::milliseconds(hc.initialDelay.ms));
    watches_[name] = std::move(w);
}

void HealthMonitor::unwatch(const QString& name) { watches_.erase(name); }

void HealthMonitor::check(const QString& name, quint64 generation) {
    auto it = watches_.find(name);
    if (it == watches_.end() || it->second->generation != generation) return;
    const Watch& w = *it->second;
    const int timeoutMs = int(w.check.timeout.ms);
    if (w.check.protocol == "tcp") {
        auto* socket = new QTcpSocket(this);
        auto* deadline = new QTimer(socket);
        deadline->setSingleShot(true);
        connect(socket, &QTcpSocket::connected, this, [this, socket, name, generation] {
            socket->abort();
            socket->deleteLater();
            finish(name, generation, true, 1, QString());
        });
        connect(socket, &QTcpSocket::errorOccurred, this, [this, socket, name, generation](QAbstractSocket::SocketError) {
            const QString why = socket->errorString();
            socket->deleteLater();
            finish(name, generation, false, 0, why);
        });
        connect(deadline, &QTimer::timeout, this, [this, socket, name, generation] {
            socket->disconnect(this);
            socket->abort();
            socket->deleteLater();
            finish(name, generation, false, 0, QStringLiteral("connect timed out"));
        });
        deadline->start(timeoutMs);
        socket->connectToHost(w.address, quint16(w.check.port));
        return;
    }
    // The uri may carry a query: it is appended as written, not set as a path.
    const QString host = w.address.contains(QLatin1Char(':')) ? QLatin1Char('[') + w.address + QLatin1Char(']') : w.address;
    QString uri = QString::fromStdString(w.check.uri);
    if (!uri.startsWith(QLatin1Char('/'))) uri.prepend(QLatin1Char('/'));
    const QUrl url(QStringLiteral("http://%1:%2").arg(host).arg(w.check.port) + uri);
    QNetworkRequest req(url);
    req.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::ManualRedirectPolicy);
    req.setHeader(QNetworkRequest::UserAgentHeader, userAgent_);
    req.setTransferTimeout(timeoutMs);
    QNetworkReply* reply = http_.get(req);
    connect(reply, &QNetworkReply::finished, this, [this, reply, name, generation] {
        reply->deleteLater();
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        const bool healthy = agent::httpStatusHealthy(status);
        finish(name, generation, healthy, status,
               healthy ? QString() : (status > 0 ? QStringLiteral("http status %1").arg(status) : reply->errorString()));
    });
}

void HealthMonitor::finish(const QString& name, quint64 generation, bool healthy, int code, const QString& detail) {
    auto it = watches_.find(name);
    if (it == watches_.end() || it->second->generation != generation) return;   // re-watched or dropped meanwhile
    protocol::ContainerHealth h{it->second->id, name,
                                healthy ? protocol::HealthStatus::Healthy : protocol::HealthStatus::Unhealthy, code,
                                detail, QDateTime::currentDateTimeUtc()};
    if (healthy) it->second->timer.start(std::chrono::milliseconds(it->second->check.interval.ms));
    else watches_.erase(it);   // a single unhealthy result restarts the container (reference 8.2)
    emit result(h);
}

}  // namespace kontena::agentd
