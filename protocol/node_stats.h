#pragma once
// /nodes/stats (reference 11.4, 11.5): the agent's sample of its host every
// stats interval (60 s, Kontena's). The master keeps it in the node's
// series and as the node's latest memory figures (the scheduler's memory
// filter and ha rank read them, Kontena's `latest_stats`).

#include <QDateTime>
#include <QJsonObject>

namespace kontena::protocol {

struct NodeStatsReport {
    // /proc/meminfo, bytes; used = total - free - cached - buffers.
    qint64 memTotal = 0, memUsed = 0, memFree = 0, memCached = 0, memBuffers = 0;
    double load1 = 0, load5 = 0, load15 = 0;
    double cpuPercent = 0;           // all cores busy since the previous sample, 0..100
    qint64 rxBytes = 0, txBytes = 0; // every interface but loopback, since boot
    QDateTime at;
    bool operator==(const NodeStatsReport&) const = default;
};
QJsonObject toJson(const NodeStatsReport& s);
NodeStatsReport nodeStatsFromJson(const QJsonObject& o);

}  // namespace kontena::protocol
