#include "master/store.h"

#include <QDir>
#include <QJsonDocument>
#include <QSqlError>
#include <QSqlQuery>
#include <QUrl>
#include <QUrlQuery>
#include <QUuid>

namespace kontena::master {

namespace {

QJsonObject parse(const QByteArray& text) { return QJsonDocument::fromJson(text).object(); }
QByteArray serialise(const QJsonObject& o) { return QJsonDocument(o).toJson(QJsonDocument::Compact); }

}  // namespace

Store::~Store() {
    if (connection_.isEmpty()) return;
    QSqlDatabase::database(connection_, false).close();
    QSqlDatabase::removeDatabase(connection_);
}

bool Store::open(const QString& target, QString* error) {
    if (isPostgresUrl(target)) return openPostgres(QUrl(target), error);
    const QString dir = target;
    if (!QDir().mkpath(dir)) {
        *error = QStringLiteral("cannot create the data directory %1").arg(dir);
        return false;
    }
    connection_ = QStringLiteral("kontena-store-") + QUuid::createUuid().toString(QUuid::WithoutBraces);
    QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), connection_);
    db.setDatabaseName(QDir(dir).filePath(QStringLiteral("master.db")));
    if (!db.open()) {
        *error = QStringLiteral("cannot open the store: ") + db.lastError().text();
        return false;
    }
    return prepareTables(error);
}

bool Store::isPostgresUrl(const QString& target) {
    return target.startsWith(QLatin1String("postgresql://")) || target.startsWith(QLatin1String("postgres://"));
}

// postgresql://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?host=/socket/dir]
bool Store::openPostgres(const QUrl& url, QString* error) {
    if (!url.isValid() || url.path().size() < 2) {
        *error = QStringLiteral("the store URL must be postgresql://USER@HOST:PORT/DATABASE");
        return false;
    }
    connection_ = QStringLiteral("kontena-store-") + QUuid::createUuid().toString(QUuid::WithoutBraces);
    QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QPSQL"), connection_);
    if (!db.isValid()) {
        *error = QStringLiteral("the PostgreSQL driver of Qt Sql (QPSQL, Debian package libqt6sql6-psql) is not installed");
        return false;
    }
    postgres_ = true;
    const QString socketDir = QUrlQuery(url).queryItemValue(QStringLiteral("host"));   // libpq: a directory is a unix socket
    db.setHostName(socketDir.isEmpty() ? url.host() : socketDir);
    db.setPort(url.port(5432));
    db.setDatabaseName(url.path().mid(1));
    db.setUserName(url.userName());
    db.setPassword(url.password());
    db.setConnectOptions(QStringLiteral("connect_timeout=5;options='-c client_min_messages=warning'"));
    if (!db.open()) {   // the error names the server, never the password
        *error = QStringLiteral("cannot open the store at %1:%2/%3: %4").arg(db.hostName()).arg(db.port()).arg(db.databaseName(), db.lastError().text());
        return false;
    }
    return prepareTables(error);
}

