// Filters and strategies with the edge cases of reference §4.
#include <QTest>

#include <algorithm>
#include <functional>
#include <map>
#include <set>

#include "harness.h"
#include "scheduler/affinity.h"
#include "scheduler/placement_filters.h"

using namespace kontena;
using namespace kontena::test;

namespace {

QString q(const std::string& s) { return QString::fromStdString(s); }

std::map<std::string, int> countBy(const std::vector<std::string>& nodes) {
    std::map<std::string, int> out;
    for (const auto& n : nodes) ++out[n];
    return out;
}

// A grid of one node, "bad", that exactly one filter rejects for the service.
struct LonelyCase {
    ClusterState st;
    ServiceSpec svc;
    std::string filter;
    std::string message;   // part of Kontena's message when no node is left
};

LonelyCase lonelyCase(const std::string& filter) {
    LonelyCase c;
    c.filter = filter;
    c.st.grid.name = "g";
    c.svc = makeService("s", "x", 1);
    Node bad = makeNode("bad", 1, {"az=b"});
    if (filter == "candidate") {
        bad.connected = false;
        c.message = "There are no nodes available";
    } else if (filter == "availability") {
        bad.availability = Availability::Drain;
        c.message = "Did not find any nodes with availability active";
    } else if (filter == "ephemeral") {
        bad.labels.push_back("ephemeral=yes");
        c.svc.stateful = true;
        c.message = "Did not find any non-ephemeral nodes for stateful service";
    } else if (filter == "volume-plugin") {
        c.st.volumes["data"] = Volume{"data", VolumeScope::Instance, "rexray", {}};
        c.svc.volumes = {VolumeMount{VolumeKind::Named, "data", "/d", ""}};
        c.message = "Did not find any nodes with required volume drivers: [rexray]";
    } else if (filter == "affinity") {
        c.svc.affinity = {"label==az=a"};
        c.message = "Did not find any nodes for affinity filter: label==az=a";
    } else if (filter == "port") {
        auto web = makeService("s", "web", 1);
        web.ports = {PortSpec{"0.0.0.0", 80, 80, "tcp"}};
        addService(c.st, web);
        addInstance(c.st, web, 1, "bad");
        c.svc.ports = web.ports;
        c.message = "Did not find any nodes with unused ports: [80]";
    } else if (filter == "cpu") {
        c.svc.cpus = 4.0;
        c.message = "CPUs available";
    } else if (filter == "memory") {
        c.svc.memory = 8 * GiB;
        c.message = "Did not find any nodes with sufficient free memory";
    } else if (filter == "dependency") {
        c.svc.volumesFrom = {"data-%s"};
        c.message = "Did not find any nodes for service dependency volumes_from: [data-1]";
    } else {
        c.filter = "(no case)";
    }
    addNode(c.st, bad);
    return c;
}

bool hasRejection(const PlacementFailure& f, const std::string& text) {
    return std::any_of(f.rejections.begin(), f.rejections.end(), [&](const Rejection& r) { return r.describe() == text; });
}

}  // namespace

class TestPlacement : public QObject {
    Q_OBJECT

private slots:
    void haSpreadsOverZonesFirst() {
        ClusterState st;
        addNode(st, makeNode("a1", 1, {"az=a"}));
        addNode(st, makeNode("a2", 2, {"az=a"}));
        addNode(st, makeNode("a3", 3, {"az=a"}));
        addNode(st, makeNode("b1", 4, {"az=b"}));
        const auto svc = makeService("web", "app", 4);
        for (auto mode : {PlacementMode::Auto, PlacementMode::ReferenceOnly}) {
            const auto placed = placeAll(st, svc, 4, 7, mode);
            const auto c = countBy(placed.nodes);
            // 4 instances over 2 zones: 2 in az=b (its only node takes both), 2 in az=a on distinct nodes.
            QCOMPARE(c.at("b1"), 2);
            QCOMPARE(c.count("a1") + c.count("a2") + c.count("a3"), std::size_t(2));
        }
    }

    void haAllowsSeveralInstancesPerNode() {
        ClusterState st;
        addNode(st, makeNode("n1", 1));
        addNode(st, makeNode("n2", 2));
        const auto placed = placeAll(st, makeService("s", "x", 3), 3);
        const auto c = countBy(placed.nodes);
        QCOMPARE(c.size(), std::size_t(2));
        QVERIFY(placed.failures.empty());
    }

