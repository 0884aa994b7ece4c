// `kontena grid ...` and `kontena node ...`.
#include <QRegularExpression>
#include <QUrl>

#include "api/grid.h"
#include "api/logs.h"
#include "api/paths.h"
#include "api/user.h"
#include "command.h"
#include "dispatch.h"
#include "session.h"
#include "stats_command.h"
#include "streams.h"

namespace kontena::cli {
namespace {

namespace paths = api::paths;

QString opt(const char* name) { return QString::fromLatin1(name); }

// The grid create request from the command line.
api::GridCreate gridCreateRequest(Call& c) {
    api::GridCreate g;
    g.name = c.arg(0);
    g.initialSize = c.value("initial-size").toInt();
    g.maxNodes = c.value("max-nodes").toInt();
    g.defaultAffinity = c.values("default-affinity");
    if (c.isSet("token")) g.token = c.value("token");
    if (c.isSet("subnet")) g.subnet = c.value("subnet");
    api::GridSettings settings;
    if (c.isSet("offline-grace")) {
        settings.offlineGrace = api::OfflineGrace{};
        settings.offlineGrace->ha = c.value("offline-grace").toDouble();
    }
    if (c.isSet("keepalive")) settings.keepaliveInterval = c.value("keepalive").toDouble();
    if (!settings.empty()) g.settings = settings;
    return g;
}

int gridCreate(const QStringList& args) {
    return runCommand({opt("kontena grid create"), opt("Create a grid."),
                       {{opt("initial-size"), opt("Initial nodes (etcd members), 1..7"), opt("N"), opt("1")},
                        {opt("token"), opt("Grid token (default: generated)"), opt("TOKEN")},
                        {opt("max-nodes"), opt("Node numbers 1..N (default 254, at most 32766)"), opt("N"), opt("254")},
                        {opt("subnet"), opt("Overlay subnet: node addresses in its lower half (default 10.81.0.0/16)"), opt("CIDR")},
                        {opt("default-affinity"), opt("Default affinity rule (repeat)"), opt("RULE")},
                        {opt("offline-grace"), opt("Seconds before instances leave an offline node: ha (other strategies keep theirs)"), opt("S")},
                        {opt("keepalive"), opt("Keepalive ping interval in seconds"), opt("S")}},
                       {opt("NAME")}, Needs::Master},
                      args, [](Call& c) {
                          const auto grid = c.post<api::Grid>(paths::grids(), gridCreateRequest(c));
                          if (!grid) return c.failed();
                          Session* s = c.session();
                          client::MasterEntry* m = s->config.currentMaster();
                          m->grid = grid->name;
                          QString error;
                          s->config.save(&error);
                          printOut(QStringLiteral("Created grid %1 (initial size %2) and switched to it\n").arg(m->grid).arg(grid->initialSize));
                          return static_cast<int>(Ok);
                      });
}

int gridList(const QStringList& args) {
    return runCommand({opt("kontena grid ls"), opt("List grids."), {}, {}, Needs::Master, true}, args, [](Call& c) {
        const auto list = c.get<api::GridList>(paths::grids());
        if (!list) return c.failed();
        const QString current = c.grid();
        return c.print(api::toJsonArray(list->grids), [&] {
            QList<QStringList> rows;
            for (const auto& g : list->grids) {
                rows.append({g.name + (g.name == current ? QStringLiteral(" *") : QString()), QString::number(g.nodeCount),
                             QString::number(g.serviceCount), QString::number(g.userCount)});
            }
            printTable({opt("NAME"), opt("NODES"), opt("SERVICES"), opt("USERS")}, rows);
        });
    });
}

int gridUse(const QStringList& args) {
    return runCommand({opt("kontena grid use"), opt("Switch the current grid."), {}, {opt("NAME")}, Needs::Master}, args, [](Call& c) {
        const QString name = c.arg(0);
        if (!c.get<api::Grid>(paths::grid(name))) return c.failed();
        Session* s = c.session();
        s->config.currentMaster()->grid = name;
        QString error;
        if (!s->config.save(&error)) return static_cast<int>(Invalid);
        printOut(QStringLiteral("Using grid %1\n").arg(name));
        return static_cast<int>(Ok);
    });
}

int gridShow(const QStringList& args) {
    return runCommand({opt("kontena grid show"), opt("Show a grid (default: the current one)."), {}, {opt("[NAME]")}, Needs::Grid, true, 0, 1},
                      args, [](Call& c) {
                          if (!c.arg(0).isEmpty()) c.needs = Needs::Master;
                          const QString name = c.args().isEmpty() ? c.grid() : c.arg(0);
                          const auto g = c.get<api::Grid>(paths::grid(name));
                          if (!g) return c.failed();
                          return c.print(g->toJson(), [&] {
                              printOut(QStringLiteral("%1:\n  initial size: %2\n  nodes: %3\n  services: %4\n  containers: %5\n  etcd: %6\n")
                                           .arg(name).arg(g->initialSize).arg(g->nodeCount).arg(g->serviceCount).arg(g->containerCount)
                                           .arg(g->etcd.summary + (g->etcd.quorum ? QStringLiteral(" (quorum)") : QStringLiteral(" (NO QUORUM)"))));
                          });
                      });
}

int gridRemove(const QStringList& args) {
    return runCommand({opt("kontena grid rm"), opt("Remove a grid (refused while it has online nodes)."), {}, {opt("NAME")}, Needs::Master},
                      args, [](Call& c) { return c.del(paths::grid(c.arg(0))) ? static_cast<int>(Ok) : c.failed(); });
}

int gridLogs(const QStringList& args) {
    return runCommand({opt("kontena grid logs"), opt("Show the container logs of the grid's services."), logOptions(), {}, Needs::Grid, true},
                      args, [](Call& c) { return showLogs(c, paths::grid(c.grid()) + QStringLiteral("/container_logs")); });
}

int gridToken(const QStringList& args) {
    return runCommand({opt("kontena grid token"), opt("Print the grid token agents connect with."), {}, {}, Needs::Grid}, args, [](Call& c) {
        const auto t = c.get<api::GridToken>(paths::gridToken(c.grid()));
        if (!t) return c.failed();
        printOut(t->token + QStringLiteral("\n"));
        return static_cast<int>(Ok);
    });
}

// `grid events`, `grid audit-log`: the last `limit` entries.
int gridLog(const QStringList& args, const QString& what) {
    return runCommand({QStringLiteral("kontena grid ") + what, QStringLiteral("Show the grid's ") + what,
                       {{{opt("l"), opt("limit")}, opt("Entries"), opt("N"), opt("100")}}, {}, Needs::Grid, true},
                      args, [what](Call& c) {
                          bool ok = false;
                          const int limit = c.value("l").toInt(&ok);
                          if (!ok) return c.usage(QStringLiteral("--limit must be a number"));
                          if (what == QLatin1String("audit-log")) {
                              const auto log = c.get<api::AuditLog>(paths::gridAuditLog(c.grid(), limit));
                              if (!log) return c.failed();
                              return c.print(api::toJsonArray(log->logs), [&] {
                                  for (const auto& e : log->logs) {
                                      printOut(QStringLiteral("%1 %2 %3 %4 %5\n").arg(e.time, e.resourceType, e.resourceName, e.eventName, e.userIdentity.email));
                                  }
                              });
                          }
                          const auto log = c.get<api::EventLog>(paths::gridEventLogs(c.grid(), limit));
                          if (!log) return c.failed();
                          return c.print(api::toJsonArray(log->logs), [&] {
                              for (const auto& e : log->logs) printOut(QStringLiteral("%1 %2 %3\n").arg(e.createdAt.value_or(QString()), e.type, e.msg));
                          });
                      });
}

// `grid env`: what an agent needs to join the grid, as Kontena prints it.
int gridEnv(const QStringList& args) {
    return runCommand({opt("kontena grid env"), opt("Print the environment a kontena-agent joins the grid with (default: the current grid)."),
                       {}, {opt("[NAME]")}, Needs::Grid, false, 0, 1},
                      args, [](Call& c) {
                          if (!c.arg(0).isEmpty()) c.needs = Needs::Master;
                          const QString name = c.args().isEmpty() ? c.grid() : c.arg(0);
                          const auto t = c.get<api::GridToken>(paths::gridToken(name));
                          if (!t) return c.failed();
                          QString uri = c.session()->master.url;
                          uri.replace(QRegularExpression(QStringLiteral("^http")), QStringLiteral("ws"));
                          printOut(QStringLiteral("KONTENA_URI=%1\nKONTENA_TOKEN=%2\n").arg(uri, t->token));
                          return static_cast<int>(Ok);
                      });
}

int gridUserList(const QStringList& args) {
    return runCommand({opt("kontena grid user ls"), opt("List the users of the grid."), {}, {}, Needs::Grid, true}, args, [](Call& c) {
        const auto list = c.get<api::UserList>(paths::grid(c.grid()) + QStringLiteral("/users"));
        if (!list) return c.failed();
        return c.print(api::toJsonArray(list->users), [&] {
            QList<QStringList> rows;
            for (const auto& u : list->users) rows.append({u.email, u.roles.join(u',')});
            printTable({opt("EMAIL"), opt("ROLES")}, rows);
        });
    });
}

int gridUserChange(const QStringList& args, bool add) {
    return runCommand({QStringLiteral("kontena grid user ") + (add ? opt("add") : opt("rm")),
                       add ? opt("Give users access to the grid.") : opt("Take users' access to the grid."), {}, {opt("EMAIL...")},
                       Needs::Grid, false, 1, 100},
                      args, [add](Call& c) {
                          for (const QString& email : c.args()) {
                              api::GridUserAdd req;
                              req.email = email;
                              const QString users = paths::grid(c.grid()) + QStringLiteral("/users");
                              const bool done = add ? c.post<api::User>(users, req).has_value()
                                                    : c.del(users + u'/' + QString::fromUtf8(QUrl::toPercentEncoding(email)));
                              if (!done) return c.failed();
                          }
                          return static_cast<int>(Ok);
                      });
}

// `grid health`: the initial nodes and etcd quorum; exit 1 when unhealthy.
int gridHealth(const QStringList& args) {
    return runCommand({opt("kontena grid health"), opt("Show the health of the grid's initial nodes and etcd; exit 1 when it is not healthy."),
                       {}, {}, Needs::Grid},
                      args, [](Call& c) {
                          const auto grid = c.get<api::Grid>(paths::grid(c.grid()));
                          const auto nodes = grid ? c.get<api::NodeList>(paths::gridNodes(c.grid())) : std::nullopt;
                          if (!nodes) return c.failed();
                          int initialOnline = 0;
                          for (const auto& n : nodes->nodes) initialOnline += n.initialMember && n.online() ? 1 : 0;
                          const bool allInitial = initialOnline == grid->initialSize;
                          const bool healthy = allInitial && grid->etcd.quorum;
                          printOut(QStringLiteral("%1 Grid %2 has %3/%4 initial nodes online\n")
                                       .arg(allInitial ? QStringLiteral("⊛") : QStringLiteral("⊝"), grid->name)
                                       .arg(initialOnline)
                                       .arg(grid->initialSize));
                          printOut(QStringLiteral("%1 etcd: %2%3\n")
                                       .arg(grid->etcd.quorum ? QStringLiteral("⊛") : QStringLiteral("⊝"), grid->etcd.summary,
                                            grid->etcd.quorum ? QString() : QStringLiteral(" (no quorum: deploys are refused)")));
                          return healthy ? static_cast<int>(Ok) : static_cast<int>(Invalid);
                      });
}

// ---- nodes

QList<QStringList> nodeRows(const QList<api::Node>& nodes, int initialSize) {
    QList<QStringList> rows;
    for (const auto& n : nodes) {
        rows.append({(n.online() ? QStringLiteral("⊛ ") : QStringLiteral("⊝ ")) + n.name, n.agentVersion,
                     n.status + QLatin1Char(' ') + ago(n.statusSince),
                     n.initialMember ? QStringLiteral("%1 / %2").arg(n.nodeNumber).arg(initialSize) : QStringLiteral("-"),
                     n.labels.join(u',')});
    }
    return rows;
}

int nodeList(const QStringList& args) {
    return runCommand({opt("kontena node ls"), opt("List the grid's nodes."), {}, {}, Needs::Grid, true}, args, [](Call& c) {
        const auto list = c.get<api::NodeList>(paths::gridNodes(c.grid()));
        if (!list) return c.failed();
        return c.print(api::toJsonArray(list->nodes), [&] {
            // The initial size only labels the INITIAL column: a failure leaves it 0.
            const auto grid = client::decodeAs<api::Grid>(c.session()->api->get(paths::grid(c.grid())));
            printTable({opt("NAME"), opt("VERSION"), opt("STATUS"), opt("INITIAL"), opt("LABELS")},
                       nodeRows(list->nodes, grid.ok() ? grid.value.initialSize : 0));
        });
    });
}

// `node show`'s address lines, as Kontena prints them (those the master knows).
QString addresses(const api::Node& n) {
    QString out;
    if (!n.publicIp.isEmpty()) out += QStringLiteral("  public ip: %1\n").arg(n.publicIp);
    if (!n.privateIp.isEmpty()) out += QStringLiteral("  private ip: %1\n").arg(n.privateIp);
    if (!n.overlayIp.isEmpty()) out += QStringLiteral("  overlay ip: %1\n").arg(n.overlayIp);
    return out;
}

int nodeShow(const QStringList& args) {
    return runCommand({opt("kontena node show"), opt("Show a node."), {}, {opt("NODE")}, Needs::Grid, true}, args, [](Call& c) {
        const auto n = c.get<api::Node>(paths::node(c.grid(), c.arg(0)));
        if (!n) return c.failed();
        return c.print(n->toJson(), [&] {
            printOut(QStringLiteral("%1:\n  id: %2\n  status: %3\n  availability: %4\n  node number: %5\n  initial node: %6\n  connected at: %7\n  last seen: %8\n  labels: %9\n")
                         .arg(n->name, n->id, n->status, n->availability, QString::number(n->nodeNumber),
                              n->initialMember ? QStringLiteral("yes") : QStringLiteral("no"), n->connectedAt.value_or(QString()),
                              n->lastSeenAt.value_or(QString()), n->labels.join(u',')) +
                     addresses(*n) + QStringLiteral("  cpus: %1\n  memory: %2 MiB\n").arg(n->cpus).arg(static_cast<qint64>(n->memTotal) / (1024 * 1024)));
        });
    });
}

int nodeUpdate(const QStringList& args) {
    return runCommand({opt("kontena node update"), opt("Drain or activate a node, or replace its labels."),
                       {{opt("availability"), opt("active or drain"), opt("AVAILABILITY")},
                        {{opt("l"), opt("label")}, opt("Label (repeat); replaces the labels"), opt("LABEL")},
                        {opt("clear-labels"), opt("Remove every label")}},
                       {opt("NODE")}, Needs::Grid},
                      args, [](Call& c) {
                          api::NodeUpdate update;
                          if (c.isSet("availability")) update.availability = c.value("availability");
                          if (c.isSet("l") || c.isSet("clear-labels")) update.labels = c.values("l");
                          if (update.empty()) return c.usage(QStringLiteral("nothing to update (--availability, --label, --clear-labels)"));
                          return c.put(paths::node(c.grid(), c.arg(0)), update) ? static_cast<int>(Ok) : c.failed();
                      });
}

int nodeRemove(const QStringList& args) {
    return runCommand({opt("kontena node rm"), opt("Remove a node (refused while it is connected)."), {}, {opt("NODE")}, Needs::Grid}, args,
                      [](Call& c) { return c.del(paths::node(c.grid(), c.arg(0))) ? static_cast<int>(Ok) : c.failed(); });
}

int nodeLabel(const QStringList& args, bool add) {
    return runCommand({QStringLiteral("kontena node label ") + (add ? opt("add") : opt("remove")),
                       add ? opt("Add labels to a node.") : opt("Remove labels from a node."), {}, {opt("NODE"), opt("LABEL...")},
                       Needs::Grid, false, 2, 100},
                      args, [add](Call& c) {
                          QStringList pos = c.args();
                          const QString path = paths::node(c.grid(), pos.takeFirst());
                          const auto node = c.get<api::Node>(path);
                          if (!node) return c.failed();
                          api::NodeUpdate update;
                          update.labels = node->labels;
                          for (const QString& l : pos) {
                              if (add && !update.labels->contains(l)) update.labels->append(l);
                              if (!add) update.labels->removeAll(l);
                          }
                          return c.put(path, update) ? static_cast<int>(Ok) : c.failed();
                      });
}

int nodeLabelList(const QStringList& args) {
    return runCommand({opt("kontena node label ls"), opt("List a node's labels."), {}, {opt("NODE")}, Needs::Grid, true}, args, [](Call& c) {
        const auto node = c.get<api::Node>(paths::node(c.grid(), c.arg(0)));
        if (!node) return c.failed();
        return c.print(QJsonArray::fromStringList(node->labels), [&] {
            for (const QString& l : node->labels) printOut(l + u'\n');
        });
    });
}

// `node health NODE`: connected and its etcd member healthy; exit 1 otherwise.
int nodeHealth(const QStringList& args) {
    return runCommand({opt("kontena node health"), opt("Show a node's health; exit 1 when it is offline or its etcd is unhealthy."), {},
                       {opt("NODE")}, Needs::Grid},
                      args, [](Call& c) {
                          const auto n = c.get<api::Node>(paths::node(c.grid(), c.arg(0)));
                          if (!n) return c.failed();
                          printOut(QStringLiteral("%1 Node %2 is %3\n").arg(n->online() ? QStringLiteral("⊛") : QStringLiteral("⊝"), n->name, n->status));
                          if (n->initialMember)
                              printOut(QStringLiteral("%1 etcd member %2\n").arg(n->etcdHealthy ? QStringLiteral("⊛") : QStringLiteral("⊝"),
                                                                                 n->etcdHealthy ? QStringLiteral("healthy") : QStringLiteral("unhealthy")));
                          const bool healthy = n->online() && (!n->initialMember || n->etcdHealthy);
                          return healthy ? static_cast<int>(Ok) : static_cast<int>(Invalid);
                      });
}

}  // namespace

Group gridGroup() {
    auto log = [](const char* what) {
        return [w = QString::fromLatin1(what)](const QStringList& a) { return gridLog(a, w); };
    };
    return {opt("grid"), opt("Grids"), [log](const QStringList& args) {
                return dispatchGroup(opt("grid"), args,
                                     {{opt("create"), opt("Create a grid"), gridCreate},
                                      {opt("ls"), opt("List grids"), gridList},
                                      {opt("use"), opt("Switch grid"), gridUse},
                                      {opt("show"), opt("Show a grid"), gridShow},
                                      {opt("update"), opt("Change a grid's settings"), gridUpdate},
                                      {opt("current"), opt("Show the current grid"), gridShow},
                                      {opt("rm"), opt("Remove a grid"), gridRemove},
                                      {opt("token"), opt("Print the grid token"), gridToken},
                                      {opt("events"), opt("The grid's event log"), log("events")},
                                      {opt("logs"), opt("Container logs"), gridLogs},
                                      {opt("audit-log"), opt("The grid's audit log"), log("audit-log")},
                                      {opt("env"), opt("Environment for kontena-agent"), gridEnv},
                                      {opt("health"), opt("Initial nodes and etcd health"), gridHealth},
                                      {opt("user"), opt("Grid users: ls, add, rm"), [](const QStringList& u) {
                                           return dispatchGroup(opt("grid user"), u,
                                                                {{opt("ls"), opt("List the grid's users"), gridUserList},
                                                                 {opt("add"), opt("Give users access"), [](const QStringList& x) { return gridUserChange(x, true); }},
                                                                 {opt("rm"), opt("Take users' access"), [](const QStringList& x) { return gridUserChange(x, false); }}});
                                       }}});
            }};
}

Group nodeGroup() {
    return {opt("node"), opt("Nodes"), [](const QStringList& args) {
                return dispatchGroup(opt("node"), args,
                                     {{opt("ls"), opt("List nodes"), nodeList},
                                      {opt("show"), opt("Show a node"), nodeShow},
                                      {opt("update"), opt("Drain/activate, labels"), nodeUpdate},
                                      {opt("rm"), opt("Remove a node"), nodeRemove},
                                      {opt("stats"), opt("A node's statistics"), nodeStats},
                                      {opt("health"), opt("A node's health"), nodeHealth},
                                      {opt("label"), opt("Labels: ls, add, remove"), [](const QStringList& l) {
                                           return dispatchGroup(opt("node label"), l,
                                                                {{opt("ls"), opt("List labels"), nodeLabelList},
                                                                 {opt("add"), opt("Add labels"), [](const QStringList& x) { return nodeLabel(x, true); }},
                                                                 {opt("remove"), opt("Remove labels"), [](const QStringList& x) { return nodeLabel(x, false); }}});
                                       }}});
            }};
}

}  // namespace kontena::cli
