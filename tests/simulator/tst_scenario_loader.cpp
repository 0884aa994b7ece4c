// The scenario loader (simulator/scenario.h): every top-level key, node
// groups, defaults, stack sources, every event action and every check
// subject and key, read into the typed values the engine consumes.
// Errors are in tst_scenario_errors.cpp.
#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include "scenario_test_util.h"

using namespace kontena;
using namespace kontena::sim;
using namespace kontena::sim::test;

namespace {

std::string withEvent(const std::string& action) { return kHead + "events:\n  - at: 1m\n    " + action + "\n"; }
std::string withCheck(const std::string& body) { return kHead + "expect:\n  - at: 1m\n    " + body + "\n"; }

}  // namespace

class TestScenarioLoader : public QObject {
    Q_OBJECT

private slots:
    void defaults() {
        LOAD_VALID(s, "scenario: minimal\nnodes:\n  - name: n1\n");
        QCOMPARE(s.name, std::string("minimal"));
        QCOMPARE(s.seed, std::uint64_t(1));
        QVERIFY(!s.until);
        QCOMPARE(s.end(), Instant(5 * 60'000));
        QCOMPARE(s.grid.name, std::string("test"));
        QCOMPARE(s.grid.initialSize, 1);
        QVERIFY(s.grid.defaultAffinity.empty());
        QCOMPARE(s.grid.settings.pingInterval, Duration::seconds(30));
        QCOMPARE(s.grid.settings.offlineGraceHa, Duration::minutes(2));
        QCOMPARE(s.nodes.size(), std::size_t(1));
        const ScenarioNode& n = s.nodes[0];
        QCOMPARE(n.cpus, 2);
        QCOMPARE(n.memory, std::int64_t(4) << 30);
        QCOMPARE(n.volumeDrivers, std::vector<std::string>{"local"});
        QCOMPARE(n.connectAt, Instant(0));
        QVERIFY(n.labels.empty());
        QVERIFY(s.stacks.empty() && s.events.empty() && s.expect.empty());
    }

    void defaultEndFollowsLastEventOrCheck() {
        LOAD_VALID(a, withEvent("deploy: web"));
        QCOMPARE(a.end(), Instant(6 * 60'000));
        LOAD_VALID(b, kHead + "expect:\n  - from: 1m\n    to: 20m\n    quorum: true\n");
        QCOMPARE(b.end(), Instant(25 * 60'000));
        LOAD_VALID(c, "scenario: t\nuntil: 2h\nnodes: [{name: n1}]\n");
        QCOMPARE(c.end(), Instant(2 * 3'600'000));
    }

    void topLevelKeys() {
        LOAD_VALID(s,
                   "scenario: full\n"
                   "description: every key\n"
                   "seed: 42\n"
                   "until: 1h30m\n"
                   "grid:\n"
                   "  name: prod-grid\n"
                   "  initial_size: 5\n"
                   "  default_affinity: [\"label!=reserved\"]\n"
                   "settings:\n"
                   "  ping_interval: 10s\n"
                   "  ping_timeout: 2s\n"
                   "  online_grace: 1m\n"
                   "  offline_grace: {daemon: 1m, ha: 45s, random: 5s}\n"
                   "  container_start: 250ms\n"
                   "  scheduler_interval: 5s\n"
                   "  reconnect_backoff_max: 30s\n"
                   "  mass_offline_fraction: 0.75\n"
                   "nodes: [{name: n1}]\n");
        QCOMPARE(s.description, std::string("every key"));
        QCOMPARE(s.seed, std::uint64_t(42));
        QCOMPARE(s.until, std::optional<Instant>(Instant(90 * 60'000)));
        QCOMPARE(s.grid.name, std::string("prod-grid"));
        QCOMPARE(s.grid.initialSize, 5);
        QCOMPARE(s.grid.quorumSize(), 3);
        QCOMPARE(s.grid.defaultAffinity, std::vector<std::string>{"label!=reserved"});
        const GridSettings& g = s.grid.settings;
        QCOMPARE(g.pingInterval, Duration::seconds(10));
        QCOMPARE(g.pingTimeout, Duration::seconds(2));
        QCOMPARE(g.onlineGrace, Duration::minutes(1));
        QCOMPARE(g.offlineGrace(Strategy::Daemon), Duration::minutes(1));
        QCOMPARE(g.offlineGrace(Strategy::Ha), Duration::seconds(45));
        QCOMPARE(g.offlineGrace(Strategy::Random), Duration::seconds(5));
        QCOMPARE(g.containerStart, Duration::millis(250));
        QCOMPARE(g.schedulerInterval, Duration::seconds(5));
        QCOMPARE(g.reconnectBackoffMax, Duration::seconds(30));
        QCOMPARE(g.massOfflineFraction, 0.75);
        QCOMPARE(g.staleThreshold, Duration::seconds(60));   // untouched
    }

    void nodesAndGroups() {
        LOAD_VALID(s,
                   "scenario: t\n"
                   "nodes:\n"
                   "  - name: db-1\n"
                   "    labels: [az=a, ssd]\n"
                   "    cpus: 8\n"
                   "    memory: 16GiB\n"
                   "    volume_drivers: [local, rexray]\n"
                   "    connect_at: 10s\n"
                   "  - count: 3\n"
                   "    prefix: worker-\n"
                   "    labels: [az=b]\n"
                   "    memory: 512MiB\n"
                   "    connect_at: 1m\n"
                   "  - name: last\n");
        QCOMPARE(s.nodes.size(), std::size_t(5));
        QCOMPARE(s.nodes[0].name, std::string("db-1"));
        QCOMPARE(s.nodes[0].labels, (std::vector<std::string>{"az=a", "ssd"}));
        QCOMPARE(s.nodes[0].cpus, 8);
        QCOMPARE(s.nodes[0].memory, std::int64_t(16) << 30);
        QCOMPARE(s.nodes[0].volumeDrivers, (std::vector<std::string>{"local", "rexray"}));
        QCOMPARE(s.nodes[0].connectAt, Instant(10'000));
        QCOMPARE(s.nodes[0].pos, (SourcePos{3, 11}));
        for (int i = 1; i <= 3; ++i) {
            const ScenarioNode& w = s.nodes[static_cast<std::size_t>(i)];
            QCOMPARE(w.name, "worker-" + std::to_string(i));
            QCOMPARE(w.labels, std::vector<std::string>{"az=b"});
            QCOMPARE(w.memory, std::int64_t(512) << 20);
            QCOMPARE(w.cpus, 2);
            QCOMPARE(w.connectAt, Instant(60'000));
        }
        QCOMPARE(s.nodes[4].name, std::string("last"));
        QCOMPARE(s.nodes[4].connectAt, Instant(0));
    }

    void stackSources() {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        QVERIFY(QDir(dir.path()).mkpath(QStringLiteral("stacks")));
        QFile stackFile(dir.filePath(QStringLiteral("stacks/web.yml")));
        QVERIFY(stackFile.open(QIODevice::WriteOnly));
        stackFile.write("stack: test/web\nservices:\n  api: {image: nginx}\n");
        stackFile.close();
        const std::string text =
            "scenario: t\n"
            "nodes: [{name: n1}]\n"
            "stacks:\n"
            "  web:\n"
            "    file: stacks/web.yml\n"
            "    variables: {app_domain: example.com, replicas: 3}\n"
            "  db:\n"
            "    inline:\n"
            "      stack: test/db\n"
            "      services:\n"
            "        postgres: {image: \"postgres:15\", stateful: true}\n";
        const std::string file = dir.filePath(QStringLiteral("s.yaml")).toStdString();
        auto r = load(text, file);
        QVERIFY2(r.ok(), describe(r).c_str());
        const Scenario& s = r.value();
        QCOMPARE(s.stacks.size(), std::size_t(2));
        const ScenarioStack& web = s.stacks.at("web");
        const auto* f = std::get_if<StackFile>(&web.source);
        QVERIFY(f);
        QCOMPARE(f->path, std::filesystem::path(dir.filePath(QStringLiteral("stacks/web.yml")).toStdString()));
        QCOMPARE(web.variables.at("app_domain"), std::string("example.com"));
        QCOMPARE(web.variables.at("replicas"), std::string("3"));
        const auto* i = std::get_if<StackInline>(&s.stacks.at("db").source);
        QVERIFY(i);
        QVERIFY2(i->yaml.find("stack: test/db") != std::string::npos, i->yaml.c_str());
        QVERIFY2(i->yaml.find("postgres:15") != std::string::npos, i->yaml.c_str());
        QCOMPARE(i->pos, (SourcePos{9, 7}));
    }

    // Every action of the spec's table, and that actionName() names the
    // alternative the parser produced.
    void everyAction_data() {
        QTest::addColumn<QByteArray>("action");
        QTest::addColumn<QByteArray>("name");
        const std::pair<const char*, const char*> rows[] = {
            {"deploy: web", "deploy"},
            {"upgrade: {stack: web, inline: {stack: test/web, services: {api: {image: nginx}}}}", "upgrade"},
            {"remove: web", "remove"},
            {"scale: {service: web/api, instances: 3}", "scale"},
            {"stop: web/api", "stop"},
            {"start: web/api", "start"},
            {"restart: web/api", "restart"},
            {"node_connect: n1", "node_connect"},
            {"node_disconnect: n1", "node_disconnect"},
            {"node_unresponsive: n1", "node_unresponsive"},
            {"node_responsive: n1", "node_responsive"},
            {"node_drain: n1", "node_drain"},
            {"node_activate: n1", "node_activate"},
            {"node_remove: n1", "node_remove"},
            {"node_add: {name: n9, labels: [az=c]}", "node_add"},
            {"node_label: {node: n1, add: [gpu], remove: [az=a]}", "node_label"},
            {"instance_crash: web/api-1", "instance_crash"},
            {"instance_unhealthy: web/api-2", "instance_unhealthy"},
            {"instance_healthy: web/api-2", "instance_healthy"},
            {"etcd_member_fail: n1", "etcd_member_fail"},
            {"etcd_member_recover: n1", "etcd_member_recover"},
            {"partition: [[n1, master], [n2]]", "partition"},
            {"heal: all", "heal"},
        };
        for (const auto& [action, name] : rows) QTest::newRow(name) << QByteArray(action) << QByteArray(name);
    }
    void everyAction() {
        QFETCH(QByteArray, action);
        QFETCH(QByteArray, name);
        LOAD_VALID(s, withEvent(action.toStdString()));
        QCOMPARE(s.events.size(), std::size_t(1));
        QCOMPARE(actionName(s.events[0].action), name.toStdString());
        QCOMPARE(s.events[0].index, 1);
        QCOMPARE(s.events[0].at, Instant(60'000));
        QCOMPARE(s.events[0].pos, (SourcePos{11, 5}));
    }

    void actionNamesCoverTheVariant() {
        QCOMPARE(actionNames().size(), std::variant_size_v<Action>);
        QCOMPARE(actionNames().front(), std::string("deploy"));
        QCOMPARE(actionNames().back(), std::string("heal"));
    }

    void actionValues() {
        LOAD_VALID(s, kHead +
                          "events:\n"
                          "  - at: 1m\n    scale: {service: web/api, instances: 0}\n"
                          "  - at: 2m\n    node_add: {count: 2, prefix: extra-, cpus: 4}\n"
                          "  - at: 3m\n    partition: [[n1, master], [n2, extra-1]]\n"
                          "  - at: 4m\n    upgrade: {stack: web, inline: {stack: test/web}, variables: {v: \"2\"}}\n"
                          "  - at: 5m\n    node_label: {node: extra-2, add: [gpu]}\n"
                          "  - at: 6m\n    instance_crash: web/api-3\n");
        QCOMPARE(s.events.size(), std::size_t(6));
        const auto& scale = std::get<Scale>(s.events[0].action);
        QCOMPARE(scale.service.key(), std::string("web/api"));
        QCOMPARE(scale.instances, 0);
        const auto& add = std::get<NodeAdd>(s.events[1].action);
        QCOMPARE(add.nodes.size(), std::size_t(2));
        QCOMPARE(add.nodes[1].name, std::string("extra-2"));
        QCOMPARE(add.nodes[1].cpus, 4);
        QCOMPARE(add.nodes[0].connectAt, Instant(120'000));
        const auto& part = std::get<Partition>(s.events[2].action);
        QCOMPARE(part.groups, (std::vector<std::vector<std::string>>{{"n1", "master"}, {"n2", "extra-1"}}));
        const auto& up = std::get<Upgrade>(s.events[3].action);
        QCOMPARE(up.stack, std::string("web"));
        QVERIFY(std::holds_alternative<StackInline>(up.source));
        QCOMPARE(up.variables.at("v"), std::string("2"));
        const auto& label = std::get<NodeLabel>(s.events[4].action);
        QCOMPARE(label.add, std::vector<std::string>{"gpu"});
        QVERIFY(label.remove.empty());
        QCOMPARE(std::get<InstanceCrash>(s.events[5].action).instance.number, 3);
    }

    void eventsSortedStably() {
        LOAD_VALID(s, kHead +
                          "events:\n"
                          "  - {at: 5m, node_drain: n1}\n"
                          "  - {at: 1m, deploy: web}\n"
                          "  - {at: 5m, node_activate: n1}\n"
                          "  - {at: 1m, deploy: db}\n"
                          "  - {at: 30s, node_disconnect: n2}\n");
        std::vector<int> order;
        for (const auto& e : s.events) order.push_back(e.index);
        QCOMPARE(order, (std::vector<int>{5, 2, 4, 1, 3}));
        QCOMPARE(std::get<Deploy>(s.events[2].action).stack, std::string("db"));
    }

    // Every check subject and key.
    void everyCheck_data() {
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<QByteArray>("subject");
        const std::pair<const char*, const char*> rows[] = {
            {"service: web/api\n    running: 2", "service"},
            {"service: web/api\n    min_running: 1\n    max_running: 3", "service"},
            {"service: web/api\n    on: [n1, n2]", "service"},
            {"service: web/api\n    not_on: [n2]", "service"},
            {"service: web/api\n    spread: az", "service"},
            {"service: web/api\n    healthy: 2", "service"},
            {"instance: web/api-1\n    on: n1", "instance"},
            {"instance: web/api-1\n    state: stopped", "instance"},
            {"node: n1\n    status: drain", "node"},
            {"node: n1\n    number: 1\n    exists: true\n    availability: active\n    initial: true\n    instances: 0",
             "node"},
            {"quorum: false", "quorum"},
            {"refused: {event: 1, message: quorum}", "refused"},
            {"refused: {event: deploy}", "refused"},
            {"accepted: {event: deploy}", "accepted"},
            {"moves: {service: web/api, max: 0}", "moves"},
            {"last_deploy: {service: web/api, state: error, message: Cannot find}", "last_deploy"},
            {"last_deploy: {service: web/api, state: success}", "last_deploy"},
            {"restarts: {service: web/api, min: 1}", "restarts"},
            {"restarts: {instance: web/api-1, min: 1, max: 5}", "restarts"},
        };
        int i = 0;
        for (const auto& [body, subject] : rows) {
            QTest::newRow((std::to_string(++i) + " " + subject).c_str()) << QByteArray(body) << QByteArray(subject);
        }
    }
    void everyCheck() {
        QFETCH(QByteArray, body);
        QFETCH(QByteArray, subject);
        LOAD_VALID(s, kHead + "events: [{at: 1m, deploy: web}]\n" + "expect:\n  - at: 1m\n    " + body.toStdString() +
                          "\n");
        QCOMPARE(s.expect.size(), std::size_t(1));
        QCOMPARE(subjectName(s.expect[0].subject), subject.toStdString());
        QCOMPARE(s.expect[0].index, 1);
        QCOMPARE(s.expect[0].pos, (SourcePos{12, 5}));
    }

    void checkValues() {
        LOAD_VALID(s, kHead +
                          "events: [{at: 10s, node_remove: n2}]\n"
                          "expect:\n"
                          "  - from: 1m\n    to: 2m\n    service: web/api\n    running: 2\n    not_on: [n2]\n"
                          "    spread: az\n"
                          "  - at: 3m\n    node: n1\n    status: online\n    number: 1\n    initial: false\n"
                          "  - at: 3m\n    instance: web/api-2\n    state: missing\n"
                          "  - at: 3m\n    refused: {event: node_remove, message: online}\n"
                          "  - at: 3m\n    restarts: {instance: web/api-1, max: 0}\n"
                          "  - at: 3m\n    last_deploy: {service: db/pg, state: error}\n");
        QCOMPARE(s.expect.size(), std::size_t(6));
        const Check& c1 = s.expect[0];
        QVERIFY(c1.when.interval);
        QCOMPARE(c1.when.from, Instant(60'000));
        QCOMPARE(c1.when.to, Instant(120'000));
        const auto& svc = std::get<ServiceCheck>(c1.subject);
        QCOMPARE(svc.running, std::optional<int>(2));
        QVERIFY(!svc.minRunning && !svc.on && !svc.healthy);
        QCOMPARE(svc.notOn, std::optional<std::vector<std::string>>({"n2"}));
        QCOMPARE(svc.spread, std::optional<std::string>("az"));
        const auto& node = std::get<NodeCheck>(s.expect[1].subject);
        QVERIFY(!s.expect[1].when.interval);
        QCOMPARE(node.status, std::optional<NodeStatus>(NodeStatus::Online));
        QCOMPARE(node.number, std::optional<int>(1));
        QCOMPARE(node.initial, std::optional<bool>(false));
        QVERIFY(!node.exists && !node.availability && !node.instances);
        QCOMPARE(std::get<InstanceCheck>(s.expect[2].subject).state, std::optional<InstanceState>(InstanceState::Missing));
        const auto& refused = std::get<RefusedCheck>(s.expect[3].subject);
        QCOMPARE(std::get<std::string>(refused.event), std::string("node_remove"));
        QCOMPARE(refused.message, std::optional<std::string>("online"));
        const auto& restarts = std::get<RestartsCheck>(s.expect[4].subject);
        QCOMPARE(std::get<InstanceRef>(restarts.target).name(), std::string("web/api-1"));
        QCOMPARE(restarts.max, std::optional<int>(0));
        QVERIFY(!restarts.min);
        const auto& deploy = std::get<LastDeployCheck>(s.expect[5].subject);
        QCOMPARE(deploy.state, DeployOutcome::Error);
        QVERIFY(!deploy.message);
    }

    // YAML 1.1 reads a bare `on` as a boolean; the loader takes it as the key.
    void onKeySpellings_data() {
        QTest::addColumn<QByteArray>("key");
        QTest::newRow("bare") << QByteArray("on");
        QTest::newRow("quoted") << QByteArray("\"on\"");
        QTest::newRow("single-quoted") << QByteArray("'on'");
        QTest::newRow("On") << QByteArray("On");
        QTest::newRow("ON") << QByteArray("ON");
    }
    void onKeySpellings() {
        QFETCH(QByteArray, key);
        const std::string k = key.toStdString();
        LOAD_VALID(s, withCheck("service: web/api\n    " + k + ": [n1]\n  - at: 1m\n    instance: web/api-1\n    " + k +
                                ": n2"));
        QCOMPARE(std::get<ServiceCheck>(s.expect[0].subject).on, std::optional<std::vector<std::string>>({"n1"}));
        QCOMPARE(std::get<InstanceCheck>(s.expect[1].subject).on, std::optional<std::string>("n2"));
    }

    void serviceOnAcceptsOneName() {
        LOAD_VALID(s, withCheck("service: web/api\n    on: n1"));
        QCOMPARE(std::get<ServiceCheck>(s.expect[0].subject).on, std::optional<std::vector<std::string>>({"n1"}));
    }

    void nodeAddedByEventIsKnownToLaterEventsAndChecks() {
        LOAD_VALID(s, kHead +
                          "events:\n"
                          "  - {at: 2m, node_drain: n3}\n"
                          "  - {at: 1m, node_add: {name: n3}}\n"
                          "expect:\n"
                          "  - {at: 30s, node: n3, exists: false}\n");
        QCOMPARE(s.events[0].index, 2);
    }

    void formatting() {
        LOAD_VALID(s, "scenario: quorum-loss\ndescription: two of three\nseed: 7\nnodes: [{name: n1}]\n");
        QCOMPARE(scenarioTitle(s), std::string("quorum-loss (seed 7)"));
        const std::string summary = formatScenarioSummary(s);
        QVERIFY2(summary.find("scenario: quorum-loss (seed 7)\n") != std::string::npos, summary.c_str());
        QVERIFY2(summary.find("description: two of three\n") != std::string::npos, summary.c_str());
        QVERIFY2(summary.find("until: 5m (default)") != std::string::npos, summary.c_str());
        QCOMPARE(formatDiagnostic(Diagnostic{"a.yaml", {3, 14}, "boom"}), std::string("a.yaml:3:14: boom"));
    }
};

QTEST_GUILESS_MAIN(TestScenarioLoader)
#include "tst_scenario_loader.moc"
