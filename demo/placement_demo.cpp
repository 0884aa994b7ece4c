// kontena-placement-demo: places a small stack on a generated grid with the
// real core, then drains a node and shows what moves and what cannot be
// placed, with the reason for every node. Output depends only on --seed.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>

#include "scheduler/graphs.h"
#include "scheduler/placement.h"

using namespace kontena;

namespace {

ClusterState generateGrid(int nodes) {
    ClusterState st;
    st.grid.name = "demo";
    st.grid.initialSize = 3;
    for (int i = 1; i <= nodes; ++i) {
        Node n;
        n.name = "node-" + std::to_string(i);
        n.number = i;
        n.labels = {std::string("az=") + static_cast<char>('a' + (i - 1) % 3)};
        if (i % 4 == 0) n.labels.push_back("ssd");
        n.cpus = i % 2 ? 2 : 4;
        n.memory = (i % 2 ? 4LL : 8LL) << 30;
        n.connected = n.updated = n.everConnected = true;
        st.nodes.emplace(n.name, n);
    }
    return st;
}

std::vector<ServiceSpec> demoStack() {
    auto svc = [](const char* name, int instances, Strategy strategy) {
        ServiceSpec s;
        s.stack = "shop";
        s.name = name;
        s.image = std::string("example/") + name + ":1.0";
        s.instances = instances;
        s.strategy = strategy;
        return s;
    };
    auto db = svc("db", 1, Strategy::Ha);
    db.stateful = true;
    db.affinity = {"label==ssd"};
    auto cache = svc("cache", 2, Strategy::Ha);
    cache.affinity = {"service!=cache"};
    auto web = svc("web", 6, Strategy::Ha);
    web.links = {Link{"", "db", "db"}, Link{"", "cache", "cache"}};
    web.ports = {PortSpec{"0.0.0.0", 80, 8080, "tcp"}};
    auto agent = svc("log-agent", 1, Strategy::Daemon);
    return {web, cache, db, agent};
}

void deploy(ClusterState& st, const ServiceSpec& spec, std::uint64_t seed) {
    PlacementIndex index;
    index.build(st, seed);
    const int count = computeInstanceCount(st, index, spec, {}, seed);
    PlacementPass pass(st, index, spec, {}, seed);
    std::printf("  %-16s %-7s x%-3d", spec.key().c_str(), toString(spec.strategy).c_str(), count);
    std::map<int, std::string> placed;
    for (int n = 1; n <= count; ++n) {
        auto r = pass.place(n);
        if (r) {
            placed[n] = r.value();
            std::printf(" %d:%s", n, r.value().c_str());
        } else {
            std::printf("\n    ! %s\n", r.error().message.c_str());
            for (const auto& rej : r.error().rejections) std::printf("      - %s (%s)\n", rej.describe().c_str(), rej.filter.c_str());
        }
    }
    std::printf("\n");
    Service record{spec, ServiceState::Running, 1, std::nullopt, std::nullopt, std::nullopt};
    st.services[spec.key()] = record;
    for (auto it = st.instances.begin(); it != st.instances.end();) {
        if (it->first.service == spec.key() && it->first.number > count) it = st.instances.erase(it);
        else ++it;
    }
    for (const auto& [n, node] : placed) {
        Instance inst;
        inst.service = spec.key();
        inst.number = n;
        inst.node = node;
        inst.desired = DesiredState::Running;
        st.instances[inst.key()] = inst;
    }
}

}  // namespace

int main(int argc, char** argv) {
    std::uint64_t seed = 1;
    int nodes = 9;
    for (int i = 1; i < argc; ++i) {
        if (!std::strcmp(argv[i], "--seed") && i + 1 < argc) seed = std::strtoull(argv[++i], nullptr, 10);
        else if (!std::strcmp(argv[i], "--nodes") && i + 1 < argc) nodes = std::atoi(argv[++i]);
        else {
            std::fprintf(stderr, "usage: kontena-placement-demo [--seed N] [--nodes N]\n");
            return 2;
        }
    }
    if (nodes < 1 || nodes > 254) {
        std::fprintf(stderr, "--nodes must be 1..254\n");
        return 2;
    }
    ClusterState st = generateGrid(nodes);
    const auto stack = demoStack();
    std::printf("grid %s: %d nodes over zones a, b, c (every 4th node has label ssd), seed %llu\n", st.grid.name.c_str(), nodes,
                static_cast<unsigned long long>(seed));
    const auto order = serviceDeployOrder(stack);
    if (!order) {
        std::printf("stack error: %s\n", order.error().message.c_str());
        return 1;
    }
    std::printf("deploy order (links first):");
    for (const auto& name : order.value()) std::printf(" %s", name.c_str());
    std::printf("\n\n1. deploy\n");
    for (const auto& name : order.value()) {
        for (const auto& spec : stack) if (spec.name == name) deploy(st, spec, seed);
    }
    const Instance* db = st.instance("shop/db", 1);
    const std::string dbNode = db && db->node ? *db->node : "node-4";
    std::printf("\n2. drain %s (it runs the stateful db) and deploy again\n", dbNode.c_str());
    st.nodes[dbNode].availability = Availability::Drain;
    for (const auto& name : order.value()) {
        for (const auto& spec : stack) if (spec.name == name) deploy(st, spec, seed + 1);
    }
    return 0;
}
