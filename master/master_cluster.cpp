// Several masters on one PostgreSQL store (master/README.md "Several
// masters"): which grids this master leads, the follower's copies, the
// redirect of writes and the refusal of agents (cluster_lease.h).
#include <QJsonObject>
#include <QLoggingCategory>
#include <QUrl>
#include <QWebSocket>

#include "master/api_server.h"
#include "master/grid_persistence.h"
#include "protocol/handshake.h"

Q_LOGGING_CATEGORY(lcCluster, "kontena.master.cluster")

namespace kontena::master {

bool Master::openCluster(QString* error) {
    if (!store_.postgres()) {
        *error = QStringLiteral("several masters need a PostgreSQL store (--store postgresql://...)");
        return false;
    }
    cluster_ = std::make_unique<ClusterLease>(store_, *clusterOptions_);
    store_.setFence([this](const QString& grid) { return cluster_->fence(grid); });
    connect(cluster_.get(), &ClusterLease::acquired, this, [this](const QString& grid) { reloadGrid(grid, true); });
    connect(cluster_.get(), &ClusterLease::lost, this, [this](const QString& grid, const QString& why) {
        qCWarning(lcCluster).noquote() << "grid" << grid << "is now led elsewhere:" << why;
        reloadGrid(grid, false);
    });
    connect(cluster_.get(), &ClusterLease::changed, this, [this](const QString& grid) { reloadGrid(grid, false); });
    connect(cluster_.get(), &ClusterLease::removed, this, [this](const QString& grid) { reloadGrid(grid, false); });
    // Another master may issue or revoke tokens: read them with every round.
    connect(cluster_.get(), &ClusterLease::changed, this, [this] { auth_->reload(); });
    cluster_->start();
    // Grids stored without a lease row yet (a store from one master): take them.
    for (const QString& grid : grids_.keys()) {
        if (!cluster_->leads(grid) && cluster_->leaderUrl(grid).isEmpty()) cluster_->acquire(grid);
    }
    return true;
}

void Master::reloadGrid(const QString& name, bool lead) {
    if (lead && grids_.contains(name) && grids_.value(name)->leading()) return;   // already (a grid created here)
    const std::vector<GridRow> rows = store_.gridRows(name);
    if (GridRuntime* old = grids_.take(name)) {
        old->forgetStored();   // a deposed leader writes nothing more
        old->deleteLater();    // its agents' sockets close with it; they fail over
    }
    if (rows.empty()) return;   // removed, or created here and not stored yet
    createGrid(gridDocumentFromRows(rows), lead);
    qCInfo(lcCluster).noquote() << "grid" << name << (lead ? "loaded from the store to lead it" : "copy read again from the store");
}

void Master::addClusterRoutes() {
    add(QHttpServerRequest::Method::Get, QStringLiteral("/v1/grids/:grid/leader"), Permission::GridMember, [this](Call& c) {
        const QString grid = c.param("grid");
        if (!cluster_) {   // one master: it leads every grid
            return Reply{200, QJsonObject{{QStringLiteral("grid"), grid}, {QStringLiteral("store"), QStringLiteral("sqlite")},
                                          {QStringLiteral("leading"), true}, {QStringLiteral("leader"), QJsonValue()}, {QStringLiteral("term"), 0}}};
        }
        const QString leader = cluster_->leaderUrl(grid);
        return Reply{200, QJsonObject{{QStringLiteral("grid"), grid},
                                      {QStringLiteral("store"), QStringLiteral("postgresql")},
                                      {QStringLiteral("leading"), cluster_->leads(grid)},
                                      {QStringLiteral("leader"), leader.isEmpty() ? QJsonValue() : QJsonValue(leader)},
                                      {QStringLiteral("term"), cluster_->leads(grid) ? cluster_->term(grid) : cluster_->knownTerm(grid)},
                                      {QStringLiteral("this_master"), clusterOptions_->advertiseUrl},
                                      {QStringLiteral("lease_ms"), qint64(cluster_->leaseTime().count())}}};
    });
}

std::optional<Reply> Master::notLeader(const QHttpServerRequest& request, const QString& grid) const {
    if (cluster_->leads(grid)) return std::nullopt;
    const QString leader = cluster_->leaderUrl(grid);
    if (leader.isEmpty()) {
        return Reply::error(503, QStringLiteral("Grid %1 has no leader at the moment (a master takes over within the lease); retry").arg(grid));
    }
    QUrl target(leader);
    target.setPath(request.url().path());
    target.setQuery(request.url().query());
    Reply r = Reply::error(307, QStringLiteral("This master follows grid %1; its leader is %2").arg(grid, leader));
    r.location = target.toEncoded();
    return r;
}

namespace {

// The close reason for a socket of a grid another master leads: "...; leader: ws://HOST:PORT".
QString notLeaderReason(const QString& leaderUrl) {
    if (leaderUrl.isEmpty()) return QStringLiteral("not the leader of this grid; no leader at the moment");
    QUrl leader(leaderUrl);
    leader.setScheme(leader.scheme() == QLatin1String("https") ? QStringLiteral("wss") : QStringLiteral("ws"));
    return QStringLiteral("not the leader of this grid; leader: ") + leader.toString();
}

}  // namespace

bool Master::refuseAgentAsFollower(QWebSocket* ws, const QString& grid) const {
    if (!cluster_ || cluster_->leads(grid)) return false;
    const QString reason = notLeaderReason(cluster_->leaderUrl(grid));
    qCInfo(lcCluster).noquote() << "agent sent to the leader of grid" << grid << ":" << reason;
    ws->close(QWebSocketProtocol::CloseCode(protocol::kCloseNotLeader), reason);
    connect(ws, &QWebSocket::disconnected, ws, &QObject::deleteLater);
    return true;
}

bool Master::refuseStreamAsFollower(QWebSocket* ws, const QString& grid) const {
    if (!cluster_ || grid.isEmpty() || cluster_->leads(grid)) return false;
    refuseSocket(ws, protocol::kCloseNotLeader, notLeaderReason(cluster_->leaderUrl(grid)));
    return true;
}

// Container logs (the leader's logs.db), the event log, statistics and
// service deploys are kept by the master leading the grid, not in the
// shared store: a follower's copy has none of them.
bool Master::answeredByLeaderOnly(const QString& pattern) {
    for (const char* tail : {"/container_logs", "/event_logs", "/stats", "/deploys/:id"}) {
        if (pattern.endsWith(QLatin1String(tail))) return true;
    }
    return false;
}

}  // namespace kontena::master
