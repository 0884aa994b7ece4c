#include "master/auth.h"

#include <QCryptographicHash>
#include <QJsonArray>
#include <QRandomGenerator>
#include <QUuid>

#include <algorithm>
#include <limits>

namespace kontena::master {

namespace {

const QString kUserKind = QStringLiteral("user");
const QString kTokenKind = QStringLiteral("token");
const QString kConfigKind = QStringLiteral("config");
const QString kAdmin = QStringLiteral("admin");
const QString kMasterAdmin = QStringLiteral("master_admin");

QStringList strings(const QJsonValue& v) {
    QStringList out;
    for (const auto& x : v.toArray()) out.append(x.toString());
    return out;
}

User userFromJson(const QJsonObject& o) {
    User u;
    u.email = o.value(QStringLiteral("email")).toString();
    u.roles = strings(o.value(QStringLiteral("roles")));
    u.grids = strings(o.value(QStringLiteral("grids")));
    return u;
}

api::AccessToken publicToken(const QJsonObject& stored, qint64 nowMs) {
    api::AccessToken t;
    t.id = stored.value(QStringLiteral("id")).toString();
    t.tokenType = QStringLiteral("bearer");
    t.tokenLast4 = stored.value(QStringLiteral("last4")).toString();
    const qint64 expiresAt = stored.value(QStringLiteral("expires_at")).toInteger();
    // POST refuses lifetimes beyond int seconds (about 68 years).
    t.expiresIn = expiresAt ? static_cast<int>(std::clamp<qint64>((expiresAt - nowMs) / 1000, 0, std::numeric_limits<int>::max())) : 0;
    t.scopes = strings(stored.value(QStringLiteral("scopes")));
    t.description = stored.value(QStringLiteral("description")).toString();
    return t;
}

}  // namespace

QString toString(Permission p) {
    switch (p) {
    case Permission::Public: return QStringLiteral("public");
    case Permission::User: return QStringLiteral("user");
    case Permission::GridMember: return QStringLiteral("grid member");
    case Permission::GridAdmin: return QStringLiteral("grid admin");
    case Permission::UserAdmin: return QStringLiteral("user admin");
    case Permission::MasterAdmin: return QStringLiteral("master admin");
    }
    return QString();
}

api::User User::toApi() const {
    api::User u;
    u.id = u.email = u.name = email;
    u.roles = roles;
    u.grids = grids;
    return u;
}

QString Auth::digest(const QString& secret) {
    return QString::fromLatin1(QCryptographicHash::hash(secret.toUtf8(), QCryptographicHash::Sha256).toHex());
}

QString Auth::randomSecret() {
    QByteArray bytes(32, Qt::Uninitialized);
    QRandomGenerator::system()->fillRange(reinterpret_cast<quint32*>(bytes.data()), bytes.size() / 4);
    return QString::fromLatin1(bytes.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals));
}

void Auth::reload() {
    users_.clear();
    tokens_.clear();
    for (const auto& o : store_.all(kUserKind)) {
        User u = userFromJson(o);
        users_.insert(u.email, u);
    }
    for (const auto& o : store_.all(kTokenKind)) tokens_.insert(o.value(QStringLiteral("digest")).toString(), o);
}

QString Auth::load(const QString& fixedAdminCode, qint64 nowMs) {
    Q_UNUSED(nowMs);
    reload();
    if (!users_.contains(kAdmin)) {
        User admin;
        admin.email = kAdmin;
        admin.roles = {kMasterAdmin};
        save(admin);
    }
    if (!fixedAdminCode.isEmpty()) {
        QJsonObject c{{QStringLiteral("digest"), digest(fixedAdminCode)}, {QStringLiteral("reusable"), true}};
        store_.put(kConfigKind, QStringLiteral("initial_admin_code"), c);
        return QString();
    }
    if (store_.get(kConfigKind, QStringLiteral("initial_admin_code"))) return QString();
    const QString code = randomSecret();
    store_.put(kConfigKind, QStringLiteral("initial_admin_code"),
               QJsonObject{{QStringLiteral("digest"), digest(code)}, {QStringLiteral("reusable"), false}});
    return code;
}

std::optional<IssuedToken> Auth::exchangeCode(const QString& code, qint64 nowMs) {
    if (code.isEmpty()) return std::nullopt;
    const QString d = digest(code);
    if (auto admin = store_.get(kConfigKind, QStringLiteral("initial_admin_code"))) {
        if (admin->value(QStringLiteral("digest")).toString() == d && !admin->value(QStringLiteral("used")).toBool()) {
            if (!admin->value(QStringLiteral("reusable")).toBool()) {
                (*admin)[QStringLiteral("used")] = true;
                store_.put(kConfigKind, QStringLiteral("initial_admin_code"), *admin);
            }
            return createToken(kAdmin, 0, QStringLiteral("initial admin login"), {QStringLiteral("user")}, nowMs);
        }
    }
    for (auto it = users_.begin(); it != users_.end(); ++it) {
        auto doc = store_.get(kUserKind, it.key());
        if (!doc || doc->value(QStringLiteral("invite_digest")).toString() != d) continue;
        doc->remove(QStringLiteral("invite_digest"));
        store_.put(kUserKind, it.key(), *doc);
        return createToken(it.key(), 0, QStringLiteral("invite"), {QStringLiteral("user")}, nowMs);
    }
    return std::nullopt;
}

