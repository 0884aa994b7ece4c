// Same scenario, real hosts: every scenario of scenarios/ tagged `real:`
// runs in the simulator and on a real master with real agents on private
// dockerds, at the scenario's time scale, and the two stories must agree
// (tests/fidelity/fidelity.h). KONTENA_FIDELITY_SCENARIOS=a,b limits the
// run to those scenario names; KONTENA_FIDELITY_TABLE=FILE appends one
// line per scenario (name, seconds, agreed or the first difference).
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <unistd.h>

#include "tests/fidelity/fidelity.h"

using namespace kontena;
using namespace kontena::fidelity;

namespace {

sim::Scenario load(const QString& path) {
    auto r = sim::loadScenarioFile(path.toStdString());
    if (!r) qFatal("%s", sim::formatDiagnostic(r.error().front()).c_str());
    return std::move(r).value();
}

const char* kTwoNodes = R"(scenario: fidelity-unit
grid: {initial_size: 1}
nodes:
  - name: node-1
  - name: node-2
stacks:
  web:
    inline:
      stack: test/web
      version: 1.0.0
      services:
        api: {image: "nginx:1.25", instances: 2}
real: {time_scale: 0.1, tolerance: 2s}
events:
  - {at: 10s, deploy: web}
  - {at: 1m, node_drain: node-2}
  - {at: 2m, node_remove: node-1}
expect:
  - {at: 30s, service: web/api, running: 2}
  - {from: 1m30s, to: 1m50s, service: web/api, running: 2, not_on: [node-2]}
)";

}  // namespace

class TestFidelity : public QObject {
    Q_OBJECT

private slots:
    // The pure parts, no root needed.
    void scaledScenarioScalesEverything() {
        auto r = sim::loadScenarioText(kTwoNodes, "unit.yaml");
        QVERIFY(r);
        const sim::Scenario s = r.value();
        QVERIFY(s.real);
        QCOMPARE(s.real->timeScale, 0.1);
        QCOMPARE(s.real->tolerance, Duration::seconds(2));
        const sim::Scenario x = sim::scaledScenario(s, 0.1);
        QCOMPARE(x.events.at(0).at, Instant(1000));
        QCOMPARE(x.expect.at(1).when.from, Instant(9000));
        QCOMPARE(x.expect.at(1).when.to, Instant(11000));
        QCOMPARE(x.grid.settings.offlineGraceHa, Duration::seconds(12));
        QCOMPARE(x.grid.settings.schedulerInterval, Duration::seconds(2));
        QCOMPARE(*x.until, Instant(42000));   // (last event 2m + 5m) / 10
        QCOMPARE(observationTimes(x), (std::vector<Instant>{Instant(3000), Instant(9000), Instant(11000)}));
    }

    void badRealOptionsAreErrors() {
        std::string text = kTwoNodes;
        text.replace(text.find("time_scale: 0.1"), 15, "time_scale: 7");
        auto r = sim::loadScenarioText(text, "unit.yaml");
        QVERIFY(!r);
        QVERIFY2(sim::formatDiagnostic(r.error().front()).find("unit.yaml:13:") == 0, sim::formatDiagnostic(r.error().front()).c_str());
    }

    void simulatedStoryAndComparison() {
        const sim::Scenario s = sim::scaledScenario(load(QString::fromUtf8(qgetenv("KONTENA_SOURCE_DIR")) + QStringLiteral("/scenarios/drain-stateless.yaml")), 0.1);
        const Story story = simulatedStory(s, 1);
        QCOMPARE(story.observations.size(), observationTimes(s).size());
        // At 6m (36 s scaled) four instances run, none on worker-2.
        const auto at = std::find_if(story.observations.begin(), story.observations.end(), [](const Observation& o) { return o.at == Instant(36000); });
        QVERIFY(at != story.observations.end());
        QCOMPARE(at->running.size(), std::size_t(4));
        for (const auto& [instance, node] : at->running) QVERIFY2(node != "worker-2", instance.c_str());
        QCOMPARE(at->nodes.at("worker-2"), std::string("drain"));
        QVERIFY(compareStories(story, story).empty());
        // Just after the drain (5m1s, 30.1 s scaled) api-3 is between
        // nodes; within the tolerance it runs on its new node, and a real
        // grid that is already there agrees.
        const Story near = simulatedStory(s, 1, Duration::seconds(3));
        const std::size_t i = std::size_t(std::find_if(near.observations.begin(), near.observations.end(),
                                                       [](const Observation& o) { return o.at == Instant(30100); }) - near.observations.begin());
        QVERIFY(i < near.observations.size());
        QCOMPARE(near.observations[i].running.size(), std::size_t(3));
        const auto moved = std::find_if(near.nearby[i].begin(), near.nearby[i].end(), [](const Observation& o) { return o.running.size() == 4; });
        QVERIFY(moved != near.nearby[i].end());
        QVERIFY(agrees(near, i, *moved));
        QVERIFY(!agrees(story, i, *moved));   // without a tolerance it does not
        Story other = story;
        other.observations.back().running.begin()->second = "elsewhere";
        other.refused[1] = "no";
        const std::string diff = compareStories(story, other);
        QVERIFY2(diff.find("simulated node-") != std::string::npos || diff.find("simulated worker-") != std::string::npos, diff.c_str());
        QVERIFY2(diff.find("event 1: simulated accepted | real refused (no)") != std::string::npos, diff.c_str());
    }

