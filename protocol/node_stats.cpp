#include "protocol/node_stats.h"

namespace kontena::protocol {

namespace {
QString k(const char* key) { return QString::fromLatin1(key); }
qint64 bytes(const QJsonObject& o, const char* key) { return qint64(o.value(k(key)).toDouble()); }
}  // namespace

QJsonObject toJson(const NodeStatsReport& s) {
    const QJsonObject memory{{k("total"), double(s.memTotal)}, {k("used"), double(s.memUsed)}, {k("free"), double(s.memFree)},
                             {k("cached"), double(s.memCached)}, {k("buffers"), double(s.memBuffers)}};
    const QJsonObject load{{k("1m"), s.load1}, {k("5m"), s.load5}, {k("15m"), s.load15}};
    return {{k("memory"), memory},
            {k("load"), load},
            {k("cpu_percent"), s.cpuPercent},
            {k("rx_bytes"), double(s.rxBytes)},
            {k("tx_bytes"), double(s.txBytes)},
            {k("time"), s.at.isValid() ? s.at.toUTC().toString(Qt::ISODateWithMs) : QString()}};
}

NodeStatsReport nodeStatsFromJson(const QJsonObject& o) {
    NodeStatsReport s;
    const QJsonObject memory = o.value(k("memory")).toObject(), load = o.value(k("load")).toObject();
    s.memTotal = bytes(memory, "total");
    s.memUsed = bytes(memory, "used");
    s.memFree = bytes(memory, "free");
    s.memCached = bytes(memory, "cached");
    s.memBuffers = bytes(memory, "buffers");
    s.load1 = load.value(k("1m")).toDouble();
    s.load5 = load.value(k("5m")).toDouble();
    s.load15 = load.value(k("15m")).toDouble();
    s.cpuPercent = o.value(k("cpu_percent")).toDouble();
    s.rxBytes = bytes(o, "rx_bytes");
    s.txBytes = bytes(o, "tx_bytes");
    const QDateTime t = QDateTime::fromString(o.value(k("time")).toString(), Qt::ISODateWithMs);
    s.at = t.isValid() ? t.toUTC() : QDateTime();
    return s;
}

}  // namespace kontena::protocol