    void haPrefersTheNodeThatHasTheInstance() {
        ClusterState st;
        for (int i = 1; i <= 5; ++i) addNode(st, makeNode("n" + std::to_string(i), i));
        const auto svc = makeService("s", "x", 1);
        addInstance(st, svc, 1, "n4");
        for (std::uint64_t seed = 1; seed <= 20; ++seed) {
            QCOMPARE(placeAll(st, svc, 1, seed).nodes.front(), std::string("n4"));
        }
    }

    void haPrefersLessMemoryLoadedNodes() {
        ClusterState st;
        auto loaded = makeNode("loaded", 1);
        loaded.stats = NodeMemoryStats{4 * GiB, 3 * GiB, GiB, 0, 0};
        auto idle = makeNode("idle", 2);
        idle.stats = NodeMemoryStats{4 * GiB, GiB / 2, 3 * GiB, 0, 0};
        addNode(st, loaded);
        addNode(st, idle);
        QCOMPARE(placeAll(st, makeService("s", "x", 1), 1).nodes.front(), std::string("idle"));
    }

    void daemonFreshDeployGoesRoundRobinByNodeNumber() {
        ClusterState st;
        addNode(st, makeNode("c", 3));
        addNode(st, makeNode("a", 1));
        addNode(st, makeNode("b", 2));
        auto svc = makeService("s", "d", 2, Strategy::Daemon);
        PlacementIndex index;
        index.build(st, 1);
        QCOMPARE(computeInstanceCount(st, index, svc, {}, 1), 6);
        const auto placed = placeAll(st, svc, 6);
        QCOMPARE(placed.nodes, (std::vector<std::string>{"a", "b", "c", "a", "b", "c"}));
    }

    void daemonNodeStickiness() {
        // 4 nodes, c=1, #k on node k, node 2 lost: node 1 keeps #1, node 3 keeps #3, node 4 gets #2.
        ClusterState st;
        for (int i = 1; i <= 4; ++i) addNode(st, makeNode("node-" + std::to_string(i), i));
        st.nodes["node-2"].connected = false;
        auto svc = makeService("s", "d", 1, Strategy::Daemon);
        for (int k = 1; k <= 3; ++k) addInstance(st, svc, k, "node-" + std::to_string(k));   // #4 deleted by scale-down
        PlacementIndex index;
        index.build(st, 1);
        QCOMPARE(computeInstanceCount(st, index, svc, {}, 1), 3);
        QCOMPARE(placeAll(st, svc, 3).nodes, (std::vector<std::string>{"node-1", "node-4", "node-3"}));
    }

    void daemonStickinessOriginalSuiteExample() {
        // 10 nodes, c=2, instance k on node ((k-1) mod 10)+1, nodes 2 and 3 gone.
        ClusterState st;
        for (int i = 1; i <= 10; ++i) addNode(st, makeNode("n" + std::to_string(i), i));
        st.nodes["n2"].connected = false;
        st.nodes["n3"].connected = false;
        auto svc = makeService("s", "d", 2, Strategy::Daemon);
        for (int k = 1; k <= 16; ++k) addInstance(st, svc, k, "n" + std::to_string((k - 1) % 10 + 1));
        const auto placed = placeAll(st, svc, 16);
        std::vector<std::string> expected;
        for (int n : {1, 7, 8, 4, 5, 6, 7, 8, 9, 10, 1, 9, 10, 4, 5, 6}) expected.push_back("n" + std::to_string(n));
        QCOMPARE(placed.nodes, expected);
    }

    void randomKeepsExistingNodeAndUsesSeed() {
        ClusterState st;
        for (int i = 1; i <= 6; ++i) addNode(st, makeNode("n" + std::to_string(i), i));
        auto svc = makeService("s", "r", 1, Strategy::Random);
        addInstance(st, svc, 1, "n5");
        QCOMPARE(placeAll(st, svc, 1, 3).nodes.front(), std::string("n5"));
        auto fresh = makeService("s", "r2", 20, Strategy::Random);
        const auto a = placeAll(st, fresh, 20, 11);
        QCOMPARE(placeAll(st, fresh, 20, 11).nodes, a.nodes);   // same seed, same placement
        QVERIFY(placeAll(st, fresh, 20, 12).nodes != a.nodes);  // another seed, another draw
        QVERIFY(countBy(a.nodes).size() > 1);
    }

