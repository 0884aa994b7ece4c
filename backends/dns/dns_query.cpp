#include "backends/dns/dns_query.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <random>

namespace kontena::dns {

namespace {

void put16(std::string& out, std::uint16_t v) {
    out.push_back(static_cast<char>(v >> 8));
    out.push_back(static_cast<char>(v & 0xff));
}

std::uint16_t get16(const std::string& d, std::size_t at) {
    return static_cast<std::uint16_t>((static_cast<unsigned char>(d[at]) << 8) | static_cast<unsigned char>(d[at + 1]));
}

// Skips a (possibly compressed) name starting at `at`; false if it runs off the datagram.
bool skipName(const std::string& d, std::size_t& at) {
    for (int labels = 0; labels < 128; ++labels) {
        if (at >= d.size()) return false;
        const auto len = static_cast<unsigned char>(d[at]);
        if (len == 0) {
            ++at;
            return true;
        }
        if ((len & 0xc0) == 0xc0) {
            at += 2;
            return at <= d.size();
        }
        at += 1 + len;
    }
    return false;
}

}  // namespace

std::string encodeQuery(std::uint16_t id, const std::string& name) {
    std::string q;
    put16(q, id);
    put16(q, 0x0100);   // standard query, recursion desired
    put16(q, 1);
    put16(q, 0);
    put16(q, 0);
    put16(q, 0);
    std::string n = name;
    if (!n.empty() && n.back() == '.') n.pop_back();   // a fully qualified name's root
    std::size_t start = 0;
    while (true) {
        const auto dot = std::min(n.find('.', start), n.size());
        const std::size_t len = dot - start;
        if (len == 0 || len > 63) return {};
        q.push_back(static_cast<char>(len));
        q.append(n, start, len);
        if (dot == n.size()) break;
        start = dot + 1;
    }
    q.push_back('\0');
    put16(q, 1);   // A
    put16(q, 1);   // IN
    return q;
}

Result<Answer> decodeAnswer(std::uint16_t id, const std::string& d) {
    if (d.size() < 12) return Error{"DNS answer shorter than its header"};
    if (get16(d, 0) != id) return Error{"DNS answer to another query"};
    Answer a;
    a.rcode = static_cast<unsigned char>(d[3]) & 0x0f;
    const int questions = get16(d, 4), answers = get16(d, 6);
    std::size_t at = 12;
    for (int i = 0; i < questions; ++i) {
        if (!skipName(d, at) || at + 4 > d.size()) return Error{"DNS answer with a malformed question"};
        at += 4;
    }
    for (int i = 0; i < answers; ++i) {
        if (!skipName(d, at) || at + 10 > d.size()) return Error{"DNS answer with a malformed record"};
        const std::uint16_t type = get16(d, at), klass = get16(d, at + 2), len = get16(d, at + 8);
        at += 10;
        if (at + len > d.size()) return Error{"DNS answer with a truncated record"};
        if (type == 1 && klass == 1 && len == 4) {
            char text[INET_ADDRSTRLEN] = {0};
            inet_ntop(AF_INET, d.data() + at, text, sizeof text);
            a.addresses.emplace_back(text);
        }
        at += len;
    }
    return a;
}

Result<Answer> queryA(const std::string& server, int port, const std::string& name, std::chrono::milliseconds timeout) {
    static thread_local std::mt19937 ids(std::random_device{}());
    const auto id = static_cast<std::uint16_t>(ids());
    const std::string q = encodeQuery(id, name);
    if (q.empty()) return Error{"not a DNS name: " + name};
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(static_cast<std::uint16_t>(port));
    if (inet_pton(AF_INET, server.c_str(), &to.sin_addr) != 1) return Error{"not an IPv4 address: " + server};
    const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return Error{"cannot open a UDP socket"};
    std::string reply(1500, '\0');
    ssize_t got = -1;
    if (::sendto(fd, q.data(), q.size(), 0, reinterpret_cast<const sockaddr*>(&to), sizeof to) == static_cast<ssize_t>(q.size())) {
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(timeout.count())) == 1) got = ::recv(fd, reply.data(), reply.size(), 0);
    }
    ::close(fd);
    if (got < 0) return Error{"no DNS answer from " + server + ":" + std::to_string(port) + " within " + std::to_string(timeout.count()) + " ms"};
    reply.resize(static_cast<std::size_t>(got));
    return decodeAnswer(id, reply);
}

}  // namespace kontena::dns
