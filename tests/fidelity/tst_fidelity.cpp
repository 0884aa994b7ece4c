// Same scenario, real hosts: every scenario of scenarios/ tagged `real:`
// runs in the simulator and on a real master with real agents on private
// dockerds, at the scenario's time scale, and the two stories must agree
// (tests/fidelity/fidelity.h), run by the kontena-fidelity program.
// KONTENA_FIDELITY_SCENARIOS=a,b runs those scenario names instead of the
// tagged ones; KONTENA_FIDELITY_JOBS=N how many at once (default 4);
// KONTENA_FIDELITY_RETRIES=N runs of a disagreeing scenario more (default
// 2: the machine is shared; a third disagreement fails the test);
// KONTENA_KEEP_TEST_DIR keeps every run's logs and pictures.
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
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
        // On real hosts a container's start is physical time: not scaled.
        QCOMPARE(x.grid.settings.containerStart, Duration::millis(200));
        QCOMPARE(sim::realHostScenario(s).grid.settings.containerStart, Duration::seconds(1));
        QCOMPARE(sim::realHostScenario(s).events.at(0).at, Instant(1000));
        std::string slow = kTwoNodes;
        slow.replace(slow.find("tolerance: 2s"), 13, "tolerance: 2s, container_start: 1500ms");
        QCOMPARE(sim::realHostScenario(sim::loadScenarioText(slow, "unit.yaml").value()).grid.settings.containerStart, Duration::millis(1500));
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

    // An etcd story: the quorum, as the core decides it, is part of every observation.
    void etcdStoryObservesTheQuorum() {
        const QString dir = QString::fromUtf8(qgetenv("KONTENA_SOURCE_DIR")) + QStringLiteral("/scenarios/");
        const sim::Scenario original = load(dir + QStringLiteral("etcd-members-one-by-one.yaml"));
        QVERIFY2(unsupportedOnRealHosts(original).empty(), unsupportedOnRealHosts(original).c_str());
        const sim::Scenario s = sim::scaledScenario(original, 0.1);
        const Story story = simulatedStory(s, s.seed, Duration::seconds(3));
        std::vector<int> quorum;   // per observation: 1 yes, 0 no
        for (const Observation& o : story.observations) quorum.push_back(o.quorum ? 1 : 0);
        // 5 s, 10.5 s, 19.5 s: 3 then 2 of 3; 28.5 s and 37.5 s: 1 of 3; then 2 and 3 of 3 again.
        QCOMPARE(quorum, (std::vector<int>{1, 1, 1, 0, 0, 1, 1, 1}));
        QCOMPARE(story.refused.size(), std::size_t(2));
        QVERIFY(story.refused.count(5) && story.refused.count(6));
        QVERIFY(compareStories(story, story).empty());
        Story other = story;
        other.observations[3].quorum = true;   // a real master that still saw a quorum
        other.nearby.clear();
        const std::string diff = compareStories(story, other);
        QVERIFY2(diff.find("at 28s500ms etcd quorum: simulated no | real yes") != std::string::npos, diff.c_str());
    }

    // The library's tagged scenarios on real hosts, run by kontena-fidelity
    // several at once (KONTENA_FIDELITY_JOBS, default 4).
    void realHostsAgree() {
        if (geteuid() != 0) QSKIP("needs root for private dockerds");
        const QDir dir(QString::fromUtf8(qgetenv("KONTENA_SOURCE_DIR")) + QStringLiteral("/scenarios"));
        const QStringList only = QString::fromUtf8(qgetenv("KONTENA_FIDELITY_SCENARIOS")).split(u',', Qt::SkipEmptyParts);
        QStringList files;
        for (const QString& f : dir.entryList({QStringLiteral("*.yaml")}, QDir::Files, QDir::Name)) {
            const sim::Scenario s = load(dir.filePath(f));
            if (only.isEmpty() ? s.real.has_value() : only.contains(QString::fromStdString(s.name))) files << dir.filePath(f);
        }
        QVERIFY(!files.isEmpty());
        QTemporaryDir work;
        const QString table = work.filePath(QStringLiteral("table.txt"));
        QStringList args{QStringLiteral("run")};
        args << files << QStringLiteral("--jobs") << qEnvironmentVariable("KONTENA_FIDELITY_JOBS", QStringLiteral("4"))
             << QStringLiteral("--retries") << qEnvironmentVariable("KONTENA_FIDELITY_RETRIES", QStringLiteral("2"))
             << QStringLiteral("--table") << table;
        if (qEnvironmentVariableIsSet("KONTENA_KEEP_TEST_DIR")) {
            work.setAutoRemove(false);
            args << QStringLiteral("--keep") << work.filePath(QStringLiteral("runs")) << QStringLiteral("--pictures") << work.filePath(QStringLiteral("pictures"));
            qInfo("runs and pictures in %s", qPrintable(work.path()));
        }
        QProcess p;
        p.setProcessChannelMode(QProcess::MergedChannels);
        p.start(qEnvironmentVariable("KONTENA_FIDELITY_BIN"), args);
        QVERIFY(p.waitForStarted());
        QVERIFY(p.waitForFinished(3'000'000));
        const QString out = QString::fromUtf8(p.readAll());
        qInfo("%s", qPrintable(out));
        QCOMPARE(p.exitStatus(), QProcess::NormalExit);
        QCOMPARE(p.exitCode(), 0);
        // Every scenario asked for ran and agreed: none was skipped.
        QFile t(table);
        QVERIFY(t.open(QIODevice::ReadOnly));
        const QString summary = QString::fromUtf8(t.readAll());
        QVERIFY2(summary.contains(QStringLiteral("%1 agreed, 0 skipped, 0 disagreed").arg(files.size())), qPrintable(summary));
    }

    // The program's command line: bad input is exit status 2 and a usage line.
    void programRefusesBadInput() {
        for (const QStringList& args : {QStringList{}, QStringList{QStringLiteral("run")}, QStringList{QStringLiteral("fly"), QStringLiteral("x.yaml")},
                                        QStringList{QStringLiteral("run"), QStringLiteral("x.yaml"), QStringLiteral("--jobs"), QStringLiteral("0")},
                                        QStringList{QStringLiteral("one"), QStringLiteral("a.yaml"), QStringLiteral("b.yaml")}}) {
            QProcess p;
            p.start(qEnvironmentVariable("KONTENA_FIDELITY_BIN"), args);
            QVERIFY(p.waitForFinished(10'000));
            QCOMPARE(p.exitCode(), 2);
            QVERIFY2(p.readAllStandardError().contains("usage:"), qPrintable(args.join(u' ')));
        }
    }

    void pictureShowsBothLanes() {
        const sim::Scenario s = sim::scaledScenario(load(QString::fromUtf8(qgetenv("KONTENA_SOURCE_DIR")) + QStringLiteral("/scenarios/drain-stateless.yaml")), 0.1);
        const Story story = simulatedStory(s, 1);
        Story real = story;
        real.observations.back().running.begin()->second = "elsewhere";
        const std::string svg = storiesSvg(s.name, story, real);
        QVERIFY(svg.rfind("<svg", 0) == 0);
        QVERIFY(svg.find("instance web/api-1") != std::string::npos);
        QVERIFY(svg.find("node worker-2") != std::string::npos);
        QVERIFY(svg.find("elsewhere") != std::string::npos);
        QCOMPARE(svg.find("#d00000") != std::string::npos, true);   // the disagreement is marked
        QCOMPARE(storiesSvg(s.name, story, story).find("#d00000"), std::string::npos);
    }
};

QTEST_GUILESS_MAIN(TestFidelity)
#include "tst_fidelity.moc"
