// "What if" rehearsals built from a live grid's API objects
// (simulator/engine/what_if.h): the scenario loads, runs and says what
// the platform does; bad grid states get a clear error.
#include <QtTest>

#include <map>
#include <set>

#include "simulator/engine/engine.h"
#include "simulator/engine/what_if.h"
#include "simulator/scenario.h"

using namespace kontena;
using namespace kontena::sim;

namespace {

// Five nodes over three zones, initial size 3, one ha web service of 4
// and a stateful database; node-5 is offline in the live grid.
const char* kGrid = "{\n"
    "  \"grid\": {\"name\": \"prod\", \"initial_size\": 3,\n"
    "           \"settings\": {\"online_grace\": 20, \"offline_grace\": {\"daemon\": 600, \"ha\": 120, \"random\": 30},\n"
    "                        \"keepalive_interval\": 30, \"keepalive_timeout\": 5}},\n"
    "  \"nodes\": [\n"
    "    {\"name\": \"node-3\", \"node_number\": 3, \"labels\": [\"az=c\"], \"status\": \"online\", \"availability\": \"active\"},\n"
    "    {\"name\": \"node-1\", \"node_number\": 1, \"labels\": [\"az=a\"], \"status\": \"online\", \"availability\": \"active\"},\n"
    "    {\"name\": \"node-2\", \"node_number\": 2, \"labels\": [\"az=b\"], \"status\": \"online\", \"availability\": \"active\"},\n"
    "    {\"name\": \"node-4\", \"node_number\": 4, \"labels\": [\"az=a\"], \"status\": \"online\", \"availability\": \"drain\"},\n"
    "    {\"name\": \"node-5\", \"node_number\": 5, \"labels\": [\"az=b\"], \"status\": \"offline\", \"availability\": \"active\"}],\n"
    "  \"stacks\": [\n"
    "    {\"name\": \"web\", \"parent\": null,\n"
    "     \"source\": \"stack: acme/web\\nversion: 1.0.0\\nservices:\\n  app:\\n    image: busybox:1\\n    instances: 4\\n  agent:\\n    image: busybox:1\\n    deploy:\\n      strategy: daemon\\ndepends:\\n  cache:\\n    stack: acme/cache\\n\"},\n"
    "    {\"name\": \"web-cache\", \"parent\": \"web\",\n"
    "     \"source\": \"stack: acme/cache\\nservices:\\n  redis:\\n    image: redis:7\\n\"},\n"
    "    {\"name\": \"db\", \"parent\": null,\n"
    "     \"source\": \"stack: acme/db\\nservices:\\n  pg:\\n    image: postgres:15\\n    stateful: true\\n\"}]\n"
    "}";

// Three nodes, one stack: `worker` (random, 3) packed on node-2, `web`
// (ha, scaled to 2 live while its file says 1) on node-2 and node-3, and a
// stateful `db` on node-3. A fresh deploy would spread the workers.
const char* kPacked = "{\n"
    "  \"grid\": {\"name\": \"shop\", \"initial_size\": 1},\n"
    "  \"nodes\": [\n"
    "    {\"name\": \"node-1\", \"node_number\": 1, \"status\": \"online\", \"availability\": \"active\"},\n"
    "    {\"name\": \"node-2\", \"node_number\": 2, \"status\": \"online\", \"availability\": \"active\"},\n"
    "    {\"name\": \"node-3\", \"node_number\": 3, \"status\": \"online\", \"availability\": \"active\"}],\n"
    "  \"stacks\": [\n"
    "    {\"name\": \"shop\", \"parent\": null,\n"
    "     \"source\": \"stack: acme/shop\\nservices:\\n  worker:\\n    image: busybox:1\\n    instances: 3\\n    deploy:\\n      strategy: random\\n"
    "  web:\\n    image: busybox:1\\n  db:\\n    image: postgres:15\\n    stateful: true\\n\",\n"
    "     \"services\": [{\"name\": \"worker\", \"instances\": 3, \"state\": \"running\"},\n"
    "                  {\"name\": \"web\", \"instances\": 2, \"state\": \"running\"},\n"
    "                  {\"name\": \"db\", \"instances\": 1, \"state\": \"running\"}]}]%INSTANCES%\n"
    "}";

const char* kPackedInstances = ",\n  \"instances\": [\n"
    "    {\"service_id\": \"shop/shop/worker\", \"instance_number\": 2, \"node\": \"node-2\", \"desired\": \"running\"},\n"
    "    {\"service_id\": \"shop/shop/worker\", \"instance_number\": 1, \"node\": \"node-2\", \"desired\": \"running\"},\n"
    "    {\"service_id\": \"shop/shop/worker\", \"instance_number\": 3, \"node\": \"node-2\", \"desired\": \"running\"},\n"
    "    {\"service_id\": \"shop/shop/web\", \"instance_number\": 1, \"node\": \"node-3\", \"desired\": \"running\"},\n"
    "    {\"service_id\": \"shop/shop/web\", \"instance_number\": 2, \"node\": \"node-2\", \"desired\": \"running\"},\n"
    "    {\"service_id\": \"shop/shop/db\", \"instance_number\": 1, \"node\": \"node-3\", \"desired\": \"running\"}]";

std::string packedGrid(bool withInstances) {
    std::string s = kPacked;
    s.replace(s.find("%INSTANCES%"), 11, withInstances ? kPackedInstances : "");
    return s;
}

// Each instance's node when its container first ran.
std::map<std::string, std::string> firstNodes(const RunReport& r) {
    std::map<std::string, std::pair<Instant, std::string>> first;
    for (const auto& span : r.instanceSpans) {
        auto it = first.find(span.instance);
        if (it == first.end() || span.from < it->second.first) first[span.instance] = {span.from, span.node};
    }
    std::map<std::string, std::string> out;
    for (const auto& [instance, at] : first) out[instance] = at.second;
    return out;
}

Scenario load(const std::string& yaml) {
    auto loaded = loadScenarioText(yaml, "what-if.yaml");
    if (!loaded) {
        std::string all;
        for (const auto& d : loaded.error()) all += formatDiagnostic(d) + "\n";
        qFatal("generated scenario does not load:\n%s\n%s", all.c_str(), yaml.c_str());
    }
    return std::move(loaded).value();
}

int count(const RunReport& r, const std::string& kind, const std::string& subject) {
    int n = 0;
    for (const auto& t : r.timeline) n += t.kind == kind && t.subject == subject ? 1 : 0;
    return n;
}

}  // namespace

