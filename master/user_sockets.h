#pragma once
// The master's WebSocket routes for users (master/API.md "Streams"): what
// runs while the socket is open.
//
//   ExecRelay:   client {cmd} ──/containers/exec──▶ agent (ExecRunner)
//                client {stdin, eof, tty_size} ──tty_input/tty_resize──▶ agent
//                client ◀── {stream, chunk} / {exit} / {error} ── /container_exec/* ── agent
//   LogFollower: the newest `limit` lines, then each new line as it is kept.
//
// Both end with the socket: a closed client terminates its exec; an ended
// exec or a removed grid closes the socket.

#include <QObject>
#include <QPointer>
#include <QTimer>
#include <QWebSocket>

#include "master/grid_runtime.h"
#include "master/log_store.h"

namespace kontena::master {

class ExecRelay : public QObject {
    Q_OBJECT
public:
    // Takes `client` (re-parented); the container runs on `node` of `grid`.
    ExecRelay(QWebSocket* client, GridRuntime* grid, QString node, QString container, bool interactive, bool tty);
    ~ExecRelay() override;

private:
    void fromClient(const QString& text);
    void fromAgent(const QString& node, const protocol::ExecFrame& f);
    void begin(const QStringList& cmd);
    void finish(const QJsonObject& last);

    QWebSocket* client_;
    QPointer<GridRuntime> grid_;
    QString node_, container_, id_;
    bool interactive_, tty_;
    bool started_ = false, done_ = false;
    QTimer firstMessage_;
};

class LogFollower : public QObject {
    Q_OBJECT
public:
    // Takes `client`; sends the newest `query.limit` lines of `query`, then new ones.
    LogFollower(QWebSocket* client, GridRuntime* grid, LogQuery query);

private:
    void sendNew();

    QWebSocket* client_;
    QPointer<GridRuntime> grid_;
    LogQuery query_;
};

}  // namespace kontena::master
