// Routes: grids (create, read, settings, delete, token, members) and what a
// grid holds, read-only (nodes, services, logs, audit log, what-if state).
#include <QJsonArray>

#include <variant>

#include "master/api_json.h"
#include "master/api_server.h"
#include "master/http_status.h"

namespace kontena::master {

using Method = QHttpServerRequest::Method;

namespace {

// POST /v1/grids' body as the grid document to create, or an error reply.
std::variant<QJsonObject, Reply> newGridDocument(const QJsonObject& body) {
    const QString name = body.value(QStringLiteral("name")).toString();
    if (!validName(name)) return Reply::error(422, QStringLiteral("name must be 1-63 lowercase letters, digits or dashes"));
    const int initial = body.value(QStringLiteral("initial_size")).toInt(1);
    if (initial < 1 || initial > 7) return Reply::error(422, QStringLiteral("initial_size must be 1..7"));
    const int maxNodes = body.value(QStringLiteral("max_nodes")).toInt(254);
    if (maxNodes < 1 || maxNodes > Grid::kMaxNodesLimit) return Reply::error(422, QStringLiteral("max_nodes must be 1..%1").arg(Grid::kMaxNodesLimit));
    QString token = body.value(QStringLiteral("token")).toString();
    if (token.isEmpty()) token = Auth::randomSecret();
    return QJsonObject{{QStringLiteral("name"), name},
                       {QStringLiteral("initial_size"), initial},
                       {QStringLiteral("max_nodes"), maxNodes},
                       {QStringLiteral("token"), token},
                       {QStringLiteral("created_at"), static_cast<double>(nowMs())},
                       {QStringLiteral("default_affinity"), body.value(QStringLiteral("default_affinity"))},
                       {QStringLiteral("settings"), body.value(QStringLiteral("settings"))}};
}

}  // namespace

void Master::addGridRoutes() {
    add(Method::Get, QStringLiteral("/v1/grids"), Permission::User, [this](Call& c) {
        QJsonArray a;
        for (GridRuntime* g : grids_) {
            if (auth_->allowed(c.user, Permission::GridMember, g->name())) a.append(api_json::grid(*g));
        }
        return Reply{200, QJsonObject{{QStringLiteral("grids"), a}}};
    });
    add(Method::Post, QStringLiteral("/v1/grids"), Permission::MasterAdmin, [this](Call& c) {
        auto doc = newGridDocument(c.body);
        if (auto* error = std::get_if<Reply>(&doc)) return *error;
        const QJsonObject& d = std::get<QJsonObject>(doc);
        const QString name = d.value(QStringLiteral("name")).toString();
        if (grids_.contains(name)) return Reply::error(409, QStringLiteral("Grid %1 exists already").arg(name));
        GridRuntime* g = createGrid(d);
        if (!g->save()) return Reply::error(500, QStringLiteral("could not store the grid: ") + store_.lastError());
        auth_->setGridMember(c.user.email, name, true);
        Call audited = c;
        audited.body.remove(QStringLiteral("token"));   // the grid token never goes into the audit log
        audit(audited, name, QStringLiteral("Grid"), name, name, QStringLiteral("create"));
        return Reply{201, api_json::grid(*g)};
    });
    add(Method::Get, QStringLiteral("/v1/grids/:grid"), Permission::GridMember, [this](Call& c) { return Reply{200, api_json::grid(*gridOf(c))}; });
    add(Method::Put, QStringLiteral("/v1/grids/:grid"), Permission::GridAdmin, [this](Call& c) {
        GridRuntime* g = gridOf(c);
        QJsonObject s = c.body.value(QStringLiteral("settings")).toObject();
        if (c.body.contains(QStringLiteral("default_affinity"))) s[QStringLiteral("default_affinity")] = c.body.value(QStringLiteral("default_affinity"));
        g->setSettings(s);
        audit(c, g->name(), QStringLiteral("Grid"), g->name(), g->name(), QStringLiteral("update"));
        return Reply{200, api_json::grid(*g)};
    });
    add(Method::Delete, QStringLiteral("/v1/grids/:grid"), Permission::MasterAdmin, [this](Call& c) {
        GridRuntime* g = gridOf(c);
        if (auto r = g->apply(ev::GridRemove{}); r.refused) return refusedReply(*r.refused);   // nodes online
        audit(c, g->name(), QStringLiteral("Grid"), g->name(), g->name(), QStringLiteral("delete"));
        forgetGrid(g);
        return Reply{200, QJsonObject{}};
    });
    add(Method::Get, QStringLiteral("/v1/grids/:grid/token"), Permission::GridAdmin,
        [this](Call& c) { return Reply{200, QJsonObject{{QStringLiteral("token"), gridOf(c)->token()}}}; });
    add(Method::Get, QStringLiteral("/v1/grids/:grid/users"), Permission::GridMember, [this](Call& c) {
        QJsonArray a;
        for (const auto& u : auth_->users()) {
            if (u.grids.contains(c.param("grid"))) a.append(u.toJson());
        }
        return Reply{200, QJsonObject{{QStringLiteral("users"), a}}};
    });
    add(Method::Post, QStringLiteral("/v1/grids/:grid/users"), Permission::GridAdmin, [this](Call& c) {
        const QString email = c.body.value(QStringLiteral("email")).toString();
        if (!auth_->setGridMember(email, c.param("grid"), true)) return Reply::error(404, QStringLiteral("User not found"));
        audit(c, c.param("grid"), QStringLiteral("Grid"), c.param("grid"), c.param("grid"), QStringLiteral("assign user"));
        return Reply{201, auth_->user(email)->toJson()};
    });
    add(Method::Delete, QStringLiteral("/v1/grids/:grid/users/:email"), Permission::GridAdmin, [this](Call& c) {
        if (!auth_->setGridMember(c.param("email"), c.param("grid"), false)) return Reply::error(404, QStringLiteral("User not found"));
        audit(c, c.param("grid"), QStringLiteral("Grid"), c.param("grid"), c.param("grid"), QStringLiteral("unassign user"));
        return Reply{200, QJsonObject{}};
    });
}

void Master::addGridReadRoutes() {
    add(Method::Get, QStringLiteral("/v1/grids/:grid/nodes"), Permission::GridMember,
        [this](Call& c) { return Reply{200, QJsonObject{{QStringLiteral("nodes"), api_json::nodes(*gridOf(c))}}}; });
    add(Method::Get, QStringLiteral("/v1/grids/:grid/services"), Permission::GridMember, [this](Call& c) {
        const QString stack = c.query.queryItemValue(QStringLiteral("stack"));
        return Reply{200, QJsonObject{{QStringLiteral("services"), api_json::services(*gridOf(c), stack)}}};
    });
    add(Method::Get, QStringLiteral("/v1/grids/:grid/event_logs"), Permission::GridMember, [this](Call& c) {
        return Reply{200, QJsonObject{{QStringLiteral("logs"), gridOf(c)->logs().events(limitOf(c, 100, 10000))}}};
    });
    add(Method::Get, QStringLiteral("/v1/grids/:grid/container_logs"), Permission::GridMember, [this](Call& c) {
        return Reply{200, QJsonObject{{QStringLiteral("logs"), api_json::containerLogs(*gridOf(c), {}, limitOf(c, 100, 10000))}}};
    });
    add(Method::Get, QStringLiteral("/v1/grids/:grid/audit_log"), Permission::GridMember, [this](Call& c) {
        QJsonArray a;
        for (const auto& e : store_.audit(c.param("grid"), limitOf(c, 500, 3000))) a.append(e);
        return Reply{200, QJsonObject{{QStringLiteral("logs"), a}}};
    });
    add(Method::Get, QStringLiteral("/v1/grids/:grid/state"), Permission::GridMember,
        [this](Call& c) { return Reply{200, api_json::whatIfState(*gridOf(c))}; });
}

}  // namespace kontena::master