class TestWhatIf : public QObject {
    Q_OBJECT

private slots:
    void mirrorsTheLiveGrid() {
        WhatIf w;
        w.offline = {"node-1"};
        auto yaml = whatIfScenario(kGrid, w);
        QVERIFY2(yaml.ok(), yaml.ok() ? "" : yaml.error().message.c_str());
        const Scenario sc = load(yaml.value());
        QCOMPARE(sc.grid.initialSize, 3);
        QCOMPARE(sc.grid.name, std::string("prod"));
        // Connect order follows the live node numbers, not the API's order.
        QCOMPARE(sc.nodes.size(), std::size_t(5));
        QCOMPARE(sc.nodes[0].name, std::string("node-1"));
        QCOMPARE(sc.nodes[2].name, std::string("node-3"));
        QCOMPARE(sc.grid.settings.offlineGraceHa, Duration::minutes(2));
        // Children before parents, parents without `depends`.
        QCOMPARE(sc.stacks.size(), std::size_t(3));
        QVERIFY(yaml.value().find("depends") == std::string::npos);
        QVERIFY(yaml.value().find("web-cache") < yaml.value().find("  web:"));
        // The daemon service gets no count check; the others do.
        QVERIFY(yaml.value().find("service: web/agent") == std::string::npos);
        QVERIFY(yaml.value().find("service: web/app, running: 4") != std::string::npos);
    }

