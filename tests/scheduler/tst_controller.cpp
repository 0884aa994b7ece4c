// The decision seam: feed events to decide(), commit, assert on decisions
// and on the resulting state (Nomad-style harness, no simulator).
#include <QTest>

#include <algorithm>

#include "harness.h"
#include "scheduler/controller.h"
#include "scheduler/deploy_math.h"

using namespace kontena;
using namespace kontena::test;

namespace {

// Drives a Controller by hand: applies events, keeps the timers it asks
// for, fires them in time order, and can play the agents (report every
// instance running as soon as its node is notified).
struct Driver {
    Controller ctl;
    std::vector<Timer> timers;
    std::vector<Decision> decisions;
    bool agentsReport = true;
    Instant now;

    explicit Driver(int initialSize = 1) : ctl([&] {
        ClusterState st;
        st.grid.name = "g";
        st.grid.initialSize = initialSize;
        return st;
    }(), 1) {
        for (const Timer& t : ctl.startupTimers(Instant(0))) timers.push_back(t);
    }

    Decision apply(const Event& e) {
        Decision d = ctl.decide(e, Context{now, 7});
        ctl.commit(d);
        for (const auto& t : d.timers) timers.push_back(t);
        decisions.push_back(d);
        if (agentsReport) {
            for (const auto& c : d.commands) {
                if (const auto* n = std::get_if<cmd::NotifyNode>(&c)) reportAll(n->node);
            }
        }
        return d;
    }

    void reportAll(const std::string& node) {
        const Node* n = ctl.state().node(node);
        if (!n || !n->connected) return;
        std::vector<ev::InstanceReport> reports;
        for (const auto& [key, inst] : ctl.state().instances) {
            if (inst.node != node) continue;
            const Service* svc = ctl.state().service(key.service);
            reports.push_back(ev::InstanceReport{node, key.service, key.number, inst.deployRev, svc ? svc->revision : 0,
                                                 inst.desired == DesiredState::Running ? ObservedState::Running : ObservedState::Stopped, ""});
        }
        for (const auto& r : reports) apply(r);
    }

    // Fires every timer due up to `until`, in time order; pings are answered
    // unless the node is in `silent`.
    void runUntil(Instant until, const std::set<std::string>& silent = {}) {
        for (;;) {
            auto it = std::min_element(timers.begin(), timers.end(), [](const Timer& a, const Timer& b) { return a.at < b.at; });
            if (it == timers.end() || it->at > until) break;
            const Timer t = *it;
            timers.erase(it);
            now = t.at;
            const Decision d = apply(ev::TimerFired{t});
            for (const auto& c : d.commands) {
                if (const auto* p = std::get_if<cmd::Ping>(&c)) {
                    if (!silent.count(p->node)) apply(ev::PingAnswered{p->node, p->connectedAt});
                }
            }
        }
        now = until;
    }

    void connect(const std::string& node, std::vector<std::string> labels = {}) {
        apply(ev::NodeConnect{node, now, std::move(labels), 2, 4 * GiB, {"local"}});
    }

    const Node& node(const std::string& name) const { return *ctl.state().node(name); }
};

Instant at(Duration d) { return Instant(d.ms); }

}  // namespace

class TestController : public QObject {
    Q_OBJECT

private slots:
    void nodeNumbersAndInitialNodes() {
        Driver d(3);
        for (const char* n : {"a", "b", "c", "d"}) d.connect(n);
        QCOMPARE(d.node("a").number, 1);
        QCOMPARE(d.node("d").number, 4);
        QVERIFY(d.node("c").isInitial(3));
        QVERIFY(!d.node("d").isInitial(3));
        QVERIFY(d.ctl.state().quorum);
    }

