#pragma once
// One grid, live: the core's ClusterState and Controller driven by a real
// clock. The runtime turns agent frames (through AgentSessions), API calls
// and QTimers into core events, commits the decisions, keeps the grid's
// bookkeeping beside the core (stack documents, logs, volume dates),
// persists what changed and hands the commands to the agents. All
// scheduling, grace and failure logic is the core's (scheduler/controller.h).
//
//   API handler ──apply()──▶ GridRuntime ──decide/commit──▶ Controller
//   AgentSessions ─deliver()─▶    │  ◀── QTimer (TimerFired)
//                                  ├── commands ──▶ AgentSessions ──▶ agents
//                                  └── save() ──▶ Store (grid_persistence.h)

#include <QHash>
#include <QJsonObject>
#include <QObject>
#include <QTimer>
#include <QWebSocket>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "api/grid.h"
#include "master/grid_logs.h"
#include "master/grid_persistence.h"
#include "master/grid_stats.h"
#include "protocol/messages.h"
#include "master/stack_book.h"
#include "protocol/handshake.h"
#include "scheduler/controller.h"
#include "scheduler/result.h"

namespace kontena::master {

class AgentSessions;
class Store;

// What the grid's stack installs and agents may learn of its vault (set by
// the master over its VaultStore; unset: the master has no vault key).
struct GridVault {
    std::function<bool(const QString& name)> exists;
    // The value; nullopt when missing; an error (never quoting it) when it does not open.
    std::function<std::optional<Result<QByteArray>>(const QString& name)> read;
    // A certificate's bundle (cert + chain + key) by subject, as `read`.
    std::function<std::optional<Result<QByteArray>>(const QString& subject)> certificate;
    // Docker's X-Registry-Auth value for a registry host; nullopt: none stored.
    std::function<std::optional<QByteArray>(const QString& host)> registryAuth;
    bool configured() const { return exists && read; }
};

struct ApplyResult {
    std::optional<Refusal> refused;   // why, with the platform's message
    Decision decision;                // also says which deploys the event started
};

class GridRuntime : public QObject {
    Q_OBJECT
public:
    // A new grid (`doc` from POST /v1/grids) or one loaded from the store
    // (grid_persistence.h). Arms the core's startup timers and starts again
    // the stack deploys a restart cut short.
    // With `lead` false (a follower's copy of a grid another master leads,
    // master/cluster_lease.h): nothing runs and nothing is written; the
    // copy only answers reads.
    GridRuntime(Store& store, const QJsonObject& doc, QObject* parent = nullptr, bool lead = true);
    bool leading() const { return lead_; }
    ~GridRuntime() override;

    // The platform's own timings (those the API does not set) multiplied by
    // `factor` in every grid made after this (kontena-master --time-scale).
    static void setTimeScale(double factor) { timeScale_ = factor; }
    static double timeScale() { return timeScale_; }
    // Rehearsals on real hosts (kontena-master --rehearsal-seed N): every
    // decision draws its randomness from N, as a simulator run with
    // EngineOptions::decisionSeed does, and nodes' memory samples do not
    // rank them (the simulator has none), so both place alike.
    static void setRehearsalSeed(std::optional<std::uint64_t> seed) { rehearsalSeed_ = seed; }

    QString name() const { return name_; }
    const ClusterState& state() const { return ctl_->state(); }
    // The core's placement index: which instance records sit on which node.
    const PlacementIndex& placementIndex() const { return ctl_->index(); }
    QString token() const { return token_; }   // the grid token (agents only)
    const QString& tokenDigest() const { return tokenDigest_; }   // Auth::digest(token())
    qint64 createdAt() const { return createdAt_; }
    // The overlay's subnet (POST /v1/grids' `subnet`): node addresses in
    // its lower half (nodeOverlayAddress), containers' in the upper.
    const std::string& subnet() const { return subnet_; }
    Instant now() const;

    // Writes what changed since the last save, in one transaction
    // (acknowledged API changes call this before answering). False if the
    // store failed (what changed is then written with the next save).
    bool save();
    // Saves within 200 ms with other grids' changes (one transaction) and
    // then runs `then` (after a failed write: after the retry succeeded).
    void saveThen(std::function<void()> then);
    // The grid was removed from the store: nothing of it is written again.
    void forgetStored();
    // What node `node`'s row keeps of its agent changed (AgentSessions:
    // version, addresses): written within 200 ms.
    void nodeRowChanged(const std::string& node);

    // ---- agents
    // A WebSocket whose handshake named this grid's token. Takes ownership.
    void attachAgent(QWebSocket* socket, const protocol::Handshake& hs);
    const AgentSessions& agents() const { return *agents_; }

    // ---- the core
    // An API call: delivers `e` now and saves before returning.
    ApplyResult apply(const Event& e);
    // An agent's or a timer's event: delivers `e` now; the change is saved
    // within 200 ms, in one transaction with other grids' (Store::defer);
    // a keepalive changes no stored row and writes nothing.
    ApplyResult deliver(const Event& e);

    // Installs/upgrades stack `stack` from rendered stack-file text, child
    // stacks first, stopping at the first refusal (stacks/apply.h), and
    // saves. An invalid file refuses with RefusalKind::Invalid and puts its
    // file:line:column messages in `diagnostics`.
    // `files`: what the file reads (StackBook::load); `skipDependencies`:
    // apply only `stack` itself, not its child stacks.
    ApplyResult applyStack(const QString& stack, const QString& source, const QJsonObject& variables, bool deploy,
                           QString* diagnostics, const QJsonObject& files = {}, bool skipDependencies = false);
    const StackBook& stacks() const { return stacks_; }
    // Replaces installed stack `stack`'s labels and saves (a restart keeps
    // them). False if the store failed.
    bool setStackLabels(const QString& stack, const QStringList& labels);

