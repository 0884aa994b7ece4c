// Stack- and grid-wide user actions in the core (controller_grid.cpp) and
// the deploys a decision reports as started: the rules the master's API
// used to check in its handlers.
#include <QTest>

#include <utility>
#include <vector>

#include "harness.h"
#include "scheduler/controller.h"

using namespace kontena;
using namespace kontena::test;

namespace {

struct TestGrid {
    Controller ctl{[] {
        ClusterState st;
        st.grid.name = "g";
        st.grid.initialSize = 1;
        return st;
    }(), 1};
    Instant now{0};
    std::vector<Timer> timers;

    Decision apply(const Event& e) {
        Decision d = ctl.decide(e, Context{now, 7});
        ctl.commit(d);
        for (const auto& t : d.timers) timers.push_back(t);
        return d;
    }
    // Fires the deploy steps due now (enough rounds for one instance each).
    void stepDeploys() {
        for (int round = 0; round < 4; ++round) {
            std::vector<Timer> due;
            for (const auto& t : std::exchange(timers, {})) (t.kind == TimerKind::DeployStep && t.at <= now ? due : timers).push_back(t);
            for (const auto& t : due) apply(ev::TimerFired{t});
        }
    }
    void connect(const std::string& node) { apply(ev::NodeConnect{node, now, {}, 2, 4 * GiB, {"local"}}); }
    Decision applyStack(const std::string& stack, std::vector<std::string> services, bool deploy) {
        ev::StackApply e;
        e.stack = stack;
        e.deploy = deploy;
        for (const auto& s : services) e.services.push_back(makeService(stack, s, 1));
        return apply(e);
    }
    ServiceState stateOf(const std::string& key) const { return ctl.state().service(key)->state; }
    Decision applySpecs(const std::string& stack, std::vector<ServiceSpec> services, std::vector<ev::StackVolume> volumes = {}) {
        ev::StackApply e;
        e.stack = stack;
        e.deploy = false;
        e.services = std::move(services);
        e.volumes = std::move(volumes);
        return apply(e);
    }
};

// The decision was refused with `kind` and a message containing `words`.
bool refusedWith(const Decision& d, RefusalKind kind, const std::string& words) {
    if (!d.refused) return false;
    if (d.refused->kind != kind || d.refused->message.find(words) == std::string::npos) {
        qWarning("refused (%s): %s", refusalKindName(d.refused->kind), d.refused->message.c_str());
        return false;
    }
    return d.changes.empty();
}

// A service named so that its instance 9 in stack "s" of grid "g" is exactly
// 64 characters long: "<44 x>-9.s.g.kontena.local".
ServiceSpec longNamed(int instances) { return makeService("s", std::string(44, 'x'), instances); }

ServiceSpec withVolume(ServiceSpec spec, VolumeKind kind, const std::string& source, const std::string& path) {
    spec.volumes.push_back(VolumeMount{kind, source, path, ""});
    return spec;
}

}  // namespace

class TestControllerGrid : public QObject {
    Q_OBJECT

private slots:
    // /nodes/stats: the node's latest memory figures (Kontena's latest_stats)
    // land on the node, the same figures again change nothing, an unknown
    // node is ignored; the memory filter then reads them.
    void nodeStatsAreTheNodesLatestStats() {
        TestGrid g;
        g.connect("a");
        g.connect("b");
        const NodeMemoryStats busy{4 * GiB, 3 * GiB + GiB / 2, GiB / 4, GiB / 8, GiB / 8};
        Decision d = g.apply(ev::NodeStats{"a", busy});
        QCOMPARE(d.changes.size(), std::size_t(1));
        QVERIFY(g.ctl.state().node("a")->stats.has_value());
        QCOMPARE(g.ctl.state().node("a")->stats->used, busy.used);
        QVERIFY(g.apply(ev::NodeStats{"a", busy}).changes.empty());
        QVERIFY(g.apply(ev::NodeStats{"nope", busy}).changes.empty());
        QVERIFY(!g.ctl.state().node("b")->stats.has_value());
        // A service needing 1 GiB does not fit node a's 0.5 GiB free: both instances go to b.
        ServiceSpec big = makeService("s", "big", 2);
        big.memory = GiB;
        g.applySpecs("s", {big});
        g.apply(ev::ServiceDeploy{"s/big", false});
        g.stepDeploys();
        int placed = 0;
        for (const auto& [key, inst] : g.ctl.state().instances) {
            if (key.service != "s/big" || !inst.node) continue;
            QCOMPARE(*inst.node, std::string("b"));
            ++placed;
        }
        QVERIFY(placed >= 1);
    }