    void volumesAreCreatedOnceAndKeptWhileInUse() {
        Driver d;
        d.connect("a");
        Volume v;
        v.name = "data";
        v.scope = VolumeScope::Stack;
        QVERIFY(!d.apply(ev::VolumeCreate{v}).refused);
        QVERIFY(d.ctl.state().volumes.at("data").scope == VolumeScope::Stack);
        auto again = d.apply(ev::VolumeCreate{v});
        QVERIFY(again.refused && again.refused->kind == RefusalKind::Conflict && again.refused->message.find("exists already") != std::string::npos);
        QVERIFY(again.changes.empty());
        ev::StackApply s;
        s.stack = "db";
        ServiceSpec spec;
        spec.stack = "db";
        spec.name = "pg";
        spec.image = "postgres:15";
        spec.volumes.push_back(VolumeMount{VolumeKind::Named, "data", "/var/lib/postgresql/data", ""});
        s.services.push_back(spec);
        QVERIFY(!d.apply(s).refused);
        auto inUse = d.apply(ev::VolumeRemove{"data"});
        QVERIFY(inUse.refused && inUse.refused->kind == RefusalKind::Conflict && inUse.refused->message.find("in use by service db/pg") != std::string::npos);
        QVERIFY(!d.apply(ev::StackRemove{"db"}).refused);
        QVERIFY(!d.apply(ev::VolumeRemove{"data"}).refused);
        QVERIFY(!d.ctl.state().volumes.count("data"));
        QVERIFY(d.apply(ev::VolumeRemove{"data"}).refused->message.find("does not exist") != std::string::npos);
    }

    void removalIsRefusedWhileOnlineAndTheNumberIsReused() {
        Driver d(3);
        for (const char* n : {"a", "b", "c"}) d.connect(n);
        auto refused = d.apply(ev::NodeRemove{"b"});
        QVERIFY(refused.refused);
        QVERIFY(refused.refused->kind == RefusalKind::Conflict && refused.refused->message.find("it is online") != std::string::npos);
        QVERIFY(refused.changes.empty());
        d.apply(ev::NodeClosed{"b", d.node("b").connectedAt.value()});
        QVERIFY(!d.apply(ev::NodeRemove{"b"}).refused);
        QVERIFY(!d.ctl.state().node("b"));
        d.connect("replacement");
        QCOMPARE(d.node("replacement").number, 2);   // takes the removed initial node's number
        QVERIFY(d.node("replacement").isInitial(3));
    }

    void keepaliveTimeoutTakesANodeOffline() {
        Driver d;
        d.connect("n1");
        d.runUntil(at(Duration::minutes(2)));
        QVERIFY(d.node("n1").connected);
        QCOMPARE(d.node("n1").lastSeen->ms, Duration::minutes(2).ms);   // the ping at 2m was answered
        d.runUntil(at(Duration::seconds(150)), {"n1"});   // the ping at 2m30s goes unanswered ...
        QVERIFY(d.node("n1").connected);
        d.runUntil(at(Duration::seconds(155)), {"n1"});   // ... and times out 5 s later
        QVERIFY(!d.node("n1").connected);
        QCOMPARE(d.node("n1").closeCode, 4030);
        QVERIFY(d.node("n1").status() == NodeStatus::Offline);
    }

    void aStaleConnectionNeverOverridesANewerOne() {
        Driver d;
        d.now = Instant(100);
        d.connect("n1");
        auto old = d.apply(ev::NodeConnect{"n1", Instant(50), {}, 2, GiB, {"local"}});
        QVERIFY(old.refused);
        QCOMPARE(d.node("n1").connectedAt->ms, 100);
        d.apply(ev::NodeClosed{"n1", Instant(50)});   // a late close of the older connection does nothing
        QVERIFY(d.node("n1").connected);
    }

    void drainStopsStatefulInstancesAndActivateRestartsThem() {
        Driver d;
        d.connect("n1");
        d.connect("n2");
        auto db = makeService("s", "db", 1);
        db.stateful = true;
        db.affinity = {"node==n2"};
        d.apply(ev::StackApply{"s", {db}, {}, true, {}});
        d.runUntil(at(Duration::seconds(10)));
        QCOMPARE(d.ctl.state().instance("s/db", 1)->node.value(), std::string("n2"));
        d.apply(ev::NodeAvailability{"n2", Availability::Drain});
        QVERIFY(d.ctl.state().instance("s/db", 1)->desired == DesiredState::Stopped);
        QCOMPARE(d.ctl.state().instance("s/db", 1)->node.value(), std::string("n2"));   // not moved
        d.apply(ev::NodeAvailability{"n2", Availability::Active});
        QVERIFY(d.ctl.state().instance("s/db", 1)->desired == DesiredState::Running);
    }