    void randomStatefulFailsWhenItsNodeIsGone() {
        ClusterState st;
        addNode(st, makeNode("n1", 1));
        addNode(st, makeNode("n2", 2));
        auto svc = makeService("s", "db", 1, Strategy::Random);
        svc.stateful = true;
        addInstance(st, svc, 1, "n2");
        st.nodes["n2"].availability = Availability::Drain;
        const auto placed = placeAll(st, svc, 1);
        QCOMPARE(placed.failures.size(), std::size_t(1));
        QVERIFY2(placed.failures[0].message.find("pinned to node n2") != std::string::npos, placed.failures[0].message.c_str());
    }

    void statefulIsPinnedAndDrainFailsTheDeploy() {
        ClusterState st;
        addNode(st, makeNode("n1", 1));
        addNode(st, makeNode("n2", 2));
        auto svc = makeService("s", "db", 1);
        svc.stateful = true;
        addInstance(st, svc, 1, "n2");
        QCOMPARE(placeAll(st, svc, 1).nodes.front(), std::string("n2"));
        st.nodes["n2"].availability = Availability::Drain;
        const auto placed = placeAll(st, svc, 1);
        QCOMPARE(placed.failures.size(), std::size_t(1));
        const auto& f = placed.failures[0];
        QVERIFY2(f.message.find("Strategy ha did not find any node") != std::string::npos, f.message.c_str());
        QVERIFY(hasRejection(f, "n2: node is drained"));
        QVERIFY(hasRejection(f, "n1: stateful instance is pinned to n2"));
    }

    void statefulOrphanIsPlacedAsStateless() {
        ClusterState st;
        addNode(st, makeNode("n1", 1));
        auto svc = makeService("s", "db", 1);
        svc.stateful = true;
        Instance orphan;
        orphan.service = svc.key();
        orphan.number = 1;
        st.instances[orphan.key()] = orphan;   // its node was removed
        QCOMPARE(placeAll(st, svc, 1).nodes.front(), std::string("n1"));
    }

    void ephemeralNodesRejectNewStatefulInstances() {
        ClusterState st;
        addNode(st, makeNode("eph", 1, {"ephemeral=no"}));   // any value counts
        auto stateless = makeService("s", "web", 1);
        QCOMPARE(placeAll(st, stateless, 1).nodes.front(), std::string("eph"));
        auto stateful = makeService("s", "db", 1);
        stateful.stateful = true;
        const auto placed = placeAll(st, stateful, 1);
        QCOMPARE(placed.failures.size(), std::size_t(1));
        QVERIFY(placed.failures[0].message.find("Did not find any non-ephemeral nodes for stateful service") != std::string::npos);
        addInstance(st, stateful, 1, "eph");   // an ephemeral node that already hosts that very instance is allowed
        QCOMPARE(placeAll(st, stateful, 1).nodes.front(), std::string("eph"));
    }

    void affinityFailureExplainsEveryNode() {
        ClusterState st;
        addNode(st, makeNode("node-1", 1, {"az=b"}));
        addNode(st, makeNode("node-2", 2));
        addNode(st, makeNode("node-3", 3, {"az=b", "ssd"}));
        auto drained = makeNode("node-4", 4, {"az=a"});
        drained.availability = Availability::Drain;
        addNode(st, drained);
        auto svc = makeService("s", "x", 1);
        svc.affinity = {"label==az=a"};
        for (auto mode : {PlacementMode::Auto, PlacementMode::ReferenceOnly}) {
            const auto placed = placeAll(st, svc, 1, 1, mode);
            QCOMPARE(placed.failures.size(), std::size_t(1));
            const auto& f = placed.failures[0];
            QCOMPARE(q(f.message), QStringLiteral("Cannot find applicable node for service instance test/s/x-1: "
                                                  "Did not find any nodes for affinity filter: label==az=a"));
            QCOMPARE(f.rejections.size(), st.nodes.size());
            QVERIFY(hasRejection(f, "node-1: label az=b does not match label==az=a"));
            QVERIFY(hasRejection(f, "node-2: node has no labels, so it does not match label==az=a"));
            QVERIFY(hasRejection(f, "node-3: label az=b does not match label==az=a"));
            QVERIFY(hasRejection(f, "node-4: node is drained"));
        }
    }

