#include "master/api_server.h"

#include <QDateTime>
#include <QHttpServerResponder>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLoggingCategory>
#include <QTcpSocket>
#include <QWebSocket>

#include "protocol/handshake.h"

Q_LOGGING_CATEGORY(lcApi, "kontena.master.api")

namespace kontena::master {

using Method = QHttpServerRequest::Method;

qint64 nowMs() { return QDateTime::currentMSecsSinceEpoch(); }

Master::Master() {
    connect(this, &QAbstractHttpServer::newWebSocketConnection, this, &Master::onWebSocket);
    addAuthRoutes();
    addGridRoutes();
    addGridReadRoutes();
    addNodeRoutes();
    addStackRoutes();
    addStackActionRoutes();
    addServiceRoutes();
    addServiceActionRoutes();
    addVolumeRoutes();
    addVaultRoutes();
    addCertificateRoutes();
    addRegistryRoutes();
    addStatsRoutes();
    addSocketRoutes();
    addConfigRoutes();
    addClusterRoutes();
}

Master::~Master() {
    for (GridRuntime* g : grids_) delete g;
}

void Master::add(Method method, const QString& pattern, Permission permission, std::function<Reply(Call&)> handler) {
    routes_.append(Route{method, pattern, permission, std::move(handler)});
}

bool Master::open(const QString& dataDir, const QString& fixedAdminCode, QString* adminCode, QString* error) {
    if (!store_.open(storeTarget_.isEmpty() ? dataDir : storeTarget_, error)) return false;
    // Several masters: the containers' logs in the shared store, so a grid's next leader has them.
    if (!(store_.postgres() ? logs_.openShared(store_.database().connectionName(), error) : logs_.open(dataDir, error))) return false;
    logRetention_.setInterval(std::chrono::minutes(10));
    QObject::connect(&logRetention_, &QTimer::timeout, &logRetention_, [this] {
        if (const auto dropped = logs_.enforce(LogRetention{}, nowMs()); dropped > 0) qInfo("logs: %lld old lines dropped", qlonglong(dropped));
    });
    logRetention_.start();
    auth_ = std::make_unique<Auth>(store_);
    *adminCode = auth_->load(fixedAdminCode, nowMs());
    // Grids stored as rows; then grids still in an old single document,
    // which their first save (here) migrates to rows in one transaction.
    const auto rows = store_.gridRows();
    // Several masters: every grid starts as a follower's copy; the lease decides (openCluster).
    for (const auto& [grid, gridRows] : rows) createGrid(gridDocumentFromRows(gridRows), !clusterOptions_);
    for (const QJsonObject& doc : store_.all(QStringLiteral("grid"))) {
        const QString name = doc.value(QStringLiteral("name")).toString();
        if (rows.count(name) != 0) {   // both: the rows are newer (a migration that committed)
            store_.remove(QStringLiteral("grid"), name);
            continue;
        }
        if (!createGrid(doc)->save()) qWarning("grid %s: could not migrate to rows: %s", qPrintable(name), qPrintable(store_.lastError()));
    }
    if (!vault_.open(std::move(vaultKeys_), grids_.keys(), error)) return false;
    if (!config_.open(vault_.keyring(), error)) return false;   // its secret values are sealed with the vault's key
    return !clusterOptions_ || openCluster(error);
}

GridRuntime* Master::createGrid(const QJsonObject& doc, bool lead) {
    auto* g = new GridRuntime(store_, doc, nullptr, lead);
    grids_.insert(g->name(), g);
    const QString grid = g->name();
    if (logs_.isOpen()) g->logs().setStore(&logs_, grid, lead);   // a follower's copy serves no events (its reads go to the leader)
    if (lead) g->resumeForwarding();   // a follower's copy forwards nothing: its leader does
    GridVault v;
    v.exists = [this, grid](const QString& name) { return vault_.configured() && vault_.find(grid, name).has_value(); };
    v.read = [this, grid](const QString& name) -> std::optional<Result<QByteArray>> {
        if (!vault_.configured()) return std::nullopt;
        return vault_.read(grid, name);
    };
    v.certificate = [this, grid](const QString& subject) -> std::optional<Result<QByteArray>> {
        if (!vault_.configured()) return std::nullopt;
        return vault_.certificateBundle(grid, subject);
    };
    v.registryAuth = [this, grid](const QString& host) -> std::optional<QByteArray> {
        if (!vault_.configured()) return std::nullopt;
        const auto auth = vault_.registryAuth(grid, host);
        if (!auth || !*auth) return std::nullopt;   // none, or a record that does not open (the pull then goes without)
        return auth->value();
    };
    g->setVault(std::move(v));
    vault_.ensureCanary(g->name());
    return g;
}

GridRuntime* Master::gridOfToken(const QString& token) const {
    if (token.isEmpty()) return nullptr;
    const QString digest = Auth::digest(token);   // once per handshake, not per grid
    GridRuntime* target = nullptr;
    for (GridRuntime* g : grids_) {
        if (!g->tokenDigest().isEmpty() && g->tokenDigest() == digest) target = g;
    }
    return target;
}

void Master::forgetGrid(GridRuntime* g) {
    g->forgetStored();
    store_.removeGrid(g->name());
    if (cluster_) cluster_->release(g->name());
    auth_->forgetGrid(g->name());
    vault_.forgetGrid(g->name());
    grids_.remove(g->name());
    g->deleteLater();
}

// ------------------------------------------------------------ HTTP

bool Master::handleRequest(const QHttpServerRequest& request, QTcpSocket* socket) {
    // A WebSocket upgrade is an agent: "handled" without an answer, so Qt's
    // WebSocket handshake takes the socket (onWebSocket checks it).
    if (request.value("Upgrade").compare("websocket", Qt::CaseInsensitive) == 0) {
        socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
        return true;
    }
    const Reply r = dispatch(request);
    QHttpServerResponder responder = makeResponder(request, socket);
    const QJsonDocument doc = r.body.isArray() ? QJsonDocument(r.body.toArray()) : QJsonDocument(r.body.toObject());
    if (!r.location.isEmpty()) responder.write(doc, {{"Location", r.location}}, QHttpServerResponder::StatusCode(r.status));
    else responder.write(doc, QHttpServerResponder::StatusCode(r.status));
    return true;
}

void Master::missingHandler(const QHttpServerRequest& request, QTcpSocket* socket) {
    makeResponder(request, socket).write(QJsonDocument(api::errorJson(QStringLiteral("Not found"))), QHttpServerResponder::StatusCode::NotFound);
}

Reply Master::dispatch(const QHttpServerRequest& request) {
    const QStringList path = pathSegments(request.url().path());
    const Route* route = nullptr;
    QMap<QString, QString> params;
    bool pathKnown = false;
    for (const Route& r : routes_) {
        QMap<QString, QString> p;
        if (matchRoute(r, request.method(), path, &p)) {
            route = &r;
            params = p;
            break;
        }
        for (Method m : {Method::Get, Method::Post, Method::Put, Method::Delete, Method::Patch}) pathKnown = pathKnown || matchRoute(r, m, path, &p);
    }
    if (!route) return pathKnown ? Reply::error(405, QStringLiteral("Method not allowed")) : Reply::error(404, QStringLiteral("Not found"));
    Call c{request, User{}, params, {}, request.query()};
    if (auto refused = authorise(request, *route, c)) return *refused;
    const QByteArray body = request.body();
    if (!body.trimmed().isEmpty()) {
        QJsonParseError err;
        const QJsonDocument doc = QJsonDocument::fromJson(body, &err);
        if (err.error != QJsonParseError::NoError || !doc.isObject()) {
            return Reply::error(400, QStringLiteral("The request body is not a JSON object: ") + err.errorString());
        }
        c.body = doc.object();
    }
    const QString grid = c.param("grid");
    // Several masters: a grid another master created moments ago may not be read here yet.
    if (cluster_ && params.contains(QStringLiteral("grid")) && !grids_.contains(grid)) cluster_->poll();
    if (params.contains(QStringLiteral("grid")) && !grids_.contains(grid)) {
        return Reply::error(404, QStringLiteral("Grid %1 not found").arg(grid));
    }
    const bool write = request.method() != Method::Get && params.contains(QStringLiteral("grid"));
    if (cluster_ && (write || (params.contains(QStringLiteral("grid")) && answeredByLeaderOnly(route->pattern)))) {
        if (auto redirect = notLeader(request, grid)) return *redirect;
    }
    Reply r = route->handler(c);
    if (write && cluster_ && !cluster_->leads(grid)) {   // deposed while writing: the fence refused the write
        r = Reply::error(503, QStringLiteral("This master lost the lease of grid %1 while writing; the change was not stored. Retry at the leader").arg(grid));
    }
    qCInfo(lcApi).noquote() << methodText(request.method()) << request.url().path() << r.status << c.user.email;
    return r;
}

// The token and the route's permission; an error reply when refused.
std::optional<Reply> Master::authorise(const QHttpServerRequest& request, const Route& route, Call& c) {
    if (route.permission == Permission::Public) return std::nullopt;
    const QByteArray header = request.value("Authorization");
    if (header.isEmpty()) return Reply::error(401, QStringLiteral("Missing access token"));
    if (!header.startsWith("Bearer ")) return Reply::error(401, QStringLiteral("Invalid access token"));
    auto user = auth_ ? auth_->authenticate(QString::fromLatin1(header.mid(7).trimmed()), nowMs()) : std::nullopt;
    if (!user && cluster_) {   // several masters: another may have issued it
        auth_->reload();
        user = auth_->authenticate(QString::fromLatin1(header.mid(7).trimmed()), nowMs());
    }
    if (!user) return Reply::error(401, QStringLiteral("Invalid or expired access token"));
    c.user = *user;
    if (!auth_->allowed(c.user, route.permission, c.param("grid"))) return Reply::error(403, QStringLiteral("Access denied"));
    return std::nullopt;
}

void Master::audit(const Call& c, const QString& grid, const QString& type, const QString& id, const QString& name,
                   const QString& event, bool withBody) {
    QJsonObject params;
    for (auto it = c.params.begin(); it != c.params.end(); ++it) params.insert(it.key(), it.value());
    const AuditSource from{c.user.email, c.request.remoteAddress().toString(), QString::fromUtf8(c.request.value("User-Agent")), params};
    audit(from, grid, type, id, name, event, withBody ? std::optional<QJsonObject>(c.body) : std::nullopt);
}

void Master::audit(const AuditSource& from, const QString& grid, const QString& type, const QString& id, const QString& name,
                   const QString& event, const std::optional<QJsonObject>& body) {
    api::AuditEntry e;
    e.time = QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs);
    e.grid = grid;
    e.userIdentity.id = e.userIdentity.email = from.email;
    e.resourceType = type;
    e.resourceId = id;
    e.resourceName = name;
    e.eventName = event;
    e.eventStatus = QStringLiteral("success");
    e.sourceIp = from.sourceIp;
    e.userAgent = from.userAgent;
    e.requestParameters = from.params;
    if (body) e.requestBody = *body;
    else e.leaveOut({"request_body"});
    store_.appendAudit(grid, e.toJson());
}

