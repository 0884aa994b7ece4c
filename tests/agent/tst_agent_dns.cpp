// Service discovery on a node (issue 15, part 1): kontena-agent's own
// dnsmasq (the real program, on the private dockerd's bridge gateway, port
// 53) answers the core's records (scheduler/dns.h) for the instances the
// agent runs; containers resolve through it (HostConfig.Dns, search
// domains for short names); a removed or unhealthy instance leaves the
// names. Real dockerd (tests/docker), in-test master endpoint. Traffic:
// loopback, the private bridge, this daemon's containers.
#include <QtTest>

#include <QElapsedTimer>

#include <csignal>

#include "agent/agent.h"
#include "backends/dns/dns_query.h"
#include "backends/docker/docker_runtime.h"
#include "backends/docker/exec.h"
#include "tests/agent/test_master.h"
#include "tests/docker/test_image.h"

using namespace kontena;
using namespace kontena::agentd;
using kontena::testing::TestMaster;

namespace {

constexpr int kWait = 30000;
const QString kDnsmasq = QStringLiteral("/usr/sbin/dnsmasq");

protocol::PodSpec pod(const std::string& name, int n, std::vector<std::string> cmd) {
    protocol::PodSpec p;
    p.spec.stack = "shop";
    p.spec.name = name;
    p.spec.image = kontena::testing::kTestImage.toStdString();
    p.spec.cmd = std::move(cmd);
    p.spec.stopGracePeriod = Duration::seconds(2);
    p.instanceNumber = n;
    p.deployRev = 1;
    return p;
}

std::vector<std::string> sleeper() { return {"/bin/sh", "-c", "exec sleep 3600"}; }

}  // namespace

class TstAgentDns : public QObject {
    Q_OBJECT

    kontena::testing::EngineFixture fx_;
    QTemporaryDir data_;
    QString address_;

    std::unique_ptr<Agent> makeAgent(const TestMaster& master) {
        AgentConfig c;
        c.masterUrl = master.url();
        c.token = QStringLiteral("grid-secret");
        c.nodeId = QStringLiteral("NODE:ID:1");
        c.nodeName = QStringLiteral("node-1");
        c.grid = QStringLiteral("test");
        c.version = QStringLiteral("0.1.0");
        c.dataDir = data_.path();
        c.dns.enabled = true;
        c.dns.program = kDnsmasq;
        c.timers.reconnectDelay = [](int) { return Millis(100); };
        auto client = fx_.dockerd.client();
        auto runtime = std::make_shared<docker::DockerRuntime>(client, NodeIdentity{"test", "node-1"});
        QString error;
        if (!prepareDns(c, *runtime, &error)) qWarning() << "prepareDns:" << error;
        address_ = c.dns.address;
        return std::make_unique<Agent>(c, runtime, client);
    }

    // The addresses dnsmasq answers for `name` (empty for NXDOMAIN or no answer).
    QStringList resolve(const QString& name) {
        auto a = dns::queryA(address_.toStdString(), 53, name.toStdString(), std::chrono::milliseconds(500));
        QStringList out;
        if (!a) return out;
        for (const auto& s : a.value().addresses) out << QString::fromStdString(s);
        out.sort();
        return out;
    }
    QString hostsFile() const {
        QFile f(data_.path() + QStringLiteral("/dns/hosts/kontena.hosts"));
        return f.open(QIODevice::ReadOnly) ? QStringLiteral("hosts file:\n") + QString::fromUtf8(f.readAll()) : QStringLiteral("no hosts file");
    }
    QString ipOf(const QString& container) {
        auto info = fx_.dockerd.client().inspectContainer(container);
        return info ? info.value().ipAddress : QString();
    }

private slots:
    void initTestCase() {
        if (!QFile::exists(kDnsmasq)) QSKIP("dnsmasq (dnsmasq-base) is not installed");
        QVERIFY(data_.isValid());
        const QString failure = fx_.setUp();
        QVERIFY2(failure.isEmpty(), qPrintable(failure));
    }
    void cleanupTestCase() { fx_.dockerd.stop(); }

