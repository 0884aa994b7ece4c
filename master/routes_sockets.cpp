// The WebSocket routes for users (API.md "Streams"): a user's socket is
// matched and authorised like a REST call (same token, same permission
// table) before anything runs; a refusal closes it with 4400/4401/4403/4404
// and the reason.
#include <QLoggingCategory>

#include "master/api_server.h"
#include "master/user_sockets.h"

Q_DECLARE_LOGGING_CATEGORY(lcApi)

namespace kontena::master {

using Method = QHttpServerRequest::Method;

namespace {

qint64 socketNowMs() { return QDateTime::currentMSecsSinceEpoch(); }

bool truthy(const QUrlQuery& q, const char* name) {
    const QString v = q.queryItemValue(QString::fromLatin1(name));
    return v == QLatin1String("true") || v == QLatin1String("1");
}

}  // namespace

void Master::refuseSocket(QWebSocket* ws, int code, const QString& reason) {
    qCInfo(lcApi).noquote() << "stream refused:" << ws->requestUrl().path() << code << reason;
    ws->close(QWebSocketProtocol::CloseCode(code), reason.left(120));   // a close reason is at most 123 bytes
    connect(ws, &QWebSocket::disconnected, ws, &QObject::deleteLater);
}

void Master::onUserSocket(QWebSocket* ws) {
    const QStringList path = pathSegments(ws->requestUrl().path());
    for (const SocketRoute& r : std::as_const(socketRoutes_)) {
        QMap<QString, QString> params;
        if (!matchRoute(Route{Method::Get, r.pattern, r.permission, {}}, Method::Get, path, &params)) continue;
        const QByteArray header = ws->request().rawHeader("Authorization");
        if (!header.startsWith("Bearer ")) return refuseSocket(ws, 4401, QStringLiteral("Missing access token"));
        auto user = auth_ ? auth_->authenticate(QString::fromLatin1(header.mid(7).trimmed()), socketNowMs()) : std::nullopt;
        if (!user) return refuseSocket(ws, 4401, QStringLiteral("Invalid or expired access token"));
        const QString gridName = params.value(QStringLiteral("grid"));
        if (!auth_->allowed(*user, r.permission, gridName)) return refuseSocket(ws, 4403, QStringLiteral("Access denied"));
        if (!gridName.isEmpty() && !grids_.contains(gridName)) return refuseSocket(ws, 4404, QStringLiteral("Grid %1 not found").arg(gridName));
        if (refuseStreamAsFollower(ws, gridName)) return;   // exec and followed logs need the leader's agents and logs
        qCInfo(lcApi).noquote() << "stream" << ws->requestUrl().path() << user->email;
        return r.open(ws, *user, params, QUrlQuery(ws->requestUrl()));
    }
    refuseSocket(ws, 4404, QStringLiteral("Not found"));
}

void Master::addSocketRoutes() {
    // exec: `kontena service exec` / `container exec` (audited, never the command's input or output).
    socketRoutes_.append({QStringLiteral("/v1/containers/:grid/:node/:name/exec"), Permission::GridMember,
                          [this](QWebSocket* ws, const User& user, const QMap<QString, QString>& p, const QUrlQuery& q) {
                              GridRuntime* g = grid(p.value(QStringLiteral("grid")));
                              const QString node = p.value(QStringLiteral("node")), name = p.value(QStringLiteral("name"));
                              if (!g->runsOn(name, node)) return refuseSocket(ws, 4404, QStringLiteral("Container %1 not found on node %2").arg(name, node));
                              const bool interactive = truthy(q, "interactive"), tty = truthy(q, "tty");
                              QJsonObject params{{QStringLiteral("grid"), g->name()}, {QStringLiteral("node"), node}, {QStringLiteral("name"), name}};
                              audit(AuditSource{user.email, ws->peerAddress().toString(), QString::fromUtf8(ws->request().rawHeader("User-Agent")), params},
                                    g->name(), QStringLiteral("Container"), node + u'/' + name, name,
                                    interactive ? QStringLiteral("exec_interactive") : QStringLiteral("exec"), std::nullopt);
                              new ExecRelay(ws, g, node, name, interactive, tty);
                          }});
    // Followed logs: the same path and filters as the REST container_logs routes.
    const auto follow = [this](const char* pattern, bool byStack, bool byService) {
        socketRoutes_.append({QString::fromLatin1(pattern), Permission::GridMember,
                              [this, byStack, byService](QWebSocket* ws, const User&, const QMap<QString, QString>& p, const QUrlQuery& q) {
                                  GridRuntime* g = grid(p.value(QStringLiteral("grid")));
                                  auto parsed = logQueryOf(q);
                                  if (auto* bad = std::get_if<Reply>(&parsed))
                                      return refuseSocket(ws, 4400, bad->body.toObject().value(QStringLiteral("error")).toString());
                                  LogQuery query = std::get<LogQuery>(parsed);
                                  query.grid = g->name();
                                  const QString stack = p.value(byService ? QStringLiteral("stack") : QStringLiteral("name")), service = p.value(QStringLiteral("service"));
                                  if (byService && !g->state().service(serviceKey(stack.toStdString(), service.toStdString())))
                                      return refuseSocket(ws, 4404, QStringLiteral("Service %1/%2 not found").arg(stack, service));
                                  if (byStack && !byService && stack != QLatin1String("null") && !g->state().stacks.count(stack.toStdString()))
                                      return refuseSocket(ws, 4404, QStringLiteral("Stack %1 not found").arg(stack));
                                  if (byStack) query.stack = stack;
                                  if (byService) query.service = service;
                                  new LogFollower(ws, g, query);
                              }});
    };
    follow("/v1/grids/:grid/container_logs", false, false);
    follow("/v1/stacks/:grid/:name/container_logs", true, false);
    follow("/v1/services/:grid/:stack/:service/container_logs", true, true);
}

}  // namespace kontena::master
