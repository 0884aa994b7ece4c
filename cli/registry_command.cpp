// `kontena external-registry ...`: credentials for private image
// registries, kept in the grid's vault (reference §11.3). The password is
// sent once and never shown again; without -p it is read from stdin, so it
// stays out of shell history.
#include <QFile>

#include "api/paths.h"
#include "api/registry.h"
#include "command.h"
#include "dispatch.h"
#include "session.h"

namespace kontena::cli {
namespace {

namespace paths = api::paths;

QString opt(const char* name) { return QString::fromLatin1(name); }

// -p PASSWORD, else the first line of stdin.
QString passwordOf(const Call& c) {
    if (c.isSet("password")) return c.value("password");
    QFile in;
    if (!in.open(stdin, QIODevice::ReadOnly)) return QString();
    return QString::fromUtf8(in.readLine()).remove(u'\n').remove(u'\r');
}

int registryAdd(const QStringList& args) {
    return runCommand({opt("kontena external-registry add"), opt("Add credentials for a private registry (PASSWORD from stdin when -p is not given)."),
                       {{{opt("u"), opt("username")}, opt("Registry user (required)"), opt("USER")},
                        {{opt("e"), opt("email")}, opt("Registry email"), opt("EMAIL")},
                        {{opt("p"), opt("password")}, opt("Registry password (default: read from stdin)"), opt("PASSWORD")}},
                       {opt("URL")}, Needs::Grid},
                      args, [](Call& c) {
                          if (c.value("username").isEmpty()) return c.usage(QStringLiteral("-u USER is required"));
                          api::RegistryCreate body;
                          body.url = c.arg(0).contains(QStringLiteral("://")) ? c.arg(0) : QStringLiteral("https://") + c.arg(0);
                          body.username = c.value("username");
                          body.email = c.value("email");
                          body.password = passwordOf(c);
                          const auto added = c.post<api::Registry>(paths::gridRegistries(c.grid()), body);
                          if (!added) return c.failed();
                          printOut(added->name + u'\n');
                          return static_cast<int>(Ok);
                      });
}

int registryList(const QStringList& args) {
    return runCommand({opt("kontena external-registry ls"), opt("List the grid's external registries (never passwords)."), {}, {}, Needs::Grid, true},
                      args, [](Call& c) {
                          const auto list = c.get<api::RegistryList>(paths::gridRegistries(c.grid()));
                          if (!list) return c.failed();
                          return c.print(api::toJsonArray(list->externalRegistries), [&] {
                              QList<QStringList> rows;
                              for (const auto& r : list->externalRegistries) rows.append({r.name, r.url, r.username, r.email});
                              printTable({opt("NAME"), opt("URL"), opt("USERNAME"), opt("EMAIL")}, rows);
                          });
                      });
}

int registryRemove(const QStringList& args) {
    return runCommand({opt("kontena external-registry rm"), opt("Remove a registry's credentials."),
                       {{opt("force"), opt("Do not ask (accepted for Kontena's scripts)")}}, {opt("NAME")}, Needs::Grid},
                      args, [](Call& c) { return c.del(paths::registry(c.grid(), c.arg(0))) ? static_cast<int>(Ok) : c.failed(); });
}

}  // namespace

Group externalRegistryGroup() {
    return {opt("external-registry"), opt("External registry credentials in the vault"), [](const QStringList& args) {
                return dispatchGroup(opt("external-registry"), args,
                                     {{opt("add"), opt("Add a registry's credentials"), registryAdd},
                                      {opt("ls"), opt("List registries"), registryList},
                                      {opt("rm"), opt("Remove a registry"), registryRemove}});
            }};
}

}  // namespace kontena::cli
