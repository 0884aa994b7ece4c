// Routes: ping, auth, the user, users and roles, access tokens, the master's audit log.
#include <QJsonArray>

#include "master/api_server.h"

namespace kontena::master {

using Method = QHttpServerRequest::Method;

void Master::addAuthRoutes() {
    routes_.append({Method::Get, QStringLiteral("/v1/ping"), Permission::Public, [](Call&) {
                        return Reply{200, QJsonObject{{QStringLiteral("message"), QStringLiteral("pong")},
                                                      {QStringLiteral("version"), QStringLiteral("0.1.0")}}};
                    }});
    routes_.append({Method::Post, QStringLiteral("/v1/auth"), Permission::Public, [this](Call& c) {
                        auto t = auth_->exchangeCode(c.body.value(QStringLiteral("code")).toString(), nowMs());
                        if (!t) return Reply::error(401, QStringLiteral("Invalid or used code"));
                        auto user = auth_->authenticate(t->token, nowMs());
                        return Reply{201, QJsonObject{{QStringLiteral("access_token"), t->token},
                                                      {QStringLiteral("token_type"), QStringLiteral("bearer")},
                                                      {QStringLiteral("expires_in"), 0},
                                                      {QStringLiteral("user"), user ? user->toJson() : QJsonObject()}}};
                    }});
    routes_.append({Method::Get, QStringLiteral("/v1/user"), Permission::User, [](Call& c) { return Reply{200, c.user.toJson()}; }});
    routes_.append({Method::Get, QStringLiteral("/v1/user/access_tokens"), Permission::User, [this](Call& c) {
                        QJsonArray a;
                        for (const auto& t : auth_->tokensOf(c.user.email, nowMs())) a.append(t);
                        return Reply{200, QJsonObject{{QStringLiteral("access_tokens"), a}}};
                    }});
    routes_.append({Method::Post, QStringLiteral("/v1/user/access_tokens"), Permission::User, [this](Call& c) {
                        QStringList scopes;
                        for (const auto& s : c.body.value(QStringLiteral("scopes")).toArray()) scopes.append(s.toString());
                        if (scopes.isEmpty()) scopes = {QStringLiteral("user")};
                        const qint64 expires = static_cast<qint64>(c.body.value(QStringLiteral("expires_in")).toDouble());
                        if (expires < 0) return Reply::error(422, QStringLiteral("expires_in must be 0 (never) or a number of seconds"));
                        IssuedToken t = auth_->createToken(c.user.email, expires, c.body.value(QStringLiteral("description")).toString(), scopes, nowMs());
                        QJsonObject o = t.info;
                        o[QStringLiteral("access_token")] = t.token;
                        return Reply{201, o};
                    }});
    routes_.append({Method::Delete, QStringLiteral("/v1/user/access_tokens/:id"), Permission::User, [this](Call& c) {
                        if (!auth_->removeToken(c.user.email, c.param("id"))) return Reply::error(404, QStringLiteral("Access token not found"));
                        return Reply{200, QJsonObject{}};
                    }});
    routes_.append({Method::Get, QStringLiteral("/v1/users"), Permission::UserAdmin, [this](Call&) {
                        QJsonArray a;
                        for (const auto& u : auth_->users()) a.append(u.toJson());
                        return Reply{200, QJsonObject{{QStringLiteral("users"), a}}};
                    }});
    routes_.append({Method::Post, QStringLiteral("/v1/users"), Permission::UserAdmin, [this](Call& c) {
                        const QString email = c.body.value(QStringLiteral("email")).toString();
                        if (email.isEmpty()) return Reply::error(422, QStringLiteral("email is required"));
                        auto code = auth_->invite(email);
                        if (!code) return Reply::error(409, QStringLiteral("User %1 exists already").arg(email));
                        QJsonObject o = auth_->user(email)->toJson();
                        o[QStringLiteral("invite_code")] = *code;
                        return Reply{201, o};
                    }});
    routes_.append({Method::Delete, QStringLiteral("/v1/users/:email"), Permission::UserAdmin, [this](Call& c) {
                        if (!auth_->removeUser(c.param("email"))) return Reply::error(404, QStringLiteral("User not found (the admin user cannot be removed)"));
                        return Reply{200, QJsonObject{}};
                    }});
    routes_.append({Method::Post, QStringLiteral("/v1/users/:email/roles"), Permission::MasterAdmin, [this](Call& c) {
                        const QString role = c.body.value(QStringLiteral("role")).toString();
                        static const QStringList roles{QStringLiteral("master_admin"), QStringLiteral("user_admin"), QStringLiteral("grid_admin")};
                        if (!roles.contains(role)) return Reply::error(422, QStringLiteral("role must be one of ") + roles.join(QStringLiteral(", ")));
                        if (!auth_->setRole(c.param("email"), role, true)) return Reply::error(404, QStringLiteral("User not found"));
                        return Reply{200, auth_->user(c.param("email"))->toJson()};
                    }});
    routes_.append({Method::Delete, QStringLiteral("/v1/users/:email/roles/:role"), Permission::MasterAdmin, [this](Call& c) {
                        if (!auth_->setRole(c.param("email"), c.param("role"), false)) return Reply::error(404, QStringLiteral("User not found"));
                        return Reply{200, auth_->user(c.param("email"))->toJson()};
                    }});
    routes_.append({Method::Get, QStringLiteral("/v1/audit_logs"), Permission::MasterAdmin, [this](Call& c) {
                        QJsonArray a;
                        for (const auto& e : store_.audit(QString(), limitOf(c, 500, 3000))) a.append(e);
                        return Reply{200, QJsonObject{{QStringLiteral("logs"), a}}};
                    }});
}

}  // namespace kontena::master
