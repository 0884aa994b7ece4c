// Routes: statistics of a service's containers, of one container and of a
// node (reference 11.3 `/stats`), read from the grid's GridStats.
#include <QDateTime>
#include <QRegularExpression>

#include <variant>

#include "api/stats.h"
#include "master/api_server.h"
#include "master/json_util.h"

namespace kontena::master {

using Method = QHttpServerRequest::Method;

namespace {

std::optional<Instant> timeParam(const QString& text) {
    const QDateTime t = QDateTime::fromString(text, Qt::ISODateWithMs);
    if (!t.isValid()) return std::nullopt;
    return Instant(t.toMSecsSinceEpoch());
}

// "90s", "10m", "1h", "2d" -> milliseconds.
std::optional<qint64> durationParam(const QString& text) {
    static const QRegularExpression re(QStringLiteral("^(\\d{1,7})([smhd])$"));
    const auto m = re.match(text);
    if (!m.hasMatch()) return std::nullopt;
    const qint64 n = m.captured(1).toLongLong();
    const QChar unit = m.captured(2).at(0);
    const qint64 per = unit == u's' ? 1000 : unit == u'm' ? 60'000 : unit == u'h' ? 3'600'000 : 86'400'000;
    return n * per;
}

}  // namespace

// `from`, `to` (ISO 8601 times) or `since` (a duration back from now:
// 90s, 10m, 1h, 2d); default the last hour. A malformed one is a 400 naming it.
std::variant<StatsRange, Reply> statsRangeOf(const QUrlQuery& q, Instant now) {
    StatsRange r{Instant(now.ms - 3'600'000), std::nullopt};
    const QString from = q.queryItemValue(QStringLiteral("from")), to = q.queryItemValue(QStringLiteral("to")),
                  since = q.queryItemValue(QStringLiteral("since"));
    if (!from.isEmpty() && !since.isEmpty()) return Reply::error(400, QStringLiteral("from and since: give one of them"));
    if (!from.isEmpty()) {
        const auto t = timeParam(from);
        if (!t) return Reply::error(400, QStringLiteral("from: expected an ISO 8601 time, got \"%1\"").arg(from));
        r.from = *t;
    }
    if (!since.isEmpty()) {
        const auto d = durationParam(since);
        if (!d) return Reply::error(400, QStringLiteral("since: expected a duration such as 90s, 10m, 1h or 2d, got \"%1\"").arg(since));
        r.from = Instant(now.ms - *d);
    }
    if (!to.isEmpty()) {
        const auto t = timeParam(to);
        if (!t) return Reply::error(400, QStringLiteral("to: expected an ISO 8601 time, got \"%1\"").arg(to));
        if (*t < r.from) return Reply::error(400, QStringLiteral("to: is before the start of the period"));
        r.to = *t;
    }
    return r;
}

void Master::addStatsRoutes() {
    add(Method::Get, QStringLiteral("/v1/services/:grid/:stack/:service/stats"), Permission::GridMember, [this](Call& c) {
        GridRuntime* g = gridOf(c);
        const std::string key = ss(c.param("stack")) + "/" + ss(c.param("service"));
        if (!g->state().service(key)) return Reply::error(404, QStringLiteral("Service %1/%2 not found").arg(c.param("stack"), c.param("service")));
        auto range = statsRangeOf(c.query, g->now());
        if (auto* bad = std::get_if<Reply>(&range)) return *bad;
        api::ServiceStats out;
        out.stats = g->stats().service(key, std::get<StatsRange>(range));
        return Reply::of(out);
    });
    add(Method::Get, QStringLiteral("/v1/containers/:grid/:node/:name/stats"), Permission::GridMember, [this](Call& c) {
        GridRuntime* g = gridOf(c);
        auto range = statsRangeOf(c.query, g->now());
        if (auto* bad = std::get_if<Reply>(&range)) return *bad;
        if (!g->runsOn(c.param("name"), c.param("node")))
            return Reply::error(404, QStringLiteral("Container %1 not found on node %2").arg(c.param("name"), c.param("node")));
        auto stats = g->stats().container(c.param("node"), c.param("name"), std::get<StatsRange>(range));
        if (stats) return Reply::of(*stats);
        api::ContainerStats none;   // placed, no sample yet
        none.container = c.param("name");
        none.node = c.param("node");
        return Reply::of(none);
    });
    add(Method::Get, QStringLiteral("/v1/nodes/:grid/:node/stats"), Permission::GridMember, [this](Call& c) {
        GridRuntime* g = gridOf(c);
        if (!g->state().node(ss(c.param("node")))) return Reply::error(404, QStringLiteral("Node %1 not found").arg(c.param("node")));
        auto range = statsRangeOf(c.query, g->now());
        if (auto* bad = std::get_if<Reply>(&range)) return *bad;
        auto stats = g->stats().node(c.param("node"), std::get<StatsRange>(range));
        if (stats) return Reply::of(*stats);
        api::NodeStats none;   // no sample yet
        none.node = c.param("node");
        return Reply::of(none);
    });
}

}  // namespace kontena::master
