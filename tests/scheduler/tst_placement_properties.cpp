// Seed-loop property tests over thousands of random small grids:
// the fast path and the reference path agree; every placement satisfies the
// hard rules; ha spreads as evenly as possible; daemon fills every eligible
// node; the same seed gives the same placement.
#include <QTest>

#include <map>
#include <regex>
#include <set>

#include "harness.h"
#include "scheduler/random.h"

using namespace kontena;
using namespace kontena::test;

namespace {

const std::vector<std::string> kLabels{"ssd", "hdd", "gpu", "tier=1", "tier=2"};
const std::vector<std::string> kZones{"az=a", "az=b", "az=c"};

template <typename T>
const T& pick(Rng& rng, const std::vector<T>& v) { return v[rng.below(v.size())]; }

struct Case {
    ClusterState state;
    ServiceSpec svc;
    int count = 0;
};

ClusterState randomGrid(Rng& rng, bool allHealthy) {
    ClusterState st;
    const int nodes = 1 + static_cast<int>(rng.below(12));
    const bool zoned = rng.below(3) != 0;
    for (int i = 1; i <= nodes; ++i) {
        std::vector<std::string> labels;
        if (zoned) labels.push_back(pick(rng, kZones));
        for (const auto& l : kLabels) if (rng.below(3) == 0) labels.push_back(l);
        auto n = makeNode("n" + std::to_string(i), i, labels, 1 + static_cast<int>(rng.below(8)),
                          static_cast<std::int64_t>(1 + rng.below(8)) * GiB);
        if (!allHealthy) {
            if (rng.below(10) == 0) n.availability = Availability::Drain;
            if (rng.below(10) == 0) n.connected = false;
        }
        if (rng.below(3) == 0) {
            const std::int64_t used = static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(n.memory)));
            n.stats = NodeMemoryStats{n.memory, used, n.memory - used, 0, 0};
        }
        addNode(st, n);
    }
    return st;
}

void addOtherServices(Rng& rng, ClusterState& st) {
    const int others = static_cast<int>(rng.below(3));
    for (int k = 0; k < others; ++k) {
        auto o = makeService("s", "other" + std::to_string(k), 1 + static_cast<int>(rng.below(3)));
        if (rng.below(3) == 0) o.ports = {PortSpec{"0.0.0.0", rng.below(2) ? 80 : 443, 80, "tcp"}};
        addService(st, o);
        for (int n = 1; n <= o.instances; ++n) addInstance(st, o, n, "n" + std::to_string(1 + rng.below(st.nodes.size())));
    }
}

Case randomCase(Rng& rng) {
    Case c;
    c.state = randomGrid(rng, false);
    addOtherServices(rng, c.state);
    const std::uint64_t s = rng.below(10);
    c.svc = makeService("s", "web", 1 + static_cast<int>(rng.below(8)),
                        s < 6 ? Strategy::Ha : (s < 8 ? Strategy::Daemon : Strategy::Random));
    const std::vector<std::string> rules{"label==ssd", "label!=hdd", "label==~gpu", "node!=n3", "service!=web",
                                         "service==other0", "service!=other1", "label==az=a", "node==/n[1-5]$/",
                                         "label==~tier=2", "service!=~web"};
    const int nRules = static_cast<int>(rng.below(3));
    for (int i = 0; i < nRules; ++i) c.svc.affinity.push_back(pick(rng, rules));
    if (rng.below(5) == 0) c.svc.ports = {PortSpec{"0.0.0.0", 80, 80, "tcp"}};
    if (rng.below(5) == 0) c.svc.cpus = static_cast<double>(1 + rng.below(6));
    if (rng.below(5) == 0) c.svc.memory = static_cast<std::int64_t>(1 + rng.below(6)) * GiB;
    if (rng.below(6) == 0) c.svc.stateful = true;
    // Existing records of the service itself (a redeploy).
    if (rng.below(2) == 0) {
        for (int n = 1; n <= c.svc.instances; ++n) {
            if (rng.below(3)) addInstance(c.state, c.svc, n, "n" + std::to_string(1 + rng.below(c.state.nodes.size())));
        }
    }
    c.count = c.svc.instances * (c.svc.strategy == Strategy::Daemon ? static_cast<int>(c.state.nodes.size()) : 1);
    return c;
}

