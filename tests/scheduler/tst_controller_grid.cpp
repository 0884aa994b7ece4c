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
};

}  // namespace

class TestControllerGrid : public QObject {
    Q_OBJECT

private slots:
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
};

QTEST_GUILESS_MAIN(TestControllerGrid)
#include "tst_controller_grid.moc"
