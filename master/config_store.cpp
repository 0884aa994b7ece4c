#include "master/config_store.h"

#include <QJsonDocument>
#include <QLoggingCategory>
#include <QRegularExpression>
#include <QSqlError>
#include <QSqlQuery>

namespace kontena::master {

namespace {

const QString kValue = QStringLiteral("v");
const QString kSealed = QStringLiteral("sealed");

QByteArray compact(const QJsonObject& o) { return QJsonDocument(o).toJson(QJsonDocument::Compact); }

// Where a secret value is sealed: no grid is named "", so no vault secret shares it.
vault::Address addressOf(const QString& key) { return vault::Address{std::string(), vault::RecordKind::Secret, "config:" + key.toStdString()}; }

}  // namespace

QByteArray ConfigStore::stored(const QString& key, const QJsonValue& value) const {
    // A value as stored: {"v": value} (Qt writes only objects and arrays as documents).
    const QByteArray plain = compact(QJsonObject{{kValue, value}});
    if (!secretKey(key)) return plain;
    Q_ASSERT(canSeal());
    const std::string sealed = vault::Cipher(*keys_).seal(addressOf(key), plain.toStdString());
    return compact(QJsonObject{{kSealed, QString::fromStdString(sealed)}});
}

std::optional<QJsonValue> ConfigStore::loaded(const QString& key, const QByteArray& row, bool* rewrite) const {
    const QJsonObject o = QJsonDocument::fromJson(row).object();
    *rewrite = false;
    if (!o.contains(kSealed)) {
        *rewrite = secretKey(key) && canSeal();   // stored by a master that did not seal yet
        if (secretKey(key) && !canSeal()) qWarning("config: %s is stored unsealed: start the master with a vault key to seal it", qPrintable(key));
        return o.value(kValue);
    }
    if (!canSeal()) {
        qWarning("config: %s is sealed and no vault key is configured: left out", qPrintable(key));
        return std::nullopt;
    }
    const std::string sealed = o.value(kSealed).toString().toStdString();
    const vault::Cipher cipher(*keys_);
    auto plain = cipher.open(addressOf(key), sealed);
    if (!plain) {
        qWarning("config: %s does not open with the vault key (%s): left out", qPrintable(key), plain.error().message.c_str());
        return std::nullopt;
    }
    *rewrite = vault::Cipher::versionOf(sealed) != keys_->currentVersion();
    return QJsonDocument::fromJson(QByteArray::fromStdString(plain.value())).object().value(kValue);
}

// Stores `rows` again (sealed) so that no byte of their old form stays in
// master.db or its WAL: secure_delete zeroes what the update frees, the
// checkpoint moves the pages into master.db and empties the WAL.
bool ConfigStore::rewriteRows(const QMap<QString, QJsonValue>& rows, QString* error) {
    QSqlDatabase db = store_.database();
    QSqlQuery q(db);
    const bool sqlite = !store_.postgres();   // PostgreSQL: no pragmas (its old row versions go with VACUUM)
    int secureDelete = 0;
    if (sqlite) {
        q.exec(QStringLiteral("PRAGMA secure_delete"));
        secureDelete = q.next() ? q.value(0).toInt() : 0;
        q.exec(QStringLiteral("PRAGMA secure_delete = ON"));
    }
    bool ok = db.transaction();
    for (auto it = rows.begin(); ok && it != rows.end(); ++it) {
        q.prepare(QStringLiteral("UPDATE config SET value = ? WHERE key = ?"));
        q.addBindValue(stored(it.key(), it.value()));
        q.addBindValue(it.key());
        ok = q.exec();
    }
    if (!ok || !db.commit()) {
        db.rollback();
        *error = QStringLiteral("cannot seal the configuration's secret values: ") + q.lastError().text();
        return false;
    }
    if (sqlite && (!q.exec(QStringLiteral("PRAGMA wal_checkpoint(TRUNCATE)")) || (q.next() && q.value(0).toInt() != 0))) {
        qWarning("config: the store's log could not be emptied after sealing; the old values go at its next checkpoint");
    }
    if (sqlite) q.exec(QStringLiteral("PRAGMA secure_delete = %1").arg(secureDelete));
    qInfo("config: %lld secret value(s) sealed with the vault key", qlonglong(rows.size()));
    return true;
}

bool ConfigStore::open(const vault::Keyring* keys, QString* error) {
    keys_ = keys;
    QSqlQuery q(store_.database());
    if (!q.exec(QStringLiteral("CREATE TABLE IF NOT EXISTS config (key TEXT PRIMARY KEY, value BLOB NOT NULL)")) ||
        !q.exec(QStringLiteral("SELECT key, value FROM config"))) {
        *error = QStringLiteral("cannot prepare the configuration table: ") + q.lastError().text();
        return false;
    }
    values_.clear();
    QMap<QString, QJsonValue> reseal;
    while (q.next()) {
        const QString key = q.value(0).toString();
        bool rewrite = false;
        const auto v = loaded(key, q.value(1).toByteArray(), &rewrite);
        if (v) values_.insert(key, *v);
        if (v && rewrite) reseal.insert(key, *v);
    }
    q.finish();
    return reseal.isEmpty() || rewriteRows(reseal, error);
}

bool ConfigStore::setsSecret(const QJsonObject& changes) {
    for (auto it = changes.begin(); it != changes.end(); ++it) {
        if (secretKey(it.key()) && !it.value().isNull()) return true;
    }
    return false;
}

QJsonObject ConfigStore::values(const QString& filter) const {
    const bool prefix = filter.endsWith(QLatin1Char('*'));
    const QString text = prefix ? filter.chopped(1) : filter;
    QJsonObject out;
    for (auto it = values_.begin(); it != values_.end(); ++it) {
        if (prefix ? it.key().startsWith(text) : it.key().contains(text)) out.insert(it.key(), it.value());
    }
    return out;
}

std::optional<QJsonValue> ConfigStore::value(const QString& key) const {
    const auto it = values_.find(key);
    if (it == values_.end()) return std::nullopt;
    return *it;
}

bool ConfigStore::write(const QJsonObject& changes, bool replace) {
    if (setsSecret(changes) && !canSeal()) return false;   // never a secret in the clear
    QSqlDatabase db = store_.database();
    if (!db.transaction()) return false;
    QSqlQuery q(db);
    bool ok = !replace || q.exec(QStringLiteral("DELETE FROM config"));
    for (auto it = changes.begin(); ok && it != changes.end(); ++it) {
        if (it.value().isNull()) {
            q.prepare(QStringLiteral("DELETE FROM config WHERE key = ?"));
            q.addBindValue(it.key());
        } else {
            q.prepare(QStringLiteral("INSERT INTO config (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value"));
            q.addBindValue(it.key());
            q.addBindValue(stored(it.key(), it.value()));
        }
        ok = q.exec();
    }
    if (!ok || !db.commit()) {
        db.rollback();
        return false;
    }
    if (replace) values_.clear();
    for (auto it = changes.begin(); it != changes.end(); ++it) {
        if (it.value().isNull()) values_.remove(it.key());
        else values_.insert(it.key(), it.value());
    }
    return true;
}

bool ConfigStore::unset(const QString& key) { return write(QJsonObject{{key, QJsonValue::Null}}, false); }

bool ConfigStore::validKey(const QString& key) {
    static const QRegularExpression rule(QStringLiteral("^[A-Za-z0-9_-][A-Za-z0-9._-]{0,254}$"));
    return rule.match(key).hasMatch();
}

bool ConfigStore::secretKey(const QString& key) {
    static const QRegularExpression rule(QStringLiteral("(secret|password|passwd|token|private|key|salt|credential)"),
                                         QRegularExpression::CaseInsensitiveOption);
    return rule.match(key.section(QLatin1Char('.'), -1)).hasMatch();
}

}  // namespace kontena::master
