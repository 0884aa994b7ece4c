#include "master/vault_store.h"

#include <QLoggingCategory>
#include <QSqlError>
#include <QSqlQuery>
#include <QVariant>

Q_LOGGING_CATEGORY(lcVault, "kontena.master.vault")

namespace kontena::master {

namespace {

const QString kSecret = QStringLiteral("secret");
const QString kCanary = QStringLiteral("canary");

vault::Address addressOf(const QString& grid, const QString& kind, const QString& name) {
    return vault::Address{grid.toStdString(), kind == kCanary ? vault::RecordKind::Canary : vault::RecordKind::Secret, name.toStdString()};
}

SecretInfo infoOf(const QSqlQuery& q) {
    return SecretInfo{q.value(0).toString(), q.value(1).toString(), q.value(2).toLongLong(), q.value(3).toLongLong()};
}

}  // namespace

bool VaultStore::open(std::unique_ptr<vault::Keyring> keys, const QStringList& grids, QString* error) {
    QSqlQuery q(store_.database());
    if (!q.exec(QStringLiteral("CREATE TABLE IF NOT EXISTS vault (grid TEXT NOT NULL, kind TEXT NOT NULL, name TEXT NOT NULL, "
                               "sealed TEXT NOT NULL, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, "
                               "PRIMARY KEY (grid, kind, name))"))) {
        *error = QStringLiteral("cannot prepare the vault table: ") + q.lastError().text();
        return false;
    }
    if (!keys || keys->empty()) return true;   // not configured: every vault route answers 503
    const vault::Cipher cipher(*keys);
    if (!checkCanaries(cipher, error) || !resealOlder(cipher, keys->currentVersion(), error)) return false;
    keys_ = std::move(keys);
    for (const QString& g : grids) ensureCanary(g);
    qCInfo(lcVault).noquote() << QStringLiteral("vault: open with key version %1, %2 secrets").arg(keys_->currentVersion()).arg(rows(kSecret).size());
    return true;
}

// Before anything is re-sealed: a wrong key file must not touch the store.
bool VaultStore::checkCanaries(const vault::Cipher& cipher, QString* error) const {
    for (const Row& r : rows(kCanary)) {
        if (!cipher.canaryOpens(r.grid.toStdString(), r.sealed.toStdString())) {
            *error = QStringLiteral("the vault key file does not open grid %1's secrets: wrong key? (the store was sealed with key version %2)")
                         .arg(r.grid)
                         .arg(vault::Cipher::versionOf(r.sealed.toStdString()));
            return false;
        }
    }
    return true;
}

// Rotation: every record sealed with an older key version, re-sealed in one
// transaction. A record that does not open (damaged) is left as it is and
// named in a warning: one bad record must not keep the master from starting.
bool VaultStore::resealOlder(const vault::Cipher& cipher, std::uint32_t current, QString* error) {
    const QList<Row> all = rows(kCanary) + rows(kSecret);
    QSqlDatabase db = store_.database();
    db.transaction();
    int resealed = 0, damaged = 0;
    for (const Row& r : all) {
        if (vault::Cipher::versionOf(r.sealed.toStdString()) == current) continue;
        auto fresh = cipher.reseal(addressOf(r.grid, r.kind, r.name), r.sealed.toStdString());
        if (!fresh) {
            ++damaged;
            qCWarning(lcVault).noquote() << "vault: record" << r.grid + QLatin1Char('/') + r.name << "does not open; left as it is:"
                                         << QString::fromStdString(fresh.error().message);
            continue;
        }
        QSqlQuery q(db);
        q.prepare(QStringLiteral("UPDATE vault SET sealed = ? WHERE grid = ? AND kind = ? AND name = ?"));
        for (const QString& v : {QString::fromStdString(fresh.value()), r.grid, r.kind, r.name}) q.addBindValue(v);
        if (!q.exec()) {
            db.rollback();
            *error = QStringLiteral("cannot re-seal the vault: ") + q.lastError().text();
            return false;
        }
        ++resealed;
    }
    if (!db.commit()) {
        *error = QStringLiteral("cannot re-seal the vault: ") + db.lastError().text();
        return false;
    }
    if (resealed || damaged) {
        qCInfo(lcVault).noquote() << QStringLiteral("vault: re-sealed %1 of %2 records with key version %3; %4 did not open")
                                         .arg(resealed).arg(all.size()).arg(current).arg(damaged);
    }
    return true;
}

QList<VaultStore::Row> VaultStore::rows(const QString& kind) const {
    QList<Row> out;
    QSqlQuery q(store_.database());
    q.prepare(QStringLiteral("SELECT grid, kind, name, sealed FROM vault WHERE kind = ? ORDER BY grid, name"));
    q.addBindValue(kind);
    if (!q.exec()) return out;
    while (q.next()) out.append(Row{q.value(0).toString(), q.value(1).toString(), q.value(2).toString(), q.value(3).toString()});
    return out;
}

QList<SecretInfo> VaultStore::list(const QString& grid) const {
    QList<SecretInfo> out;
    QSqlQuery q(store_.database());
    q.prepare(QStringLiteral("SELECT grid, name, created_at, updated_at FROM vault WHERE grid = ? AND kind = ? ORDER BY name"));
    q.addBindValue(grid);
    q.addBindValue(kSecret);
    if (!q.exec()) return out;
    while (q.next()) out.append(infoOf(q));
    return out;
}

std::optional<SecretInfo> VaultStore::find(const QString& grid, const QString& name) const {
    QSqlQuery q(store_.database());
    q.prepare(QStringLiteral("SELECT grid, name, created_at, updated_at FROM vault WHERE grid = ? AND kind = ? AND name = ?"));
    q.addBindValue(grid);
    q.addBindValue(kSecret);
    q.addBindValue(name);
    if (!q.exec() || !q.next()) return std::nullopt;
    return infoOf(q);
}

bool VaultStore::putSealed(const QString& grid, const QString& kind, const QString& name, const QString& sealed, qint64 createdAt,
                           qint64 updatedAt) {
    QSqlQuery q(store_.database());
    q.prepare(QStringLiteral("INSERT OR REPLACE INTO vault (grid, kind, name, sealed, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)"));
    for (const QVariant& v : {QVariant(grid), QVariant(kind), QVariant(name), QVariant(sealed), QVariant(createdAt), QVariant(updatedAt)}) q.addBindValue(v);
    if (q.exec()) return true;
    qCWarning(lcVault).noquote() << "vault: cannot store" << grid << name << ":" << q.lastError().text();
    return false;
}

VaultStore::Write VaultStore::create(const QString& grid, const QString& name, const QByteArray& value, qint64 nowMs) {
    Q_ASSERT(configured());
    if (find(grid, name)) return Write::Exists;
    ensureCanary(grid);
    const std::string sealed = vault::Cipher(*keys_).seal(addressOf(grid, kSecret, name), value.toStdString());
    return putSealed(grid, kSecret, name, QString::fromStdString(sealed), nowMs, nowMs) ? Write::Created : Write::Failed;
}

VaultStore::Write VaultStore::update(const QString& grid, const QString& name, const QByteArray& value, bool upsert, qint64 nowMs) {
    Q_ASSERT(configured());
    const auto existing = find(grid, name);
    if (!existing) return upsert ? create(grid, name, value, nowMs) : Write::Missing;
    const auto current = read(grid, name);
    if (current && *current && current->value() == value) return Write::Unchanged;
    const std::string sealed = vault::Cipher(*keys_).seal(addressOf(grid, kSecret, name), value.toStdString());
    return putSealed(grid, kSecret, name, QString::fromStdString(sealed), existing->createdAt, nowMs) ? Write::Updated : Write::Failed;
}

std::optional<Result<QByteArray>> VaultStore::read(const QString& grid, const QString& name) const {
    Q_ASSERT(configured());
    QSqlQuery q(store_.database());
    q.prepare(QStringLiteral("SELECT sealed FROM vault WHERE grid = ? AND kind = ? AND name = ?"));
    q.addBindValue(grid);
    q.addBindValue(kSecret);
    q.addBindValue(name);
    if (!q.exec() || !q.next()) return std::nullopt;
    auto opened = vault::Cipher(*keys_).open(addressOf(grid, kSecret, name), q.value(0).toString().toStdString());
    if (!opened) return Result<QByteArray>(opened.error());
    return Result<QByteArray>(QByteArray::fromStdString(opened.value()));
}

bool VaultStore::remove(const QString& grid, const QString& name) {
    QSqlQuery q(store_.database());
    q.prepare(QStringLiteral("DELETE FROM vault WHERE grid = ? AND kind = ? AND name = ?"));
    q.addBindValue(grid);
    q.addBindValue(kSecret);
    q.addBindValue(name);
    return q.exec() && q.numRowsAffected() > 0;
}

void VaultStore::ensureCanary(const QString& grid) {
    if (!configured()) return;
    QSqlQuery q(store_.database());
    q.prepare(QStringLiteral("SELECT 1 FROM vault WHERE grid = ? AND kind = ?"));
    q.addBindValue(grid);
    q.addBindValue(kCanary);
    if (q.exec() && q.next()) return;
    const QString sealed = QString::fromStdString(vault::Cipher(*keys_).sealCanary(grid.toStdString()));
    putSealed(grid, kCanary, kCanary, sealed, 0, 0);   // the name Cipher::sealCanary binds
}

void VaultStore::forgetGrid(const QString& grid) {
    QSqlQuery q(store_.database());
    q.prepare(QStringLiteral("DELETE FROM vault WHERE grid = ?"));
    q.addBindValue(grid);
    q.exec();
}

}  // namespace kontena::master