    void rehearsesAFailureThatRecovers() {
        WhatIf w;
        w.offline = {"node-2"};   // one of three initial nodes: quorum holds, web/app moves
        auto yaml = whatIfScenario(kGrid, w);
        QVERIFY(yaml.ok());
        const Scenario sc = load(yaml.value());
        const RunReport r = runScenario(sc, EngineOptions{});
        QVERIFY(r.passed);
        QVERIFY(count(r, "node_offline", "node-2") >= 1);
        QVERIFY(count(r, "node_offline", "node-5") >= 1);   // offline in the live grid too
        QVERIFY(r.stats.instancesMoved > 0);
        // The drained live node never gets an instance of web/app.
        for (const auto& t : r.timeline) {
            if (t.kind == "instance_placed") QVERIFY2(t.detail.find("node-4") == std::string::npos, t.detail.c_str());
            if (t.kind == "instance_moved") QVERIFY2(t.detail.find("to node-4") == std::string::npos, t.detail.c_str());
        }
    }

    void rehearsesAQuorumLoss() {
        WhatIf w;
        w.offline = {"node-1", "node-2"};   // two of three initial nodes: no quorum, nothing can move
        w.outage = Duration::minutes(10);
        auto yaml = whatIfScenario(kGrid, w);
        QVERIFY(yaml.ok());
        const RunReport r = runScenario(load(yaml.value()), EngineOptions{});
        QVERIFY(count(r, "quorum_lost", "prod") >= 1);
        QVERIFY(count(r, "quorum_regained", "prod") >= 1);
        QVERIFY(r.passed);   // the nodes come back, so every service runs again at the end
    }

    // A fresh deploy of the same stacks spreads the workers; the live state
    // has them packed on node-2. The rehearsal starts with exactly the live
    // placement, and node-2's failure moves exactly what node-2 runs.
    void startsFromTheLivePlacement() {
        WhatIf w;
        w.offline = {"node-2"};
        EngineOptions options;
        options.recordSpans = true;
        auto fresh = whatIfScenario(packedGrid(false), w);
        QVERIFY2(fresh.ok(), fresh.ok() ? "" : fresh.error().message.c_str());
        QVERIFY(fresh.value().find("placement") == std::string::npos);   // an older master's state: deployed afresh
        const auto freshNodes = firstNodes(runScenario(load(fresh.value()), options));
        QVERIFY(freshNodes.at("shop/worker-1") != "node-2" || freshNodes.at("shop/worker-2") != "node-2" ||
                freshNodes.at("shop/worker-3") != "node-2");

        auto yaml = whatIfScenario(packedGrid(true), w);
        QVERIFY2(yaml.ok(), yaml.ok() ? "" : yaml.error().message.c_str());
        const Scenario sc = load(yaml.value());
        const auto& placement = sc.stacks.at("shop").placement;
        QCOMPARE(placement.size(), std::size_t(6));
        QCOMPARE(placement[0].instance.name(), std::string("shop/db-1"));   // by service, then number
        QCOMPARE(placement[5].instance.name(), std::string("shop/worker-3"));
        QVERIFY(yaml.value().find("instances: 2") != std::string::npos);   // web's live count, not the file's 1
        const RunReport r = runScenario(sc, options);
        QVERIFY2(r.passed, reportText(r, "what-if").c_str());
        const std::map<std::string, std::string> live{{"shop/worker-1", "node-2"}, {"shop/worker-2", "node-2"}, {"shop/worker-3", "node-2"},
                                                      {"shop/web-1", "node-3"},    {"shop/web-2", "node-2"},    {"shop/db-1", "node-3"}};
        QCOMPARE(firstNodes(r), live);
        // Nothing moves before the failure; then exactly node-2's instances move, each away from node-2.
        const Instant failAt = Instant(0) + Duration::seconds(10) + w.settle;
        std::set<std::string> moved;
        for (const auto& t : r.timeline) {
            if (t.kind == "instance_placed") QVERIFY2(t.detail.find("(placement)") != std::string::npos, t.detail.c_str());
            if (t.kind != "instance_moved") continue;
            QVERIFY2(t.at >= failAt, t.subject.c_str());
            QVERIFY2(t.detail.find("moved from node-2 to ") == 0, t.detail.c_str());
            moved.insert(t.subject);
        }
        QCOMPARE(moved, (std::set<std::string>{"shop/web-2", "shop/worker-1", "shop/worker-2", "shop/worker-3"}));
        QCOMPARE(r.stats.instancesMoved, 4L);
    }

