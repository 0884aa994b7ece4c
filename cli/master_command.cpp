// `kontena master ...` and `kontena whoami`: logging in and out, masters, tokens, users, audit log.
#include <QUrl>

#include "api/paths.h"
#include "api/user.h"
#include "command.h"
#include "dispatch.h"
#include "session.h"

namespace kontena::cli {
namespace {

using client::Config;
using client::MasterEntry;
namespace paths = api::paths;

QString opt(const char* name) { return QString::fromLatin1(name); }
int ok() { return Ok; }

// The access token for `login`: --token as given, or --code exchanged (the
// answer may name the master: its `server.name` configuration).
std::optional<QString> loginToken(Call& c, const QString& url, QString* serverName) {
    if (!c.isSet("code")) return c.value("token");
    client::ApiClient anon(url, QString());
    api::AuthRequest request;
    request.code = c.value("code");
    const auto r = anon.post<api::AuthReply>(paths::auth(), request);
    if (!r.ok()) {
        apiFailure(*r.error);
        return std::nullopt;
    }
    if (r.value.server) *serverName = r.value.server->name;
    return r.value.accessToken;
}

// Saves the logged-in master as the current one.
int saveLogin(MasterEntry m, const api::User& me) {
    Config config;
    QString error;
    if (!config.load(&error)) {
        printErr(QStringLiteral("kontena: ") + error + QStringLiteral("\n"));
        return Invalid;
    }
    m.email = me.email;
    if (const MasterEntry* old = config.find(m.name)) m.grid = old->grid;
    if (m.grid.isEmpty() && me.grids.size() == 1) m.grid = me.grids.first();
    config.upsert(m);
    config.current = m.name;
    if (!config.save(&error)) {
        printErr(QStringLiteral("kontena: ") + error + QStringLiteral("\n"));
        return Invalid;
    }
    printOut(QStringLiteral("Logged in to %1 (%2) as %3\n").arg(m.name, m.url, m.email));
    return Ok;
}

int login(const QStringList& args) {
    return runCommand({opt("kontena master login"), opt("Log in to a master with an initial admin code, an invite code or an access token."),
                       {{opt("code"), opt("Initial admin code or invite code"), opt("CODE")},
                        {opt("token"), opt("An access token"), opt("TOKEN")},
                        {opt("name"), opt("Name for this master in the configuration (default: the master's server.name, else the host)"), opt("NAME")}},
                       {opt("URL")}, Needs::Nothing},
                      args, [](Call& c) {
                          const QString url = c.arg(0);
                          const QUrl parsed(url);
                          if (!parsed.isValid() || (parsed.scheme() != QLatin1String("http") && parsed.scheme() != QLatin1String("https")) ||
                              parsed.host().isEmpty()) {
                              return c.usage(QStringLiteral("URL must be http(s)://HOST:PORT"));
                          }
                          if (c.isSet("code") == c.isSet("token")) return c.usage(QStringLiteral("give --code or --token"));
                          QString serverName;
                          const auto token = loginToken(c, url, &serverName);
                          if (!token) return static_cast<int>(Invalid);
                          client::ApiClient api(url, *token);
                          const auto me = api.get<api::User>(paths::user());
                          if (!me.ok()) return apiFailure(*me.error);
                          MasterEntry m;
                          m.name = c.isSet("name") ? c.value("name") : !serverName.isEmpty() ? serverName : parsed.host();
                          m.url = url;
                          m.token = *token;
                          return saveLogin(m, me.value);
                      });
}

int logout(const QStringList& args) {
    return runCommand({opt("kontena master logout"), opt("Forget the current master's token."), {}, {}, Needs::Nothing}, args, [](Call&) {
        Config config;
        QString error;
        if (!config.load(&error)) return static_cast<int>(Invalid);
        MasterEntry* m = config.currentMaster();
        if (!m) {
            printErr(QStringLiteral("kontena: not logged in\n"));
            return static_cast<int>(Invalid);
        }
        m->token.clear();
        const QString name = m->name;
        config.current.clear();
        if (!config.save(&error)) return static_cast<int>(Invalid);
        printOut(QStringLiteral("Logged out of %1\n").arg(name));
        return ok();
    });
}

int list(const QStringList& args) {
    return runCommand({opt("kontena master ls"), opt("List the masters in the configuration."), {}, {}, Needs::Nothing, true}, args, [](Call& c) {
        Config config;
        QString error;
        if (!config.load(&error)) return static_cast<int>(Invalid);
        QJsonArray json;
        QList<QStringList> rows;
        for (const auto& m : config.masters) {
            const bool current = m.name == config.current;
            json.append(client::masterJson(m, current));
            rows.append({(current ? QStringLiteral("* ") : QStringLiteral("  ")) + m.name, m.url});
        }
        return c.print(json, [&] { printTable({opt("NAME"), opt("URL")}, rows); });
    });
}

int use(const QStringList& args) {
    return runCommand({opt("kontena master use"), opt("Switch to another configured master."), {}, {opt("NAME")}, Needs::Nothing}, args, [](Call& c) {
        Config config;
        QString error;
        if (!config.load(&error)) return static_cast<int>(Invalid);
        const QString name = c.arg(0);
        if (!config.find(name)) {
            printErr(QStringLiteral("kontena: no master named %1 in %2\n").arg(name, Config::path()));
            return static_cast<int>(Invalid);
        }
        config.current = name;
        if (!config.save(&error)) return static_cast<int>(Invalid);
        printOut(QStringLiteral("Using master %1\n").arg(name));
        return ok();
    });
}

int current(const QStringList& args) {
    return runCommand({opt("kontena master current"), opt("Show the current master."), {}, {}, Needs::Master}, args, [](Call& c) {
        const Session* s = c.session();
        if (!s) return c.failed();
        printOut(QStringLiteral("%1 %2\n").arg(s->master.name, s->master.url));
        return ok();
    });
}

int tokenList(const QStringList& args) {
    return runCommand({opt("kontena master token ls"), opt("List your access tokens."), {}, {}, Needs::Master, true}, args, [](Call& c) {
        const auto list = c.get<api::AccessTokenList>(paths::accessTokens());
        if (!list) return c.failed();
        return c.print(api::toJsonArray(list->accessTokens), [&] {
            QList<QStringList> rows;
            for (const auto& t : list->accessTokens) {
                rows.append({t.id, t.tokenType, t.tokenLast4, t.expiresIn ? QString::number(t.expiresIn) : QStringLiteral("never"),
                             t.scopes.join(u','), t.description});
            }
            printTable({opt("ID"), opt("TOKEN_TYPE"), opt("TOKEN_LAST4"), opt("EXPIRES_IN"), opt("SCOPES"), opt("DESCRIPTION")}, rows);
        });
    });
}

int tokenCreate(const QStringList& args) {
    return runCommand({opt("kontena master token create"), opt("Create an access token; it is shown once."),
                       {{{opt("e"), opt("expires-in")}, opt("Seconds until it expires (0: never)"), opt("SECONDS"), opt("0")},
                        {opt("description"), opt("What the token is for"), opt("TEXT")}},
                       {}, Needs::Master},
                      args, [](Call& c) {
                          bool valid = false;
                          const qint64 expires = c.value("e").toLongLong(&valid);
                          if (!valid || expires < 0) return c.usage(QStringLiteral("--expires-in must be seconds >= 0"));
                          api::AccessTokenCreate request;
                          request.expiresIn = static_cast<double>(expires);
                          request.description = c.value("description");
                          const auto t = c.post<api::AccessToken>(paths::accessTokens(), request);
                          if (!t) return c.failed();
                          printOut(t->accessToken.value_or(QString()) + QStringLiteral("\n"));
                          return ok();
                      });
}

// `master rm NAME`: forgets a master of the configuration (its token with it).
int masterRemove(const QStringList& args) {
    return runCommand({opt("kontena master rm"), opt("Remove masters from the configuration."), {}, {opt("NAME...")}, Needs::Nothing, false, 1, 100},
                      args, [](Call& c) {
                          Config config;
                          QString error;
                          if (!config.load(&error)) return static_cast<int>(Invalid);
                          for (const QString& name : c.args()) {
                              if (!config.find(name)) {
                                  printErr(QStringLiteral("kontena: no master named %1 in %2\n").arg(name, Config::path()));
                                  return static_cast<int>(Invalid);
                              }
                              config.masters.removeIf([&](const MasterEntry& m) { return m.name == name; });
                              if (config.current == name) config.current.clear();
                          }
                          if (!config.save(&error)) {
                              printErr(QStringLiteral("kontena: ") + error + QStringLiteral("\n"));
                              return static_cast<int>(Invalid);
                          }
                          printOut(QStringLiteral("Removed %1\n").arg(c.args().join(QStringLiteral(", "))));
                          return ok();
                      });
}

void printToken(const api::AccessToken& t) {
    printOut(QStringLiteral("%1:\n  token_type: %2\n  token_last4: %3\n  expires_in: %4\n  scopes: %5\n  description: %6\n")
                 .arg(t.id, t.tokenType, t.tokenLast4, t.expiresIn ? QString::number(t.expiresIn) : QStringLiteral("never"),
                      t.scopes.join(u','), t.description));
}

// `master token show ID`, `master token current`: one of your tokens; the
// current one is the token this configuration uses (its last four characters).
int tokenShow(const QStringList& args, bool currentToken) {
    CommandSpec spec{currentToken ? opt("kontena master token current") : opt("kontena master token show"),
                     currentToken ? opt("Show the access token this configuration uses (--token prints it).") : opt("Show an access token."),
                     {}, currentToken ? QStringList{} : QStringList{opt("ID")}, Needs::Master, true};
    if (currentToken) spec.options.append({opt("token"), opt("Print the token itself")});
    return runCommand(spec, args, [currentToken](Call& c) {
        const Session* s = c.session();
        if (!s) return c.failed();
        if (currentToken && c.isSet("token")) {
            printOut(s->master.token + u'\n');
            return ok();
        }
        const auto list = c.get<api::AccessTokenList>(paths::accessTokens());
        if (!list) return c.failed();
        for (const auto& t : list->accessTokens) {
            const bool match = currentToken ? s->master.token.endsWith(t.tokenLast4) && !t.tokenLast4.isEmpty() : t.id == c.arg(0);
            if (match) return c.print(t.toJson(), [&] { printToken(t); });
        }
        printErr(currentToken ? QStringLiteral("kontena: the current token is not among your access tokens\n")
                              : QStringLiteral("kontena: no access token %1\n").arg(c.arg(0)));
        return static_cast<int>(Invalid);
    });
}

int tokenRemove(const QStringList& args) {
    return runCommand({opt("kontena master token rm"), opt("Remove an access token."), {}, {opt("ID")}, Needs::Master}, args,
                      [](Call& c) { return c.del(paths::accessToken(c.arg(0))) ? ok() : c.failed(); });
}

int auditLog(const QStringList& args) {
    return runCommand({opt("kontena master audit-log"), opt("Show the master's audit log."),
                       {{{opt("l"), opt("limit")}, opt("Entries"), opt("N"), opt("500")}}, {}, Needs::Master, true},
                      args, [](Call& c) {
                          bool valid = false;
                          const int limit = c.value("l").toInt(&valid);
                          if (!valid) return c.usage(QStringLiteral("--limit must be a number"));
                          const auto log = c.get<api::AuditLog>(paths::auditLogs(limit));
                          if (!log) return c.failed();
                          return c.print(api::toJsonArray(log->logs), [&] {
                              QList<QStringList> rows;
                              for (const auto& e : log->logs) {
                                  rows.append({e.time, e.grid, e.resourceType, e.resourceName, e.eventName, e.userIdentity.email, e.sourceIp, e.userAgent});
                              }
                              printTable({opt("TIME"), opt("GRID"), opt("RESOURCE TYPE"), opt("RESOURCE NAME"), opt("EVENT NAME"), opt("USER"),
                                          opt("SOURCE IP"), opt("USER-AGENT")},
                                         rows);
                          });
                      });
}

int userList(const QStringList& args) {
    return runCommand({opt("kontena master user ls"), opt("List the master's users."), {}, {}, Needs::Master, true}, args, [](Call& c) {
        const auto list = c.get<api::UserList>(paths::users());
        if (!list) return c.failed();
        return c.print(api::toJsonArray(list->users), [&] {
            QList<QStringList> rows;
            for (const auto& u : list->users) rows.append({u.email, u.roles.join(u',')});
            printTable({opt("EMAIL"), opt("ROLES")}, rows);
        });
    });
}

int userInvite(const QStringList& args) {
    return runCommand({opt("kontena master user invite"), opt("Invite a user; prints the invite code (shown once)."), {}, {opt("EMAIL")}, Needs::Master},
                      args, [](Call& c) {
                          api::UserInvite invite;
                          invite.email = c.arg(0);
                          const auto u = c.post<api::User>(paths::users(), invite);
                          if (!u) return c.failed();
                          printOut(u->inviteCode.value_or(QString()) + QStringLiteral("\n"));
                          return ok();
                      });
}

int userRemove(const QStringList& args) {
    return runCommand({opt("kontena master user rm"), opt("Remove a user and their tokens."), {}, {opt("EMAIL")}, Needs::Master}, args,
                      [](Call& c) { return c.del(paths::userByEmail(c.arg(0))) ? ok() : c.failed(); });
}

int userRole(const QStringList& args, bool add) {
    return runCommand({QStringLiteral("kontena master user role ") + (add ? opt("add") : opt("remove")),
                       opt("Give or take a role: master_admin, user_admin, grid_admin."), {}, {opt("ROLE"), opt("EMAIL")}, Needs::Master},
                      args, [add](Call& c) {
                          const QString role = c.arg(0), email = c.arg(1);
                          if (!add) return c.del(paths::userRole(email, role)) ? ok() : c.failed();
                          api::RoleGrant grant;
                          grant.role = role;
                          return c.post<api::User>(paths::userRoles(email), grant) ? ok() : c.failed();
                      });
}

int whoami(const QStringList& args) {
    return runCommand({opt("kontena whoami"), opt("Show the current master, user and grid."), {}, {}, Needs::Master}, args, [](Call& c) {
        const auto me = c.get<api::User>(paths::user());
        if (!me) return c.failed();
        const Session* s = c.session();
        printOut(QStringLiteral("Master: %1 (%2)\nUser: %3\nGrid: %4\n")
                     .arg(s->master.name, s->master.url, me->email, s->grid.isEmpty() ? QStringLiteral("-") : s->grid));
        return ok();
    });
}

Sub roleSub() {
    return {opt("role"), opt("Roles: add, remove"), [](const QStringList& r) {
                return dispatchGroup(opt("master user role"), r,
                                     {{opt("add"), opt("Give a role"), [](const QStringList& x) { return userRole(x, true); }},
                                      {opt("remove"), opt("Take a role"), [](const QStringList& x) { return userRole(x, false); }}});
            }};
}

}  // namespace

Group masterGroup() {
    return {opt("master"), opt("Masters: login, logout, tokens, audit log"), [](const QStringList& args) {
                return dispatchGroup(opt("master"), args,
                                     {{opt("login"), opt("Log in to a master"), login},
                                      {opt("logout"), opt("Forget the current master's token"), logout},
                                      {opt("ls"), opt("List configured masters"), list},
                                      {opt("use"), opt("Switch master"), use},
                                      {opt("current"), opt("Show the current master"), current},
                                      {opt("rm"), opt("Remove masters from the configuration"), masterRemove},
                                      {opt("audit-log"), opt("Show the audit log"), auditLog},
                                      masterConfigSub(),
                                      {opt("user"), opt("Users: ls, invite, rm, role add|remove"), [](const QStringList& u) {
                                           return dispatchGroup(opt("master user"), u,
                                                                {{opt("ls"), opt("List users"), userList},
                                                                 {opt("invite"), opt("Invite a user"), userInvite},
                                                                 {opt("rm"), opt("Remove a user"), userRemove},
                                                                 roleSub()});
                                       }},
                                      {opt("token"), opt("Access tokens: ls, create, rm"), [](const QStringList& t) {
                                           return dispatchGroup(opt("master token"), t,
                                                                {{opt("ls"), opt("List tokens"), tokenList},
                                                                 {opt("create"), opt("Create a token"), tokenCreate},
                                                                 {opt("show"), opt("Show a token"), [](const QStringList& x) { return tokenShow(x, false); }},
                                                                 {opt("current"), opt("The token in use"), [](const QStringList& x) { return tokenShow(x, true); }},
                                                                 {opt("rm"), opt("Remove a token"), tokenRemove}});
                                       }}});
            }};
}

Group whoamiGroup() { return {opt("whoami"), opt("Show the current master, user and grid"), whoami}; }

}  // namespace kontena::cli
