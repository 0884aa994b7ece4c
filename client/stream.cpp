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

StreamEnd runStream(const QNetworkRequest& request, const std::function<void(QWebSocket&)>& onOpen,
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

}  // namespace kontena::client