// One schema, two dialects: only types and SQLite's pragmas differ; upserts
// are INSERT ... ON CONFLICT, which both understand (SQLite since 3.24).
bool Store::prepareTables(QString* error) {
    QSqlQuery q(database());
    QStringList setup;
    if (postgres_) {
        // Other units create tables with SQLite's BLOB type; in PostgreSQL it names bytea.
        setup << QStringLiteral("DO $$ BEGIN CREATE DOMAIN blob AS bytea; EXCEPTION WHEN duplicate_object THEN NULL; END $$")
              << QStringLiteral("CREATE TABLE IF NOT EXISTS docs (kind TEXT NOT NULL, id TEXT NOT NULL, body BYTEA NOT NULL, PRIMARY KEY (kind, id))")
              << QStringLiteral("CREATE TABLE IF NOT EXISTS audit (seq BIGSERIAL PRIMARY KEY, grid TEXT NOT NULL, body BYTEA NOT NULL)")
              << QStringLiteral("CREATE INDEX IF NOT EXISTS audit_grid ON audit (grid, seq)")
              << QStringLiteral("CREATE TABLE IF NOT EXISTS grid_rows (grid TEXT NOT NULL, kind TEXT NOT NULL, id TEXT NOT NULL, body BYTEA NOT NULL, "
                                "PRIMARY KEY (grid, kind, id))")
              // Several masters: a grid's leader and its fencing term (master/cluster_lease.h).
              << QStringLiteral("CREATE TABLE IF NOT EXISTS grid_leases (grid TEXT PRIMARY KEY, holder TEXT NOT NULL, url TEXT NOT NULL, "
                                "term BIGINT NOT NULL, expires TIMESTAMPTZ NOT NULL, version BIGINT NOT NULL DEFAULT 0)");
    } else {
        setup << QStringLiteral("PRAGMA journal_mode=WAL") << QStringLiteral("PRAGMA synchronous=FULL")
              << QStringLiteral("CREATE TABLE IF NOT EXISTS docs (kind TEXT NOT NULL, id TEXT NOT NULL, body BLOB NOT NULL, PRIMARY KEY (kind, id))")
              << QStringLiteral("CREATE TABLE IF NOT EXISTS audit (seq INTEGER PRIMARY KEY AUTOINCREMENT, grid TEXT NOT NULL, body BLOB NOT NULL)")
              << QStringLiteral("CREATE INDEX IF NOT EXISTS audit_grid ON audit (grid, seq)")
              << QStringLiteral("CREATE TABLE IF NOT EXISTS grid_rows (grid TEXT NOT NULL, kind TEXT NOT NULL, id TEXT NOT NULL, body BLOB NOT NULL, "
                                "PRIMARY KEY (grid, kind, id)) WITHOUT ROWID");
    }
    // Several masters may start at once on one database: creating the same table twice races.
    if (postgres_ && !q.exec(QStringLiteral("SELECT pg_advisory_lock(7201019)"))) {
        *error = QStringLiteral("cannot prepare the store: ") + q.lastError().text();
        return false;
    }
    bool ok = true;
    for (const QString& sql : setup) {
        if (!q.exec(sql)) {
            *error = QStringLiteral("cannot prepare the store: ") + q.lastError().text();
            ok = false;
            break;
        }
    }
    if (postgres_) q.exec(QStringLiteral("SELECT pg_advisory_unlock(7201019)"));
    return ok;
}

bool Store::put(const QString& kind, const QString& id, const QJsonObject& doc) {
    QSqlQuery q(QSqlDatabase::database(connection_, false));
    q.prepare(QStringLiteral("INSERT INTO docs (kind, id, body) VALUES (?, ?, ?) ON CONFLICT (kind, id) DO UPDATE SET body = excluded.body"));
    q.addBindValue(kind);
    q.addBindValue(id);
    q.addBindValue(serialise(doc));
    if (!q.exec()) {
        lastError_ = q.lastError().text();
        return false;
    }
    return true;
}

bool Store::remove(const QString& kind, const QString& id) {
    QSqlQuery q(QSqlDatabase::database(connection_, false));
    q.prepare(QStringLiteral("DELETE FROM docs WHERE kind = ? AND id = ?"));
    q.addBindValue(kind);
    q.addBindValue(id);
    if (!q.exec()) {
        lastError_ = q.lastError().text();
        return false;
    }
    return true;
}

std::optional<QJsonObject> Store::get(const QString& kind, const QString& id) const {
    QSqlQuery q(QSqlDatabase::database(connection_, false));
    q.prepare(QStringLiteral("SELECT body FROM docs WHERE kind = ? AND id = ?"));
    q.addBindValue(kind);
    q.addBindValue(id);
    if (!q.exec() || !q.next()) return std::nullopt;
    return parse(q.value(0).toByteArray());
}

