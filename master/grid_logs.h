#pragma once
// A grid's logs: the core's timeline entries (event_logs, in memory,
// bounded) and the containers' output the agents stream (container_logs):
// in the master's LogStore (logs.db, durable, retention by count and age)
// once one is set, else in memory, bounded, the oldest lines going first.

#include <QList>
#include <QStringList>

#include <deque>
#include <functional>
#include <string>

#include "api/logs.h"
#include "master/log_store.h"
#include "protocol/messages.h"
#include "scheduler/controller.h"

namespace kontena::master {

class GridLogs {
public:
    static constexpr std::size_t kEventLogMax = 5000;
    static constexpr std::size_t kContainerLogMax = 20000;

    // Container lines and events go to `store` (owned by the master) as
    // `grid`'s; with `readBack` (the grid is run here: a restart, a
    // takeover) the newest kEventLogMax events stored are read back first.
    void setStore(LogStore* store, const QString& grid, bool readBack);

    // Kept here; in the store with the next flushEvents().
    void addEvent(const LogEntry& e);
    bool eventsPending() const { return !unstored_.empty(); }
    // Writes the events added since the last flush (one transaction); kept
    // for the next flush when the store fails.
    void flushEvents();
    // A batch of container output lines from `node`, each getting the next
    // id; true once they are kept (on disk when there is a store): only
    // then is the batch acknowledged to the agent.
    bool addContainerLines(const QString& node, const QList<protocol::LogEntry>& batch);

    // The newest `limit` events, oldest first; with `about`, only the events
    // whose subject it accepts.
    QList<api::EventLogEntry> events(int limit, const std::function<bool(const std::string& subject)>& about = {}) const;
    // Subject filters: a service ("stack/service" and its instances
    // "stack/service-N"), a stack (itself and everything in it).
    static std::function<bool(const std::string&)> aboutService(const std::string& key);
    static std::function<bool(const std::string&)> aboutStack(const std::string& stack);
    // The newest `q.limit` container lines matching `q` (its grid is this
    // one's), oldest first.
    QList<api::ContainerLogEntry> containerLines(const LogQuery& q) const;

private:
    std::deque<LogEntry> events_;
    std::vector<EventLine> unstored_;   // added since the last flush (with a store)
    std::deque<LogLine> lines_;   // without a store
    std::int64_t nextLineId_ = 1;
    LogStore* store_ = nullptr;
    QString grid_;
};

}  // namespace kontena::master