    // An etcd story observes the quorum step by step; other stories do not.
    void etcdStoryObservesTheQuorum() {
        const QString dir = QString::fromUtf8(qgetenv("KONTENA_SOURCE_DIR")) + QStringLiteral("/scenarios/");
        const sim::Scenario original = load(dir + QStringLiteral("etcd-members-one-by-one.yaml"));
        QVERIFY2(unsupportedOnRealHosts(original).empty(), unsupportedOnRealHosts(original).c_str());
        const sim::Scenario s = sim::scaledScenario(original, 0.1);
        QVERIFY(etcdStory(s));
        const Story story = simulatedStory(s, s.seed, Duration::seconds(3));
        std::vector<int> quorum;   // per observation: 1 yes, 0 no
        for (const Observation& o : story.observations) {
            QVERIFY(o.quorum.has_value());
            quorum.push_back(*o.quorum ? 1 : 0);
        }
        // 5 s, 10.5 s, 19.5 s: 3 then 2 of 3; 28.5 s and 37.5 s: 1 of 3; then 2 and 3 of 3 again.
        QCOMPARE(quorum, (std::vector<int>{1, 1, 1, 0, 0, 1, 1, 1}));
        QCOMPARE(story.refused.size(), std::size_t(2));
        QVERIFY(story.refused.count(5) && story.refused.count(6));
        QVERIFY(compareStories(story, story).empty());
        Story other = story;
        other.observations[3].quorum = true;   // a real master that still saw a quorum
        other.nearby.clear();
        const std::string diff = compareStories(story, other);
        QVERIFY2(diff.find("at 28s500ms quorum: simulated no | real yes") != std::string::npos, diff.c_str());
        const sim::Scenario plain = load(dir + QStringLiteral("drain-stateless.yaml"));
        QVERIFY(!etcdStory(plain));
        QVERIFY(!simulatedStory(sim::scaledScenario(plain, 0.1), 1).observations.front().quorum.has_value());
    }

    // The library's tagged scenarios on real hosts.
    void realHostsAgree_data() {
        QTest::addColumn<QString>("file");
        const QDir dir(QString::fromUtf8(qgetenv("KONTENA_SOURCE_DIR")) + QStringLiteral("/scenarios"));
        const QStringList only = QString::fromUtf8(qgetenv("KONTENA_FIDELITY_SCENARIOS")).split(u',', Qt::SkipEmptyParts);
        for (const QString& f : dir.entryList({QStringLiteral("*.yaml")}, QDir::Files, QDir::Name)) {
            const sim::Scenario s = load(dir.filePath(f));
            const QString name = QString::fromStdString(s.name);
            if (only.isEmpty() ? !s.real.has_value() : !only.contains(name)) continue;
            QTest::newRow(qPrintable(name)) << dir.filePath(f);
        }
    }
    void realHostsAgree() {
        QFETCH(QString, file);
        if (geteuid() != 0) QSKIP("needs root for private dockerds");
        const sim::Scenario original = load(file);
        if (const std::string why = unsupportedOnRealHosts(original); !why.empty()) QSKIP(why.c_str());
        const sim::RealRunOptions opt = original.real.value_or(sim::RealRunOptions{});
        const sim::Scenario s = sim::scaledScenario(original, opt.timeScale);
        const Story simulated = simulatedStory(s, s.seed, opt.tolerance);
        QTemporaryDir dir;
        if (qEnvironmentVariableIsSet("KONTENA_KEEP_TEST_DIR")) {
            dir.setAutoRemove(false);
            qInfo("logs in %s", qPrintable(dir.path()));
        }
        QElapsedTimer t;
        t.start();
        const Story real = realStory(s, opt.timeScale, simulated, opt.tolerance, dir.path());
        const std::string diff = compareStories(simulated, real);
        const QString table = qEnvironmentVariable("KONTENA_FIDELITY_TABLE");
        if (!table.isEmpty()) {
            QFile out(table);
            if (out.open(QIODevice::Append)) {
                const std::string first = diff.empty() ? "agreed" : diff.substr(0, diff.find('\n'));
                out.write(QStringLiteral("%1\t%2 s\t%3\n").arg(QString::fromStdString(s.name)).arg(t.elapsed() / 1000.0, 0, 'f', 1).arg(QString::fromStdString(first)).toUtf8());
            }
        }
        QVERIFY2(diff.empty(), diff.c_str());
    }
};

QTEST_GUILESS_MAIN(TestFidelity)
#include "tst_fidelity.moc"