    void withoutQuorumDeploysAreRefusedWithAClearMessage() {
        Driver d(3);
        for (const char* n : {"a", "b", "c"}) d.connect(n);
        d.apply(ev::EtcdMember{"a", false});
        QVERIFY(d.ctl.state().quorum);   // 2 of 3 still healthy
        d.apply(ev::EtcdMember{"b", false});
        QVERIFY(!d.ctl.state().quorum);
        auto r = d.apply(ev::StackApply{"s", {makeService("s", "web", 2)}, {}, true, {}});
        QVERIFY(r.refused);
        QCOMPARE(r.refused->kind, RefusalKind::NoQuorum);
        QVERIFY2(r.refused->message.find("etcd has no quorum (1 of 3 initial members") != std::string::npos, r.refused->message.c_str());
        QVERIFY(r.refused->message.find("running containers keep running") != std::string::npos);
        d.apply(ev::EtcdMember{"b", true});
        QVERIFY(!d.apply(ev::StackApply{"s", {makeService("s", "web", 2)}, {}, true, {}}).refused);
    }

    void partitionedMembersCountOnlyInTheirGroup() {
        Driver d(3);
        for (const char* n : {"a", "b", "c"}) d.connect(n);
        d.apply(ev::Partition{{{"a"}, {"b"}, {"c"}}});
        QVERIFY(!d.ctl.state().quorum);
        d.apply(ev::Partition{{{"a", "b"}, {"c"}}});
        QVERIFY(d.ctl.state().quorum);
        QVERIFY(hasQuorum(d.ctl.state()));
    }

    void throttleUsesKontenasDoubleArithmetic() {
        QCOMPARE(instanceDeployParallelism(9, 0.8, 20), 1);
        QCOMPARE(instanceDeployParallelism(10, 0.8, 20), 1);   // 10 x 0.19999999999999996 < 2
        QCOMPARE(instanceDeployParallelism(20, 0.8, 20), 3);
        QCOMPARE(instanceDeployParallelism(50, 0.8, 20), 9);
        QCOMPARE(instanceDeployParallelism(100, 0.8, 20), 19);
        QCOMPARE(instanceDeployParallelism(200, 0.8, 20), 20);
        QCOMPARE(instanceDeployParallelism(10, 0.5, 20), 5);
        QCOMPARE(instanceDeployParallelism(10, 0.0, 20), 10);
        QCOMPARE(instanceDeployParallelism(10, 1.0, 20), 1);
    }

    void deployPlacesOneInstancePerStepAndFinishes() {
        Driver d;
        d.agentsReport = false;
        d.connect("n1");
        d.connect("n2");
        d.apply(ev::StackApply{"s", {makeService("s", "web", 3)}, {}, true, {}});
        d.runUntil(at(Duration::millis(0)));
        int placed = 0;
        for (const auto& [k, i] : d.ctl.state().instances) placed += i.node ? 1 : 0;
        QCOMPARE(placed, 1);   // serial: the next waits for the agent's report
        d.agentsReport = true;
        d.reportAll("n1");
        d.reportAll("n2");
        d.runUntil(at(Duration::seconds(5)));
        QCOMPARE(d.ctl.state().instances.size(), std::size_t(3));
        const auto& deploys = d.ctl.state().deploys;
        QVERIFY(std::any_of(deploys.begin(), deploys.end(), [](const auto& p) {
            return p.second.service == "s/web" && p.second.state == DeployState::Success;
        }));
    }

