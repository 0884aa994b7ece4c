#pragma once
// Auth, users, access tokens and the audit log (master/API.md "Auth and users").

#include "api/model.h"

namespace kontena::api {

// GET /v1/ping
struct Ping : Model<Ping> {
    QString message, version;
    static auto fields() { return std::tuple{field("message", &Ping::message), field("version", &Ping::version)}; }
};

// GET /v1/user, elements of GET /v1/users; POST /v1/users adds inviteCode.
struct User : Model<User> {
    QString id, email, name;
    QStringList roles, grids;
    std::optional<QString> inviteCode;   // only in the answer to an invite (shown once)
    static auto fields() {
        return std::tuple{field("id", &User::id), field("email", &User::email), field("name", &User::name), field("roles", &User::roles),
                          field("grids", &User::grids), field("invite_code", &User::inviteCode, Empty::Omit)};
    }
};

struct UserList : Model<UserList> {
    QList<User> users;
    static auto fields() { return std::tuple{field("users", &UserList::users)}; }
};

// POST /v1/users
struct UserInvite : Model<UserInvite> {
    QString email;
    static auto fields() { return std::tuple{field("email", &UserInvite::email)}; }
};

// POST /v1/users/:email/roles
struct RoleGrant : Model<RoleGrant> {
    QString role;   // master_admin|user_admin|grid_admin
    static auto fields() { return std::tuple{field("role", &RoleGrant::role)}; }
};

// POST /v1/auth with a code (initial admin or invite).
struct AuthRequest : Model<AuthRequest> {
    std::optional<QString> code, email, password;
    static auto fields() {
        return std::tuple{field("code", &AuthRequest::code, Empty::Omit), field("email", &AuthRequest::email, Empty::Omit),
                          field("password", &AuthRequest::password, Empty::Omit)};
    }
};

// The answer of POST /v1/auth.
// The master as an auth answer names it (Kontena's `server.name` setting).
struct MasterServer : Model<MasterServer> {
    QString name;
    static auto fields() { return std::tuple{field("name", &MasterServer::name)}; }
};

struct AuthReply : Model<AuthReply> {
    QString accessToken, tokenType;
    int expiresIn = 0;
    User user;
    std::optional<MasterServer> server;   // only when the master configuration has `server.name`
    static auto fields() {
        return std::tuple{field("access_token", &AuthReply::accessToken), field("token_type", &AuthReply::tokenType),
                          field("expires_in", &AuthReply::expiresIn), field("user", &AuthReply::user),
                          field("server", &AuthReply::server, Empty::Omit)};
    }
};

// Elements of GET /v1/user/access_tokens; the answer of POST adds accessToken.
struct AccessToken : Model<AccessToken> {
    QString id, tokenType, tokenLast4;
    int expiresIn = 0;   // seconds; 0: never
    QStringList scopes;
    QString description;
    std::optional<QString> accessToken;   // only when created (shown once)
    static auto fields() {
        return std::tuple{field("id", &AccessToken::id), field("token_type", &AccessToken::tokenType),
                          field("token_last4", &AccessToken::tokenLast4), field("expires_in", &AccessToken::expiresIn),
                          field("scopes", &AccessToken::scopes), field("description", &AccessToken::description),
                          field("access_token", &AccessToken::accessToken, Empty::Omit)};
    }
};

struct AccessTokenList : Model<AccessTokenList> {
    QList<AccessToken> accessTokens;
    static auto fields() { return std::tuple{field("access_tokens", &AccessTokenList::accessTokens)}; }
};

// POST /v1/user/access_tokens
struct AccessTokenCreate : Model<AccessTokenCreate> {
    double expiresIn = 0;    // seconds; 0: never
    QString description;
    std::optional<QStringList> scopes;
    static auto fields() {
        return std::tuple{field("expires_in", &AccessTokenCreate::expiresIn), field("description", &AccessTokenCreate::description),
                          field("scopes", &AccessTokenCreate::scopes, Empty::Omit)};
    }
};

struct UserIdentity : Model<UserIdentity> {
    QString id, email;
    static auto fields() { return std::tuple{field("id", &UserIdentity::id), field("email", &UserIdentity::email)}; }
};

// An audit log entry (master and grid audit logs).
struct AuditEntry : Model<AuditEntry> {
    QString time, grid;
    UserIdentity userIdentity;
    QString resourceType, resourceId, resourceName, eventName, eventStatus, sourceIp, userAgent;
    QJsonValue requestParameters, requestBody;
    static auto fields() {
        return std::tuple{field("time", &AuditEntry::time), field("grid", &AuditEntry::grid),
                          field("user_identity", &AuditEntry::userIdentity), field("resource_type", &AuditEntry::resourceType),
                          field("resource_id", &AuditEntry::resourceId), field("resource_name", &AuditEntry::resourceName),
                          field("event_name", &AuditEntry::eventName), field("event_status", &AuditEntry::eventStatus),
                          field("source_ip", &AuditEntry::sourceIp), field("user_agent", &AuditEntry::userAgent),
                          field("request_parameters", &AuditEntry::requestParameters),
                          field("request_body", &AuditEntry::requestBody)};
    }
};

// GET /v1/audit_logs, GET /v1/grids/:grid/audit_log
struct AuditLog : Model<AuditLog> {
    QList<AuditEntry> logs;
    static auto fields() { return std::tuple{field("logs", &AuditLog::logs)}; }
};

}  // namespace kontena::api