std::optional<User> Auth::authenticate(const QString& bearer, qint64 nowMs) const {
    if (bearer.isEmpty()) return std::nullopt;
    auto it = tokens_.find(digest(bearer));
    if (it == tokens_.end()) return std::nullopt;
    const qint64 expiresAt = it->value(QStringLiteral("expires_at")).toInteger();
    if (expiresAt && expiresAt <= nowMs) return std::nullopt;
    auto u = users_.find(it->value(QStringLiteral("email")).toString());
    if (u == users_.end()) return std::nullopt;
    return *u;
}

bool Auth::allowed(const User& u, Permission p, const QString& grid) const {
    if (p == Permission::Public || p == Permission::User) return true;
    if (u.hasRole(kMasterAdmin) || u.email == kAdmin) return true;
    switch (p) {
    case Permission::GridMember: return u.grids.contains(grid);
    case Permission::GridAdmin: return u.grids.contains(grid) && u.hasRole(QStringLiteral("grid_admin"));
    case Permission::UserAdmin: return u.hasRole(QStringLiteral("user_admin"));
    default: return false;
    }
}

IssuedToken Auth::createToken(const QString& email, qint64 expiresInS, const QString& description, const QStringList& scopes,
                              qint64 nowMs) {
    IssuedToken t;
    t.id = QUuid::createUuid().toString(QUuid::WithoutBraces);
    t.token = randomSecret();
    QJsonObject stored{{QStringLiteral("id"), t.id},
                       {QStringLiteral("digest"), digest(t.token)},
                       {QStringLiteral("last4"), t.token.right(4)},
                       {QStringLiteral("email"), email},
                       {QStringLiteral("expires_at"), expiresInS > 0 ? nowMs + expiresInS * 1000 : 0},
                       {QStringLiteral("description"), description},
                       {QStringLiteral("scopes"), QJsonArray::fromStringList(scopes)},
                       {QStringLiteral("created_at"), nowMs}};
    store_.put(kTokenKind, t.id, stored);
    tokens_.insert(stored.value(QStringLiteral("digest")).toString(), stored);
    t.info = publicToken(stored, nowMs);
    return t;
}

QList<api::AccessToken> Auth::tokensOf(const QString& email, qint64 nowMs) const {
    QList<api::AccessToken> out;
    for (const auto& t : tokens_) {
        if (t.value(QStringLiteral("email")).toString() == email) out.append(publicToken(t, nowMs));
    }
    std::sort(out.begin(), out.end(), [](const api::AccessToken& a, const api::AccessToken& b) { return a.id < b.id; });
    return out;
}

bool Auth::removeToken(const QString& email, const QString& id) {
    for (auto it = tokens_.begin(); it != tokens_.end(); ++it) {
        if (it->value(QStringLiteral("id")).toString() != id || it->value(QStringLiteral("email")).toString() != email) continue;
        store_.remove(kTokenKind, id);
        tokens_.erase(it);
        return true;
    }
    return false;
}

QList<User> Auth::users() const {
    QList<User> out = users_.values();
    std::sort(out.begin(), out.end(), [](const User& a, const User& b) { return a.email < b.email; });
    return out;
}

std::optional<User> Auth::user(const QString& email) const {
    auto it = users_.find(email);
    if (it == users_.end()) return std::nullopt;
    return *it;
}

std::optional<QString> Auth::invite(const QString& email) {
    if (email.isEmpty() || users_.contains(email)) return std::nullopt;
    User u;
    u.email = email;
    const QString code = randomSecret();
    QJsonObject doc = u.toJson();
    doc[QStringLiteral("invite_digest")] = digest(code);
    store_.put(kUserKind, email, doc);
    users_.insert(email, u);
    return code;
}

bool Auth::removeUser(const QString& email) {
    if (email == kAdmin || !users_.contains(email)) return false;
    users_.remove(email);
    store_.remove(kUserKind, email);
    for (auto it = tokens_.begin(); it != tokens_.end();) {
        if (it->value(QStringLiteral("email")).toString() == email) {
            store_.remove(kTokenKind, it->value(QStringLiteral("id")).toString());
            it = tokens_.erase(it);
        } else {
            ++it;
        }
    }
    return true;
}

bool Auth::setRole(const QString& email, const QString& role, bool on) {
    auto it = users_.find(email);
    if (it == users_.end()) return false;
    if (on && !it->roles.contains(role)) it->roles.append(role);
    if (!on) it->roles.removeAll(role);
    return save(*it);
}

bool Auth::setGridMember(const QString& email, const QString& grid, bool on) {
    auto it = users_.find(email);
    if (it == users_.end()) return false;
    if (on && !it->grids.contains(grid)) it->grids.append(grid);
    if (!on) it->grids.removeAll(grid);
    return save(*it);
}

void Auth::forgetGrid(const QString& grid) {
    for (auto it = users_.begin(); it != users_.end(); ++it) {
        if (it->grids.removeAll(grid)) save(*it);
    }
}

bool Auth::save(const User& u) {
    users_.insert(u.email, u);
    QJsonObject doc = u.toJson();
    if (auto old = store_.get(kUserKind, u.email); old && old->contains(QStringLiteral("invite_digest"))) {
        doc[QStringLiteral("invite_digest")] = old->value(QStringLiteral("invite_digest"));
    }
    return store_.put(kUserKind, u.email, doc);
}

}  // namespace kontena::master