    void offlineGraceThenMove() {
        Driver d;
        for (const char* n : {"n1", "n2", "n3"}) d.connect(n);
        d.apply(ev::StackApply{"s", {makeService("s", "web", 3)}, {}, true, {}});
        d.runUntil(at(Duration::minutes(1)));
        std::string victim;
        for (const auto& [k, i] : d.ctl.state().instances) victim = *i.node;
        d.apply(ev::NodeClosed{victim, d.node(victim).connectedAt.value()});
        // Last ping at 1m; ha grace 2 min: nothing moves before 3m.
        d.runUntil(at(Duration::seconds(179)));
        for (const auto& [k, i] : d.ctl.state().instances) QVERIFY(i.node.has_value());
        bool stillThere = false;
        for (const auto& [k, i] : d.ctl.state().instances) stillThere = stillThere || i.node == victim;
        QVERIFY(stillThere);
        d.runUntil(at(Duration::minutes(4)));
        for (const auto& [k, i] : d.ctl.state().instances) QVERIFY(i.node != victim);
    }

    void massOfflineEvictsOneNodePerInterval() {
        Driver d;
        std::vector<std::string> names;
        for (int i = 1; i <= 10; ++i) {
            names.push_back("n" + std::to_string(i));
            d.connect(names.back());
        }
        auto svc = makeService("s", "web", 20);
        svc.deploy.minHealth = 0.0;
        d.apply(ev::StackApply{"s", {svc}, {}, true, {}});
        d.runUntil(at(Duration::minutes(1)));
        auto onOffline = [&] {
            int count = 0;
            for (const auto& [k, i] : d.ctl.state().instances) {
                const Node* n = i.node ? d.ctl.state().node(*i.node) : nullptr;
                count += n && !n->connected ? 1 : 0;
            }
            return count;
        };
        for (int i = 0; i < 6; ++i) d.apply(ev::NodeClosed{names[static_cast<std::size_t>(i)], Instant(0)});   // 60% offline at 1m
        QCOMPARE(onOffline(), 12);
        // Grace (2 min from the last ping at 1m) ends at 3m; then one node per pass at most.
        d.runUntil(at(Duration::seconds(179)));
        QCOMPARE(onOffline(), 12);
        d.runUntil(at(Duration::seconds(215)));
        QVERIFY2(onOffline() >= 8, qPrintable(QString::number(onOffline())));   // at most two nodes evicted by 3m35s
        d.runUntil(at(Duration::minutes(8)));
        QCOMPARE(onOffline(), 0);   // eventually every offline node is evicted
        // With every node offline nothing moves at all.
        for (int i = 6; i < 10; ++i) d.apply(ev::NodeClosed{names[static_cast<std::size_t>(i)], Instant(0)});
        const auto before = d.ctl.state().instances;
        d.runUntil(at(Duration::minutes(30)));
        for (const auto& [k, i] : d.ctl.state().instances) QCOMPARE(i.node, before.at(k).node);
    }

    // Minimal movement: when a node is lost, only its instances move; the
    // healthy ones keep their nodes whatever their numbers.
    void onlyTheLostNodesInstancesMove() {
        Driver d;
        for (int i = 1; i <= 9; ++i) d.connect("n" + std::to_string(i), {std::string("az=") + static_cast<char>('a' + i % 3)});
        d.apply(ev::StackApply{"s", {makeService("s", "web", 12)}, {}, true, {}});
        d.runUntil(at(Duration::minutes(1)));
        std::map<int, std::string> before;
        for (const auto& [k, i] : d.ctl.state().instances) before[k.number] = *i.node;
        const std::string lost = before.at(5);
        d.apply(ev::NodeClosed{lost, d.node(lost).connectedAt.value()});
        d.runUntil(at(Duration::minutes(5)));
        int moved = 0, fromLost = 0;
        std::map<std::string, int> perZone;
        for (const auto& [k, i] : d.ctl.state().instances) {
            QVERIFY(*i.node != lost);
            if (before.at(k.number) == lost) ++fromLost;
            else if (before.at(k.number) != *i.node) ++moved;
            ++perZone[zoneOf(d.node(*i.node))];
        }
        QVERIFY(fromLost >= 1);
        QCOMPARE(moved, 0);
        QCOMPARE(perZone.size(), std::size_t(3));
        for (const auto& [z, c] : perZone) QCOMPARE(c, 4);   // still spread 4/4/4 over the zones
    }

