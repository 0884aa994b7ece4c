#pragma once
// A grid as one stored document (Store kind "grid") and back: its
// identity, settings, the core's state (nodes, services with their specs,
// stacks, instances with the agents' last reports, volumes, counters), the
// stack documents and the volumes' creation dates.
//
// Restoring starts from the master's restart: every node counts as seen at
// `now` and offline until its agent reconnects, and deploy revisions
// continue from the wall clock so they only grow.

#include <QHash>
#include <QSet>
#include <QJsonObject>
#include <QJsonValue>
#include <QString>

#include "api/grid.h"
#include "master/stack_book.h"
#include "scheduler/model.h"

namespace kontena::master {

class GridRuntime;

struct GridRecord {
    QString name;
    QString token;
    qint64 createdAt = 0;   // ms since the epoch
    ClusterState state;
    StackBook stacks;
    QHash<QString, QJsonValue> volumeCreated;   // volume name -> created_at
    QHash<QString, QSet<QString>> oneshotDone;  // service key -> "kind/name/N" (GridRuntime::oneshotDone)
    std::optional<api::GridLogSettings> logForwarding;
    std::int64_t forwardedLineId = 0;
    std::optional<api::StatsdServer> statsd;   // the grid's statsd export
};

// The document to store for `grid` now.
QJsonObject gridDocument(const GridRuntime& grid);
// The grid a stored document (or POST /v1/grids' document) describes, as
// of `now`. Missing fields get their defaults; initial_size is clamped to
// 1..7 and max_nodes to 1..Grid::kMaxNodesLimit.
GridRecord restoreGrid(const QJsonObject& doc, Instant now);

}  // namespace kontena::master
