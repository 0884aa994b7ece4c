#pragma once
// The REST API's route table: what one route is (method, pattern,
// permission, handler), what a handler gets (Call) and gives back (Reply),
// and the small parsing helpers handlers share. Handlers only parse,
// authorise (the table's permission, checked before they run), call the
// grid and shape the reply (api_json.h).

#include <QHttpServerRequest>
#include <QJsonObject>
#include <QJsonValue>
#include <QMap>
#include <QStringList>
#include <QUrlQuery>

#include <functional>
#include <optional>
#include <variant>

#include "api/errors.h"
#include "master/auth.h"
#include "master/log_store.h"

namespace kontena::master {

struct Reply {
    int status = 200;
    QJsonValue body;
    QByteArray location{};   // a redirect's Location header (a follower sends writes to the leader)
    // {"error": message} (api::ErrorBody).
    static Reply error(int status, const QString& message) { return Reply{status, api::errorJson(message)}; }
    // A resource or listing of the API model (api/).
    template <class T>
    static Reply of(const T& resource, int status = 200) {
        return Reply{status, resource.toJson()};
    }
    static Reply done() { return Reply{200, QJsonObject{}}; }   // 200 {}: removed, unassigned
};

struct Call {
    const QHttpServerRequest& request;
    User user;
    QMap<QString, QString> params;   // :name segments of the path
    QJsonObject body;
    QUrlQuery query;
    QString param(const char* name) const { return params.value(QString::fromLatin1(name)); }
};

struct Route {
    QHttpServerRequest::Method method;
    QString pattern;                 // "/v1/grids/:grid/nodes"
    Permission permission;
    std::function<Reply(Call&)> handler;
};

// "GET", "POST", "PUT", "DELETE", "PATCH"; "OTHER" for the rest.
QString methodText(QHttpServerRequest::Method m);
// Path segments: "/v1/grids/a" -> [v1, grids, a].
QStringList pathSegments(const QString& path);
// Whether `r` serves (m, path); fills `params` with its :name segments when it does.
bool matchRoute(const Route& r, QHttpServerRequest::Method m, const QStringList& path, QMap<QString, QString>* params);

// The request body as the API model's request struct `T` (api/), or a 400
// reply whose message names the field ("instances: expected an integer, got
// a string"). Fields the body lacks keep T's defaults and are listed in
// `absent`.
template <class T>
std::optional<Reply> readBody(const Call& c, T* out) {
    auto decoded = T::fromJson(c.body);
    if (!decoded) return Reply::error(400, decoded.error().message);
    *out = std::move(decoded).value();
    return std::nullopt;
}

// Whether a decoded request lacked `key` (the client did not send it).
template <class T>
bool lacks(const T& request, const char* key) {
    return request.absent.contains(QLatin1String(key));
}

// A grid, stack or volume name: 1-63 lowercase letters, digits or dashes, not starting with a dash.
bool validName(const QString& n);
// The `limit` query parameter: `dflt` when absent or not positive, at most `max`.
int limitOf(const Call& c, int dflt, int max);
int limitOf(const QUrlQuery& query, int dflt, int max);
// The filters of a container_logs request: `limit` (100, at most 10,000),
// `since` (ISO 8601 time), `instance` (number), `after` (a line id: follow).
// A malformed one is a 400 naming it.
std::variant<LogQuery, Reply> logQueryOf(const Call& c);
std::variant<LogQuery, Reply> logQueryOf(const QUrlQuery& query);

}  // namespace kontena::master
