#include "master/json_util.h"

#include <QDateTime>

namespace kontena::master {

std::optional<QString> timeText(const std::optional<Instant>& t) {
    if (!t) return std::nullopt;
    return QDateTime::fromMSecsSinceEpoch(t->ms, Qt::UTC).toString(Qt::ISODateWithMs);
}

QJsonValue timeJson(const std::optional<Instant>& t) {
    const std::optional<QString> text = timeText(t);
    return text ? QJsonValue(*text) : QJsonValue();
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

QStringList qstrings(const std::vector<std::string>& v) {
    QStringList out;
    out.reserve(static_cast<qsizetype>(v.size()));
    for (const auto& s : v) out.append(qs(s));
    return out;
}

std::vector<std::string> stringsFrom(const QJsonValue& v) {
    std::vector<std::string> out;
    for (const auto& x : v.toArray()) out.push_back(ss(x.toString()));
    return out;
}

namespace {

Duration seconds(const std::optional<double>& v, Duration fallback) {
    return v ? Duration::millis(static_cast<std::int64_t>(*v * 1000.0)) : fallback;
}

}  // namespace

api::GridSettings apiSettings(const GridSettings& s) {
    auto sec = [](Duration d) { return static_cast<double>(d.ms) / 1000.0; };
    api::GridSettings out;
    out.onlineGrace = sec(s.onlineGrace);
    out.offlineGrace = api::OfflineGrace{};
    out.offlineGrace->daemon = sec(s.offlineGraceDaemon);
    out.offlineGrace->ha = sec(s.offlineGraceHa);
    out.offlineGrace->random = sec(s.offlineGraceRandom);
    out.keepaliveInterval = sec(s.pingInterval);
    out.keepaliveTimeout = sec(s.pingTimeout);
    return out;
}

QJsonObject settingsJson(const GridSettings& s) { return apiSettings(s).toJson(); }

void applySettings(GridSettings& s, const api::GridSettings& a) {
    s.onlineGrace = seconds(a.onlineGrace, s.onlineGrace);
    if (a.offlineGrace) {
        s.offlineGraceDaemon = seconds(a.offlineGrace->daemon, s.offlineGraceDaemon);
        s.offlineGraceHa = seconds(a.offlineGrace->ha, s.offlineGraceHa);
        s.offlineGraceRandom = seconds(a.offlineGrace->random, s.offlineGraceRandom);
    }
    s.pingInterval = seconds(a.keepaliveInterval, s.pingInterval);
    s.pingTimeout = seconds(a.keepaliveTimeout, s.pingTimeout);
}

void applySettings(GridSettings& s, const QJsonObject& o) {
    if (auto decoded = api::GridSettings::fromJson(o)) applySettings(s, decoded.value());
}

}  // namespace kontena::master
