// `kontena volume ...`: the grid's volumes (reference 5.3).
#include "command.h"
#include "dispatch.h"
#include "session.h"

namespace kontena::cli {
namespace {

int volumeCreate(const QStringList& args) {
    Parsed a;
    parseArgs(a, QStringLiteral("kontena volume create"), QStringLiteral("Create a volume services can mount by name."), args,
              {{QStringLiteral("driver"), QStringLiteral("Volume driver"), QStringLiteral("DRIVER"), QStringLiteral("local")},
               {QStringLiteral("scope"), QStringLiteral("instance, stack or grid"), QStringLiteral("SCOPE"), QStringLiteral("instance")},
               {QStringLiteral("driver-opt"), QStringLiteral("Driver option (repeat)"), QStringLiteral("KEY=VALUE")}},
              {QStringLiteral("NAME")});
    if (a.exit >= 0) return a.exit;
    QJsonObject opts;
    for (const QString& kv : a.p.values(QStringLiteral("driver-opt"))) {
        const qsizetype eq = kv.indexOf(u'=');
        if (eq <= 0) {
            printErr(QStringLiteral("kontena volume create: --driver-opt must be KEY=VALUE\n"));
            return Usage;
        }
        opts.insert(kv.left(eq), kv.mid(eq + 1));
    }
    int exit = Ok;
    auto s = openSession(true, &exit);
    if (!s) return exit;
    const auto r = s->api->post(QStringLiteral("/v1/volumes/") + s->grid,
                                QJsonObject{{QStringLiteral("name"), a.p.positionalArguments().first()},
                                            {QStringLiteral("driver"), a.p.value(QStringLiteral("driver"))},
                                            {QStringLiteral("scope"), a.p.value(QStringLiteral("scope"))},
                                            {QStringLiteral("driver_opts"), opts}});
    return r.ok() ? Ok : apiFailure(r);
}

int volumeList(const QStringList& args) {
    Parsed a;
    parseArgs(a, QStringLiteral("kontena volume ls"), QStringLiteral("List volumes."), args, {}, {}, true);
    if (a.exit >= 0) return a.exit;
    int exit = Ok;
    auto s = openSession(true, &exit);
    if (!s) return exit;
    const auto r = s->api->get(QStringLiteral("/v1/volumes/") + s->grid);
    if (!r.ok()) return apiFailure(r);
    const QJsonArray volumes = r.object().value(QStringLiteral("volumes")).toArray();
    if (wantsJson(a.p)) {
        printJson(volumes);
        return Ok;
    }
    QList<QStringList> rows;
    for (const auto& v : volumes) {
        const QJsonObject o = v.toObject();
        rows.append({o.value(QStringLiteral("name")).toString(), o.value(QStringLiteral("scope")).toString(), o.value(QStringLiteral("driver")).toString(),
                     o.value(QStringLiteral("created_at")).toString()});
    }
    printTable({QStringLiteral("NAME"), QStringLiteral("SCOPE"), QStringLiteral("DRIVER"), QStringLiteral("CREATED_AT")}, rows);
    return Ok;
}

int volumeShow(const QStringList& args) {
    Parsed a;
    parseArgs(a, QStringLiteral("kontena volume show"), QStringLiteral("Show a volume and the services that use it."), args, {}, {QStringLiteral("NAME")}, true);
    if (a.exit >= 0) return a.exit;
    int exit = Ok;
    auto s = openSession(true, &exit);
    if (!s) return exit;
    const auto r = s->api->get(QStringLiteral("/v1/volumes/%1/%2").arg(s->grid, a.p.positionalArguments().first()));
    if (!r.ok()) return apiFailure(r);
    if (wantsJson(a.p)) {
        printJson(r.body);
        return Ok;
    }
    const QJsonObject o = r.object();
    QStringList users;
    for (const auto& u : o.value(QStringLiteral("services")).toArray()) users << u.toString();
    printOut(QStringLiteral("%1:\n  scope: %2\n  driver: %3\n  created: %4\n  services: %5\n")
                 .arg(o.value(QStringLiteral("name")).toString(), o.value(QStringLiteral("scope")).toString(), o.value(QStringLiteral("driver")).toString(),
                      o.value(QStringLiteral("created_at")).toString(), users.isEmpty() ? QStringLiteral("-") : users.join(QStringLiteral(", "))));
    return Ok;
}

int volumeRemove(const QStringList& args) {
    Parsed a;
    parseArgs(a, QStringLiteral("kontena volume rm"), QStringLiteral("Remove a volume (refused while a service uses it)."), args, {}, {QStringLiteral("NAME")});
    if (a.exit >= 0) return a.exit;
    int exit = Ok;
    auto s = openSession(true, &exit);
    if (!s) return exit;
    const auto r = s->api->del(QStringLiteral("/v1/volumes/%1/%2").arg(s->grid, a.p.positionalArguments().first()));
    return r.ok() ? Ok : apiFailure(r);
}

}  // namespace

Group volumeGroup() {
    return {QStringLiteral("volume"), QStringLiteral("Volumes"), [](const QStringList& args) {
                return dispatchGroup(QStringLiteral("volume"), args,
                                     {{QStringLiteral("create"), QStringLiteral("Create a volume"), volumeCreate},
                                      {QStringLiteral("ls"), QStringLiteral("List volumes"), volumeList},
                                      {QStringLiteral("show"), QStringLiteral("Show a volume"), volumeShow},
                                      {QStringLiteral("rm"), QStringLiteral("Remove a volume"), volumeRemove}});
            }};
}

}  // namespace kontena::cli
