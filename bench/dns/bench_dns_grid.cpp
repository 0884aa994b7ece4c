// Service discovery across nodes (issue 15's benchmark, the grid path): a
// real master in process and two real agents (in-memory container runtime,
// addresses 10.81.128.x); node b runs its real dnsmasq on 127.0.0.1. A
// stack of N instances pinned to node a starts at once; measured on node
// b's DNS server:
//   * names converged: from the moment a's agent has all N containers
//     running until b answers every instance name and the service name with
//     the right addresses (a -> master /node_service_pods/address ->
//     master /agent/dns_records -> b's hosts file -> dnsmasq);
//   * answer latency of b's dnsmasq for those remote names (p50, p99).
// Usage: bench_dns_grid [--containers N] [--queries N]
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QJsonDocument>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QUdpSocket>

#include <algorithm>
#include <cstdio>
#include <set>

#include "agent/agent.h"
#include "agent/version.h"
#include "backends/dns/dns_query.h"
#include "bench/bench_util.h"
#include "master/api_server.h"
#include "master/grid_runtime.h"
#include "tests/agent/fake_runtime.h"

using namespace kontena;
using namespace Qt::StringLiterals;

namespace {

double percentile(std::vector<double> v, double p) {
    std::sort(v.begin(), v.end());
    return v.empty() ? 0 : v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))];
}

int freeUdpPort() {
    QUdpSocket s;
    s.bind(QHostAddress::LocalHost, 0);
    return s.localPort();
}

QJsonObject call(QNetworkAccessManager& net, const QString& url, const QByteArray& method, const QString& token, const QByteArray& body = {}) {
    QNetworkRequest req{QUrl(url)};
    req.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
    if (!token.isEmpty()) req.setRawHeader("Authorization", "Bearer " + token.toUtf8());
    QNetworkReply* r = net.sendCustomRequest(req, method, body);
    QEventLoop loop;
    QObject::connect(r, &QNetworkReply::finished, &loop, &QEventLoop::quit);
    loop.exec();
    const QJsonObject o = QJsonDocument::fromJson(r->readAll()).object();
    r->deleteLater();
    return o;
}

bool waitFor(const std::function<bool()>& done, int ms) {
    QElapsedTimer t;
    t.start();
    while (!done()) {
        if (t.elapsed() > ms) return false;
        QCoreApplication::processEvents(QEventLoop::AllEvents, 5);
    }
    return true;
}

std::unique_ptr<agentd::Agent> agentOn(const QString& url, const QString& token, const QString& node, const QString& dir, int dnsPort) {
    agentd::AgentConfig c;
    c.masterUrl = QUrl(QString(url).replace(u"http:"_s, u"ws:"_s));
    c.token = token;
    c.nodeId = u"ID:"_s + node;
    c.nodeName = node;
    c.grid = u"bench"_s;
    c.version = QString::fromLatin1(agentd::kAgentVersion);
    c.dataDir = dir + u"/"_s + node;
    c.dns.enabled = dnsPort > 0;
    c.dns.address = u"127.0.0.1"_s;
    c.dns.port = dnsPort;
    auto a = std::make_unique<agentd::Agent>(c, std::make_shared<testing::FakeRuntime>(), std::nullopt);
    a->supervisor().setAddressLookup([](const QString& name) {
        const int n = name.mid(name.lastIndexOf(u'-') + 1).toInt();
        return u"10.81.%1.%2"_s.arg(128 + n / 250).arg(1 + n % 250);
    });
    a->start();
    return a;
}

// How many of `want` node b's DNS answers exactly.
std::size_t answered(int port, const std::map<std::string, std::set<std::string>>& want) {
    std::size_t ok = 0;
    for (const auto& [name, addrs] : want) {
        auto a = dns::queryA("127.0.0.1", port, name, std::chrono::milliseconds(500));
        if (!a) return ok;
        const std::set<std::string> got(a.value().addresses.begin(), a.value().addresses.end());
        // A name of more addresses than one UDP answer holds (512 bytes: ~29) comes truncated: a subset.
        const bool whole = addrs.size() <= 20 ? got == addrs : !got.empty() && std::includes(addrs.begin(), addrs.end(), got.begin(), got.end());
        if (!whole) return ok;
        ++ok;
    }
    return ok;
}

}  // namespace