    void softAffinityFallsBack() {
        ClusterState st;
        addNode(st, makeNode("n1", 1, {"az-1", "ssd"}));
        addNode(st, makeNode("n2", 2, {"az-1", "hdd"}));
        addNode(st, makeNode("n3", 3, {"az-2", "ssd"}));
        auto svc = makeService("s", "x", 3);
        svc.affinity = {"label==~hdd"};
        QCOMPARE(countBy(placeAll(st, svc, 3).nodes), (std::map<std::string, int>{{"n2", 3}}));
        svc.affinity = {"label==~gpu"};
        QCOMPARE(countBy(placeAll(st, svc, 3).nodes).size(), std::size_t(3));
        svc.affinity = {"label==az-2", "label==~gpu"};
        QCOMPARE(countBy(placeAll(st, svc, 3).nodes), (std::map<std::string, int>{{"n3", 3}}));
    }

    void regexAffinityAndUnanchoredMatching() {
        ClusterState st;
        for (int i = 1; i <= 4; ++i) addNode(st, makeNode("node-" + std::to_string(i), i));
        auto svc = makeService("s", "x", 4);
        svc.affinity = {"node!=/^node-(2|3)$/"};
        const auto c = countBy(placeAll(st, svc, 4).nodes);
        QCOMPARE(c.size(), std::size_t(2));
        QVERIFY(c.count("node-1") && c.count("node-4"));
        svc.affinity = {"node==/de-4/"};   // unanchored
        QCOMPARE(countBy(placeAll(st, svc, 2).nodes), (std::map<std::string, int>{{"node-4", 2}}));
    }

    void instanceNumberSubstitution() {
        QCOMPARE(q(substituteInstanceNumber("container==redis-%i", 2)), QStringLiteral("container==redis-2"));
        QCOMPARE(q(substituteInstanceNumber("node==n-%s-%d", 3)), QStringLiteral("node==n-3-3"));
        QCOMPARE(q(substituteInstanceNumber("label==load=100%%", 3)), QStringLiteral("label==load=100%"));
        ClusterState st;
        addNode(st, makeNode("n1", 1));
        addNode(st, makeNode("n2", 2));
        auto redis = makeService("s", "redis", 2);
        addService(st, redis);
        addInstance(st, redis, 1, "n2");
        addInstance(st, redis, 2, "n1");
        auto app = makeService("s", "app", 2);
        app.affinity = {"container==s.redis-%i"};
        QCOMPARE(placeAll(st, app, 2).nodes, (std::vector<std::string>{"n2", "n1"}));
    }

    void serviceAffinityIsStackScoped() {
        ClusterState st;
        addNode(st, makeNode("n1", 1));
        addNode(st, makeNode("n2", 2));
        auto ownRedis = makeService("shop", "redis", 1);
        auto otherRedis = makeService("blog", "redis", 1);
        addService(st, ownRedis);
        addService(st, otherRedis);
        addInstance(st, ownRedis, 1, "n1");
        addInstance(st, otherRedis, 1, "n2");
        auto app = makeService("shop", "app", 2);
        app.affinity = {"service==redis"};
        QCOMPARE(countBy(placeAll(st, app, 2).nodes), (std::map<std::string, int>{{"n1", 2}}));
        app.affinity = {"service==blog/redis"};
        QCOMPARE(countBy(placeAll(st, app, 2).nodes), (std::map<std::string, int>{{"n2", 2}}));
        app.affinity = {"service!=redis"};
        QCOMPARE(countBy(placeAll(st, app, 2).nodes), (std::map<std::string, int>{{"n2", 2}}));
    }

    void selfAntiAffinityPutsOnePerNode() {
        ClusterState st;
        for (int i = 1; i <= 3; ++i) addNode(st, makeNode("n" + std::to_string(i), i));
        auto svc = makeService("s", "web", 4);
        svc.affinity = {"service!=web"};
        for (auto mode : {PlacementMode::Auto, PlacementMode::ReferenceOnly}) {
            const auto placed = placeAll(st, svc, 4, 5, mode);
            QCOMPARE(countBy(placed.nodes).size(), std::size_t(4));   // 3 nodes + "" for the failure
            QCOMPARE(placed.failures.size(), std::size_t(1));
            QVERIFY(placed.failures[0].message.find("service!=web") != std::string::npos);
        }
    }

