#include "agent/master_connection.h"

#include <QDateTime>
#include <QLoggingCategory>
#include <QNetworkRequest>

Q_LOGGING_CATEGORY(lcConn, "kontena.agent.connection")

namespace kontena::agentd {

using namespace kontena::protocol;

MasterConnection::MasterConnection(AgentConfig config, QObject* parent)
    : QObject(parent), config_(std::move(config)) {
    urls_ = config_.masterUrls.isEmpty() ? QList<QUrl>{config_.masterUrl} : config_.masterUrls;
    reconnectTimer_.setSingleShot(true);
    openTimer_.setSingleShot(true);
    pongDeadline_.setSingleShot(true);
    connect(&reconnectTimer_, &QTimer::timeout, this, &MasterConnection::connectNow);
    connect(&openTimer_, &QTimer::timeout, this, [this] {
        qCWarning(lcConn) << "connection to the master timed out; aborting";
        socket_.abort();
    });
    connect(&pingTimer_, &QTimer::timeout, this, &MasterConnection::onPingTick);
    connect(&pongDeadline_, &QTimer::timeout, this, [this] {
        qCWarning(lcConn) << "master did not answer the keepalive ping; reconnecting";
        socket_.abort();
    });
    connect(&socket_, &QWebSocket::connected, this, &MasterConnection::onConnected);
    connect(&socket_, &QWebSocket::disconnected, this, &MasterConnection::onDisconnected);
    connect(&socket_, &QWebSocket::textMessageReceived, this, &MasterConnection::onText);
    connect(&socket_, &QWebSocket::binaryMessageReceived, this,
            [this](const QByteArray& b) { onText(QString::fromUtf8(b)); });
    connect(&socket_, &QWebSocket::pong, this, [this](quint64 elapsed, const QByteArray&) {
        pongDeadline_.stop();
        if (qint64(elapsed) > config_.timers.pingTimeout.count() / 2)
            qCWarning(lcConn) << "slow keepalive pong:" << elapsed << "ms";
        emit pongReceived(qint64(elapsed));
    });
}

MasterConnection::~MasterConnection() {
    closing_ = true;
    socket_.disconnect(this);
    socket_.abort();
    for (auto& [id, p] : pending_) delete p.timer;
}

void MasterConnection::open() {
    closing_ = false;
    connectNow();
}

void MasterConnection::close() {
    closing_ = true;
    reconnectTimer_.stop();
    socket_.close();
}

void MasterConnection::connectNow() {
    if (closing_) return;
    Handshake h;
    h.nodeId = config_.nodeId;
    h.nodeName = config_.nodeName;
    h.version = config_.version;
    h.labels = config_.labels;
    h.connectedAt = QDateTime::currentDateTimeUtc();
    h.tokenKind = config_.nodeToken ? TokenKind::Node : TokenKind::Grid;
    h.token = config_.token;
    h.protocolVersion = kProtocolVersion;
    QNetworkRequest req(currentUrl());
    for (const auto& [name, value] : toHeaders(h)) req.setRawHeader(name, value);
    qCInfo(lcConn) << "connecting to" << currentUrl().toString();
    openTimer_.start(config_.timers.openTimeout);
    handshook_ = false;
    socket_.open(req);
}

void MasterConnection::onConnected() {
    openTimer_.stop();
    connected_ = true;
    handshook_ = true;
    attempt_ = 0;
    pingTimer_.start(config_.timers.pingInterval);
    qCInfo(lcConn) << "connected to the master";
    emit connected();
}

void MasterConnection::onDisconnected() {
    openTimer_.stop();
    pingTimer_.stop();
    pongDeadline_.stop();
    const bool wasConnected = connected_;
    connected_ = false;
    // QWebSocket keeps the last close's code when a later connect fails: only an opened socket was closed by the master.
    const int code = handshook_ ? int(socket_.closeCode()) : int(QWebSocketProtocol::CloseCodeAbnormalDisconnection);
    const QString reason = !handshook_ ? socket_.errorString() : code >= 4000 && code != kCloseNotLeader ? closeReason(code) : socket_.closeReason();
    failPending();
    if (wasConnected || code >= 4000) emit disconnected(code, reason);
    if (closing_) return;
    if (afterClose(code) == AfterClose::Stop) {
        qCCritical(lcConn).noquote() << QStringLiteral("master refused this node (%1): %2; not reconnecting").arg(code).arg(reason);
        closing_ = true;
        emit stopped(code, reason);
        return;
    }
    const Millis delay = nextTarget(code, reason);
    ++attempt_;
    qCInfo(lcConn).noquote() << QStringLiteral("connection closed (%1 %2); reconnecting in %3 ms (attempt %4)")
                                    .arg(code).arg(reason).arg(delay.count()).arg(attempt_);
    emit reconnectScheduled(attempt_, qint64(delay.count()));
    reconnectTimer_.start(delay);
}

Millis MasterConnection::nextTarget(int code, const QString& reason) {
    if (urls_.size() < 2) return config_.timers.reconnectDelay(attempt_);   // one master: as ever
    if (code == kCloseNotLeader) {
        const qsizetype at = reason.indexOf(QLatin1String("leader: "));
        const QUrl leader = at < 0 ? QUrl() : QUrl(reason.mid(at + 8).trimmed());
        for (qsizetype i = 0; leader.isValid() && i < urls_.size(); ++i) {
            if (urls_[i].host() == leader.host() && urls_[i].port() == leader.port()) {
                current_ = i;
                return Millis(50);
            }
        }
        current_ = (current_ + 1) % urls_.size();
        return Millis(500);   // an election is under way: no backoff beyond this
    }
    current_ = (current_ + 1) % urls_.size();
    if (attempt_ < urls_.size()) return Millis(100);   // the first pass through the list
    return config_.timers.reconnectDelay(int(attempt_ / urls_.size()) - 1);
}

void MasterConnection::onPingTick() {
    if (!connected_) return;
    socket_.ping();
    if (!pongDeadline_.isActive()) pongDeadline_.start(config_.timers.pingTimeout);
}

void MasterConnection::send(const Frame& f) {
    socket_.sendTextMessage(QString::fromUtf8(encode(f)));
}

void MasterConnection::request(const QString& method, const QJsonValue& params, Reply reply, Millis timeout) {
    if (!connected_) {
        reply(RpcError{503, QStringLiteral("not connected to the master")}, QJsonValue());
        return;
    }
    const qint64 id = nextId_++;
    auto* timer = new QTimer;
    timer->setSingleShot(true);
    connect(timer, &QTimer::timeout, this, [this, id] {
        auto it = pending_.find(id);
        if (it == pending_.end()) return;
        Pending p = it->second;
        pending_.erase(it);
        p.timer->deleteLater();
        p.reply(RpcError{504, QStringLiteral("the master did not answer in time")}, QJsonValue());
    });
    pending_[id] = Pending{std::move(reply), timer};
    timer->start(timeout);
    send(Frame::request(id, method, params));
}

bool MasterConnection::notify(const QString& method, const QJsonValue& params) {
    if (!connected_) return false;
    send(Frame::notification(method, params));
    return true;
}

void MasterConnection::setHandler(const QString& method, Handler handler) { handlers_[method] = std::move(handler); }

void MasterConnection::failPending() {
    auto pending = std::move(pending_);
    pending_.clear();
    for (auto& [id, p] : pending) {
        p.timer->deleteLater();
        p.reply(RpcError{503, QStringLiteral("connection to the master lost")}, QJsonValue());
    }
}

void MasterConnection::onText(const QString& text) {
    QString why;
    const auto frame = decode(text.toUtf8(), &why);
    if (!frame) {
        qCWarning(lcConn).noquote() << "dropping a malformed frame from the master:" << why;
        return;
    }
    switch (frame->kind) {
    case FrameKind::Response: {
        auto it = pending_.find(frame->id);
        if (it == pending_.end()) return;   // late answer after a timeout
        Pending p = it->second;
        pending_.erase(it);
        p.timer->deleteLater();
        p.reply(frame->error, frame->result);
        return;
    }
    case FrameKind::Request: {
        auto it = handlers_.find(frame->method);
        if (it == handlers_.end()) send(Frame::failure(frame->id, notImplemented()));
        else send(Frame::response(frame->id, it->second(frame->params)));
        return;
    }
    case FrameKind::Notification:
        if (auto it = handlers_.find(frame->method); it != handlers_.end()) it->second(frame->params);
        emit notification(frame->method, frame->params);
        return;
    }
}

}  // namespace kontena::agentd
