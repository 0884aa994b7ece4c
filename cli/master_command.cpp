// `kontena master ...` and `kontena whoami`: logging in and out, masters, tokens, users, audit log.
#include <QUrl>

#include "command.h"
#include "dispatch.h"
#include "session.h"

namespace kontena::cli {
namespace {

using client::Config;
using client::MasterEntry;

int login(const QStringList& args) {
    Parsed a;
    parseArgs(a, QStringLiteral("kontena master login"), QStringLiteral("Log in to a master with an initial admin code, an invite code or an access token."), args,
              {{QStringLiteral("code"), QStringLiteral("Initial admin code or invite code"), QStringLiteral("CODE")},
               {QStringLiteral("token"), QStringLiteral("An access token"), QStringLiteral("TOKEN")},
               {QStringLiteral("name"), QStringLiteral("Name for this master in the configuration (default: the host)"), QStringLiteral("NAME")}},
              {QStringLiteral("URL")});
    if (a.exit >= 0) return a.exit;
    const QString url = a.p.positionalArguments().first();
    const QUrl parsed(url);
    if (!parsed.isValid() || (parsed.scheme() != QLatin1String("http") && parsed.scheme() != QLatin1String("https")) || parsed.host().isEmpty()) {
        printErr(QStringLiteral("kontena master login: URL must be http(s)://HOST:PORT\n"));
        return Usage;
    }
    if (a.p.isSet(QStringLiteral("code")) == a.p.isSet(QStringLiteral("token"))) {
        printErr(QStringLiteral("kontena master login: give --code or --token\n"));
        return Usage;
    }
    QString token = a.p.value(QStringLiteral("token"));
    if (a.p.isSet(QStringLiteral("code"))) {
        client::ApiClient anon(url, QString());
        const auto r = anon.post(QStringLiteral("/v1/auth"), QJsonObject{{QStringLiteral("code"), a.p.value(QStringLiteral("code"))}});
        if (!r.ok()) return apiFailure(r);
        token = r.object().value(QStringLiteral("access_token")).toString();
    }
    client::ApiClient api(url, token);
    const auto me = api.get(QStringLiteral("/v1/user"));
    if (!me.ok()) return apiFailure(me);
    Config config;
    QString error;
    if (!config.load(&error)) {
        printErr(QStringLiteral("kontena: ") + error + QStringLiteral("\n"));
        return Invalid;
    }
    MasterEntry m;
    m.name = a.p.isSet(QStringLiteral("name")) ? a.p.value(QStringLiteral("name")) : parsed.host();
    m.url = url;
    m.token = token;
    m.email = me.object().value(QStringLiteral("email")).toString();
    if (const MasterEntry* old = config.find(m.name)) m.grid = old->grid;
    const auto grids = me.object().value(QStringLiteral("grids")).toArray();
    if (m.grid.isEmpty() && grids.size() == 1) m.grid = grids.first().toString();
    config.upsert(m);
    config.current = m.name;
    if (!config.save(&error)) {
        printErr(QStringLiteral("kontena: ") + error + QStringLiteral("\n"));
        return Invalid;
    }
    printOut(QStringLiteral("Logged in to %1 (%2) as %3\n").arg(m.name, url, m.email));
    return Ok;
}

int logout(const QStringList& args) {
    Parsed a;
    parseArgs(a, QStringLiteral("kontena master logout"), QStringLiteral("Forget the current master's token."), args, {}, {});
    if (a.exit >= 0) return a.exit;
    Config config;
    QString error;
    if (!config.load(&error)) return Invalid;
    MasterEntry* m = config.currentMaster();
    if (!m) {
        printErr(QStringLiteral("kontena: not logged in\n"));
        return Invalid;
    }
    m->token.clear();
    const QString name = m->name;
    config.current.clear();
    if (!config.save(&error)) return Invalid;
    printOut(QStringLiteral("Logged out of %1\n").arg(name));
    return Ok;
}

int list(const QStringList& args) {
    Parsed a;
    parseArgs(a, QStringLiteral("kontena master ls"), QStringLiteral("List the masters in the configuration."), args, {}, {}, true);
    if (a.exit >= 0) return a.exit;
    Config config;
    QString error;
    if (!config.load(&error)) return Invalid;
    QJsonArray json;
    QList<QStringList> rows;
    for (const auto& m : config.masters) {
        const bool current = m.name == config.current;
        json.append(QJsonObject{{QStringLiteral("name"), m.name}, {QStringLiteral("url"), m.url}, {QStringLiteral("current"), current},
                                {QStringLiteral("grid"), m.grid}, {QStringLiteral("email"), m.email}});
        rows.append({(current ? QStringLiteral("* ") : QStringLiteral("  ")) + m.name, m.url});
    }
    if (wantsJson(a.p)) printJson(json);
    else printTable({QStringLiteral("NAME"), QStringLiteral("URL")}, rows);
    return Ok;
}

int use(const QStringList& args) {
    Parsed a;
    parseArgs(a, QStringLiteral("kontena master use"), QStringLiteral("Switch to another configured master."), args, {}, {QStringLiteral("NAME")});
    if (a.exit >= 0) return a.exit;
    Config config;
    QString error;
    if (!config.load(&error)) return Invalid;
    const QString name = a.p.positionalArguments().first();
    if (!config.find(name)) {
        printErr(QStringLiteral("kontena: no master named %1 in %2\n").arg(name, Config::path()));
        return Invalid;
    }
    config.current = name;
    if (!config.save(&error)) return Invalid;
    printOut(QStringLiteral("Using master %1\n").arg(name));
    return Ok;
}

int current(const QStringList& args) {
    Parsed a;
    parseArgs(a, QStringLiteral("kontena master current"), QStringLiteral("Show the current master."), args, {}, {});
    if (a.exit >= 0) return a.exit;
    int exit = Ok;
    auto s = openSession(false, &exit);
    if (!s) return exit;
    printOut(QStringLiteral("%1 %2\n").arg(s->master.name, s->master.url));
    return Ok;
}

int tokenList(const QStringList& args) {
    Parsed a;
    parseArgs(a, QStringLiteral("kontena master token ls"), QStringLiteral("List your access tokens."), args, {}, {}, true);
    if (a.exit >= 0) return a.exit;
    int exit = Ok;
    auto s = openSession(false, &exit);
    if (!s) return exit;
    const auto r = s->api->get(QStringLiteral("/v1/user/access_tokens"));
    if (!r.ok()) return apiFailure(r);
    const QJsonArray tokens = r.object().value(QStringLiteral("access_tokens")).toArray();
    if (wantsJson(a.p)) {
        printJson(tokens);
        return Ok;
    }
    QList<QStringList> rows;
    for (const auto& v : tokens) {
        const QJsonObject t = v.toObject();
        QStringList scopes;
        for (const auto& x : t.value(QStringLiteral("scopes")).toArray()) scopes.append(x.toString());
        const int exp = t.value(QStringLiteral("expires_in")).toInt();
        rows.append({t.value(QStringLiteral("id")).toString(), t.value(QStringLiteral("token_type")).toString(),
                     t.value(QStringLiteral("token_last4")).toString(), exp ? QString::number(exp) : QStringLiteral("never"),
                     scopes.join(u','), t.value(QStringLiteral("description")).toString()});
    }
    printTable({QStringLiteral("ID"), QStringLiteral("TOKEN_TYPE"), QStringLiteral("TOKEN_LAST4"), QStringLiteral("EXPIRES_IN"),
                QStringLiteral("SCOPES"), QStringLiteral("DESCRIPTION")}, rows);
    return Ok;
}

int tokenCreate(const QStringList& args) {
    Parsed a;
    parseArgs(a, QStringLiteral("kontena master token create"), QStringLiteral("Create an access token; it is shown once."), args,
              {{{QStringLiteral("e"), QStringLiteral("expires-in")}, QStringLiteral("Seconds until it expires (0: never)"), QStringLiteral("SECONDS"), QStringLiteral("0")},
               {QStringLiteral("description"), QStringLiteral("What the token is for"), QStringLiteral("TEXT")}},
              {});
    if (a.exit >= 0) return a.exit;
    bool ok = false;
    const qint64 expires = a.p.value(QStringLiteral("e")).toLongLong(&ok);
    if (!ok || expires < 0) {
        printErr(QStringLiteral("kontena master token create: --expires-in must be seconds >= 0\n"));
        return Usage;
    }
    int exit = Ok;
    auto s = openSession(false, &exit);
    if (!s) return exit;
    const auto r = s->api->post(QStringLiteral("/v1/user/access_tokens"),
                                QJsonObject{{QStringLiteral("expires_in"), static_cast<double>(expires)},
                                            {QStringLiteral("description"), a.p.value(QStringLiteral("description"))}});
    if (!r.ok()) return apiFailure(r);
    printOut(r.object().value(QStringLiteral("access_token")).toString() + QStringLiteral("\n"));
    return Ok;
}

int tokenRemove(const QStringList& args) {
    Parsed a;
    parseArgs(a, QStringLiteral("kontena master token rm"), QStringLiteral("Remove an access token."), args, {}, {QStringLiteral("ID")});
    if (a.exit >= 0) return a.exit;
    int exit = Ok;
    auto s = openSession(false, &exit);
    if (!s) return exit;
    const auto r = s->api->del(QStringLiteral("/v1/user/access_tokens/") + a.p.positionalArguments().first());
    return r.ok() ? Ok : apiFailure(r);
}

int auditLog(const QStringList& args) {
    Parsed a;
    parseArgs(a, QStringLiteral("kontena master audit-log"), QStringLiteral("Show the master's audit log."), args,
              {{{QStringLiteral("l"), QStringLiteral("limit")}, QStringLiteral("Entries"), QStringLiteral("N"), QStringLiteral("500")}}, {}, true);
    if (a.exit >= 0) return a.exit;
    int exit = Ok;
    auto s = openSession(false, &exit);
    if (!s) return exit;
    const auto r = s->api->get(QStringLiteral("/v1/audit_logs?limit=") + a.p.value(QStringLiteral("l")));
    if (!r.ok()) return apiFailure(r);
    const QJsonArray logs = r.object().value(QStringLiteral("logs")).toArray();
    if (wantsJson(a.p)) {
        printJson(logs);
        return Ok;
    }
    QList<QStringList> rows;
    for (const auto& v : logs) {
        const QJsonObject e = v.toObject();
        rows.append({e.value(QStringLiteral("time")).toString(), e.value(QStringLiteral("grid")).toString(),
                     e.value(QStringLiteral("resource_type")).toString(), e.value(QStringLiteral("resource_name")).toString(),
                     e.value(QStringLiteral("event_name")).toString(),
                     e.value(QStringLiteral("user_identity")).toObject().value(QStringLiteral("email")).toString(),
                     e.value(QStringLiteral("source_ip")).toString(), e.value(QStringLiteral("user_agent")).toString()});
    }
    printTable({QStringLiteral("TIME"), QStringLiteral("GRID"), QStringLiteral("RESOURCE TYPE"), QStringLiteral("RESOURCE NAME"),
                QStringLiteral("EVENT NAME"), QStringLiteral("USER"), QStringLiteral("SOURCE IP"), QStringLiteral("USER-AGENT")}, rows);
    return Ok;
}

int userList(const QStringList& args) {
    Parsed a;
    parseArgs(a, QStringLiteral("kontena master user ls"), QStringLiteral("List the master's users."), args, {}, {}, true);
    if (a.exit >= 0) return a.exit;
    int exit = Ok;
    auto s = openSession(false, &exit);
    if (!s) return exit;
    const auto r = s->api->get(QStringLiteral("/v1/users"));
    if (!r.ok()) return apiFailure(r);
    const QJsonArray users = r.object().value(QStringLiteral("users")).toArray();
    if (wantsJson(a.p)) {
        printJson(users);
        return Ok;
    }
    QList<QStringList> rows;
    for (const auto& v : users) {
        QStringList roles;
        for (const auto& x : v.toObject().value(QStringLiteral("roles")).toArray()) roles << x.toString();
        rows.append({v.toObject().value(QStringLiteral("email")).toString(), roles.join(u',')});
    }
    printTable({QStringLiteral("EMAIL"), QStringLiteral("ROLES")}, rows);
    return Ok;
}

int userInvite(const QStringList& args) {
    Parsed a;
    parseArgs(a, QStringLiteral("kontena master user invite"), QStringLiteral("Invite a user; prints the invite code (shown once)."), args, {}, {QStringLiteral("EMAIL")});
    if (a.exit >= 0) return a.exit;
    int exit = Ok;
    auto s = openSession(false, &exit);
    if (!s) return exit;
    const auto r = s->api->post(QStringLiteral("/v1/users"), QJsonObject{{QStringLiteral("email"), a.p.positionalArguments().first()}});
    if (!r.ok()) return apiFailure(r);
    printOut(r.object().value(QStringLiteral("invite_code")).toString() + QStringLiteral("\n"));
    return Ok;
}

int userRemove(const QStringList& args) {
    Parsed a;
    parseArgs(a, QStringLiteral("kontena master user rm"), QStringLiteral("Remove a user and their tokens."), args, {}, {QStringLiteral("EMAIL")});
    if (a.exit >= 0) return a.exit;
    int exit = Ok;
    auto s = openSession(false, &exit);
    if (!s) return exit;
    const auto r = s->api->del(QStringLiteral("/v1/users/") + a.p.positionalArguments().first());
    return r.ok() ? Ok : apiFailure(r);
}

int userRole(const QStringList& args, bool add) {
    Parsed a;
    parseArgs(a, QStringLiteral("kontena master user role ") + (add ? QStringLiteral("add") : QStringLiteral("remove")),
              QStringLiteral("Give or take a role: master_admin, user_admin, grid_admin."), args, {}, {QStringLiteral("ROLE"), QStringLiteral("EMAIL")});
    if (a.exit >= 0) return a.exit;
    int exit = Ok;
    auto s = openSession(false, &exit);
    if (!s) return exit;
    const QString role = a.p.positionalArguments().at(0), email = a.p.positionalArguments().at(1);
    const auto r = add ? s->api->post(QStringLiteral("/v1/users/%1/roles").arg(email), QJsonObject{{QStringLiteral("role"), role}})
                       : s->api->del(QStringLiteral("/v1/users/%1/roles/%2").arg(email, role));
    return r.ok() ? Ok : apiFailure(r);
}

}  // namespace

int whoami(const QStringList& args) {
    Parsed a;
    parseArgs(a, QStringLiteral("kontena whoami"), QStringLiteral("Show the current master, user and grid."), args, {}, {});
    if (a.exit >= 0) return a.exit;
    int exit = Ok;
    auto s = openSession(false, &exit);
    if (!s) return exit;
    const auto r = s->api->get(QStringLiteral("/v1/user"));
    if (!r.ok()) return apiFailure(r);
    printOut(QStringLiteral("Master: %1 (%2)\nUser: %3\nGrid: %4\n")
                 .arg(s->master.name, s->master.url, r.object().value(QStringLiteral("email")).toString(),
                      s->grid.isEmpty() ? QStringLiteral("-") : s->grid));
    return Ok;
}

Group masterGroup() {
    return {QStringLiteral("master"), QStringLiteral("Masters: login, logout, tokens, audit log"), [](const QStringList& args) {
                return dispatchGroup(QStringLiteral("master"), args,
                                     {{QStringLiteral("login"), QStringLiteral("Log in to a master"), login},
                                      {QStringLiteral("logout"), QStringLiteral("Forget the current master's token"), logout},
                                      {QStringLiteral("ls"), QStringLiteral("List configured masters"), list},
                                      {QStringLiteral("use"), QStringLiteral("Switch master"), use},
                                      {QStringLiteral("current"), QStringLiteral("Show the current master"), current},
                                      {QStringLiteral("audit-log"), QStringLiteral("Show the audit log"), auditLog},
                                      {QStringLiteral("user"), QStringLiteral("Users: ls, invite, rm, role add|remove"), [](const QStringList& u) {
                                           return dispatchGroup(QStringLiteral("master user"), u,
                                                                {{QStringLiteral("ls"), QStringLiteral("List users"), userList},
                                                                 {QStringLiteral("invite"), QStringLiteral("Invite a user"), userInvite},
                                                                 {QStringLiteral("rm"), QStringLiteral("Remove a user"), userRemove},
                                                                 {QStringLiteral("role"), QStringLiteral("Roles: add, remove"), [](const QStringList& r) {
                                                                      return dispatchGroup(QStringLiteral("master user role"), r,
                                                                                           {{QStringLiteral("add"), QStringLiteral("Give a role"), [](const QStringList& x) { return userRole(x, true); }},
                                                                                            {QStringLiteral("remove"), QStringLiteral("Take a role"), [](const QStringList& x) { return userRole(x, false); }}});
                                                                  }}});
                                       }},
                                      {QStringLiteral("token"), QStringLiteral("Access tokens: ls, create, rm"), [](const QStringList& t) {
                                           return dispatchGroup(QStringLiteral("master token"), t,
                                                                {{QStringLiteral("ls"), QStringLiteral("List tokens"), tokenList},
                                                                 {QStringLiteral("create"), QStringLiteral("Create a token"), tokenCreate},
                                                                 {QStringLiteral("rm"), QStringLiteral("Remove a token"), tokenRemove}});
                                       }}});
            }};
}

Group whoamiGroup() { return {QStringLiteral("whoami"), QStringLiteral("Show the current master, user and grid"), whoami}; }

}  // namespace kontena::cli