    void invalidAffinityIsAHardError() {
        ClusterState st;
        addNode(st, makeNode("n1", 1));
        auto svc = makeService("s", "x", 1);
        svc.affinity = {"label=az"};
        QVERIFY(placeAll(st, svc, 1).failures.at(0).message.find("Invalid affinity filter: label=az") != std::string::npos);
        svc.affinity = {"zone==a"};
        QVERIFY(placeAll(st, svc, 1).failures.at(0).message.find("Unknown affinity filter: zone") != std::string::npos);
    }

    void gridDefaultAffinityAppliesOnlyWithoutOwnRules() {
        ClusterState st;
        st.grid.defaultAffinity = {"label!=reserved"};
        addNode(st, makeNode("free", 1));
        addNode(st, makeNode("res", 2, {"reserved"}));
        auto svc = makeService("s", "x", 2);
        QCOMPARE(countBy(placeAll(st, svc, 2).nodes), (std::map<std::string, int>{{"free", 2}}));
        svc.affinity = {"node==res"};
        QCOMPARE(countBy(placeAll(st, svc, 2).nodes), (std::map<std::string, int>{{"res", 2}}));
    }

    void portsNeverShareANodeEvenInOnePass() {
        ClusterState st;
        for (int i = 1; i <= 3; ++i) addNode(st, makeNode("n" + std::to_string(i), i));
        auto other = makeService("s", "lb", 1);
        other.ports = {PortSpec{"0.0.0.0", 80, 80, "udp"}};
        addService(st, other);
        addInstance(st, other, 1, "n1");
        for (auto strategy : {Strategy::Ha, Strategy::Random}) {
            auto svc = makeService("s", "web", 3, strategy);
            svc.ports = {PortSpec{"0.0.0.0", 80, 8080, "tcp"}};   // 80/tcp conflicts with 80/udp
            const auto placed = placeAll(st, svc, 3, 9);
            QCOMPARE(placed.failures.size(), std::size_t(1));
            QVERIFY(placed.nodes[0] != placed.nodes[1] && placed.nodes[0] != "n1" && placed.nodes[1] != "n1");
            QVERIFY(placed.failures[0].message.find("Did not find any nodes with unused ports: [80]") != std::string::npos);
            QVERIFY(hasRejection(placed.failures[0], "n1: port 80 is already published on this node by s/lb-1"));
        }
    }

    void cpuAndMemoryFilters() {
        ClusterState st;
        addNode(st, makeNode("small", 1, {}, 1, GiB));
        auto big = makeNode("big", 2, {}, 8, 16 * GiB);
        big.stats = NodeMemoryStats{16 * GiB, 15 * GiB, GiB / 2, 0, 0};   // almost full
        addNode(st, big);
        addNode(st, makeNode("mid", 3, {}, 4, 8 * GiB));
        auto svc = makeService("s", "x", 1);
        svc.cpus = 2;
        svc.memory = 2 * GiB;
        const auto placed = placeAll(st, svc, 1);
        QCOMPARE(placed.nodes.front(), std::string("mid"));
        svc.cpus = 16;
        const auto failed = placeAll(st, svc, 1);
        QVERIFY(hasRejection(failed.failures.at(0), "big: node has 8 CPUs, the service needs 16"));
        svc.cpus.reset();
        svc.memory = 10 * GiB;
        const auto mem = placeAll(st, svc, 1);
        QVERIFY(hasRejection(mem.failures.at(0), "big: node has 512 MiB of free memory, the service needs 10 GiB"));
        QVERIFY(hasRejection(mem.failures.at(0), "small: node has 1 GiB of memory, the service needs 10 GiB"));
    }

    void connectingNodeWithoutMemoryIsRejectedByMemoryFilter() {
        ClusterState st;
        auto n = makeNode("fresh", 1);
        n.memory = 0;
        n.updated = false;
        addNode(st, n);
        auto svc = makeService("s", "x", 1);
        QCOMPARE(placeAll(st, svc, 1).nodes.front(), std::string("fresh"));
        svc.memory = GiB;
        QCOMPARE(placeAll(st, svc, 1).failures.size(), std::size_t(1));
    }

