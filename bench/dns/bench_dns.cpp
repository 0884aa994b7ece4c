// Service discovery on a real dnsmasq (issue 15's benchmark):
//   1. 100 containers start at once: their records are published in one
//      write; how long until every instance and service name answers with
//      the right addresses (converged);
//   2. answer latency of the node's DNS over many queries (p50, p99), for
//      names that exist and for NXDOMAIN.
// Usage: bench_dns [--containers N] [--queries N]
#include <QCoreApplication>
#include <QElapsedTimer>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <vector>

#include "bench/bench_util.h"
#include "backends/dns/hosts_publisher.h"
#include "tests/dns/dnsmasq_harness.h"

using namespace kontena::dns;

namespace {

std::string formatAddress(int i) { return "127.81." + std::to_string(128 + i / 250) + "." + std::to_string(1 + i % 250); }

double percentile(std::vector<double> v, double p) {
    std::sort(v.begin(), v.end());
    return v.empty() ? 0 : v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))];
}

GridNames gridOf(int containers) {
    // Record data only, and loopback at that: every query goes to the dnsmasq on 127.0.0.1.
    GridNames g{"bench", {}, {}, {"127.81.0.1"}};
    for (int i = 0; i < containers; ++i) {
        Endpoint e;
        e.stack = "app";
        e.service = "svc" + std::to_string(i % 10);
        e.number = i / 10 + 1;
        e.address = formatAddress(i);
        e.running = true;
        g.endpoints.push_back(e);
    }
    return g;
}

}  // namespace

int main(int argc, char** argv) {
    QCoreApplication app(argc, argv);
    const int containers = kontena::bench::intOption(argc, argv, "--containers", 100, "usage: bench_dns [--containers N] [--queries N]");
    const int queries = kontena::bench::intOption(argc, argv, "--queries", 5000, "usage: bench_dns [--containers N] [--queries N]");
    kontena::testing::PrivateDnsmasq dnsmasq;
    if (!dnsmasq.start()) {
        std::fprintf(stderr, "bench_dns: dnsmasq did not start\n");
        return 1;
    }
    const GridNames g = gridOf(containers);
    const Records want = records(g);
    HostsPublisher pub(dnsmasq.hostsDir());
    QElapsedTimer t;
    t.start();
    pub.publish(want);
    // Converged: every name answers with exactly its addresses.
    std::size_t ok = 0;
    while (ok < want.size() && t.elapsed() < 10000) {
        ok = 0;
        for (const auto& [name, addrs] : want) {
            auto a = queryA("127.0.0.1", dnsmasq.port(), name, std::chrono::milliseconds(500));
            if (!a) break;
            std::set<std::string> got(a.value().addresses.begin(), a.value().addresses.end());
            if (got != addrs) break;
            ++ok;
        }
    }
    const double converged = static_cast<double>(t.nsecsElapsed()) / 1e6;
    std::vector<double> hit, miss;
    std::vector<std::string> names;
    for (const auto& [name, addrs] : want) names.push_back(name);
    for (int i = 0; i < queries; ++i) {
        const bool exists = i % 5 != 0;
        const std::string name = exists ? names[static_cast<std::size_t>(i) % names.size()] : "nope" + std::to_string(i) + ".app.bench.kontena.local";
        QElapsedTimer q;
        q.start();
        auto a = queryA("127.0.0.1", dnsmasq.port(), name);
        const double ms = static_cast<double>(q.nsecsElapsed()) / 1e6;
        if (!a) {
            std::fprintf(stderr, "bench_dns: %s\n", a.error().message.c_str());
            return 1;
        }
        (exists ? hit : miss).push_back(ms);
    }
    std::printf("BENCH dns_names %zu names\n", want.size());
    std::printf("BENCH dns_converged_%d_containers %.1f ms\n", containers, converged);
    std::printf("BENCH dns_names_converged %zu names\n", ok);
    std::printf("BENCH dns_answer_p50 %.3f ms\n", percentile(hit, 0.50));
    std::printf("BENCH dns_answer_p99 %.3f ms\n", percentile(hit, 0.99));
    std::printf("BENCH dns_nxdomain_p99 %.3f ms\n", percentile(miss, 0.99));
    return ok == want.size() ? 0 : 1;
}
