// kontena-agent against an in-test master (QWebSocketServer on loopback):
// handshake headers, each close code, reconnect backoff, keepalive, node
// info, pods fetched on notify_update and converged, states reported. The
// container runtime here is in memory; tst_agent_docker uses a real engine.
#include <QCryptographicHash>
#include <QTcpServer>
#include <QTcpSocket>
#include <QtTest>

#include <csignal>

#include "agent/agent.h"
#include "agent/kept_process.h"
#include "tests/agent/fake_runtime.h"
#include "tests/agent/test_master.h"

using namespace kontena;
using namespace kontena::agentd;
using kontena::testing::FakeRuntime;
using kontena::testing::TestMaster;

namespace {

constexpr int kWait = 20000;   // generous: the CI machine is shared and slow

AgentConfig configFor(const TestMaster& master) {
    AgentConfig c;
    c.masterUrl = master.url();
    c.token = QStringLiteral("grid-secret");
    c.nodeId = QStringLiteral("NODE:ID:1");
    c.nodeName = QStringLiteral("node-1");
    c.labels = {QStringLiteral("az=a"), QStringLiteral("ssd")};
    c.grid = QStringLiteral("test");
    c.version = QStringLiteral("0.1.0");
    c.timers.reconnectDelay = [](int) { return Millis(50); };
    return c;
}

protocol::PodSpec pod(const std::string& name, int n, std::int64_t rev, int serviceRevision = 1,
                      DesiredState desired = DesiredState::Running) {
    protocol::PodSpec p;
    p.spec.stack = "web";
    p.spec.name = name;
    p.spec.image = "kontena-test/busybox:1";
    p.instanceNumber = n;
    p.deployRev = rev;
    p.serviceRevision = serviceRevision;
    p.desired = desired;
    return p;
}

}  // namespace

