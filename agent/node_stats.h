#pragma once
// The node's own statistics (/nodes/stats, reference 11.5): memory from
// /proc/meminfo, load from /proc/loadavg, CPU busy share from /proc/stat
// (between two samples), network bytes from /proc/net/dev (all interfaces
// but loopback). One sample every stats interval (60 s, Kontena's), the
// first right after start. The parsers are pure and tested on their own.

#include <QObject>
#include <QString>
#include <QTimer>

#include <optional>

#include "agent/config.h"
#include "protocol/node_stats.h"

namespace kontena::agentd {

// Bytes from /proc/meminfo's text (kB lines); used = total - free - cached - buffers.
void parseMeminfo(const QByteArray& text, protocol::NodeStatsReport& out);
void parseLoadavg(const QByteArray& text, protocol::NodeStatsReport& out);
void parseNetDev(const QByteArray& text, protocol::NodeStatsReport& out);
// The first "cpu" line of /proc/stat: busy and total jiffies.
struct CpuTimes { quint64 busy = 0, total = 0; };
std::optional<CpuTimes> parseProcStat(const QByteArray& text);

class NodeStatsSampler : public QObject {
    Q_OBJECT
public:
    // `procRoot` is "/proc" but for tests.
    NodeStatsSampler(Millis interval, QString procRoot = QStringLiteral("/proc"), QObject* parent = nullptr);
    void start();
    void stop() { timer_.stop(); }
    // Reads the files now (the CPU share against the previous call).
    protocol::NodeStatsReport sample();

signals:
    void sampled(const kontena::protocol::NodeStatsReport& report);

private:
    QByteArray read(const char* file) const;
    Millis interval_;
    QString root_;
    QTimer timer_;
    std::optional<CpuTimes> lastCpu_;
};

}  // namespace kontena::agentd
