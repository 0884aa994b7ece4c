// Failover time of several masters on PostgreSQL (issue 19): a private
// PostgreSQL, three kontena-masters with a lease of --lease-ms, --agents
// simulated nodes that connect through the agent's own connection code
// (agent/master_connection.h: the URL list, the follower's pointer to the
// leader, the backoff) and send /nodes/update. The leader gets SIGKILL;
// measured from the kill:
//   first write accepted by the new leader (a client retrying on the
//   followers every 100 ms and following their 307), and
//   every agent connected to the new leader again.
//   bench_master_failover [--agents 50] [--lease-ms 2000] [--rounds 3]
// Each round kills the current leader and starts it again afterwards.
// Prints BENCH lines (median and worst over the rounds).
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QLoggingCategory>
#include <QTemporaryDir>

#include <algorithm>
#include <memory>

#include "agent/master_connection.h"
#include "bench/bench_util.h"
#include "protocol/messages.h"
#include "tests/ha/ha_client.h"
#include "tests/ha/postgres_harness.h"
#include "tests/master/platform_harness.h"

using namespace kontena;
using testing::HaClient;
using testing::MasterProcess;

namespace {

// Runs the event loop until `done` or `ms` pass; false on time out.
bool spin(const std::function<bool()>& done, int ms) {
    QElapsedTimer t;
    t.start();
    while (!done()) {
        if (t.elapsed() > ms) return false;
        QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
    }
    return true;
}

std::unique_ptr<agentd::MasterConnection> makeAgent(int i, const QList<QUrl>& urls, const QString& token) {
    agentd::AgentConfig c;
    c.masterUrls = urls;
    c.masterUrl = urls.first();
    c.token = token;
    c.nodeId = QStringLiteral("bench-%1").arg(i);
    c.nodeName = QStringLiteral("n%1").arg(i);
    c.version = QStringLiteral("0.1.0");
    auto conn = std::make_unique<agentd::MasterConnection>(c);
    agentd::MasterConnection* raw = conn.get();
    QObject::connect(raw, &agentd::MasterConnection::connected, raw, [raw, c] {
        protocol::NodeUpdate u;
        u.nodeId = c.nodeId;
        u.name = c.nodeName;
        u.cpus = 2;
        u.memTotal = 4LL << 30;
        raw->request(QString::fromLatin1(protocol::method::kNodesUpdate), protocol::params(protocol::toJson(u)), [](auto&&, auto&&) {});
    });
    return conn;
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v.empty() ? -1 : v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
    QCoreApplication app(argc, argv);
    QLoggingCategory::setFilterRules(QStringLiteral("kontena.agent.*=false"));   // 50 agents' reconnect lines
    const char* usage = "bench_master_failover [--agents 50] [--lease-ms 2000] [--rounds 3]";
    const int agents = bench::intOption(argc, argv, "--agents", 50, usage);
    const int leaseMs = bench::intOption(argc, argv, "--lease-ms", 2000, usage);
    const int rounds = bench::intOption(argc, argv, "--rounds", 3, usage);
    qputenv("KONTENA_MASTER_BIN", KONTENA_MASTER_BIN);
    QTemporaryDir dir;
    testing::PostgresServer pg;
    if (const QString e = pg.start(dir.filePath(QStringLiteral("pg"))); !e.isEmpty()) {
        std::fprintf(stderr, "bench_master_failover: %s\n", qPrintable(e));
        return 1;
    }
    std::vector<std::unique_ptr<MasterProcess>> masters;
    HaClient api;
    QList<QUrl> wsUrls;
    for (int i = 0; i < 3; ++i) {
        masters.push_back(std::make_unique<MasterProcess>(dir.filePath(QStringLiteral("m%1").arg(i)),
                                                          QStringList{QStringLiteral("--store"), pg.url(), QStringLiteral("--lease"),
                                                                      QString::number(leaseMs / 1000.0), QStringLiteral("--log-level"), QStringLiteral("warning")}));
        if (!masters.back()->start(QStringLiteral("bench-code"))) return std::fprintf(stderr, "a master did not start\n"), 1;
        api.masters << masters.back()->url();
        wsUrls << QUrl(masters.back()->wsUrl());
    }
    api.token = api.send("POST", QStringLiteral("/v1/auth"), QJsonObject{{QStringLiteral("code"), QStringLiteral("bench-code")}}).body.value(QStringLiteral("access_token")).toString();
    if (api.send("POST", QStringLiteral("/v1/grids"), QJsonObject{{QStringLiteral("name"), QStringLiteral("b")}, {QStringLiteral("initial_size"), 1}}).status != 201)
        return std::fprintf(stderr, "cannot create the grid\n"), 1;
    const QString token = api.send("GET", QStringLiteral("/v1/grids/b/token")).body.value(QStringLiteral("token")).toString();
    std::vector<std::unique_ptr<agentd::MasterConnection>> conns;
    for (int i = 0; i < agents; ++i) conns.push_back(makeAgent(i, wsUrls, token));
    for (auto& c : conns) c->open();

    // Which master leads: the one whose /leader says so.
    auto leader = [&]() -> int {
        for (int i = 0; i < 3; ++i) {
            if (masters[size_t(i)]->pid() && api.once("GET", api.masters[i] + QStringLiteral("/v1/grids/b/leader"), {}).body.value(QStringLiteral("leading")).toBool()) return i;
        }
        return -1;
    };
    auto allOn = [&](int m) {
        return std::all_of(conns.begin(), conns.end(), [&](const auto& c) { return c->isConnected() && c->currentUrl() == wsUrls[m]; });
    };
    std::vector<double> firstWrite, reconnected;
    for (int round = 0; round < rounds; ++round) {
        const int was = leader();
        if (was < 0 || !spin([&] { return allOn(was); }, 30000)) return std::fprintf(stderr, "agents did not settle on the leader\n"), 1;
        QElapsedTimer t;
        t.start();
        masters[size_t(was)]->kill9();
        qint64 writeMs = -1;
        for (int n = 0; writeMs < 0 && t.elapsed() < 60000; ++n) {
            const auto a = api.send("POST", QStringLiteral("/v1/volumes/b"),
                                    QJsonObject{{QStringLiteral("name"), QStringLiteral("r%1-%2").arg(round).arg(n)}, {QStringLiteral("scope"), QStringLiteral("grid")}},
                                    (was + 1) % 3, 1000);
            if (a.status == 201) writeMs = t.elapsed();
        }
        const int now = leader();
        if (writeMs < 0 || now < 0 || !spin([&] { return allOn(now); }, 60000)) return std::fprintf(stderr, "no failover in round %d\n", round), 1;
        firstWrite.push_back(double(writeMs));
        reconnected.push_back(double(t.elapsed()));
        std::printf("round %d: master %d -> %d, first write %lld ms, %d agents back %lld ms\n", round, was, now, writeMs, agents, t.elapsed());
        if (!masters[size_t(was)]->start(QStringLiteral("bench-code"))) return std::fprintf(stderr, "restart failed\n"), 1;
    }
    std::printf("BENCH master_failover_lease %d ms\n", leaseMs);
    std::printf("BENCH master_failover_first_write_median %.0f ms\n", median(firstWrite));
    std::printf("BENCH master_failover_first_write_max %.0f ms\n", *std::max_element(firstWrite.begin(), firstWrite.end()));
    std::printf("BENCH master_failover_agents_reconnected_median %.0f ms\n", median(reconnected));
    std::printf("BENCH master_failover_agents_reconnected_max %.0f ms\n", *std::max_element(reconnected.begin(), reconnected.end()));
    std::printf("BENCH master_failover_agents %d agents\n", agents);
    return 0;
}
