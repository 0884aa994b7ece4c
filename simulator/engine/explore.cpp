#include "simulator/engine/explore.h"

#include <algorithm>
#include <map>
#include <set>

#include "scheduler/random.h"
#include "simulator/engine/engine.h"

namespace kontena::sim {

namespace {

Event makeEvent(Instant at, Action a) {
    Event e;
    e.index = 0;   // not a scenario event: checks cannot name it
    e.at = at;
    e.action = std::move(a);
    return e;
}

// Services the scenario deploys (learned from a fault-free run).
std::vector<std::pair<std::string, int>> servicesOf(const Scenario& sc, std::uint64_t seed) {
    EngineOptions o;
    o.seed = seed;
    std::vector<std::pair<std::string, int>> out;
    ClusterState last;
    o.observer = [&](Instant, const ClusterState& st, const std::map<InstanceKey, int>&) { last.services = st.services; };
    runScenario(sc, o);
    for (const auto& [key, svc] : last.services) out.push_back({key, std::max(1, svc.spec.instances)});
    return out;
}

ServiceRef refOf(const std::string& key) {
    const auto slash = key.find('/');
    return ServiceRef{key.substr(0, slash), key.substr(slash + 1)};
}

std::vector<Event> randomFaults(const Scenario& sc, Rng& rng, const std::vector<std::pair<std::string, int>>& services) {
    std::vector<Event> out;
    const std::int64_t end = sc.end().ms;
    if (sc.nodes.empty() || end <= 0) return out;
    const int faults = 2 + static_cast<int>(rng.below(6));
    for (int i = 0; i < faults; ++i) {
        const Instant at(static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(end))));
        const Duration length = Duration::seconds(5 + static_cast<std::int64_t>(rng.below(400)));
        const std::string node = sc.nodes[rng.below(sc.nodes.size())].name;
        switch (rng.below(6)) {
        case 0:
            out.push_back(makeEvent(at, NodeDisconnect{node}));
            out.push_back(makeEvent(at + length, NodeConnect{node}));
            break;
        case 1:
            out.push_back(makeEvent(at, NodeUnresponsive{node}));
            out.push_back(makeEvent(at + length, NodeResponsive{node}));
            break;
        case 2: {
            std::vector<std::string> a{kMaster}, b;
            for (const auto& n : sc.nodes) (rng.below(2) ? a : b).push_back(n.name);
            out.push_back(makeEvent(at, Partition{{a, b}}));
            out.push_back(makeEvent(at + length, Heal{}));
            break;
        }
        case 3:
            out.push_back(makeEvent(at, EtcdMemberFail{node}));
            out.push_back(makeEvent(at + length, EtcdMemberRecover{node}));
            break;
        default:
            if (services.empty()) break;
            const auto& [key, count] = services[rng.below(services.size())];
            const InstanceRef inst{refOf(key), 1 + static_cast<int>(rng.below(static_cast<std::uint64_t>(count)))};
            if (rng.below(2)) out.push_back(makeEvent(at, InstanceCrash{inst}));
            else {
                out.push_back(makeEvent(at, InstanceUnhealthy{inst}));
                out.push_back(makeEvent(at + length, InstanceHealthy{inst}));
            }
        }
    }
    // Liveness phase: heal everything at the end.
    const Instant healAt = sc.end();
    out.push_back(makeEvent(healAt, Heal{}));
    for (const auto& [key, count] : services) {
        for (int k = 1; k <= count; ++k) out.push_back(makeEvent(healAt, InstanceHealthy{InstanceRef{refOf(key), k}}));
    }
    for (const auto& n : sc.nodes) {
        out.push_back(makeEvent(healAt, NodeResponsive{n.name}));
        out.push_back(makeEvent(healAt, NodeConnect{n.name}));
        out.push_back(makeEvent(healAt, EtcdMemberRecover{n.name}));
    }
    return out;
}

}  // namespace

ExploreResult exploreSeed(const Scenario& original, std::uint64_t seed, bool memoise, bool standingKeepalive, bool recordSpans) {
    Scenario sc = original;
    sc.expect.clear();
    Rng rng(seed);
    const auto services = servicesOf(original, seed);
    EngineOptions o;
    o.seed = seed;
    o.memoise = memoise;
    o.standingKeepalive = standingKeepalive;
    o.recordSpans = recordSpans;
    // A removed node whose agent reconnects joins again (§2.8), so faults may reconnect any node.
    o.extraEvents = randomFaults(original, rng, services);
    sc.until = original.end() + Duration::minutes(15);

    ExploreResult result;
    std::map<InstanceKey, std::string> statefulHome;
    std::map<InstanceKey, std::optional<std::string>> lastNode;
    ClusterState final;
    std::map<InstanceKey, int> finalRunning;
    auto fail = [&](Instant now, const std::string& what) {
        if (!result.ok) return;
        result.ok = false;
        result.violation = "at " + formatDuration(now - Instant(0)) + ": " + what;
        result.at = now;
    };
    o.observer = [&](Instant now, const ClusterState& st, const std::map<InstanceKey, int>& running) {
        for (const auto& [key, count] : running) {
            if (count > 1) fail(now, instanceName(key.service, key.number) + " runs on " + std::to_string(count) + " online nodes");
        }
        std::map<std::pair<std::string, int>, std::string> ports;   // (node, port) -> instance
        for (const auto& [key, inst] : st.instances) {
            const Service* svc = st.service(key.service);
            if (!svc || !inst.node) continue;
            for (const auto& p : svc->spec.ports) {
                auto [it, inserted] = ports.emplace(std::make_pair(*inst.node, p.nodePort), instanceName(key.service, key.number));
                if (!inserted) fail(now, "port " + std::to_string(p.nodePort) + " on " + *inst.node + " given to " + it->second + " and " + instanceName(key.service, key.number));
            }
            if (svc->spec.stateful) {
                auto [it, inserted] = statefulHome.emplace(key, *inst.node);
                if (!inserted && it->second != *inst.node) {
                    // A removed home orphans the instance; its next deploy gives it a new home (§2.8).
                    if (st.node(it->second)) fail(now, "stateful instance " + instanceName(key.service, key.number) + " moved from " + it->second + " to " + *inst.node);
                    else it->second = *inst.node;
                }
            }
            auto prev = lastNode.find(key);
            if (!st.quorum && prev != lastNode.end() && prev->second && prev->second != inst.node) {
                fail(now, instanceName(key.service, key.number) + " was moved while etcd had no quorum");
            }
            lastNode[key] = inst.node;
        }
        final = st;
        finalRunning = running;
    };
    RunReport report = runScenario(sc, o);
    result.timeline = report.timeline;
    if (!result.ok) {
        result.report = std::move(report);
        return result;
    }
    // Liveness: every running stateless ha/random service whose last deploy succeeded is complete.
    for (const auto& [key, svc] : final.services) {
        if (svc.state != ServiceState::Running || svc.spec.stateful || svc.spec.strategy == Strategy::Daemon) continue;
        const ServiceDeploy* last = nullptr;
        for (const auto& [id, dep] : final.deploys) {
            if (dep.service == key && dep.finishedAt) last = &dep;
        }
        if (!last || last->state != DeployState::Success) continue;
        int running = 0;
        for (const auto& [k, c] : finalRunning) running += k.service == key && c > 0 ? 1 : 0;
        if (running != svc.spec.instances) {
            fail(sc.until.value(), "after healing, " + key + " runs " + std::to_string(running) + " of " + std::to_string(svc.spec.instances) + " instances");
        }
    }
    if (!result.ok) result.report = std::move(report);
    return result;
}

}  // namespace kontena::sim
