#include "client/stream.h"

#include <QEventLoop>
#include <QJsonDocument>
#include <QUrl>

namespace kontena::client {

QNetworkRequest streamRequest(const QString& baseUrl, const QString& pathAndQuery, const QString& token, const QString& agent) {
    QUrl url(baseUrl + pathAndQuery);
    url.setScheme(url.scheme() == QLatin1String("https") ? QStringLiteral("wss") : QStringLiteral("ws"));
    QNetworkRequest req(url);
    req.setHeader(QNetworkRequest::UserAgentHeader, agent);
    if (!token.isEmpty()) req.setRawHeader("Authorization", "Bearer " + token.toUtf8());
    return req;
}

namespace {

// A follower's refusal (protocol::kCloseNotLeader, master/API.md "Several
// masters"): "...; leader: ws://HOST:PORT".
constexpr int kCloseNotLeader = 4050;
constexpr int kMostHops = 3;

StreamEnd runOnce(const QNetworkRequest& request, const std::function<void(QWebSocket&)>& onOpen,
                  const std::function<bool(const QJsonObject&)>& onMessage, const std::function<void(QWebSocket&)>& setup) {
    QWebSocket ws;
    QEventLoop loop;
    StreamEnd end;
    QObject::connect(&ws, &QWebSocket::connected, &loop, [&] {
        end.opened = true;
        if (onOpen) onOpen(ws);
    });
    QObject::connect(&ws, &QWebSocket::textMessageReceived, &loop, [&](const QString& text) {
        const QJsonObject o = QJsonDocument::fromJson(text.toUtf8()).object();
        if (!onMessage(o)) ws.close();
    });
    QObject::connect(&ws, QOverload<QAbstractSocket::SocketError>::of(&QWebSocket::error), &loop, [&](QAbstractSocket::SocketError) {
        if (end.reason.isEmpty()) end.reason = ws.errorString();
        if (!end.opened) loop.quit();   // never connected: no disconnected() follows
    });
    QObject::connect(&ws, &QWebSocket::disconnected, &loop, [&] {
        end.closeCode = int(ws.closeCode());
        if (!ws.closeReason().isEmpty()) end.reason = ws.closeReason();
        loop.quit();
    });
    if (setup) setup(ws);
    ws.open(request);
    loop.exec();
    return end;
}

}  // namespace

std::optional<QUrl> leaderOf(const StreamEnd& end, const QUrl& was) {
    if (end.closeCode != kCloseNotLeader) return std::nullopt;
    static const QLatin1String marker("leader: ");
    const qsizetype at = end.reason.indexOf(marker);
    if (at < 0) return std::nullopt;
    const QUrl leader(end.reason.mid(at + marker.size()).trimmed());
    if (!leader.isValid() || leader.host().isEmpty() || (leader.scheme() != QLatin1String("ws") && leader.scheme() != QLatin1String("wss"))) return std::nullopt;
    // Never from TLS to plain text (as Qt's NoLessSafeRedirectPolicy for REST): the token goes along.
    if (was.scheme() == QLatin1String("wss") && leader.scheme() != QLatin1String("wss")) return std::nullopt;
    QUrl next = was;
    next.setScheme(leader.scheme());
    next.setHost(leader.host());
    next.setPort(leader.port());
    return next;
}

StreamEnd runStream(const QNetworkRequest& request, const std::function<void(QWebSocket&)>& onOpen,
                    const std::function<bool(const QJsonObject&)>& onMessage, const std::function<void(QWebSocket&)>& setup) {
    QNetworkRequest at = request;
    for (int hop = 0;; ++hop) {
        const StreamEnd end = runOnce(at, onOpen, onMessage, setup);
        const auto leader = leaderOf(end, at.url());
        if (!leader || hop == kMostHops) return end;
        at.setUrl(*leader);   // same path, query and token, on the grid's leader
    }
}

}  // namespace kontena::client
