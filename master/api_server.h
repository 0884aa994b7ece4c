#pragma once
// The master's front door: one port for the REST API (Qt HTTP server: Qt
// parses HTTP, we route) and for agents' WebSockets (the same port, like
// Kontena: ws://master:9292). Every REST route is declared once in the
// route table with the permission it needs; handleRequest checks the token
// and the permission before any handler runs, so a route cannot forget it.

#include <QAbstractHttpServer>
#include <QHttpServerRequest>
#include <QJsonObject>
#include <QJsonValue>
#include <QMap>
#include <QUrlQuery>

#include <functional>
#include <memory>

#include "master/auth.h"
#include "master/grid_runtime.h"
#include "master/store.h"

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

class Master : public QAbstractHttpServer {
    Q_OBJECT
public:
    Master();
    ~Master() override;

    // Opens the store, loads users and grids. The initial admin code to
    // print (first start only) goes to `adminCode`.
    bool open(const QString& dataDir, const QString& fixedAdminCode, QString* adminCode, QString* error);

    const QList<Route>& routes() const { return routes_; }
    GridRuntime* grid(const QString& name) const { return grids_.value(name, nullptr); }

protected:
    bool handleRequest(const QHttpServerRequest& request, QTcpSocket* socket) override;
    void missingHandler(const QHttpServerRequest& request, QTcpSocket* socket) override;

private:
    void addRoutes();
    void addAuthRoutes();
    void addGridRoutes();
    void addNodeRoutes();
    void addStackRoutes();
    void addServiceRoutes();
    void addVolumeRoutes();
    void onWebSocket();
    Reply dispatch(const QHttpServerRequest& request);
    void audit(const Call& c, const QString& grid, const QString& type, const QString& id, const QString& name,
               const QString& event, bool withBody = true);
    GridRuntime* createGrid(const QJsonObject& doc);
    const Service* serviceOf(const Call& c, GridRuntime** grid, Reply* error) const;

    Store store_;
    std::unique_ptr<Auth> auth_;
    QMap<QString, GridRuntime*> grids_;
    QList<Route> routes_;
};

qint64 nowMs();

}  // namespace kontena::master