    void volumePluginAndVolumeInstancePreference() {
        ClusterState st;
        auto a = makeNode("a", 1);
        a.volumeDrivers = {"local", "rexray"};
        auto b = makeNode("b", 2);
        b.volumeDrivers = {"local", "rexray"};
        addNode(st, a);
        addNode(st, b);
        addNode(st, makeNode("c", 3));
        st.volumes["data"] = Volume{"data", VolumeScope::Instance, "rexray", {}};
        auto svc = makeService("shop", "db", 1);
        svc.volumes = {VolumeMount{VolumeKind::Named, "data", "/var/lib/db", ""}};
        st.volumeInstances.insert(VolumeInstance{"b", "shop.db.data-1"});
        for (std::uint64_t seed = 1; seed <= 10; ++seed) QCOMPARE(placeAll(st, svc, 1, seed).nodes.front(), std::string("b"));
        st.volumes["data"].driver = "ceph";
        const auto failed = placeAll(st, svc, 1);
        QVERIFY(failed.failures.at(0).message.find("required volume drivers: [ceph]") != std::string::npos);
    }

    void dependencyFilterFollowsVolumesFrom() {
        ClusterState st;
        addNode(st, makeNode("n1", 1));
        addNode(st, makeNode("n2", 2));
        auto data = makeService("s", "data", 2);
        addService(st, data);
        addInstance(st, data, 1, "n2");
        addInstance(st, data, 2, "n1");
        auto app = makeService("s", "app", 3);
        app.volumesFrom = {"data-%s"};
        const auto placed = placeAll(st, app, 3);
        QCOMPARE(placed.nodes[0], std::string("n2"));
        QCOMPARE(placed.nodes[1], std::string("n1"));
        QVERIFY(placed.failures.at(0).message.find("volumes_from: [data-3]") != std::string::npos);
    }

    void offlineNodesAreNotCandidatesUnlessWithinGrace() {
        ClusterState st;
        addNode(st, makeNode("n1", 1));
        auto lost = makeNode("n2", 2);
        lost.connected = false;
        lost.lastSeen = Instant(0);
        addNode(st, lost);
        auto svc = makeService("s", "x", 1);
        addInstance(st, svc, 1, "n2");
        QCOMPARE(placeAll(st, svc, 1).nodes.front(), std::string("n1"));
        CandidatePolicy rescheduler;
        rescheduler.now = Instant(Duration::seconds(60).ms);
        rescheduler.includeOfflineWithinGrace = true;
        rescheduler.applyOnlineGrace = true;
        QCOMPARE(placeAll(st, svc, 1, 1, PlacementMode::Auto, rescheduler).nodes.front(), std::string("n2"));
        rescheduler.now = Instant(Duration::seconds(121).ms);   // ha grace is 2 minutes
        QCOMPARE(placeAll(st, svc, 1, 1, PlacementMode::Auto, rescheduler).nodes.front(), std::string("n1"));
    }

    // The table is Kontena's filter order, and every name a rejection can
    // carry comes from it.
    void filterTableIsKontenasOrder() {
        std::vector<std::string> names;
        for (const auto& f : placementFilters()) {
            names.emplace_back(f.name);
            QVERIFY2(f.reads != 0, names.back().c_str());
        }
        const std::vector<std::string> kontena{"candidate", "availability", "ephemeral", "volume-plugin", "volume-instance",
                                               "affinity", "port", "cpu", "memory", "dependency"};
        QCOMPARE(names, kontena);
    }

