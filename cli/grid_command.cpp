// `kontena grid ...` and `kontena node ...`.
#include "command.h"
#include "dispatch.h"
#include "session.h"

namespace kontena::cli {
namespace {

QString strings(const QJsonValue& v) {
    QStringList out;
    for (const auto& x : v.toArray()) out.append(x.toString());
    return out.join(u',');
}

int gridCreate(const QStringList& args) {
    Parsed a;
    parseArgs(a, QStringLiteral("kontena grid create"), QStringLiteral("Create a grid."), args,
              {{QStringLiteral("initial-size"), QStringLiteral("Initial nodes (etcd members), 1..7"), QStringLiteral("N"), QStringLiteral("1")},
               {QStringLiteral("token"), QStringLiteral("Grid token (default: generated)"), QStringLiteral("TOKEN")},
               {QStringLiteral("max-nodes"), QStringLiteral("Node numbers 1..N (default 254, at most 32766)"), QStringLiteral("N"), QStringLiteral("254")},
               {QStringLiteral("default-affinity"), QStringLiteral("Default affinity rule (repeat)"), QStringLiteral("RULE")},
               {QStringLiteral("offline-grace"), QStringLiteral("Seconds before instances leave an offline node: ha (other strategies keep theirs)"), QStringLiteral("S")},
               {QStringLiteral("keepalive"), QStringLiteral("Keepalive ping interval in seconds"), QStringLiteral("S")}},
              {QStringLiteral("NAME")});
    if (a.exit >= 0) return a.exit;
    int exit = Ok;
    auto s = openSession(false, &exit);
    if (!s) return exit;
    QJsonObject body{{QStringLiteral("name"), a.p.positionalArguments().first()},
                     {QStringLiteral("initial_size"), a.p.value(QStringLiteral("initial-size")).toInt()},
                     {QStringLiteral("max_nodes"), a.p.value(QStringLiteral("max-nodes")).toInt()},
                     {QStringLiteral("default_affinity"), QJsonArray::fromStringList(a.p.values(QStringLiteral("default-affinity")))}};
    if (a.p.isSet(QStringLiteral("token"))) body[QStringLiteral("token")] = a.p.value(QStringLiteral("token"));
    QJsonObject settings;
    if (a.p.isSet(QStringLiteral("offline-grace"))) settings[QStringLiteral("offline_grace")] = QJsonObject{{QStringLiteral("ha"), a.p.value(QStringLiteral("offline-grace")).toDouble()}};
    if (a.p.isSet(QStringLiteral("keepalive"))) settings[QStringLiteral("keepalive_interval")] = a.p.value(QStringLiteral("keepalive")).toDouble();
    if (!settings.isEmpty()) body[QStringLiteral("settings")] = settings;
    const auto r = s->api->post(QStringLiteral("/v1/grids"), body);
    if (!r.ok()) return apiFailure(r);
    client::MasterEntry* m = s->config.currentMaster();
    m->grid = r.object().value(QStringLiteral("name")).toString();
    QString error;
    s->config.save(&error);
    printOut(QStringLiteral("Created grid %1 (initial size %2) and switched to it\n").arg(m->grid).arg(r.object().value(QStringLiteral("initial_size")).toInt()));
    return Ok;
}

int gridList(const QStringList& args) {
    Parsed a;
    parseArgs(a, QStringLiteral("kontena grid ls"), QStringLiteral("List grids."), args, {}, {}, true);
    if (a.exit >= 0) return a.exit;
    int exit = Ok;
    auto s = openSession(false, &exit);
    if (!s) return exit;
    const auto r = s->api->get(QStringLiteral("/v1/grids"));
    if (!r.ok()) return apiFailure(r);
    const QJsonArray grids = r.object().value(QStringLiteral("grids")).toArray();
    if (wantsJson(a.p)) {
        printJson(grids);
        return Ok;
    }
    QList<QStringList> rows;
    for (const auto& v : grids) {
        const QJsonObject g = v.toObject();
        const QString name = g.value(QStringLiteral("name")).toString();
        rows.append({name + (name == s->grid ? QStringLiteral(" *") : QString()), QString::number(g.value(QStringLiteral("node_count")).toInt()),
                     QString::number(g.value(QStringLiteral("service_count")).toInt()), QString::number(g.value(QStringLiteral("user_count")).toInt())});
    }
    printTable({QStringLiteral("NAME"), QStringLiteral("NODES"), QStringLiteral("SERVICES"), QStringLiteral("USERS")}, rows);
    return Ok;
}

int gridUse(const QStringList& args) {
    Parsed a;
    parseArgs(a, QStringLiteral("kontena grid use"), QStringLiteral("Switch the current grid."), args, {}, {QStringLiteral("NAME")});
    if (a.exit >= 0) return a.exit;
    int exit = Ok;
    auto s = openSession(false, &exit);
    if (!s) return exit;
    const QString name = a.p.positionalArguments().first();
    const auto r = s->api->get(QStringLiteral("/v1/grids/") + name);
    if (!r.ok()) return apiFailure(r);
    s->config.currentMaster()->grid = name;
    QString error;
    if (!s->config.save(&error)) return Invalid;
    printOut(QStringLiteral("Using grid %1\n").arg(name));
    return Ok;
}

int gridShow(const QStringList& args) {
    Parsed a;
    parseArgs(a, QStringLiteral("kontena grid show"), QStringLiteral("Show a grid (default: the current one)."), args, {}, {QStringLiteral("[NAME]")}, true, 0, 1);
    if (a.exit >= 0) return a.exit;
    int exit = Ok;
    auto s = openSession(a.p.positionalArguments().isEmpty(), &exit);
    if (!s) return exit;
    const QString name = a.p.positionalArguments().value(0, s->grid);
    const auto r = s->api->get(QStringLiteral("/v1/grids/") + name);
    if (!r.ok()) return apiFailure(r);
    if (wantsJson(a.p)) {
        printJson(r.body);
        return Ok;
    }
    const QJsonObject g = r.object();
    const QJsonObject etcd = g.value(QStringLiteral("etcd")).toObject();
    printOut(QStringLiteral("%1:\n  initial size: %2\n  nodes: %3\n  services: %4\n  containers: %5\n  etcd: %6\n")
                 .arg(name).arg(g.value(QStringLiteral("initial_size")).toInt()).arg(g.value(QStringLiteral("node_count")).toInt())
                 .arg(g.value(QStringLiteral("service_count")).toInt()).arg(g.value(QStringLiteral("container_count")).toInt())
                 .arg(etcd.value(QStringLiteral("summary")).toString() + (etcd.value(QStringLiteral("quorum")).toBool() ? QStringLiteral(" (quorum)") : QStringLiteral(" (NO QUORUM)"))));
    return Ok;
}

int gridRemove(const QStringList& args) {
    Parsed a;
    parseArgs(a, QStringLiteral("kontena grid rm"), QStringLiteral("Remove a grid (refused while it has online nodes)."), args, {}, {QStringLiteral("NAME")});
    if (a.exit >= 0) return a.exit;
    int exit = Ok;
    auto s = openSession(false, &exit);
    if (!s) return exit;
    const auto r = s->api->del(QStringLiteral("/v1/grids/") + a.p.positionalArguments().first());
    return r.ok() ? Ok : apiFailure(r);
}

int gridToken(const QStringList& args) {
    Parsed a;
    parseArgs(a, QStringLiteral("kontena grid token"), QStringLiteral("Print the grid token agents connect with."), args, {}, {});
    if (a.exit >= 0) return a.exit;
    int exit = Ok;
    auto s = openSession(true, &exit);
    if (!s) return exit;
    const auto r = s->api->get(QStringLiteral("/v1/grids/%1/token").arg(s->grid));
    if (!r.ok()) return apiFailure(r);
    printOut(r.object().value(QStringLiteral("token")).toString() + QStringLiteral("\n"));
    return Ok;
}

int gridLog(const QStringList& args, const QString& what) {
    Parsed a;
    parseArgs(a, QStringLiteral("kontena grid ") + what, QStringLiteral("Show the grid's ") + what, args,
              {{{QStringLiteral("l"), QStringLiteral("limit")}, QStringLiteral("Entries"), QStringLiteral("N"), QStringLiteral("100")}}, {}, true);
    if (a.exit >= 0) return a.exit;
    int exit = Ok;
    auto s = openSession(true, &exit);
    if (!s) return exit;
    const QString path = what == QLatin1String("audit-log") ? QStringLiteral("audit_log") : what == QLatin1String("logs") ? QStringLiteral("container_logs") : QStringLiteral("event_logs");
    const auto r = s->api->get(QStringLiteral("/v1/grids/%1/%2?limit=%3").arg(s->grid, path, a.p.value(QStringLiteral("l"))));
    if (!r.ok()) return apiFailure(r);
    const QJsonArray logs = r.object().value(QStringLiteral("logs")).toArray();
    if (wantsJson(a.p)) {
        printJson(logs);
        return Ok;
    }
    for (const auto& v : logs) {
        const QJsonObject e = v.toObject();
        if (path == QLatin1String("audit_log")) {
            printOut(QStringLiteral("%1 %2 %3 %4 %5\n").arg(e.value(QStringLiteral("time")).toString(), e.value(QStringLiteral("resource_type")).toString(),
                                                             e.value(QStringLiteral("resource_name")).toString(), e.value(QStringLiteral("event_name")).toString(),
                                                             e.value(QStringLiteral("user_identity")).toObject().value(QStringLiteral("email")).toString()));
        } else if (path == QLatin1String("container_logs")) {
            printOut(QStringLiteral("%1 %2: %3\n").arg(e.value(QStringLiteral("created_at")).toString(), e.value(QStringLiteral("name")).toString(),
                                                       e.value(QStringLiteral("data")).toString().trimmed()));
        } else {
            printOut(QStringLiteral("%1 %2 %3\n").arg(e.value(QStringLiteral("created_at")).toString(), e.value(QStringLiteral("type")).toString(),
                                                      e.value(QStringLiteral("msg")).toString()));
        }
    }
    return Ok;
}

// ---- nodes

int nodeList(const QStringList& args) {
    Parsed a;
    parseArgs(a, QStringLiteral("kontena node ls"), QStringLiteral("List the grid's nodes."), args, {}, {}, true);
    if (a.exit >= 0) return a.exit;
    int exit = Ok;
    auto s = openSession(true, &exit);
    if (!s) return exit;
    const auto r = s->api->get(QStringLiteral("/v1/grids/%1/nodes").arg(s->grid));
    if (!r.ok()) return apiFailure(r);
    const QJsonArray nodes = r.object().value(QStringLiteral("nodes")).toArray();
    if (wantsJson(a.p)) {
        printJson(nodes);
        return Ok;
    }
    const auto grid = s->api->get(QStringLiteral("/v1/grids/") + s->grid);
    const int initialSize = grid.object().value(QStringLiteral("initial_size")).toInt();
    QList<QStringList> rows;
    for (const auto& v : nodes) {
        const QJsonObject n = v.toObject();
        const QString status = n.value(QStringLiteral("status")).toString();
        const bool ok = status == QLatin1String("online");
        rows.append({(ok ? QStringLiteral("⊛ ") : QStringLiteral("⊝ ")) + n.value(QStringLiteral("name")).toString(),
                     n.value(QStringLiteral("agent_version")).toString(),
                     status + QLatin1Char(' ') + ago(n.value(QStringLiteral("status_since")).toString()),
                     n.value(QStringLiteral("initial_member")).toBool() ? QStringLiteral("%1 / %2").arg(n.value(QStringLiteral("node_number")).toInt()).arg(initialSize) : QStringLiteral("-"),
                     strings(n.value(QStringLiteral("labels")))});
    }
    printTable({QStringLiteral("NAME"), QStringLiteral("VERSION"), QStringLiteral("STATUS"), QStringLiteral("INITIAL"), QStringLiteral("LABELS")}, rows);
    return Ok;
}

int nodeShow(const QStringList& args) {
    Parsed a;
    parseArgs(a, QStringLiteral("kontena node show"), QStringLiteral("Show a node."), args, {}, {QStringLiteral("NODE")}, true);
    if (a.exit >= 0) return a.exit;
    int exit = Ok;
    auto s = openSession(true, &exit);
    if (!s) return exit;
    const auto r = s->api->get(QStringLiteral("/v1/nodes/%1/%2").arg(s->grid, a.p.positionalArguments().first()));
    if (!r.ok()) return apiFailure(r);
    if (wantsJson(a.p)) {
        printJson(r.body);
        return Ok;
    }
    const QJsonObject n = r.object();
    printOut(QStringLiteral("%1:\n  id: %2\n  status: %3\n  availability: %4\n  node number: %5\n  initial node: %6\n  connected at: %7\n  last seen: %8\n  labels: %9\n")
                 .arg(n.value(QStringLiteral("name")).toString(), n.value(QStringLiteral("id")).toString(), n.value(QStringLiteral("status")).toString(),
                      n.value(QStringLiteral("availability")).toString(), QString::number(n.value(QStringLiteral("node_number")).toInt()),
                      n.value(QStringLiteral("initial_member")).toBool() ? QStringLiteral("yes") : QStringLiteral("no"),
                      n.value(QStringLiteral("connected_at")).toString(), n.value(QStringLiteral("last_seen_at")).toString(), strings(n.value(QStringLiteral("labels")))) +
             QStringLiteral("  cpus: %1\n  memory: %2 MiB\n").arg(n.value(QStringLiteral("cpus")).toInt()).arg(static_cast<qint64>(n.value(QStringLiteral("mem_total")).toDouble()) / (1024 * 1024)));
    return Ok;
}

int nodeUpdate(const QStringList& args) {
    Parsed a;
    parseArgs(a, QStringLiteral("kontena node update"), QStringLiteral("Drain or activate a node, or replace its labels."), args,
              {{QStringLiteral("availability"), QStringLiteral("active or drain"), QStringLiteral("AVAILABILITY")},
               {{QStringLiteral("l"), QStringLiteral("label")}, QStringLiteral("Label (repeat); replaces the labels"), QStringLiteral("LABEL")},
               {QStringLiteral("clear-labels"), QStringLiteral("Remove every label")}},
              {QStringLiteral("NODE")});
    if (a.exit >= 0) return a.exit;
    QJsonObject body;
    if (a.p.isSet(QStringLiteral("availability"))) body[QStringLiteral("availability")] = a.p.value(QStringLiteral("availability"));
    if (a.p.isSet(QStringLiteral("l")) || a.p.isSet(QStringLiteral("clear-labels"))) body[QStringLiteral("labels")] = QJsonArray::fromStringList(a.p.values(QStringLiteral("l")));
    if (body.isEmpty()) {
        printErr(QStringLiteral("kontena node update: nothing to update (--availability, --label, --clear-labels)\n"));
        return Usage;
    }
    int exit = Ok;
    auto s = openSession(true, &exit);
    if (!s) return exit;
    const auto r = s->api->put(QStringLiteral("/v1/nodes/%1/%2").arg(s->grid, a.p.positionalArguments().first()), body);
    return r.ok() ? Ok : apiFailure(r);
}

int nodeRemove(const QStringList& args) {
    Parsed a;
    parseArgs(a, QStringLiteral("kontena node rm"), QStringLiteral("Remove a node (refused while it is connected)."), args, {}, {QStringLiteral("NODE")});
    if (a.exit >= 0) return a.exit;
    int exit = Ok;
    auto s = openSession(true, &exit);
    if (!s) return exit;
    const auto r = s->api->del(QStringLiteral("/v1/nodes/%1/%2").arg(s->grid, a.p.positionalArguments().first()));
    return r.ok() ? Ok : apiFailure(r);
}

int nodeLabel(const QStringList& args, bool add) {
    Parsed a;
    parseArgs(a, QStringLiteral("kontena node label ") + (add ? QStringLiteral("add") : QStringLiteral("remove")),
              add ? QStringLiteral("Add labels to a node.") : QStringLiteral("Remove labels from a node."), args, {},
              {QStringLiteral("NODE"), QStringLiteral("LABEL...")}, false, 2, 100);
    if (a.exit >= 0) return a.exit;
    int exit = Ok;
    auto s = openSession(true, &exit);
    if (!s) return exit;
    QStringList pos = a.p.positionalArguments();
    const QString node = pos.takeFirst();
    const auto cur = s->api->get(QStringLiteral("/v1/nodes/%1/%2").arg(s->grid, node));
    if (!cur.ok()) return apiFailure(cur);
    QStringList labels;
    for (const auto& l : cur.object().value(QStringLiteral("labels")).toArray()) labels.append(l.toString());
    for (const QString& l : pos) {
        if (add && !labels.contains(l)) labels.append(l);
        if (!add) labels.removeAll(l);
    }
    const auto r = s->api->put(QStringLiteral("/v1/nodes/%1/%2").arg(s->grid, node), QJsonObject{{QStringLiteral("labels"), QJsonArray::fromStringList(labels)}});
    return r.ok() ? Ok : apiFailure(r);
}

}  // namespace

Group gridGroup() {
    return {QStringLiteral("grid"), QStringLiteral("Grids"), [](const QStringList& args) {
                return dispatchGroup(QStringLiteral("grid"), args,
                                     {{QStringLiteral("create"), QStringLiteral("Create a grid"), gridCreate},
                                      {QStringLiteral("ls"), QStringLiteral("List grids"), gridList},
                                      {QStringLiteral("use"), QStringLiteral("Switch grid"), gridUse},
                                      {QStringLiteral("show"), QStringLiteral("Show a grid"), gridShow},
                                      {QStringLiteral("current"), QStringLiteral("Show the current grid"), gridShow},
                                      {QStringLiteral("rm"), QStringLiteral("Remove a grid"), gridRemove},
                                      {QStringLiteral("token"), QStringLiteral("Print the grid token"), gridToken},
                                      {QStringLiteral("events"), QStringLiteral("The grid's event log"), [](const QStringList& a) { return gridLog(a, QStringLiteral("events")); }},
                                      {QStringLiteral("logs"), QStringLiteral("Container logs"), [](const QStringList& a) { return gridLog(a, QStringLiteral("logs")); }},
                                      {QStringLiteral("audit-log"), QStringLiteral("The grid's audit log"), [](const QStringList& a) { return gridLog(a, QStringLiteral("audit-log")); }}});
            }};
}

Group nodeGroup() {
    return {QStringLiteral("node"), QStringLiteral("Nodes"), [](const QStringList& args) {
                return dispatchGroup(QStringLiteral("node"), args,
                                     {{QStringLiteral("ls"), QStringLiteral("List nodes"), nodeList},
                                      {QStringLiteral("show"), QStringLiteral("Show a node"), nodeShow},
                                      {QStringLiteral("update"), QStringLiteral("Drain/activate, labels"), nodeUpdate},
                                      {QStringLiteral("rm"), QStringLiteral("Remove a node"), nodeRemove},
                                      {QStringLiteral("label"), QStringLiteral("Labels: add, remove"), [](const QStringList& l) {
                                           return dispatchGroup(QStringLiteral("node label"), l,
                                                                {{QStringLiteral("add"), QStringLiteral("Add labels"), [](const QStringList& x) { return nodeLabel(x, true); }},
                                                                 {QStringLiteral("remove"), QStringLiteral("Remove labels"), [](const QStringList& x) { return nodeLabel(x, false); }}});
                                       }}});
            }};
}

}  // namespace kontena::cli
