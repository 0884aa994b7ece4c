// kontena-agent against a real, private Docker Engine (tests/docker's
// harness) and an in-test master: converge a desired list of busybox
// containers, change it, restart the agent object (rediscovery, no
// duplicates), crash restarts with the n² backoff, an HTTP health check
// turning unhealthy and the container restarted, and the streams (events,
// logs, stats). Traffic goes only to loopback and to this daemon's containers.
#include <QtTest>

#include "agent/agent.h"
#include "backends/docker/docker_runtime.h"
#include "backends/docker/kontena_labels.h"
#include "tests/agent/test_master.h"
#include "tests/docker/test_image.h"

using namespace kontena;
using namespace kontena::agentd;
using kontena::testing::TestMaster;

namespace {

constexpr int kWait = 60000;   // a shared, slow CI machine: generous

protocol::PodSpec pod(const std::string& name, int n, std::int64_t rev, std::vector<std::string> cmd,
                      int serviceRevision = 1) {
    protocol::PodSpec p;
    p.spec.stack = "agent";
    p.spec.name = name;
    p.spec.image = kontena::testing::kTestImage.toStdString();
    p.spec.cmd = std::move(cmd);
    p.spec.stopGracePeriod = Duration::seconds(5);
    p.instanceNumber = n;
    p.deployRev = rev;
    p.serviceRevision = serviceRevision;
    return p;
}

std::vector<std::string> sleeper() {
    return {"/bin/sh", "-c", "echo hello-$KONTENA_SERVICE_INSTANCE_NUMBER; exec sleep 3600"};
}

}  // namespace

class TstAgentDocker : public QObject {
    Q_OBJECT

    kontena::testing::EngineFixture fx_;

