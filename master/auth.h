#pragma once
// Users, roles, grid membership and access tokens (reference 11.1).
// Tokens are random 256-bit values shown once; the store keeps their
// SHA-256 digest and last four characters only.

#include <QHash>
#include <QJsonObject>
#include <QString>
#include <QStringList>

#include <optional>

#include "api/user.h"
#include "master/store.h"

namespace kontena::master {

// What a route needs (checked for every request, see api_routes.cpp).
enum class Permission {
    Public,        // no token (ping, auth)
    User,          // any valid user token
    GridMember,    // member of the grid in the path, or master_admin
    GridAdmin,     // grid_admin and member, or master_admin
    UserAdmin,     // user_admin or master_admin
    MasterAdmin,
};
QString toString(Permission p);

struct User {
    QString email;
    QStringList roles;    // master_admin, user_admin, grid_admin
    QStringList grids;    // grid names the user belongs to
    bool hasRole(const QString& r) const { return roles.contains(r); }
    api::User toApi() const;                             // the API's user object
    QJsonObject toJson() const { return toApi().toJson(); }   // the stored form is the same object
};

struct IssuedToken {
    QString id;
    QString token;        // plaintext, only in the response that creates it
    api::AccessToken info;   // what the API shows of it (no accessToken)
};

class Auth {
public:
    explicit Auth(Store& store) : store_(store) {}

    // Loads users and token digests. Makes the admin user and, at the first
    // start, the initial admin code: returns it when it must be printed
    // (first start without INITIAL_ADMIN_CODE), else an empty string.
    QString load(const QString& fixedAdminCode, qint64 nowMs);
    // Reads users and tokens again (several masters share the store: another
    // master may have issued or revoked one).
    void reload();

    // POST /v1/auth with a code (initial admin code or invite code).
    std::optional<IssuedToken> exchangeCode(const QString& code, qint64 nowMs);

    // The user of a bearer token, if it is valid and not expired.
    std::optional<User> authenticate(const QString& bearer, qint64 nowMs) const;

    bool allowed(const User& u, Permission p, const QString& grid) const;

    IssuedToken createToken(const QString& email, qint64 expiresInS, const QString& description, const QStringList& scopes,
                            qint64 nowMs);
    QList<api::AccessToken> tokensOf(const QString& email, qint64 nowMs) const;   // by id
    bool removeToken(const QString& email, const QString& id);

    QList<User> users() const;
    std::optional<User> user(const QString& email) const;
    // A new user with an invite code (returned once).
    std::optional<QString> invite(const QString& email);
    bool removeUser(const QString& email);
    bool setRole(const QString& email, const QString& role, bool on);
    bool setGridMember(const QString& email, const QString& grid, bool on);
    void forgetGrid(const QString& grid);

    static QString digest(const QString& secret);
    static QString randomSecret();

private:
    bool save(const User& u);
    Store& store_;
    QHash<QString, User> users_;              // by email
    QHash<QString, QJsonObject> tokens_;      // by digest
};

}  // namespace kontena::master
