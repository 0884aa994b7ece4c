// Container log lines through the master's agent endpoint into its log
// store (issue 17's figure): N simulated agents send /containers/log_batch
// requests of `--batch` lines (answered once the lines are on disk) at
// `--rate` lines/s in all (0: each keeps `--window` batches in flight, as
// fast as the master answers), while every agent also pings the master ten
// times a second, so the keepalive latency is measured under the ingest
// load, on the same event loop.
//   bench_log_ingest [--agents 10] [--batch 200] [--rate 50000] [--window 2] [--seconds 10]
// Prints BENCH lines: lines/s acknowledged, keepalive p50/p99, master RSS.
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QTimer>

#include <map>

#include "bench/bench_util.h"
#include "bench/master/bench_master.h"

using namespace kontena;

namespace {

QString encodeBatch(qint64 id, int lines, int agent) {
    protocol::LogBatch b;
    const QDateTime now = QDateTime::currentDateTimeUtc();
    for (int i = 0; i < lines; ++i) {
        protocol::LogEntry e;
        e.containerId = QStringLiteral("c%1").arg(agent);
        e.name = QStringLiteral("bench.app-%1").arg(agent + 1);
        e.stream = QStringLiteral("stdout");
        e.data = QStringLiteral("GET /index.html 200 1043 bytes in 0.4 ms request %1 of batch %2\n").arg(i).arg(id);
        e.at = now;
        b.entries.append(e);
    }
    return QString::fromUtf8(protocol::encode(protocol::Frame::request(id, QString::fromLatin1(protocol::method::kContainersLogBatch),
                                                                       protocol::params(protocol::toJson(b)))));
}

// The batch frame with request id `id`: encoded once per agent, then only
// the id changes (the generator must not be what limits the rate).
QString logBatchFrame(qint64 id, int lines, int agent) {
    static std::map<std::pair<int, int>, QString> tails;
    auto& tail = tails[{agent, lines}];
    if (tail.isEmpty()) {
        const QString one = encodeBatch(1, lines, agent);
        if (!one.startsWith(QLatin1String("[0,1,"))) return encodeBatch(id, lines, agent);
        tail = one.mid(5);
    }
    return QStringLiteral("[0,%1,").arg(id) + tail;
}

}  // namespace

int main(int argc, char** argv) {
    QCoreApplication app(argc, argv);
    const char* usage = "usage: bench_log_ingest [--agents N] [--batch LINES] [--rate LINES_PER_S] [--window BATCHES] [--seconds S]";
    const int agents = bench::intOption(argc, argv, "--agents", 10, usage);
    const int batch = bench::intOption(argc, argv, "--batch", 200, usage);
    const int window = bench::intOption(argc, argv, "--window", 2, usage);
    const int seconds = bench::intOption(argc, argv, "--seconds", 10, usage);
    const int rate = bench::intOption(argc, argv, "--rate", 50000, usage);

    bench::BenchMaster master;
    if (!master.start()) return 2;
    const QString token = master.createGrid(QStringLiteral("logs"), 1);
    if (token.isEmpty()) return 2;

    std::vector<std::unique_ptr<QWebSocket>> sockets;
    std::vector<double> rtts;
    qint64 acked = 0, failed = 0, nextId = 100;
    bool running = true;
    int open = 0;
    for (int a = 0; a < agents; ++a) {
        auto s = std::make_unique<QWebSocket>();
        QWebSocket* ws = s.get();
        const QString nodeId = QStringLiteral("ingest-node-%1").arg(a);
        QObject::connect(ws, &QWebSocket::connected, ws, [&, ws, nodeId, a] {
            ++open;
            ws->sendTextMessage(bench::BenchMaster::nodeUpdate(nodeId));
            if (rate == 0)
                for (int k = 0; k < window; ++k) ws->sendTextMessage(logBatchFrame(nextId++, batch, a));
        });
        QObject::connect(ws, &QWebSocket::textMessageReceived, ws, [&, ws, a](const QString& text) {
            const auto f = protocol::decode(text.toUtf8());
            if (!f || f->kind != protocol::FrameKind::Response || f->id < 100) return;   // not an answer to a batch
            if (f->error) ++failed;
            else acked += batch;
            if (running && rate == 0) ws->sendTextMessage(logBatchFrame(nextId++, batch, a));
        });
        QObject::connect(ws, &QWebSocket::pong, ws, [&rtts, &running](quint64 elapsed, const QByteArray&) {
            if (running) rtts.push_back(static_cast<double>(elapsed));
        });
        ws->open(master.agentRequest(nodeId, QStringLiteral("n%1").arg(a), token));
        sockets.push_back(std::move(s));
    }
    QElapsedTimer wait;
    wait.start();
    while (open < agents && wait.elapsed() < 20000) QCoreApplication::processEvents(QEventLoop::AllEvents, 50);
    QTimer pinger;
    QObject::connect(&pinger, &QTimer::timeout, [&] {
        for (const auto& s : sockets) s->ping();
    });
    pinger.start(100);
    // At a rate: the batches due so far, agent after agent, every 10 ms.
    QTimer sender;
    qint64 sent = 0;
    QElapsedTimer since;
    since.start();
    int turn = 0;
    QObject::connect(&sender, &QTimer::timeout, [&] {
        const qint64 due = since.elapsed() * rate / 1000 / batch;
        for (; sent < due; ++sent, turn = (turn + 1) % agents) sockets[std::size_t(turn)]->sendTextMessage(logBatchFrame(nextId++, batch, turn));
    });
    if (rate > 0) sender.start(10);
    const qint64 ackedBefore = acked;
    QElapsedTimer run;
    run.start();
    while (run.elapsed() < seconds * 1000) QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
    const double secs = static_cast<double>(run.elapsed()) / 1000.0;
    const qint64 lines = acked - ackedBefore;
    running = false;
    pinger.stop();
    sender.stop();
    std::printf("BENCH log_ingest_agents %d count\n", agents);
    std::printf("BENCH log_ingest_batch %d lines\n", batch);
    std::printf("BENCH log_ingest_offered %d lines/s\n", rate);
    std::printf("BENCH log_ingest_lines_per_s %.0f lines/s\n", static_cast<double>(lines) / secs);
    std::printf("BENCH log_ingest_failed_batches %lld count\n", static_cast<long long>(failed));
    std::printf("BENCH log_ingest_keepalive_p50 %.1f ms\n", bench::percentile(rtts, 0.50));
    std::printf("BENCH log_ingest_keepalive_p99 %.1f ms\n", bench::percentile(rtts, 0.99));
    std::printf("BENCH log_ingest_master_rss %.1f MiB\n", bench::rssMiB(master.pid()));
    sockets.clear();
    return failed == 0 && lines > 0 ? 0 : 1;
}
