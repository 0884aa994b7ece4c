#pragma once
// Container logs kept by the master (reference §11.5; issue 17): durable in
// their own SQLite file beside the store (`logs.db`, WAL; SQLite's C API
// with one reused prepared insert, since Qt Sql's per-value binding cost
// ~60 us a line, 6x the target's budget), so a restart
// loses no line whose batch was appended, and the grid's documents never
// wait behind log writes. Lines are indexed by grid, stack, service,
// instance and time; retention by count per grid and by age.
//
// A line's id is its position in the grid's log: `kontena ... logs -f`
// follows by asking for lines after the last id it printed.
//
// The grids' event logs are kept beside the lines (table event_lines), so
// what happened before a restart or a failover can still be read.
//
// With several masters on PostgreSQL the lines are in that store's
// `log_lines` table instead (openShared): a grid's new leader serves and
// forwards the lines its predecessor was sent.

#include <QString>

#include <cstdint>
#include <optional>
#include <vector>

struct sqlite3;
struct sqlite3_stmt;

namespace kontena::master {

struct LogLine {
    std::int64_t id = 0;        // assigned by append
    QString grid, stack, service;
    int instance = 0;
    QString node;
    QString stream = QStringLiteral("stdout");   // stdout | stderr
    qint64 atMs = 0;            // when the container wrote it (epoch ms)
    QString text;
};

// An entry of a grid's event log (the core's LogEntry), as stored.
struct EventLine {
    QString grid;
    qint64 atMs = 0;
    QString kind, subject, detail;
};

struct LogQuery {
    QString grid;
    std::optional<QString> stack, service;   // service needs stack
    std::optional<int> instance;
    std::optional<qint64> sinceMs;           // at or after
    std::optional<std::int64_t> afterId;     // follow: only newer lines
    int limit = 100;                         // the newest `limit` of what matches (tail)
    bool oldestFirst = false;                // instead: the oldest `limit` (reading on from `afterId`)
};

struct LogRetention {
    std::int64_t maxLinesPerGrid = 1'000'000;
    qint64 maxAgeMs = 7LL * 24 * 3600 * 1000;
    std::int64_t maxEventsPerGrid = 100'000;   // event log entries (same age limit)
};

class LogStore {
public:
    LogStore();
    ~LogStore();
    LogStore(const LogStore&) = delete;
    LogStore& operator=(const LogStore&) = delete;

    // Opens (creating) `dir`/logs.db. False with `error` set on failure.
    bool open(const QString& dir, QString* error);
    // Several masters: the lines in the shared PostgreSQL store instead,
    // on a connection of its own made like `storeConnection` (a QSqlDatabase
    // connection name), so whichever master leads a grid next reads what the
    // one before it kept (log_store_pg.cpp). One INSERT a batch: the lines
    // go as one JSON array (json_to_recordset), not 8 bound values a line.
    bool openShared(const QString& storeConnection, QString* error);
    // Appends the batch in one transaction, setting each line's id; true once
    // it is on disk (synchronous=NORMAL in WAL: survives a killed master; a
    // power cut may lose the last batches, never corrupt the file).
    bool append(std::vector<LogLine>& lines);
    // Matching lines, oldest first.
    std::vector<LogLine> query(const LogQuery& q) const;
    // Grids' event log entries, in one transaction (a restart, or the grid's
    // next leader, reads them back).
    bool appendEvents(const std::vector<EventLine>& events);
    // The newest `limit` entries of `grid`'s event log, oldest first.
    std::vector<EventLine> recentEvents(const QString& grid, int limit) const;
    // Drops lines beyond the retention; how many.
    std::int64_t enforce(const LogRetention& r, qint64 nowMs);
    std::int64_t count(const QString& grid) const;
    QString lastError() const { return lastError_; }
    bool isOpen() const { return db_ != nullptr || !pg_.isEmpty(); }
    bool shared() const { return !pg_.isEmpty(); }

private:
    bool exec(const char* sql);
    // Retention of one table (log_lines, event_lines): rows older than
    // `beforeMs`, then all but each grid's newest `maxPerGrid`; how many went.
    std::int64_t trim(const char* table, std::int64_t maxPerGrid, qint64 beforeMs);
    std::int64_t trimShared(const char* table, std::int64_t maxPerGrid, qint64 beforeMs);
    // A query's filters as SQL (`grid = ? AND ...`), the same in both dialects;
    // the values are bound in this order.
    static QString whereOf(const LogQuery& q);
    bool appendShared(std::vector<LogLine>& lines);
    std::vector<LogLine> queryShared(const LogQuery& q) const;
    bool appendEventsShared(const std::vector<EventLine>& events);
    std::vector<EventLine> recentEventsShared(const QString& grid, int limit) const;
    std::int64_t enforceShared(const LogRetention& r, qint64 nowMs);
    std::int64_t countShared(const QString& grid) const;

    QString pg_;   // the PostgreSQL connection's name (openShared), else empty

    ::sqlite3* db_ = nullptr;
    ::sqlite3_stmt* insert_ = nullptr;
    mutable QString lastError_;
};

}  // namespace kontena::master
