#include "master/json_util.h"

#include <QDateTime>

namespace kontena::master {

QJsonValue timeJson(const std::optional<Instant>& t) {
    if (!t) return QJsonValue();
    return QDateTime::fromMSecsSinceEpoch(t->ms, Qt::UTC).toString(Qt::ISODateWithMs);
}

QJsonValue msJson(const std::optional<Instant>& t) { return t ? QJsonValue(static_cast<double>(t->ms)) : QJsonValue(); }

std::optional<Instant> timeFrom(const QJsonValue& v) {
    if (!v.isDouble()) return std::nullopt;
    return Instant(static_cast<std::int64_t>(v.toDouble()));
}

QJsonArray strings(const std::vector<std::string>& v) {
    QJsonArray a;
    for (const auto& s : v) a.append(qs(s));
    return a;
}

std::vector<std::string> stringsFrom(const QJsonValue& v) {
    std::vector<std::string> out;
    for (const auto& x : v.toArray()) out.push_back(ss(x.toString()));
    return out;
}

namespace {

Duration seconds(const QJsonValue& v, Duration fallback) {
    return v.isDouble() ? Duration::millis(static_cast<std::int64_t>(v.toDouble() * 1000.0)) : fallback;
}

}  // namespace

QJsonObject settingsJson(const GridSettings& s) {
    auto sec = [](Duration d) { return static_cast<double>(d.ms) / 1000.0; };
    return QJsonObject{{QStringLiteral("online_grace"), sec(s.onlineGrace)},
                       {QStringLiteral("offline_grace"), QJsonObject{{QStringLiteral("daemon"), sec(s.offlineGraceDaemon)},
                                                                     {QStringLiteral("ha"), sec(s.offlineGraceHa)},
                                                                     {QStringLiteral("random"), sec(s.offlineGraceRandom)}}},
                       {QStringLiteral("keepalive_interval"), sec(s.pingInterval)},
                       {QStringLiteral("keepalive_timeout"), sec(s.pingTimeout)}};
}

void applySettings(GridSettings& s, const QJsonObject& o) {
    s.onlineGrace = seconds(o.value(QStringLiteral("online_grace")), s.onlineGrace);
    const QJsonObject g = o.value(QStringLiteral("offline_grace")).toObject();
    s.offlineGraceDaemon = seconds(g.value(QStringLiteral("daemon")), s.offlineGraceDaemon);
    s.offlineGraceHa = seconds(g.value(QStringLiteral("ha")), s.offlineGraceHa);
    s.offlineGraceRandom = seconds(g.value(QStringLiteral("random")), s.offlineGraceRandom);
    s.pingInterval = seconds(o.value(QStringLiteral("keepalive_interval")), s.pingInterval);
    s.pingTimeout = seconds(o.value(QStringLiteral("keepalive_timeout")), s.pingTimeout);
}

}  // namespace kontena::master