std::vector<std::string> outcome(const Placed& p) {
    std::vector<std::string> out;
    std::size_t f = 0;
    for (const auto& n : p.nodes) out.push_back(n.empty() ? "FAIL " + p.failures[f++].message : n);
    return out;
}

// An independent check of the hard rules a placed node must satisfy.
QString violation(const ClusterState& st, const ServiceSpec& svc, const std::string& nodeName,
                  const std::map<std::string, int>& placedHere) {
    const Node& n = st.nodes.at(nodeName);
    if (!n.connected) return QStringLiteral("placed on an offline node");
    if (n.availability == Availability::Drain) return QStringLiteral("placed on a drained node");
    if (svc.cpus && n.cpus < *svc.cpus) return QStringLiteral("cpu rule broken");
    for (const auto& rule : svc.affinity) {
        if (rule.find("==~") != std::string::npos || rule.find("!=~") != std::string::npos) continue;   // soft
        const bool eq = rule.find("==") != std::string::npos;
        const std::string key = rule.substr(0, rule.find(eq ? "==" : "!="));
        const std::string value = rule.substr(rule.find(eq ? "==" : "!=") + 2);
        bool match = false;
        if (key == "label") {
            for (const auto& l : n.labels) match = match || l == value;
        } else if (key == "node") {
            match = value.front() == '/' ? std::regex_search(n.name, std::regex(value.substr(1, value.size() - 2))) : n.name == value;
        } else if (key == "service" && value == "web") {
            match = placedHere.count(nodeName) > 0;
        } else if (key == "service") {
            for (const auto& [k, inst] : st.instances) match = match || (k.service == "s/" + value && inst.node == nodeName);
        }
        if (match != eq) return QStringLiteral("affinity %1 broken").arg(QString::fromStdString(rule));
    }
    if (!svc.ports.empty() && placedHere.count(nodeName)) return QStringLiteral("two instances with port 80 on one node");
    return {};
}

}  // namespace

class TestPlacementProperties : public QObject {
    Q_OBJECT

private slots:
    void fastPathAgreesWithReference() {
        Rng rng(20261124);
        int fastCases = 0;
        for (int i = 0; i < 3000; ++i) {
            const Case c = randomCase(rng);
            const std::uint64_t seed = rng.next();
            const auto fast = placeAll(c.state, c.svc, c.count, seed, PlacementMode::Auto);
            const auto ref = placeAll(c.state, c.svc, c.count, seed, PlacementMode::ReferenceOnly);
            PlacementIndex index;
            index.build(c.state, seed);
            fastCases += PlacementPass(c.state, index, c.svc, {}, seed).fastPathEligible() ? 1 : 0;
            if (outcome(fast) != outcome(ref)) {
                QString msg = QStringLiteral("case %1 differs:").arg(i);
                for (std::size_t k = 0; k < fast.nodes.size(); ++k) {
                    msg += QStringLiteral(" [%1|%2]").arg(QString::fromStdString(outcome(fast)[k]), QString::fromStdString(outcome(ref)[k]));
                }
                QFAIL(qPrintable(msg));
            }
        }
        QVERIFY2(fastCases > 500, qPrintable(QString::number(fastCases)));   // the fast path was really exercised
    }

    // A deploy advances one instance per decision: a new pass that assumes the
    // earlier placements must choose exactly what one long pass chooses.
    void steppedPassesEqualOnePass() {
        Rng rng(11);
        for (int i = 0; i < 2000; ++i) {
            const Case c = randomCase(rng);
            const std::uint64_t seed = rng.next();
            const auto whole = placeAll(c.state, c.svc, c.count, seed);
            PlacementIndex index;
            index.build(c.state, seed);
            std::vector<std::pair<std::string, int>> placed;
            for (int n = 1; n <= c.count; ++n) {
                PlacementPass pass(c.state, index, c.svc, {}, seed);
                for (const auto& [node, k] : placed) pass.assume(node, k);
                auto r = pass.place(n);
                const std::string got = r ? r.value() : std::string();
                QVERIFY2(got == whole.nodes[static_cast<std::size_t>(n - 1)],
                         qPrintable(QStringLiteral("case %1 instance %2: %3 vs %4").arg(i).arg(n).arg(QString::fromStdString(got),
                                    QString::fromStdString(whole.nodes[static_cast<std::size_t>(n - 1)]))));
                if (r) placed.push_back({r.value(), n});
            }
        }
    }

