// `kontena volume ...`: the grid's volumes (reference 5.3).
#include "api/paths.h"
#include "api/volume.h"
#include "command.h"
#include "dispatch.h"
#include "session.h"

namespace kontena::cli {
namespace {

namespace paths = api::paths;

QString opt(const char* name) { return QString::fromLatin1(name); }

int volumeCreate(const QStringList& args) {
    return runCommand({opt("kontena volume create"), opt("Create a volume services can mount by name."),
                       {{opt("driver"), opt("Volume driver"), opt("DRIVER"), opt("local")},
                        {opt("scope"), opt("instance, stack or grid"), opt("SCOPE"), opt("instance")},
                        {opt("driver-opt"), opt("Driver option (repeat)"), opt("KEY=VALUE")}},
                       {opt("NAME")}, Needs::Grid},
                      args, [](Call& c) {
                          api::VolumeCreate v;
                          for (const QString& kv : c.values("driver-opt")) {
                              const qsizetype eq = kv.indexOf(u'=');
                              if (eq <= 0) return c.usage(QStringLiteral("--driver-opt must be KEY=VALUE"));
                              v.driverOpts.insert(kv.left(eq), kv.mid(eq + 1));
                          }
                          v.name = c.arg(0);
                          v.driver = c.value("driver");
                          v.scope = c.value("scope");
                          return c.post<api::Volume>(paths::volumes(c.grid()), v) ? static_cast<int>(Ok) : c.failed();
                      });
}

int volumeList(const QStringList& args) {
    return runCommand({opt("kontena volume ls"), opt("List volumes."), {}, {}, Needs::Grid, true}, args, [](Call& c) {
        const auto list = c.get<api::VolumeList>(paths::volumes(c.grid()));
        if (!list) return c.failed();
        return c.print(api::toJsonArray(list->volumes), [&] {
            QList<QStringList> rows;
            for (const auto& v : list->volumes) rows.append({v.name, v.scope, v.driver, v.createdAt.value_or(QString())});
            printTable({opt("NAME"), opt("SCOPE"), opt("DRIVER"), opt("CREATED_AT")}, rows);
        });
    });
}

int volumeShow(const QStringList& args) {
    return runCommand({opt("kontena volume show"), opt("Show a volume and the services that use it."), {}, {opt("NAME")}, Needs::Grid, true},
                      args, [](Call& c) {
                          const auto v = c.get<api::Volume>(paths::volume(c.grid(), c.arg(0)));
                          if (!v) return c.failed();
                          return c.print(v->toJson(), [&] {
                              printOut(QStringLiteral("%1:\n  scope: %2\n  driver: %3\n  created: %4\n  services: %5\n")
                                           .arg(v->name, v->scope, v->driver, v->createdAt.value_or(QString()),
                                                v->services.isEmpty() ? QStringLiteral("-") : v->services.join(QStringLiteral(", "))));
                          });
                      });
}

int volumeRemove(const QStringList& args) {
    return runCommand({opt("kontena volume rm"), opt("Remove a volume (refused while a service uses it)."), {}, {opt("NAME")}, Needs::Grid}, args,
                      [](Call& c) { return c.del(paths::volume(c.grid(), c.arg(0))) ? static_cast<int>(Ok) : c.failed(); });
}

}  // namespace

Group volumeGroup() {
    return {opt("volume"), opt("Volumes"), [](const QStringList& args) {
                return dispatchGroup(opt("volume"), args,
                                     {{opt("create"), opt("Create a volume"), volumeCreate},
                                      {opt("ls"), opt("List volumes"), volumeList},
                                      {opt("show"), opt("Show a volume"), volumeShow},
                                      {opt("rm"), opt("Remove a volume"), volumeRemove}});
            }};
}

}  // namespace kontena::cli
