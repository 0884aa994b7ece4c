#pragma once
// The master's front door: one port for the REST API (Qt HTTP server: Qt
// parses HTTP, we route) and for agents' WebSockets (the same port, like
// Kontena: ws://master:9292). Every REST route is declared once in the
// route table (route.h; one routes_*.cpp per resource) with the permission
// it needs; handleRequest checks the token and the permission before any
// handler runs, so a route cannot forget it.

#include <QAbstractHttpServer>
#include <QHttpServerRequest>
#include <QList>
#include <QMap>
#include <QTimer>
#include <QWebSocket>

#include <memory>

#include "api/stack.h"
#include "api/user.h"
#include "master/auth.h"
#include "master/cluster_lease.h"
#include "master/config_store.h"
#include "master/grid_runtime.h"
#include "master/route.h"
#include "master/store.h"
#include "master/vault_store.h"

namespace kontena::master {

class Master : public QAbstractHttpServer {
    Q_OBJECT
public:
    Master();   // the route table is complete once constructed (no open() needed)
    ~Master() override;

    // Opens the store, loads users and grids. The initial admin code to
    // print (first start only) goes to `adminCode`.
    // With a vault key set (setVaultKeys), also opens the vault: false when
    // the key does not open a grid's canary (the error names the grid).
    bool open(const QString& dataDir, const QString& fixedAdminCode, QString* adminCode, QString* error);
    // Where the store is (before open()): a directory (SQLite, the default:
    // `dataDir`) or a postgresql:// URL (Store::open).
    void setStoreTarget(const QString& target) { storeTarget_ = target; }
    // Several masters on a PostgreSQL store (before open()): one leader per
    // grid by lease (cluster_lease.h); followers answer reads, redirect
    // writes (307 to the leader) and refuse agents naming the leader.
    void setCluster(ClusterLease::Options options) { clusterOptions_ = std::move(options); }
    ClusterLease* cluster() const { return cluster_.get(); }
    // The vault's master key (before open()); without one every vault route answers 503.
    void setVaultKeys(std::unique_ptr<vault::Keyring> keys) { vaultKeys_ = std::move(keys); }

    // Every REST route, in matching order (tests walk it; API.md documents it).
    const QList<Route>& routes() const { return routes_; }
    // The WebSocket routes for users (API.md "Streams").
    struct SocketRoute {
        QString pattern;
        Permission permission;
        std::function<void(QWebSocket*, const User&, const QMap<QString, QString>& params, const QUrlQuery& query)> open;
    };
    const QList<SocketRoute>& socketRoutes() const { return socketRoutes_; }
    GridRuntime* grid(const QString& name) const { return grids_.value(name, nullptr); }

protected:
    bool handleRequest(const QHttpServerRequest& request, QTcpSocket* socket) override;
    void missingHandler(const QHttpServerRequest& request, QTcpSocket* socket) override;

private:
    // One per routes_*.cpp file.
    void addAuthRoutes();
    void addUserRoutes();
    void addGridRoutes();
    void addGridMemberRoutes();
    void addGridReadRoutes();
    void addNodeRoutes();
    void addStackRoutes();
    void addStackActionRoutes();
    void addServiceRoutes();
    void addServiceActionRoutes();
    void addVolumeRoutes();
    void addVaultRoutes();
    void addCertificateRoutes();
    void addRegistryRoutes();
    void addStatsRoutes();    // routes_stats.cpp
    void addSocketRoutes();   // routes_sockets.cpp
    void addConfigRoutes();   // routes_config.cpp: the master configuration
    void addClusterRoutes();  // master_cluster.cpp: a grid's leader
    void auditConfig(const Call& c, const QJsonObject& changes, bool cleared);
    void onUserSocket(QWebSocket* ws);
    // Closes a refused user socket with `code` (4400, 4401, 4403, 4404) and the reason.
    static void refuseSocket(QWebSocket* ws, int code, const QString& reason);
    void add(QHttpServerRequest::Method method, const QString& pattern, Permission permission, std::function<Reply(Call&)> handler);

    void onWebSocket();
    Reply dispatch(const QHttpServerRequest& request);
    std::optional<Reply> authorise(const QHttpServerRequest& request, const Route& route, Call& c);
    void audit(const Call& c, const QString& grid, const QString& type, const QString& id, const QString& name,
               const QString& event, bool withBody = true);
    struct AuditSource {
        QString email, sourceIp, userAgent;
        QJsonObject params;
    };
    void audit(const AuditSource& from, const QString& grid, const QString& type, const QString& id, const QString& name,
               const QString& event, const std::optional<QJsonObject>& body);
    // The newest `limit` audit entries of `grid` (empty: every grid's).
    api::AuditLog auditLog(const QString& grid, int limit) const;
    // Install (update false) or upgrade stack `name` of the call's grid from `req`.
    Reply installStack(Call& c, const api::StackInstall& req, const QString& name, bool update);
    Reply patchStack(Call& c);   // PATCH /v1/stacks/:grid/:name (labels)
    GridRuntime* createGrid(const QJsonObject& doc, bool lead = true);
    void forgetGrid(GridRuntime* g);
    GridRuntime* gridOfToken(const QString& token) const;   // the grid whose token the agent gave, or null
    // ---- several masters (master_cluster.cpp)
    bool openCluster(QString* error);
    // Replaces grid `name`'s runtime by one read from the store now, leading
    // or a follower's copy; drops it when the store has no rows of it.
    void reloadGrid(const QString& name, bool lead);
    // A write to a grid this master does not lead: 307 to the leader, or 503.
    std::optional<Reply> notLeader(const QHttpServerRequest& request, const QString& grid) const;
    // The agent's refusal when a follower: the close reason names the leader's ws:// URL.
    bool refuseAgentAsFollower(QWebSocket* ws, const QString& grid) const;
    // A user's stream of a grid this master does not lead (exec, logs -f):
    // closed with 4050 naming the leader's ws:// URL, as agents are.
    bool refuseStreamAsFollower(QWebSocket* ws, const QString& grid) const;
    // Reads a follower cannot answer from the store (route pattern): the
    // leader alone has them, in memory or in its logs.db.
    static bool answeredByLeaderOnly(const QString& pattern);
    QString storeTarget_;
    std::optional<ClusterLease::Options> clusterOptions_;
    std::unique_ptr<ClusterLease> cluster_;
    GridRuntime* gridOf(const Call& c) const { return grid(c.param("grid")); }   // dispatch made sure it exists

    Store store_;
    VaultStore vault_{store_};
    ConfigStore config_{store_};   // the master configuration (/v1/config)
    LogStore logs_;          // containers' output of every grid (logs.db beside the store)
    QTimer logRetention_;    // drops lines beyond LogRetention now and then
    std::unique_ptr<vault::Keyring> vaultKeys_;   // until open() hands it to vault_
    std::unique_ptr<Auth> auth_;
    QMap<QString, GridRuntime*> grids_;
    QList<Route> routes_;
    QList<SocketRoute> socketRoutes_;
};

qint64 nowMs();

}  // namespace kontena::master
