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
#include <QThread>
#include <QFile>
#include <QNetworkRequest>
#include <QProcess>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTimer>
#include <QWebSocket>

#include <sys/resource.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <vector>

#include "client/client.h"
#include "protocol/handshake.h"
#include "protocol/messages.h"
#include "protocol/rpc.h"

using namespace kontena;

namespace {

double percentile(std::vector<double> v, double p) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    return v[static_cast<std::size_t>(p * static_cast<double>(v.size() - 1))];
}

double rssMiB(qint64 pid) {
    QFile f(QStringLiteral("/proc/%1/status").arg(pid));
    if (!f.open(QIODevice::ReadOnly)) return 0;
    for (const QByteArray& line : f.readAll().split('\n')) {
        if (line.startsWith("VmRSS:")) return line.mid(6).trimmed().split(' ').first().toDouble() / 1024.0;
    }
    return 0;
}

}  // namespace

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

    QTemporaryDir dir;
    quint16 port = 0;
    {
        QTcpServer s;
        s.listen(QHostAddress::LocalHost, 0);
        port = s.serverPort();
    }
    QProcess master;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("INITIAL_ADMIN_CODE"), QStringLiteral("bench"));
    env.insert(QStringLiteral("KONTENA_MASTER_LOG_LEVEL"), QStringLiteral("warning"));
    master.setProcessEnvironment(env);
    master.setStandardOutputFile(dir.filePath(QStringLiteral("master.log")));
    master.setStandardErrorFile(dir.filePath(QStringLiteral("master.err")));
    master.start(QStringLiteral(KONTENA_MASTER_BIN), {QStringLiteral("--listen"), QStringLiteral("127.0.0.1:%1").arg(port),
                                                      QStringLiteral("--data-dir"), dir.filePath(QStringLiteral("data"))});
    if (!master.waitForStarted(5000)) return 2;
    const QString url = QStringLiteral("http://127.0.0.1:%1").arg(port);
    QThread::msleep(500);
    client::ApiClient anon(url, QString());
    const auto auth = anon.post(QStringLiteral("/v1/auth"), QJsonObject{{QStringLiteral("code"), QStringLiteral("bench")}});
    if (!auth.ok()) {
        std::fprintf(stderr, "cannot log in: %s\n", qPrintable(auth.error->message));
        return 2;
    }
    client::ApiClient api(url, auth.object().value(QStringLiteral("access_token")).toString());
    const int perGrid = 250;
    const int grids = (connections + perGrid - 1) / perGrid;
    QStringList tokens;
    for (int g = 0; g < grids; ++g) {
        const auto r = api.post(QStringLiteral("/v1/grids"), QJsonObject{{QStringLiteral("name"), QStringLiteral("g%1").arg(g)},
                                                                          {QStringLiteral("initial_size"), 3},
                                                                          {QStringLiteral("settings"), QJsonObject{{QStringLiteral("keepalive_interval"), 1}}}});
        if (!r.ok()) return 2;
        tokens << api.get(QStringLiteral("/v1/grids/g%1/token").arg(g)).object().value(QStringLiteral("token")).toString();
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
        protocol::Handshake h;
        h.nodeId = QStringLiteral("bench-node-%1").arg(i);
        h.nodeName = QStringLiteral("n%1").arg(i % perGrid);
        h.version = QStringLiteral("0.1.0");
        h.connectedAt = QDateTime::currentDateTimeUtc();
        h.token = tokens[i / perGrid];
        h.protocolVersion = protocol::kProtocolVersion;
        QNetworkRequest req(QUrl(QStringLiteral("ws://127.0.0.1:%1/").arg(port)));
        for (const auto& [k, v] : protocol::toHeaders(h)) req.setRawHeader(k, v);
        QObject::connect(ws, &QWebSocket::connected, ws, [ws, i, &open] {
            ++open;
            protocol::NodeUpdate u;
            u.nodeId = QStringLiteral("bench-node-%1").arg(i);
            u.cpus = 2;
            u.memTotal = 4LL << 30;
            ws->sendTextMessage(QString::fromUtf8(protocol::encode(protocol::Frame::request(1, QString::fromLatin1(protocol::method::kNodesUpdate),
                                                                                              protocol::params(protocol::toJson(u))))));
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
    const double rss = rssMiB(master.processId());
    const auto nodes = api.get(QStringLiteral("/v1/grids/g0/nodes"));
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
    master.kill();
    master.waitForFinished(5000);
    return held == connections ? 0 : 1;
}
