// The engine itself on small inline scenarios: a check that must fail
// fails, refusals are recorded, the timeline picture has what it promises.
#include <QImage>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include "simulator/engine/engine.h"
#include "simulator/engine/timeline_svg.h"
#include "simulator/scenario.h"

using namespace kontena;
using namespace kontena::sim;

namespace {

Scenario parse(const std::string& text) {
    auto loaded = loadScenarioText(text, "inline.yaml");
    if (!loaded) {
        std::string all;
        for (const auto& d : loaded.error()) all += formatDiagnostic(d) + "\n";
        qFatal("%s", all.c_str());
    }
    return std::move(loaded).value();
}

const char* kBase = R"(scenario: engine-test
grid: {initial_size: 1}
nodes:
  - name: node-1
  - count: 2
    prefix: w-
stacks:
  web:
    inline:
      stack: test/web
      services:
        api: {image: "nginx:1", instances: 3}
)";

RunReport run(const std::string& extra, std::uint64_t seed = 1) {
    EngineOptions o;
    o.seed = seed;
    o.recordSpans = true;
    return runScenario(parse(std::string(kBase) + extra), o);
}

}  // namespace

class TestEngine : public QObject {
    Q_OBJECT

private slots:
    void aWrongExpectationFails() {
        const auto r = run("events:\n  - {at: 1s, deploy: web}\nexpect:\n  - {at: 1m, service: web/api, running: 2}\n");
        QVERIFY(!r.passed);
        QCOMPARE(r.checks.size(), std::size_t(1));
        QCOMPARE(QString::fromStdString(r.checks[0].actual), QStringLiteral("3 running"));
        QVERIFY(reportText(r, "inline.yaml").find("check 1 at 1m failed") != std::string::npos);
    }

    void removalOfAnOnlineNodeIsRefused() {
        const auto r = run("events:\n  - {at: 1m, node_remove: w-1}\nexpect:\n"
                           "  - {at: 2m, refused: {event: 1, message: \"it is online\"}}\n"
                           "  - {at: 2m, node: w-1, exists: true}\n");
        QVERIFY2(r.passed, reportText(r, "inline.yaml").c_str());
        QCOMPARE(r.stats.refusedEvents, 1L);
    }

    // Node numbers stop at the grid's max_nodes (254 unless the grid says
    // more): the node beyond it stays out, and the timeline says why.
    void aFullGridRefusesANodeAndSaysSo() {
        std::string text = kBase;
        text.replace(text.find("grid: {initial_size: 1}"), 23, "grid: {initial_size: 1, max_nodes: 2}");
        const auto r = runScenario(parse(text + "expect:\n  - {at: 1m, node: w-2, exists: false}\n  - {at: 1m, node: w-1, number: 2}\n"), EngineOptions{});
        QVERIFY2(r.passed, reportText(r, "inline.yaml").c_str());
        bool refused = false;
        for (const auto& t : r.timeline) refused = refused || (t.kind == "node_refused" && t.subject == "w-2" && t.detail.find("grid is full") != std::string::npos);
        QVERIFY(refused);
        const auto wide = runScenario(parse(text.replace(text.find("max_nodes: 2"), 12, "max_nodes: 3") + "expect:\n  - {at: 1m, node: w-2, number: 3}\n"), EngineOptions{});
        QVERIFY2(wide.passed, reportText(wide, "inline.yaml").c_str());
    }

    void disconnectIsSeenAtOnceAndMovesAfterGrace() {
        const auto r = run("events:\n  - {at: 1s, deploy: web}\n  - {at: 5m, node_disconnect: w-2}\nexpect:\n"
                           "  - {at: 5m, node: w-2, status: offline}\n"
                           "  - {at: 9m, service: web/api, running: 3, not_on: [w-2]}\n");
        QVERIFY2(r.passed, reportText(r, "inline.yaml").c_str());
        QVERIFY(r.stats.instancesMoved >= 1);
    }

    void unresponsiveNodeIsSeenAfterThePingTimeout() {
        // Pings every 30 s from the connection at 0s; the ping at 5m30s goes unanswered, offline at 5m35s.
        const auto r = run("events:\n  - {at: 5m10s, node_unresponsive: w-1}\nexpect:\n"
                           "  - {at: 5m34s, node: w-1, status: online}\n"
                           "  - {at: 5m35s, node: w-1, status: offline}\n");
        QVERIFY2(r.passed, reportText(r, "inline.yaml").c_str());
    }

    void timelinePictureShowsNodesInstancesAndMarkers() {
        const auto r = run("events:\n  - {at: 1s, deploy: web}\n  - {at: 2m, node_disconnect: w-1}\nexpect:\n  - {at: 3m, quorum: true}\n");
        const std::string svg = renderTimelineSvg(r);
        QVERIFY(svg.rfind("<svg", 0) == 0);
        for (const char* node : {"node-1", "w-1", "w-2"}) QVERIFY(svg.find(std::string(">") + node + "</text>") != std::string::npos);
        QVERIFY(svg.find(serviceColour("web/api")) != std::string::npos);   // instance bars
        QVERIFY(svg.find("w-1 offline from 2m") != std::string::npos);       // shaded offline period
        QVERIFY(svg.find("node_disconnect") != std::string::npos);           // event marker with its message
    }

    // kontena-sim writes the picture as PNG when the file name says so, and a
    // moved instance shows on its new node while the old one is offline.
    void timelineAsPngFromTheProgram() {
        QTemporaryDir dir;
        const QString png = dir.filePath(QStringLiteral("t.png"));
        const QString scenario = qEnvironmentVariable("KONTENA_SOURCE_DIR") + QStringLiteral("/scenarios/zone-loss-ha.yaml");
        QProcess sim;
        sim.start(qEnvironmentVariable("KONTENA_SIM"), {QStringLiteral("run"), scenario, QStringLiteral("--timeline"), png, QStringLiteral("--quiet")});
        QVERIFY(sim.waitForFinished(60000));
        QCOMPARE(sim.exitCode(), 0);
        QImage image(png);
        QVERIFY2(!image.isNull(), "not a PNG");
        QCOMPARE(image.width(), 1400);
        const auto r = runScenario(*[]() {
            static Scenario sc = [] {
                auto loaded = loadScenarioFile(qEnvironmentVariable("KONTENA_SOURCE_DIR").toStdString() + "/scenarios/zone-loss-ha.yaml");
                return std::move(loaded).value();
            }();
            return &sc;
        }(), [] {
            EngineOptions o;
            o.recordSpans = true;
            return o;
        }());
        bool movedOntoA2 = false;
        for (const auto& s : r.instanceSpans) {
            movedOntoA2 = movedOntoA2 || (s.node == "a-2" && s.from > Instant(Duration::minutes(5).ms) && s.from < Instant(Duration::minutes(10).ms));
        }
        QVERIFY(movedOntoA2);
    }

    void sameSeedSameReportOtherSeedMayDiffer() {
        const std::string extra = "events:\n  - {at: 1s, deploy: web}\nexpect:\n  - {at: 1m, service: web/api, running: 3}\n";
        QCOMPARE(QString::fromStdString(reportJson(run(extra, 5))), QString::fromStdString(reportJson(run(extra, 5))));
        QVERIFY(reportJson(run(extra, 5)).find("\"seed\": 5") != std::string::npos);
    }
};

QTEST_GUILESS_MAIN(TestEngine)
#include "tst_engine.moc"
