#pragma once
// The routes of master/API.md: one function per route, returning the path
// (with its query) a client sends. Names and ids are percent-encoded, so a
// name is always one path segment.

#include <QString>

#include <optional>

namespace kontena::api {

// A service's name in its three parts; the id is "grid/stack/name" and a
// service outside any stack is in the stack "null".
struct ServiceRef {
    QString grid, stack, name;
    QString id() const;                       // "grid/stack/name"
    QString stackAndName() const;             // "stack/name", or "name" for the null stack
    // "grid/stack/name" (a service object's id); nullopt if not three parts.
    static std::optional<ServiceRef> fromId(const QString& id);
    // "stack/name" or a bare "name" (the null stack), as a user types it.
    static ServiceRef inGrid(const QString& grid, const QString& typed);
};

namespace paths {

// Auth and users
QString ping();
QString auth();
QString user();
QString users();
// The master configuration (Kontena's `master config`): all keys, `?filter=`
// (a prefix with a trailing `*`, else a substring), one key.
QString config(const QString& filter = QString());
QString configKey(const QString& key);
QString userByEmail(const QString& email);
QString userRoles(const QString& email);
QString userRole(const QString& email, const QString& role);
QString accessTokens();
QString accessToken(const QString& id);
QString auditLogs(int limit);

// Grids
QString grids();
QString grid(const QString& grid);
QString gridToken(const QString& grid);
QString gridNodes(const QString& grid);
QString gridServices(const QString& grid, const std::optional<QString>& stack = std::nullopt);
QString gridStacks(const QString& grid);
QString gridEventLogs(const QString& grid, int limit);
QString gridContainerLogs(const QString& grid, int limit);
QString gridAuditLog(const QString& grid, int limit);
QString gridState(const QString& grid);

// Nodes
QString node(const QString& grid, const QString& node);

// Stacks
QString stack(const QString& grid, const QString& stack);
QString stackDeploy(const QString& grid, const QString& stack);
QString stackStart(const QString& grid, const QString& stack);
QString stackStop(const QString& grid, const QString& stack);
QString stackRestart(const QString& grid, const QString& stack);
QString stackDeployment(const QString& grid, const QString& stack, const QString& deployId);

// Services
QString service(const ServiceRef& s);
QString serviceDeploy(const ServiceRef& s);
QString serviceScale(const ServiceRef& s);
QString serviceRestart(const ServiceRef& s);
QString serviceStop(const ServiceRef& s);
QString serviceStart(const ServiceRef& s);
QString serviceInstances(const ServiceRef& s);
QString serviceContainers(const ServiceRef& s);
QString serviceDeployment(const ServiceRef& s, const QString& deployId);
QString serviceContainerLogs(const ServiceRef& s, int limit);
QString stackContainerLogs(const QString& grid, const QString& stack, int limit);
QString stackEventLogs(const QString& grid, const QString& stack, int limit);
QString serviceEventLogs(const ServiceRef& s, int limit);
// Statistics; `query` ("from=...&to=..." or "since=1h") may be empty.
QString serviceStats(const ServiceRef& s, const QString& query = {});
QString nodeStats(const QString& grid, const QString& node, const QString& query = {});
QString containerStats(const QString& grid, const QString& node, const QString& name, const QString& query = {});
// The exec stream of a container (a WebSocket, API.md "Streams").
QString containerExec(const QString& grid, const QString& node, const QString& name, bool interactive, bool tty);

// Certificates and external registries (the grid vault)
QString gridCertificates(const QString& grid);
QString certificate(const QString& grid, const QString& subject);
QString gridRegistries(const QString& grid);
QString registry(const QString& grid, const QString& name);

// Volumes
QString volumes(const QString& grid);
QString volume(const QString& grid, const QString& name);

// Vault
QString gridSecrets(const QString& grid);
QString secret(const QString& grid, const QString& name);

}  // namespace paths
}  // namespace kontena::api
