#pragma once
// One grid, live: the core's ClusterState and Controller driven by a real
// clock. The runtime turns agent frames, API calls and QTimers into core
// events, commits the decisions, persists what changed and carries out the
// commands (ping, notify, close, restart). All scheduling, grace and
// failure logic is the core's (scheduler/controller.h): none lives here.

#include <QHash>
#include <QJsonArray>
#include <QJsonObject>
#include <QObject>
#include <QPointer>
#include <QTimer>
#include <QWebSocket>

#include <deque>
#include <utility>
#include <vector>
#include <memory>
#include <optional>

#include "protocol/handshake.h"
#include "scheduler/controller.h"

namespace kontena::master {

class Store;

struct ApplyResult {
    std::optional<Refusal> refused;   // why, with the platform's message
    Decision decision;
};

class GridRuntime : public QObject {
    Q_OBJECT
public:
    // A new grid (`doc` from POST /v1/grids) or one loaded from the store.
    GridRuntime(Store& store, const QJsonObject& doc, QObject* parent = nullptr);
    ~GridRuntime() override;

    QString name() const { return name_; }
    const ClusterState& state() const { return ctl_->state(); }
    QString token() const { return token_; }   // the grid token (agents only)
    qint64 createdAt() const { return createdAt_; }

    // Persists everything now (acknowledged API changes call this before
    // answering). False if the store failed.
    bool save();

    // ---- agents
    // A WebSocket whose handshake named this grid's token. Takes ownership.
    void attachAgent(QWebSocket* socket, const protocol::Handshake& hs);
    int connectedAgents() const;

    // ---- API operations: deliver one core event now.
    ApplyResult apply(const Event& e);
    // Installs/upgrades a stack from rendered stack-file text.
    // `diagnostics` gets file:line:column messages when the file is invalid.
    ApplyResult applyStack(const QString& stack, const QString& source, const QJsonObject& variables, bool deploy,
                           QString* diagnostics);
    std::optional<QString> stackSource(const QString& stack) const;
    QString stackParent(const QString& stack) const;
    qint64 stackCreatedAt(const QString& stack) const;

    // ---- read models for the API (shapes of master/API.md)
    QJsonObject gridJson() const;
    QJsonObject nodeJson(const Node& n) const;
    QJsonObject serviceJson(const Service& s) const;
    QJsonObject stackJson(const QString& stack) const;
    QJsonArray instancesJson(const QString& serviceKey) const;
    QJsonObject deployJson(const ServiceDeploy& d) const;
    QJsonObject volumeJson(const Volume& v) const;
    QJsonArray eventLogs(int limit) const;
    QJsonArray containerLogs(const QString& serviceKey, int limit) const;

    void setSettings(const QJsonObject& settings);
    static QJsonObject settingsJson(const GridSettings& s);

signals:
    void changed();

private:
    struct Session;
    void deliverTimer(const Timer& t);
    ApplyResult deliver(const Event& e);
    void execute(const Command& c);
    void arm(const Timer& t);
    void onFrame(Session* s, const QString& text);
    void onClosed(Session* s);
    void send(Session* s, const QByteArray& frame);
    Session* sessionOf(const std::string& node, std::optional<Instant> connectedAt = std::nullopt) const;
    QJsonObject snapshot() const;
    void restore(const QJsonObject& doc);
    void scheduleSave();
    Instant now() const;

    Store& store_;
    QString name_;
    QString token_;
    qint64 createdAt_ = 0;
    std::unique_ptr<Controller> ctl_;
    std::uint64_t rngState_ = 0;
    QList<Session*> sessions_;
    QHash<QString, QJsonObject> stackDocs_;   // name -> {source, parent, created_at, variables}
    QHash<QString, QJsonValue> volumeCreated_;   // volume name -> created_at
    std::deque<LogEntry> log_;                // newest last, bounded
    std::deque<QJsonObject> containerLogs_;   // newest last, bounded
    qint64 nextLogId_ = 1;
    QTimer saveTimer_;
    bool dirty_ = false;
};

}  // namespace kontena::master
