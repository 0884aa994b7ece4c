#include "master/api_server.h"

#include <QDateTime>
#include <QHttpServerResponder>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLoggingCategory>
#include <QRegularExpression>
#include <QTcpSocket>
#include <QWebSocket>

#include "protocol/handshake.h"

Q_LOGGING_CATEGORY(lcApi, "kontena.master.api")

namespace kontena::master {

using Method = QHttpServerRequest::Method;

qint64 nowMs() { return QDateTime::currentMSecsSinceEpoch(); }

namespace {

QString qs(const std::string& s) { return QString::fromStdString(s); }
std::string ss(const QString& s) { return s.toStdString(); }

QJsonObject paramsJson(const QMap<QString, QString>& params) {
    QJsonObject o;
    for (auto it = params.begin(); it != params.end(); ++it) o.insert(it.key(), it.value());
    return o;
}

bool validName(const QString& n) {
    static const QRegularExpression re(QStringLiteral("^[a-z0-9]([a-z0-9-]{0,62})$"));
    return re.match(n).hasMatch();
}

QString methodText(Method m) {
    switch (m) {
    case Method::Get: return QStringLiteral("GET");
    case Method::Post: return QStringLiteral("POST");
    case Method::Put: return QStringLiteral("PUT");
    case Method::Delete: return QStringLiteral("DELETE");
    case Method::Patch: return QStringLiteral("PATCH");
    default: return QStringLiteral("OTHER");
    }
}

// Splits a path into segments; "/v1/grids/a" -> [v1, grids, a].
QStringList segments(const QString& path) { return path.split(QLatin1Char('/'), Qt::SkipEmptyParts); }

bool match(const Route& r, Method m, const QStringList& path, QMap<QString, QString>* params) {
    if (r.method != m) return false;
    const QStringList pat = segments(r.pattern);
    if (pat.size() != path.size()) return false;
    QMap<QString, QString> out;
    for (qsizetype i = 0; i < pat.size(); ++i) {
        if (pat[i].startsWith(QLatin1Char(':'))) out.insert(pat[i].mid(1), path[i]);
        else if (pat[i] != path[i]) return false;
    }
    *params = out;
    return true;
}

// The one table from a core refusal's kind to the HTTP status the API answers.
int httpStatusOf(RefusalKind kind) {
    switch (kind) {
    case RefusalKind::NoQuorum: return 503;
    case RefusalKind::Conflict: return 409;
    case RefusalKind::NotFound: return 404;
    case RefusalKind::Invalid: return 422;
    case RefusalKind::Stale: return 409;
    }
    return 422;
}

Reply refusedReply(const ApplyResult& r) { return Reply::error(httpStatusOf(r.refused->kind), qs(r.refused->message)); }

int limitOf(const Call& c, int dflt, int max) {
    bool ok = false;
    const int v = c.query.queryItemValue(QStringLiteral("limit")).toInt(&ok);
    return ok && v > 0 ? std::min(v, max) : dflt;
}

}  // namespace

Master::Master() {
    connect(this, &QAbstractHttpServer::newWebSocketConnection, this, &Master::onWebSocket);
    addRoutes();
}

Master::~Master() {
    for (GridRuntime* g : grids_) delete g;
}

bool Master::open(const QString& dataDir, const QString& fixedAdminCode, QString* adminCode, QString* error) {
    if (!store_.open(dataDir, error)) return false;
    auth_ = std::make_unique<Auth>(store_);
    *adminCode = auth_->load(fixedAdminCode, nowMs());
    for (const QJsonObject& doc : store_.all(QStringLiteral("grid"))) createGrid(doc);
    return true;
}

GridRuntime* Master::createGrid(const QJsonObject& doc) {
    auto* g = new GridRuntime(store_, doc);
    grids_.insert(g->name(), g);
    return g;
}

// ------------------------------------------------------------ HTTP

bool Master::handleRequest(const QHttpServerRequest& request, QTcpSocket* socket) {
    // A WebSocket upgrade is an agent: "handled" without an answer, so Qt's
    // WebSocket handshake takes the socket (onWebSocket checks it).
    if (request.value("Upgrade").compare("websocket", Qt::CaseInsensitive) == 0) return true;
    const Reply r = dispatch(request);
    QHttpServerResponder responder = makeResponder(request, socket);
    const QJsonDocument doc = r.body.isArray() ? QJsonDocument(r.body.toArray()) : QJsonDocument(r.body.toObject());
    responder.write(doc, QHttpServerResponder::StatusCode(r.status));
    return true;
}

void Master::missingHandler(const QHttpServerRequest& request, QTcpSocket* socket) {
    makeResponder(request, socket).write(QJsonDocument(QJsonObject{{QStringLiteral("error"), QStringLiteral("Not found")}}),
                                         QHttpServerResponder::StatusCode::NotFound);
}

Reply Master::dispatch(const QHttpServerRequest& request) {
    const QStringList path = segments(request.url().path());
    const Route* route = nullptr;
    QMap<QString, QString> params;
    bool pathKnown = false;
    for (const Route& r : routes_) {
        QMap<QString, QString> p;
        if (match(r, request.method(), path, &p)) {
            route = &r;
            params = p;
            break;
        }
        for (Method m : {Method::Get, Method::Post, Method::Put, Method::Delete, Method::Patch}) {
            if (match(r, m, path, &p)) pathKnown = true;
        }
    }
    if (!route) return pathKnown ? Reply::error(405, QStringLiteral("Method not allowed")) : Reply::error(404, QStringLiteral("Not found"));
    Call c{request, User{}, params, {}, request.query()};
    if (route->permission != Permission::Public) {
        const QByteArray header = request.value("Authorization");
        if (header.isEmpty()) return Reply::error(401, QStringLiteral("Missing access token"));
        if (!header.startsWith("Bearer ")) return Reply::error(401, QStringLiteral("Invalid access token"));
        auto user = auth_->authenticate(QString::fromLatin1(header.mid(7).trimmed()), nowMs());
        if (!user) return Reply::error(401, QStringLiteral("Invalid or expired access token"));
        c.user = *user;
        if (!auth_->allowed(c.user, route->permission, c.param("grid"))) return Reply::error(403, QStringLiteral("Access denied"));
    }
    const QByteArray body = request.body();
    if (!body.trimmed().isEmpty()) {
        QJsonParseError err;
        const QJsonDocument doc = QJsonDocument::fromJson(body, &err);
        if (err.error != QJsonParseError::NoError || !doc.isObject()) {
            return Reply::error(400, QStringLiteral("The request body is not a JSON object: ") + err.errorString());
        }
        c.body = doc.object();
    }
    if (params.contains(QStringLiteral("grid")) && !grids_.contains(c.param("grid"))) {
        return Reply::error(404, QStringLiteral("Grid %1 not found").arg(c.param("grid")));
    }
    Reply r = route->handler(c);
    qCInfo(lcApi).noquote() << methodText(request.method()) << request.url().path() << r.status << c.user.email;
    return r;
}

void Master::audit(const Call& c, const QString& grid, const QString& type, const QString& id, const QString& name,
                   const QString& event, bool withBody) {
    QJsonObject entry{{QStringLiteral("time"), QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs)},
                      {QStringLiteral("grid"), grid},
                      {QStringLiteral("user_identity"), QJsonObject{{QStringLiteral("id"), c.user.email}, {QStringLiteral("email"), c.user.email}}},
                      {QStringLiteral("resource_type"), type},
                      {QStringLiteral("resource_id"), id},
                      {QStringLiteral("resource_name"), name},
                      {QStringLiteral("event_name"), event},
                      {QStringLiteral("event_status"), QStringLiteral("success")},
                      {QStringLiteral("source_ip"), c.request.remoteAddress().toString()},
                      {QStringLiteral("user_agent"), QString::fromUtf8(c.request.value("User-Agent"))},
                      {QStringLiteral("request_parameters"), paramsJson(c.params)}};
    if (withBody) entry[QStringLiteral("request_body")] = c.body;
    store_.appendAudit(grid, entry);
}

