// HAProxy reloads under load (issue 16's benchmark): a real HAProxy
// master-worker in front of two upstreams (HAProxy instances answering 200),
// reloaded N times through HaproxyProcess::apply while clients keep
// opening new connections and sending keep-alive requests on loopback.
// A keep-alive request whose connection is reset is retried once on a new
// connection (GET is idempotent); a request that fails after its retry, or
// a new connection that fails, is a failure.
// Usage: bench_lb_reload [--reloads N] [--clients N]
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QProcess>
#include <QTcpServer>
#include <QFile>
#include <QTemporaryDir>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <atomic>
#include <cstdio>
#include <cstring>
#include <thread>
#include <vector>

#include "bench/bench_util.h"
#include "lb/haproxy_config.h"
#include "lb/haproxy_process.h"

using namespace kontena::lb;

namespace {

std::atomic<bool> running{true};
std::atomic<long> newConns{0}, newFailed{0}, kaRequests{0}, kaResets{0}, kaFailed{0};

int freePort() {
    QTcpServer s;
    s.listen(QHostAddress::LocalHost, 0);
    return s.serverPort();
}

int connectTo(int port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<std::uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    timeval tv{5, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

// Sends one request and reads one response; 200 → true. `closed` when the
// server asked to close (Connection: close) or closed after answering.
bool exchange(int fd, const char* request, bool& closed) {
    closed = false;
    if (::send(fd, request, std::strlen(request), MSG_NOSIGNAL) < 0) return false;
    std::string buf;
    char chunk[4096];
    std::size_t need = std::string::npos;
    while (need == std::string::npos || buf.size() < need) {
        const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
        if (n <= 0) {
            closed = true;
            return need != std::string::npos && buf.size() >= need;
        }
        buf.append(chunk, static_cast<std::size_t>(n));
        const auto end = buf.find("\r\n\r\n");
        if (need == std::string::npos && end != std::string::npos) {
            std::string head = buf.substr(0, end);
            std::transform(head.begin(), head.end(), head.begin(), [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
            const auto cl = head.find("content-length: ");
            const std::size_t len = cl == std::string::npos ? 0 : std::stoul(head.substr(cl + 16));
            need = end + 4 + len;
            closed = head.find("connection: close") != std::string::npos;
        }
    }
    return buf.compare(9, 3, "200") == 0;
}

void newConnectionClient(int port) {
    while (running) {
        const int fd = connectTo(port);
        bool closed = false;
        ++newConns;
        if (fd < 0 || !exchange(fd, "GET / HTTP/1.0\r\nHost: bench\r\n\r\n", closed)) ++newFailed;
        if (fd >= 0) ::close(fd);
    }
}

void keepAliveClient(int port) {
    int fd = -1;
    while (running) {
        if (fd < 0) fd = connectTo(port);
        bool closed = false;
        ++kaRequests;
        const char* req = "GET / HTTP/1.1\r\nHost: bench\r\n\r\n";
        if (fd < 0 || !exchange(fd, req, closed)) {
            ++kaResets;   // retry once on a fresh connection
            if (fd >= 0) ::close(fd);
            fd = connectTo(port);
            closed = false;
            if (fd < 0 || !exchange(fd, req, closed)) ++kaFailed;
        }
        if (closed && fd >= 0) {
            ::close(fd);
            fd = -1;
        }
    }
    if (fd >= 0) ::close(fd);
}

// An upstream: an HAProxy answering 200 itself.
std::unique_ptr<QProcess> upstream(const QString& dir, int port) {
    const QString cfg = dir + QStringLiteral("/up%1.cfg").arg(port);
    QFile f(cfg);
    f.open(QIODevice::WriteOnly);
    f.write(QStringLiteral("global\n    maxconn 4096\ndefaults\n    mode http\n    timeout client 10s\n    timeout server 10s\n"
                           "    timeout connect 5s\nfrontend f\n    bind 127.0.0.1:%1\n"
                           "    http-request return status 200 content-type text/plain string ok\n")
                .arg(port)
                .toUtf8());
    f.close();
    auto p = std::make_unique<QProcess>();
    p->start(QStringLiteral("/usr/sbin/haproxy"), {QStringLiteral("-f"), cfg});
    p->waitForStarted(3000);
    return p;
}

double percentile(std::vector<double> v, double p) {
    std::sort(v.begin(), v.end());
    return v.empty() ? 0 : v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))];
}

}  // namespace

int main(int argc, char** argv) {
    QCoreApplication app(argc, argv);
    const int reloads = kontena::bench::intOption(argc, argv, "--reloads", 1000, "usage: bench_lb_reload [--reloads N] [--clients N]");
    const int clients = kontena::bench::intOption(argc, argv, "--clients", 2, "usage: bench_lb_reload [--reloads N] [--clients N]");
    QTemporaryDir dir;
    const int up1 = freePort(), up2 = freePort();
    auto u1 = upstream(dir.path(), up1), u2 = upstream(dir.path(), up2);
    LbConfig c;
    c.settings.bindAddress = "127.0.0.1";
    c.settings.httpPort = freePort();
    c.settings.statsPort = freePort();
    c.settings.maxconn = 4096;
    c.settings.syslogTarget = "127.0.0.1:1 local1 info";
    c.backends.push_back(std::get<HttpBackend>(
        backendFromEnv("web", {}, {{"web-1", "127.0.0.1:" + std::to_string(up1)}, {"web-2", "127.0.0.1:" + std::to_string(up2)}})));
    HaproxyProcess lb(dir.path());
    if (auto r = lb.apply(render(c)); !r) {
        std::fprintf(stderr, "bench_lb_reload: %s\n", r.error().message.c_str());
        return 1;
    }
    lb.waitSettled();
    std::vector<std::thread> threads;
    for (int i = 0; i < clients; ++i) threads.emplace_back(newConnectionClient, c.settings.httpPort);
    for (int i = 0; i < clients; ++i) threads.emplace_back(keepAliveClient, c.settings.httpPort);
    std::vector<double> reloadMs;
    for (int i = 0; i < reloads; ++i) {
        std::get<HttpBackend>(c.backends[0]).customSettings = "http-response set-header X-Generation " + std::to_string(i);
        QElapsedTimer t;
        t.start();
        auto r = lb.apply(render(c));
        if (!r || !lb.waitSettled(10000, false)) {
            std::fprintf(stderr, "bench_lb_reload: reload %d failed\n", i);
            break;
        }
        reloadMs.push_back(static_cast<double>(t.nsecsElapsed()) / 1e6);
    }
    running = false;
    for (auto& t : threads) t.join();
    std::printf("BENCH lb_reloads %zu reloads\n", reloadMs.size());
    std::printf("BENCH lb_reload_p50 %.1f ms\n", percentile(reloadMs, 0.5));
    std::printf("BENCH lb_reload_p99 %.1f ms\n", percentile(reloadMs, 0.99));
    std::printf("BENCH lb_new_connections %ld connections\n", newConns.load());
    std::printf("BENCH lb_new_connection_failures %ld connections\n", newFailed.load());
    std::printf("BENCH lb_keepalive_requests %ld requests\n", kaRequests.load());
    std::printf("BENCH lb_keepalive_resets %ld requests\n", kaResets.load());
    std::printf("BENCH lb_keepalive_failures_after_retry %ld requests\n", kaFailed.load());
    u1->kill();
    u2->kill();
    u1->waitForFinished();
    u2->waitForFinished();
    return newFailed == 0 && kaFailed == 0 ? 0 : 1;
}
