#include "master/log_store.h"

#include <QDir>
#include <QFile>

#include <sqlite3.h>

#include <algorithm>

namespace kontena::master {

namespace {

constexpr const char* kSchema[] = {
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",
    "CREATE TABLE IF NOT EXISTS log_lines (id INTEGER PRIMARY KEY AUTOINCREMENT, grid TEXT NOT NULL, stack TEXT NOT NULL,"
    " service TEXT NOT NULL, instance INTEGER NOT NULL, node TEXT NOT NULL, stream TEXT NOT NULL, at_ms INTEGER NOT NULL,"
    " line TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS log_lines_service ON log_lines(grid, stack, service, instance, id)",
    "CREATE INDEX IF NOT EXISTS log_lines_grid ON log_lines(grid, id)",
    "CREATE INDEX IF NOT EXISTS log_lines_at ON log_lines(grid, at_ms)",
    "CREATE TABLE IF NOT EXISTS event_lines (id INTEGER PRIMARY KEY AUTOINCREMENT, grid TEXT NOT NULL, at_ms INTEGER NOT NULL,"
    " kind TEXT NOT NULL, subject TEXT NOT NULL, detail TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS event_lines_grid ON event_lines(grid, id)",
};

// A statement that finalizes itself.
struct Stmt {
    sqlite3_stmt* s = nullptr;
    ~Stmt() { sqlite3_finalize(s); }
};

void bindText(sqlite3_stmt* s, int i, const QString& v) {
    const QByteArray u = v.toUtf8();
    sqlite3_bind_text(s, i, u.constData(), static_cast<int>(u.size()), SQLITE_TRANSIENT);
}

QString textOf(sqlite3_stmt* s, int col) {
    return QString::fromUtf8(reinterpret_cast<const char*>(sqlite3_column_text(s, col)), sqlite3_column_bytes(s, col));
}

int bindFilters(sqlite3_stmt* s, const LogQuery& q) {
    int i = 1;
    bindText(s, i++, q.grid);
    if (q.stack) bindText(s, i++, *q.stack);
    if (q.service) bindText(s, i++, *q.service);
    if (q.instance) sqlite3_bind_int(s, i++, *q.instance);
    if (q.sinceMs) sqlite3_bind_int64(s, i++, *q.sinceMs);
    if (q.afterId) sqlite3_bind_int64(s, i++, *q.afterId);
    return i;
}

LogLine lineOf(sqlite3_stmt* s) {
    LogLine l;
    l.id = sqlite3_column_int64(s, 0);
    l.grid = textOf(s, 1);
    l.stack = textOf(s, 2);
    l.service = textOf(s, 3);
    l.instance = sqlite3_column_int(s, 4);
    l.node = textOf(s, 5);
    l.stream = textOf(s, 6);
    l.atMs = sqlite3_column_int64(s, 7);
    l.text = textOf(s, 8);
    return l;
}

}  // namespace

QString LogStore::whereOf(const LogQuery& q) {
    QString w = QStringLiteral("grid = ?");
    if (q.stack) w += QStringLiteral(" AND stack = ?");
    if (q.service) w += QStringLiteral(" AND service = ?");
    if (q.instance) w += QStringLiteral(" AND instance = ?");
    if (q.sinceMs) w += QStringLiteral(" AND at_ms >= ?");
    if (q.afterId) w += QStringLiteral(" AND id > ?");
    return w;
}

LogStore::LogStore() = default;

LogStore::~LogStore() {
    sqlite3_finalize(insert_);
    sqlite3_close(db_);
}

bool LogStore::exec(const char* sql) {
    char* err = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) == SQLITE_OK) return true;
    lastError_ = QString::fromUtf8(err ? err : sqlite3_errmsg(db_));
    sqlite3_free(err);
    return false;
}

bool LogStore::open(const QString& dir, QString* error) {
    QDir().mkpath(dir);
    const QByteArray path = QFile::encodeName(dir + QStringLiteral("/logs.db"));
    bool ok = sqlite3_open(path.constData(), &db_) == SQLITE_OK;
    for (const char* sql : kSchema) ok = ok && exec(sql);
    ok = ok && sqlite3_prepare_v2(db_, "INSERT INTO log_lines (grid, stack, service, instance, node, stream, at_ms, line) "
                                       "VALUES (?,?,?,?,?,?,?,?)",
                                  -1, &insert_, nullptr) == SQLITE_OK;
    if (!ok) *error = lastError_.isEmpty() ? QString::fromUtf8(sqlite3_errmsg(db_)) : lastError_;
    return ok;
}

bool LogStore::append(std::vector<LogLine>& lines) {
    if (shared()) return appendShared(lines);
    if (!exec("BEGIN")) return false;
    for (auto& l : lines) {
        sqlite3_reset(insert_);
        bindText(insert_, 1, l.grid);
        bindText(insert_, 2, l.stack);
        bindText(insert_, 3, l.service);
        sqlite3_bind_int(insert_, 4, l.instance);
        bindText(insert_, 5, l.node);
        bindText(insert_, 6, l.stream);
        sqlite3_bind_int64(insert_, 7, l.atMs);
        bindText(insert_, 8, l.text);
        if (sqlite3_step(insert_) != SQLITE_DONE) {
            lastError_ = QString::fromUtf8(sqlite3_errmsg(db_));
            exec("ROLLBACK");
            return false;
        }
        l.id = sqlite3_last_insert_rowid(db_);
    }
    return exec("COMMIT");
}

