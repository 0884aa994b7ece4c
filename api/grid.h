#pragma once
// Grids (master/API.md "Grids"): the grid object, its settings, the create
// request, the grid token and the grid state "what if" rehearses.

#include "api/model.h"
#include "api/node.h"
#include "api/stack.h"
#include "api/stats.h"

namespace kontena::api {

// Per-strategy seconds before instances leave an offline node.
struct OfflineGrace : Model<OfflineGrace> {
    std::optional<double> daemon, ha, random;   // unset: left out (a settings update keeps the value)
    static auto fields() {
        return std::tuple{field("daemon", &OfflineGrace::daemon, Empty::Omit), field("ha", &OfflineGrace::ha, Empty::Omit),
                          field("random", &OfflineGrace::random, Empty::Omit)};
    }
};

// Grid settings, in seconds. The same struct is the full settings of a grid
// object and the partial update of POST/PUT (unset fields left out).
struct GridSettings : Model<GridSettings> {
    std::optional<double> onlineGrace;
    std::optional<OfflineGrace> offlineGrace;
    std::optional<double> keepaliveInterval, keepaliveTimeout;
    static auto fields() {
        return std::tuple{field("online_grace", &GridSettings::onlineGrace, Empty::Omit),
                          field("offline_grace", &GridSettings::offlineGrace, Empty::Omit),
                          field("keepalive_interval", &GridSettings::keepaliveInterval, Empty::Omit),
                          field("keepalive_timeout", &GridSettings::keepaliveTimeout, Empty::Omit)};
    }
    bool empty() const { return !onlineGrace && !offlineGrace && !keepaliveInterval && !keepaliveTimeout; }
};

// Where the grid's container logs are forwarded (reference 11.5):
// forwarder "fluentd" with opts {"fluentd-address": "host:port"}, or "none".
struct GridLogSettings : Model<GridLogSettings> {
    QString forwarder = QStringLiteral("none");
    std::optional<QJsonObject> opts;
    static auto fields() { return std::tuple{field("forwarder", &GridLogSettings::forwarder), field("opts", &GridLogSettings::opts, Empty::Omit)}; }
};

// The grid's etcd membership: initial nodes, how many answer, quorum.
struct Etcd : Model<Etcd> {
    int members = 0, reachable = 0;
    bool quorum = false;
    QString summary;   // "3 of 3 members reachable"
    static auto fields() {
        return std::tuple{field("members", &Etcd::members), field("reachable", &Etcd::reachable), field("quorum", &Etcd::quorum),
                          field("summary", &Etcd::summary)};
    }
};

// GET /v1/grids/:grid
struct Grid : Model<Grid> {
    QString id, name;
    int initialSize = 1, maxNodes = 254;
    int nodeCount = 0, serviceCount = 0, containerCount = 0, userCount = 0;
    QString subnet, supernet;
    QStringList defaultAffinity;
    Etcd etcd;
    GridSettings settings;
    std::optional<GridLogSettings> logs;   // omitted while nothing is forwarded
    std::optional<GridStatsSettings> stats;   // omitted while nothing is exported to statsd
    std::optional<QString> createdAt;
    static auto fields() {
        return std::tuple{field("id", &Grid::id), field("name", &Grid::name), field("initial_size", &Grid::initialSize),
                          field("max_nodes", &Grid::maxNodes), field("node_count", &Grid::nodeCount),
                          field("service_count", &Grid::serviceCount), field("container_count", &Grid::containerCount),
                          field("user_count", &Grid::userCount), field("subnet", &Grid::subnet), field("supernet", &Grid::supernet),
                          field("default_affinity", &Grid::defaultAffinity), field("etcd", &Grid::etcd),
                          field("settings", &Grid::settings), field("logs", &Grid::logs, Empty::Omit), field("stats", &Grid::stats, Empty::Omit),
                          field("created_at", &Grid::createdAt)};
    }
};

// GET /v1/grids
struct GridList : Model<GridList> {
    QList<Grid> grids;
    static auto fields() { return std::tuple{field("grids", &GridList::grids)}; }
};

// POST /v1/grids
struct GridCreate : Model<GridCreate> {
    QString name;
    int initialSize = 1, maxNodes = 254;
    QStringList defaultAffinity;
    std::optional<QString> token;          // default: generated
    std::optional<QString> subnet;         // default: 10.81.0.0/16
    std::optional<GridSettings> settings;  // only what is set
    static auto fields() {
        return std::tuple{field("name", &GridCreate::name), field("initial_size", &GridCreate::initialSize),
                          field("max_nodes", &GridCreate::maxNodes), field("default_affinity", &GridCreate::defaultAffinity),
                          field("token", &GridCreate::token, Empty::Omit), field("subnet", &GridCreate::subnet, Empty::Omit),
                          field("settings", &GridCreate::settings, Empty::Omit)};
    }
};

// PUT /v1/grids/:grid: only what is set changes.
struct GridUpdate : Model<GridUpdate> {
    std::optional<GridSettings> settings;        // the settings to change
    std::optional<QStringList> defaultAffinity;  // replaces the grid's ([] clears)
    std::optional<GridLogSettings> logs;         // log forwarding ({"forwarder": "none"} stops it)
    std::optional<GridStatsSettings> stats;      // statsd export ({"statsd": null} stops it)
    static auto fields() {
        return std::tuple{field("settings", &GridUpdate::settings, Empty::Omit),
                          field("default_affinity", &GridUpdate::defaultAffinity, Empty::Omit),
                          field("logs", &GridUpdate::logs, Empty::Omit), field("stats", &GridUpdate::stats, Empty::Omit)};
    }
};

// POST /v1/grids/:grid/users: the user who joins the grid.
struct GridUserAdd : Model<GridUserAdd> {
    QString email;
    static auto fields() { return std::tuple{field("email", &GridUserAdd::email)}; }
};

// GET /v1/grids/:grid/token
struct GridToken : Model<GridToken> {
    QString token;
    static auto fields() { return std::tuple{field("token", &GridToken::token)}; }
};

// Where one instance of a stack service is placed now (GridState).
struct PlacedInstance : Model<PlacedInstance> {
    QString serviceId;                // grid/stack/service
    int instanceNumber = 0;
    std::optional<QString> node;      // null: its node was removed
    QString desired;                  // running|stopped|initialized
    static auto fields() {
        return std::tuple{field("service_id", &PlacedInstance::serviceId), field("instance_number", &PlacedInstance::instanceNumber),
                          field("node", &PlacedInstance::node), field("desired", &PlacedInstance::desired)};
    }
};

// GET /v1/grids/:grid/state: everything `kontena-sim what-if` needs to
// rehearse a failure on this grid (its plain C++ reader is api/state.h):
// the stacks with their services, and where every instance runs now (a
// stateful instance's node is where its data is).
struct GridState : Model<GridState> {
    Grid grid;
    QList<Node> nodes;
    QList<Stack> stacks;
    QList<PlacedInstance> instances;   // by service, then number
    static auto fields() {
        return std::tuple{field("grid", &GridState::grid), field("nodes", &GridState::nodes), field("stacks", &GridState::stacks),
                          field("instances", &GridState::instances)};
    }
};

}  // namespace kontena::api
