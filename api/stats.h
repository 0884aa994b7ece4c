#pragma once
// Statistics (master/API.md "Statistics"): points of a container's or a
// node's bounded series (observability/timeseries.h), newest last.

#include "api/model.h"

namespace kontena::api {

// One point: a sample, or a bucket of older samples (gauges averaged,
// counters their last value; `samples` says how many it holds).
struct StatsPoint : Model<StatsPoint> {
    QString time;
    double cpuPercent = 0;
    double memory = 0, memoryLimit = 0;   // bytes (limit 0: none)
    double rxBytes = 0, txBytes = 0;      // counters since the container (node) started
    int samples = 1;
    static auto fields() {
        return std::tuple{field("time", &StatsPoint::time), field("cpu_percent", &StatsPoint::cpuPercent),
                          field("memory", &StatsPoint::memory), field("memory_limit", &StatsPoint::memoryLimit),
                          field("rx_bytes", &StatsPoint::rxBytes), field("tx_bytes", &StatsPoint::txBytes),
                          field("samples", &StatsPoint::samples)};
    }
    // memory / memory_limit in percent (0 without a limit).
    double memoryPercent() const { return memoryLimit > 0 ? 100.0 * memory / memoryLimit : 0; }
};

// A container's statistics: its newest sample and the points of the period asked for.
struct ContainerStats : Model<ContainerStats> {
    QString container;        // the container's name
    QString service;          // "stack/service"
    int instanceNumber = 0;
    QString node;
    std::optional<StatsPoint> latest;
    QList<StatsPoint> points;
    static auto fields() {
        return std::tuple{field("container", &ContainerStats::container), field("service", &ContainerStats::service),
                          field("instance_number", &ContainerStats::instanceNumber), field("node", &ContainerStats::node),
                          field("latest", &ContainerStats::latest), field("points", &ContainerStats::points)};
    }
};

// GET /v1/services/:grid/:stack/:service/stats
struct ServiceStats : Model<ServiceStats> {
    QList<ContainerStats> stats;
    static auto fields() { return std::tuple{field("stats", &ServiceStats::stats)}; }
};

// A node's newest memory figures (Kontena's latest_stats.memory; the
// scheduler's memory filter and rank read them), bytes.
struct NodeMemory : Model<NodeMemory> {
    double total = 0, used = 0, free = 0, cached = 0, buffers = 0;
    static auto fields() {
        return std::tuple{field("total", &NodeMemory::total), field("used", &NodeMemory::used), field("free", &NodeMemory::free),
                          field("cached", &NodeMemory::cached), field("buffers", &NodeMemory::buffers)};
    }
};

// GET /v1/nodes/:grid/:node/stats: points' memory is used bytes, memory_limit the total.
struct NodeStats : Model<NodeStats> {
    QString node;
    std::optional<StatsPoint> latest;
    std::optional<NodeMemory> memory;
    std::optional<QJsonObject> load;   // {"1m", "5m", "15m"}
    QList<StatsPoint> points;
    static auto fields() {
        return std::tuple{field("node", &NodeStats::node), field("latest", &NodeStats::latest), field("memory", &NodeStats::memory),
                          field("load", &NodeStats::load), field("points", &NodeStats::points)};
    }
};

// The grid's statsd export (reference 11.5, `--statsd-server`).
struct StatsdServer : Model<StatsdServer> {
    QString server;
    int port = 8125;
    static auto fields() { return std::tuple{field("server", &StatsdServer::server), field("port", &StatsdServer::port)}; }
};
struct GridStatsSettings : Model<GridStatsSettings> {
    std::optional<StatsdServer> statsd;   // null: no export
    static auto fields() { return std::tuple{field("statsd", &GridStatsSettings::statsd)}; }
};

}  // namespace kontena::api
