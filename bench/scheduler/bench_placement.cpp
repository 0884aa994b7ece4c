// Placement benchmark (issue: foundation). Places 1,000 services x 100
// instances (ha, one label== affinity and one service!= anti-affinity each)
// on grids of 1,000 and 10,000 nodes over 3 zones, with the real (fast)
// path, and times the plain full-scan reference path on a sample of the
// same placements in the same run. Prints `BENCH <name> <value> <unit>`.
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>

#include "bench/bench_util.h"
#include "scheduler/placement.h"
#include "scheduler/random.h"

using namespace kontena;
using Clock = std::chrono::steady_clock;

namespace {

ClusterState makeGrid(int nodes) {
    ClusterState st;
    st.grid.name = "bench";
    for (int i = 1; i <= nodes; ++i) {
        Node n;
        n.name = "node-" + std::to_string(i);
        n.number = i;
        n.labels = {std::string("az=") + static_cast<char>('a' + i % 3), "pool=p" + std::to_string(i / 3 % 10)};
        n.cpus = 8;
        n.memory = 32LL << 30;
        n.connected = n.updated = n.everConnected = true;
        st.nodes.emplace(n.name, n);
    }
    return st;
}

ServiceSpec makeService(int i, int instances) {
    ServiceSpec s;
    s.stack = "bench";
    s.name = "svc" + std::to_string(i);
    s.image = "busybox:latest";
    s.instances = instances;
    s.affinity = {"label==pool=p" + std::to_string(i % 10), "service!=svc" + std::to_string(i == 0 ? 999 : i - 1)};
    return s;
}

double seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

void run(int nodes, int services, int instances, int sampleEvery) {
    ClusterState st = makeGrid(nodes);
    PlacementIndex index;
    index.build(st, 42);
    Clock::duration fastTime{}, refTime{};
    long placed = 0, failed = 0, refPlaced = 0, mismatches = 0;
    for (int i = 0; i < services; ++i) {
        const ServiceSpec svc = makeService(i, instances);
        const std::uint64_t seed = splitmix64(static_cast<std::uint64_t>(i) + 1);
        std::vector<std::string> chosen(static_cast<std::size_t>(instances));
        auto t0 = Clock::now();
        {
            PlacementPass pass(st, index, svc, {}, seed);
            for (int n = 1; n <= instances; ++n) {
                auto r = pass.place(n);
                if (r) chosen[static_cast<std::size_t>(n - 1)] = r.value();
            }
        }
        fastTime += Clock::now() - t0;
        if (i % sampleEvery == 0) {
            auto t1 = Clock::now();
            PlacementPass ref(st, index, svc, {}, seed, PlacementMode::ReferenceOnly);
            for (int n = 1; n <= instances; ++n) {
                auto r = ref.place(n);
                const std::string got = r ? r.value() : std::string();
                if (got != chosen[static_cast<std::size_t>(n - 1)]) ++mismatches;
                ++refPlaced;
            }
            refTime += Clock::now() - t1;
        }
        // Commit: the placements become instance records for the next services.
        Service record;
        record.spec = svc;
        record.state = ServiceState::Running;
        st.services.emplace(svc.key(), record);
        for (int n = 1; n <= instances; ++n) {
            const std::string& node = chosen[static_cast<std::size_t>(n - 1)];
            if (node.empty()) {
                ++failed;
                continue;
            }
            ++placed;
            Instance inst;
            inst.service = svc.key();
            inst.number = n;
            inst.node = node;
            inst.desired = DesiredState::Running;
            const auto stored = st.instances.emplace(inst.key(), inst).first;
            index.recordAdded(node, stored->second);
        }
    }
    const double total = static_cast<double>(services) * instances;
    const double fastRate = total / seconds(fastTime);
    const double refRate = static_cast<double>(refPlaced) / seconds(refTime);
    const std::string p = "placement_" + std::to_string(nodes) + "_nodes_";
    std::printf("BENCH %splacements_per_s %.0f placements/s\n", p.c_str(), fastRate);
    std::printf("BENCH %sns_per_instance_node %.3f ns\n", p.c_str(), seconds(fastTime) * 1e9 / (total * nodes));
    std::printf("BENCH %sreference_placements_per_s %.0f placements/s\n", p.c_str(), refRate);
    std::printf("BENCH %sreference_ns_per_instance_node %.3f ns\n", p.c_str(), seconds(refTime) * 1e9 / (static_cast<double>(refPlaced) * nodes));
    std::printf("BENCH %sspeedup_vs_reference %.1f x\n", p.c_str(), fastRate / refRate);
    std::printf("BENCH %sreference_sample %ld placements\n", p.c_str(), refPlaced);
    std::printf("BENCH %sreference_mismatches %ld placements\n", p.c_str(), mismatches);
    std::printf("BENCH %sfailed %ld placements\n", p.c_str(), failed);
    std::printf("BENCH %splaced %ld placements\n", p.c_str(), placed);
    std::fflush(stdout);
}

}  // namespace

int main() {
    run(1000, 1000, 100, 10);
    run(10000, 1000, 100, 50);
    std::printf("BENCH placement_peak_memory %.1f MiB\n", static_cast<double>(kontena::bench::peakRssKiB()) / 1024.0);
    return 0;
}