    // The placement index is kept in step commit by commit (pool of active
    // nodes and zones, node numbers, occupancy); it must always equal one
    // built afresh from the state.
    void theIndexFollowsEveryCommit() {
        Driver d(3);
        auto same = [&](const char* step) {
            const PlacementIndex& live = d.ctl.index();
            PlacementIndex fresh;
            fresh.build(d.ctl.state(), 1);
            QVERIFY2(live.activeNodes() == fresh.activeNodes(), step);
            QVERIFY2(live.activeZones() == fresh.activeZones(), step);
            QVERIFY2(live.connectedCount() == fresh.connectedCount(), step);
            QVERIFY2(live.byNumber() == fresh.byNumber(), step);
            QVERIFY2(live.numbers().lowestFree(1) == fresh.numbers().lowestFree(1), step);
            for (const auto& [key, svc] : d.ctl.state().services) QVERIFY2(live.serviceRecord(key) == &svc, step);
            QVERIFY2(!live.serviceRecord("s/none"), step);
            QCOMPARE(live.nodeCount(), fresh.nodeCount());
            for (int ord = 0; ord < live.nodeCount(); ++ord) QVERIFY2(live.occupancy(ord) == fresh.occupancy(ord), step);
        };
        for (int i = 1; i <= 6; ++i) d.connect("n" + std::to_string(i), {std::string("az=") + static_cast<char>('a' + i % 3)});
        same("connected");
        d.apply(ev::StackApply{"s", {makeService("s", "web", 6)}, {}, true, {}});
        d.runUntil(at(Duration::seconds(30)));
        same("deployed");
        QCOMPARE(d.ctl.index().activeNodes(), 6);
        QCOMPARE(d.ctl.index().activeZones(), 3);
        d.apply(ev::NodeAvailability{"n3", Availability::Drain});   // az=a loses one of two
        same("drained");
        QCOMPARE(d.ctl.index().activeNodes(), 5);
        d.apply(ev::NodeClosed{"n6", d.node("n6").connectedAt.value()});   // az=a is empty now
        same("closed");
        QCOMPARE(d.ctl.index().activeZones(), 2);
        d.runUntil(at(Duration::minutes(5)));
        same("moved");
        d.apply(ev::NodeAvailability{"n3", Availability::Active});
        d.now = at(Duration::minutes(6));
        d.connect("n6", {"az=a"});
        same("back");
        QCOMPARE(d.ctl.index().activeNodes(), 6);
        QCOMPARE(d.ctl.index().activeZones(), 3);
        d.apply(ev::NodeClosed{"n5", d.node("n5").connectedAt.value()});
        d.apply(ev::NodeRemove{"n5"});
        d.connect("n7", {"az=c"});   // takes the lowest free number
        same("replaced");
        d.apply(ev::StackRemove{"s"});
        same("removed");
        QVERIFY(!d.ctl.index().serviceRecord("s/web"));
        QCOMPARE(d.node("n7").number, 5);
    }

    void commitIsTheOnlyWayStateChanges() {
        Driver d;
        d.connect("n1");
        const ClusterState before = d.ctl.state();
        const Decision dec = d.ctl.decide(ev::NodeAvailability{"n1", Availability::Drain}, Context{d.now, 1});
        QVERIFY(d.ctl.state().node("n1")->availability == Availability::Active);   // decide changed nothing
        QVERIFY(!dec.changes.empty());
        d.ctl.commit(dec);
        QVERIFY(d.ctl.state().node("n1")->availability == Availability::Drain);
        QVERIFY(before.node("n1")->availability == Availability::Active);
    }