    // One lone node that one filter rejects: the reference pass fails with
    // that filter's rejection and Kontena's message, and misfit() explains
    // the same node with the same filter and the same reason. Every filter
    // of the table but the preference (volume-instance) has a case.
    void misfitExplainsLikeTheReferencePass_data() {
        QTest::addColumn<QString>("filter");
        QTest::addColumn<QString>("message");
        for (const char* f : {"candidate", "availability", "ephemeral", "volume-plugin", "affinity", "port", "cpu", "memory", "dependency"}) {
            QTest::newRow(f) << QString::fromLatin1(f) << QString::fromStdString(lonelyCase(f).message);
        }
    }
    void misfitExplainsLikeTheReferencePass() {
        QFETCH(QString, filter);
        QFETCH(QString, message);
        const LonelyCase c = lonelyCase(filter.toStdString());
        PlacementIndex index;
        index.build(c.st, 1);
        PlacementPass reference(c.st, index, c.svc, {}, 1, PlacementMode::ReferenceOnly);
        auto placed = reference.place(1);
        QVERIFY(!placed);
        const PlacementFailure& fail = placed.error();
        QVERIFY2(fail.message.find(message.toStdString()) != std::string::npos, fail.message.c_str());
        QCOMPARE(fail.rejections.size(), std::size_t(1));
        QCOMPARE(q(fail.rejections[0].filter), filter);
        PlacementPass probe(c.st, index, c.svc, {}, 1);
        const auto misfit = probe.misfit("bad", 1);
        QVERIFY(misfit);
        QCOMPARE(q(misfit->filter), filter);
        QCOMPARE(q(misfit->reason), q(fail.rejections[0].reason));
    }

    void everyFilterButThePreferenceHasALonelyCase() {
        std::set<std::string> covered;
        for (const auto& f : placementFilters()) {
            if (f.name != "volume-instance") covered.insert(lonelyCase(std::string(f.name)).filter);
        }
        QCOMPARE(covered.size(), placementFilters().size() - 1);
    }

    // The fast path's eligibility, misfitReadsPass() and the memo's inputs
    // (placementReads) come from the same rows.
    void consumersReadTheSameRows() {
        ClusterState st;
        addNode(st, makeNode("n1", 1, {"az=a"}));
        st.volumes["data"] = Volume{"data", VolumeScope::Instance, "local", {}};
        struct Row { const char* name; std::function<void(ServiceSpec&)> edit; bool fast; unsigned reads; unsigned absent; };
        const std::vector<Row> rows{
            {"plain", [](ServiceSpec&) {}, true, kNodeConnection | kNodeAvailability, kOtherServices | kPassPlacements | kEveryNode},
            {"label rule", [](ServiceSpec& s) { s.affinity = {"label==az=a"}; }, true, kNodeLabels, kOtherServices | kEveryNode},
            {"soft rule", [](ServiceSpec& s) { s.affinity = {"label==~az=a"}; }, true, kEveryNode, kOtherServices},
            {"service rule", [](ServiceSpec& s) { s.affinity = {"service!=x"}; }, true, kOtherServices | kPassPlacements, 0},
            {"container rule", [](ServiceSpec& s) { s.affinity = {"container==db-1"}; }, false, kOtherServices | kPassPlacements, 0},
            {"ports", [](ServiceSpec& s) { s.ports = {PortSpec{"0.0.0.0", 80, 80, "tcp"}}; }, true, kOtherServices | kPassPlacements, 0},
            {"cpus", [](ServiceSpec& s) { s.cpus = 1.0; }, true, kNodeResources, kOtherServices},
            {"named volume", [](ServiceSpec& s) { s.volumes = {VolumeMount{VolumeKind::Named, "data", "/d", ""}}; }, false,
             kVolumeInstances | kNodeVolumeDrivers, kPassPlacements},
            {"volumes_from", [](ServiceSpec& s) { s.volumesFrom = {"db-%s"}; }, false, kOtherServices, kPassPlacements},
            {"stateful", [](ServiceSpec& s) { s.stateful = true; }, false, kOwnRecords, kOtherServices},
        };
        for (const Row& r : rows) {
            auto svc = makeService("s", "x", 1);
            r.edit(svc);
            PlacementIndex index;
            index.build(st, 1);
            PlacementPass pass(st, index, svc, {}, 1);
            const unsigned reads = placementReads(st, svc);
            QVERIFY2(pass.fastPathEligible() == r.fast, r.name);
            QVERIFY2((reads & r.reads) == r.reads, r.name);
            QVERIFY2((reads & r.absent) == 0, r.name);
            QVERIFY2(pass.misfitReadsPass() == ((reads & kPassPlacements) != 0), r.name);
        }
    }

    void noNodesAtAll() {
        ClusterState st;
        const auto placed = placeAll(st, makeService("s", "x", 1), 1);
        QVERIFY(placed.failures.at(0).message.find("There are no nodes available") != std::string::npos);
    }
};

QTEST_GUILESS_MAIN(TestPlacement)
#include "tst_placement.moc"
