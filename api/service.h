#pragma once
// Services, their instances and deploys (master/API.md "Services").

#include "api/model.h"

namespace kontena::api {

struct Port : Model<Port> {
    QString ip;
    int nodePort = 0, containerPort = 0;
    QString protocol;   // tcp|udp
    static auto fields() {
        return std::tuple{field("ip", &Port::ip), field("node_port", &Port::nodePort), field("container_port", &Port::containerPort),
                          field("protocol", &Port::protocol)};
    }
};

struct InstanceCounts : Model<InstanceCounts> {
    int total = 0, running = 0;
    static auto fields() { return std::tuple{field("total", &InstanceCounts::total), field("running", &InstanceCounts::running)}; }
};

struct HealthStatus : Model<HealthStatus> {
    int healthy = 0, total = 0;
    static auto fields() { return std::tuple{field("healthy", &HealthStatus::healthy), field("total", &HealthStatus::total)}; }
};

// GET /v1/services/:grid/:stack/:service, elements of GET /v1/grids/:grid/services.
struct Service : Model<Service> {
    QString id;          // grid/stack/name
    QString name, stack, image, strategy;
    bool stateful = false;
    int instances = 0;   // desired
    QString state;       // initialized|deploying|running|stopped|partially_running
    InstanceCounts instanceCounts;
    std::optional<HealthStatus> healthStatus;   // null: no health check
    QList<Port> ports;
    QStringList affinity;
    int revision = 0;
    QJsonObject deployOpts;
    std::optional<QString> updatedAt;
    static auto fields() {
        return std::tuple{field("id", &Service::id), field("name", &Service::name), field("stack", &Service::stack),
                          field("image", &Service::image), field("strategy", &Service::strategy), field("stateful", &Service::stateful),
                          field("instances", &Service::instances), field("state", &Service::state),
                          field("instance_counts", &Service::instanceCounts), field("health_status", &Service::healthStatus),
                          field("ports", &Service::ports), field("affinity", &Service::affinity), field("revision", &Service::revision),
                          field("deploy_opts", &Service::deployOpts), field("updated_at", &Service::updatedAt)};
    }
};

// GET /v1/grids/:grid/services
struct ServiceList : Model<ServiceList> {
    QList<Service> services;
    static auto fields() { return std::tuple{field("services", &ServiceList::services)}; }
};

// Elements of GET .../instances and .../containers.
struct Instance : Model<Instance> {
    int instanceNumber = 0;
    std::optional<QString> node;      // null: not placed
    QString desired;                  // running|stopped|initialized
    QString state;                    // pending|running|stopped|missing|restarting
    double rev = 0;
    std::optional<QString> health;    // healthy|unhealthy, null: unknown
    QString error;
    std::optional<QString> pendingReason;
    QString name;                     // the container name
    static auto fields() {
        return std::tuple{field("instance_number", &Instance::instanceNumber), field("node", &Instance::node),
                          field("desired", &Instance::desired), field("state", &Instance::state), field("rev", &Instance::rev),
                          field("health", &Instance::health), field("error", &Instance::error),
                          field("pending_reason", &Instance::pendingReason), field("name", &Instance::name)};
    }
};

// GET /v1/services/:grid/:stack/:service/instances
struct InstanceList : Model<InstanceList> {
    QList<Instance> instances;
    static auto fields() { return std::tuple{field("instances", &InstanceList::instances)}; }
};

// GET /v1/services/:grid/:stack/:service/containers
struct ContainerList : Model<ContainerList> {
    QList<Instance> containers;
    static auto fields() { return std::tuple{field("containers", &ContainerList::containers)}; }
};

struct InstanceDeploy : Model<InstanceDeploy> {
    int instanceNumber = 0;
    QString node, state, error;
    static auto fields() {
        return std::tuple{field("instance_number", &InstanceDeploy::instanceNumber), field("node", &InstanceDeploy::node),
                          field("state", &InstanceDeploy::state), field("error", &InstanceDeploy::error)};
    }
};

// A service deploy: the answer of .../deploy and .../scale, GET .../deploys/:id.
struct Deploy : Model<Deploy> {
    QString id, serviceId;
    QString state;      // created|ongoing|success|error
    QString reason, error;
    int instanceCount = 0;
    std::optional<QString> createdAt, startedAt, finishedAt;
    QList<InstanceDeploy> instanceDeploys;
    static auto fields() {
        return std::tuple{field("id", &Deploy::id), field("service_id", &Deploy::serviceId), field("state", &Deploy::state),
                          field("reason", &Deploy::reason), field("error", &Deploy::error), field("instance_count", &Deploy::instanceCount),
                          field("created_at", &Deploy::createdAt), field("started_at", &Deploy::startedAt),
                          field("finished_at", &Deploy::finishedAt), field("instance_deploys", &Deploy::instanceDeploys)};
    }
    bool finished() const { return succeeded() || state == QLatin1String("error"); }
    bool succeeded() const { return state == QLatin1String("success"); }
};

// POST .../deploy
struct DeployRequest : Model<DeployRequest> {
    std::optional<bool> force;   // re-create every instance
    static auto fields() { return std::tuple{field("force", &DeployRequest::force, Empty::Omit)}; }
};

// POST .../scale
struct ScaleRequest : Model<ScaleRequest> {
    int instances = 0;
    static auto fields() { return std::tuple{field("instances", &ScaleRequest::instances)}; }
};

// The answer of .../restart, .../stop and .../start when no deploy started.
struct ServiceAction : Model<ServiceAction> {
    QString serviceId;   // grid/stack/name
    static auto fields() { return std::tuple{field("service_id", &ServiceAction::serviceId)}; }
};

// `kontena service show -o json`: the service with its instances.
QJsonObject serviceWithInstances(const Service& service, const QList<Instance>& instances);

}  // namespace kontena::api
