// One kontena-master holding N agent connections over loopback. A load
// generator in one thread speaks the agent protocol (handshake headers,
// /nodes/update) on N WebSockets spread over grids of 250 nodes (node
// numbers stop at 254), keeps them open, and measures the master's answer
// to keepalive pings (WebSocket ping -> pong round trip) while the master
// also pings every connection every second.
//   bench_master_connections [--connections 2000] [--seconds 20]
// Prints BENCH lines: connections held, keepalive p50/p99, master RSS.
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QTimer>

#include <sys/resource.h>

#include "bench/master/bench_master.h"

using namespace kontena;
using bench::percentile;

int main(int argc, char** argv) {
    QCoreApplication app(argc, argv);
    int connections = 2000, seconds = 20;
    const QStringList args = app.arguments();
    for (int i = 1; i + 1 < args.size(); i += 2) {
        if (args[i] == QLatin1String("--connections")) connections = args[i + 1].toInt();
        if (args[i] == QLatin1String("--seconds")) seconds = args[i + 1].toInt();
    }
    rlimit lim{};
    getrlimit(RLIMIT_NOFILE, &lim);
    lim.rlim_cur = lim.rlim_max;
    setrlimit(RLIMIT_NOFILE, &lim);

    bench::BenchMaster master;
    if (!master.start()) return 2;
    const int perGrid = 250;
    const int grids = (connections + perGrid - 1) / perGrid;
    QStringList tokens;
    for (int g = 0; g < grids; ++g) {
        tokens << master.createGrid(QStringLiteral("g%1").arg(g), 3);
        if (tokens.last().isEmpty()) return 2;
    }

    std::vector<std::unique_ptr<QWebSocket>> sockets;
    std::vector<double> rtts;
    int open = 0, closed = 0;
    bool measuring = false;
    QElapsedTimer clock;
    clock.start();
    for (int i = 0; i < connections; ++i) {
        auto s = std::make_unique<QWebSocket>();
        QWebSocket* ws = s.get();
        const QString nodeId = QStringLiteral("bench-node-%1").arg(i);
        const QNetworkRequest req = master.agentRequest(nodeId, QStringLiteral("n%1").arg(i % perGrid), tokens[i / perGrid]);
        QObject::connect(ws, &QWebSocket::connected, ws, [ws, nodeId, &open] {
            ++open;
            ws->sendTextMessage(bench::BenchMaster::nodeUpdate(nodeId));
        });
        QObject::connect(ws, &QWebSocket::disconnected, ws, [&closed] { ++closed; });
        QObject::connect(ws, &QWebSocket::pong, ws, [&rtts, &measuring](quint64 elapsed, const QByteArray&) {
            if (measuring) rtts.push_back(static_cast<double>(elapsed));
        });
        ws->open(req);
        sockets.push_back(std::move(s));
        if (i % 50 == 49) QCoreApplication::processEvents();
    }
    // Wait until everything is connected (or 60 s).
    while (open < connections && clock.elapsed() < 60'000) QCoreApplication::processEvents(QEventLoop::AllEvents, 50);
    const double connectSeconds = static_cast<double>(clock.elapsed()) / 1000.0;
    // Each connection pings the master once a second, spread over the second.
    measuring = true;
    QTimer tick;
    int next = 0;
    QObject::connect(&tick, &QTimer::timeout, [&] {
        const int batch = std::max(1, connections / 100);
        for (int k = 0; k < batch; ++k, next = (next + 1) % connections) {
            if (sockets[static_cast<std::size_t>(next)]->state() == QAbstractSocket::ConnectedState) sockets[static_cast<std::size_t>(next)]->ping();
        }
    });
    tick.start(10);
    QElapsedTimer run;
    run.start();
    while (run.elapsed() < seconds * 1000) QCoreApplication::processEvents(QEventLoop::AllEvents, 50);
    tick.stop();
    int held = 0;
    for (const auto& s : sockets) held += s->state() == QAbstractSocket::ConnectedState ? 1 : 0;
    const double rss = bench::rssMiB(master.pid());
    const auto nodes = master.api().get(QStringLiteral("/v1/grids/g0/nodes"));
    int online = 0;
    for (const auto& n : nodes.object().value(QStringLiteral("nodes")).toArray()) online += n.toObject().value(QStringLiteral("status")).toString() == QStringLiteral("online");
    std::printf("BENCH master_connections %d count\n", held);
    std::printf("BENCH master_connect_all %.1f s\n", connectSeconds);
    std::printf("BENCH master_keepalive_samples %zu count\n", rtts.size());
    std::printf("BENCH master_keepalive_p50 %.1f ms\n", percentile(rtts, 0.50));
    std::printf("BENCH master_keepalive_p99 %.1f ms\n", percentile(rtts, 0.99));
    std::printf("BENCH master_rss %.1f MiB\n", rss);
    std::printf("BENCH master_grid0_online %d nodes\n", online);
    sockets.clear();
    return held == connections ? 0 : 1;
}