    // The DNS options of the program: on by default, bad values are usage errors (64).
    void options() {
        const QStringList base{QStringLiteral("kontena-agent"), QStringLiteral("--master"), QStringLiteral("ws://127.0.0.1:1"),
                               QStringLiteral("--token"), QStringLiteral("t"), QStringLiteral("--node-name"), QStringLiteral("n1")};
        QString message;
        int code = -1;
        auto c = parseConfig(base, {}, message, code);
        QVERIFY(c);
        QVERIFY(c->dns.enabled);
        QCOMPARE(c->dns.port, 53);
        QCOMPARE(c->dataDir, QStringLiteral("/var/lib/kontena-agent/n1"));
        c = parseConfig(base + QStringList{QStringLiteral("--dns"), QStringLiteral("off")}, {}, message, code);
        QVERIFY(c && !c->dns.enabled);
        c = parseConfig(base, {QStringLiteral("KONTENA_DNS=no"), QStringLiteral("KONTENA_DNS_ADDRESS=127.0.0.53")}, message, code);
        QVERIFY(c && !c->dns.enabled);
        QCOMPARE(c->dns.address, QStringLiteral("127.0.0.53"));
        for (const QStringList& bad : {QStringList{QStringLiteral("--dns"), QStringLiteral("maybe")},
                                       QStringList{QStringLiteral("--dns-port"), QStringLiteral("70000")},
                                       QStringList{QStringLiteral("--dns-address"), QStringLiteral("not-an-ip")}}) {
            code = -1;
            QVERIFY2(!parseConfig(base + bad, {}, message, code), qPrintable(bad.join(u' ')));
            QCOMPARE(code, 64);
            QVERIFY2(message.contains(bad.first()), qPrintable(message));
        }
    }

