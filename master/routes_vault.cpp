// Routes: a grid's vault secrets (reference §10.1). Values appear only in
// the answer to GET /v1/secrets/:grid/:name (grid_admin member or
// master_admin); audit entries of these routes never carry the request body.
#include <QJsonArray>

#include "master/api_server.h"
#include "master/json_util.h"
#include "vault/secrets.h"

namespace kontena::master {

using Method = QHttpServerRequest::Method;

namespace {

constexpr qsizetype kMaxValueBytes = 64 * 1024;

QJsonValue timeOf(qint64 ms) { return timeJson(Instant{ms}); }

QJsonObject secretJson(const SecretInfo& s) {
    return QJsonObject{{QStringLiteral("id"), QString(s.grid + QLatin1Char('/') + s.name)},
                       {QStringLiteral("name"), s.name},
                       {QStringLiteral("created_at"), timeOf(s.createdAt)},
                       {QStringLiteral("updated_at"), timeOf(s.updatedAt)}};
}

Reply notConfigured() { return Reply::error(503, QStringLiteral("Vault not configured")); }
Reply secretNotFound(const QString& name) { return Reply::error(404, QStringLiteral("Secret %1 not found").arg(name)); }

std::optional<Reply> badName(const QJsonValue& name) {
    if (!name.isString() || !vault::isValidSecretName(name.toString().toStdString())) {
        return Reply::error(422, QStringLiteral("name must be 1-255 letters, digits, underscores or dashes, not starting with a dash"));
    }
    return std::nullopt;
}

// The body's value as bytes, or an error reply (which never quotes it).
std::variant<QByteArray, Reply> valueOf(const QJsonObject& body) {
    const QJsonValue v = body.value(QStringLiteral("value"));
    if (!v.isString()) return Reply::error(422, QStringLiteral("value must be a string"));
    QByteArray bytes = v.toString().toUtf8();
    if (bytes.size() > kMaxValueBytes) return Reply::error(422, QStringLiteral("value must be at most %1 bytes").arg(kMaxValueBytes));
    return bytes;
}

Reply storeFailed() { return Reply::error(500, QStringLiteral("could not store the secret")); }

}  // namespace

void Master::addVaultRoutes() {
    // Every vault route: 503 before anything else when the master has no key.
    auto vaultRoute = [this](Method m, const char* pattern, Permission p, std::function<Reply(Call&)> h) {
        add(m, QString::fromLatin1(pattern), p, [this, h = std::move(h)](Call& c) { return vault_.configured() ? h(c) : notConfigured(); });
    };
    vaultRoute(Method::Get, "/v1/grids/:grid/secrets", Permission::GridMember, [this](Call& c) {
        QJsonArray a;
        for (const SecretInfo& s : vault_.list(c.param("grid"))) a.append(secretJson(s));
        return Reply{200, QJsonObject{{QStringLiteral("secrets"), a}}};
    });
    vaultRoute(Method::Post, "/v1/grids/:grid/secrets", Permission::GridMember, [this](Call& c) {
        if (auto bad = badName(c.body.value(QStringLiteral("name")))) return *bad;
        auto value = valueOf(c.body);
        if (auto* error = std::get_if<Reply>(&value)) return *error;
        const QString grid = c.param("grid"), name = c.body.value(QStringLiteral("name")).toString();
        switch (vault_.create(grid, name, std::get<QByteArray>(value), nowMs())) {
        case VaultStore::Write::Exists: return Reply::error(409, QStringLiteral("Secret %1 exists already").arg(name));
        case VaultStore::Write::Created: break;
        default: return storeFailed();
        }
        audit(c, grid, QStringLiteral("GridSecret"), grid + QLatin1Char('/') + name, name, QStringLiteral("create"), false);
        return Reply{201, secretJson(*vault_.find(grid, name))};
    });
    vaultRoute(Method::Get, "/v1/secrets/:grid/:name", Permission::GridAdmin, [this](Call& c) {
        const QString grid = c.param("grid"), name = c.param("name");
        const auto value = vault_.read(grid, name);
        if (!value) return secretNotFound(name);
        if (!*value) return Reply::error(500, QStringLiteral("Secret %1 does not open: %2").arg(name, QString::fromStdString(value->error().message)));
        audit(c, grid, QStringLiteral("GridSecret"), grid + QLatin1Char('/') + name, name, QStringLiteral("show"), false);
        QJsonObject o = secretJson(*vault_.find(grid, name));
        o.insert(QStringLiteral("value"), QString::fromUtf8(value->value()));
        return Reply{200, o};
    });
    vaultRoute(Method::Put, "/v1/secrets/:grid/:name", Permission::GridMember, [this](Call& c) {
        const QString grid = c.param("grid"), name = c.param("name");
        const QJsonValue upsert = c.body.value(QStringLiteral("upsert"));
        if (!upsert.isUndefined() && !upsert.isNull() && !upsert.isBool()) return Reply::error(422, QStringLiteral("upsert must be true or false"));
        if (upsert.toBool() && badName(name)) return *badName(name);
        auto value = valueOf(c.body);
        if (auto* error = std::get_if<Reply>(&value)) return *error;
        int status = 200;
        switch (vault_.update(grid, name, std::get<QByteArray>(value), upsert.toBool(), nowMs())) {
        case VaultStore::Write::Missing: return secretNotFound(name);
        case VaultStore::Write::Unchanged: return Reply{200, secretJson(*vault_.find(grid, name))};   // nothing changed, nothing audited
        case VaultStore::Write::Created: status = 201; break;
        case VaultStore::Write::Updated: break;
        default: return storeFailed();
        }
        audit(c, grid, QStringLiteral("GridSecret"), grid + QLatin1Char('/') + name, name, status == 201 ? QStringLiteral("create") : QStringLiteral("update"), false);
        return Reply{status, secretJson(*vault_.find(grid, name))};
    });
    vaultRoute(Method::Delete, "/v1/secrets/:grid/:name", Permission::GridMember, [this](Call& c) {
        const QString grid = c.param("grid"), name = c.param("name");
        if (!vault_.remove(grid, name)) return secretNotFound(name);
        audit(c, grid, QStringLiteral("GridSecret"), grid + QLatin1Char('/') + name, name, QStringLiteral("delete"), false);
        return Reply{200, QJsonObject{}};
    });
}

}  // namespace kontena::master