api::AuditLog Master::auditLog(const QString& grid, int limit) const {
    api::AuditLog log;
    for (const QJsonObject& stored : store_.audit(grid, limit)) {
        auto entry = api::AuditEntry::fromJson(stored);
        if (entry) log.logs.append(std::move(entry).value());
        else qCWarning(lcApi).noquote() << "an audit entry does not read:" << entry.error().message;
    }
    return log;
}

// ------------------------------------------------------------ agents

void Master::onWebSocket() {
    while (hasPendingWebSocketConnections()) {
        std::unique_ptr<QWebSocket> owned = nextPendingWebSocketConnection();
        if (!owned) continue;
        QWebSocket* ws = owned.release();
        if (ws->requestUrl().path().startsWith(QLatin1String("/v1/"))) {   // a user's stream, not an agent
            onUserSocket(ws);
            continue;
        }
        protocol::HeaderList headers;
        for (const QByteArray& name : ws->request().rawHeaderList()) headers.append({name, ws->request().rawHeader(name)});
        const protocol::Handshake hs = protocol::fromHeaders(headers);
        auto refuse = [ws](protocol::CloseCode code) {
            qCInfo(lcApi).noquote() << "agent refused:" << protocol::closeReason(code);
            ws->close(QWebSocketProtocol::CloseCode(int(code)), protocol::closeReason(code));
            connect(ws, &QWebSocket::disconnected, ws, &QObject::deleteLater);
        };
        GridRuntime* target = gridOfToken(hs.token);
        if (!target && cluster_ && !hs.token.isEmpty()) {   // a grid another master created moments ago
            cluster_->poll();
            target = gridOfToken(hs.token);
        }
        if (hs.nodeId.isEmpty() || hs.nodeName.isEmpty()) refuse(protocol::CloseCode::MissingIdentity);
        else if (hs.token.isEmpty()) refuse(protocol::CloseCode::MissingToken);
        else if (hs.tokenKind == protocol::TokenKind::Node) refuse(protocol::CloseCode::InvalidNodeToken);   // not issued by this master yet
        else if (!target) refuse(protocol::CloseCode::InvalidGridToken);
        else if (!refuseAgentAsFollower(ws, target->name())) target->attachAgent(ws, hs);
    }
}

}  // namespace kontena::master