    void gridRemovalIsRefusedWhileNodesAreOnline() {
        TestGrid g;
        QVERIFY(!g.apply(ev::GridRemove{}).refused);   // no node at all
        g.connect("a");
        const Decision online = g.apply(ev::GridRemove{});
        QVERIFY(online.refused);
        QVERIFY(online.refused->kind == RefusalKind::Conflict);
        QVERIFY(online.refused->message.find("1 node(s) online") != std::string::npos);
        QVERIFY(online.changes.empty());
        g.apply(ev::NodeClosed{"a", g.now});
        QVERIFY(!g.apply(ev::GridRemove{}).refused);   // offline nodes do not hold the grid
    }

    void stackStopAndStartActOnEveryService() {
        TestGrid g;
        g.connect("a");
        QVERIFY(!g.applyStack("web", {"app", "db"}, true).refused);
        QVERIFY(!g.apply(ev::StackStop{"web"}).refused);
        QVERIFY(g.stateOf("web/app") == ServiceState::Stopped);
        QVERIFY(g.stateOf("web/db") == ServiceState::Stopped);
        QVERIFY(!g.apply(ev::StackStart{"web"}).refused);
        QVERIFY(g.stateOf("web/app") == ServiceState::Running);
        QVERIFY(g.stateOf("web/db") == ServiceState::Running);
        const Decision missing = g.apply(ev::StackStop{"nope"});
        QVERIFY(missing.refused && missing.refused->kind == RefusalKind::NotFound);
        QVERIFY(g.apply(ev::StackRestart{"nope"}).refused);
    }

    void stackRestartRestartsEveryPlacedInstance() {
        TestGrid g;
        g.connect("a");
        QVERIFY(!g.applyStack("web", {"app", "db"}, false).refused);
        QVERIFY(!g.apply(ev::ServiceDeploy{"web/app"}).refused);
        QVERIFY(!g.apply(ev::ServiceDeploy{"web/db"}).refused);
        g.stepDeploys();
        int restarts = 0;
        const Decision d = g.apply(ev::StackRestart{"web"});
        for (const auto& c : d.commands) restarts += std::holds_alternative<cmd::RestartInstance>(c) ? 1 : 0;
        int placed = 0;
        for (const auto& [k, inst] : g.ctl.state().instances) placed += inst.node ? 1 : 0;
        QCOMPARE(placed, 2);
        QCOMPARE(restarts, placed);
    }

    void decisionsNameTheDeploysTheyStart() {
        TestGrid g;
        g.connect("a");
        const Decision applied = g.applyStack("web", {"app"}, true);
        QVERIFY(applied.startedStackDeploy);
        QVERIFY(g.ctl.state().stackDeploys.count(*applied.startedStackDeploy));
        const Decision scaled = g.apply(ev::ServiceScale{"web/app", 3});
        QVERIFY(scaled.startedDeploy);
        QCOMPARE(g.ctl.state().deploys.at(*scaled.startedDeploy).reason, std::string("scale"));
        QVERIFY(!scaled.startedStackDeploy);
        const Decision stopped = g.apply(ev::ServiceStop{"web/app"});
        QVERIFY(!stopped.startedDeploy);
        const Decision refused = g.apply(ev::ServiceScale{"web/app", -1});
        QVERIFY(refused.refused && !refused.startedDeploy);
    }

    // §6.2: a stack is at least one service, on install and on upgrade.
    void aStackWithoutServicesIsRefused() {
        TestGrid g;
        QVERIFY(refusedWith(g.applySpecs("web", {}), RefusalKind::Invalid, "at least one service"));
        QVERIFY(!g.ctl.state().stacks.count("web"));
        QVERIFY(!g.applyStack("web", {"app"}, false).refused);
        QVERIFY(refusedWith(g.applySpecs("web", {}), RefusalKind::Invalid, "at least one service"));
        QVERIFY(g.ctl.state().service("web/app"));
    }

