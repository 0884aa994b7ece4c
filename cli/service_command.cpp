// `kontena service ...`: services of the current grid, named stack/service.
#include <QThread>

#include "command.h"
#include "dispatch.h"
#include "session.h"

namespace kontena::cli {
namespace {

// "stack/service" -> "/v1/services/GRID/stack/service"; a bare name is in the null stack.
QString servicePath(const Session& s, const QString& name) {
    const QString full = name.contains(u'/') ? name : QStringLiteral("null/") + name;
    return QStringLiteral("/v1/services/%1/%2").arg(s.grid, full);
}

int serviceList(const QStringList& args) {
    Parsed a;
    parseArgs(a, QStringLiteral("kontena service ls"), QStringLiteral("List services."), args,
              {{QStringLiteral("stack"), QStringLiteral("Only this stack's services"), QStringLiteral("STACK")}}, {}, true);
    if (a.exit >= 0) return a.exit;
    int exit = Ok;
    auto s = openSession(true, &exit);
    if (!s) return exit;
    QString path = QStringLiteral("/v1/grids/%1/services").arg(s->grid);
    if (a.p.isSet(QStringLiteral("stack"))) path += QStringLiteral("?stack=") + a.p.value(QStringLiteral("stack"));
    const auto r = s->api->get(path);
    if (!r.ok()) return apiFailure(r);
    const QJsonArray services = r.object().value(QStringLiteral("services")).toArray();
    if (wantsJson(a.p)) {
        printJson(services);
        return Ok;
    }
    QList<QStringList> rows;
    for (const auto& v : services) {
        const QJsonObject svc = v.toObject();
        const QJsonObject counts = svc.value(QStringLiteral("instance_counts")).toObject();
        const int running = counts.value(QStringLiteral("running")).toInt(), desired = svc.value(QStringLiteral("instances")).toInt();
        QStringList ports;
        for (const auto& p : svc.value(QStringLiteral("ports")).toArray()) {
            const QJsonObject o = p.toObject();
            ports.append(QStringLiteral("%1:%2->%3/%4").arg(o.value(QStringLiteral("ip")).toString()).arg(o.value(QStringLiteral("node_port")).toInt())
                             .arg(o.value(QStringLiteral("container_port")).toInt()).arg(o.value(QStringLiteral("protocol")).toString()));
        }
        const QString stack = svc.value(QStringLiteral("stack")).toString();
        const QString name = (stack == QLatin1String("null") ? QString() : stack + QLatin1Char('/')) + svc.value(QStringLiteral("name")).toString();
        rows.append({(running >= desired ? QStringLiteral("⊛ ") : QStringLiteral("⊝ ")) + name, QStringLiteral("%1 / %2").arg(running).arg(desired),
                     svc.value(QStringLiteral("stateful")).toBool() ? QStringLiteral("yes") : QStringLiteral("no"),
                     svc.value(QStringLiteral("state")).toString(), ports.join(QStringLiteral(", "))});
    }
    printTable({QStringLiteral("NAME"), QStringLiteral("INSTANCES"), QStringLiteral("STATEFUL"), QStringLiteral("STATE"), QStringLiteral("EXPOSED PORTS")}, rows);
    return Ok;
}

int serviceShow(const QStringList& args) {
    Parsed a;
    parseArgs(a, QStringLiteral("kontena service show"), QStringLiteral("Show a service and its instances."), args, {}, {QStringLiteral("SERVICE")}, true);
    if (a.exit >= 0) return a.exit;
    int exit = Ok;
    auto s = openSession(true, &exit);
    if (!s) return exit;
    const QString path = servicePath(*s, a.p.positionalArguments().first());
    const auto r = s->api->get(path);
    if (!r.ok()) return apiFailure(r);
    const auto inst = s->api->get(path + QStringLiteral("/instances"));
    if (!inst.ok()) return apiFailure(inst);
    if (wantsJson(a.p)) {
        QJsonObject o = r.object();
        o[QStringLiteral("instances_detail")] = inst.object().value(QStringLiteral("instances"));
        printJson(o);
        return Ok;
    }
    const QJsonObject svc = r.object();
    QString text = QStringLiteral("%1:\n  image: %2\n  strategy: %3\n  state: %4\n  revision: %5\n  stateful: %6\n  instances:\n")
                       .arg(svc.value(QStringLiteral("id")).toString(), svc.value(QStringLiteral("image")).toString(), svc.value(QStringLiteral("strategy")).toString(),
                            svc.value(QStringLiteral("state")).toString(), QString::number(svc.value(QStringLiteral("revision")).toInt()),
                            svc.value(QStringLiteral("stateful")).toBool() ? QStringLiteral("yes") : QStringLiteral("no"));
    for (const auto& v : inst.object().value(QStringLiteral("instances")).toArray()) {
        const QJsonObject i = v.toObject();
        text += QStringLiteral("    %1: %2 on %3%4\n").arg(i.value(QStringLiteral("name")).toString(), i.value(QStringLiteral("state")).toString(),
                                                         i.value(QStringLiteral("node")).toString(QStringLiteral("-")),
                                                         i.value(QStringLiteral("error")).toString().isEmpty() ? QString() : QStringLiteral(" (") + i.value(QStringLiteral("error")).toString() + QLatin1Char(')'));
    }
    printOut(text);
    return Ok;
}

int serviceContainers(const QStringList& args) {
    Parsed a;
    parseArgs(a, QStringLiteral("kontena service containers"), QStringLiteral("List a service's containers."), args, {}, {QStringLiteral("SERVICE")}, true);
    if (a.exit >= 0) return a.exit;
    int exit = Ok;
    auto s = openSession(true, &exit);
    if (!s) return exit;
    const auto r = s->api->get(servicePath(*s, a.p.positionalArguments().first()) + QStringLiteral("/containers"));
    if (!r.ok()) return apiFailure(r);
    const QJsonArray list = r.object().value(QStringLiteral("containers")).toArray();
    if (wantsJson(a.p)) {
        printJson(list);
        return Ok;
    }
    QList<QStringList> rows;
    for (const auto& v : list) {
        const QJsonObject i = v.toObject();
        rows.append({i.value(QStringLiteral("name")).toString(), i.value(QStringLiteral("node")).toString(QStringLiteral("-")), i.value(QStringLiteral("state")).toString(),
                     i.value(QStringLiteral("health")).toString(QStringLiteral("-"))});
    }
    printTable({QStringLiteral("NAME"), QStringLiteral("NODE"), QStringLiteral("STATE"), QStringLiteral("HEALTH")}, rows);
    return Ok;
}

// deploy / scale / restart / stop / start
int serviceAction(const QStringList& args, const QString& action) {
    Parsed a;
    QList<QCommandLineOption> opts{{QStringLiteral("no-wait"), QStringLiteral("Do not wait for the deploy to finish")}};
    if (action == QLatin1String("deploy")) opts.append({QStringLiteral("force"), QStringLiteral("Re-create every instance")});
    QStringList pos{QStringLiteral("SERVICE")};
    if (action == QLatin1String("scale")) pos.append(QStringLiteral("INSTANCES"));
    parseArgs(a, QStringLiteral("kontena service ") + action, QStringLiteral("%1 a service.").arg(action), args, opts, pos);
    if (a.exit >= 0) return a.exit;
    QJsonObject body;
    if (action == QLatin1String("scale")) {
        bool ok = false;
        const int n = a.p.positionalArguments().at(1).toInt(&ok);
        if (!ok || n < 0) {
            printErr(QStringLiteral("kontena service scale: INSTANCES must be a number >= 0\n"));
            return Usage;
        }
        body[QStringLiteral("instances")] = n;
    }
    if (action == QLatin1String("deploy") && a.p.isSet(QStringLiteral("force"))) body[QStringLiteral("force")] = true;
    int exit = Ok;
    auto s = openSession(true, &exit);
    if (!s) return exit;
    const QString path = servicePath(*s, a.p.positionalArguments().first());
    const auto r = s->api->post(path + QLatin1Char('/') + action, body);
    if (!r.ok()) return apiFailure(r);
    const QString deployId = r.object().value(QStringLiteral("id")).toString();
    if (a.p.isSet(QStringLiteral("no-wait")) || deployId.isEmpty()) return Ok;
    return waitForDeploy(*s, path + QStringLiteral("/deploys/") + deployId, QStringLiteral("%1 %2").arg(action, a.p.positionalArguments().first()));
}

int serviceLogs(const QStringList& args) {
    Parsed a;
    parseArgs(a, QStringLiteral("kontena service logs"), QStringLiteral("Show a service's container logs."), args,
              {{{QStringLiteral("f"), QStringLiteral("follow")}, QStringLiteral("Keep printing new lines")},
               {{QStringLiteral("t"), QStringLiteral("tail")}, QStringLiteral("Lines"), QStringLiteral("N"), QStringLiteral("100")}},
              {QStringLiteral("SERVICE")});
    if (a.exit >= 0) return a.exit;
    int exit = Ok;
    auto s = openSession(true, &exit);
    if (!s) return exit;
    const QString path = servicePath(*s, a.p.positionalArguments().first()) + QStringLiteral("/container_logs?limit=");
    QString lastId;
    bool first = true;
    do {
        const auto r = s->api->get(path + (first ? a.p.value(QStringLiteral("t")) : QStringLiteral("1000")));
        if (!r.ok()) return apiFailure(r);
        bool seen = lastId.isEmpty();
        for (const auto& v : r.object().value(QStringLiteral("logs")).toArray()) {
            const QJsonObject e = v.toObject();
            const QString id = e.value(QStringLiteral("id")).toString();
            if (!seen) {
                if (id == lastId) seen = true;
                continue;
            }
            printOut(QStringLiteral("%1 %2: %3\n").arg(e.value(QStringLiteral("created_at")).toString(), e.value(QStringLiteral("name")).toString(),
                                                       e.value(QStringLiteral("data")).toString().trimmed()));
            lastId = id;
        }
        first = false;
        if (a.p.isSet(QStringLiteral("f"))) QThread::msleep(1000);
    } while (a.p.isSet(QStringLiteral("f")));
    return Ok;
}

}  // namespace

Group serviceGroup() {
    auto action = [](const char* name) {
        const QString a = QString::fromLatin1(name);
        return [a](const QStringList& args) { return serviceAction(args, a); };
    };
    return {QStringLiteral("service"), QStringLiteral("Services"), [action](const QStringList& args) {
                return dispatchGroup(QStringLiteral("service"), args,
                                     {{QStringLiteral("ls"), QStringLiteral("List services"), serviceList},
                                      {QStringLiteral("show"), QStringLiteral("Show a service"), serviceShow},
                                      {QStringLiteral("containers"), QStringLiteral("List containers"), serviceContainers},
                                      {QStringLiteral("scale"), QStringLiteral("Scale a service"), action("scale")},
                                      {QStringLiteral("deploy"), QStringLiteral("Deploy a service"), action("deploy")},
                                      {QStringLiteral("restart"), QStringLiteral("Restart a service"), action("restart")},
                                      {QStringLiteral("stop"), QStringLiteral("Stop a service"), action("stop")},
                                      {QStringLiteral("start"), QStringLiteral("Start a service"), action("start")},
                                      {QStringLiteral("logs"), QStringLiteral("Container logs"), serviceLogs}});
            }};
}

}  // namespace kontena::cli
