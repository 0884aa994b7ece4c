#include "agent/node_stats.h"

#include <QFile>
#include <QList>

namespace kontena::agentd {

void parseMeminfo(const QByteArray& text, protocol::NodeStatsReport& out) {
    auto kb = [&](const QByteArray& line) { return line.simplified().split(' ').value(1).toLongLong() * 1024; };
    for (const QByteArray& line : text.split('\n')) {
        if (line.startsWith("MemTotal:")) out.memTotal = kb(line);
        else if (line.startsWith("MemFree:")) out.memFree = kb(line);
        else if (line.startsWith("Cached:")) out.memCached = kb(line);
        else if (line.startsWith("Buffers:")) out.memBuffers = kb(line);
    }
    out.memUsed = std::max<qint64>(0, out.memTotal - out.memFree - out.memCached - out.memBuffers);
}

void parseLoadavg(const QByteArray& text, protocol::NodeStatsReport& out) {
    const QList<QByteArray> f = text.simplified().split(' ');
    out.load1 = f.value(0).toDouble();
    out.load5 = f.value(1).toDouble();
    out.load15 = f.value(2).toDouble();
}

void parseNetDev(const QByteArray& text, protocol::NodeStatsReport& out) {
    out.rxBytes = out.txBytes = 0;
    for (const QByteArray& line : text.split('\n')) {
        const qsizetype colon = line.indexOf(':');
        if (colon < 0) continue;
        if (line.left(colon).trimmed() == "lo") continue;
        const QList<QByteArray> f = line.mid(colon + 1).simplified().split(' ');
        if (f.size() < 9) continue;
        out.rxBytes += f.value(0).toLongLong();
        out.txBytes += f.value(8).toLongLong();
    }
}

std::optional<CpuTimes> parseProcStat(const QByteArray& text) {
    const QByteArray first = text.left(text.indexOf('\n'));
    if (!first.startsWith("cpu ")) return std::nullopt;
    const QList<QByteArray> f = first.simplified().split(' ');
    CpuTimes t;
    for (qsizetype i = 1; i < f.size() && i <= 8; ++i) {   // user nice system idle iowait irq softirq steal
        const quint64 v = f[i].toULongLong();
        t.total += v;
        if (i != 4 && i != 5) t.busy += v;   // idle and iowait are not busy
    }
    return t;
}

NodeStatsSampler::NodeStatsSampler(Millis interval, QString procRoot, QObject* parent)
    : QObject(parent), interval_(interval), root_(std::move(procRoot)) {
    connect(&timer_, &QTimer::timeout, this, [this] { emit sampled(sample()); });
}

void NodeStatsSampler::start() {
    sample();   // the CPU baseline
    timer_.start(interval_);
}

QByteArray NodeStatsSampler::read(const char* file) const {
    QFile f(root_ + QLatin1Char('/') + QLatin1String(file));
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

protocol::NodeStatsReport NodeStatsSampler::sample() {
    protocol::NodeStatsReport r;
    parseMeminfo(read("meminfo"), r);
    parseLoadavg(read("loadavg"), r);
    parseNetDev(read("net/dev"), r);
    if (const auto cpu = parseProcStat(read("stat"))) {
        if (lastCpu_ && cpu->total > lastCpu_->total) {
            r.cpuPercent = 100.0 * double(cpu->busy - std::min(cpu->busy, lastCpu_->busy)) / double(cpu->total - lastCpu_->total);
        }
        lastCpu_ = cpu;
    }
    r.at = QDateTime::currentDateTimeUtc();
    return r;
}

}  // namespace kontena::agentd
