#pragma once
// Nodes (master/API.md "Nodes").

#include "api/model.h"

namespace kontena::api {

// GET /v1/nodes/:grid/:node, and the elements of GET /v1/grids/:grid/nodes.
struct Node : Model<Node> {
    QString id;                // the Docker engine id
    QString name, grid;
    int nodeNumber = 0;
    bool initialMember = false;
    QString status;            // created|connecting|online|drain|offline
    bool connected = false;
    QString availability;      // active|drain
    QStringList labels;
    QString agentVersion, dockerVersion;
    std::optional<QString> connectedAt, lastSeenAt, statusSince;
    QString publicIp, privateIp, overlayIp, os, kernelVersion;
    int cpus = 0;
    double memTotal = 0, memUsed = 0;   // bytes
    QJsonObject load;
    bool etcdHealthy = false;
    static auto fields() {
        return std::tuple{field("id", &Node::id), field("name", &Node::name), field("grid", &Node::grid),
                          field("node_number", &Node::nodeNumber), field("initial_member", &Node::initialMember),
                          field("status", &Node::status), field("connected", &Node::connected),
                          field("availability", &Node::availability), field("labels", &Node::labels),
                          field("agent_version", &Node::agentVersion), field("docker_version", &Node::dockerVersion),
                          field("connected_at", &Node::connectedAt), field("last_seen_at", &Node::lastSeenAt),
                          field("status_since", &Node::statusSince), field("public_ip", &Node::publicIp),
                          field("private_ip", &Node::privateIp), field("overlay_ip", &Node::overlayIp), field("os", &Node::os),
                          field("kernel_version", &Node::kernelVersion), field("cpus", &Node::cpus),
                          field("mem_total", &Node::memTotal), field("mem_used", &Node::memUsed), field("load", &Node::load),
                          field("etcd_healthy", &Node::etcdHealthy)};
    }
    bool online() const { return status == QLatin1String("online"); }
};

// GET /v1/grids/:grid/nodes
struct NodeList : Model<NodeList> {
    QList<Node> nodes;
    static auto fields() { return std::tuple{field("nodes", &NodeList::nodes)}; }
};

// PUT /v1/nodes/:grid/:node: only what is set changes.
struct NodeUpdate : Model<NodeUpdate> {
    std::optional<QStringList> labels;      // replaces every label ([] clears)
    std::optional<QString> availability;    // active|drain
    static auto fields() {
        return std::tuple{field("labels", &NodeUpdate::labels, Empty::Omit), field("availability", &NodeUpdate::availability, Empty::Omit)};
    }
    bool empty() const { return !labels && !availability; }
};

// POST /v1/grids/:grid/nodes
struct NodeCreate : Model<NodeCreate> {
    QString name;
    std::optional<QString> token;   // default: generated
    static auto fields() { return std::tuple{field("name", &NodeCreate::name), field("token", &NodeCreate::token, Empty::Omit)}; }
};

}  // namespace kontena::api
