#pragma once
// A grid's logs kept in memory (not persisted): the core's timeline entries
// (event_logs) and the containers' output the agents stream (container_logs).
// Both are bounded; the oldest entries go first.

#include <QList>
#include <QStringList>

#include <deque>

#include "api/logs.h"
#include "scheduler/controller.h"

namespace kontena::master {

class GridLogs {
public:
    static constexpr std::size_t kEventLogMax = 5000;
    static constexpr std::size_t kContainerLogMax = 20000;

    void addEvent(const LogEntry& e);
    // One container output line from `node`; gets the next cursor id.
    void addContainerLine(const QString& node, const QString& at, const QString& name, const QString& stream, const QString& data);

    // The newest `limit` events, oldest first.
    QList<api::EventLogEntry> events(int limit) const;
    // The newest `limit` container lines, oldest first, of the containers
    // named in `names` (empty: every container). Lines carry no "service"
    // nor "instance_number" yet (left out of the JSON).
    QList<api::ContainerLogEntry> containerLines(const QStringList& names, int limit) const;

private:
    std::deque<LogEntry> events_;
    std::deque<api::ContainerLogEntry> lines_;
    qint64 nextLineId_ = 1;
};

}  // namespace kontena::master