int main(int argc, char** argv) {
    QCoreApplication app(argc, argv);
    const char* usage = "usage: bench_dns_grid [--containers N] [--queries N]";
    const int containers = bench::intOption(argc, argv, "--containers", 100, usage);
    const int queries = bench::intOption(argc, argv, "--queries", 2000, usage);
    QTemporaryDir dir;
    master::Master master;
    QString code, error;
    if (!master.open(dir.path() + u"/master"_s, u"admin-code"_s, &code, &error)) {
        std::fprintf(stderr, "bench_dns_grid: %s\n", qPrintable(error));
        return 1;
    }
    const QString url = u"http://127.0.0.1:%1"_s.arg(master.listen(QHostAddress::LocalHost, 0));
    QNetworkAccessManager net;
    const QString admin = call(net, url + u"/v1/auth"_s, "POST", {}, R"({"code":"admin-code"})").value(u"access_token"_s).toString();
    call(net, url + u"/v1/grids"_s, "POST", admin, R"({"name":"bench","initial_size":1})");
    const QString token = call(net, url + u"/v1/grids/bench/token"_s, "GET", admin).value(u"token"_s).toString();
    const int port = freeUdpPort();
    auto a = agentOn(url, token, u"a"_s, dir.path(), 0);
    auto b = agentOn(url, token, u"b"_s, dir.path(), port);
    master::GridRuntime* g = master.grid(u"bench"_s);
    if (!g || !waitFor([&] { return g->state().nodes.size() == 2 && b->dns() && b->dns()->dnsmasqRunning(); }, 20000)) {
        std::fprintf(stderr, "bench_dns_grid: the agents did not come up\n");
        return 1;
    }
    const QString stack = u"stack: bench/app\nversion: 1.0.0\nservices:\n  web:\n    image: busybox:1\n    instances: %1\n"
                          u"    affinity:\n      - node==a\n"_s.arg(containers);
    QString diagnostics;
    if (auto r = g->applyStack(u"app"_s, stack, {}, true, &diagnostics); r.refused) {
        std::fprintf(stderr, "bench_dns_grid: %s %s\n", r.refused->message.c_str(), qPrintable(diagnostics));
        return 1;
    }
    const auto running = [&] {
        int n = 0;
        for (const auto& [key, c] : a->supervisor().containers()) n += c.state == agent::ContainerState::Running ? 1 : 0;
        return n;
    };
    if (!waitFor([&] { return running() == containers; }, 120000)) {
        std::fprintf(stderr, "bench_dns_grid: %d of %d containers run on a\n", running(), containers);
        return 1;
    }
    QElapsedTimer t;
    t.start();
    std::map<std::string, std::set<std::string>> want;
    for (int n = 1; n <= containers; ++n) {
        const std::string address = "10.81." + std::to_string(128 + n / 250) + "." + std::to_string(1 + n % 250);
        want["web-" + std::to_string(n) + ".app.bench.kontena.local"] = {address};
        want["web.app.bench.kontena.local"].insert(address);
    }
    std::size_t ok = 0;
    const bool converged = waitFor([&] { return (ok = answered(port, want)) == want.size(); }, 20000);
    const double convergedMs = static_cast<double>(t.nsecsElapsed()) / 1e6;
    std::vector<double> latencies;
    std::vector<std::string> names;
    for (const auto& [name, addrs] : want) names.push_back(name);
    for (int i = 0; i < queries; ++i) {
        QElapsedTimer q;
        q.start();
        if (!dns::queryA("127.0.0.1", port, names[static_cast<std::size_t>(i) % names.size()])) return 1;
        latencies.push_back(static_cast<double>(q.nsecsElapsed()) / 1e6);
    }
    std::printf("BENCH dns_grid_remote_names %zu names\n", want.size());
    std::printf("BENCH dns_grid_converged_%d_containers %.1f ms\n", containers, convergedMs);
    std::printf("BENCH dns_grid_names_converged %zu names\n", ok);
    std::printf("BENCH dns_grid_answer_p50 %.3f ms\n", percentile(latencies, 0.50));
    std::printf("BENCH dns_grid_answer_p99 %.3f ms\n", percentile(latencies, 0.99));
    a.reset();
    b.reset();
    return converged ? 0 : 1;
}