    // The re-scheduler's memo belongs to the controller and changes only in
    // commit(): decide() reports what a pass learned in Decision::memo.
    void theMemoChangesOnlyInCommit() {
        Driver d;
        d.connect("n1");
        d.connect("n2");
        d.apply(ev::StackApply{"s", {makeService("s", "web", 2)}, {}, true, {}});
        d.runUntil(at(Duration::seconds(5)));
        Timer pass;
        pass.kind = TimerKind::ReschedulePass;
        pass.at = d.now;
        const Decision first = d.ctl.decide(ev::TimerFired{pass}, Context{d.now, 1});
        QCOMPARE(first.memo.checks.size(), std::size_t(1));
        QCOMPARE(first.memo.checks[0].first, std::string("s/web"));
        QVERIFY(first.memo.checks[0].second.has_value());   // clean: nothing to move
        QCOMPARE(first.memo.nodes.size(), std::size_t(2));  // both nodes seen for the first time
        QVERIFY(!d.ctl.memo().check("s/web"));               // decide() wrote nothing
        const Decision again = d.ctl.decide(ev::TimerFired{pass}, Context{d.now, 1});
        QCOMPARE(again.memo.checks.size(), std::size_t(1));  // so the same question is asked again
        QCOMPARE(again.memo.checks[0].second->fingerprint, first.memo.checks[0].second->fingerprint);
        d.ctl.commit(first);
        QVERIFY(d.ctl.memo().check("s/web"));
        QVERIFY(d.ctl.memo().node("n1"));
        const Decision remembered = d.ctl.decide(ev::TimerFired{pass}, Context{d.now, 1});
        QVERIFY(remembered.memo.empty());                    // the clean check holds: not repeated
        d.ctl.setMemoEnabled(false);
        QVERIFY(!d.ctl.memo().check("s/web"));
        QVERIFY(d.ctl.decide(ev::TimerFired{pass}, Context{d.now, 1}).memo.empty());
    }

    // Reference §10.1: a changed secret forces an update of every service
    // naming it; the re-scheduler re-deploys the stateless ones within one
    // pass, a stateful one waits for an explicit deploy; others stay.
    void aChangedSecretRedeploysTheStatelessServicesUsingIt() {
        Driver d;
        d.connect("n1");
        ServiceSpec web = makeService("s", "web", 1), db = makeService("s", "db", 1), other = makeService("s", "other", 1);
        web.secrets = {SecretRef{"db_pw", "DB_PASSWORD", "env"}};
        db.secrets = {SecretRef{"db_pw", "MYSQL_ROOT_PASSWORD", "env"}};
        db.stateful = true;
        other.secrets = {SecretRef{"api_key", "API_KEY", "env"}};
        other.certificates = {SecretRef{"db_pw", "SSL_CERTS", "env"}};   // a certificate whose subject is a secret's name
        d.apply(ev::StackApply{"s", {web, db, other}, {}, true, {}});
        d.runUntil(at(Duration::seconds(30)));
        const auto revision = [&](const char* key) { return d.ctl.state().service(key)->revision; };
        const auto deployRev = [&](const char* key) { return d.ctl.state().instance(key, 1)->deployRev; };
        const int webRev = revision("s/web"), dbRev = revision("s/db"), otherRev = revision("s/other");
        const auto webDeployed = deployRev("s/web"), dbDeployed = deployRev("s/db"), otherDeployed = deployRev("s/other");

        const Decision nobody = d.apply(ev::SecretChanged{"unused", false});
        QVERIFY(!nobody.refused);
        QCOMPARE(revision("s/web"), webRev);

        const Decision changed = d.apply(ev::SecretChanged{"db_pw", false});
        QVERIFY(!changed.refused);
        QCOMPARE(revision("s/web"), webRev + 1);
        QCOMPARE(revision("s/db"), dbRev + 1);
        QCOMPARE(revision("s/other"), otherRev);
        d.runUntil(d.now + Duration::seconds(45));   // re-scheduler passes every 20 s
        QVERIFY(deployRev("s/web") > webDeployed);    // re-created with the new value
        QCOMPARE(deployRev("s/db"), dbDeployed);      // stateful: only on an explicit deploy
        QCOMPARE(deployRev("s/other"), otherDeployed);
        QCOMPARE(d.ctl.state().instance("s/web", 1)->serviceRevision, webRev + 1);

        QVERIFY(!d.apply(ev::SecretChanged{"db_pw", true}).refused);   // the certificate "db_pw": only `certificates:` count
        QCOMPARE(revision("s/other"), otherRev + 1);
        QCOMPARE(revision("s/web"), webRev + 1);
    }
};

QTEST_GUILESS_MAIN(TestController)
#include "tst_controller.moc"
