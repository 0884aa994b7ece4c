#include "api/paths.h"

#include <QStringList>
#include <QUrl>

namespace kontena::api {

namespace {

QString seg(const QString& s) { return QString::fromLatin1(QUrl::toPercentEncoding(s)); }
QString limitQuery(int limit) { return QStringLiteral("?limit=%1").arg(limit); }
const QString kNullStack = QStringLiteral("null");

}  // namespace

QString ServiceRef::id() const { return grid + QLatin1Char('/') + stack + QLatin1Char('/') + name; }

QString ServiceRef::stackAndName() const { return stack == kNullStack ? name : stack + QLatin1Char('/') + name; }

std::optional<ServiceRef> ServiceRef::fromId(const QString& id) {
    const QStringList parts = id.split(QLatin1Char('/'));
    if (parts.size() != 3) return std::nullopt;
    return ServiceRef{parts[0], parts[1], parts[2]};
}

ServiceRef ServiceRef::inGrid(const QString& grid, const QString& typed) {
    const qsizetype slash = typed.indexOf(QLatin1Char('/'));
    if (slash < 0) return ServiceRef{grid, kNullStack, typed};
    return ServiceRef{grid, typed.left(slash), typed.mid(slash + 1)};
}

namespace paths {

QString ping() { return QStringLiteral("/v1/ping"); }
QString auth() { return QStringLiteral("/v1/auth"); }
QString user() { return QStringLiteral("/v1/user"); }
QString users() { return QStringLiteral("/v1/users"); }
QString config(const QString& filter) {
    return filter.isEmpty() ? QStringLiteral("/v1/config") : QStringLiteral("/v1/config?filter=") + seg(filter);
}
QString configKey(const QString& key) { return QStringLiteral("/v1/config/") + seg(key); }
QString userByEmail(const QString& email) { return users() + QLatin1Char('/') + seg(email); }
QString userRoles(const QString& email) { return userByEmail(email) + QStringLiteral("/roles"); }
QString userRole(const QString& email, const QString& role) { return userRoles(email) + QLatin1Char('/') + seg(role); }
QString accessTokens() { return QStringLiteral("/v1/user/access_tokens"); }
QString accessToken(const QString& id) { return accessTokens() + QLatin1Char('/') + seg(id); }
QString auditLogs(int limit) { return QStringLiteral("/v1/audit_logs") + limitQuery(limit); }

QString grids() { return QStringLiteral("/v1/grids"); }
QString grid(const QString& grid) { return grids() + QLatin1Char('/') + seg(grid); }
QString gridToken(const QString& g) { return grid(g) + QStringLiteral("/token"); }
QString gridNodes(const QString& g) { return grid(g) + QStringLiteral("/nodes"); }
QString gridServices(const QString& g, const std::optional<QString>& stack) {
    return grid(g) + QStringLiteral("/services") + (stack ? QStringLiteral("?stack=") + seg(*stack) : QString());
}
QString gridStacks(const QString& g) { return grid(g) + QStringLiteral("/stacks"); }
QString gridEventLogs(const QString& g, int limit) { return grid(g) + QStringLiteral("/event_logs") + limitQuery(limit); }
QString gridContainerLogs(const QString& g, int limit) { return grid(g) + QStringLiteral("/container_logs") + limitQuery(limit); }
QString gridAuditLog(const QString& g, int limit) { return grid(g) + QStringLiteral("/audit_log") + limitQuery(limit); }
QString gridState(const QString& g) { return grid(g) + QStringLiteral("/state"); }

QString node(const QString& grid, const QString& node) { return QStringLiteral("/v1/nodes/") + seg(grid) + QLatin1Char('/') + seg(node); }

QString stack(const QString& grid, const QString& stack) { return QStringLiteral("/v1/stacks/") + seg(grid) + QLatin1Char('/') + seg(stack); }
QString stackDeploy(const QString& g, const QString& s) { return stack(g, s) + QStringLiteral("/deploy"); }
QString stackStart(const QString& g, const QString& s) { return stack(g, s) + QStringLiteral("/start"); }
QString stackStop(const QString& g, const QString& s) { return stack(g, s) + QStringLiteral("/stop"); }
QString stackRestart(const QString& g, const QString& s) { return stack(g, s) + QStringLiteral("/restart"); }
QString stackDeployment(const QString& g, const QString& s, const QString& id) { return stack(g, s) + QStringLiteral("/deploys/") + seg(id); }

QString service(const ServiceRef& s) {
    return QStringLiteral("/v1/services/") + seg(s.grid) + QLatin1Char('/') + seg(s.stack) + QLatin1Char('/') + seg(s.name);
}
QString serviceDeploy(const ServiceRef& s) { return service(s) + QStringLiteral("/deploy"); }
QString serviceScale(const ServiceRef& s) { return service(s) + QStringLiteral("/scale"); }
QString serviceRestart(const ServiceRef& s) { return service(s) + QStringLiteral("/restart"); }
QString serviceStop(const ServiceRef& s) { return service(s) + QStringLiteral("/stop"); }
QString serviceStart(const ServiceRef& s) { return service(s) + QStringLiteral("/start"); }
QString serviceInstances(const ServiceRef& s) { return service(s) + QStringLiteral("/instances"); }
QString serviceContainers(const ServiceRef& s) { return service(s) + QStringLiteral("/containers"); }
QString serviceDeployment(const ServiceRef& s, const QString& id) { return service(s) + QStringLiteral("/deploys/") + seg(id); }
namespace {
QString withQuery(const QString& path, const QString& query) { return query.isEmpty() ? path : path + QLatin1Char('?') + query; }
}  // namespace
QString serviceStats(const ServiceRef& s, const QString& query) { return withQuery(service(s) + QStringLiteral("/stats"), query); }
QString nodeStats(const QString& g, const QString& n, const QString& query) { return withQuery(node(g, n) + QStringLiteral("/stats"), query); }
QString containerStats(const QString& g, const QString& n, const QString& name, const QString& query) {
    return withQuery(QStringLiteral("/v1/containers/") + seg(g) + QLatin1Char('/') + seg(n) + QLatin1Char('/') + seg(name) + QStringLiteral("/stats"), query);
}
QString serviceContainerLogs(const ServiceRef& s, int limit) { return service(s) + QStringLiteral("/container_logs") + limitQuery(limit); }

QString stackContainerLogs(const QString& g, const QString& s, int limit) { return stack(g, s) + QStringLiteral("/container_logs") + limitQuery(limit); }
QString stackEventLogs(const QString& g, const QString& s, int limit) { return stack(g, s) + QStringLiteral("/event_logs") + limitQuery(limit); }
QString serviceEventLogs(const ServiceRef& s, int limit) { return service(s) + QStringLiteral("/event_logs") + limitQuery(limit); }
QString containerExec(const QString& grid, const QString& node, const QString& name, bool interactive, bool tty) {
    return QStringLiteral("/v1/containers/") + seg(grid) + QLatin1Char('/') + seg(node) + QLatin1Char('/') + seg(name) +
           QStringLiteral("/exec?interactive=%1&tty=%2").arg(interactive ? QStringLiteral("true") : QStringLiteral("false"),
                                                             tty ? QStringLiteral("true") : QStringLiteral("false"));
}

QString gridCertificates(const QString& g) { return grid(g) + QStringLiteral("/certificates"); }
QString certificate(const QString& grid, const QString& subject) { return QStringLiteral("/v1/certificates/") + seg(grid) + QLatin1Char('/') + seg(subject); }
QString gridRegistries(const QString& g) { return grid(g) + QStringLiteral("/external_registries"); }
QString registry(const QString& grid, const QString& name) { return QStringLiteral("/v1/external_registries/") + seg(grid) + QLatin1Char('/') + seg(name); }

QString volumes(const QString& grid) { return QStringLiteral("/v1/volumes/") + seg(grid); }
QString volume(const QString& grid, const QString& name) { return volumes(grid) + QLatin1Char('/') + seg(name); }

QString gridSecrets(const QString& grid) { return QStringLiteral("/v1/grids/") + seg(grid) + QStringLiteral("/secrets"); }
QString secret(const QString& grid, const QString& name) { return QStringLiteral("/v1/secrets/") + seg(grid) + QLatin1Char('/') + seg(name); }

}  // namespace paths
}  // namespace kontena::api
