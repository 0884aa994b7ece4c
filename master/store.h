#pragma once
// The master's persistent store: SQLite (Qt Sql) in WAL mode with
// synchronous=FULL, so a write that returned is on disk and survives
// kill -9 of the master; or, for several masters, one PostgreSQL database
// they share (a postgresql:// URL; master/README.md "Several masters"). Documents are JSON objects by (kind, id); a grid
// is rows (grid, kind, id) written as changes, several in one transaction
// (grid_persistence.h); the audit log is an append-only table.
//
// Why SQLite: embedded (no server to run), crash-safe by design, in
// Debian (libqt6sql6-sqlite), and one file to back up.
// Why PostgreSQL through Qt's QPSQL driver (libqt6sql6-psql) and not
// libpq directly: the store stays one implementation over QSqlDatabase;
// the dialects differ only in column types and SQLite's pragmas (upserts
// are INSERT ... ON CONFLICT in both), so every query is tested on both.

#include <QJsonObject>
#include <QList>
#include <QSqlDatabase>
#include <QString>
#include <QTimer>
#include <QUrl>

#include <functional>

#include <map>
#include <optional>
#include <vector>

namespace kontena::master {

// One row of a grid: its kind ("grid", "node", "service", "instance", ...),
// its id within the kind, and its body (compact JSON). A write with
// `drop` set deletes the row.
struct GridRow {
    QString kind;
    QString id;
    QByteArray body;
    bool drop = false;
};

class Store {
public:
    Store() = default;
    ~Store();
    Store(const Store&) = delete;
    Store& operator=(const Store&) = delete;

    // Opens (creating) `target`/master.db, or with a postgresql:// URL
    // (postgresql://USER[:PASSWORD]@HOST[:PORT]/DB[?host=SOCKETDIR]) that
    // database, creating the tables. False with `error` set on failure.
    bool open(const QString& target, QString* error);
    static bool isPostgresUrl(const QString& target);
    bool postgres() const { return postgres_; }

    // Several masters: called first in every transaction that writes a
    // grid's rows (or removes the grid), on this store's connection; false
    // refuses the write (the transaction rolls back). The lease's fencing
    // check (master/cluster_lease.h). Unset: every write goes through.
    using Fence = std::function<bool(const QString& grid)>;
    void setFence(Fence fence) { fence_ = std::move(fence); }

    bool put(const QString& kind, const QString& id, const QJsonObject& doc);
    bool remove(const QString& kind, const QString& id);
    std::optional<QJsonObject> get(const QString& kind, const QString& id) const;
    QList<QJsonObject> all(const QString& kind) const;   // ordered by id

    // Writes `rows` of `grid` in one transaction (all or none); with
    // `dropLegacy` also deletes the grid's old single document (kind
    // "grid" in the documents), so a migration is one transaction too.
    bool writeGridRows(const QString& grid, const std::vector<GridRow>& rows, bool dropLegacy);
    // The same, inside a transaction the caller opened (a deferred write).
    bool putGridRows(const QString& grid, const std::vector<GridRow>& rows, bool dropLegacy);

    // Writes that may wait up to 200 ms (agents' and timers' changes):
    // all deferred within that time commit in one transaction, so one
    // fsync covers every grid that changed (at 40 grids each writing
    // within 200 ms of its own change, the event loop spent most of its
    // time in fsync). `write` runs inside the transaction (false: roll
    // back all); `done(committed)` runs after. One per owner: deferring
    // again before the flush keeps the first.
    void defer(const void* owner, std::function<bool()> write, std::function<void(bool committed)> done);
    void cancelDeferred(const void* owner);
    // Whether `owner` has a write waiting for the next deferred transaction.
    bool deferred(const void* owner) const { return deferred_.count(owner) != 0; }
    // Commits the deferred writes now; false if the transaction failed.
    bool flushDeferred();
    // Every grid's rows, by grid, each grid's ordered by kind and id.
    std::map<QString, std::vector<GridRow>> gridRows() const;
    // One grid's rows, ordered by kind and id (empty: none stored).
    std::vector<GridRow> gridRows(const QString& grid) const;
    // Deletes a grid's rows and its old document, in one transaction.
    bool removeGrid(const QString& grid);

    // Audit log: append, and the newest `limit` entries (oldest first),
    // for one grid or all grids (empty `grid`).
    bool appendAudit(const QString& grid, const QJsonObject& entry);
    QList<QJsonObject> audit(const QString& grid, int limit) const;

    QString lastError() const { return lastError_; }
    // The open connection, for tables kept by other units (vault_store.cpp).
    QSqlDatabase database() const { return QSqlDatabase::database(connection_, false); }

private:
    struct Deferred {
        std::function<bool()> write;
        std::function<void(bool)> done;
    };
    bool openPostgres(const QUrl& url, QString* error);
    bool prepareTables(QString* error);
    bool fenced(const QString& grid);

    QString connection_;
    bool postgres_ = false;
    Fence fence_;
    std::map<const void*, Deferred> deferred_;
    QTimer flushTimer_;
    mutable QString lastError_;
};

}  // namespace kontena::master