    // §6.4: "<service>-<n>.<stack>.<grid>.kontena.local" fits in 64
    // characters, checked on install, scale and deploy alike.
    void instanceNamesOver64CharactersAreRefused() {
        TestGrid g;
        g.connect("a");
        const std::string tooLong = "Total grid service name length 65 is over limit (64): " + std::string(44, 'x') + "-10.s.g.kontena.local";
        QVERIFY(refusedWith(g.applySpecs("s", {longNamed(10)}), RefusalKind::Invalid, tooLong));
        QVERIFY(!g.applySpecs("s", {longNamed(9)}).refused);
        const std::string key = longNamed(9).key();
        QVERIFY(refusedWith(g.apply(ev::ServiceScale{key, 10}), RefusalKind::Invalid, "Cannot scale " + key + ": " + tooLong));
        QCOMPARE(g.ctl.state().service(key)->spec.instances, 9);
        QVERIFY(!g.apply(ev::ServiceScale{key, 2}).refused);

        // A record already over the limit (stored before the rule) is not deployed.
        ClusterState st = g.ctl.state();
        st.services.at(key).spec.instances = 10;
        Controller old(st, 1);
        QVERIFY(refusedWith(old.decide(ev::ServiceDeploy{key}, Context{g.now, 7}), RefusalKind::Invalid, "Cannot deploy " + key));
        QVERIFY(refusedWith(old.decide(ev::StackDeploy{"s"}, Context{g.now, 7}), RefusalKind::Invalid, "Cannot deploy stack s: " + tooLong));
    }

    // §5.3: stacks use only external volumes that exist in the grid.
    void stackVolumesMustBeExternalAndExist() {
        TestGrid g;
        const ServiceSpec pg = withVolume(makeService("db", "pg", 1), VolumeKind::Named, "data", "/var/lib/data");
        QVERIFY(refusedWith(g.applySpecs("db", {pg}, {ev::StackVolume{"data", false, "data"}}), RefusalKind::Invalid,
                            "volume data: Only external volumes supported"));
        QVERIFY(refusedWith(g.applySpecs("db", {pg}, {ev::StackVolume{"data", true, "pgdata"}}), RefusalKind::NotFound,
                            "External volume pgdata not found"));
        Volume v;
        v.name = "pgdata";
        QVERIFY(!g.apply(ev::VolumeCreate{v}).refused);
        QVERIFY(!g.applySpecs("db", {pg}, {ev::StackVolume{"data", true, "pgdata"}}).refused);
    }

    // §5.3: a stack's named mount carries the grid volume its `volumes:`
    // entry refers to, so the node mounts the scoped Docker volume
    // (`<stack>.<volume>` for scope stack) with that volume's driver.
    void stackMountsCarryTheirKontenaVolume() {
        TestGrid g;
        Volume v;
        v.name = "shared";
        v.scope = VolumeScope::Stack;
        v.driver = "local";
        v.driverOpts = {{"type", "tmpfs"}};
        QVERIFY(!g.apply(ev::VolumeCreate{v}).refused);
        const ServiceSpec app = withVolume(makeService("a", "app", 1), VolumeKind::Named, "data", "/data");
        QVERIFY(!g.applySpecs("a", {app}, {ev::StackVolume{"data", true, "shared"}}).refused);
        QVERIFY(!g.applySpecs("b", {withVolume(makeService("b", "app", 1), VolumeKind::Named, "data", "/data")},
                              {ev::StackVolume{"data", true, "shared"}}).refused);
        for (const char* key : {"a/app", "b/app"}) {
            const VolumeMount& m = g.ctl.state().service(key)->spec.volumes.at(0);
            QVERIFY(m.volume && *m.volume == v);
            QCOMPARE(m.source, std::string("data"));   // as written in the stack file
            QCOMPARE(m.volumeName(), std::string("shared"));
        }
        const ServiceSpec& a = g.ctl.state().service("a/app")->spec;
        const ServiceSpec& b = g.ctl.state().service("b/app")->spec;
        QCOMPARE(volumeNameForService(*a.volumes[0].volume, a, 1), std::string("a.shared"));
        QCOMPARE(volumeNameForService(*b.volumes[0].volume, b, 1), std::string("b.shared"));
        // Applying the same stack again changes nothing (no revision bump).
        const int revision = g.ctl.state().service("a/app")->revision;
        QVERIFY(!g.applySpecs("a", {app}, {ev::StackVolume{"data", true, "shared"}}).refused);
        QCOMPARE(g.ctl.state().service("a/app")->revision, revision);
    }

