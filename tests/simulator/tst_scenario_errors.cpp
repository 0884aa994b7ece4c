// Invalid scenarios: every error the loader reports, at its exact
// LINE:COLUMN (1-based), and that all errors of a file are reported.
#include <QElapsedTimer>
#include <QTest>

#include "scenario_test_util.h"

using namespace kontena;
using namespace kontena::sim;
using namespace kontena::sim::test;

namespace {

// kHead has 9 lines; text appended to it starts on line 10.
std::string events(const std::string& items) { return kHead + "events:\n" + items; }
std::string checks(const std::string& items) { return kHead + "events: [{at: 1m, deploy: web}]\nexpect:\n" + items; }

}  // namespace

class TestScenarioErrors : public QObject {
    Q_OBJECT

private slots:
    void errors_data() {
        QTest::addColumn<QByteArray>("text");
        QTest::addColumn<QByteArray>("where");     // "LINE:COLUMN"
        QTest::addColumn<QByteArray>("message");   // a substring

        auto row = [](const char* name, const std::string& text, const char* where, const char* message) {
            QTest::newRow(name) << QByteArray::fromStdString(text) << QByteArray(where) << QByteArray(message);
        };
        // --- file and top level
        row("empty file", "", "1:1", "the file is empty");
        row("comment only", "# nothing\n", "1:1", "the file is empty");
        row("not a map", "- a\n- b\n", "1:1", "the scenario must be a map");
        row("yaml syntax", "scenario: t\nnodes: [a, b\n", "3:1", "YAML syntax error");
        row("two documents", "scenario: t\nnodes: [{name: a}]\n---\nscenario: u\n", "3:1", "one YAML document");
        row("leading marker is fine, second is not", "# c\n---\nscenario: t\nnodes: [{name: a}]\n--- # b\n", "5:1",
            "one YAML document");
        row("content after document end", "scenario: t\nnodes: [{name: a}]\n...\n# c\nfoo: 1\n", "5:1",
            "one YAML document");
        row("lone comma", ",\n", "1:1", "the file is empty");
        row("missing scenario", "nodes: [{name: n1}]\n", "1:1", "missing key 'scenario'");
        row("missing nodes", "scenario: t\n", "1:1", "missing key 'nodes'");
        row("empty nodes", "scenario: t\nnodes: []\n", "2:8", "at least one node");
        row("unknown top key", "scenario: t\nnodes: [{name: n1}]\nfoo: 1\n", "3:1", "unknown key 'foo'");
        row("duplicate top key", "scenario: t\nscenario: u\nnodes: [{name: n1}]\n", "2:1", "duplicate key 'scenario'");
        row("non-scalar key", "scenario: t\nnodes: [{name: n1}]\n[a]: 1\n", "3:1", "must be a plain string");
        row("bad seed", "scenario: t\nseed: -1\nnodes: [{name: n1}]\n", "2:7", "out of range");
        row("seed text", "scenario: t\nseed: abc\nnodes: [{name: n1}]\n", "2:7", "invalid integer");
        row("bare integer until", "scenario: t\nuntil: 30\nnodes: [{name: n1}]\n", "2:8", "has no unit");
        row("scenario list", "scenario: [a]\nnodes: [{name: n1}]\n", "1:11", "scenario must be a string");
        // --- grid and settings
        row("initial size 8", "scenario: t\ngrid: {initial_size: 8}\nnodes: [{name: n1}]\n", "2:22", "out of range");
        row("grid name short", "scenario: t\ngrid: {name: ab}\nnodes: [{name: n1}]\n", "2:14", "invalid grid name");
        row("grid unknown key", "scenario: t\ngrid: {size: 3}\nnodes: [{name: n1}]\n", "2:8", "unknown key 'size'");
        row("affinity without op", "scenario: t\ngrid: {default_affinity: [label]}\nnodes: [{name: n1}]\n", "2:26",
            "needs == or !=");
        row("settings unknown", "scenario: t\nsettings:\n  ping: 5s\nnodes: [{name: n1}]\n", "3:3", "unknown key 'ping'");
        row("zero ping interval", "scenario: t\nsettings:\n  ping_interval: 0s\nnodes: [{name: n1}]\n", "3:18",
            "longer than 0s");
        row("grace bare int", "scenario: t\nsettings:\n  offline_grace: {ha: 120}\nnodes: [{name: n1}]\n", "3:23",
            "offline_grace.ha: duration '120' has no unit");
        row("grace unknown strategy", "scenario: t\nsettings:\n  offline_grace: {spread: 1m}\nnodes: [{name: n1}]\n",
            "3:19", "unknown key 'spread'");
        row("bad fraction", "scenario: t\nsettings:\n  mass_offline_fraction: 2\nnodes: [{name: n1}]\n", "3:26",
            "mass_offline_fraction");
        // --- nodes
        row("bad node name", "scenario: t\nnodes:\n  - name: Node_1\n", "3:11", "invalid node name 'Node_1'");
        row("duplicate node", "scenario: t\nnodes:\n  - name: n1\n  - name: n1\n", "4:11", "duplicate node name 'n1'");
        row("group duplicates node", "scenario: t\nnodes:\n  - name: w-2\n  - {count: 2, prefix: w-}\n", "4:5",
            "duplicate node name 'w-2'");
        row("master reserved", "scenario: t\nnodes:\n  - name: master\n", "3:11", "'master' is reserved");
        row("node unknown key", "scenario: t\nnodes:\n  - name: n1\n    cpu: 2\n", "4:5", "unknown key 'cpu'");
        row("node without name", "scenario: t\nnodes:\n  - cpus: 2\n", "3:5", "needs 'name'");
        row("name and count", "scenario: t\nnodes:\n  - {name: a, count: 2, prefix: w-}\n", "3:6", "not both");
        row("group without prefix", "scenario: t\nnodes:\n  - count: 2\n", "3:5", "missing key 'prefix'");
        row("group count 0", "scenario: t\nnodes:\n  - {count: 0, prefix: w-}\n", "3:13", "out of range");
        row("group bad prefix", "scenario: t\nnodes:\n  - {count: 2, prefix: W_}\n", "3:24", "invalid prefix");
        row("memory decimal unit", "scenario: t\nnodes:\n  - name: n1\n    memory: 4GB\n", "4:13", "invalid memory size");
        row("memory no unit", "scenario: t\nnodes:\n  - name: n1\n    memory: 4096\n", "4:13", "has no unit");
        row("cpus zero", "scenario: t\nnodes:\n  - name: n1\n    cpus: 0\n", "4:11", "out of range");
        row("labels scalar", "scenario: t\nnodes:\n  - name: n1\n    labels: az=a\n", "4:13", "list of strings");
        row("bad label", "scenario: t\nnodes:\n  - name: n1\n    labels: [\"=a\"]\n", "4:13", "invalid label");
        row("connect_at int", "scenario: t\nnodes:\n  - name: n1\n    connect_at: 5\n", "4:17", "has no unit");
        // --- stacks
        row("stack bad name", "scenario: t\nnodes: [{name: n1}]\nstacks:\n  Web: {inline: {stack: a/b}}\n", "4:3",
            "invalid stack name 'Web'");
        row("stack null", "scenario: t\nnodes: [{name: n1}]\nstacks:\n  null: {inline: {stack: a/b}}\n", "4:3",
            "'null' is reserved");
        row("stack missing file", "scenario: t\nnodes: [{name: n1}]\nstacks:\n  web: {file: nope/web.yml}\n", "4:15",
            "stack file not found");
        row("stack file and inline", "scenario: t\nnodes: [{name: n1}]\nstacks:\n  web: {file: a.yml, inline: {}}\n",
            "4:8", "exactly one of 'file' or 'inline'");
        row("stack neither", "scenario: t\nnodes: [{name: n1}]\nstacks:\n  web: {variables: {}}\n", "4:8",
            "exactly one of 'file' or 'inline'");
        row("inline scalar", "scenario: t\nnodes: [{name: n1}]\nstacks:\n  web: {inline: text}\n", "4:17",
            "stack file's content as a map");
        row("stack unknown key", "scenario: t\nnodes: [{name: n1}]\nstacks:\n  web: {inline: {}, vars: {}}\n", "4:21",
            "unknown key 'vars'");
        row("variables list", "scenario: t\nnodes: [{name: n1}]\nstacks:\n  web: {inline: {}, variables: [a]}\n",
            "4:32", "map of names to values");
        row("stacks list", "scenario: t\nnodes: [{name: n1}]\nstacks: [web]\n", "3:9", "stacks must be a map");
        // --- placement (beyond the spec)
        const std::string place = "scenario: t\nnodes: [{name: n1}]\nstacks:\n  web:\n    inline: {stack: a/b}\n    placement: ";
        row("placement list", place + "[web/api-1]\n", "6:16", "placement must be a map of instances to nodes");
        row("placement bad instance", place + "{web/api: n1}\n", "6:17", "");
        row("placement bad node", place + "{web/api-1: N1}\n", "6:28", "invalid node name 'N1'");
        row("placement unknown node", place + "{web/api-1: n9}\n", "6:17", "placement: unknown node 'n9'");
        row("placement twice", place + "{web/api-1: n1, web/api-1: n1}\n", "6:32", "'web/api-1' is placed twice");
        row("placement in two stacks", place + "{web/api-1: n1}\n  db:\n    inline: {stack: a/c}\n    placement: {web/api-1: n1}\n",
            "6:17", "is placed by stack 'db' too");
        row("recursive inline", "scenario: t\nnodes: [{name: n1}]\nstacks:\n  web:\n    inline: &a {x: *a}\n", "5:13",
            "refers to itself");
        // --- events (the first event is on line 11)
        row("events not a list", kHead + "events: {at: 1m}\n", "10:9", "events must be a list");
        row("event no action", events("  - at: 1m\n"), "11:5", "has no action");
        row("event two actions", events("  - at: 1m\n    deploy: web\n    remove: web\n"), "13:5",
            "more than one action: 'deploy' and 'remove'");
        row("event unknown action", events("  - at: 1m\n    explode: web\n"), "12:5", "unknown key 'explode' in event 1");
        row("event missing at", events("  - deploy: web\n"), "11:5", "missing key 'at' in event 1");
        row("event bare at", events("  - at: 60\n    deploy: web\n"), "11:9", "has no unit");
        row("deploy unknown stack", events("  - at: 1m\n    deploy: shop\n"), "12:13", "unknown stack 'shop'");
        row("scale unknown stack", events("  - at: 1m\n    scale: {service: shop/api, instances: 2}\n"), "12:22",
            "unknown stack 'shop'");
        row("scale missing instances", events("  - at: 1m\n    scale: {service: web/api}\n"), "12:12",
            "missing key 'instances' in scale");
        row("scale negative", events("  - at: 1m\n    scale: {service: web/api, instances: -1}\n"), "12:42",
            "out of range");
        row("stop bad service", events("  - at: 1m\n    stop: api\n"), "12:11", "write STACK/SERVICE");
        row("crash bad instance", events("  - at: 1m\n    instance_crash: web/api\n"), "12:21",
            "write STACK/SERVICE-N");
        row("crash unknown stack", events("  - at: 1m\n    instance_crash: shop/api-1\n"), "12:21",
            "unknown stack 'shop'");
        row("unknown node", events("  - at: 1m\n    node_disconnect: n7\n"), "12:22", "unknown node 'n7'");
        row("node added later", events("  - at: 1m\n    node_drain: n3\n  - at: 2m\n    node_add: {name: n3}\n"),
            "12:17", "only added later, by event 2 at 2m");
        row("node_add duplicate", events("  - at: 1m\n    node_add: {name: n2}\n"), "12:22", "duplicate node name 'n2'");
        row("node_add connect_at", events("  - at: 1m\n    node_add: {name: n3, connect_at: 5m}\n"), "12:26",
            "unknown key 'connect_at' in node_add");
        row("node_label empty", events("  - at: 1m\n    node_label: {node: n1}\n"), "12:17", "needs 'add' or 'remove'");
        row("node_label unknown node", events("  - at: 1m\n    node_label: {node: n5, add: [x]}\n"), "12:24",
            "unknown node 'n5'");
        row("partition flat", events("  - at: 1m\n    partition: [n1, n2]\n"), "12:17", "list of groups");
        row("partition twice", events("  - at: 1m\n    partition: [[n1], [n1, master]]\n"), "12:24",
            "'n1' is in more than one partition group");
        row("partition unknown", events("  - at: 1m\n    partition: [[n1], [zz]]\n"), "12:24", "unknown node 'zz'");
        row("heal some", events("  - at: 1m\n    heal: n1\n"), "12:11", "heal takes the value 'all'");
        row("upgrade no source", events("  - at: 1m\n    upgrade: {stack: web}\n"), "12:14",
            "exactly one of 'file' or 'inline'");
        row("upgrade unknown stack", events("  - at: 1m\n    upgrade: {stack: shop, inline: {}}\n"), "12:22",
            "unknown stack 'shop'");
        row("event after until",
            "scenario: t\nuntil: 10m\nnodes: [{name: n1}]\nevents:\n  - {at: 11m, node_drain: n1}\n", "5:5",
            "event 1 at 11m is after until 10m");
        // --- checks (the first check is on line 12)
        row("check no subject", checks("  - at: 1m\n    running: 2\n"), "12:5", "has no subject");
        row("check two subjects", checks("  - at: 1m\n    quorum: true\n    node: n1\n"), "14:5",
            "more than one subject: 'quorum' and 'node'");
        row("check no time", checks("  - quorum: true\n"), "12:5", "needs 'at', or both 'from' and 'to'");
        row("check from only", checks("  - {from: 1m, quorum: true}\n"), "12:5", "both 'from' and 'to'");
        row("check at and from", checks("  - {at: 1m, from: 1m, to: 2m, quorum: true}\n"), "12:14",
            "use one form");
        row("check to before from", checks("  - {from: 2m, to: 1m, quorum: true}\n"), "12:20", "'to' is before 'from'");
        row("check key of other subject", checks("  - at: 1m\n    service: web/api\n    status: online\n"), "14:5",
            "'status' does not apply to a service check");
        row("check unknown key", checks("  - at: 1m\n    service: web/api\n    runing: 2\n"), "14:5",
            "unknown key 'runing' in check 1");
        row("service no condition", checks("  - at: 1m\n    service: web/api\n"), "12:5",
            "a service check needs at least one condition");
        row("min above max", checks("  - {at: 1m, service: web/api, min_running: 3, max_running: 1}\n"), "12:5",
            "min_running is greater than max_running");
        row("spread with value", checks("  - {at: 1m, service: web/api, spread: az=a}\n"), "12:40",
            "spread takes a label name");
        row("service unknown stack", checks("  - {at: 1m, service: shop/api, running: 1}\n"), "12:23",
            "unknown stack 'shop'");
        row("service on unknown node", checks("  - {at: 1m, service: web/api, on: [n1, n9]}\n"), "12:41",
            "unknown node 'n9'");
        row("instance state", checks("  - {at: 1m, instance: web/api-1, state: gone}\n"), "12:42",
            "expected one of running, stopped, missing");
        row("node status", checks("  - {at: 1m, node: n1, status: up}\n"), "12:32",
            "expected one of online, offline, drain");
        row("node availability", checks("  - {at: 1m, node: n1, availability: on}\n"), "12:38",
            "expected one of active, drain");
        row("node exists int", checks("  - {at: 1m, node: n1, exists: 1}\n"), "12:32", "invalid boolean");
        row("unknown node check", checks("  - {at: 1m, node: n9, instances: 0}\n"), "12:20", "unknown node 'n9'");
        row("quorum text", checks("  - {at: 1m, quorum: maybe}\n"), "12:22", "invalid boolean");
        row("refused no event", checks("  - {at: 1m, refused: {message: x}}\n"), "12:23", "missing key 'event'");
        row("refused out of range", checks("  - {at: 1m, refused: {event: 5}}\n"), "12:31", "there is no event 5");
        row("refused before event", checks("  - {at: 30s, refused: {event: 1}}\n"), "12:32",
            "event 1 happens at 1m, after this check (30s)");
        row("refused unknown action", checks("  - {at: 1m, refused: {event: explode}}\n"), "12:31",
            "expected an event number");
        row("refused action never", checks("  - {at: 1m, refused: {event: node_remove}}\n"), "12:31",
            "no node_remove event happens at or before 1m");
        row("accepted extra key", checks("  - {at: 1m, accepted: {event: 1, message: x}}\n"), "12:35",
            "unknown key 'message' in accepted");
        row("moves without max", checks("  - {at: 1m, moves: {service: web/api}}\n"), "12:21", "missing key 'max'");
        row("last_deploy bad state", checks("  - {at: 1m, last_deploy: {service: web/api, state: ok}}\n"), "12:53",
            "expected one of success, error");
        row("last_deploy success message",
            checks("  - {at: 1m, last_deploy: {service: web/api, state: success, message: x}}\n"), "12:62",
            "message applies only to state: error");
        row("restarts both targets", checks("  - {at: 1m, restarts: {service: web/api, instance: web/api-1, min: 1}}\n"),
            "12:24", "exactly one of 'service' or 'instance'");
        row("restarts no bounds", checks("  - {at: 1m, restarts: {service: web/api}}\n"), "12:24", "needs 'min' or 'max'");
        row("restarts min above max", checks("  - {at: 1m, restarts: {service: web/api, min: 3, max: 1}}\n"), "12:24",
            "min is greater than max");
        row("check after until",
            "scenario: t\nuntil: 10m\nnodes: [{name: n1}]\nexpect:\n  - {from: 1m, to: 11m, quorum: true}\n", "5:5",
            "check 1 at 11m is after until 10m");
    }