    void placementsSatisfyHardRulesAndCountsAddUp() {
        Rng rng(7);
        for (int i = 0; i < 3000; ++i) {
            const Case c = randomCase(rng);
            const auto placed = placeAll(c.state, c.svc, c.count, rng.next());
            QCOMPARE(static_cast<int>(placed.nodes.size()), c.count);
            std::map<std::string, int> perNode;
            std::size_t failures = 0;
            for (const auto& node : placed.nodes) {
                if (node.empty()) {
                    ++failures;
                    continue;
                }
                const QString v = violation(c.state, c.svc, node, perNode);
                QVERIFY2(v.isEmpty(), qPrintable(QStringLiteral("case %1: %2 on %3").arg(i).arg(v, QString::fromStdString(node))));
                ++perNode[node];
            }
            QCOMPARE(failures, placed.failures.size());
            for (const auto& f : placed.failures) {
                QVERIFY(!f.message.empty());
                // Every node that was not chosen is explained (the strategy may add a second line for a node).
                std::set<std::string> explained;
                for (const auto& r : f.rejections) explained.insert(r.node);
                if (f.message.find("did not find any node") == std::string::npos) QCOMPARE(explained.size(), c.state.nodes.size());
            }
        }
    }

    void sameSeedSamePlacement() {
        Rng rng(99);
        for (int i = 0; i < 500; ++i) {
            const Case c = randomCase(rng);
            const std::uint64_t seed = rng.next();
            QCOMPARE(outcome(placeAll(c.state, c.svc, c.count, seed)), outcome(placeAll(c.state, c.svc, c.count, seed)));
        }
    }

    void haSpreadsAsEvenlyAsPossible() {
        Rng rng(3);
        for (int i = 0; i < 2000; ++i) {
            ClusterState st = randomGrid(rng, true);
            const int instances = 1 + static_cast<int>(rng.below(30));
            const auto placed = placeAll(st, makeService("s", "web", instances), instances, rng.next());
            std::map<std::string, int> zones, nodes;
            for (const auto& [name, n] : st.nodes) {
                zones[zoneOf(n)] += 0;
                nodes[name] += 0;
            }
            for (const auto& n : placed.nodes) {
                ++zones[zoneOf(st.nodes.at(n))];
                ++nodes[n];
            }
            auto spread = [](const std::map<std::string, int>& m) {
                int lo = 1 << 30, hi = 0;
                for (const auto& [k, v] : m) { lo = std::min(lo, v); hi = std::max(hi, v); }
                return hi - lo;
            };
            QVERIFY2(spread(zones) <= 1, qPrintable(QStringLiteral("case %1: zones uneven").arg(i)));
            // Within each zone, nodes differ by at most one.
            for (const auto& [zone, _] : zones) {
                std::map<std::string, int> inZone;
                for (const auto& [name, n] : st.nodes) if (zoneOf(n) == zone) inZone[name] = nodes[name];
                QVERIFY2(spread(inZone) <= 1, qPrintable(QStringLiteral("case %1: nodes uneven").arg(i)));
            }
        }
    }

    void daemonPutsExactlyInstancesOnEveryEligibleNode() {
        Rng rng(5);
        for (int i = 0; i < 1000; ++i) {
            ClusterState st = randomGrid(rng, false);
            auto svc = makeService("s", "agent", 1 + static_cast<int>(rng.below(3)), Strategy::Daemon);
            if (rng.below(2)) svc.affinity = {"label!=hdd"};
            PlacementIndex index;
            index.build(st, 1);
            const int count = computeInstanceCount(st, index, svc, {}, 1);
            const auto placed = placeAll(st, svc, count);
            QVERIFY(placed.failures.empty());
            std::map<std::string, int> perNode;
            for (const auto& n : placed.nodes) ++perNode[n];
            int eligible = 0;
            for (const auto& [name, n] : st.nodes) {
                const bool hdd = std::find(n.labels.begin(), n.labels.end(), "hdd") != n.labels.end();
                const bool ok = n.connected && n.availability == Availability::Active && !(hdd && !svc.affinity.empty());
                eligible += ok ? 1 : 0;
                QCOMPARE(perNode[name], ok ? svc.instances : 0);
            }
            QCOMPARE(count, eligible * svc.instances);
        }
    }
};

QTEST_GUILESS_MAIN(TestPlacementProperties)
#include "tst_placement_properties.moc"
