// The log store in the shared PostgreSQL store (several masters; see
// log_store.h): the same table, filters and retention as logs.db, through
// Qt Sql's QPSQL on a connection of its own.
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QUuid>

#include <algorithm>

#include "master/log_store.h"

namespace kontena::master {

namespace {

constexpr const char* kSharedSchema[] = {
    "CREATE TABLE IF NOT EXISTS log_lines (id BIGSERIAL PRIMARY KEY, grid TEXT NOT NULL, stack TEXT NOT NULL,"
    " service TEXT NOT NULL, instance INTEGER NOT NULL, node TEXT NOT NULL, stream TEXT NOT NULL, at_ms BIGINT NOT NULL,"
    " line TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS log_lines_service ON log_lines(grid, stack, service, instance, id)",
    "CREATE INDEX IF NOT EXISTS log_lines_grid ON log_lines(grid, id)",
    "CREATE INDEX IF NOT EXISTS log_lines_at ON log_lines(grid, at_ms)",
    "CREATE TABLE IF NOT EXISTS event_lines (id BIGSERIAL PRIMARY KEY, grid TEXT NOT NULL, at_ms BIGINT NOT NULL,"
    " kind TEXT NOT NULL, subject TEXT NOT NULL, detail TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS event_lines_grid ON event_lines(grid, id)",
};

// PostgreSQL's text holds no NUL character (a container may print one):
// it is stored as U+FFFD rather than failing the batch again and again.
QString noNul(QString t) { return t.contains(QChar(u'\0')) ? t.replace(QChar(u'\0'), QChar(0xFFFD)) : t; }

void bindFilters(QSqlQuery& s, const LogQuery& q) {
    s.addBindValue(q.grid);
    if (q.stack) s.addBindValue(*q.stack);
    if (q.service) s.addBindValue(*q.service);
    if (q.instance) s.addBindValue(*q.instance);
    if (q.sinceMs) s.addBindValue(*q.sinceMs);
    if (q.afterId) s.addBindValue(qint64(*q.afterId));
}

// One statement for a whole batch: `sql` takes the rows as one JSON array
// (json_array_elements ... WITH ORDINALITY, in the array's order).
bool execBatch(QSqlQuery& q, const QString& sql, const QJsonArray& batch, QString* error) {
    q.prepare(sql);
    q.addBindValue(QString::fromUtf8(QJsonDocument(batch).toJson(QJsonDocument::Compact)));
    if (q.exec()) return true;
    *error = q.lastError().text();
    return false;
}

}  // namespace

bool LogStore::openShared(const QString& storeConnection, QString* error) {
    const QSqlDatabase like = QSqlDatabase::database(storeConnection, false);
    pg_ = QStringLiteral("kontena-logs-") + QUuid::createUuid().toString(QUuid::WithoutBraces);
    QSqlDatabase db = QSqlDatabase::cloneDatabase(like, pg_);
    if (!db.open()) {
        *error = QStringLiteral("cannot open the shared log store: ") + db.lastError().text();
        pg_.clear();
        return false;
    }
    QSqlQuery q(db);
    // The durability of logs.db's synchronous=NORMAL: a committed batch
    // survives a killed master (it is in the server's hands) and may be lost
    // to a crash of the database server's machine within its WAL writer's
    // delay; the grid's rows keep their full synchronous commits (the store's
    // own connection).
    if (!q.exec(QStringLiteral("SET synchronous_commit = off"))) {
        *error = QStringLiteral("cannot set up the shared log store: ") + q.lastError().text();
        pg_.clear();
        return false;
    }
    for (const char* sql : kSharedSchema) {
        if (!q.exec(QString::fromLatin1(sql))) {
            *error = QStringLiteral("cannot create the shared log table: ") + q.lastError().text();
            pg_.clear();
            return false;
        }
    }
    return true;
}

// One statement a batch: the lines as a JSON array the server expands in
// its order, so the ids it draws ascend in the batch's order.
bool LogStore::appendShared(std::vector<LogLine>& lines) {
    if (lines.empty()) return true;
    QJsonArray batch;
    for (const LogLine& l : lines) {
        batch.append(QJsonObject{{QStringLiteral("grid"), l.grid}, {QStringLiteral("stack"), noNul(l.stack)}, {QStringLiteral("service"), noNul(l.service)},
                                 {QStringLiteral("instance"), l.instance}, {QStringLiteral("node"), noNul(l.node)}, {QStringLiteral("stream"), noNul(l.stream)},
                                 {QStringLiteral("at_ms"), double(l.atMs)}, {QStringLiteral("line"), noNul(l.text)}});
    }
    QSqlQuery q(QSqlDatabase::database(pg_, false));
    if (!execBatch(q,
                   QStringLiteral("INSERT INTO log_lines (grid, stack, service, instance, node, stream, at_ms, line) "
                                  "SELECT j->>'grid', j->>'stack', j->>'service', CAST(j->>'instance' AS integer), j->>'node', j->>'stream', "
                                  "CAST(CAST(j->>'at_ms' AS numeric) AS bigint), j->>'line' "
                                  "FROM json_array_elements(CAST(? AS json)) WITH ORDINALITY AS e(j, n) ORDER BY n RETURNING id"),
                   batch, &lastError_)) {
        return false;
    }
    std::vector<std::int64_t> ids;
    ids.reserve(lines.size());
    while (q.next()) ids.push_back(q.value(0).toLongLong());
    if (ids.size() != lines.size()) {
        lastError_ = QStringLiteral("the shared log store stored %1 of %2 lines").arg(ids.size()).arg(lines.size());
        return false;
    }
    std::sort(ids.begin(), ids.end());
    for (std::size_t i = 0; i < lines.size(); ++i) lines[i].id = ids[i];
    return true;
}

bool LogStore::appendEventsShared(const std::vector<EventLine>& events) {
    if (events.empty()) return true;
    QJsonArray batch;
    for (const EventLine& e : events) {
        batch.append(QJsonObject{{QStringLiteral("grid"), e.grid}, {QStringLiteral("at_ms"), double(e.atMs)}, {QStringLiteral("kind"), noNul(e.kind)},
                                 {QStringLiteral("subject"), noNul(e.subject)}, {QStringLiteral("detail"), noNul(e.detail)}});
    }
    QSqlQuery q(QSqlDatabase::database(pg_, false));
    return execBatch(q,
                     QStringLiteral("INSERT INTO event_lines (grid, at_ms, kind, subject, detail) "
                                    "SELECT j->>'grid', CAST(CAST(j->>'at_ms' AS numeric) AS bigint), j->>'kind', j->>'subject', j->>'detail' "
                                    "FROM json_array_elements(CAST(? AS json)) WITH ORDINALITY AS e(j, n) ORDER BY n"),
                     batch, &lastError_);
}

std::vector<EventLine> LogStore::recentEventsShared(const QString& grid, int limit) const {
    QSqlQuery s(QSqlDatabase::database(pg_, false));
    s.setForwardOnly(true);
    s.prepare(QStringLiteral("SELECT at_ms, kind, subject, detail FROM event_lines WHERE grid = ? ORDER BY id DESC LIMIT ?"));
    s.addBindValue(grid);
    s.addBindValue(std::max(limit, 0));
    std::vector<EventLine> out;
    if (!s.exec()) {
        lastError_ = s.lastError().text();
        return out;
    }
    while (s.next()) out.push_back(EventLine{grid, s.value(0).toLongLong(), s.value(1).toString(), s.value(2).toString(), s.value(3).toString()});
    std::reverse(out.begin(), out.end());
    return out;
}

std::vector<LogLine> LogStore::queryShared(const LogQuery& q) const {
    QSqlQuery s(QSqlDatabase::database(pg_, false));
    s.setForwardOnly(true);
    s.prepare(QStringLiteral("SELECT id, grid, stack, service, instance, node, stream, at_ms, line FROM log_lines WHERE ") + whereOf(q) +
              (q.oldestFirst ? QStringLiteral(" ORDER BY id ASC LIMIT ?") : QStringLiteral(" ORDER BY id DESC LIMIT ?")));
    bindFilters(s, q);
    s.addBindValue(std::clamp(q.limit, 1, 100000));
    std::vector<LogLine> out;
    if (!s.exec()) {
        lastError_ = s.lastError().text();
        return out;
    }
    while (s.next()) {
        LogLine l;
        l.id = s.value(0).toLongLong();
        l.grid = s.value(1).toString();
        l.stack = s.value(2).toString();
        l.service = s.value(3).toString();
        l.instance = s.value(4).toInt();
        l.node = s.value(5).toString();
        l.stream = s.value(6).toString();
        l.atMs = s.value(7).toLongLong();
        l.text = s.value(8).toString();
        out.push_back(std::move(l));
    }
    if (!q.oldestFirst) std::reverse(out.begin(), out.end());
    return out;
}

std::int64_t LogStore::countShared(const QString& grid) const {
    QSqlQuery s(QSqlDatabase::database(pg_, false));
    s.prepare(QStringLiteral("SELECT COUNT(*) FROM log_lines WHERE grid = ?"));
    s.addBindValue(grid);
    return s.exec() && s.next() ? s.value(0).toLongLong() : -1;
}

std::int64_t LogStore::enforceShared(const LogRetention& r, qint64 nowMs) {
    trimShared("event_lines", r.maxEventsPerGrid, nowMs - r.maxAgeMs);
    return trimShared("log_lines", r.maxLinesPerGrid, nowMs - r.maxAgeMs);
}

std::int64_t LogStore::trimShared(const char* table, std::int64_t maxPerGrid, qint64 beforeMs) {
    const QString t = QString::fromLatin1(table);
    std::int64_t dropped = 0;
    QSqlDatabase db = QSqlDatabase::database(pg_, false);
    QSqlQuery old(db);
    old.prepare(QStringLiteral("DELETE FROM %1 WHERE at_ms < ?").arg(t));
    old.addBindValue(beforeMs);
    if (old.exec()) dropped += old.numRowsAffected();
    QSqlQuery names(db);
    QStringList grids;
    if (names.exec(QStringLiteral("SELECT DISTINCT grid FROM %1").arg(t))) {
        while (names.next()) grids << names.value(0).toString();
    }
    for (const QString& g : grids) {
        QSqlQuery over(db);
        over.prepare(QStringLiteral("DELETE FROM %1 WHERE grid = ? AND id <= (SELECT id FROM %1 WHERE grid = ? ORDER BY id DESC LIMIT 1 OFFSET ?)").arg(t));
        over.addBindValue(g);
        over.addBindValue(g);
        over.addBindValue(qint64(maxPerGrid));
        if (over.exec()) dropped += over.numRowsAffected();
    }
    return dropped;
}

}  // namespace kontena::master
