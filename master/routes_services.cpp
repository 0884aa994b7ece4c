// Routes: one service of a grid (read, instances, logs, deploys) and what a
// user asks of it (deploy, scale, restart, stop, start).
#include <variant>

#include "api/logs.h"
#include "api/service.h"
#include "master/api_json.h"
#include "master/api_server.h"
#include "master/http_status.h"
#include "master/json_util.h"

namespace kontena::master {

using Method = QHttpServerRequest::Method;

namespace {

const QString kServicePath = QStringLiteral("/v1/services/:grid/:stack/:service");

const Service* serviceOf(const GridRuntime& g, const Call& c) {
    return g.state().service(ss(c.param("stack")) + "/" + ss(c.param("service")));
}

Reply serviceNotFound(const Call& c) {
    return Reply::error(404, QStringLiteral("Service %1/%2 not found").arg(c.param("stack"), c.param("service")));
}

// {"instances": [...]} or {"containers": [...]}: the same instance objects.
Reply instanceListing(const QString& path, const QList<api::Instance>& instances) {
    if (path == QLatin1String("/containers")) {
        api::ContainerList list;
        list.containers = instances;
        return Reply::of(list);
    }
    api::InstanceList list;
    list.instances = instances;
    return Reply::of(list);
}

// The core event a service action asks for, or an error reply for a bad body.
std::variant<Event, Reply> serviceActionEvent(const QString& action, const std::string& key, const Call& c) {
    if (action == QLatin1String("scale")) {
        api::ScaleRequest req;
        if (auto bad = readBody(c, &req)) return *bad;
        if (lacks(req, "instances") || req.instances < 0) return Reply::error(422, QStringLiteral("instances must be a whole number >= 0"));
        return Event{ev::ServiceScale{key, req.instances}};
    }
    if (action == QLatin1String("deploy")) {
        api::DeployRequest req;
        if (auto bad = readBody(c, &req)) return *bad;
        return Event{ev::ServiceDeploy{key, req.force.value_or(false)}};
    }
    if (action == QLatin1String("restart")) return Event{ev::ServiceRestart{key}};
    if (action == QLatin1String("stop")) return Event{ev::ServiceStop{key}};
    return Event{ev::ServiceStart{key}};
}

}  // namespace

void Master::addServiceRoutes() {
    add(Method::Get, kServicePath, Permission::GridMember, [this](Call& c) {
        GridRuntime* g = gridOf(c);
        const Service* s = serviceOf(*g, c);
        return s ? Reply::of(api_json::service(*g, *s)) : serviceNotFound(c);
    });
    for (const QString& path : {QStringLiteral("/instances"), QStringLiteral("/containers")}) {
        add(Method::Get, kServicePath + path, Permission::GridMember, [this, path](Call& c) {
            GridRuntime* g = gridOf(c);
            const Service* s = serviceOf(*g, c);
            return s ? instanceListing(path, api_json::instances(*g, s->spec.key())) : serviceNotFound(c);
        });
    }
    add(Method::Get, kServicePath + QStringLiteral("/event_logs"), Permission::GridMember, [this](Call& c) {
        GridRuntime* g = gridOf(c);
        const Service* s = serviceOf(*g, c);
        if (!s) return serviceNotFound(c);
        api::EventLog log;
        log.logs = g->logs().events(limitOf(c, 100, 10000), GridLogs::aboutService(s->spec.key()));
        return Reply::of(log);
    });
    add(Method::Get, kServicePath + QStringLiteral("/container_logs"), Permission::GridMember, [this](Call& c) {
        GridRuntime* g = gridOf(c);
        const Service* s = serviceOf(*g, c);
        if (!s) return serviceNotFound(c);
        auto q = logQueryOf(c);
        if (auto* bad = std::get_if<Reply>(&q)) return *bad;
        LogQuery& query = std::get<LogQuery>(q);
        query.stack = qs(s->spec.stack);
        query.service = qs(s->spec.name);
        api::ContainerLog log;
        log.logs = g->logs().containerLines(query);
        return Reply::of(log);
    });
    add(Method::Get, kServicePath + QStringLiteral("/deploys/:id"), Permission::GridMember, [this](Call& c) {
        GridRuntime* g = gridOf(c);
        const Service* s = serviceOf(*g, c);
        if (!s) return serviceNotFound(c);
        auto it = g->state().deploys.find(c.param("id").toLongLong());
        if (it == g->state().deploys.end() || it->second.service != s->spec.key()) return Reply::error(404, QStringLiteral("Deploy not found"));
        return Reply::of(api_json::deploy(*g, it->second));
    });
    add(Method::Delete, kServicePath, Permission::GridMember, [](Call&) {
        return Reply::error(422, QStringLiteral("Remove the service from its stack file and upgrade the stack, or remove the stack"));
    });
}

void Master::addServiceActionRoutes() {
    for (const char* action : {"deploy", "scale", "restart", "stop", "start"}) {
        const QString a = QString::fromLatin1(action);
        add(Method::Post, kServicePath + QLatin1Char('/') + a, Permission::GridMember, [this, a](Call& c) {
            GridRuntime* g = gridOf(c);
            const Service* s = serviceOf(*g, c);
            if (!s) return serviceNotFound(c);
            const std::string key = s->spec.key();
            const QString name = qs(s->spec.name);
            auto event = serviceActionEvent(a, key, c);
            if (auto* error = std::get_if<Reply>(&event)) return *error;
            const ApplyResult r = g->apply(std::get<Event>(event));
            if (r.refused) return refusedReply(*r.refused);
            audit(c, g->name(), QStringLiteral("GridService"), g->name() + QLatin1Char('/') + qs(key), name, a);
            const auto& deploys = g->state().deploys;
            const auto d = r.decision.startedDeploy ? deploys.find(*r.decision.startedDeploy) : deploys.end();
            if (d != deploys.end()) return Reply::of(api_json::deploy(*g, d->second));
            api::ServiceAction done;
            done.serviceId = g->name() + QLatin1Char('/') + qs(key);
            return Reply::of(done);
        });
    }
}

}  // namespace kontena::master
