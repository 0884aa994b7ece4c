#pragma once
// The master's persistent store: SQLite (Qt Sql) in WAL mode with
// synchronous=FULL, so a write that returned is on disk and survives
// kill -9 of the master. Documents are JSON objects by (kind, id); the
// audit log is an append-only table.
//
// Why SQLite: embedded (no server to run), crash-safe by design, in
// Debian (libqt6sql6-sqlite), and one file to back up.

#include <QJsonObject>
#include <QList>
#include <QSqlDatabase>
#include <QString>

#include <optional>

namespace kontena::master {

class Store {
public:
    Store() = default;
    ~Store();
    Store(const Store&) = delete;
    Store& operator=(const Store&) = delete;

    // Opens (creating) `dir`/master.db. False with `error` set on failure.
    bool open(const QString& dir, QString* error);

    bool put(const QString& kind, const QString& id, const QJsonObject& doc);
    bool remove(const QString& kind, const QString& id);
    std::optional<QJsonObject> get(const QString& kind, const QString& id) const;
    QList<QJsonObject> all(const QString& kind) const;   // ordered by id

    // Audit log: append, and the newest `limit` entries (oldest first),
    // for one grid or all grids (empty `grid`).
    bool appendAudit(const QString& grid, const QJsonObject& entry);
    QList<QJsonObject> audit(const QString& grid, int limit) const;

    QString lastError() const { return lastError_; }
    // The open connection, for tables kept by other units (vault_store.cpp).
    QSqlDatabase database() const { return QSqlDatabase::database(connection_, false); }

private:
    QString connection_;
    mutable QString lastError_;
};

}  // namespace kontena::master
