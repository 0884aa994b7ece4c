#pragma once
// A grid in the store and back: its identity, settings, the core's state
// (nodes, services with their specs, stacks, instances with the agents'
// last reports, volumes, counters), the stack documents and the volumes'
// creation dates.
//
// Stored as rows (Store::writeGridRows), one per entity: kind "grid" (id
// "-"; identity, settings, counters, log forwarding, statsd), "node",
// "service", "instance" (id "service key#number"), "stack", "stack_doc",
// "volume", "oneshot" (by service key). GridRows knows which rows changed
// since they were written: nodes, services and instances from the core's
// mutations (there may be 10,000s), the few others by comparing all; a row
// whose body is what was last written is not written again (a keepalive
// changes a node in the core, not its stored row). The rows assemble into
// the document shape restoreGrid reads, which is also the old single
// document (Store kind "grid") that a first start migrates.
//
// Restoring to lead starts from the master's restart: every node counts as
// seen at `now` and offline until its agent reconnects (node rows saying
// otherwise are written again), and deploy revisions continue from the
// wall clock so they only grow. A follower's copy shows the nodes' links
// (connected, announced, since when, etcd member) as the leader stored them.
// Both keep what the rows hold of the agents (version, addresses).

#include <QHash>
#include <QSet>

#include <set>
#include <vector>

#include <QJsonObject>
#include <QJsonValue>
#include <QString>

#include "api/grid.h"
#include "master/stack_book.h"
#include "master/store.h"
#include "scheduler/ipv4.h"
#include "scheduler/controller.h"
#include "scheduler/model.h"

namespace kontena::master {

class GridRuntime;

struct GridRecord {
    QString name;
    QString token;
    qint64 createdAt = 0;   // ms since the epoch
    std::string subnet = kDefaultGridSubnet;   // the overlay's (fixed at creation)
    ClusterState state;
    StackBook stacks;
    QHash<QString, QJsonValue> volumeCreated;   // volume name -> created_at
    QHash<QString, QSet<QString>> oneshotDone;  // service key -> "kind/name/N" (GridRuntime::oneshotDone)
    std::optional<api::GridLogSettings> logForwarding;
    std::int64_t forwardedLineId = 0;
    std::optional<api::StatsdServer> statsd;   // the grid's statsd export
    bool fromRows = false;   // read back from its rows (else new, or an old single document)
    // Restored to lead: nodes whose row says otherwise than the restored
    // node (every node counts offline): rows to write again.
    std::vector<std::string> restatedNodes;
    std::map<std::string, QJsonObject> agentRecords;   // node -> AgentSessions::agentRecord as stored
};

// A grid is restored to run it (its leader, or the only master: every node
// offline until its agent reconnects) or as a follower's copy (the nodes'
// links as the leader stored them).
enum class RestoreAs { Leader, Copy };

// The whole grid as one document (restoreGrid's input shape).
QJsonObject gridDocument(const GridRuntime& grid);
// The document a grid's stored rows describe (restoreGrid's input); it
// carries "from_rows": true.
QJsonObject gridDocumentFromRows(const std::vector<GridRow>& rows);

// What of a grid is to be written: rows changed since they were last
// written, and rows to drop.
class GridRows {
public:
    // Every row is to be written (a new grid, or one from an old document).
    void markAll() { all_ = true; }
    // The core changed these (a committed decision's mutations). False
    // when no stored row changes (a keepalive: a node's last-seen time).
    bool note(const std::vector<Mutation>& changes, const GridRuntime& grid);
    // A service's oneshot hooks changed.
    void noteService(const std::string& key) { services_.insert(key); }
    // Node `name`'s row may have changed beside the core (its agent's version or addresses).
    void noteNode(const std::string& name) { nodes_.insert(name); }
    // Node `name`'s row is to be written again even if primed as written
    // (the stored row says otherwise than the restored node).
    void rewriteNode(const std::string& name);
    // Counts every row of `grid` as written as it is now (read back from its rows).
    void prime(const GridRuntime& grid);
    // The rows to write for `grid` now (empty: nothing changed).
    std::vector<GridRow> pending(const GridRuntime& grid) const;
    // `rows` (from pending) were committed.
    void written(const std::vector<GridRow>& rows);

private:
    void collect(const GridRuntime& grid, std::vector<GridRow>& out) const;
    void compareAll(const QString& kind, const QHash<QString, QByteArray>& now, std::vector<GridRow>& out) const;
    bool unchanged(const GridRow& row) const;

    bool all_ = false;
    std::set<std::string> nodes_, services_;
    std::set<InstanceKey> instances_;
    QHash<QString, QHash<QString, size_t>> written_;   // kind -> id -> hash of the body last written
};
// The grid a stored document (or POST /v1/grids' document) describes, as
// of `now`. Missing fields get their defaults; initial_size is clamped to
// 1..7 and max_nodes to 1..Grid::kMaxNodesLimit.
GridRecord restoreGrid(const QJsonObject& doc, Instant now, RestoreAs as = RestoreAs::Leader);

}  // namespace kontena::master
