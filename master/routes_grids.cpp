// Routes: grids (create, read, settings, delete, token, members) and what a
// grid holds, read-only (nodes, services, logs, audit log, what-if state).
#include <QJsonArray>

#include <variant>

#include "api/grid.h"
#include "api/logs.h"
#include "api/user.h"
#include "master/api_json.h"
#include "master/api_server.h"
#include "master/grid_runtime.h"
#include "master/http_status.h"
#include "master/json_util.h"
#include "scheduler/ipv4.h"

namespace kontena::master {

namespace {

// Reference 11.5: forwarder fluentd (opts need fluentd-address HOST:PORT) or none.
std::optional<Reply> checkLogForwarding(const api::GridLogSettings& l) {
    if (l.forwarder == QLatin1String("none")) return std::nullopt;
    if (l.forwarder != QLatin1String("fluentd")) return Reply::error(422, QStringLiteral("logs.forwarder must be fluentd or none"));
    const QString address = l.opts ? l.opts->value(QStringLiteral("fluentd-address")).toString() : QString();
    const qsizetype colon = address.lastIndexOf(QLatin1Char(':'));
    bool ok = false;
    const uint port = colon > 0 ? address.mid(colon + 1).toUInt(&ok) : 0;
    if (!ok || port == 0 || port > 65535)
        return Reply::error(422, QStringLiteral("logs.opts.fluentd-address must be HOST:PORT (the fluentd forwarder needs it)"));
    return std::nullopt;
}

// Reference 11.5: stats.statsd {server, port}, or null (no export).
std::optional<Reply> checkStatsd(const api::GridStatsSettings& s) {
    if (!s.statsd) return std::nullopt;
    if (s.statsd->server.trimmed().isEmpty() || s.statsd->server.size() > 253 || s.statsd->server.contains(QLatin1Char(' ')))
        return Reply::error(422, QStringLiteral("stats.statsd.server must be a host name or address"));
    if (s.statsd->port < 1 || s.statsd->port > 65535) return Reply::error(422, QStringLiteral("stats.statsd.port must be 1..65535"));
    return std::nullopt;
}

}  // namespace

using Method = QHttpServerRequest::Method;

namespace {

// Under --time-scale (a rehearsal on real hosts) the API's settings are
// kept as given, and the rest of the grid's timings scaled; so a setting the
// request leaves out is the core's default scaled alike, not Kontena's
// unscaled value (a 30 s keepalive beside a 6 s stale threshold would put
// every node offline as stale).
QJsonObject scaledSettings(const std::optional<api::GridSettings>& given) {
    QJsonObject out = settingsJson(scaledTimings(GridSettings{}, GridRuntime::timeScale()));
    if (!given) return out;
    const QJsonObject g = given->toJson();
    for (auto it = g.begin(); it != g.end(); ++it) {
        if (!it.value().isObject()) {
            out.insert(it.key(), it.value());
            continue;
        }
        QJsonObject merged = out.value(it.key()).toObject();   // offline_grace: per strategy
        const QJsonObject part = it.value().toObject();
        for (auto p = part.begin(); p != part.end(); ++p) merged.insert(p.key(), p.value());
        out.insert(it.key(), merged);
    }
    return out;
}

// POST /v1/grids' request as the grid document to create, or an error reply.
std::variant<QJsonObject, Reply> newGridDocument(const api::GridCreate& req) {
    if (!validName(req.name)) return Reply::error(422, QStringLiteral("name must be 1-63 lowercase letters, digits or dashes"));
    if (req.initialSize < 1 || req.initialSize > 7) return Reply::error(422, QStringLiteral("initial_size must be 1..7"));
    if (req.maxNodes < 1 || req.maxNodes > Grid::kMaxNodesLimit) {
        return Reply::error(422, QStringLiteral("max_nodes must be 1..%1").arg(Grid::kMaxNodesLimit));
    }
    // The overlay's subnet: node numbers 1..max_nodes in its lower half.
    const QString subnet = req.subnet.value_or(QString()).isEmpty() ? QString::fromLatin1(kDefaultGridSubnet) : *req.subnet;
    const auto net = parseCidr(subnet.toStdString());
    if (!net) return Reply::error(422, QStringLiteral("subnet must be an IPv4 network in CIDR form (like 10.81.0.0/16), got ") + subnet);
    if (nodeNumbersIn(*net) < req.maxNodes) {
        return Reply::error(422, QStringLiteral("subnet %1 has room for %2 node addresses (its lower half), max_nodes is %3")
                                     .arg(subnet).arg(nodeNumbersIn(*net)).arg(req.maxNodes));
    }
    const QString token = req.token.value_or(QString()).isEmpty() ? Auth::randomSecret() : *req.token;
    QJsonObject doc{{QStringLiteral("name"), req.name},
                    {QStringLiteral("initial_size"), req.initialSize},
                    {QStringLiteral("max_nodes"), req.maxNodes},
                    {QStringLiteral("subnet"), subnet},
                    {QStringLiteral("token"), token},
                    {QStringLiteral("created_at"), static_cast<double>(nowMs())},
                    {QStringLiteral("default_affinity"), QJsonArray::fromStringList(req.defaultAffinity)}};
    if (GridRuntime::timeScale() != 1.0) doc.insert(QStringLiteral("settings"), scaledSettings(req.settings));
    else if (req.settings) doc.insert(QStringLiteral("settings"), req.settings->toJson());
    return doc;
}

}  // namespace

void Master::addGridRoutes() {
    add(Method::Get, QStringLiteral("/v1/grids"), Permission::User, [this](Call& c) {
        api::GridList list;
        for (GridRuntime* g : grids_) {
            if (auth_->allowed(c.user, Permission::GridMember, g->name())) list.grids.append(api_json::grid(*g));
        }
        return Reply::of(list);
    });
    add(Method::Post, QStringLiteral("/v1/grids"), Permission::MasterAdmin, [this](Call& c) {
        api::GridCreate req;
        if (auto bad = readBody(c, &req)) return *bad;
        auto doc = newGridDocument(req);
        if (auto* error = std::get_if<Reply>(&doc)) return *error;
        if (grids_.contains(req.name)) return Reply::error(409, QStringLiteral("Grid %1 exists already").arg(req.name));
        // Several masters: the new grid's lease first (its writes are fenced by it).
        if (cluster_ && !cluster_->acquire(req.name)) return Reply::error(409, QStringLiteral("Grid %1 exists already").arg(req.name));
        GridRuntime* g = createGrid(std::get<QJsonObject>(doc));
        if (!g->save()) return Reply::error(500, QStringLiteral("could not store the grid: ") + store_.lastError());
        auth_->setGridMember(c.user.email, req.name, true);
        Call audited = c;
        audited.body.remove(QStringLiteral("token"));   // the grid token never goes into the audit log
        audit(audited, req.name, QStringLiteral("Grid"), req.name, req.name, QStringLiteral("create"));
        return Reply::of(api_json::grid(*g), 201);
    });
    add(Method::Get, QStringLiteral("/v1/grids/:grid"), Permission::GridMember, [this](Call& c) { return Reply::of(api_json::grid(*gridOf(c))); });
    add(Method::Put, QStringLiteral("/v1/grids/:grid"), Permission::GridAdmin, [this](Call& c) {
        api::GridUpdate req;
        if (auto bad = readBody(c, &req)) return *bad;
        if (req.logs) {
            if (auto bad = checkLogForwarding(*req.logs)) return *bad;
        }
        if (req.stats) {
            if (auto bad = checkStatsd(*req.stats)) return *bad;
        }
        GridRuntime* g = gridOf(c);
        g->setSettings(req);
        if (req.logs) g->setLogForwarding(*req.logs);
        if (req.stats) g->setStatsd(req.stats->statsd);
        audit(c, g->name(), QStringLiteral("Grid"), g->name(), g->name(), QStringLiteral("update"));
        return Reply::of(api_json::grid(*g));
    });
    add(Method::Delete, QStringLiteral("/v1/grids/:grid"), Permission::MasterAdmin, [this](Call& c) {
        GridRuntime* g = gridOf(c);
        if (auto r = g->apply(ev::GridRemove{}); r.refused) return refusedReply(*r.refused);   // nodes online
        audit(c, g->name(), QStringLiteral("Grid"), g->name(), g->name(), QStringLiteral("delete"));
        forgetGrid(g);
        return Reply::done();
    });
    add(Method::Get, QStringLiteral("/v1/grids/:grid/token"), Permission::GridAdmin, [this](Call& c) {
        api::GridToken t;
        t.token = gridOf(c)->token();
        return Reply::of(t);
    });
    addGridMemberRoutes();
}

void Master::addGridMemberRoutes() {
    add(Method::Get, QStringLiteral("/v1/grids/:grid/users"), Permission::GridMember, [this](Call& c) {
        api::UserList list;
        for (const auto& u : auth_->users()) {
            if (u.grids.contains(c.param("grid"))) list.users.append(u.toApi());
        }
        return Reply::of(list);
    });
    add(Method::Post, QStringLiteral("/v1/grids/:grid/users"), Permission::GridAdmin, [this](Call& c) {
        api::GridUserAdd req;
        if (auto bad = readBody(c, &req)) return *bad;
        if (!auth_->setGridMember(req.email, c.param("grid"), true)) return Reply::error(404, QStringLiteral("User not found"));
        audit(c, c.param("grid"), QStringLiteral("Grid"), c.param("grid"), c.param("grid"), QStringLiteral("assign user"));
        return Reply::of(auth_->user(req.email)->toApi(), 201);
    });
    add(Method::Delete, QStringLiteral("/v1/grids/:grid/users/:email"), Permission::GridAdmin, [this](Call& c) {
        if (!auth_->setGridMember(c.param("email"), c.param("grid"), false)) return Reply::error(404, QStringLiteral("User not found"));
        audit(c, c.param("grid"), QStringLiteral("Grid"), c.param("grid"), c.param("grid"), QStringLiteral("unassign user"));
        return Reply::done();
    });
}

void Master::addGridReadRoutes() {
    add(Method::Get, QStringLiteral("/v1/grids/:grid/nodes"), Permission::GridMember, [this](Call& c) {
        api::NodeList list;
        list.nodes = api_json::nodes(*gridOf(c));
        return Reply::of(list);
    });
    add(Method::Get, QStringLiteral("/v1/grids/:grid/services"), Permission::GridMember, [this](Call& c) {
        api::ServiceList list;
        list.services = api_json::services(*gridOf(c), c.query.queryItemValue(QStringLiteral("stack")));
        return Reply::of(list);
    });
    add(Method::Get, QStringLiteral("/v1/grids/:grid/event_logs"), Permission::GridMember, [this](Call& c) {
        api::EventLog log;
        log.logs = gridOf(c)->logs().events(limitOf(c, 100, 10000));
        return Reply::of(log);
    });
    add(Method::Get, QStringLiteral("/v1/grids/:grid/container_logs"), Permission::GridMember, [this](Call& c) {
        auto q = logQueryOf(c);
        if (auto* bad = std::get_if<Reply>(&q)) return *bad;
        api::ContainerLog log;
        log.logs = gridOf(c)->logs().containerLines(std::get<LogQuery>(q));
        return Reply::of(log);
    });
    add(Method::Get, QStringLiteral("/v1/grids/:grid/audit_log"), Permission::GridMember,
        [this](Call& c) { return Reply::of(auditLog(c.param("grid"), limitOf(c, 500, 3000))); });
    add(Method::Get, QStringLiteral("/v1/grids/:grid/state"), Permission::GridMember,
        [this](Call& c) { return Reply::of(api_json::whatIfState(*gridOf(c))); });
}

}  // namespace kontena::master