    // ---- the vault
    void setVault(GridVault vault) { vault_ = std::move(vault); }
    const GridVault& vault() const { return vault_; }
    // A secret was created or its value changed: the services using it are
    // updated (ev::SecretChanged) and saved.
    ApplyResult secretChanged(const QString& name) { return apply(ev::SecretChanged{name.toStdString(), false}); }
    // A certificate was imported or replaced: the same for services naming its subject.
    ApplyResult certificateChanged(const QString& subject) { return apply(ev::SecretChanged{subject.toStdString(), true}); }

    // ---- bookkeeping beside the core
    const GridLogs& logs() const { return logs_; }
    GridLogs& logs() { return logs_; }
    // Containers' and nodes' statistics (grid_stats.h), and the statsd export.
    const GridStats& stats() const { return stats_; }
    GridStats& stats() { return stats_; }
    // The grid's statsd server (nullopt: none); saves.
    void setStatsd(const std::optional<api::StatsdServer>& server);
    QJsonValue volumeCreatedAt(const std::string& volume) const { return volumeCreated_.value(QString::fromStdString(volume)); }
    // Oneshot hooks (reference 6.5) run once per instance number for the
    // service's lifetime: an agent marks one done, the pod list stops
    // carrying it for that number; removing the service forgets them.
    void markOneshotDone(const QString& service, const QString& kind, const QString& hook, int number);
    bool oneshotDone(const QString& service, const QString& kind, const QString& hook, int number) const;
    QJsonObject oneshotDocument() const;

    // New grid settings and default affinity (PUT /v1/grids/:grid); what
    // the update leaves unset keeps its value. Saves.
    void setSettings(const api::GridUpdate& update);

    // Log forwarding (reference 11.5): "none", or "fluentd" with opts
    // {"fluentd-address": "host:port"} (checked by the route). Saves.
    void setLogForwarding(const api::GridLogSettings& settings);
    std::optional<api::GridLogSettings> logForwarding() const { return logForwarding_; }
    // The last line id fluentd acknowledged (where forwarding resumes).
    std::int64_t forwardedLineId() const;
    // Starts forwarding as saved (once the log store is set).
    void resumeForwarding() { startForwarding(forwardedFrom_); }

    // A notification to the node's agent (exec); false when it is not connected.
    bool notifyAgent(const std::string& node, const char* method, const QJsonObject& payload);
    // Whether a container of this grid by `name` is placed on `node`.
    bool runsOn(const QString& container, const QString& node) const;

signals:
    void changed();
    // An exec frame (output, exit, error) an agent sent.
    void execFrame(const QString& node, const kontena::protocol::ExecFrame& frame);
    // Container lines were kept (followers read them).
    void containerLinesAdded();

private:
    static inline double timeScale_ = 1.0;
    static inline std::optional<std::uint64_t> rehearsalSeed_;
    void arm(const Timer& t);
    void fireDueTimers();
    void rearmTimer();
    // The core's timers by (due ms, arming order), on one QTimer set to the
    // earliest: a QTimer each (one per instance deploy: 300 s timeouts)
    // made every arming scan Qt's sorted timer list, 100,000s long in a
    // large deploy.
    std::multimap<std::int64_t, Timer> armed_;   // equal times: in the order armed (a multimap appends)
    QTimer coreTimer_;
    void execute(const Command& c);
    void note(const Decision& d);
    void noteStackDeploys(const Decision& d);
    void scheduleSave();
    void resumeStackDeploys();
    QStringList resumeDeploys_;   // stack deploys a restart cut short, started once the quorum is back
    QStringList resumeServices_;  // services short of instances after a restart, deployed then too
    void forgetStats(const Mutation& m);

    Store& store_;
    QString name_;
    QString token_;
    QString tokenDigest_;
    qint64 createdAt_ = 0;
    std::string subnet_;
    std::unique_ptr<Controller> ctl_;
    std::uint64_t rngState_ = 0;
    AgentSessions* agents_ = nullptr;           // a child QObject
    QTimer eventFlush_;                         // the event log to the store (GridLogs::flushEvents)
    StackBook stacks_;
    QHash<QString, QJsonValue> volumeCreated_;  // volume name -> created_at
    QHash<QString, QSet<QString>> oneshotDone_; // service key -> "kind/name/N"
    std::optional<api::GridLogSettings> logForwarding_;
    class FluentdForwarder* forwarder_ = nullptr;   // a child while forwarding
    std::int64_t forwardedFrom_ = 0;                // as saved
    void startForwarding(std::int64_t afterId);
    GridLogs logs_;
    GridStats stats_;
    GridVault vault_;
    bool dirty_ = false;
    std::vector<GridRow> deferredRows_;   // what the store's deferred write is writing
    std::vector<std::function<void()>> afterSave_;   // saveThen's, run once stored
    void saved();
    GridRows rows_;              // what changed since the last save
    bool stored_ = true;         // false once removed from the store (or a follower's copy)
    bool lead_ = true;
    bool legacyDocument_ = true; // the first save also drops an old single document
};

}  // namespace kontena::master