    // §2.8: an ephemeral node unseen for 6 h is removed by the sweep, unless
    // it is initial or hosts a stateful instance; other nodes stay.
    void ephemeralNodesAreCleanedUpAfterSixHours() {
        TestGrid g;
        for (const char* n : {"init", "eph", "keep", "data"}) g.apply(ev::NodeConnect{n, g.now, {}, 2, 4 * GiB, {"local"}});
        g.apply(ev::NodeLabels{"init", {"ephemeral"}, {}});
        g.apply(ev::NodeLabels{"eph", {"ephemeral=no"}, {}});
        g.apply(ev::NodeLabels{"data", {"ephemeral=yes"}, {}});
        ClusterState st = g.ctl.state();
        ServiceSpec pg = makeService("db", "pg", 1);
        pg.stateful = true;
        addService(st, pg);
        addInstance(st, pg, 1, "data");
        for (auto& [name, n] : st.nodes) {
            n.connected = false;
            n.lastSeen = g.now;
        }
        Controller ctl(st, 1);
        Timer sweep;
        sweep.kind = TimerKind::StaleSweep;
        auto sweepAt = [&](Duration after) {
            sweep.at = g.now + after;
            Decision d = ctl.decide(ev::TimerFired{sweep}, Context{sweep.at, 7});
            ctl.commit(d);
        };
        sweepAt(Duration::hours(6) - Duration::seconds(1));
        QCOMPARE(ctl.state().nodes.size(), std::size_t(4));
        sweepAt(Duration::hours(6));
        QVERIFY(!ctl.state().node("eph"));
        QVERIFY(ctl.state().node("init") && ctl.state().node("keep") && ctl.state().node("data"));
    }

    // §5.1: stateful services have no volumes_from and keep their anonymous volumes.
    void statefulVolumeRules() {
        TestGrid g;
        ServiceSpec pg = makeService("db", "pg", 1);
        pg.stateful = true;
        pg.volumesFrom = {"backup-%s"};
        QVERIFY(refusedWith(g.applySpecs("db", {pg, makeService("db", "backup", 1)}), RefusalKind::Invalid,
                            "service pg: Cannot combine stateful & volumes_from"));
        pg.volumesFrom.clear();
        pg = withVolume(pg, VolumeKind::Anonymous, "", "/data");
        QVERIFY(!g.applySpecs("db", {pg}).refused);
        QVERIFY(refusedWith(g.applySpecs("db", {withVolume(pg, VolumeKind::Anonymous, "", "/logs")}), RefusalKind::Invalid,
                            "Adding a new anonymous volume (/logs) to a stateful service is not supported"));
        // Bind mounts and named volumes may come and go; so may anonymous ones of a stateless service.
        QVERIFY(!g.applySpecs("db", {withVolume(withVolume(pg, VolumeKind::Bind, "/srv", "/srv"), VolumeKind::Named, "n", "/n")}).refused);
        ServiceSpec cache = withVolume(makeService("c", "cache", 1), VolumeKind::Anonymous, "", "/a");
        QVERIFY(!g.applySpecs("c", {cache}).refused);
        QVERIFY(!g.applySpecs("c", {withVolume(cache, VolumeKind::Anonymous, "", "/b")}).refused);
    }

    // §3.6: a service another stack links to cannot go, with its stack or by an upgrade.
    void servicesLinkedFromAnotherStackStay() {
        TestGrid g;
        ServiceSpec app = makeService("web", "app", 1);
        app.links = {Link{"db", "pg", "pg"}, Link{"", "cache", "cache"}};
        QVERIFY(!g.applySpecs("db", {makeService("db", "pg", 1), makeService("db", "admin", 1)}).refused);
        QVERIFY(!g.applySpecs("web", {app, makeService("web", "cache", 1)}).refused);
        const std::string linked = "Cannot delete service db/pg that is linked from another stack (web/app)";
        QVERIFY(refusedWith(g.apply(ev::StackRemove{"db"}), RefusalKind::Conflict, "Cannot remove stack db: " + linked));
        QVERIFY(refusedWith(g.applySpecs("db", {makeService("db", "admin", 1)}), RefusalKind::Conflict, "Cannot upgrade stack db: " + linked));
        QVERIFY(!g.applySpecs("db", {makeService("db", "pg", 1)}).refused);   // dropping db/admin is fine
        QVERIFY(!g.ctl.state().service("db/admin"));
        QVERIFY(!g.apply(ev::StackRemove{"web"}).refused);                   // links inside web go with it
        QVERIFY(!g.apply(ev::StackRemove{"db"}).refused);
    }
};

QTEST_GUILESS_MAIN(TestControllerGrid)
#include "tst_controller_grid.moc"
