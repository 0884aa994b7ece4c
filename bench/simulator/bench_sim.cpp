// Simulation benchmark (issue: simulator). A grid of N nodes over 3 zones
// runs S stacks of 10 ha services x I instances; from 30m on, one node
// disconnects every minute and comes back five minutes later, for the whole
// simulated period. Prints `BENCH <name> <value> <unit>`.
//   bench_sim [--nodes 10000] [--stacks 100] [--instances 100] [--hours 24] [--dump]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>

#include "bench/bench_util.h"
#include "simulator/engine/engine.h"
#include "simulator/scenario.h"

using namespace kontena;
using namespace kontena::sim;

namespace {

std::string scenarioText(int nodes, int stacks, int instances, int hours) {
    std::string y = "scenario: bench-flapping\nuntil: " + std::to_string(hours) + "h\ngrid: {initial_size: 3, max_nodes: " +
                    std::to_string(std::max(nodes, 254)) + "}\nnodes:\n";
    for (const char* zone : {"a", "b", "c"}) {
        y += "  - {count: " + std::to_string(nodes / 3 + (zone[0] == 'a' ? nodes % 3 : 0)) + ", prefix: " + zone + "-, labels: [az=" + zone + "]}\n";
    }
    y += "stacks:\n";
    for (int s = 1; s <= stacks; ++s) {
        y += "  s" + std::to_string(s) + ":\n    inline:\n      stack: bench/s" + std::to_string(s) + "\n      services:\n";
        for (int k = 1; k <= 10; ++k) {
            y += "        svc" + std::to_string(k) + ": {image: \"busybox:1\", instances: " + std::to_string(instances) + ", deploy: {min_health: 0.5}}\n";
        }
    }
    y += "events:\n";
    for (int s = 1; s <= stacks; ++s) y += "  - {at: 10s, deploy: s" + std::to_string(s) + "}\n";
    int k = 0;
    for (int minute = 30; minute + 5 < hours * 60; ++minute, ++k) {
        const char zone = static_cast<char>('a' + k % 3);
        const std::string node = std::string(1, zone) + "-" + std::to_string(1 + (k / 3) % (nodes / 3));
        y += "  - {at: " + std::to_string(minute) + "m, node_disconnect: " + node + "}\n";
        y += "  - {at: " + std::to_string(minute + 5) + "m, node_connect: " + node + "}\n";
    }
    y += "expect:\n  - {at: 25m, service: s1/svc1, running: " + std::to_string(instances) + "}\n";
    return y;
}

}  // namespace

int main(int argc, char** argv) {
    int nodes = 10000, stacks = 100, instances = 100, hours = 24;
    for (int i = 1; i + 1 < argc; i += 2) {
        const int v = std::atoi(argv[i + 1]);
        if (!std::strcmp(argv[i], "--nodes")) nodes = v;
        else if (!std::strcmp(argv[i], "--stacks")) stacks = v;
        else if (!std::strcmp(argv[i], "--instances")) instances = v;
        else if (!std::strcmp(argv[i], "--hours")) hours = v;
    }
    if (argc > 1 && !std::strcmp(argv[argc - 1], "--dump")) {
        std::fputs(scenarioText(nodes, stacks, instances, hours).c_str(), stdout);   // the scenario, for kontena-sim
        return 0;
    }
    auto loaded = loadScenarioText(scenarioText(nodes, stacks, instances, hours), "bench.yaml");
    if (!loaded) {
        for (const auto& d : loaded.error()) std::fprintf(stderr, "%s\n", formatDiagnostic(d).c_str());
        return 2;
    }
    EngineOptions o;
    o.seed = 1;
    const auto t0 = std::chrono::steady_clock::now();
    const RunReport r = runScenario(loaded.value(), o);
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const double simulated = static_cast<double>(hours) * 3600.0;
    const std::string p = "sim_" + std::to_string(nodes) + "_nodes_" + std::to_string(stacks * 10 * instances) + "_instances_";
    std::printf("BENCH %swall %.2f s\n", p.c_str(), wall);
    std::printf("BENCH %sspeedup_vs_real_time %.0f x\n", p.c_str(), simulated / wall);
    std::printf("BENCH %sevents_per_s %.0f events/s\n", p.c_str(), static_cast<double>(r.stats.events) / wall);
    std::printf("BENCH %sevents %ld events\n", p.c_str(), r.stats.events);
    std::printf("BENCH %sinstances_moved %ld instances\n", p.c_str(), r.stats.instancesMoved);
    std::printf("BENCH %schecks_passed %d checks\n", p.c_str(), r.passed ? 1 : 0);
    std::printf("BENCH %speak_memory %.1f MiB\n", p.c_str(), static_cast<double>(kontena::bench::peakRssKiB()) / 1024.0);
    return r.passed ? 0 : 1;
}
