#include "master/user_sockets.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QLoggingCategory>
#include <QUuid>

Q_LOGGING_CATEGORY(lcStreams, "kontena.master.streams")

namespace kontena::master {

namespace {

constexpr int kFirstMessageMs = 30000;
constexpr int kFollowBatch = 1000;

QString text(const QJsonObject& o) { return QString::fromUtf8(QJsonDocument(o).toJson(QJsonDocument::Compact)); }

}  // namespace

// ------------------------------------------------------------ exec

ExecRelay::ExecRelay(QWebSocket* client, GridRuntime* grid, QString node, QString container, bool interactive, bool tty)
    : QObject(grid), client_(client), grid_(grid), node_(std::move(node)), container_(std::move(container)),
      id_(QUuid::createUuid().toString(QUuid::WithoutBraces)), interactive_(interactive), tty_(tty) {
    client_->setParent(this);
    connect(client_, &QWebSocket::textMessageReceived, this, &ExecRelay::fromClient);
    connect(client_, &QWebSocket::disconnected, this, [this] {
        if (started_ && !done_ && grid_) grid_->notifyAgent(node_.toStdString(), protocol::method::kExecTerminate, QJsonObject{{QStringLiteral("id"), id_}});
        done_ = true;
        deleteLater();
    });
    connect(grid, &GridRuntime::execFrame, this, &ExecRelay::fromAgent);
    firstMessage_.setSingleShot(true);
    connect(&firstMessage_, &QTimer::timeout, this, [this] { finish(QJsonObject{{QStringLiteral("error"), QStringLiteral("no command was sent")}}); });
    firstMessage_.start(kFirstMessageMs);
}

ExecRelay::~ExecRelay() = default;

void ExecRelay::fromClient(const QString& message) {
    const QJsonObject o = QJsonDocument::fromJson(message.toUtf8()).object();
    if (!started_) {
        QStringList cmd;
        for (const auto& v : o.value(QStringLiteral("cmd")).toArray())
            if (v.isString()) cmd.append(v.toString());
        if (cmd.isEmpty()) return finish(QJsonObject{{QStringLiteral("error"), QStringLiteral("the first message must be {\"cmd\": [\"program\", \"arg\", ...]}")}});
        return begin(cmd);
    }
    if (done_ || !grid_) return;
    protocol::ExecFrame f;
    f.id = id_;
    if (o.contains(QStringLiteral("tty_size"))) {
        const QJsonObject size = o.value(QStringLiteral("tty_size")).toObject();
        f.width = size.value(QStringLiteral("width")).toInt();
        f.height = size.value(QStringLiteral("height")).toInt();
        grid_->notifyAgent(node_.toStdString(), protocol::method::kExecResize, protocol::toJson(f));
        return;
    }
    if (!interactive_) return;   // input only reaches an interactive command
    f.stdinData = o.value(QStringLiteral("stdin")).toString();
    f.eof = o.value(QStringLiteral("eof")).toBool();
    grid_->notifyAgent(node_.toStdString(), protocol::method::kExecInput, protocol::toJson(f));
}

void ExecRelay::begin(const QStringList& cmd) {
    firstMessage_.stop();
    protocol::ExecFrame f;
    f.id = id_;
    f.container = container_;
    f.cmd = cmd;
    f.tty = tty_;
    f.interactive = interactive_;
    if (!grid_ || !grid_->notifyAgent(node_.toStdString(), protocol::method::kExecStart, protocol::toJson(f)))
        return finish(QJsonObject{{QStringLiteral("error"), QStringLiteral("node %1 is not connected").arg(node_)}});
    started_ = true;
    qCInfo(lcStreams).noquote() << "exec" << id_ << "in" << container_ << "on" << node_;
}

void ExecRelay::fromAgent(const QString& node, const protocol::ExecFrame& f) {
    if (f.id != id_ || done_) return;
    if (node != node_) {   // only the node running it may answer
        qCWarning(lcStreams).noquote() << "exec" << id_ << ": a frame from" << node << "instead of" << node_ << "dropped";
        return;
    }
    if (!f.stream.isEmpty()) {
        client_->sendTextMessage(text(QJsonObject{{QStringLiteral("stream"), f.stream}, {QStringLiteral("chunk"), f.chunk}}));
        return;
    }
    if (f.exitCode) return finish(QJsonObject{{QStringLiteral("exit"), *f.exitCode}});
    finish(QJsonObject{{QStringLiteral("error"), f.error.isEmpty() ? QStringLiteral("the command failed") : f.error}});
}

void ExecRelay::finish(const QJsonObject& last) {
    if (done_) return;
    done_ = true;
    firstMessage_.stop();
    client_->sendTextMessage(text(last));
    client_->flush();
    client_->close(QWebSocketProtocol::CloseCodeNormal);
}

// ------------------------------------------------------------ logs

LogFollower::LogFollower(QWebSocket* client, GridRuntime* grid, LogQuery query) : QObject(grid), client_(client), grid_(grid), query_(std::move(query)) {
    client_->setParent(this);
    connect(client_, &QWebSocket::disconnected, this, &QObject::deleteLater);
    connect(grid, &GridRuntime::containerLinesAdded, this, &LogFollower::sendNew);
    sendNew();   // the newest `limit` lines first
    query_.limit = kFollowBatch;
    query_.oldestFirst = true;   // then on from the last one sent
}

void LogFollower::sendNew() {
    if (!grid_ || client_->state() != QAbstractSocket::ConnectedState) return;
    for (;;) {
        const QList<api::ContainerLogEntry> lines = grid_->logs().containerLines(query_);
        for (const api::ContainerLogEntry& l : lines) {
            client_->sendTextMessage(text(l.toJson()));
            query_.afterId = l.id.toLongLong();
        }
        if (!query_.oldestFirst || lines.size() < query_.limit) return;
    }
}

}  // namespace kontena::master
