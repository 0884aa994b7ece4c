// Routes: a grid's external registry credentials (reference §11.3
// `external_registries`): add, list, remove. The password goes in and
// never comes out of the API; audit entries never carry the request body.
// Agents get the credentials as Docker's X-Registry-Auth
// (VaultStore::registryAuth), not through these routes.
#include "api/registry.h"
#include "master/api_server.h"
#include "master/json_util.h"

namespace kontena::master {

using Method = QHttpServerRequest::Method;

namespace {

const QString kResource = QStringLiteral("Registry");

api::Registry registryOf(const RegistryInfo& r) {
    api::Registry out;
    out.id = r.grid + QLatin1Char('/') + r.name;
    out.name = r.name;
    out.url = r.url;
    out.username = r.username;
    out.email = r.email;
    out.createdAt = timeText(Instant{r.createdAt});
    return out;
}

Reply notFound(const QString& name) { return Reply::error(404, QStringLiteral("External registry %1 not found").arg(name)); }

}  // namespace

void Master::addRegistryRoutes() {
    // Every registry route: 503 before anything else when the master has no key.
    auto vaultRoute = [this](Method m, const char* pattern, std::function<Reply(Call&)> h) {
        add(m, QString::fromLatin1(pattern), Permission::GridMember,
            [this, h = std::move(h)](Call& c) { return vault_.configured() ? h(c) : Reply::error(503, QStringLiteral("Vault not configured")); });
    };
    vaultRoute(Method::Get, "/v1/grids/:grid/external_registries", [this](Call& c) {
        api::RegistryList list;
        for (const RegistryInfo& r : vault_.registries(c.param("grid"))) list.externalRegistries.append(registryOf(r));
        return Reply::of(list);
    });
    vaultRoute(Method::Post, "/v1/grids/:grid/external_registries", [this](Call& c) {
        api::RegistryCreate req;
        if (auto bad = readBody(c, &req)) return *bad;
        const vault::RegistryCredentials creds{req.url.toStdString(), req.username.toStdString(), req.password.toStdString(), req.email.toStdString()};
        const auto name = vault::checkCredentials(creds);
        if (!name) return Reply::error(422, QString::fromStdString(name.error().message));
        const QString grid = c.param("grid"), registry = QString::fromStdString(name.value());
        switch (vault_.addRegistry(grid, registry, creds, nowMs())) {
        case VaultStore::Write::Exists: return Reply::error(409, QStringLiteral("External registry %1 exists already").arg(registry));
        case VaultStore::Write::Created: break;
        default: return Reply::error(500, QStringLiteral("could not store the registry credentials"));
        }
        audit(c, grid, kResource, grid + QLatin1Char('/') + registry, registry, QStringLiteral("create"), false);
        return Reply::of(registryOf(*vault_.findRegistry(grid, registry)), 201);
    });
    vaultRoute(Method::Delete, "/v1/external_registries/:grid/:name", [this](Call& c) {
        const QString grid = c.param("grid"), name = c.param("name");
        if (!vault_.removeRegistry(grid, name)) return notFound(name);
        audit(c, grid, kResource, grid + QLatin1Char('/') + name, name, QStringLiteral("delete"), false);
        return Reply::done();
    });
}

}  // namespace kontena::master
