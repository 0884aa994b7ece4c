#include "master/config_store.h"

#include <QJsonDocument>
#include <QRegularExpression>
#include <QSqlError>
#include <QSqlQuery>

namespace kontena::master {

namespace {

// A value as stored: {"v": value} (Qt writes only objects and arrays as documents).
QByteArray stored(const QJsonValue& v) { return QJsonDocument(QJsonObject{{QStringLiteral("v"), v}}).toJson(QJsonDocument::Compact); }

}  // namespace

bool ConfigStore::open(QString* error) {
    QSqlQuery q(store_.database());
    if (!q.exec(QStringLiteral("CREATE TABLE IF NOT EXISTS config (key TEXT PRIMARY KEY, value BLOB NOT NULL)")) ||
        !q.exec(QStringLiteral("SELECT key, value FROM config"))) {
        *error = QStringLiteral("cannot prepare the configuration table: ") + q.lastError().text();
        return false;
    }
    values_.clear();
    while (q.next()) values_.insert(q.value(0).toString(), QJsonDocument::fromJson(q.value(1).toByteArray()).object().value(QStringLiteral("v")));
    return true;
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
    QSqlDatabase db = store_.database();
    if (!db.transaction()) return false;
    QSqlQuery q(db);
    bool ok = !replace || q.exec(QStringLiteral("DELETE FROM config"));
    for (auto it = changes.begin(); ok && it != changes.end(); ++it) {
        if (it.value().isNull()) {
            q.prepare(QStringLiteral("DELETE FROM config WHERE key = ?"));
            q.addBindValue(it.key());
        } else {
            q.prepare(QStringLiteral("INSERT OR REPLACE INTO config (key, value) VALUES (?, ?)"));
            q.addBindValue(it.key());
            q.addBindValue(stored(it.value()));
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
