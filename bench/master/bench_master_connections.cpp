// One kontena-master holding N agent connections over loopback. Load
// generators speak the agent protocol (handshake headers, /nodes/update)
// on N WebSockets spread over grids of 250 nodes (node numbers stop at
// 254), keep them open, and measure the master's answer to keepalive pings
// (WebSocket ping -> pong round trip; each connection every
// --ping-interval s, spread evenly) while the master also pings every
// connection every --keepalive s (the grids' keepalive_interval; Kontena's
// default for both is 30 s, the stress default here 1 s). With --workers W the connections are split over
// W generator processes (this program again), so the generator does not
// starve the master of the machine's cores alone.
//   bench_master_connections [--connections 2000] [--seconds 20] [--workers 1]
//                            [--keepalive 1] [--ping-interval 1]
// Prints BENCH lines: connections held, time until the master accepted
// all (each agent's first node info), keepalive p50/p99 over the run and
// over the part from 10 s after that (`settled`: the grid as it runs, not
// the joins' aftermath), master RSS at the end, the master's CPU time and
// the generators' (cores x seconds is all the machine has: generators that
// take most of it starve the master, and the figures measure them).
// KONTENA_MASTER_BIN in the environment runs another build's master, for
// before/after figures in the same conditions.
#include <QCoreApplication>
#include <QDateTime>
#include <QElapsedTimer>
#include <QTimer>


#include <map>

#include "bench/master/bench_master.h"

using namespace kontena;
using bench::percentile;