QList<QJsonObject> Store::all(const QString& kind) const {
    QList<QJsonObject> out;
    QSqlQuery q(QSqlDatabase::database(connection_, false));
    q.prepare(QStringLiteral("SELECT body FROM docs WHERE kind = ? ORDER BY id"));
    q.addBindValue(kind);
    if (!q.exec()) {
        lastError_ = q.lastError().text();
        return out;
    }
    while (q.next()) out.append(parse(q.value(0).toByteArray()));
    return out;
}

namespace {

// A transaction on `db`: rolled back unless commit() succeeded.
class Transaction {
public:
    explicit Transaction(QSqlDatabase db) : db_(std::move(db)), open_(db_.transaction()) {}
    ~Transaction() {
        if (open_) db_.rollback();
    }
    bool ok() const { return open_; }
    bool commit() {
        if (!open_ || !db_.commit()) return false;
        open_ = false;
        return true;
    }

private:
    QSqlDatabase db_;
    bool open_ = false;
};

}  // namespace

bool Store::writeGridRows(const QString& grid, const std::vector<GridRow>& rows, bool dropLegacy) {
    QSqlDatabase db = QSqlDatabase::database(connection_, false);
    Transaction tx(db);
    if (!tx.ok()) {
        lastError_ = db.lastError().text();
        return false;
    }
    if (!putGridRows(grid, rows, dropLegacy)) return false;
    if (!tx.commit()) {
        lastError_ = db.lastError().text();
        return false;
    }
    return true;
}

bool Store::fenced(const QString& grid) {
    if (!fence_ || fence_(grid)) return false;
    lastError_ = QStringLiteral("refused: this master no longer holds the lease of grid %1 (its term changed)").arg(grid);
    return true;
}

bool Store::putGridRows(const QString& grid, const std::vector<GridRow>& rows, bool dropLegacy) {
    if (fenced(grid)) return false;
    QSqlDatabase db = QSqlDatabase::database(connection_, false);
    QSqlQuery put(db), drop(db);
    put.prepare(QStringLiteral("INSERT INTO grid_rows (grid, kind, id, body) VALUES (?, ?, ?, ?) "
                                "ON CONFLICT (grid, kind, id) DO UPDATE SET body = excluded.body"));
    drop.prepare(QStringLiteral("DELETE FROM grid_rows WHERE grid = ? AND kind = ? AND id = ?"));
    for (const GridRow& r : rows) {
        QSqlQuery& q = r.drop ? drop : put;
        q.bindValue(0, grid);
        q.bindValue(1, r.kind);
        q.bindValue(2, r.id);
        if (!r.drop) q.bindValue(3, r.body);
        if (!q.exec()) {
            lastError_ = q.lastError().text();
            return false;
        }
    }
    if (dropLegacy) {
        QSqlQuery q(db);
        q.prepare(QStringLiteral("DELETE FROM docs WHERE kind = 'grid' AND id = ?"));
        q.addBindValue(grid);
        if (!q.exec()) {
            lastError_ = q.lastError().text();
            return false;
        }
    }
    return true;
}

void Store::defer(const void* owner, std::function<bool()> write, std::function<void(bool committed)> done) {
    deferred_.try_emplace(owner, Deferred{std::move(write), std::move(done)});
    if (flushTimer_.isActive()) return;
    if (!flushTimer_.isSingleShot()) {   // first use
        flushTimer_.setSingleShot(true);
        flushTimer_.setInterval(200);
        QObject::connect(&flushTimer_, &QTimer::timeout, [this] { flushDeferred(); });
    }
    flushTimer_.start();
}

void Store::cancelDeferred(const void* owner) { deferred_.erase(owner); }

