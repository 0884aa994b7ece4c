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

#include "master/auth.h"

namespace kontena::master {

struct Reply {
    int status = 200;
    QJsonValue body;
    static Reply error(int status, const QString& message) {
        return Reply{status, QJsonObject{{QStringLiteral("error"), message}}};
    }
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

// A grid, stack or volume name: 1-63 lowercase letters, digits or dashes, not starting with a dash.
bool validName(const QString& n);
// The `limit` query parameter: `dflt` when absent or not positive, at most `max`.
int limitOf(const Call& c, int dflt, int max);

}  // namespace kontena::master
