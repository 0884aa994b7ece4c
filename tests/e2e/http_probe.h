#pragma once
// HTTP through a load balancer, for the e2e tests: one GET on a new
// connection (optionally with basic auth), from this network namespace or
// from one the test made (`ip netns` name: the request runs on a thread
// that entered it, so the test process stays where it is), and a client
// loop counting answers, retries and failures while a test kills things.

#include <QByteArray>
#include <QSet>
#include <QString>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <mutex>
#include <string>
#include <thread>

namespace kontena::testing {

struct HttpAnswer {
    int status = 0;   // 0: no HTTP answer (refused, reset, timeout)
    QByteArray body;
};

// Moves the calling thread into network namespace `netns` (/run/netns/<name>); "" stays.
inline bool enterNetns(const std::string& netns) {
    if (netns.empty()) return true;
    const int fd = ::open(("/run/netns/" + netns).c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    const bool ok = ::setns(fd, CLONE_NEWNET) == 0;
    ::close(fd);
    return ok;
}

// One HTTP/1.0 GET on a new connection to 127.0.0.1:port; `auth` is "user:password".
inline HttpAnswer httpGet(int port, const QByteArray& host, const QByteArray& path = "/", const QByteArray& auth = {}) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<std::uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    timeval tv{5, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    HttpAnswer out;
    if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
        ::close(fd);
        return out;
    }
    QByteArray request = "GET " + path + " HTTP/1.0\r\nHost: " + host + "\r\n";
    if (!auth.isEmpty()) request += "Authorization: Basic " + auth.toBase64() + "\r\n";
    request += "\r\n";
    QByteArray response;
    if (::send(fd, request.constData(), std::size_t(request.size()), MSG_NOSIGNAL) == request.size()) {
        char chunk[8192];
        ssize_t n;
        while ((n = ::recv(fd, chunk, sizeof chunk, 0)) > 0) response.append(chunk, n);
        if (n < 0) response.clear();   // reset or timeout: no complete answer
    }
    ::close(fd);
    const auto end = response.indexOf("\r\n\r\n");
    if (!response.startsWith("HTTP/1.") || end < 0) return out;
    out.status = response.mid(9, 3).toInt();
    out.body = response.mid(end + 4);
    return out;
}

// httpGet from inside network namespace `netns` (on a thread of its own).
inline HttpAnswer httpGetIn(const std::string& netns, int port, const QByteArray& host, const QByteArray& path = "/",
                            const QByteArray& auth = {}) {
    HttpAnswer out;
    std::thread t([&] {
        if (enterNetns(netns)) out = httpGet(port, host, path, auth);
    });
    t.join();
    return out;
}

// Requests to an LB, one after the other, from a thread (inside `netns`
// when given): which instances answered, and how many requests failed even
// after their one retry (the issue allows retrying an idempotent request).
class ClientLoop {
public:
    ClientLoop(int port, QByteArray host, std::string netns = {}) : port_(port), host_(std::move(host)), netns_(std::move(netns)) {}
    ~ClientLoop() { stop(); }
    void start() {
        thread_ = std::thread([this] {
            if (!enterNetns(netns_)) {
                ++failed_;
                return;
            }
            while (running_) {
                HttpAnswer a = httpGet(port_, host_);
                if (a.status != 200) {
                    ++retried_;
                    a = httpGet(port_, host_);
                }
                ++requests_;
                std::lock_guard lock(mutex_);
                if (a.status != 200) {
                    ++failed_;
                    lastFailure_ = QByteArray::number(a.status) + " " + a.body.left(200);
                    continue;
                }
                seen_.insert(QString::fromUtf8(a.body.trimmed()));
            }
        });
    }
    void stop() {
        running_ = false;
        if (thread_.joinable()) thread_.join();
    }
    QSet<QString> seen() {
        std::lock_guard lock(mutex_);
        return seen_;
    }
    void clearSeen() {
        std::lock_guard lock(mutex_);
        seen_.clear();
    }
    long requests() const { return requests_; }
    long retried() const { return retried_; }
    long failed() const { return failed_; }
    QByteArray lastFailure() {
        std::lock_guard lock(mutex_);
        return lastFailure_;
    }

private:
    int port_;
    QByteArray host_;
    std::string netns_;
    std::thread thread_;
    std::atomic<bool> running_{true};
    std::atomic<long> requests_{0}, retried_{0}, failed_{0};
    std::mutex mutex_;
    QSet<QString> seen_;
    QByteArray lastFailure_;
};

}  // namespace kontena::testing