class TstAgentMaster : public QObject {
    Q_OBJECT
private slots:
    void backoffIsCappedExponential() {
        const QList<qint64> expected{1, 2, 4, 8, 16, 32, 64, 90, 90, 90};
        for (int i = 0; i < expected.size(); ++i) QCOMPARE(reconnectBackoff(i).count(), expected.at(i) * 1000);
        QCOMPARE(reconnectBackoff(1000).count(), 90'000);
    }

    // A kept helper program (dnsmasq, etcd) that exits at once is started
    // again after 250 ms, 500 ms, 1 s ... 30 s; stop() ends the restarts.
    void keptProcessRestartsWithBackoff() {
        QCOMPARE(keptProcessBackoffMs(0), 250);
        QCOMPARE(keptProcessBackoffMs(2), 1'000);
        QCOMPARE(keptProcessBackoffMs(50), 30'000);
        KeptProcess p;
        QList<int> delays;
        connect(&p, &KeptProcess::exited, this, [&](const QString&, int delayMs) { delays << delayMs; });
        connect(&p, &KeptProcess::restartDue, this, [&] { p.start(QStringLiteral("/bin/sh"), {QStringLiteral("-c"), QStringLiteral("exit 3")}); });
        p.start(QStringLiteral("/bin/sh"), {QStringLiteral("-c"), QStringLiteral("exit 3")});
        QTRY_VERIFY_WITH_TIMEOUT(p.starts() >= 3, 5'000);
        QCOMPARE(delays.mid(0, 2), (QList<int>{500, 1'000}));   // quick exits: the backoff grows
        p.stop();
        const int starts = p.starts();
        QTest::qWait(1'500);
        QCOMPARE(p.starts(), starts);
        p.start(QStringLiteral("/bin/sleep"), {QStringLiteral("30")});
        QTRY_VERIFY(p.running());
        const qint64 pid = p.pid();
        QVERIFY(pid > 0);
        p.stop();
        QVERIFY(!p.running());
        QVERIFY(::kill(static_cast<pid_t>(pid), 0) != 0);   // gone, not orphaned
    }

    // Under --time-scale the unit and the cap scale together (as the
    // simulator's scaled settings do): 0.1 → 0.1, 0.2, 0.4 ... 6.4, 9 s.
    void backoffScalesWithTimeScale() {
        QCOMPARE(reconnectBackoff(3, Millis(9'000), Millis(100)).count(), 800);
        QCOMPARE(reconnectBackoff(7, Millis(9'000), Millis(100)).count(), 9'000);
        QString message;
        int code = -1;
        const QStringList args{QStringLiteral("kontena-agent"), QStringLiteral("--master"), QStringLiteral("ws://127.0.0.1:1"),
                               QStringLiteral("--token"), QStringLiteral("t"), QStringLiteral("--time-scale"), QStringLiteral("0.1")};
        const auto c = parseConfig(args, {}, message, code);
        QVERIFY2(c, qPrintable(message));
        const QList<qint64> expected{100, 200, 400, 800, 1'600, 3'200, 6'400, 9'000, 9'000};
        for (int i = 0; i < expected.size(); ++i) QCOMPARE(c->timers.reconnectDelay(i).count(), expected.at(i));
        QCOMPARE(c->timers.pingInterval.count(), 3'000);
        QCOMPARE(c->timers.pingTimeout.count(), 500);
        const auto unscaled = parseConfig(args.mid(0, 5), {}, message, code);
        QVERIFY2(unscaled, qPrintable(message));
        QCOMPARE(unscaled->timers.reconnectDelay(0).count(), 1'000);
        QCOMPARE(unscaled->timers.reconnectDelay(9).count(), 90'000);
    }

    void connectsWithHandshakeHeaders() {
        TestMaster master;
        QVERIFY(master.listen());
        Agent agent(configFor(master), std::make_shared<FakeRuntime>(), std::nullopt);
        const QDateTime before = QDateTime::currentDateTimeUtc().addMSecs(-1);
        agent.start();
        QTRY_COMPARE_WITH_TIMEOUT(master.handshakes.size(), 1, kWait);
        const protocol::Handshake& h = master.handshakes.first();
        QCOMPARE(h.nodeId, QStringLiteral("NODE:ID:1"));
        QCOMPARE(h.nodeName, QStringLiteral("node-1"));
        QCOMPARE(h.version, QStringLiteral("0.1.0"));
        QCOMPARE(h.labels, (QStringList{QStringLiteral("az=a"), QStringLiteral("ssd")}));
        QCOMPARE(h.tokenKind, protocol::TokenKind::Grid);
        QCOMPARE(h.token, QStringLiteral("grid-secret"));
        QCOMPARE(h.protocolVersion, protocol::kProtocolVersion);
        QVERIFY(h.connectedAt >= before && h.connectedAt <= QDateTime::currentDateTimeUtc());
        // master_info is taken in; node info goes out on connect.
        QTRY_VERIFY_WITH_TIMEOUT(agent.masterInfo().has_value(), kWait);
        QCOMPARE(agent.masterInfo()->version, QStringLiteral("0.1.3"));
        QTRY_COMPARE_WITH_TIMEOUT(master.nodeUpdates.size(), 1, kWait);
        QCOMPARE(master.nodeUpdates.first().name, QStringLiteral("node-1"));
        QCOMPARE(master.nodeUpdates.first().labels, h.labels);
    }

    void nodeTokenHeader() {
        TestMaster master;
        QVERIFY(master.listen());
        AgentConfig c = configFor(master);
        c.nodeToken = true;
        c.token = QStringLiteral("node-secret");
        Agent agent(c, std::make_shared<FakeRuntime>(), std::nullopt);
        agent.start();
        QTRY_COMPARE_WITH_TIMEOUT(master.handshakes.size(), 1, kWait);
        QCOMPARE(master.handshakes.first().tokenKind, protocol::TokenKind::Node);
        QCOMPARE(master.handshakes.first().token, QStringLiteral("node-secret"));
    }

    void rejectionByCloseCode_data() {
        QTest::addColumn<int>("code");
        for (protocol::CloseCode c : protocol::allCloseCodes()) QTest::newRow(QByteArray::number(int(c)).constData()) << int(c);
    }
    void rejectionByCloseCode() {
        QFETCH(int, code);
        TestMaster master;
        QVERIFY(master.listen());
        master.rejectWith = code;
        Agent agent(configFor(master), std::make_shared<FakeRuntime>(), std::nullopt);
        QSignalSpy fatal(&agent, &Agent::fatal);
        QSignalSpy retry(&agent.connection(), &MasterConnection::reconnectScheduled);
        QSignalSpy closed(&agent.connection(), &MasterConnection::disconnected);
        agent.start();
        QTRY_VERIFY_WITH_TIMEOUT(closed.size() >= 1, kWait);
        QCOMPARE(closed.first().at(0).toInt(), code);
        QCOMPARE(closed.first().at(1).toString(), protocol::closeReason(code));
        if (protocol::afterClose(code) == protocol::AfterClose::Stop) {
            QTRY_COMPARE_WITH_TIMEOUT(fatal.size(), 1, kWait);
            QCOMPARE(fatal.first().at(0).toInt(), code);
            QCOMPARE(fatal.first().at(1).toString(), protocol::closeReason(code));
            QCOMPARE(retry.size(), 0);
            QCOMPARE(master.handshakes.size(), 1);
        } else {
            // Transient: it comes back, and is accepted once the master lets it.
            QTRY_VERIFY_WITH_TIMEOUT(master.handshakes.size() >= 2, kWait);
            QCOMPARE(fatal.size(), 0);
            master.rejectWith = 0;
            QTRY_VERIFY_WITH_TIMEOUT(agent.connection().isConnected(), kWait);
        }
    }

    void incompatibleVersionStillGetsMasterInfo() {
        TestMaster master;
        QVERIFY(master.listen());
        master.rejectWith = int(protocol::CloseCode::VersionIncompatible);
        master.masterVersion = QStringLiteral("1.2.0");
        Agent agent(configFor(master), std::make_shared<FakeRuntime>(), std::nullopt);
        QSignalSpy fatal(&agent, &Agent::fatal);
        agent.start();
        QTRY_COMPARE_WITH_TIMEOUT(fatal.size(), 1, kWait);
        QVERIFY(agent.masterInfo().has_value());
        QCOMPARE(agent.masterInfo()->version, QStringLiteral("1.2.0"));
    }

    void reconnectsWithBackoffAndResets() {
        TestMaster master;
        QVERIFY(master.listen());
        master.rememberPort();
        const quint16 port = master.port();
        AgentConfig c = configFor(master);
        QList<int> asked;
        c.timers.reconnectDelay = [&asked](int attempt) {
            asked.append(attempt);
            return Millis(20 * (1 << std::min(attempt, 4)));
        };
        Agent agent(c, std::make_shared<FakeRuntime>(), std::nullopt);
        agent.start();
        QTRY_VERIFY_WITH_TIMEOUT(agent.connection().isConnected(), kWait);
        // The master goes away: attempts 0, 1, 2... with growing delays.
        master.stopListening();
        master.closeCurrent(1001);
        QTRY_VERIFY_WITH_TIMEOUT(asked.size() >= 4, kWait);
        QCOMPARE(asked.mid(0, 4), (QList<int>{0, 1, 2, 3}));
        // Back again: the agent reconnects and the count starts over.
        QVERIFY(master.listen(port));
        QTRY_VERIFY_WITH_TIMEOUT(agent.connection().isConnected(), kWait);
        QCOMPARE(agent.connection().attempt(), 0);
        asked.clear();
        master.closeCurrent(1001);
        QTRY_VERIFY_WITH_TIMEOUT(!asked.isEmpty(), kWait);
        QCOMPARE(asked.first(), 0);
        QTRY_VERIFY_WITH_TIMEOUT(agent.connection().isConnected(), kWait);
    }

    void keepalive() {
        TestMaster master;
        QVERIFY(master.listen());
        AgentConfig c = configFor(master);
        c.timers.pingInterval = Millis(100);
        Agent agent(c, std::make_shared<FakeRuntime>(), std::nullopt);
        QSignalSpy pongs(&agent.connection(), &MasterConnection::pongReceived);
        agent.start();
        QTRY_VERIFY_WITH_TIMEOUT(master.current() != nullptr, kWait);
        master.current()->ping("hello");             // the master's keepalive is answered
        QTRY_VERIFY_WITH_TIMEOUT(master.pongs >= 1, kWait);
        QTRY_VERIFY_WITH_TIMEOUT(pongs.size() >= 2, kWait);   // and the agent pings the master
        QVERIFY(agent.connection().isConnected());
    }

    void silentMasterMeansReconnect() {
        // A master that completes the WebSocket handshake and then says
        // nothing, not even pongs (written by hand: QWebSocketServer always pongs).
        QTcpServer mute;
        QVERIFY(mute.listen(QHostAddress::LocalHost, 0));
        int opened = 0;
        connect(&mute, &QTcpServer::newConnection, this, [&] {
            while (QTcpSocket* s = mute.nextPendingConnection()) {
                connect(s, &QTcpSocket::readyRead, s, [s, &opened] {
                    const QByteArray req = s->readAll();
                    const int at = req.indexOf("Sec-WebSocket-Key:");
                    if (at < 0) return;   // frames after the handshake: ignored
                    const QByteArray key = req.mid(at + 18, req.indexOf("\r\n", at) - at - 18).trimmed();
                    const QByteArray accept = QCryptographicHash::hash(QByteArray(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"),
                                                                       QCryptographicHash::Sha1).toBase64();
                    s->write("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                             "Sec-WebSocket-Accept: " + accept + "\r\n\r\n");
                    ++opened;
                });
            }
        });
        AgentConfig c;
        c.masterUrl = QUrl(QStringLiteral("ws://127.0.0.1:%1/").arg(mute.serverPort()));
        c.token = QStringLiteral("t");
        c.nodeId = QStringLiteral("N");
        c.nodeName = QStringLiteral("node-1");
        c.timers.pingInterval = Millis(100);
        c.timers.pingTimeout = Millis(300);
        c.timers.reconnectDelay = [](int) { return Millis(50); };
        Agent agent(c, std::make_shared<FakeRuntime>(), std::nullopt);
        QSignalSpy retry(&agent.connection(), &MasterConnection::reconnectScheduled);
        agent.start();
        QTRY_VERIFY_WITH_TIMEOUT(opened >= 1, kWait);
        QTRY_VERIFY_WITH_TIMEOUT(retry.size() >= 1, kWait);   // no pong within the timeout: reconnect
        QTRY_VERIFY_WITH_TIMEOUT(opened >= 2, kWait);
    }

    void nodeInfoPeriodically() {
        TestMaster master;
        QVERIFY(master.listen());
        AgentConfig c = configFor(master);
        c.timers.nodeInfoInterval = Millis(100);
        Agent agent(c, std::make_shared<FakeRuntime>(), std::nullopt);
        agent.start();
        QTRY_VERIFY_WITH_TIMEOUT(master.nodeUpdates.size() >= 3, kWait);
        master.send(protocol::Frame::request(77, QString::fromLatin1(protocol::method::kNodeInfo),
                                             protocol::params(protocol::toJson(protocol::NodeInfo{
                                                 QStringLiteral("NODE:ID:1"), QStringLiteral("node-1"), QStringLiteral("test"), 2, true,
                                                 QStringLiteral("127.0.81.2"), {}, {}, 1, QStringLiteral("10.81.0.0/16"), {}}))));
        QTRY_VERIFY_WITH_TIMEOUT(agent.nodeInfo().has_value(), kWait);
        QCOMPARE(agent.nodeInfo()->nodeNumber, 2);
    }

    void unknownRequestGets501() {
        TestMaster master;
        QVERIFY(master.listen());
        Agent agent(configFor(master), std::make_shared<FakeRuntime>(), std::nullopt);
        agent.start();
        QTRY_VERIFY_WITH_TIMEOUT(master.current() != nullptr, kWait);
        master.send(protocol::Frame::request(5, QStringLiteral("/nothing/here"), QJsonArray{}));
        QTRY_COMPARE_WITH_TIMEOUT(master.responses.size(), 1, kWait);
        QCOMPARE(master.responses.first().id, 5);
        QCOMPARE(master.responses.first().error, protocol::notImplemented());
    }

    void podsFetchedOnNotifyAndConverged() {
        TestMaster master;
        QVERIFY(master.listen());
        auto runtime = std::make_shared<FakeRuntime>();
        Agent agent(configFor(master), runtime, std::nullopt);
        QSignalSpy passes(&agent.supervisor(), &PodSupervisor::passFinished);
        agent.start();
        QTRY_VERIFY_WITH_TIMEOUT(master.podListRequests >= 1, kWait);   // fetched on connect (empty)
        master.pods.pods = {pod("api", 1, 100), pod("api", 2, 100), pod("db", 1, 100, 1, DesiredState::Stopped)};
        const int before = master.podListRequests;
        master.notifyUpdate();
        QTRY_VERIFY_WITH_TIMEOUT(master.podListRequests > before, kWait);
        QTRY_VERIFY_WITH_TIMEOUT(master.lastReportOf(QStringLiteral("web/api"), 1).has_value() &&
                                     master.lastReportOf(QStringLiteral("web/api"), 2).has_value() &&
                                     master.lastReportOf(QStringLiteral("web/db"), 1).has_value(), kWait);
        QCOMPARE(master.lastReportOf(QStringLiteral("web/api"), 1)->state, ObservedState::Running);
        QCOMPARE(master.lastReportOf(QStringLiteral("web/api"), 1)->rev, 100);
        QCOMPARE(master.lastReportOf(QStringLiteral("web/db"), 1)->state, ObservedState::Stopped);
        QCOMPARE(runtime->snapshot().size(), std::size_t(3));

        // One removed, one with a new service revision, a new deploy rev for all.
        master.pods.pods = {pod("api", 1, 200, 2), pod("db", 1, 200, 1, DesiredState::Running)};
        master.notifyUpdate();
        QTRY_VERIFY_WITH_TIMEOUT(runtime->snapshot().size() == 2 &&
                                     master.lastReportOf(QStringLiteral("web/api"), 1)->rev == 200 &&
                                     master.lastReportOf(QStringLiteral("web/db"), 1)->rev == 200, kWait);
        QCOMPARE(runtime->snapshot().at("web.api-1").serviceRevision, 2);
        QCOMPARE(master.lastReportOf(QStringLiteral("web/db"), 1)->state, ObservedState::Running);
        QCOMPARE(runtime->creates, 4);   // three, then api-1 again
        // Another notify with nothing new: no new reports (none repeated), no changes.
        const int reports = int(master.reports.size());
        const int requests = master.podListRequests;
        master.notifyUpdate();
        QTRY_VERIFY_WITH_TIMEOUT(master.podListRequests > requests, kWait);
        QTRY_VERIFY_WITH_TIMEOUT(!agent.supervisor().passRunning(), kWait);
        QCOMPARE(int(master.reports.size()), reports);
        QCOMPARE(runtime->creates, 4);
        // Revisions never go backwards per instance.
        for (const QString& s : {QStringLiteral("web/api"), QStringLiteral("web/db")}) {
            std::int64_t last = -1;
            for (const auto& r : master.reportsOf(s, 1)) {
                QVERIFY(r.rev >= last);
                last = r.rev;
            }
        }
    }

    void noEtcdQuorumNoNewContainers() {
        TestMaster master;
        QVERIFY(master.listen());
        auto runtime = std::make_shared<FakeRuntime>();
        Agent agent(configFor(master), runtime, std::nullopt);
        agent.start();
        QTRY_VERIFY_WITH_TIMEOUT(agent.connection().isConnected(), kWait);
        master.pods.pods = {pod("api", 1, 100)};
        master.pods.etcdQuorum = false;   // the grid's etcd has no quorum: no overlay address
        master.notifyUpdate();
        QTRY_VERIFY_WITH_TIMEOUT(master.lastReportOf(QStringLiteral("web/api"), 1).has_value(), kWait);
        QCOMPARE(master.lastReportOf(QStringLiteral("web/api"), 1)->state, ObservedState::Missing);
        QCOMPARE(master.lastReportOf(QStringLiteral("web/api"), 1)->error, QString::fromStdString(agent::ipamUnavailableMessage()));
        QTRY_VERIFY_WITH_TIMEOUT(!agent.supervisor().passRunning(), kWait);
        QCOMPARE(runtime->creates, 0);
        // Quorum back: the next list creates it.
        master.pods.etcdQuorum = true;
        master.notifyUpdate();
        QTRY_VERIFY_WITH_TIMEOUT(master.lastReportOf(QStringLiteral("web/api"), 1)->state == ObservedState::Running, kWait);
        QCOMPARE(runtime->creates, 1);
    }

    void waitForPortHoldsTheRunningReport() {
        quint16 port = 0;
        {
            QTcpServer probe;
            QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
            port = probe.serverPort();
        }
        TestMaster master;
        QVERIFY(master.listen());
        auto runtime = std::make_shared<FakeRuntime>();
        Agent agent(configFor(master), runtime, std::nullopt);
        agent.supervisor().setAddressLookup([](const QString&) { return QStringLiteral("127.0.0.1"); });
        agent.supervisor().setWaitForPortLimits(Millis(50), Millis(60'000));
        agent.start();
        QTRY_VERIFY_WITH_TIMEOUT(agent.connection().isConnected(), kWait);
        auto p = pod("api", 1, 100);
        p.spec.deploy.waitForPort = port;
        master.pods.pods = {p};
        master.notifyUpdate();
        // The container runs, the port is closed: no "running" report yet.
        QTRY_VERIFY_WITH_TIMEOUT(runtime->snapshot().size() == 1 && !agent.supervisor().passRunning() &&
                                     runtime->snapshot().begin()->second.state == ObservedState::Running, kWait);
        QVERIFY(!master.lastReportOf(QStringLiteral("web/api"), 1).has_value());
        QTcpServer service;
        QVERIFY(service.listen(QHostAddress::LocalHost, port));
        QTRY_VERIFY_WITH_TIMEOUT(master.lastReportOf(QStringLiteral("web/api"), 1).has_value(), kWait);
        QCOMPARE(master.lastReportOf(QStringLiteral("web/api"), 1)->state, ObservedState::Running);
        QCOMPARE(master.reportsOf(QStringLiteral("web/api"), 1).size(), 1);
    }

    void pollsPodsPeriodically() {
        TestMaster master;
        QVERIFY(master.listen());
        AgentConfig c = configFor(master);
        c.timers.podPollInterval = Millis(100);
        Agent agent(c, std::make_shared<FakeRuntime>(), std::nullopt);
        agent.start();
        QTRY_VERIFY_WITH_TIMEOUT(master.podListRequests >= 3, kWait);
    }

    void newRevisionReportedAfterReconnect() {
        TestMaster master;
        QVERIFY(master.listen());
        auto runtime = std::make_shared<FakeRuntime>();
        Agent agent(configFor(master), runtime, std::nullopt);
        agent.start();
        QTRY_VERIFY_WITH_TIMEOUT(agent.connection().isConnected(), kWait);
        master.pods.pods = {pod("api", 1, 100)};
        master.notifyUpdate();
        QTRY_VERIFY_WITH_TIMEOUT(master.lastReportOf(QStringLiteral("web/api"), 1).has_value(), kWait);
        // A fresh master (reports lost) on reconnect: the agent resends nothing identical,
        // but a new deploy rev is reported on the new connection.
        master.pods.pods = {pod("api", 1, 300)};
        master.closeCurrent(1001);
        QTRY_VERIFY_WITH_TIMEOUT(master.handshakes.size() >= 2 && agent.connection().isConnected(), kWait);
        QTRY_VERIFY_WITH_TIMEOUT(master.lastReportOf(QStringLiteral("web/api"), 1)->rev == 300, kWait);
    }
};

QTEST_GUILESS_MAIN(TstAgentMaster)
#include "tst_agent_master.moc"