// ------------------------------------------------------------ agents

void Master::onWebSocket() {
    while (hasPendingWebSocketConnections()) {
        std::unique_ptr<QWebSocket> owned = nextPendingWebSocketConnection();
        if (!owned) continue;
        QWebSocket* ws = owned.release();
        protocol::HeaderList headers;
        for (const QByteArray& name : ws->request().rawHeaderList()) headers.append({name, ws->request().rawHeader(name)});
        const protocol::Handshake hs = protocol::fromHeaders(headers);
        auto refuse = [ws](protocol::CloseCode code) {
            qCInfo(lcApi).noquote() << "agent refused:" << protocol::closeReason(code);
            ws->close(QWebSocketProtocol::CloseCode(int(code)), protocol::closeReason(code));
            connect(ws, &QWebSocket::disconnected, ws, &QObject::deleteLater);
        };
        if (hs.nodeId.isEmpty() || hs.nodeName.isEmpty()) {
            refuse(protocol::CloseCode::MissingIdentity);
            continue;
        }
        if (hs.token.isEmpty()) {
            refuse(protocol::CloseCode::MissingToken);
            continue;
        }
        if (hs.tokenKind == protocol::TokenKind::Node) {
            refuse(protocol::CloseCode::InvalidNodeToken);   // node tokens are not issued by this master yet
            continue;
        }
        GridRuntime* target = nullptr;
        for (GridRuntime* g : grids_) {
            if (!g->token().isEmpty() && Auth::digest(g->token()) == Auth::digest(hs.token)) target = g;
        }
        if (!target) {
            refuse(protocol::CloseCode::InvalidGridToken);
            continue;
        }
        target->attachAgent(ws, hs);
    }
}