namespace {

constexpr int kPerGrid = 250;

struct Options {
    int connections = 2000, seconds = 20, workers = 1;
    int keepalive = 1;      // the grids' keepalive_interval (s): the master pings every agent this often
    int pingInterval = 1;   // each generated agent pings the master this often (s)
    // A worker: the master's port, the grid tokens, its range, its output file.
    bool worker = false;
    quint16 port = 0;
    QStringList tokens;
    int first = 0, count = 0;
    qint64 startedAt = 0;   // ms since the epoch when the parent started connecting
    QString out;
};

Options parse(const QStringList& args) {
    Options o;
    for (int i = 1; i < args.size(); ++i) {
        const QString& a = args[i];
        const QString v = i + 1 < args.size() ? args[i + 1] : QString();
        if (a == QLatin1String("--worker")) { o.worker = true; continue; }
        ++i;
        if (a == QLatin1String("--connections")) o.connections = v.toInt();
        else if (a == QLatin1String("--seconds")) o.seconds = v.toInt();
        else if (a == QLatin1String("--workers")) o.workers = std::max(1, v.toInt());
        else if (a == QLatin1String("--keepalive")) o.keepalive = std::max(1, v.toInt());
        else if (a == QLatin1String("--ping-interval")) o.pingInterval = std::max(1, v.toInt());
        else if (a == QLatin1String("--port")) o.port = quint16(v.toUInt());
        else if (a == QLatin1String("--tokens")) o.tokens = v.split(u',');
        else if (a == QLatin1String("--first")) o.first = v.toInt();
        else if (a == QLatin1String("--count")) o.count = v.toInt();
        else if (a == QLatin1String("--started-at")) o.startedAt = v.toLongLong();
        else if (a == QLatin1String("--out")) o.out = v;
    }
    return o;
}

// What one generator measured.
struct Measured {
    int held = 0;
    double connectMs = 0;   // from the parent's start until this generator's last agent was accepted (its node info came)
    std::vector<double> rtts;
    std::vector<double> settled;   // those from kSettleMs after all were accepted on
    double cpuSeconds = 0;         // the generators' own CPU time (are they starving the master?)
};

// The first seconds after the last agent was accepted, the master still
// sends what thousands of joins changed (peers, DNS records); the figures
// after it are the grid as it runs.
constexpr qint64 kSettleMs = 10'000;

// Opens connections [first, first + count), waits until the master has
// accepted every agent (its first /agent/node_info: the node is stored and
// numbered) or 60 s from `startedAt`, then pings each every `pingInterval`
// s for `seconds`.
Measured generate(quint16 port, const QStringList& tokens, int first, int count, int seconds, qint64 startedAt, int pingInterval) {
    std::vector<std::unique_ptr<QWebSocket>> sockets;
    Measured m;
    int accepted = 0;
    bool measuring = false;
    QElapsedTimer since;   // since measuring began
    std::map<int, int> closes;   // close code -> connections closed with it
    for (int i = first; i < first + count; ++i) {
        auto s = std::make_unique<QWebSocket>();
        QWebSocket* ws = s.get();
        const QString nodeId = QStringLiteral("bench-node-%1").arg(i);
        const QNetworkRequest req = bench::agentRequest(port, nodeId, QStringLiteral("n%1").arg(i % kPerGrid), tokens[i / kPerGrid]);
        QObject::connect(ws, &QWebSocket::connected, ws, [ws, nodeId] { ws->sendTextMessage(bench::BenchMaster::nodeUpdate(nodeId)); });
        QObject::connect(ws, &QWebSocket::textMessageReceived, ws, [ws, &accepted](const QString& text) {
            if (ws->property("accepted").toBool() || !text.contains(QLatin1String(protocol::method::kNodeInfo))) return;
            ws->setProperty("accepted", true);
            ++accepted;
        });
        QObject::connect(ws, &QWebSocket::disconnected, ws, [ws, &closes] { ++closes[int(ws->closeCode())]; });
        QObject::connect(ws, &QWebSocket::pong, ws, [&m, &measuring, &since](quint64 elapsed, const QByteArray&) {
            if (!measuring) return;
            m.rtts.push_back(static_cast<double>(elapsed));
            if (since.elapsed() >= kSettleMs) m.settled.push_back(static_cast<double>(elapsed));
        });
        ws->open(req);
        sockets.push_back(std::move(s));
        if (i % 50 == 49) QCoreApplication::processEvents();   // handshakes go on while opening
    }
    const auto sinceStart = [startedAt] { return static_cast<double>(QDateTime::currentMSecsSinceEpoch() - startedAt); };
    // Waits in the event loop (not a polling loop: that would take a core from the master).
    {
        QEventLoop wait;
        QTimer check;
        QObject::connect(&check, &QTimer::timeout, &wait, [&] {
            if (accepted >= count || sinceStart() >= 60'000) wait.quit();
        });
        check.start(20);
        wait.exec();
    }
    m.connectMs = sinceStart();
    // Each connection pings the master every pingInterval s, spread evenly.
    measuring = true;
    since.start();
    QTimer tick;
    int next = 0;
    QObject::connect(&tick, &QTimer::timeout, [&] {
        const int batch = std::max(1, count / (100 * pingInterval));
        for (int k = 0; k < batch; ++k, next = (next + 1) % count) {
            if (sockets[static_cast<std::size_t>(next)]->state() == QAbstractSocket::ConnectedState) sockets[static_cast<std::size_t>(next)]->ping();
        }
    });
    tick.start(10);
    {
        QEventLoop run;
        QTimer::singleShot(seconds * 1000, &run, &QEventLoop::quit);
        run.exec();
    }
    tick.stop();
    for (const auto& s : sockets) m.held += s->state() == QAbstractSocket::ConnectedState ? 1 : 0;
    for (const auto& [code, n] : closes) std::fprintf(stderr, "generator [%d, %d): %d connections closed with code %d\n", first, first + count, n, code);
    return m;
}

int runWorker(const Options& o) {
    const Measured m = generate(o.port, o.tokens, o.first, o.count, o.seconds, o.startedAt, o.pingInterval);
    QFile f(o.out);
    if (!f.open(QIODevice::WriteOnly)) return 2;
    f.write(QByteArray::number(m.held) + ' ' + QByteArray::number(m.connectMs) + ' ' + QByteArray::number(bench::cpuSeconds(getpid())) + '\n');
    for (double r : m.rtts) f.write(QByteArray::number(r) + '\n');
    for (double r : m.settled) f.write("s " + QByteArray::number(r) + '\n');
    return 0;
}

// Runs `o.workers` generator processes and merges what they measured.
Measured runWorkers(const Options& o, quint16 port, const QStringList& tokens, qint64 startedAt, const QString& dir) {
    std::vector<std::unique_ptr<QProcess>> procs;
    const int per = (o.connections + o.workers - 1) / o.workers;
    for (int w = 0; w < o.workers; ++w) {
        const int first = w * per, count = std::min(per, o.connections - first);
        if (count <= 0) break;
        auto p = std::make_unique<QProcess>();
        p->setProcessChannelMode(QProcess::ForwardedChannels);
        p->start(QCoreApplication::applicationFilePath(),
                 {QStringLiteral("--worker"), QStringLiteral("--port"), QString::number(port), QStringLiteral("--tokens"), tokens.join(u','),
                  QStringLiteral("--first"), QString::number(first), QStringLiteral("--count"), QString::number(count),
                  QStringLiteral("--seconds"), QString::number(o.seconds), QStringLiteral("--started-at"), QString::number(startedAt),
                  QStringLiteral("--ping-interval"), QString::number(o.pingInterval),
                  QStringLiteral("--out"), dir + QStringLiteral("/worker-%1").arg(w)});
        procs.push_back(std::move(p));
    }
    Measured all;
    for (std::size_t w = 0; w < procs.size(); ++w) {
        procs[w]->waitForFinished(-1);
        QFile f(dir + QStringLiteral("/worker-%1").arg(w));
        if (!f.open(QIODevice::ReadOnly)) continue;
        const QList<QByteArray> lines = f.readAll().split('\n');
        const QList<QByteArray> head = lines.value(0).split(' ');
        all.held += head.value(0).toInt();
        all.connectMs = std::max(all.connectMs, head.value(1).toDouble());
        all.cpuSeconds += head.value(2).toDouble();
        for (qsizetype i = 1; i < lines.size(); ++i) {
            if (lines[i].startsWith("s ")) all.settled.push_back(lines[i].mid(2).toDouble());
            else if (!lines[i].isEmpty()) all.rtts.push_back(lines[i].toDouble());
        }
    }
    return all;
}

}  // namespace

int main(int argc, char** argv) {
    bench::useEpollLoop();
    QCoreApplication app(argc, argv);
    bench::raiseFileLimit();
    const Options o = parse(app.arguments());
    if (o.worker) return runWorker(o);

    bench::BenchMaster master;
    if (!master.start()) return 2;
    const int grids = (o.connections + kPerGrid - 1) / kPerGrid;
    QStringList tokens;
    for (int g = 0; g < grids; ++g) {
        tokens << master.createGrid(QStringLiteral("g%1").arg(g), 3, o.keepalive);
        if (tokens.last().isEmpty()) return 2;
    }
    const double cpuBefore = bench::cpuSeconds(master.pid());
    const qint64 startedAt = QDateTime::currentMSecsSinceEpoch();
    QTemporaryDir out;
    const double ownCpuBefore = bench::cpuSeconds(getpid());
    Measured m = o.workers > 1 ? runWorkers(o, master.port(), tokens, startedAt, out.path())
                               : generate(master.port(), tokens, 0, o.connections, o.seconds, startedAt, o.pingInterval);
    if (o.workers == 1) m.cpuSeconds = bench::cpuSeconds(getpid()) - ownCpuBefore;
    const double rss = bench::rssMiB(master.pid());
    const double cpu = bench::cpuSeconds(master.pid()) - cpuBefore;
    // Generators that finished have closed their connections: counted only when held here.
    int online = 0;
    if (o.workers == 1) {
        const auto nodes = master.api().get(QStringLiteral("/v1/grids/g0/nodes"));
        for (const auto& n : nodes.object().value(QStringLiteral("nodes")).toArray()) online += n.toObject().value(QStringLiteral("status")).toString() == QStringLiteral("online");
    }
    std::printf("BENCH master_connections %d count\n", m.held);
    std::printf("BENCH master_connect_all %.1f s\n", m.connectMs / 1000.0);
    std::printf("BENCH master_keepalive_samples %zu count\n", m.rtts.size());
    std::printf("BENCH master_keepalive_p50 %.1f ms\n", percentile(m.rtts, 0.50));
    std::printf("BENCH master_keepalive_p99 %.1f ms\n", percentile(m.rtts, 0.99));
    std::printf("BENCH master_keepalive_settled_samples %zu count\n", m.settled.size());
    std::printf("BENCH master_keepalive_settled_p50 %.1f ms\n", percentile(m.settled, 0.50));
    std::printf("BENCH master_keepalive_settled_p99 %.1f ms\n", percentile(m.settled, 0.99));
    std::printf("BENCH master_rss %.1f MiB\n", rss);
    std::printf("BENCH master_cpu %.1f s\n", cpu);
    std::printf("BENCH generator_cpu %.1f s\n", m.cpuSeconds);
    if (o.workers == 1) std::printf("BENCH master_grid0_online %d nodes\n", online);
    return m.held == o.connections ? 0 : 1;
}