    void errors() {
        QFETCH(QByteArray, text);
        QFETCH(QByteArray, where);
        QFETCH(QByteArray, message);
        const auto r = load(text.toStdString());
        QVERIFY2(!r.ok(), "expected an invalid scenario");
        const std::string expected = "t.yaml:" + where.toStdString() + ": ";
        bool found = false;
        for (const auto& d : r.error()) {
            const std::string line = formatDiagnostic(d);
            if (line.rfind(expected, 0) == 0 && line.find(message.toStdString()) != std::string::npos) found = true;
        }
        QVERIFY2(found, ("expected " + expected + "..." + message.toStdString() + "\ngot:\n" + describe(r)).c_str());
    }

    void allErrorsOfAFileAreReported() {
        const auto r = load(
            "scenario: t\n"
            "until: 30\n"                    // 2:8
            "nodes:\n"
            "  - name: Bad\n"                // 4:11
            "  - name: ok\n"
            "    memory: 1GB\n"              // 6:13
            "events:\n"
            "  - {at: 1m, deploy: nope}\n"   // 8:22
            "expect:\n"
            "  - {at: 1m, quorum: yes-ish}\n");  // 10:22
        QVERIFY(!r.ok());
        std::vector<std::string> where;
        for (const auto& d : r.error()) where.push_back(std::to_string(d.pos.line) + ":" + std::to_string(d.pos.column));
        QCOMPARE(where, (std::vector<std::string>{"2:8", "4:11", "6:13", "8:22", "10:22"}));
    }