// ------------------------------------------------------------ routes

void Master::addRoutes() {
    addAuthRoutes();
    addGridRoutes();
    addNodeRoutes();
    addStackRoutes();
    addServiceRoutes();
    addVolumeRoutes();
}

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

void Master::addGridRoutes() {
    routes_.append({Method::Get, QStringLiteral("/v1/grids"), Permission::User, [this](Call& c) {
                        QJsonArray a;
                        for (GridRuntime* g : grids_) {
                            if (auth_->allowed(c.user, Permission::GridMember, g->name())) a.append(g->gridJson());
                        }
                        return Reply{200, QJsonObject{{QStringLiteral("grids"), a}}};
                    }});
    routes_.append({Method::Post, QStringLiteral("/v1/grids"), Permission::MasterAdmin, [this](Call& c) {
                        const QString name = c.body.value(QStringLiteral("name")).toString();
                        if (!validName(name)) return Reply::error(422, QStringLiteral("name must be 1-63 lowercase letters, digits or dashes"));
                        if (grids_.contains(name)) return Reply::error(409, QStringLiteral("Grid %1 exists already").arg(name));
                        const int initial = c.body.value(QStringLiteral("initial_size")).toInt(1);
                        if (initial < 1 || initial > 7) return Reply::error(422, QStringLiteral("initial_size must be 1..7"));
                        const int maxNodes = c.body.value(QStringLiteral("max_nodes")).toInt(254);
                        if (maxNodes < 1 || maxNodes > Grid::kMaxNodesLimit) {
                            return Reply::error(422, QStringLiteral("max_nodes must be 1..%1").arg(Grid::kMaxNodesLimit));
                        }
                        QString token = c.body.value(QStringLiteral("token")).toString();
                        if (token.isEmpty()) token = Auth::randomSecret();
                        QJsonObject doc{{QStringLiteral("name"), name},
                                        {QStringLiteral("initial_size"), initial},
                                        {QStringLiteral("max_nodes"), maxNodes},
                                        {QStringLiteral("token"), token},
                                        {QStringLiteral("created_at"), static_cast<double>(nowMs())},
                                        {QStringLiteral("default_affinity"), c.body.value(QStringLiteral("default_affinity"))},
                                        {QStringLiteral("settings"), c.body.value(QStringLiteral("settings"))}};
                        GridRuntime* g = createGrid(doc);
                        if (!g->save()) return Reply::error(500, QStringLiteral("could not store the grid: ") + store_.lastError());
                        auth_->setGridMember(c.user.email, name, true);
                        QJsonObject body = c.body;
                        body.remove(QStringLiteral("token"));
                        Call audited = c;
                        audited.body = body;
                        audit(audited, name, QStringLiteral("Grid"), name, name, QStringLiteral("create"));
                        return Reply{201, g->gridJson()};
                    }});
    routes_.append({Method::Get, QStringLiteral("/v1/grids/:grid"), Permission::GridMember,
                    [this](Call& c) { return Reply{200, grid(c.param("grid"))->gridJson()}; }});
    routes_.append({Method::Put, QStringLiteral("/v1/grids/:grid"), Permission::GridAdmin, [this](Call& c) {
                        GridRuntime* g = grid(c.param("grid"));
                        QJsonObject s = c.body.value(QStringLiteral("settings")).toObject();
                        if (c.body.contains(QStringLiteral("default_affinity"))) s[QStringLiteral("default_affinity")] = c.body.value(QStringLiteral("default_affinity"));
                        g->setSettings(s);
                        audit(c, g->name(), QStringLiteral("Grid"), g->name(), g->name(), QStringLiteral("update"));
                        return Reply{200, g->gridJson()};
                    }});
    routes_.append({Method::Delete, QStringLiteral("/v1/grids/:grid"), Permission::MasterAdmin, [this](Call& c) {
                        GridRuntime* g = grid(c.param("grid"));
                        for (const auto& [n, node] : g->state().nodes) {
                            if (node.connected) return Reply::error(409, QStringLiteral("Grid has online nodes: remove them first"));
                        }
                        audit(c, g->name(), QStringLiteral("Grid"), g->name(), g->name(), QStringLiteral("delete"));
                        store_.remove(QStringLiteral("grid"), g->name());
                        auth_->forgetGrid(g->name());
                        grids_.remove(g->name());
                        g->deleteLater();
                        return Reply{200, QJsonObject{}};
                    }});
    routes_.append({Method::Get, QStringLiteral("/v1/grids/:grid/token"), Permission::GridAdmin,
                    [this](Call& c) { return Reply{200, QJsonObject{{QStringLiteral("token"), grid(c.param("grid"))->token()}}}; }});
    routes_.append({Method::Get, QStringLiteral("/v1/grids/:grid/users"), Permission::GridMember, [this](Call& c) {
                        QJsonArray a;
                        for (const auto& u : auth_->users()) {
                            if (u.grids.contains(c.param("grid"))) a.append(u.toJson());
                        }
                        return Reply{200, QJsonObject{{QStringLiteral("users"), a}}};
                    }});
    routes_.append({Method::Post, QStringLiteral("/v1/grids/:grid/users"), Permission::GridAdmin, [this](Call& c) {
                        const QString email = c.body.value(QStringLiteral("email")).toString();
                        if (!auth_->setGridMember(email, c.param("grid"), true)) return Reply::error(404, QStringLiteral("User not found"));
                        audit(c, c.param("grid"), QStringLiteral("Grid"), c.param("grid"), c.param("grid"), QStringLiteral("assign user"));
                        return Reply{201, auth_->user(email)->toJson()};
                    }});
    routes_.append({Method::Delete, QStringLiteral("/v1/grids/:grid/users/:email"), Permission::GridAdmin, [this](Call& c) {
                        if (!auth_->setGridMember(c.param("email"), c.param("grid"), false)) return Reply::error(404, QStringLiteral("User not found"));
                        audit(c, c.param("grid"), QStringLiteral("Grid"), c.param("grid"), c.param("grid"), QStringLiteral("unassign user"));
                        return Reply{200, QJsonObject{}};
                    }});
    routes_.append({Method::Get, QStringLiteral("/v1/grids/:grid/nodes"), Permission::GridMember, [this](Call& c) {
                        GridRuntime* g = grid(c.param("grid"));
                        QJsonArray a;
                        std::vector<const Node*> nodes;
                        for (const auto& [n, node] : g->state().nodes) nodes.push_back(&node);
                        std::sort(nodes.begin(), nodes.end(), [](const Node* x, const Node* y) { return x->number < y->number; });
                        for (const Node* n : nodes) a.append(g->nodeJson(*n));
                        return Reply{200, QJsonObject{{QStringLiteral("nodes"), a}}};
                    }});
    routes_.append({Method::Get, QStringLiteral("/v1/grids/:grid/services"), Permission::GridMember, [this](Call& c) {
                        GridRuntime* g = grid(c.param("grid"));
                        const QString stack = c.query.queryItemValue(QStringLiteral("stack"));
                        QJsonArray a;
                        for (const auto& [k, s] : g->state().services) {
                            if (stack.isEmpty() || qs(s.spec.stack) == stack) a.append(g->serviceJson(s));
                        }
                        return Reply{200, QJsonObject{{QStringLiteral("services"), a}}};
                    }});
    routes_.append({Method::Get, QStringLiteral("/v1/grids/:grid/event_logs"), Permission::GridMember, [this](Call& c) {
                        return Reply{200, QJsonObject{{QStringLiteral("logs"), grid(c.param("grid"))->eventLogs(limitOf(c, 100, 10000))}}};
                    }});
    routes_.append({Method::Get, QStringLiteral("/v1/grids/:grid/container_logs"), Permission::GridMember, [this](Call& c) {
                        return Reply{200, QJsonObject{{QStringLiteral("logs"), grid(c.param("grid"))->containerLogs(QString(), limitOf(c, 100, 10000))}}};
                    }});
    routes_.append({Method::Get, QStringLiteral("/v1/grids/:grid/audit_log"), Permission::GridMember, [this](Call& c) {
                        QJsonArray a;
                        for (const auto& e : store_.audit(c.param("grid"), limitOf(c, 500, 3000))) a.append(e);
                        return Reply{200, QJsonObject{{QStringLiteral("logs"), a}}};
                    }});
    // Everything `kontena-sim what-if` needs to rehearse a failure on this grid.
    routes_.append({Method::Get, QStringLiteral("/v1/grids/:grid/state"), Permission::GridMember, [this](Call& c) {
                        GridRuntime* g = grid(c.param("grid"));
                        QJsonArray nodes, stacks;
                        for (const auto& [n, node] : g->state().nodes) nodes.append(g->nodeJson(node));
                        for (const auto& [n, s] : g->state().stacks) stacks.append(g->stackJson(qs(n)));
                        return Reply{200, QJsonObject{{QStringLiteral("grid"), g->gridJson()},
                                                      {QStringLiteral("nodes"), nodes},
                                                      {QStringLiteral("stacks"), stacks}}};
                    }});
}

