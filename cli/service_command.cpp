// `kontena service ...`: services of the current grid, named stack/service.
#include <QUrlQuery>

#include "api/logs.h"
#include "api/paths.h"
#include "api/service.h"
#include "command.h"
#include "dispatch.h"
#include "session.h"
#include "stats_command.h"
#include "streams.h"

namespace kontena::cli {
namespace {

namespace paths = api::paths;

QString opt(const char* name) { return QString::fromLatin1(name); }

// "stack/service" or a bare name (the null stack) in the current grid.
api::ServiceRef serviceOf(Call& c) { return api::ServiceRef::inGrid(c.grid(), c.arg(0)); }

QStringList portTexts(const QList<api::Port>& ports) {
    QStringList out;
    for (const auto& p : ports) out.append(QStringLiteral("%1:%2->%3/%4").arg(p.ip).arg(p.nodePort).arg(p.containerPort).arg(p.protocol));
    return out;
}

QList<QStringList> serviceRows(const QList<api::Service>& services) {
    QList<QStringList> rows;
    for (const auto& svc : services) {
        const int running = svc.instanceCounts.running, desired = svc.instances;
        const QString name = api::ServiceRef{QString(), svc.stack, svc.name}.stackAndName();
        rows.append({(running >= desired ? QStringLiteral("⊛ ") : QStringLiteral("⊝ ")) + name, QStringLiteral("%1 / %2").arg(running).arg(desired),
                     svc.stateful ? QStringLiteral("yes") : QStringLiteral("no"), svc.state, portTexts(svc.ports).join(QStringLiteral(", "))});
    }
    return rows;
}

int serviceList(const QStringList& args) {
    return runCommand({opt("kontena service ls"), opt("List services."), {{opt("stack"), opt("Only this stack's services"), opt("STACK")}}, {},
                       Needs::Grid, true},
                      args, [](Call& c) {
                          const std::optional<QString> stack = c.isSet("stack") ? std::optional(c.value("stack")) : std::nullopt;
                          const auto list = c.get<api::ServiceList>(paths::gridServices(c.grid(), stack));
                          if (!list) return c.failed();
                          return c.print(api::toJsonArray(list->services), [&] {
                              printTable({opt("NAME"), opt("INSTANCES"), opt("STATEFUL"), opt("STATE"), opt("EXPOSED PORTS")}, serviceRows(list->services));
                          });
                      });
}

void printService(const api::Service& svc, const QList<api::Instance>& instances) {
    QString text = QStringLiteral("%1:\n  image: %2\n  strategy: %3\n  state: %4\n  revision: %5\n  stateful: %6\n  instances:\n")
                       .arg(svc.id, svc.image, svc.strategy, svc.state, QString::number(svc.revision),
                            svc.stateful ? QStringLiteral("yes") : QStringLiteral("no"));
    for (const auto& i : instances) {
        text += QStringLiteral("    %1: %2 on %3%4\n").arg(i.name, i.state, i.node.value_or(QStringLiteral("-")),
                                                         i.error.isEmpty() ? QString() : QStringLiteral(" (") + i.error + QLatin1Char(')'));
    }
    printOut(text);
}

int serviceShow(const QStringList& args) {
    return runCommand({opt("kontena service show"), opt("Show a service and its instances."), {}, {opt("SERVICE")}, Needs::Grid, true}, args,
                      [](Call& c) {
                          const api::ServiceRef ref = serviceOf(c);
                          const auto svc = c.get<api::Service>(paths::service(ref));
                          if (!svc) return c.failed();
                          const auto inst = c.get<api::InstanceList>(paths::serviceInstances(ref));
                          if (!inst) return c.failed();
                          return c.print(api::serviceWithInstances(*svc, inst->instances), [&] { printService(*svc, inst->instances); });
                      });
}

int serviceContainers(const QStringList& args) {
    return runCommand({opt("kontena service containers"), opt("List a service's containers."), {}, {opt("SERVICE")}, Needs::Grid, true}, args,
                      [](Call& c) {
                          const auto list = c.get<api::ContainerList>(paths::serviceContainers(serviceOf(c)));
                          if (!list) return c.failed();
                          return c.print(api::toJsonArray(list->containers), [&] {
                              QList<QStringList> rows;
                              for (const auto& i : list->containers) {
                                  rows.append({i.name, i.node.value_or(QStringLiteral("-")), i.state, i.health.value_or(QStringLiteral("-"))});
                              }
                              printTable({opt("NAME"), opt("NODE"), opt("STATE"), opt("HEALTH")}, rows);
                          });
                      });
}

// The deploy a service action started (nullopt: the call failed).
std::optional<api::Deploy> startAction(Call& c, const api::ServiceRef& ref, const QString& action, int instances) {
    if (action == QLatin1String("scale")) {
        api::ScaleRequest scale;
        scale.instances = instances;
        return c.post<api::Deploy>(paths::serviceScale(ref), scale);
    }
    if (action == QLatin1String("deploy")) {
        api::DeployRequest deploy;
        if (c.isSet("force")) deploy.force = true;
        return c.post<api::Deploy>(paths::serviceDeploy(ref), deploy);
    }
    const QString path = action == QLatin1String("restart") ? paths::serviceRestart(ref)
                         : action == QLatin1String("stop")  ? paths::serviceStop(ref)
                                                            : paths::serviceStart(ref);
    return c.post<api::Deploy>(path, api::DeployRequest{});
}

// deploy / scale / restart / stop / start
int serviceAction(const QStringList& args, const QString& action) {
    CommandSpec spec{QStringLiteral("kontena service ") + action, QStringLiteral("%1 a service.").arg(action),
                     {{opt("no-wait"), opt("Do not wait for the deploy to finish")}}, {opt("SERVICE")}};
    if (action == QLatin1String("deploy")) spec.options.append({opt("force"), opt("Re-create every instance")});
    if (action == QLatin1String("scale")) spec.positionals.append(opt("INSTANCES"));
    return runCommand(spec, args, [action](Call& c) {
        bool valid = true;
        const int instances = action == QLatin1String("scale") ? c.arg(1).toInt(&valid) : 0;
        if (!valid || instances < 0) return c.usage(QStringLiteral("INSTANCES must be a number >= 0"));
        const api::ServiceRef ref = serviceOf(c);
        const auto deploy = startAction(c, ref, action, instances);
        if (!deploy) return c.failed();
        if (c.isSet("no-wait") || deploy->id.isEmpty()) return static_cast<int>(Ok);
        return waitForDeploy(c, paths::serviceDeployment(ref, deploy->id), QStringLiteral("%1 %2").arg(action, c.arg(0)), false);
    });
}

int serviceLogs(const QStringList& args) {
    return runCommand({opt("kontena service logs"), opt("Show a service's container logs."), logOptions(), {opt("SERVICE")}, Needs::Grid, true},
                      args, [](Call& c) { return showLogs(c, paths::service(serviceOf(c)) + QStringLiteral("/container_logs")); });
}

int serviceEvents(const QStringList& args) {
    return runCommand({opt("kontena service events"), opt("Show the events of a service and its instances."), eventOptions(), {opt("SERVICE")},
                       Needs::Grid, true},
                      args, [](Call& c) { return showEvents(c, paths::service(serviceOf(c)) + QStringLiteral("/event_logs")); });
}

int serviceExec(const QStringList& args) {
    CommandSpec spec{opt("kontena service exec"), opt("Run a command in a container of the service."),
                     {{{opt("instance")}, opt("The instance to run it in (default: the first running)"), opt("N")},
                      {{opt("i"), opt("interactive")}, opt("Keep standard input open")},
                      {{opt("t"), opt("tty")}, opt("Allocate a terminal")}},
                     {opt("SERVICE"), opt("CMD...")}, Needs::Grid};
    spec.minPositionals = 2;
    spec.maxPositionals = 10000;
    spec.optionsFirst = true;
    return runCommand(spec, args, [](Call& c) {
        const api::ServiceRef ref = serviceOf(c);
        const auto inst = c.get<api::InstanceList>(paths::serviceInstances(ref));
        if (!inst) return c.failed();
        const QString wanted = c.value("instance");
        for (const auto& i : inst->instances) {
            const bool pick = wanted.isEmpty() ? i.state == QLatin1String("running") : QString::number(i.instanceNumber) == wanted;
            if (pick && i.node) return execIn(c, *i.node, i.name, c.args().mid(1), c.isSet("i"), c.isSet("t"));
        }
        printErr(wanted.isEmpty() ? QStringLiteral("kontena: service %1 has no running instance\n").arg(c.arg(0))
                                  : QStringLiteral("kontena: service %1 has no placed instance %2\n").arg(c.arg(0), wanted));
        return static_cast<int>(Invalid);
    });
}

}  // namespace

Group serviceGroup() {
    auto action = [](const char* name) {
        const QString a = QString::fromLatin1(name);
        return [a](const QStringList& args) { return serviceAction(args, a); };
    };
    return {opt("service"), opt("Services"), [action](const QStringList& args) {
                std::vector<Sub> subs{{opt("ls"), opt("List services"), serviceList},
                                      {opt("show"), opt("Show a service"), serviceShow},
                                      {opt("containers"), opt("List containers"), serviceContainers},
                                      {opt("scale"), opt("Scale a service"), action("scale")},
                                      {opt("deploy"), opt("Deploy a service"), action("deploy")},
                                      {opt("restart"), opt("Restart a service"), action("restart")},
                                      {opt("stop"), opt("Stop a service"), action("stop")},
                                      {opt("start"), opt("Start a service"), action("start")},
                                      {opt("logs"), opt("Container logs"), serviceLogs},
                                      {opt("exec"), opt("Run a command in a container"), serviceExec},
                                      {opt("events"), opt("Events of a service"), serviceEvents},
                                      {opt("stats"), opt("Statistics of a service's containers"), serviceStats}};
                for (Sub& sub : serviceDefinitionSubs()) subs.push_back(std::move(sub));
                return dispatchGroup(opt("service"), args, subs);
            }};
}

}  // namespace kontena::cli
