#pragma once
// A master's stream routes (master/API.md "Streams"): a WebSocket on the
// REST path, http(s) -> ws(s), with the bearer token. The CLI runs one to
// its end (runStream); the GUI can keep one open in its event loop.

#include <QJsonObject>
#include <QNetworkRequest>
#include <QString>
#include <QUrl>
#include <QWebSocket>

#include <functional>
#include <optional>

namespace kontena::client {

// The upgrade request for `pathAndQuery` on the master at `baseUrl`.
QNetworkRequest streamRequest(const QString& baseUrl, const QString& pathAndQuery, const QString& token, const QString& agent);

struct StreamEnd {
    bool opened = false;     // the master accepted the stream
    int closeCode = 0;       // 1000 normal; 4400/4401/4403/4404 refused (reason says why)
    QString reason;          // the close reason, or the connection error
};

// Where a follower master sent a stream it refused (close code 4050, the
// reason naming the grid's leader): `was` on the leader's host and port;
// nothing for any other end.
std::optional<QUrl> leaderOf(const StreamEnd& end, const QUrl& was);

// Opens the stream, runs `onOpen` once it is open (send the first
// message there), hands every JSON message to `onMessage` and returns when
// the socket closes (or `onMessage` returned false: closes it). Runs a
// local event loop; `setup` may connect more to the socket first (input).
// A follower's refusal is followed to the grid's leader (at most 3 times),
// as REST clients follow a follower's 307.
StreamEnd runStream(const QNetworkRequest& request, const std::function<void(QWebSocket&)>& onOpen,
                    const std::function<bool(const QJsonObject&)>& onMessage, const std::function<void(QWebSocket&)>& setup = {});

}  // namespace kontena::client