void Master::addVolumeRoutes() {
    routes_.append({Method::Get, QStringLiteral("/v1/volumes/:grid"), Permission::GridMember, [this](Call& c) {
                        GridRuntime* g = grid(c.param("grid"));
                        QJsonArray a;
                        for (const auto& [n, v] : g->state().volumes) a.append(g->volumeJson(v));
                        return Reply{200, QJsonObject{{QStringLiteral("volumes"), a}}};
                    }});
    routes_.append({Method::Post, QStringLiteral("/v1/volumes/:grid"), Permission::GridMember, [this](Call& c) {
                        GridRuntime* g = grid(c.param("grid"));
                        Volume v;
                        v.name = ss(c.body.value(QStringLiteral("name")).toString());
                        if (!validName(qs(v.name))) return Reply::error(422, QStringLiteral("name must be 1-63 lowercase letters, digits or dashes"));
                        const QString scope = c.body.value(QStringLiteral("scope")).toString(QStringLiteral("instance"));
                        if (scope == QLatin1String("grid")) v.scope = VolumeScope::Grid;
                        else if (scope == QLatin1String("stack")) v.scope = VolumeScope::Stack;
                        else if (scope == QLatin1String("instance")) v.scope = VolumeScope::Instance;
                        else return Reply::error(422, QStringLiteral("scope must be instance, stack or grid"));
                        v.driver = ss(c.body.value(QStringLiteral("driver")).toString(QStringLiteral("local")));
                        const QJsonObject opts = c.body.value(QStringLiteral("driver_opts")).toObject();
                        for (auto it = opts.begin(); it != opts.end(); ++it) v.driverOpts[ss(it.key())] = ss(it.value().toString());
                        auto r = g->apply(ev::VolumeCreate{v});
                        if (r.refused) return refusedReply(r);
                        audit(c, g->name(), QStringLiteral("Volume"), g->name() + QLatin1Char('/') + qs(v.name), qs(v.name), QStringLiteral("create"));
                        return Reply{201, g->volumeJson(g->state().volumes.at(v.name))};
                    }});
    routes_.append({Method::Get, QStringLiteral("/v1/volumes/:grid/:name"), Permission::GridMember, [this](Call& c) {
                        GridRuntime* g = grid(c.param("grid"));
                        auto it = g->state().volumes.find(ss(c.param("name")));
                        if (it == g->state().volumes.end()) return Reply::error(404, QStringLiteral("Volume %1 not found").arg(c.param("name")));
                        return Reply{200, g->volumeJson(it->second)};
                    }});
    routes_.append({Method::Delete, QStringLiteral("/v1/volumes/:grid/:name"), Permission::GridMember, [this](Call& c) {
                        GridRuntime* g = grid(c.param("grid"));
                        if (!g->state().volumes.count(ss(c.param("name")))) return Reply::error(404, QStringLiteral("Volume %1 not found").arg(c.param("name")));
                        auto r = g->apply(ev::VolumeRemove{ss(c.param("name"))});
                        if (r.refused) return refusedReply(r);
                        audit(c, g->name(), QStringLiteral("Volume"), g->name() + QLatin1Char('/') + c.param("name"), c.param("name"), QStringLiteral("delete"));
                        return Reply{200, QJsonObject{}};
                    }});
}