bool Store::flushDeferred() {
    flushTimer_.stop();
    // Taken first: a `done` may defer again (a failed write is retried).
    const std::map<const void*, Deferred> batch = std::exchange(deferred_, {});
    if (batch.empty()) return true;
    QSqlDatabase db = QSqlDatabase::database(connection_, false);
    bool ok = false;
    {
        Transaction tx(db);
        ok = tx.ok();
        for (auto it = batch.begin(); ok && it != batch.end(); ++it) ok = it->second.write();
        ok = ok && tx.commit();
        if (!ok && lastError_.isEmpty()) lastError_ = db.lastError().text();
    }
    for (const auto& [owner, d] : batch) d.done(ok);
    return ok;
}

std::map<QString, std::vector<GridRow>> Store::gridRows() const {
    std::map<QString, std::vector<GridRow>> out;
    QSqlQuery q(QSqlDatabase::database(connection_, false));
    q.setForwardOnly(true);
    if (!q.exec(QStringLiteral("SELECT grid, kind, id, body FROM grid_rows ORDER BY grid, kind, id"))) {
        lastError_ = q.lastError().text();
        return out;
    }
    while (q.next()) out[q.value(0).toString()].push_back(GridRow{q.value(1).toString(), q.value(2).toString(), q.value(3).toByteArray()});
    return out;
}

std::vector<GridRow> Store::gridRows(const QString& grid) const {
    std::vector<GridRow> out;
    QSqlQuery q(QSqlDatabase::database(connection_, false));
    q.setForwardOnly(true);
    q.prepare(QStringLiteral("SELECT kind, id, body FROM grid_rows WHERE grid = ? ORDER BY kind, id"));
    q.addBindValue(grid);
    if (!q.exec()) {
        lastError_ = q.lastError().text();
        return out;
    }
    while (q.next()) out.push_back(GridRow{q.value(0).toString(), q.value(1).toString(), q.value(2).toByteArray()});
    return out;
}

bool Store::removeGrid(const QString& grid) {
    QSqlDatabase db = QSqlDatabase::database(connection_, false);
    Transaction tx(db);
    if (tx.ok() && fenced(grid)) return false;
    QSqlQuery rows(db), doc(db);
    rows.prepare(QStringLiteral("DELETE FROM grid_rows WHERE grid = ?"));
    rows.addBindValue(grid);
    doc.prepare(QStringLiteral("DELETE FROM docs WHERE kind = 'grid' AND id = ?"));
    doc.addBindValue(grid);
    if (!tx.ok() || !rows.exec() || !doc.exec() || !tx.commit()) {
        lastError_ = db.lastError().text();
        return false;
    }
    return true;
}

bool Store::appendAudit(const QString& grid, const QJsonObject& entry) {
    QSqlQuery q(QSqlDatabase::database(connection_, false));
    q.prepare(QStringLiteral("INSERT INTO audit (grid, body) VALUES (COALESCE(?, ''), ?)"));   // a master-wide entry: grid ""
    q.addBindValue(grid);
    q.addBindValue(serialise(entry));
    if (!q.exec()) {
        lastError_ = q.lastError().text();
        return false;
    }
    return true;
}

QList<QJsonObject> Store::audit(const QString& grid, int limit) const {
    QList<QJsonObject> out;
    QSqlQuery q(QSqlDatabase::database(connection_, false));
    if (grid.isEmpty()) {
        q.prepare(QStringLiteral("SELECT body FROM (SELECT seq, body FROM audit ORDER BY seq DESC LIMIT ?) AS newest ORDER BY seq"));
        q.addBindValue(limit);
    } else {
        q.prepare(QStringLiteral("SELECT body FROM (SELECT seq, body FROM audit WHERE grid = ? ORDER BY seq DESC LIMIT ?) AS newest ORDER BY seq"));
        q.addBindValue(grid);
        q.addBindValue(limit);
    }
    if (!q.exec()) return out;
    while (q.next()) out.append(parse(q.value(0).toByteArray()));
    return out;
}

}  // namespace kontena::master
