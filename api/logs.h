#pragma once
// The grid's event log and container logs (master/API.md "Logs").

#include "api/model.h"

namespace kontena::api {

// Elements of GET /v1/grids/:grid/event_logs.
struct EventLogEntry : Model<EventLogEntry> {
    std::optional<QString> createdAt;
    QString type;       // what happened: node_connected, deploy, ...
    QString subject;    // the node, service or stack it happened to
    QString msg;
    static auto fields() {
        return std::tuple{field("created_at", &EventLogEntry::createdAt), field("type", &EventLogEntry::type),
                          field("subject", &EventLogEntry::subject), field("msg", &EventLogEntry::msg)};
    }
};

struct EventLog : Model<EventLog> {
    QList<EventLogEntry> logs;
    static auto fields() { return std::tuple{field("logs", &EventLog::logs)}; }
};

// A container log line: GET /v1/grids/:grid/container_logs, .../services/.../container_logs.
struct ContainerLogEntry : Model<ContainerLogEntry> {
    QString id;          // cursor
    QString createdAt, node, service;
    int instanceNumber = 0;
    QString name;        // the container
    QString type;        // stdout|stderr
    QString data;
    static auto fields() {
        return std::tuple{field("id", &ContainerLogEntry::id), field("created_at", &ContainerLogEntry::createdAt),
                          field("node", &ContainerLogEntry::node), field("service", &ContainerLogEntry::service),
                          field("instance_number", &ContainerLogEntry::instanceNumber), field("name", &ContainerLogEntry::name),
                          field("type", &ContainerLogEntry::type), field("data", &ContainerLogEntry::data)};
    }
    // "<created_at> <name>: <data, trimmed>": how the CLI and the GUI show a line.
    QString line() const;
};

struct ContainerLog : Model<ContainerLog> {
    QList<ContainerLogEntry> logs;
    static auto fields() { return std::tuple{field("logs", &ContainerLog::logs)}; }
};

}  // namespace kontena::api