    // A service stopped on the live grid is stopped in the rehearsal, and expected to stay so.
    void stoppedServicesStayStopped() {
        std::string grid = packedGrid(true);
        const std::string running = "{\"name\": \"web\", \"instances\": 2, \"state\": \"running\"}";
        grid.replace(grid.find(running), running.size(), "{\"name\": \"web\", \"instances\": 2, \"state\": \"stopped\"}");
        WhatIf w;
        w.offline = {"node-1"};
        auto yaml = whatIfScenario(grid, w);
        QVERIFY(yaml.ok());
        QVERIFY(yaml.value().find("stop: shop/web") != std::string::npos);
        QVERIFY(yaml.value().find("service: shop/web,") == std::string::npos);
        const RunReport r = runScenario(load(yaml.value()), EngineOptions{});
        QVERIFY2(r.passed, reportText(r, "what-if").c_str());
    }

    // The engine refuses a placement it cannot take, naming the instance.
    void placementOfNoSuchService() {
        const std::string text = "scenario: t\nnodes: [{name: n1}]\nstacks:\n  web:\n"
                                 "    inline: {stack: a/web, services: {api: {image: nginx}}}\n"
                                 "    placement: {web/app-1: n1}\n"
                                 "events: [{at: 10s, deploy: web}]\n"
                                 "expect: [{at: 20s, refused: {event: 1, message: 'placement: web/app-1 on n1: no service web/app'}}]\n";
        const RunReport r = runScenario(load(text), EngineOptions{});
        QVERIFY2(r.passed, reportText(r, "t").c_str());
    }

    void sameInputSameScenario() {
        WhatIf w;
        w.unresponsive = {"node-3"};
        w.drain = {"node-1"};
        auto a = whatIfScenario(kGrid, w), b = whatIfScenario(kGrid, w);
        QVERIFY(a.ok() && b.ok());
        QCOMPARE(a.value(), b.value());
        QVERIFY(a.value().find("node_unresponsive: node-3") != std::string::npos);
    }

    void badGridStates_data() {
        QTest::addColumn<QString>("json");
        QTest::addColumn<QString>("node");
        QTest::addColumn<QString>("message");
        QTest::newRow("not json") << "{nodes" << "node-1" << "not JSON";
        QTest::newRow("not an object") << "[1,2]" << "node-1" << "must be an object";
        QTest::newRow("no nodes") << "{\"nodes\": []}" << "node-1" << "no nodes";
        QTest::newRow("nodes not array") << "{\"nodes\": 3}" << "node-1" << "\"nodes\" must be an array";
        QTest::newRow("nameless node") << "{\"nodes\": [{\"status\": \"online\"}]}" << "node-1" << "nodes[0]: \"name\" is missing";
        QTest::newRow("unknown node") << "{\"nodes\": [{\"name\": \"a\"}]}" << "node-9" << "node node-9 is not a node of this grid";
        QTest::newRow("stack without source") << "{\"nodes\": [{\"name\": \"a\"}], \"stacks\": [{\"name\": \"web\"}]}" << "a"
                                              << "\"source\" is missing";
        QTest::newRow("source not yaml") << "{\"nodes\": [{\"name\": \"a\"}], \"stacks\": [{\"name\": \"web\", \"source\": \"a: [b\"}]}" << "a"
                                         << "not YAML";
    }

    void badGridStates() {
        QFETCH(QString, json);
        QFETCH(QString, node);
        QFETCH(QString, message);
        WhatIf w;
        w.offline = {node.toStdString()};
        auto r = whatIfScenario(json.toStdString(), w);
        QVERIFY(!r.ok());
        QVERIFY2(r.error().message.find(message.toStdString()) != std::string::npos, r.error().message.c_str());
    }
};

QTEST_APPLESS_MAIN(TestWhatIf)
#include "tst_what_if.moc"
