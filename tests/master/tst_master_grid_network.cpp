// The grid network between the master and its agents (issue 15), with a
// real master in process and real agents (in-memory container runtime):
//  * peers: every agent's node info lists the grid's nodes with the
//    private address each reported, its overlay address and whether it is
//    an initial node; a node joining or being removed updates every agent;
//    the node API shows each node's private and overlay address;
//  * etcd: agents of the three initial nodes run real etcd members
//    (etcd-server) on 127.X.Y.N; the master's quorum comes from their
//    reports and agrees with what etcd itself says as members freeze
//    (SIGSTOP) and thaw; without quorum a stack deploy is refused;
//  * DNS: the addresses the agents report for their containers become the
//    records every node gets (/agent/dns_records), with the instance's node;
//  * restart: the master reads the agents' addresses and versions back from
//    the store, so the first agent back gets every peer, and the grid's
//    event log.
#include <QJsonArray>
#include <QJsonDocument>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QTemporaryDir>
#include <QtTest>

#include <csignal>

#include "agent/agent.h"
#include "agent/version.h"
#include "master/agent_sessions.h"
#include "master/api_server.h"
#include "master/grid_runtime.h"
#include "tests/agent/fake_runtime.h"

using namespace kontena;
using namespace Qt::StringLiterals;

namespace {

constexpr int kWait = 30000;
const auto kSubnet = QStringLiteral("127.81.0.0/16");   // the grids' overlay subnet: loopback, data only

QByteArray json(const QJsonObject& o) { return QJsonDocument(o).toJson(QJsonDocument::Compact); }

const char* kStack = "stack: test/web\nversion: 1.0.0\nservices:\n  app:\n    image: busybox:1\n    instances: 3\n";

}  // namespace

class TestMasterGridNetwork : public QObject {
    Q_OBJECT
    QTemporaryDir dir_;
    std::unique_ptr<master::Master> master_;
    QNetworkAccessManager net_;
    QString url_, admin_;
    std::map<QString, std::unique_ptr<agentd::Agent>> agents_;
    QString etcdNet_;   // "127.X.Y." of this run's etcd members

    QJsonObject send(const QByteArray& method, const QString& path, const QByteArray& body = {}) {
        QNetworkRequest req(QUrl(url_ + path));
        req.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
        if (!admin_.isEmpty()) req.setRawHeader("Authorization", "Bearer " + admin_.toUtf8());
        QNetworkReply* reply = net_.sendCustomRequest(req, method, body);
        QEventLoop loop;
        connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
        loop.exec();
        const QJsonObject o = QJsonDocument::fromJson(reply->readAll()).object();
        reply->deleteLater();
        return o;
    }

    master::GridRuntime* grid(const QString& name) { return master_->grid(name); }

    // A master on the test's data directory (again: a restart), listening on a free loopback port.
    void startMaster() {
        master_ = std::make_unique<master::Master>();
        QString code, error;
        QVERIFY2(master_->open(dir_.path(), u"admin-code"_s, &code, &error), qPrintable(error));
        const quint16 port = master_->listen(QHostAddress::LocalHost, 0);
        QVERIFY(port);
        url_ = u"http://127.0.0.1:%1"_s.arg(port);
    }

    agentd::Agent& join(const QString& grid, const QString& node, const QString& privateIp, bool etcd = false) {
        const QString token = send("GET", u"/v1/grids/"_s + grid + u"/token"_s).value(u"token"_s).toString();
        agentd::AgentConfig c;
        c.masterUrl = QUrl(QString(url_).replace(u"http:"_s, u"ws:"_s));
        c.token = token;
        c.nodeId = u"ID:"_s + node;
        c.nodeName = node;
        c.grid = grid;
        c.version = QString::fromLatin1(agentd::kAgentVersion);
        c.privateIp = privateIp;
        c.dataDir = dir_.filePath(grid + u"-"_s + node);
        // No overlay device: the grids' subnet is loopback (127.81.0.0/16), and
        // its addresses below are what the master computes from it, compared
        // as data; nothing is sent to them.
        c.overlay.enabled = false;
        c.etcd.enabled = etcd;
        c.etcd.addressPattern = etcdNet_ + u"%n"_s;
        c.etcd.checkInterval = agentd::Millis(300);
        c.timers.reconnectDelay = [](int) { return agentd::Millis(100); };
        auto& a = agents_[grid + u"/"_s + node];
        a = std::make_unique<agentd::Agent>(c, std::make_shared<testing::FakeRuntime>(), std::nullopt);
        a->start();
        return *a;
    }

