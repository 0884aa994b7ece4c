#include "master/grid_stats.h"

#include <QDateTime>
#include <QHostInfo>
#include <QLoggingCategory>

#include "master/json_util.h"
#include "observability/statsd.h"

Q_LOGGING_CATEGORY(lcStats, "kontena.master.stats")

namespace kontena::master {

namespace {

Instant instantOf(const QDateTime& t, Instant now) { return t.isValid() ? Instant(t.toMSecsSinceEpoch()) : now; }

api::StatsPoint pointOf(const stats::Point& p) {
    api::StatsPoint out;
    out.time = timeText(p.value.at).value_or(QString());
    out.cpuPercent = p.value.cpuPercent;
    out.memory = double(p.value.memory);
    out.memoryLimit = double(p.value.memoryLimit);
    out.rxBytes = double(p.value.rxBytes);
    out.txBytes = double(p.value.txBytes);
    out.samples = p.samples;
    return out;
}

QList<api::StatsPoint> pointsOf(const stats::ContainerSeries& s, const StatsRange& r) {
    QList<api::StatsPoint> out;
    for (const stats::Point& p : s.since(r.from)) {
        if (r.to && *r.to < p.value.at) break;
        out.append(pointOf(p));
    }
    return out;
}

std::optional<api::StatsPoint> latestOf(const stats::ContainerSeries& s) {
    if (!s.latest()) return std::nullopt;
    return pointOf(stats::Point{*s.latest(), 1});
}

// "stack/service" -> stack, service ("null" stack for a bare name).
std::pair<std::string, std::string> splitKey(const std::string& key) {
    const auto slash = key.find('/');
    if (slash == std::string::npos) return {"null", key};
    return {key.substr(0, slash), key.substr(slash + 1)};
}

}  // namespace

stats::Sample sampleOf(const protocol::ContainerStat& s, Instant now) {
    stats::Sample out;
    out.at = instantOf(s.at, now);
    out.cpuPercent = s.cpuPercent;
    out.memory = s.memoryUsage;
    out.memoryLimit = s.memoryLimit;
    out.rxBytes = s.rxBytes;
    out.txBytes = s.txBytes;
    return out;
}

stats::Sample sampleOf(const protocol::NodeStatsReport& r, Instant now) {
    stats::Sample out;
    out.at = instantOf(r.at, now);
    out.cpuPercent = r.cpuPercent;
    out.memory = r.memUsed;
    out.memoryLimit = r.memTotal;
    out.rxBytes = r.rxBytes;
    out.txBytes = r.txBytes;
    return out;
}

void GridStats::addContainer(const std::string& service, int number, const QString& name, const QString& node, const stats::Sample& s) {
    Container& c = containers_[InstanceKey{service, number}];
    if (c.name != name || c.node != node) {   // re-created elsewhere or renamed: a new container, a new series
        c = Container{name, node, {}};
    }
    c.series.add(s);
    exportSample(service, number, s);
}

void GridStats::addNode(const QString& node, const protocol::NodeStatsReport& r) {
    NodeEntry& n = nodes_[node];
    n.series.add(sampleOf(r, Instant(QDateTime::currentMSecsSinceEpoch())));
    n.latest = r;
}

void GridStats::forgetInstance(const InstanceKey& key) { containers_.erase(key); }

void GridStats::forgetService(const std::string& service) {
    for (auto it = containers_.lower_bound(InstanceKey{service, 0}); it != containers_.end() && it->first.service == service;)
        it = containers_.erase(it);
}

void GridStats::forgetNode(const QString& node) { nodes_.erase(node); }

QList<api::ContainerStats> GridStats::service(const std::string& key, const StatsRange& range) const {
    QList<api::ContainerStats> out;
    for (auto it = containers_.lower_bound(InstanceKey{key, 0}); it != containers_.end() && it->first.service == key; ++it) {
        api::ContainerStats c;
        c.container = it->second.name;
        c.service = qs(key);
        c.instanceNumber = it->first.number;
        c.node = it->second.node;
        c.latest = latestOf(it->second.series);
        c.points = pointsOf(it->second.series, range);
        out.append(std::move(c));
    }
    return out;
}

std::optional<api::ContainerStats> GridStats::container(const QString& node, const QString& name, const StatsRange& range) const {
    for (const auto& [key, c] : containers_) {
        if (c.node != node || c.name != name) continue;
        api::ContainerStats out;
        out.container = c.name;
        out.service = qs(key.service);
        out.instanceNumber = key.number;
        out.node = c.node;
        out.latest = latestOf(c.series);
        out.points = pointsOf(c.series, range);
        return out;
    }
    return std::nullopt;
}

std::optional<api::NodeStats> GridStats::node(const QString& node, const StatsRange& range) const {
    const auto it = nodes_.find(node);
    if (it == nodes_.end()) return std::nullopt;
    const protocol::NodeStatsReport& r = it->second.latest;
    api::NodeStats out;
    out.node = node;
    out.latest = latestOf(it->second.series);
    api::NodeMemory m;
    m.total = double(r.memTotal);
    m.used = double(r.memUsed);
    m.free = double(r.memFree);
    m.cached = double(r.memCached);
    m.buffers = double(r.memBuffers);
    out.memory = m;
    out.load = QJsonObject{{QStringLiteral("1m"), r.load1}, {QStringLiteral("5m"), r.load5}, {QStringLiteral("15m"), r.load15}};
    out.points = pointsOf(it->second.series, range);
    return out;
}

void GridStats::setStatsd(const std::optional<api::StatsdServer>& server) {
    statsd_ = server;
    statsdAddress_ = QHostAddress();
    ++lookupGeneration_;
    if (!server) {
        udp_.reset();
        return;
    }
    if (!udp_) udp_ = std::make_unique<QUdpSocket>();
    if (QHostAddress a(server->server); !a.isNull()) {
        statsdAddress_ = a;
        return;
    }
    const int generation = lookupGeneration_;
    QHostInfo::lookupHost(server->server, udp_.get(), [this, generation](const QHostInfo& info) {
        if (generation != lookupGeneration_) return;   // the setting changed meanwhile
        if (info.addresses().isEmpty()) {
            qCWarning(lcStats).noquote() << grid_ << "statsd server" << info.hostName() << "does not resolve:" << info.errorString();
            return;
        }
        statsdAddress_ = info.addresses().first();
    });
}

void GridStats::exportSample(const std::string& service, int number, const stats::Sample& s) {
    if (!udp_ || statsdAddress_.isNull() || !statsd_) return;
    const auto [stack, name] = splitKey(service);
    const std::string datagram = stats::statsdDatagram("kontena", stats::ContainerId{ss(grid_), stack, name, number}, s);
    udp_->writeDatagram(datagram.data(), qint64(datagram.size()), statsdAddress_, quint16(statsd_->port));
}

}  // namespace kontena::master
