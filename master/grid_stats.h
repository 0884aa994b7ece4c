#pragma once
// A grid's statistics (reference 11.5; issue 17): each instance's container
// samples and each node's samples in bounded series down-sampled with age
// (../observability/timeseries.h: raw 1 h, minutes 1 day, hours 30 days),
// and the grid's statsd export.
//
//   agent /containers/stat ─▶ AgentSessions ─▶ GridStats::addContainer ─▶ series ─▶ GET .../stats
//   agent /nodes/stats     ─▶ AgentSessions ─▶ GridStats::addNode (+ ev::NodeStats to the core)
//                                                    └─▶ statsd (UDP) when the grid has a server
//
// Kept in memory only: a master restart loses the history (agents send the
// next sample within their interval, 60 s). Kontena kept stats in capped
// MongoDB collections; here writing ~100 samples/s (1,000 containers every
// 10 s) into the store would compete with the log ingest for the one
// SQLite writer for data whose use is "how is it doing now / lately".
// Bounded: only instances the grid has are kept (a removed service or
// instance is forgotten), each series at most ~2,500 points.

#include <QHostAddress>
#include <QString>
#include <QUdpSocket>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "api/stats.h"
#include "observability/timeseries.h"
#include "protocol/messages.h"
#include "protocol/node_stats.h"
#include "scheduler/model.h"

namespace kontena::master {

// The period a stats query asks for: points at or after `from`, at or before `to`.
struct StatsRange {
    Instant from;
    std::optional<Instant> to;
};

class GridStats {
public:
    void setGrid(const QString& grid) { grid_ = grid; }

    // A sample of the container `name` of instance (service key, number) on `node`.
    void addContainer(const std::string& service, int number, const QString& name, const QString& node, const stats::Sample& s);
    // A sample of `node`.
    void addNode(const QString& node, const protocol::NodeStatsReport& r);
    // Forgets what no longer exists.
    void forgetInstance(const InstanceKey& key);
    void forgetService(const std::string& service);
    void forgetNode(const QString& node);

    // The service's containers by instance number.
    QList<api::ContainerStats> service(const std::string& key, const StatsRange& range) const;
    std::optional<api::ContainerStats> container(const QString& node, const QString& name, const StatsRange& range) const;
    std::optional<api::NodeStats> node(const QString& node, const StatsRange& range) const;
    std::size_t containers() const { return containers_.size(); }

    // statsd export (reference 11.5 `--statsd-server`); nullopt stops it.
    void setStatsd(const std::optional<api::StatsdServer>& server);
    const std::optional<api::StatsdServer>& statsd() const { return statsd_; }

private:
    struct Container {
        QString name, node;
        stats::ContainerSeries series;
    };
    struct NodeEntry {
        stats::ContainerSeries series;
        protocol::NodeStatsReport latest;
    };
    void exportSample(const std::string& service, int number, const stats::Sample& s);

    QString grid_;
    std::map<InstanceKey, Container> containers_;
    std::map<QString, NodeEntry> nodes_;
    std::optional<api::StatsdServer> statsd_;
    std::unique_ptr<QUdpSocket> udp_;
    QHostAddress statsdAddress_;   // resolved; null while looking it up or unresolvable
    int lookupGeneration_ = 0;
};

// A protocol sample as a series sample (time: its own, else `now`).
stats::Sample sampleOf(const protocol::ContainerStat& s, Instant now);
stats::Sample sampleOf(const protocol::NodeStatsReport& r, Instant now);

}  // namespace kontena::master