    static QStringList peerSummary(const agentd::Agent& a) {
        QStringList out;
        if (!a.nodeInfo()) return out;
        for (const auto& p : a.nodeInfo()->peers)
            out << u"%1 %2 %3 %4"_s.arg(p.number).arg(p.underlay, p.overlayIp, p.initial ? u"initial"_s : u"-"_s);
        return out;
    }

    // What etcd itself says on every running member (the one a frozen member cannot answer).
    bool masterAgreesWithEtcd(master::GridRuntime* g, const QStringList& nodes, bool quorum) {
        if (g->state().quorum != quorum) return false;
        for (const QString& n : nodes) {
            const auto h = g->agents().etcdHealth(n.toStdString());
            if (!h || !h->member || h->quorum != quorum) return false;
        }
        return true;
    }

private slots:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        etcdNet_ = u"127.%1.%2."_s.arg(100 + QCoreApplication::applicationPid() % 100).arg(QCoreApplication::applicationPid() % 250 + 1);
        startMaster();
        if (QTest::currentTestFailed()) return;
        admin_ = send("POST", u"/v1/auth"_s, json({{u"code"_s, u"admin-code"_s}})).value(u"access_token"_s).toString();
        QVERIFY(!admin_.isEmpty());
    }

    void cleanupTestCase() {
        agents_.clear();
        master_.reset();
    }

    void peersFollowTheGrid() {
        send("POST", u"/v1/grids"_s, json({{u"name"_s, u"peers"_s}, {u"initial_size"_s, 2}, {u"subnet"_s, kSubnet}}));
        QVERIFY(grid(u"peers"_s));
        QCOMPARE(send("GET", u"/v1/grids/peers"_s).value(u"subnet"_s).toString(), kSubnet);
        auto& n1 = join(u"peers"_s, u"n1"_s, u"127.0.2.11"_s);
        QTRY_VERIFY_WITH_TIMEOUT(n1.nodeInfo() && n1.nodeInfo()->peers.size() == 1, kWait);
        auto& n2 = join(u"peers"_s, u"n2"_s, u"127.0.2.12"_s);
        auto& n3 = join(u"peers"_s, u"n3"_s, u"127.0.2.13"_s);
        const QStringList three{u"1 127.0.2.11 127.81.0.1 initial"_s, u"2 127.0.2.12 127.81.0.2 initial"_s, u"3 127.0.2.13 127.81.0.3 -"_s};
        for (auto* a : {&n1, &n2, &n3}) QTRY_COMPARE_WITH_TIMEOUT(peerSummary(*a), three, kWait);
        QCOMPARE(n2.nodeInfo()->overlayIp, u"127.81.0.2"_s);
        QCOMPARE(n2.nodeInfo()->initialSize, 2);
        QCOMPARE(n2.nodeInfo()->peerIps, (QStringList{u"127.0.2.11"_s, u"127.0.2.13"_s}));
        QVERIFY(n2.nodeInfo()->initialMember);
        QVERIFY(!n3.nodeInfo()->initialMember);
        // The node API shows the same addresses (Kontena's `node show`).
        const QJsonObject shown = send("GET", u"/v1/nodes/peers/n2"_s);
        QCOMPARE(shown.value(u"private_ip"_s).toString(), u"127.0.2.12"_s);
        QCOMPARE(shown.value(u"public_ip"_s).toString(), u"127.0.2.12"_s);   // none reported: the private one
        QCOMPARE(shown.value(u"overlay_ip"_s).toString(), u"127.81.0.2"_s);

        // n3 goes and is removed: the others drop it.
        agents_.erase(u"peers/n3"_s);
        QTRY_VERIFY_WITH_TIMEOUT(!grid(u"peers"_s)->state().node("n3")->connected, kWait);
        const auto removed = grid(u"peers"_s)->apply(ev::NodeRemove{"n3"});
        QVERIFY2(!removed.refused, removed.refused ? removed.refused->message.c_str() : "");
        const QStringList two{three[0], three[1]};
        for (auto* a : {&n1, &n2}) QTRY_COMPARE_WITH_TIMEOUT(peerSummary(*a), two, kWait);
        agents_.clear();
    }

    void etcdQuorumFromEtcdItself() {
        send("POST", u"/v1/grids"_s, json({{u"name"_s, u"quorum"_s}, {u"initial_size"_s, 3}, {u"subnet"_s, kSubnet}}));
        master::GridRuntime* g = grid(u"quorum"_s);
        QVERIFY(g);
        const QStringList nodes{u"n1"_s, u"n2"_s, u"n3"_s};
        std::vector<agentd::Agent*> agents;
        for (int i = 0; i < 3; ++i) agents.push_back(&join(u"quorum"_s, nodes[i], u"127.0.2.%1"_s.arg(21 + i), true));
        // Each initial node runs its member; they form one cluster and say so.
        QTRY_VERIFY_WITH_TIMEOUT(masterAgreesWithEtcd(g, nodes, true), kWait);
        for (auto* a : agents) {
            QVERIFY(a->etcd()->running());
            // Containers "run" at 127.81.128.<10 + instance number> (the next test reads the records).
            a->supervisor().setAddressLookup([](const QString& name) { return u"127.81.128.%1"_s.arg(name.right(1).toInt() + 10); });
        }
        QCOMPARE(g->agents().etcdHealth("n1")->leader, g->agents().etcdHealth("n2")->leader);

        // One member frozen: it answers nobody, 2 of 3 keep the quorum (the core: 2 >= 2).
        const qint64 pid3 = agents[2]->etcd()->pid();
        QVERIFY(pid3 > 0);
        ::kill(pid_t(pid3), SIGSTOP);
        QTRY_VERIFY_WITH_TIMEOUT(!g->state().node("n3")->etcdHealthy, kWait);
        // (if it led, the other two elect a new leader first: up to an election timeout)
        QTRY_VERIFY_WITH_TIMEOUT(masterAgreesWithEtcd(g, {u"n1"_s, u"n2"_s}, true), kWait);

        // A second one: etcd has no quorum (reads hang), the core says the same, deploys are refused.
        const qint64 pid2 = agents[1]->etcd()->pid();
        ::kill(pid_t(pid2), SIGSTOP);
        QTRY_VERIFY_WITH_TIMEOUT(masterAgreesWithEtcd(g, {u"n1"_s}, false), kWait);
        QString diagnostics;
        const auto refused = g->applyStack(u"web"_s, QString::fromLatin1(kStack), {}, true, &diagnostics);
        QVERIFY(refused.refused);
        QCOMPARE(int(refused.refused->kind), int(RefusalKind::NoQuorum));
        QVERIFY2(refused.refused->message.find("etcd has no quorum (1 of 3") != std::string::npos, refused.refused->message.c_str());

        // Thawed: quorum returns on both sides, the deploy goes through.
        ::kill(pid_t(pid2), SIGCONT);
        ::kill(pid_t(pid3), SIGCONT);
        QTRY_VERIFY_WITH_TIMEOUT(masterAgreesWithEtcd(g, nodes, true), kWait);
        const auto deployed = g->applyStack(u"web"_s, QString::fromLatin1(kStack), {}, true, &diagnostics);
        QVERIFY2(!deployed.refused, deployed.refused ? deployed.refused->message.c_str() : qPrintable(diagnostics));
    }

    // Instances' addresses from their agents become every node's records.
    void dnsRecordsFromTheAgents() {
        master::GridRuntime* g = grid(u"quorum"_s);
        QVERIFY(g);
        QTRY_COMPARE_WITH_TIMEOUT(g->agents().dnsRecords().endpoints.size(), 3, kWait);
        QStringList seen;
        for (const auto& e : g->agents().dnsRecords().endpoints) {
            QCOMPARE(e.stack, u"web"_s);
            QCOMPARE(e.service, u"app"_s);
            QCOMPARE(e.address, u"127.81.128.%1"_s.arg(e.number + 10));
            const Instance* inst = g->state().instance("web/app", e.number);
            QVERIFY(inst && inst->node);
            QCOMPARE(e.node, QString::fromStdString(*inst->node));
            seen << e.node;
        }
        seen.sort();
        QCOMPARE(seen, (QStringList{u"n1"_s, u"n2"_s, u"n3"_s}));   // ha: one per node
        QCOMPARE(g->agents().dnsRecords().etcdMembers.size(), 3);

        // Scaled down: the names of the instances that went leave the records.
        QVERIFY(!g->apply(ev::ServiceScale{"web/app", 1}).refused);
        QTRY_COMPARE_WITH_TIMEOUT(g->agents().dnsRecords().endpoints.size(), 1, kWait);
        QCOMPARE(g->agents().dnsRecords().endpoints.first().number, 1);
    }

    // A master restarted knows every node's agent from the store (its
    // addresses and version): the first agent back gets the whole peer list,
    // not just the nodes already back (which would take the others off its
    // overlay until they returned), and the API shows an offline node's
    // addresses and last agent version.
    void agentsKnownAcrossARestart() {
        agents_.clear();
        send("POST", u"/v1/grids"_s, json({{u"name"_s, u"again"_s}, {u"initial_size"_s, 1}, {u"subnet"_s, kSubnet}}));
        auto& n1 = join(u"again"_s, u"n1"_s, u"127.0.3.11"_s);
        auto& n2 = join(u"again"_s, u"n2"_s, u"127.0.3.12"_s);
        const QStringList both{u"1 127.0.3.11 127.81.0.1 initial"_s, u"2 127.0.3.12 127.81.0.2 -"_s};
        for (auto* a : {&n1, &n2}) QTRY_COMPARE_WITH_TIMEOUT(peerSummary(*a), both, kWait);
        QTRY_COMPARE_WITH_TIMEOUT(send("GET", u"/v1/nodes/again/n2"_s).value(u"agent_version"_s).toString(), QString::fromLatin1(agentd::kAgentVersion), kWait);
        QTest::qWait(500);   // the rows' group commit (200 ms)

        agents_.clear();
        master_.reset();
        startMaster();
        if (QTest::currentTestFailed()) return;
        const QJsonObject shown = send("GET", u"/v1/nodes/again/n2"_s);
        QCOMPARE(shown.value(u"status"_s).toString(), u"offline"_s);
        QCOMPARE(shown.value(u"private_ip"_s).toString(), u"127.0.3.12"_s);
        QCOMPARE(shown.value(u"agent_version"_s).toString(), QString::fromLatin1(agentd::kAgentVersion));
        // The grid's event log from before the restart is read back.
        QStringList subjects;
        for (const auto& e : send("GET", u"/v1/grids/again/event_logs?limit=100"_s).value(u"logs"_s).toArray())
            subjects << e.toObject().value(u"subject"_s).toString();
        QVERIFY2(subjects.contains(u"n2"_s), qPrintable(subjects.join(u',')));
        auto& back = join(u"again"_s, u"n1"_s, u"127.0.3.11"_s);
        QTRY_COMPARE_WITH_TIMEOUT(peerSummary(back), both, kWait);
    }
};

QTEST_MAIN(TestMasterGridNetwork)
#include "tst_master_grid_network.moc"