    void diagnosticsNameTheFile() {
        const auto r = loadScenarioText("scenario: t\n", "dir/my scenario.yaml");
        QVERIFY(!r.ok());
        QCOMPARE(formatDiagnostic(r.error().front()).rfind("dir/my scenario.yaml:1:1: ", 0), std::size_t(0));
    }

    void unreadableFile() {
        const auto r = loadScenarioFile("/nonexistent/scenario.yaml");
        QVERIFY(!r.ok());
        QCOMPARE(formatDiagnostic(r.error().front()), std::string("/nonexistent/scenario.yaml:1:1: cannot read the file"));
    }

    // Deep nesting and alias "bombs" are rejected, quickly.
    void hostileInputs() {
        std::string bomb = "scenario: t\nnodes: [{name: n1}]\nx0: &a0 [l,l,l,l,l,l,l,l,l,l]\n";
        for (int i = 1; i < 30; ++i) {
            bomb += "x" + std::to_string(i) + ": &a" + std::to_string(i) + " [";
            for (int k = 0; k < 10; ++k) bomb += (k ? ",*a" : "*a") + std::to_string(i - 1);
            bomb += "]\n";
        }
        bomb += "stacks:\n  web:\n    inline: {stack: a, services: *a29}\nevents: [*a29]\n";
        const std::string deep = "scenario: t\nnodes: " + std::string(100'000, '[');
        QElapsedTimer timer;
        timer.start();
        const auto b = load(bomb);
        const auto d = load(deep);
        QVERIFY2(timer.elapsed() < 5'000, "hostile inputs must load quickly");
        QVERIFY(!b.ok() && !d.ok());
        QVERIFY2(describe(b).find("t.yaml:35:13: inline stack is too large or refers to itself") != std::string::npos,
                 describe(b).c_str());
        QVERIFY2(describe(b).find("t.yaml:32:6: event 1 must be a map") != std::string::npos, describe(b).c_str());
        QVERIFY2(describe(d).find("YAML syntax error") != std::string::npos, describe(d).c_str());
    }

    void hugeGroupIsBounded() {
        const auto r = load("scenario: t\nnodes:\n  - {count: 99999, prefix: a-}\n  - {count: 99999, prefix: b-}\n");
        QVERIFY(!r.ok());
        QVERIFY2(describe(r).find("t.yaml:4:13: too many nodes") != std::string::npos, describe(r).c_str());
    }
};

QTEST_GUILESS_MAIN(TestScenarioErrors)
#include "tst_scenario_errors.moc"