std::vector<LogLine> LogStore::query(const LogQuery& q) const {
    if (shared()) return queryShared(q);
    const QByteArray sql = (QStringLiteral("SELECT id, grid, stack, service, instance, node, stream, at_ms, line FROM log_lines WHERE ") +
                            whereOf(q) + (q.oldestFirst ? QStringLiteral(" ORDER BY id ASC LIMIT ?") : QStringLiteral(" ORDER BY id DESC LIMIT ?")))
                               .toUtf8();
    Stmt st;
    std::vector<LogLine> out;
    if (sqlite3_prepare_v2(db_, sql.constData(), -1, &st.s, nullptr) != SQLITE_OK) {
        lastError_ = QString::fromUtf8(sqlite3_errmsg(db_));
        return out;
    }
    sqlite3_bind_int(st.s, bindFilters(st.s, q), std::clamp(q.limit, 1, 100000));
    while (sqlite3_step(st.s) == SQLITE_ROW) out.push_back(lineOf(st.s));
    if (!q.oldestFirst) std::reverse(out.begin(), out.end());
    return out;
}

bool LogStore::appendEvents(const std::vector<EventLine>& events) {
    if (shared()) return appendEventsShared(events);
    if (events.empty()) return true;
    Stmt ins;
    if (sqlite3_prepare_v2(db_, "INSERT INTO event_lines (grid, at_ms, kind, subject, detail) VALUES (?,?,?,?,?)", -1, &ins.s, nullptr) != SQLITE_OK ||
        !exec("BEGIN")) {
        lastError_ = QString::fromUtf8(sqlite3_errmsg(db_));
        return false;
    }
    for (const EventLine& e : events) {
        sqlite3_reset(ins.s);
        bindText(ins.s, 1, e.grid);
        sqlite3_bind_int64(ins.s, 2, e.atMs);
        bindText(ins.s, 3, e.kind);
        bindText(ins.s, 4, e.subject);
        bindText(ins.s, 5, e.detail);
        if (sqlite3_step(ins.s) != SQLITE_DONE) {
            lastError_ = QString::fromUtf8(sqlite3_errmsg(db_));
            exec("ROLLBACK");
            return false;
        }
    }
    return exec("COMMIT");
}

std::vector<EventLine> LogStore::recentEvents(const QString& grid, int limit) const {
    if (shared()) return recentEventsShared(grid, limit);
    std::vector<EventLine> out;
    Stmt st;
    if (sqlite3_prepare_v2(db_, "SELECT at_ms, kind, subject, detail FROM event_lines WHERE grid = ? ORDER BY id DESC LIMIT ?", -1, &st.s, nullptr) !=
        SQLITE_OK) {
        lastError_ = QString::fromUtf8(sqlite3_errmsg(db_));
        return out;
    }
    bindText(st.s, 1, grid);
    sqlite3_bind_int(st.s, 2, std::max(limit, 0));
    while (sqlite3_step(st.s) == SQLITE_ROW) out.push_back(EventLine{grid, sqlite3_column_int64(st.s, 0), textOf(st.s, 1), textOf(st.s, 2), textOf(st.s, 3)});
    std::reverse(out.begin(), out.end());
    return out;
}

std::int64_t LogStore::count(const QString& grid) const {
    if (shared()) return countShared(grid);
    Stmt st;
    if (sqlite3_prepare_v2(db_, "SELECT COUNT(*) FROM log_lines WHERE grid = ?", -1, &st.s, nullptr) != SQLITE_OK) return -1;
    bindText(st.s, 1, grid);
    return sqlite3_step(st.s) == SQLITE_ROW ? sqlite3_column_int64(st.s, 0) : -1;
}

std::int64_t LogStore::enforce(const LogRetention& r, qint64 nowMs) {
    if (shared()) return enforceShared(r, nowMs);
    trim("event_lines", r.maxEventsPerGrid, nowMs - r.maxAgeMs);
    return trim("log_lines", r.maxLinesPerGrid, nowMs - r.maxAgeMs);
}

std::int64_t LogStore::trim(const char* table, std::int64_t maxPerGrid, qint64 beforeMs) {
    const QByteArray t(table);
    std::int64_t dropped = 0;
    Stmt old;
    const QByteArray aged = QByteArray("DELETE FROM ") + t + QByteArray(" WHERE at_ms < ?");
    if (sqlite3_prepare_v2(db_, aged.constData(), -1, &old.s, nullptr) == SQLITE_OK) {
        sqlite3_bind_int64(old.s, 1, beforeMs);
        if (sqlite3_step(old.s) == SQLITE_DONE) dropped += sqlite3_changes(db_);
    }
    std::vector<QString> grids;
    Stmt names;
    const QByteArray distinct = QByteArray("SELECT DISTINCT grid FROM ") + t;
    if (sqlite3_prepare_v2(db_, distinct.constData(), -1, &names.s, nullptr) == SQLITE_OK) {
        while (sqlite3_step(names.s) == SQLITE_ROW) grids.push_back(textOf(names.s, 0));
    }
    const QByteArray sql = QByteArray("DELETE FROM ") + t + QByteArray(" WHERE grid = ?1 AND id <= (SELECT id FROM ") + t +
                           QByteArray(" WHERE grid = ?1 ORDER BY id DESC LIMIT 1 OFFSET ?2)");
    for (const QString& g : grids) {
        Stmt over;
        if (sqlite3_prepare_v2(db_, sql.constData(), -1, &over.s, nullptr) != SQLITE_OK) continue;
        bindText(over.s, 1, g);
        sqlite3_bind_int64(over.s, 2, maxPerGrid);
        if (sqlite3_step(over.s) == SQLITE_DONE) dropped += sqlite3_changes(db_);
    }
    return dropped;
}

}  // namespace kontena::master