    void namesFollowInstances() {
        TestMaster master;
        QVERIFY(master.listen());
        auto agent = makeAgent(master);
        QVERIFY2(agent->dns(), "DNS must be on: the engine's bridge has a gateway");
        QCOMPARE(address_, fx_.dockerd.bridgeSubnet().section(u'/', 0, 0).section(u'.', 0, 2) + QStringLiteral(".1"));
        agent->start();
        QTRY_VERIFY_WITH_TIMEOUT(agent->connection().isConnected(), kWait);
        // dnsmasq answers (NXDOMAIN for a name nobody has, never forwarded).
        QTRY_VERIFY_WITH_TIMEOUT(dns::queryA(address_.toStdString(), 53, "nobody.kontena.local",
                                             std::chrono::milliseconds(300)).ok(), 10000);
        QCOMPARE(dns::queryA(address_.toStdString(), 53, "nobody.kontena.local").value().rcode, 3);

        master.pods.pods = {pod("db", 1, sleeper()), pod("db", 2, sleeper()), pod("web", 1, sleeper())};
        master.notifyUpdate();
        QTRY_VERIFY2_WITH_TIMEOUT(resolve(QStringLiteral("web.shop.test.kontena.local")).size() == 1 &&
                                      resolve(QStringLiteral("db.shop.test.kontena.local")).size() == 2,
                                  qPrintable(hostsFile()), kWait);
        QStringList dbIps{ipOf(QStringLiteral("shop.db-1")), ipOf(QStringLiteral("shop.db-2"))};
        dbIps.sort();
        QCOMPARE(resolve(QStringLiteral("db.shop.test.kontena.local")), dbIps);
        QCOMPARE(resolve(QStringLiteral("db-2.shop.test.kontena.local")), QStringList{ipOf(QStringLiteral("shop.db-2"))});

        // The container's resolver is the node's dnsmasq; short names find the stack's services.
        auto info = fx_.dockerd.client().inspectContainer(QStringLiteral("shop.web-1"));
        QVERIFY(info);
        const QJsonObject host = info.value().raw.value(QStringLiteral("HostConfig")).toObject();
        QCOMPARE(host.value(QStringLiteral("Dns")).toArray(), QJsonArray{address_});
        auto client = fx_.dockerd.client();
        auto looked = docker::runExec(client, QStringLiteral("shop.web-1"), {QStringLiteral("nslookup"), QStringLiteral("db-1")},
                                      std::chrono::milliseconds(10000));
        QVERIFY2(looked, looked ? "" : qPrintable(looked.error().message));
        QVERIFY2(looked.value().out.contains(ipOf(QStringLiteral("shop.db-1")).toLatin1()), looked.value().out.constData());

        // A container on another's network stack gets no resolver of its own (the engine would refuse it).
        auto side = pod("side", 1, sleeper());
        side.spec.net = "container:shop.web-1";
        master.pods.pods.append(side);
        master.notifyUpdate();
        QTRY_VERIFY_WITH_TIMEOUT(fx_.dockerd.client().inspectContainer(QStringLiteral("shop.side-1")).ok() &&
                                     fx_.dockerd.client().inspectContainer(QStringLiteral("shop.side-1")).value().state.running,
                                 kWait);
        QVERIFY(fx_.dockerd.client().inspectContainer(QStringLiteral("shop.side-1")).value().raw.value(QStringLiteral("HostConfig"))
                    .toObject().value(QStringLiteral("Dns")).toArray().isEmpty());

        // An instance the master stops naming leaves its names (a stop is being made).
        master.pods.pods = {pod("db", 1, sleeper()), pod("web", 1, sleeper())};
        QElapsedTimer gone;
        gone.start();
        master.notifyUpdate();
        QTRY_VERIFY_WITH_TIMEOUT(resolve(QStringLiteral("db-2.shop.test.kontena.local")).isEmpty(), kWait);
        qInfo("db-2 left DNS %lld ms after the pod list changed", gone.elapsed());
        QVERIFY2(gone.elapsed() < 5000, "a stopped instance must leave its names at once");
        QCOMPARE(resolve(QStringLiteral("db.shop.test.kontena.local")), QStringList{ipOf(QStringLiteral("shop.db-1"))});

        // The agent restarts (a new object, its own dnsmasq; containers keep running): the
        // instances it finds running before the master's pods arrive are named after them.
        agent->stop();
        agent.reset();
        agent = makeAgent(master);
        QSignalSpy published(agent->dns(), &DnsSupervisor::publishedRecords);
        agent->start();
        QTRY_VERIFY_WITH_TIMEOUT(!published.isEmpty(), kWait);
        QTRY_COMPARE_WITH_TIMEOUT(resolve(QStringLiteral("web.shop.test.kontena.local")), QStringList{ipOf(QStringLiteral("shop.web-1"))}, kWait);
        QCOMPARE(resolve(QStringLiteral("db.shop.test.kontena.local")), QStringList{ipOf(QStringLiteral("shop.db-1"))});

        // dnsmasq killed: the agent starts it again, the names come back.
        const int starts = agent->dns()->dnsmasqStarts();
        QFile pidFile(data_.path() + QStringLiteral("/dns/dnsmasq.pid"));
        QVERIFY(pidFile.open(QIODevice::ReadOnly));
        const qint64 pid = pidFile.readAll().trimmed().toLongLong();
        QVERIFY(pid > 1);
        ::kill(pid_t(pid), SIGKILL);
        QTRY_VERIFY_WITH_TIMEOUT(agent->dns()->dnsmasqStarts() > starts, kWait);
        QTRY_VERIFY_WITH_TIMEOUT(resolve(QStringLiteral("db-1.shop.test.kontena.local")).size() == 1, kWait);

        master.pods.pods.clear();
        master.notifyUpdate();
        QTRY_VERIFY_WITH_TIMEOUT(resolve(QStringLiteral("web.shop.test.kontena.local")).isEmpty(), kWait);
        QTRY_VERIFY_WITH_TIMEOUT(fx_.dockerd.client().listContainers({}, true).value().empty(), kWait);
        agent->stop();
    }