    std::unique_ptr<Agent> makeAgent(const TestMaster& master, Millis poll = Millis(30'000)) {
        AgentConfig c;
        c.masterUrl = master.url();
        c.token = QStringLiteral("grid-secret");
        c.nodeId = QStringLiteral("NODE:ID:1");
        c.nodeName = QStringLiteral("node-1");
        c.grid = QStringLiteral("test");
        c.version = QStringLiteral("0.1.0");
        c.timers.reconnectDelay = [](int) { return Millis(100); };
        c.timers.statsInterval = Millis(500);
        c.timers.logFlushInterval = Millis(100);
        c.timers.podPollInterval = poll;
        auto client = fx_.dockerd.client();
        auto runtime = std::make_shared<docker::DockerRuntime>(client, NodeIdentity{"test", "node-1"});
        return std::make_unique<Agent>(c, runtime, client);
    }

    // name -> (id, state) of this grid's service containers on the engine.
    std::map<QString, std::pair<QString, QString>> engineContainers() {
        std::map<QString, std::pair<QString, QString>> out;
        auto list = fx_.dockerd.client().listContainers(
            {{QStringLiteral("label"), {QLatin1String(docker::label::kGridName) + QStringLiteral("=test")}}}, true);
        if (!list) return out;
        for (const auto& c : list.value()) out[c.name] = {c.id, c.state};
        return out;
    }

    bool allRunning(const QStringList& names) {
        const auto now = engineContainers();
        if (now.size() != std::size_t(names.size())) return false;
        for (const QString& n : names) {
            auto it = now.find(n);
            if (it == now.end() || it->second.second != QLatin1String("running")) return false;
        }
        return true;
    }

    // Converges to nothing: the test leaves the engine as it found it.
    void clearAll(TestMaster& master, Agent&) {
        master.pods.pods.clear();
        master.notifyUpdate();
        QTRY_VERIFY_WITH_TIMEOUT(engineContainers().empty(), kWait);
    }

private slots:
    void initTestCase() {
        const QString failure = fx_.setUp();
        QVERIFY2(failure.isEmpty(), qPrintable(failure));
    }
    void cleanupTestCase() { fx_.dockerd.stop(); }

    void convergeChangeAndRediscover() {
        TestMaster master;
        QVERIFY(master.listen());
        auto agent = makeAgent(master);
        agent->start();
        QTRY_VERIFY_WITH_TIMEOUT(agent->connection().isConnected(), kWait);
        // Node facts come from the engine.
        QTRY_VERIFY_WITH_TIMEOUT(!master.nodeUpdates.isEmpty(), kWait);
        QVERIFY(master.nodeUpdates.first().cpus > 0);
        QVERIFY(master.nodeUpdates.first().memTotal > 0);

        master.pods.pods = {pod("web", 1, 100, sleeper()), pod("web", 2, 100, sleeper()), pod("web", 3, 100, sleeper())};
        master.notifyUpdate();
        const QStringList three{QStringLiteral("agent.web-1"), QStringLiteral("agent.web-2"), QStringLiteral("agent.web-3")};
        QTRY_VERIFY_WITH_TIMEOUT(allRunning(three), kWait);
        for (int n = 1; n <= 3; ++n) {
            QTRY_VERIFY_WITH_TIMEOUT(master.lastReportOf(QStringLiteral("agent/web"), n).has_value(), kWait);
            QCOMPARE(master.lastReportOf(QStringLiteral("agent/web"), n)->state, ObservedState::Running);
            QCOMPARE(master.lastReportOf(QStringLiteral("agent/web"), n)->rev, 100);
        }
        // Streams: the start events, each container's first line, a stats sample.
        QTRY_VERIFY_WITH_TIMEOUT(std::count_if(master.events.begin(), master.events.end(),
                                               [](const auto& e) { return e.status == QLatin1String("start"); }) >= 3, kWait);
        QTRY_VERIFY_WITH_TIMEOUT(std::any_of(master.logs.begin(), master.logs.end(),
                                             [](const auto& l) { return l.name == QLatin1String("agent.web-2") && l.data == QLatin1String("hello-2"); }), kWait);
        QTRY_VERIFY_WITH_TIMEOUT(!master.stats.isEmpty(), kWait);

        // Change: web-3 is gone, web-2 has a new service revision, all a new deploy rev.
        const QString id1 = engineContainers().at(QStringLiteral("agent.web-1")).first;
        const QString id2 = engineContainers().at(QStringLiteral("agent.web-2")).first;
        master.pods.pods = {pod("web", 1, 200, sleeper()), pod("web", 2, 200, sleeper(), 2)};
        master.notifyUpdate();
        const QStringList two{QStringLiteral("agent.web-1"), QStringLiteral("agent.web-2")};
        QTRY_VERIFY_WITH_TIMEOUT(allRunning(two) && engineContainers().at(QStringLiteral("agent.web-2")).first != id2, kWait);
        QCOMPARE(engineContainers().at(QStringLiteral("agent.web-1")).first, id1);   // unchanged revision: kept
        auto info = fx_.dockerd.client().inspectContainer(QStringLiteral("agent.web-2"));
        QVERIFY(info);
        QCOMPARE(info.value().labels.value(QLatin1String(docker::label::kServiceRevision)), QStringLiteral("2"));
        QTRY_VERIFY_WITH_TIMEOUT(master.lastReportOf(QStringLiteral("agent/web"), 1)->rev == 200 &&
                                     master.lastReportOf(QStringLiteral("agent/web"), 2)->rev == 200, kWait);

        // A new agent object (the agent restarted): it finds both, creates nothing.
        const auto before = engineContainers();
        agent.reset();
        TestMaster master2;
        QVERIFY(master2.listen());
        master2.pods = master.pods;
        auto again = makeAgent(master2);
        QSignalSpy passes(&again->supervisor(), &PodSupervisor::passFinished);
        again->start();
        QTRY_VERIFY_WITH_TIMEOUT(master2.podListRequests >= 1 && master2.lastReportOf(QStringLiteral("agent/web"), 1).has_value() &&
                                     master2.lastReportOf(QStringLiteral("agent/web"), 2).has_value(), kWait);
        QTRY_VERIFY_WITH_TIMEOUT(!again->supervisor().passRunning(), kWait);
        QCOMPARE(engineContainers(), before);   // same ids, same states: no duplicate, no re-create
        for (const auto& e : master2.events) QVERIFY2(e.status != QLatin1String("create"), qPrintable(e.name));
        QCOMPARE(master2.lastReportOf(QStringLiteral("agent/web"), 1)->state, ObservedState::Running);
        clearAll(master2, *again);
    }

    void crashRestartsWithBackoff() {
        TestMaster master;
        QVERIFY(master.listen());
        auto agent = makeAgent(master);
        QSignalSpy crashes(&agent->supervisor(), &PodSupervisor::crashDetected);
        QSignalSpy restarts(&agent->supervisor(), &PodSupervisor::restarted);
        agent->start();
        QTRY_VERIFY_WITH_TIMEOUT(agent->connection().isConnected(), kWait);
        master.pods.pods = {pod("crashy", 1, 100, {"/bin/sh", "-c", "sleep 1; exit 3"})};
        master.notifyUpdate();
        // Runs 1 s, dies; restarts after 0 s, 1 s, 4 s (n², reference 8.4).
        QTRY_VERIFY_WITH_TIMEOUT(crashes.size() >= 3, kWait);
        QCOMPARE(crashes.at(0).at(1).toLongLong(), 0);
        QCOMPARE(crashes.at(1).at(1).toLongLong(), 1000);
        QCOMPARE(crashes.at(2).at(1).toLongLong(), 4000);
        QTRY_VERIFY_WITH_TIMEOUT(restarts.size() >= 2, kWait);
        QCOMPARE(restarts.first().at(1).toString(), QStringLiteral("crash"));
        QVERIFY(std::any_of(master.reports.begin(), master.reports.end(),
                            [](const auto& r) { return r.state == ObservedState::Restarting; }));
        clearAll(master, *agent);
    }

    void unhealthyContainerRestarted() {
        TestMaster master;
        QVERIFY(master.listen());
        auto agent = makeAgent(master);
        QSignalSpy restarts(&agent->supervisor(), &PodSupervisor::restarted);
        agent->start();
        QTRY_VERIFY_WITH_TIMEOUT(agent->connection().isConnected(), kWait);
        // Serves /health only from its second start on: unhealthy first (404), then healthy.
        auto p = pod("httpd", 1, 100,
                     {"/bin/sh", "-c",
                      "mkdir -p /www; echo index > /www/index.html; if [ -f /booted ]; then echo ok > /www/health; fi; "
                      "touch /booted; exec httpd -f -p 8080 -h /www"});
        p.spec.healthCheck = HealthCheck{"http", 8080, "/health", Duration::seconds(2), Duration::seconds(1), Duration::millis(500)};
        master.pods.pods = {p};
        master.notifyUpdate();
        QTRY_VERIFY_WITH_TIMEOUT(!master.health.isEmpty(), kWait);
        QCOMPARE(master.health.first().status, protocol::HealthStatus::Unhealthy);
        QCOMPARE(master.health.first().statusCode, 404);
        QTRY_VERIFY_WITH_TIMEOUT(!restarts.isEmpty(), kWait);
        QCOMPARE(restarts.first().at(1).toString(), QStringLiteral("unhealthy"));
        QTRY_VERIFY_WITH_TIMEOUT(std::any_of(master.health.begin(), master.health.end(),
                                             [](const auto& h) { return h.status == protocol::HealthStatus::Healthy && h.statusCode == 200; }),
                                 kWait);
        auto info = fx_.dockerd.client().inspectContainer(QStringLiteral("agent.httpd-1"));
        QVERIFY(info);
        QVERIFY(info.value().state.running);
        QCOMPARE(restarts.size(), 1);   // healthy now: no further restarts
        clearAll(master, *agent);
    }

    void daemonRestartBringsContainersBack() {
        TestMaster master;
        QVERIFY(master.listen());
        auto agent = makeAgent(master, Millis(1000));
        agent->start();
        QTRY_VERIFY_WITH_TIMEOUT(agent->connection().isConnected(), kWait);
        master.pods.pods = {pod("web", 1, 100, sleeper()), pod("web", 2, 100, sleeper())};
        master.notifyUpdate();
        const QStringList two{QStringLiteral("agent.web-1"), QStringLiteral("agent.web-2")};
        QTRY_VERIFY_WITH_TIMEOUT(allRunning(two), kWait);
        const auto before = engineContainers();
        // Without live-restore the engine stops every container on its way down.
        auto restarted = fx_.dockerd.restartDaemon();
        QVERIFY2(restarted, restarted ? "" : qPrintable(restarted.error().message));
        QTRY_VERIFY_WITH_TIMEOUT(allRunning(two), kWait);
        const auto after = engineContainers();
        for (const QString& n : two) QCOMPARE(after.at(n).first, before.at(n).first);   // started again, not re-created
        clearAll(master, *agent);
    }

    void programExitsWhenRefused() {
        TestMaster master;
        QVERIFY(master.listen());
        master.rejectWith = int(protocol::CloseCode::InvalidGridToken);
        QProcess agent;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("KONTENA_URI"), master.url().toString());
        env.insert(QStringLiteral("KONTENA_TOKEN"), QStringLiteral("wrong"));
        env.insert(QStringLiteral("KONTENA_NODE_NAME"), QStringLiteral("node-x"));
        env.insert(QStringLiteral("KONTENA_GRID_NAME"), QStringLiteral("test"));
        env.insert(QStringLiteral("DOCKER_HOST"), fx_.dockerd.dockerHost());
        agent.setProcessEnvironment(env);
        agent.start(qEnvironmentVariable("KONTENA_AGENT_BIN"), {});
        QVERIFY(agent.waitForStarted(kWait));
        QTRY_COMPARE_WITH_TIMEOUT(master.handshakes.size(), 1, kWait);
        // The event loop must run: the master side finishes the close handshake.
        QTRY_COMPARE_WITH_TIMEOUT(agent.state(), QProcess::NotRunning, kWait);
        QCOMPARE(agent.exitCode(), 2);
        QVERIFY(QString::fromUtf8(agent.readAllStandardError()).contains(protocol::closeReason(4001)));
        QVERIFY(!master.handshakes.first().nodeId.isEmpty());   // the engine's ID
    }
};

QTEST_GUILESS_MAIN(TstAgentDocker)
#include "tst_agent_docker.moc"