void Master::addNodeRoutes() {
    auto nodeOf = [this](Call& c, GridRuntime** g) -> const Node* {
        *g = grid(c.param("grid"));
        return (*g)->state().node(ss(c.param("node")));
    };
    routes_.append({Method::Get, QStringLiteral("/v1/nodes/:grid/:node"), Permission::GridMember, [nodeOf](Call& c) {
                        GridRuntime* g = nullptr;
                        const Node* n = nodeOf(c, &g);
                        if (!n) return Reply::error(404, QStringLiteral("Node %1 not found").arg(c.param("node")));
                        return Reply{200, g->nodeJson(*n)};
                    }});
    routes_.append({Method::Put, QStringLiteral("/v1/nodes/:grid/:node"), Permission::GridMember, [nodeOf](Call& c) {
                        GridRuntime* g = nullptr;
                        const Node* n = nodeOf(c, &g);
                        if (!n) return Reply::error(404, QStringLiteral("Node %1 not found").arg(c.param("node")));
                        if (c.body.contains(QStringLiteral("availability"))) {
                            const QString a = c.body.value(QStringLiteral("availability")).toString();
                            if (a != QLatin1String("active") && a != QLatin1String("drain")) return Reply::error(422, QStringLiteral("availability must be active or drain"));
                            auto r = g->apply(ev::NodeAvailability{n->name, a == QLatin1String("drain") ? Availability::Drain : Availability::Active});
                            if (r.refused) return refusedReply(r);
                        }
                        if (c.body.contains(QStringLiteral("labels"))) {
                            const Node* now = g->state().node(ss(c.param("node")));
                            ev::NodeLabels e;
                            e.node = now->name;
                            e.remove = now->labels;
                            for (const auto& l : c.body.value(QStringLiteral("labels")).toArray()) e.add.push_back(ss(l.toString()));
                            auto r = g->apply(e);
                            if (r.refused) return refusedReply(r);
                        }
                        return Reply{200, g->nodeJson(*g->state().node(ss(c.param("node"))))};
                    }});
    routes_.append({Method::Delete, QStringLiteral("/v1/nodes/:grid/:node"), Permission::GridMember, [this, nodeOf](Call& c) {
                        GridRuntime* g = nullptr;
                        const Node* n = nodeOf(c, &g);
                        if (!n) return Reply::error(404, QStringLiteral("Node %1 not found").arg(c.param("node")));
                        if (n->connected) return Reply::error(409, QStringLiteral("Node %1 is online: stop its agent first").arg(c.param("node")));
                        const std::string name = n->name;
                        auto r = g->apply(ev::NodeRemove{name});
                        if (r.refused) return refusedReply(r);
                        audit(c, g->name(), QStringLiteral("HostNode"), qs(name), qs(name), QStringLiteral("remove node"));
                        return Reply{200, QJsonObject{}};
                    }});
}

