// Routes: ping, auth, the user, users and roles, access tokens, the master's audit log.
#include <limits>

#include "api/user.h"
#include "master/api_server.h"

namespace kontena::master {

using Method = QHttpServerRequest::Method;

namespace {

std::optional<Reply> badExpiry(double seconds) {
    if (seconds < 0 || seconds > std::numeric_limits<int>::max()) {
        return Reply::error(422, QStringLiteral("expires_in must be 0 (never) or a number of seconds"));
    }
    return std::nullopt;
}

}  // namespace

void Master::addAuthRoutes() {
    routes_.append({Method::Get, QStringLiteral("/v1/ping"), Permission::Public, [](Call&) {
                        api::Ping pong;
                        pong.message = QStringLiteral("pong");
                        pong.version = QStringLiteral("0.1.0");
                        return Reply::of(pong);
                    }});
    routes_.append({Method::Post, QStringLiteral("/v1/auth"), Permission::Public, [this](Call& c) {
                        api::AuthRequest req;
                        if (auto bad = readBody(c, &req)) return *bad;
                        auto t = auth_->exchangeCode(req.code.value_or(QString()), nowMs());
                        if (!t) return Reply::error(401, QStringLiteral("Invalid or used code"));
                        api::AuthReply reply;
                        reply.accessToken = t->token;
                        reply.tokenType = QStringLiteral("bearer");
                        if (auto user = auth_->authenticate(t->token, nowMs())) reply.user = user->toApi();
                        if (const auto name = config_.value(QStringLiteral("server.name")); name && name->isString()) {
                            reply.server = api::MasterServer{};
                            reply.server->name = name->toString();   // Kontena: the CLI names the master so
                        }
                        return Reply::of(reply, 201);
                    }});
    routes_.append({Method::Get, QStringLiteral("/v1/user"), Permission::User, [](Call& c) { return Reply::of(c.user.toApi()); }});
    routes_.append({Method::Get, QStringLiteral("/v1/user/access_tokens"), Permission::User, [this](Call& c) {
                        api::AccessTokenList list;
                        list.accessTokens = auth_->tokensOf(c.user.email, nowMs());
                        return Reply::of(list);
                    }});
    routes_.append({Method::Post, QStringLiteral("/v1/user/access_tokens"), Permission::User, [this](Call& c) {
                        api::AccessTokenCreate req;
                        if (auto bad = readBody(c, &req)) return *bad;
                        if (auto bad = badExpiry(req.expiresIn)) return *bad;
                        const QStringList scopes = req.scopes.value_or(QStringList()).isEmpty() ? QStringList{QStringLiteral("user")} : *req.scopes;
                        IssuedToken t = auth_->createToken(c.user.email, static_cast<qint64>(req.expiresIn), req.description, scopes, nowMs());
                        t.info.accessToken = t.token;
                        return Reply::of(t.info, 201);
                    }});
    routes_.append({Method::Delete, QStringLiteral("/v1/user/access_tokens/:id"), Permission::User, [this](Call& c) {
                        if (!auth_->removeToken(c.user.email, c.param("id"))) return Reply::error(404, QStringLiteral("Access token not found"));
                        return Reply::done();
                    }});
    addUserRoutes();
    routes_.append({Method::Get, QStringLiteral("/v1/audit_logs"), Permission::MasterAdmin,
                    [this](Call& c) { return Reply::of(auditLog(QString(), limitOf(c, 500, 3000))); }});
}

void Master::addUserRoutes() {
    routes_.append({Method::Get, QStringLiteral("/v1/users"), Permission::UserAdmin, [this](Call&) {
                        api::UserList list;
                        for (const auto& u : auth_->users()) list.users.append(u.toApi());
                        return Reply::of(list);
                    }});
    routes_.append({Method::Post, QStringLiteral("/v1/users"), Permission::UserAdmin, [this](Call& c) {
                        api::UserInvite req;
                        if (auto bad = readBody(c, &req)) return *bad;
                        if (req.email.isEmpty()) return Reply::error(422, QStringLiteral("email is required"));
                        auto code = auth_->invite(req.email);
                        if (!code) return Reply::error(409, QStringLiteral("User %1 exists already").arg(req.email));
                        api::User u = auth_->user(req.email)->toApi();
                        u.inviteCode = *code;
                        return Reply::of(u, 201);
                    }});
    routes_.append({Method::Delete, QStringLiteral("/v1/users/:email"), Permission::UserAdmin, [this](Call& c) {
                        if (!auth_->removeUser(c.param("email"))) return Reply::error(404, QStringLiteral("User not found (the admin user cannot be removed)"));
                        return Reply::done();
                    }});
    routes_.append({Method::Post, QStringLiteral("/v1/users/:email/roles"), Permission::MasterAdmin, [this](Call& c) {
                        api::RoleGrant req;
                        if (auto bad = readBody(c, &req)) return *bad;
                        static const QStringList roles{QStringLiteral("master_admin"), QStringLiteral("user_admin"), QStringLiteral("grid_admin")};
                        if (!roles.contains(req.role)) return Reply::error(422, QStringLiteral("role must be one of ") + roles.join(QStringLiteral(", ")));
                        if (!auth_->setRole(c.param("email"), req.role, true)) return Reply::error(404, QStringLiteral("User not found"));
                        return Reply::of(auth_->user(c.param("email"))->toApi());
                    }});
    routes_.append({Method::Delete, QStringLiteral("/v1/users/:email/roles/:role"), Permission::MasterAdmin, [this](Call& c) {
                        if (!auth_->setRole(c.param("email"), c.param("role"), false)) return Reply::error(404, QStringLiteral("User not found"));
                        return Reply::of(auth_->user(c.param("email"))->toApi());
                    }});
}

}  // namespace kontena::master
