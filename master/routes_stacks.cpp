// Routes: stacks (install, read, upgrade, remove) and what a user asks of a
// whole stack (deploy, stop, start, restart; a stack deploy's progress).
#include <QRegularExpression>

#include "api/logs.h"
#include "api/stack.h"
#include "master/api_json.h"
#include "master/api_server.h"
#include "master/http_status.h"
#include "master/json_util.h"

namespace kontena::master {

using Method = QHttpServerRequest::Method;

namespace {

Reply stackNotFound(const Call& c) { return Reply::error(404, QStringLiteral("Stack %1 not found").arg(c.param("name"))); }

bool hasStack(const GridRuntime& g, const QString& name) { return g.state().stacks.count(ss(name)) != 0; }

QString stackId(const GridRuntime& g, const QString& name) { return g.name() + QLatin1Char('/') + name; }

// The core event a stack action asks for.
Event stackActionEvent(const QString& action, const std::string& stack) {
    if (action == QLatin1String("deploy")) return ev::StackDeploy{stack};
    if (action == QLatin1String("stop")) return ev::StackStop{stack};
    if (action == QLatin1String("start")) return ev::StackStart{stack};
    return ev::StackRestart{stack};
}

// Kontena's stack label rule (reference §6.2): `key=value`, the key of a-z, 0-9, '.', '-'.
std::optional<Reply> badLabels(const QStringList& labels) {
    static const QRegularExpression rule(QStringLiteral("^[a-z0-9.-]+="));
    for (qsizetype i = 0; i < labels.size(); ++i) {
        if (!rule.match(labels[i]).hasMatch() || labels[i].size() > 255) {
            return Reply::error(422, QStringLiteral("labels[%1]: expected a label like fqdn=about.me (a key of a-z, 0-9, '.' or '-', then '='), got \"%2\"")
                                         .arg(i)
                                         .arg(labels[i].left(64)));
        }
    }
    return std::nullopt;
}

}  // namespace

// PATCH: labels only (Kontena's Stacks::Patch); the null stack is not a user's stack.
Reply Master::patchStack(Call& c) {
    GridRuntime* g = gridOf(c);
    const QString name = c.param("name");
    if (!hasStack(*g, name)) return stackNotFound(c);
    api::StackPatch req;
    if (auto bad = readBody(c, &req)) return *bad;
    if (name == QLatin1String("null")) return Reply::error(422, QStringLiteral("Cannot update null stack"));
    if (req.labels) {
        if (auto bad = badLabels(*req.labels)) return *bad;
        QStringList labels;
        for (const QString& l : *req.labels) {
            if (!labels.contains(l)) labels.append(l);
        }
        if (!g->setStackLabels(name, labels)) return Reply::error(500, QStringLiteral("The stack's labels could not be stored"));
    }
    audit(c, g->name(), QStringLiteral("Stack"), stackId(*g, name), name, QStringLiteral("patch"));
    return Reply::of(api_json::stack(*g, name));
}

// Install (POST) or upgrade (PUT): parse, apply child stacks first, answer the stack (+ its deploy id).
Reply Master::installStack(Call& c, const api::StackInstall& req, const QString& name, bool update) {
    if (req.source.isEmpty()) return Reply::error(422, QStringLiteral("source (the rendered stack file) is required"));
    const bool deploy = c.query.queryItemValue(QStringLiteral("deploy")) != QLatin1String("false") && req.deploy;
    GridRuntime* g = gridOf(c);
    QString diagnostics;
    const ApplyResult r = g->applyStack(name, req.source, req.variables, deploy, &diagnostics, req.files, req.skipDependencies);
    if (!diagnostics.isEmpty()) return Reply::error(422, QStringLiteral("the stack file does not validate:\n") + diagnostics.trimmed());
    if (r.refused) return refusedReply(*r.refused);
    audit(c, g->name(), QStringLiteral("Stack"), stackId(*g, name), name, update ? QStringLiteral("update") : QStringLiteral("create"));
    api::Stack s = api_json::stack(*g, name);
    if (r.decision.startedStackDeploy) s.deployId = QString::number(*r.decision.startedStackDeploy);
    return Reply::of(s, update ? 200 : 201);
}

void Master::addStackRoutes() {
    add(Method::Get, QStringLiteral("/v1/grids/:grid/stacks"), Permission::GridMember, [this](Call& c) {
        api::StackList list;
        list.stacks = api_json::stacks(*gridOf(c));
        return Reply::of(list);
    });
    add(Method::Post, QStringLiteral("/v1/grids/:grid/stacks"), Permission::GridMember, [this](Call& c) {
        api::StackInstall req;
        if (auto bad = readBody(c, &req)) return *bad;
        if (!validName(req.name)) return Reply::error(422, QStringLiteral("name must be 1-63 lowercase letters, digits or dashes"));
        if (hasStack(*gridOf(c), req.name)) return Reply::error(409, QStringLiteral("Stack %1 exists already: use upgrade").arg(req.name));
        return installStack(c, req, req.name, false);
    });
    add(Method::Get, QStringLiteral("/v1/stacks/:grid/:name"), Permission::GridMember, [this](Call& c) {
        GridRuntime* g = gridOf(c);
        return hasStack(*g, c.param("name")) ? Reply::of(api_json::stack(*g, c.param("name"))) : stackNotFound(c);
    });
    add(Method::Get, QStringLiteral("/v1/stacks/:grid/:name/event_logs"), Permission::GridMember, [this](Call& c) {
        GridRuntime* g = gridOf(c);
        if (!hasStack(*g, c.param("name"))) return stackNotFound(c);
        api::EventLog log;
        log.logs = g->logs().events(limitOf(c, 100, 10000), GridLogs::aboutStack(ss(c.param("name"))));
        return Reply::of(log);
    });
    add(Method::Get, QStringLiteral("/v1/stacks/:grid/:name/container_logs"), Permission::GridMember, [this](Call& c) {
        GridRuntime* g = gridOf(c);
        const QString name = c.param("name");
        if (!hasStack(*g, name)) return stackNotFound(c);
        auto q = logQueryOf(c);
        if (auto* bad = std::get_if<Reply>(&q)) return *bad;
        LogQuery& query = std::get<LogQuery>(q);
        query.stack = name;
        api::ContainerLog log;
        log.logs = g->logs().containerLines(query);
        return Reply::of(log);
    });
    add(Method::Put, QStringLiteral("/v1/stacks/:grid/:name"), Permission::GridMember, [this](Call& c) {
        if (!hasStack(*gridOf(c), c.param("name"))) return stackNotFound(c);
        api::StackInstall req;
        if (auto bad = readBody(c, &req)) return *bad;
        return installStack(c, req, c.param("name"), true);
    });
    // ---- stack labels (issue 18): PATCH, as Kontena's `stack label add|remove`
    add(Method::Patch, QStringLiteral("/v1/stacks/:grid/:name"), Permission::GridMember, [this](Call& c) { return patchStack(c); });
    // ---- end stack labels
    // Child stacks go with their parent (after it: the parent may link to
    // them) unless ?keep_dependencies=true (reference §6.7).
    add(Method::Delete, QStringLiteral("/v1/stacks/:grid/:name"), Permission::GridMember, [this](Call& c) {
        GridRuntime* g = gridOf(c);
        const bool keep = c.query.queryItemValue(QStringLiteral("keep_dependencies")) == QLatin1String("true");
        QStringList order{c.param("name")};
        for (int i = 0; !keep && i < order.size(); ++i) {
            for (const QString& child : g->stacks().children(order[i])) {
                if (hasStack(*g, child) && !order.contains(child)) order.append(child);
            }
        }
        for (const QString& name : order) {
            if (auto r = g->apply(ev::StackRemove{ss(name)}); r.refused) return refusedReply(*r.refused);
            audit(c, g->name(), QStringLiteral("Stack"), stackId(*g, name), name, QStringLiteral("delete"));
        }
        return Reply::done();
    });
}

void Master::addStackActionRoutes() {
    for (const char* action : {"deploy", "stop", "restart", "start"}) {
        const QString a = QString::fromLatin1(action);
        add(Method::Post, QStringLiteral("/v1/stacks/:grid/:name/") + a, Permission::GridMember, [this, a](Call& c) {
            GridRuntime* g = gridOf(c);
            const ApplyResult r = g->apply(stackActionEvent(a, ss(c.param("name"))));
            if (r.refused) return refusedReply(*r.refused);
            audit(c, g->name(), QStringLiteral("Stack"), stackId(*g, c.param("name")), c.param("name"), a);
            api::StackAction done;
            done.stackId = stackId(*g, c.param("name"));
            if (r.decision.startedStackDeploy) done.id = QString::number(*r.decision.startedStackDeploy);
            return Reply::of(done);
        });
    }
    add(Method::Get, QStringLiteral("/v1/stacks/:grid/:name/deploys/:id"), Permission::GridMember, [this](Call& c) {
        GridRuntime* g = gridOf(c);
        if (!hasStack(*g, c.param("name"))) return stackNotFound(c);
        auto it = g->state().stackDeploys.find(c.param("id").toLongLong());
        if (it == g->state().stackDeploys.end() || qs(it->second.stack) != c.param("name")) return Reply::error(404, QStringLiteral("Deploy not found"));
        return Reply::of(api_json::stackDeploy(*g, it->second));
    });
}

}  // namespace kontena::master