    // The program: DNS on by default; its dnsmasq dies with an agent killed outright.
    void dnsmasqDiesWithTheAgent() {
        const QString bin = qEnvironmentVariable("KONTENA_AGENT_BIN");
        if (bin.isEmpty()) QSKIP("KONTENA_AGENT_BIN is not set");
        TestMaster master;
        QVERIFY(master.listen());
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        auto client = fx_.dockerd.client();
        QString error;
        address_ = defaultDnsAddress(client, &error);
        QVERIFY2(!address_.isEmpty(), qPrintable(error));
        QProcess agent;
        agent.setProcessChannelMode(QProcess::ForwardedChannels);
        agent.start(bin, {QStringLiteral("--master"), master.url().toString(), QStringLiteral("--token"), QStringLiteral("grid-secret"),
                          QStringLiteral("--node-name"), QStringLiteral("node-9"), QStringLiteral("--grid"), QStringLiteral("test"),
                          QStringLiteral("--docker-host"), fx_.dockerd.dockerHost(), QStringLiteral("--data-dir"), dir.path(),
                          QStringLiteral("--dnsmasq"), kDnsmasq});
        QVERIFY(agent.waitForStarted(5000));
        QTRY_VERIFY_WITH_TIMEOUT(dns::queryA(address_.toStdString(), 53, "nobody.kontena.local", std::chrono::milliseconds(300)).ok(), kWait);
        QFile pidFile(dir.path() + QStringLiteral("/dns/dnsmasq.pid"));
        QTRY_VERIFY_WITH_TIMEOUT(pidFile.exists(), kWait);
        QVERIFY(pidFile.open(QIODevice::ReadOnly));
        const pid_t pid = pid_t(pidFile.readAll().trimmed().toLongLong());
        QVERIFY(pid > 1);
        QCOMPARE(::kill(pid, 0), 0);
        agent.kill();   // SIGKILL: no clean-up of its own
        QVERIFY(agent.waitForFinished(5000));
        QTRY_VERIFY_WITH_TIMEOUT(::kill(pid, 0) != 0, 10000);
    }

    void unhealthyLeavesTheName() {
        TestMaster master;
        QVERIFY(master.listen());
        auto agent = makeAgent(master);
        QVERIFY(agent->dns());
        agent->start();
        // Every publication the agent made: was there one without api's name?
        bool leftOnce = false, seenOnce = false;
        connect(agent->dns(), &DnsSupervisor::publishedRecords, this, [&] {
            const bool named = agent->dns()->published().count("api.shop.test.kontena.local") != 0;
            if (named) seenOnce = true;
            else if (seenOnce) leftOnce = true;
        });
        // httpd answers health checks until the test kills it.
        auto p = pod("api", 1, {"/bin/sh", "-c", "httpd -p 8080 -h /; exec sleep 3600"});
        p.spec.healthCheck = HealthCheck{"tcp", 8080, "/", Duration::seconds(1), Duration::seconds(1), Duration::seconds(1)};
        master.pods.pods = {p};
        master.notifyUpdate();
        QTRY_VERIFY_WITH_TIMEOUT(resolve(QStringLiteral("api.shop.test.kontena.local")).size() == 1, kWait);
        QTRY_VERIFY_WITH_TIMEOUT(!master.health.isEmpty(), kWait);
        QVERIFY(!leftOnce);
        auto client = fx_.dockerd.client();
        QVERIFY(docker::runExec(client, QStringLiteral("shop.api-1"), {QStringLiteral("killall"), QStringLiteral("httpd")},
                                std::chrono::milliseconds(10000)));
        QTRY_VERIFY_WITH_TIMEOUT(leftOnce, kWait);
        // The same result went to the master (over the WebSocket: a little later).
        QTRY_VERIFY_WITH_TIMEOUT(std::any_of(master.health.begin(), master.health.end(),
                                             [](const auto& h) { return h.status == protocol::HealthStatus::Unhealthy; }), kWait);
        // Restarted by the agent (httpd runs again): named again.
        QTRY_VERIFY_WITH_TIMEOUT(resolve(QStringLiteral("api.shop.test.kontena.local")).size() == 1, kWait);

        master.pods.pods.clear();
        master.notifyUpdate();
        QTRY_VERIFY_WITH_TIMEOUT(fx_.dockerd.client().listContainers({}, true).value().empty(), kWait);
        agent->stop();
    }
};

QTEST_GUILESS_MAIN(TstAgentDns)
#include "tst_agent_dns.moc"
