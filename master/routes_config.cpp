// Routes: the master configuration (Kontena's `/v1/config`, issue 18):
// master_admin only (the route table's permission), every change audited
// with secret-looking values hidden, values never logged, secret values
// sealed at rest with the vault's key (503 without one).
#include "master/api_server.h"

namespace kontena::master {

using Method = QHttpServerRequest::Method;

namespace {

constexpr qsizetype kMaxValueBytes = 65536;

QString jsonType(const QJsonValue& v) {
    if (v.isArray()) return QStringLiteral("a list");
    if (v.isObject()) return QStringLiteral("an object");
    return QStringLiteral("null");
}

// A 422 for the first key or value the configuration does not take; `nullUnsets`: null means "unset" (PATCH).
std::optional<Reply> badChanges(const QJsonObject& changes, bool nullUnsets) {
    for (auto it = changes.begin(); it != changes.end(); ++it) {
        const QString& key = it.key();
        if (!ConfigStore::validKey(key)) {
            return Reply::error(422, QStringLiteral("%1: a key is 1-255 of A-Z, a-z, 0-9, '.', '_' or '-'").arg(key.left(64)));
        }
        if (key == QLatin1String("server.salt")) return Reply::error(422, QStringLiteral("server.salt: the master's own, not settable"));
        const QJsonValue& v = it.value();
        if (v.isString() && v.toString().toUtf8().size() > kMaxValueBytes) {
            return Reply::error(422, QStringLiteral("%1: a value is at most %2 bytes").arg(key).arg(kMaxValueBytes));
        }
        if (!(v.isString() || v.isDouble() || v.isBool() || (nullUnsets && v.isNull()))) {
            return Reply::error(422, QStringLiteral("%1: expected a string, number or boolean, got %2").arg(key, jsonType(v)));
        }
    }
    return std::nullopt;
}

// What the audit log keeps of a change: secret-looking values hidden.
QJsonObject auditedBody(const QJsonObject& changes) {
    QJsonObject out;
    for (auto it = changes.begin(); it != changes.end(); ++it) {
        out.insert(it.key(), ConfigStore::secretKey(it.key()) && !it.value().isNull() ? QJsonValue(QStringLiteral("<hidden>")) : it.value());
    }
    return out;
}

// A secret value is never stored in the clear: without the vault's key it is not stored at all.
Reply unsealable() {
    return Reply::error(503, QStringLiteral("Vault not configured: secret configuration values are sealed with the vault key "
                                            "(start the master with --vault-key-file)"));
}

Reply notStored() { return Reply::error(500, QStringLiteral("The configuration could not be stored")); }

}  // namespace

// One audit entry per key changed (Kontena: event "modify"), or one "destroy_all";
// master-wide (grid ""), listed by GET /v1/audit_logs.
void Master::auditConfig(const Call& c, const QJsonObject& changes, bool cleared) {
    Call redacted = c;
    if (cleared) {
        redacted.body = {};
        audit(redacted, QString(), QStringLiteral("Config"), QStringLiteral("*"), QStringLiteral("config"), QStringLiteral("destroy_all"));
    }
    for (auto it = changes.begin(); it != changes.end(); ++it) {
        redacted.body = auditedBody(QJsonObject{{it.key(), it.value()}});
        audit(redacted, QString(), QStringLiteral("Config"), it.key(), it.key(), QStringLiteral("modify"));
    }
}

// ---- master configuration (issue 18)
void Master::addConfigRoutes() {
    add(Method::Get, QStringLiteral("/v1/config"), Permission::MasterAdmin, [this](Call& c) {
        return Reply{200, config_.values(c.query.queryItemValue(QStringLiteral("filter"), QUrl::FullyDecoded))};
    });
    // PATCH merges (null unsets a key); PUT replaces the whole configuration.
    for (const Method m : {Method::Patch, Method::Put}) {
        add(m, QStringLiteral("/v1/config"), Permission::MasterAdmin, [this, m](Call& c) {
            const bool replace = m == Method::Put;
            if (auto bad = badChanges(c.body, !replace)) return *bad;
            if (ConfigStore::setsSecret(c.body) && !config_.canSeal()) return unsealable();
            if (!config_.write(c.body, replace)) return notStored();
            auditConfig(c, c.body, replace);
            return Reply::done();
        });
    }
    add(Method::Delete, QStringLiteral("/v1/config"), Permission::MasterAdmin, [this](Call& c) {
        if (!config_.write({}, true)) return notStored();
        auditConfig(c, {}, true);
        return Reply::done();
    });
    add(Method::Get, QStringLiteral("/v1/config/:key"), Permission::MasterAdmin, [this](Call& c) {
        const auto v = config_.value(c.param("key"));
        if (!v) return Reply::error(404, QStringLiteral("Configuration key %1 not found").arg(c.param("key").left(255)));
        return Reply{200, QJsonObject{{c.param("key"), *v}}};
    });
    add(Method::Delete, QStringLiteral("/v1/config/:key"), Permission::MasterAdmin, [this](Call& c) {
        const QString key = c.param("key");
        if (!config_.value(key)) return Reply::error(404, QStringLiteral("Configuration key %1 not found").arg(key.left(255)));
        if (!config_.unset(key)) return notStored();
        auditConfig(c, QJsonObject{{key, QJsonValue::Null}}, false);
        return Reply::done();
    });
}
// ---- end master configuration

}  // namespace kontena::master
