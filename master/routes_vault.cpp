// Routes: a grid's vault secrets (reference §10.1). Values appear only in
// the answer to GET /v1/secrets/:grid/:name (grid_admin member or
// master_admin); audit entries of these routes never carry the request body.
#include <variant>

#include "api/secret.h"
#include "master/api_server.h"
#include "master/grid_runtime.h"
#include "master/json_util.h"
#include "vault/secrets.h"

namespace kontena::master {

using Method = QHttpServerRequest::Method;

namespace {

constexpr qsizetype kMaxValueBytes = 64 * 1024;

api::Secret secretOf(const SecretInfo& s) {
    api::Secret out;
    out.id = s.grid + QLatin1Char('/') + s.name;
    out.name = s.name;
    out.createdAt = timeText(Instant{s.createdAt});
    out.updatedAt = timeText(Instant{s.updatedAt});
    return out;
}

Reply notConfigured() { return Reply::error(503, QStringLiteral("Vault not configured")); }
Reply secretNotFound(const QString& name) { return Reply::error(404, QStringLiteral("Secret %1 not found").arg(name)); }

std::optional<Reply> badName(const QString& name) {
    if (!vault::isValidSecretName(name.toStdString())) {
        return Reply::error(422, QStringLiteral("name must be 1-255 letters, digits, underscores or dashes, not starting with a dash"));
    }
    return std::nullopt;
}

// A request's value as bytes, or an error reply (which never quotes it).
template <class Request>
std::variant<QByteArray, Reply> valueOf(const Request& req) {
    if (lacks(req, "value")) return Reply::error(422, QStringLiteral("value must be a string"));
    QByteArray bytes = req.value.toUtf8();
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
        api::SecretList list;
        for (const SecretInfo& s : vault_.list(c.param("grid"))) list.secrets.append(secretOf(s));
        return Reply::of(list);
    });
    vaultRoute(Method::Post, "/v1/grids/:grid/secrets", Permission::GridMember, [this](Call& c) {
        api::SecretCreate req;
        if (auto bad = readBody(c, &req)) return *bad;
        if (auto bad = badName(req.name)) return *bad;
        auto value = valueOf(req);
        if (auto* error = std::get_if<Reply>(&value)) return *error;
        const QString grid = c.param("grid"), name = req.name;
        switch (vault_.create(grid, name, std::get<QByteArray>(value), nowMs())) {
        case VaultStore::Write::Exists: return Reply::error(409, QStringLiteral("Secret %1 exists already").arg(name));
        case VaultStore::Write::Created: break;
        default: return storeFailed();
        }
        audit(c, grid, QStringLiteral("GridSecret"), grid + QLatin1Char('/') + name, name, QStringLiteral("create"), false);
        gridOf(c)->secretChanged(name);
        return Reply::of(secretOf(*vault_.find(grid, name)), 201);
    });
    vaultRoute(Method::Get, "/v1/secrets/:grid/:name", Permission::GridAdmin, [this](Call& c) {
        const QString grid = c.param("grid"), name = c.param("name");
        const auto value = vault_.read(grid, name);
        if (!value) return secretNotFound(name);
        if (!*value) return Reply::error(500, QStringLiteral("Secret %1 does not open: %2").arg(name, QString::fromStdString(value->error().message)));
        audit(c, grid, QStringLiteral("GridSecret"), grid + QLatin1Char('/') + name, name, QStringLiteral("show"), false);
        api::Secret s = secretOf(*vault_.find(grid, name));
        s.value = QString::fromUtf8(value->value());
        return Reply::of(s);
    });
    vaultRoute(Method::Put, "/v1/secrets/:grid/:name", Permission::GridMember, [this](Call& c) {
        const QString grid = c.param("grid"), name = c.param("name");
        api::SecretUpdate req;
        if (auto bad = readBody(c, &req)) return *bad;
        const bool upsert = req.upsert.value_or(false);
        if (upsert && badName(name)) return *badName(name);
        auto value = valueOf(req);
        if (auto* error = std::get_if<Reply>(&value)) return *error;
        int status = 200;
        switch (vault_.update(grid, name, std::get<QByteArray>(value), upsert, nowMs())) {
        case VaultStore::Write::Missing: return secretNotFound(name);
        case VaultStore::Write::Unchanged: return Reply::of(secretOf(*vault_.find(grid, name)));   // nothing changed, nothing audited
        case VaultStore::Write::Created: status = 201; break;
        case VaultStore::Write::Updated: break;
        default: return storeFailed();
        }
        audit(c, grid, QStringLiteral("GridSecret"), grid + QLatin1Char('/') + name, name, status == 201 ? QStringLiteral("create") : QStringLiteral("update"), false);
        gridOf(c)->secretChanged(name);   // services using it are updated: stateless ones re-deploy
        return Reply::of(secretOf(*vault_.find(grid, name)), status);
    });
    vaultRoute(Method::Delete, "/v1/secrets/:grid/:name", Permission::GridMember, [this](Call& c) {
        const QString grid = c.param("grid"), name = c.param("name");
        if (!vault_.remove(grid, name)) return secretNotFound(name);
        audit(c, grid, QStringLiteral("GridSecret"), grid + QLatin1Char('/') + name, name, QStringLiteral("delete"), false);
        return Reply::done();
    });
}

}  // namespace kontena::master