void Master::addStackRoutes() {
    auto install = [this](Call& c, GridRuntime* g, const QString& name, bool update) {
        const QString source = c.body.value(QStringLiteral("source")).toString();
        if (source.isEmpty()) return Reply::error(422, QStringLiteral("source (the rendered stack file) is required"));
        const bool deploy = c.query.queryItemValue(QStringLiteral("deploy")) != QLatin1String("false") &&
                            c.body.value(QStringLiteral("deploy")).toBool(true);
        QString diagnostics;
        ApplyResult r = g->applyStack(name, source, c.body.value(QStringLiteral("variables")).toObject(), deploy, &diagnostics);
        if (!diagnostics.isEmpty()) {
            return Reply{422, QJsonObject{{QStringLiteral("error"), QString(QStringLiteral("the stack file does not validate:\n") + diagnostics.trimmed())}}};
        }
        if (r.refused) return refusedReply(r);
        audit(c, g->name(), QStringLiteral("Stack"), g->name() + QLatin1Char('/') + name, name, update ? QStringLiteral("update") : QStringLiteral("create"));
        QJsonObject o = g->stackJson(name);
        for (const auto& m : r.decision.changes) {
            if (const auto* sd = std::get_if<mut::PutStackDeploy>(&m)) o[QStringLiteral("deploy_id")] = QString::number(sd->deploy.id);
        }
        return Reply{update ? 200 : 201, o};
    };
    routes_.append({Method::Get, QStringLiteral("/v1/grids/:grid/stacks"), Permission::GridMember, [this](Call& c) {
                        GridRuntime* g = grid(c.param("grid"));
                        QJsonArray a;
                        for (const auto& [n, s] : g->state().stacks) a.append(g->stackJson(qs(n)));
                        return Reply{200, QJsonObject{{QStringLiteral("stacks"), a}}};
                    }});
    routes_.append({Method::Post, QStringLiteral("/v1/grids/:grid/stacks"), Permission::GridMember, [this, install](Call& c) {
                        GridRuntime* g = grid(c.param("grid"));
                        const QString name = c.body.value(QStringLiteral("name")).toString();
                        if (!validName(name)) return Reply::error(422, QStringLiteral("name must be 1-63 lowercase letters, digits or dashes"));
                        if (g->state().stacks.count(ss(name))) return Reply::error(409, QStringLiteral("Stack %1 exists already: use upgrade").arg(name));
                        return install(c, g, name, false);
                    }});
    auto stackOr404 = [this](Call& c, GridRuntime** g) {
        *g = grid(c.param("grid"));
        return (*g)->state().stacks.count(ss(c.param("name"))) != 0;
    };
    routes_.append({Method::Get, QStringLiteral("/v1/stacks/:grid/:name"), Permission::GridMember, [stackOr404](Call& c) {
                        GridRuntime* g = nullptr;
                        if (!stackOr404(c, &g)) return Reply::error(404, QStringLiteral("Stack %1 not found").arg(c.param("name")));
                        return Reply{200, g->stackJson(c.param("name"))};
                    }});
    routes_.append({Method::Put, QStringLiteral("/v1/stacks/:grid/:name"), Permission::GridMember, [stackOr404, install](Call& c) {
                        GridRuntime* g = nullptr;
                        if (!stackOr404(c, &g)) return Reply::error(404, QStringLiteral("Stack %1 not found").arg(c.param("name")));
                        return install(c, g, c.param("name"), true);
                    }});
    routes_.append({Method::Delete, QStringLiteral("/v1/stacks/:grid/:name"), Permission::GridMember, [this, stackOr404](Call& c) {
                        GridRuntime* g = nullptr;
                        if (!stackOr404(c, &g)) return Reply::error(404, QStringLiteral("Stack %1 not found").arg(c.param("name")));
                        auto r = g->apply(ev::StackRemove{ss(c.param("name"))});
                        if (r.refused) return refusedReply(r);
                        audit(c, g->name(), QStringLiteral("Stack"), g->name() + QLatin1Char('/') + c.param("name"), c.param("name"), QStringLiteral("delete"));
                        return Reply{200, QJsonObject{}};
                    }});
    for (const char* action : {"deploy", "stop", "restart", "start"}) {
        const QString a = QString::fromLatin1(action);
        routes_.append({Method::Post, QStringLiteral("/v1/stacks/:grid/:name/") + a, Permission::GridMember, [this, stackOr404, a](Call& c) {
                            GridRuntime* g = nullptr;
                            if (!stackOr404(c, &g)) return Reply::error(404, QStringLiteral("Stack %1 not found").arg(c.param("name")));
                            const std::string stack = ss(c.param("name"));
                            ApplyResult r;
                            if (a == QLatin1String("deploy")) {
                                r = g->apply(ev::StackDeploy{stack});
                            } else {
                                for (const auto& key : g->state().stacks.at(stack).services) {
                                    if (a == QLatin1String("stop")) r = g->apply(ev::ServiceStop{key});
                                    else if (a == QLatin1String("start")) r = g->apply(ev::ServiceStart{key});
                                    else r = g->apply(ev::ServiceRestart{key});
                                    if (r.refused) break;
                                }
                            }
                            if (r.refused) return refusedReply(r);
                            audit(c, g->name(), QStringLiteral("Stack"), g->name() + QLatin1Char('/') + c.param("name"), c.param("name"), a);
                            QJsonObject o{{QStringLiteral("stack_id"), QString(g->name() + QLatin1Char('/') + c.param("name"))}};
                            for (const auto& m : r.decision.changes) {
                                if (const auto* sd = std::get_if<mut::PutStackDeploy>(&m)) o[QStringLiteral("id")] = QString::number(sd->deploy.id);
                            }
                            return Reply{200, o};
                        }});
    }
    routes_.append({Method::Get, QStringLiteral("/v1/stacks/:grid/:name/deploys/:id"), Permission::GridMember, [stackOr404](Call& c) {
                        GridRuntime* g = nullptr;
                        if (!stackOr404(c, &g)) return Reply::error(404, QStringLiteral("Stack %1 not found").arg(c.param("name")));
                        auto it = g->state().stackDeploys.find(c.param("id").toLongLong());
                        if (it == g->state().stackDeploys.end() || qs(it->second.stack) != c.param("name")) return Reply::error(404, QStringLiteral("Deploy not found"));
                        const auto& sd = it->second;
                        static const char* names[] = {"created", "ongoing", "success", "error"};
                        QJsonArray deploys;
                        for (const auto& [id, d] : g->state().deploys) {
                            if (d.stackDeploy == sd.id) deploys.append(g->deployJson(d));
                        }
                        return Reply{200, QJsonObject{{QStringLiteral("id"), QString::number(sd.id)},
                                                      {QStringLiteral("stack_id"), QString(g->name() + QLatin1Char('/') + c.param("name"))},
                                                      {QStringLiteral("state"), QString::fromLatin1(names[static_cast<int>(sd.state)])},
                                                      {QStringLiteral("error"), qs(sd.error)},
                                                      {QStringLiteral("service_deploys"), deploys}}};
                    }});
}

