// `kontena service stats SERVICE`, `kontena node stats NODE` (Kontena's
// columns: CONTAINER, CPU %, MEM USAGE/LIMIT, MEM %, NET I/O) and
// `kontena grid update --statsd-server HOST:PORT | --no-statsd-server`.
#include "stats_command.h"

#include "api/grid.h"
#include "api/paths.h"
#include "api/stats.h"
#include "command.h"
#include "session.h"

namespace kontena::cli {
namespace {

namespace paths = api::paths;

QString opt(const char* name) { return QString::fromLatin1(name); }

QString scaled(double v, double base, const char* const* units) {
    int i = 0;
    while (v >= base && units[i + 1]) {
        v /= base;
        ++i;
    }
    return QString::number(v, 'g', 4) + QLatin1String(units[i]);   // Docker's "%.4g"
}

QString percent(double v) { return QString::number(v, 'f', 2) + QLatin1Char('%'); }

// CPU %, MEM USAGE/LIMIT, MEM %, NET I/O of a point ("-" each without one).
QStringList pointColumns(const std::optional<api::StatsPoint>& p) {
    if (!p) return {opt("-"), opt("-"), opt("-"), opt("-")};
    const QString limit = p->memoryLimit > 0 ? binaryBytes(p->memoryLimit) : opt("-");
    return {percent(p->cpuPercent), binaryBytes(p->memory) + QStringLiteral(" / ") + limit,
            p->memoryLimit > 0 ? percent(p->memoryPercent()) : opt("-"), decimalBytes(p->rxBytes) + QStringLiteral(" / ") + decimalBytes(p->txBytes)};
}

// The period options of both stats commands, as the query.
QList<QCommandLineOption> periodOptions() {
    return {{opt("since"), opt("Points of this period back from now in -o json (90s, 10m, 1h, 2d; default: none, the newest sample only)"), opt("DURATION")}};
}
QString periodQuery(const Call& c) { return QStringLiteral("since=") + (c.isSet("since") ? c.value("since") : opt("0s")); }

}  // namespace

QString binaryBytes(double bytes) {
    static const char* const units[] = {"B", "KiB", "MiB", "GiB", "TiB", nullptr};
    return scaled(bytes, 1024, units);
}

QString decimalBytes(double bytes) {
    static const char* const units[] = {"B", "kB", "MB", "GB", "TB", nullptr};
    return scaled(bytes, 1000, units);
}

int serviceStats(const QStringList& args) {
    return runCommand({opt("kontena service stats"), opt("Show the newest statistics of a service's containers."), periodOptions(), {opt("SERVICE")},
                       Needs::Grid, true},
                      args, [](Call& c) {
                          const api::ServiceRef ref = api::ServiceRef::inGrid(c.grid(), c.arg(0));
                          const auto stats = c.get<api::ServiceStats>(paths::serviceStats(ref, periodQuery(c)));
                          if (!stats) return c.failed();
                          return c.print(api::toJsonArray(stats->stats), [&] {
                              QList<QStringList> rows;
                              for (const auto& s : stats->stats) rows.append(QStringList{s.container} + pointColumns(s.latest));
                              printTable({opt("CONTAINER"), opt("CPU %"), opt("MEM USAGE/LIMIT"), opt("MEM %"), opt("NET I/O")}, rows);
                          });
                      });
}

int nodeStats(const QStringList& args) {
    return runCommand({opt("kontena node stats"), opt("Show a node's newest statistics."), periodOptions(), {opt("NODE")}, Needs::Grid, true},
                      args, [](Call& c) {
                          const auto stats = c.get<api::NodeStats>(paths::nodeStats(c.grid(), c.arg(0), periodQuery(c)));
                          if (!stats) return c.failed();
                          return c.print(stats->toJson(), [&] {
                              QString load = opt("-");
                              if (stats->load) {
                                  load = QStringLiteral("%1, %2, %3")
                                             .arg(stats->load->value(opt("1m")).toDouble(), 0, 'f', 2)
                                             .arg(stats->load->value(opt("5m")).toDouble(), 0, 'f', 2)
                                             .arg(stats->load->value(opt("15m")).toDouble(), 0, 'f', 2);
                              }
                              printTable({opt("NODE"), opt("CPU %"), opt("MEM USAGE/TOTAL"), opt("MEM %"), opt("NET I/O"), opt("LOAD")},
                                         {QStringList{stats->node} + pointColumns(stats->latest) + QStringList{load}});
                          });
                      });
}

namespace {

// --statsd-server / --no-statsd-server into `update`; an error text or "".
QString statsdUpdate(Call& c, api::GridUpdate& update) {
    if (!c.isSet("statsd-server") && !c.isSet("no-statsd-server")) return {};
    if (c.isSet("statsd-server") && c.isSet("no-statsd-server")) return QStringLiteral("give --statsd-server HOST:PORT or --no-statsd-server");
    update.stats = api::GridStatsSettings{};
    if (c.isSet("no-statsd-server")) return {};
    const QString v = c.value("statsd-server");
    const qsizetype colon = v.lastIndexOf(QLatin1Char(':'));
    bool ok = false;
    const int port = colon > 0 ? v.mid(colon + 1).toInt(&ok) : 0;
    if (!ok || port < 1 || port > 65535) return QStringLiteral("--statsd-server must be HOST:PORT");
    api::StatsdServer s;
    s.server = v.left(colon);
    s.port = port;
    update.stats->statsd = s;
    return {};
}

// --log-forwarder fluentd --log-opt K=V... / --no-log-forwarder into `update`.
QString logsUpdate(Call& c, api::GridUpdate& update) {
    if (!c.isSet("log-forwarder") && !c.isSet("no-log-forwarder")) {
        return c.isSet("log-opt") ? QStringLiteral("--log-opt needs --log-forwarder") : QString();
    }
    if (c.isSet("log-forwarder") && c.isSet("no-log-forwarder")) return QStringLiteral("give --log-forwarder or --no-log-forwarder");
    update.logs = api::GridLogSettings{};
    if (c.isSet("no-log-forwarder")) return {};
    update.logs->forwarder = c.value("log-forwarder");
    if (update.logs->forwarder != QLatin1String("fluentd") && update.logs->forwarder != QLatin1String("none"))
        return QStringLiteral("--log-forwarder must be fluentd or none");
    QJsonObject opts;
    for (const QString& kv : c.values("log-opt")) {
        const qsizetype eq = kv.indexOf(QLatin1Char('='));
        if (eq <= 0) return QStringLiteral("--log-opt must be KEY=VALUE");
        opts.insert(kv.left(eq), kv.mid(eq + 1));
    }
    update.logs->opts = opts;
    return {};
}

void printGridUpdate(const QString& name, const api::Grid& grid) {
    printOut(grid.stats && grid.stats->statsd
                 ? QStringLiteral("Grid %1 exports statistics to statsd at %2:%3\n").arg(name, grid.stats->statsd->server).arg(grid.stats->statsd->port)
                 : QStringLiteral("Grid %1 exports no statistics\n").arg(name));
    if (grid.logs && grid.logs->forwarder != QLatin1String("none")) {
        const QString address = grid.logs->opts.value_or(QJsonObject()).value(opt("fluentd-address")).toString();
        printOut(QStringLiteral("Grid %1 forwards container logs to %2 at %3\n").arg(name, grid.logs->forwarder, address));
    } else {
        printOut(QStringLiteral("Grid %1 forwards no logs\n").arg(name));
    }
}

}  // namespace

int gridUpdate(const QStringList& args) {
    return runCommand({opt("kontena grid update"), opt("Change a grid's settings (default: the current grid)."),
                       {{opt("statsd-server"), opt("Export container statistics to this statsd server (UDP)"), opt("HOST:PORT")},
                        {opt("no-statsd-server"), opt("Stop the statsd export")},
                        {opt("log-forwarder"), opt("Forward container logs: fluentd (or none)"), opt("FORWARDER")},
                        {opt("log-opt"), opt("Log forwarder option (repeat), e.g. fluentd-address=HOST:PORT"), opt("KEY=VALUE")},
                        {opt("no-log-forwarder"), opt("Stop forwarding logs")},
                        {opt("default-affinity"), opt("Default affinity rule (repeat); replaces the grid's"), opt("RULE")},
                        {opt("no-default-affinity"), opt("Clear the default affinity")}},
                       {opt("[NAME]")}, Needs::Grid, false, 0, 1},
                      args, [](Call& c) {
                          if (!c.arg(0).isEmpty()) c.needs = Needs::Master;
                          const QString name = c.args().isEmpty() ? c.grid() : c.arg(0);
                          api::GridUpdate update;
                          if (QString e = statsdUpdate(c, update); !e.isEmpty()) return c.usage(e);
                          if (QString e = logsUpdate(c, update); !e.isEmpty()) return c.usage(e);
                          if (c.isSet("default-affinity") || c.isSet("no-default-affinity")) update.defaultAffinity = c.values("default-affinity");
                          if (!update.stats && !update.logs && !update.defaultAffinity)
                              return c.usage(QStringLiteral("nothing to update (--statsd-server, --log-forwarder, --default-affinity, or their --no- forms)"));
                          const auto grid = c.put<api::Grid>(paths::grid(name), update);
                          if (!grid) return c.failed();
                          printGridUpdate(name, *grid);
                          return static_cast<int>(Ok);
                      });
}

}  // namespace kontena::cli