const Service* Master::serviceOf(const Call& c, GridRuntime** g, Reply* error) const {
    *g = grid(c.param("grid"));
    const Service* s = (*g)->state().service(ss(c.param("stack")) + "/" + ss(c.param("service")));
    if (!s) *error = Reply::error(404, QStringLiteral("Service %1/%2 not found").arg(c.param("stack"), c.param("service")));
    return s;
}

void Master::addServiceRoutes() {
    const QString base = QStringLiteral("/v1/services/:grid/:stack/:service");
    routes_.append({Method::Get, base, Permission::GridMember, [this](Call& c) {
                        GridRuntime* g = nullptr;
                        Reply e;
                        const Service* s = serviceOf(c, &g, &e);
                        return s ? Reply{200, g->serviceJson(*s)} : e;
                    }});
    for (const QString& path : {QStringLiteral("/instances"), QStringLiteral("/containers")}) {
        routes_.append({Method::Get, base + path, Permission::GridMember, [this, path](Call& c) {
                            GridRuntime* g = nullptr;
                            Reply e;
                            const Service* s = serviceOf(c, &g, &e);
                            if (!s) return e;
                            return Reply{200, QJsonObject{{path.mid(1), g->instancesJson(qs(s->spec.key()))}}};
                        }});
    }
    routes_.append({Method::Get, base + QStringLiteral("/container_logs"), Permission::GridMember, [this](Call& c) {
                        GridRuntime* g = nullptr;
                        Reply e;
                        const Service* s = serviceOf(c, &g, &e);
                        if (!s) return e;
                        return Reply{200, QJsonObject{{QStringLiteral("logs"), g->containerLogs(qs(s->spec.key()), limitOf(c, 100, 10000))}}};
                    }});
    routes_.append({Method::Get, base + QStringLiteral("/deploys/:id"), Permission::GridMember, [this](Call& c) {
                        GridRuntime* g = nullptr;
                        Reply e;
                        const Service* s = serviceOf(c, &g, &e);
                        if (!s) return e;
                        auto it = g->state().deploys.find(c.param("id").toLongLong());
                        if (it == g->state().deploys.end() || it->second.service != s->spec.key()) return Reply::error(404, QStringLiteral("Deploy not found"));
                        return Reply{200, g->deployJson(it->second)};
                    }});
    routes_.append({Method::Delete, base, Permission::GridMember, [](Call&) {
                        return Reply::error(422, QStringLiteral("Remove the service from its stack file and upgrade the stack, or remove the stack"));
                    }});
    for (const char* action : {"deploy", "scale", "restart", "stop", "start"}) {
        const QString a = QString::fromLatin1(action);
        routes_.append({Method::Post, base + QLatin1Char('/') + a, Permission::GridMember, [this, a](Call& c) {
                            GridRuntime* g = nullptr;
                            Reply e;
                            const Service* s = serviceOf(c, &g, &e);
                            if (!s) return e;
                            const std::string key = s->spec.key();
                            ApplyResult r;
                            if (a == QLatin1String("scale")) {
                                const QJsonValue n = c.body.value(QStringLiteral("instances"));
                                if (!n.isDouble() || n.toDouble() < 0 || n.toDouble() != std::floor(n.toDouble())) {
                                    return Reply::error(422, QStringLiteral("instances must be a whole number >= 0"));
                                }
                                r = g->apply(ev::ServiceScale{key, n.toInt()});
                            } else if (a == QLatin1String("deploy")) {
                                r = g->apply(ev::ServiceDeploy{key, c.body.value(QStringLiteral("force")).toBool()});
                            } else if (a == QLatin1String("restart")) {
                                r = g->apply(ev::ServiceRestart{key});
                            } else if (a == QLatin1String("stop")) {
                                r = g->apply(ev::ServiceStop{key});
                            } else {
                                r = g->apply(ev::ServiceStart{key});
                            }
                            if (r.refused) return refusedReply(r);
                            audit(c, g->name(), QStringLiteral("GridService"), g->name() + QLatin1Char('/') + qs(key), qs(s->spec.name), a);
                            QJsonObject o{{QStringLiteral("service_id"), QString(g->name() + QLatin1Char('/') + qs(key))}};
                            for (const auto& m : r.decision.changes) {
                                if (const auto* d = std::get_if<mut::PutDeploy>(&m)) o = g->deployJson(d->deploy);
                            }
                            return Reply{200, o};
                        }});
    }
}

}  // namespace kontena::master
