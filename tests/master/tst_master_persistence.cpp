// The master's grid rows (master/grid_persistence.h) against the real
// kontena-master process:
//  - kill -9 at random points during load (REST writes one after another
//    while agents connect and report): after each restart every
//    acknowledged write is there, every acknowledged removal is gone, and
//    every node whose agent connected a second before the kill is known
//    (agent changes are written within 200 ms);
//  - an old store (a grid as one document) is migrated to rows at the
//    first start, in one transaction, and reads back the same.
#include <QRandomGenerator>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QWebSocket>
#include <QtTest>

#include <signal.h>

#include <atomic>
#include <map>
#include <set>
#include <thread>

#include "master/store.h"
#include "protocol/handshake.h"
#include "protocol/messages.h"
#include "protocol/rpc.h"
#include "tests/master/api_client.h"
#include "tests/master/platform_harness.h"

using namespace kontena;
using namespace kontena::testing;

namespace {

const QString kGrid = QStringLiteral("g");

// What the test knows was acknowledged: stacks with their instance count, volumes.
struct Acked {
    std::map<QString, int> stacks;   // stack name -> instances of its one service
    std::set<QString> volumes;
    std::set<QString> removedStacks, removedVolumes;
};

QString stackSource(const QString& name, int instances) {
    return QStringLiteral("stack: t/%1\nservices:\n  app:\n    image: busybox:1\n    instances: %2\n").arg(name).arg(instances);
}

}  // namespace

class TestMasterPersistence : public QObject {
    Q_OBJECT

    QTemporaryDir dir_;
    ApiClient api_;
    QString token_;
    std::vector<std::unique_ptr<QWebSocket>> agents_;
    std::vector<std::pair<QString, qint64>> connectedAt_;   // node name, ms (steady clock of the test)
    QElapsedTimer clock_;

    bool login() {
        const Answer a = api_.send("POST", QStringLiteral("/v1/auth"), QString(), QJsonObject{{QStringLiteral("code"), QStringLiteral("code-1")}});
        token_ = a.body.value(QStringLiteral("access_token")).toString();
        return (a.status == 200 || a.status == 201) && !token_.isEmpty();
    }
    Answer call(const QByteArray& method, const QString& path, const QJsonObject& body = {}) {
        return api_.send(method, path, token_, body);
    }

    // An agent (this test speaking the protocol): handshake, then /nodes/update.
    void connectAgent(const QString& wsUrl, const QString& gridToken, const QString& name) {
        auto ws = std::make_unique<QWebSocket>();
        protocol::Handshake h;
        h.nodeId = QStringLiteral("id-") + name;
        h.nodeName = name;
        h.version = QStringLiteral("0.1.0");
        h.connectedAt = QDateTime::currentDateTimeUtc();
        h.token = gridToken;
        h.protocolVersion = protocol::kProtocolVersion;
        QNetworkRequest req{QUrl(wsUrl + QLatin1Char('/'))};
        for (const auto& [k, v] : protocol::toHeaders(h)) req.setRawHeader(k, v);
        QWebSocket* raw = ws.get();
        connect(raw, &QWebSocket::connected, raw, [this, raw, name, id = h.nodeId] {
            protocol::NodeUpdate u;
            u.nodeId = id;
            u.cpus = 2;
            u.memTotal = 4LL << 30;
            raw->sendTextMessage(QString::fromUtf8(protocol::encode(
                protocol::Frame::request(1, QString::fromLatin1(protocol::method::kNodesUpdate), protocol::params(protocol::toJson(u))))));
            connectedAt_.emplace_back(name, clock_.elapsed());
        });
        raw->open(req);
        agents_.push_back(std::move(ws));
    }

    // One random REST write; updates `acked` only when the master answered it.
    // `inFlight` names what the request touched (its outcome is unknown if killed).
    void randomWrite(Acked& acked, QString& inFlight, int& serial) {
        const int pick = QRandomGenerator::global()->bounded(10);
        if (pick < 4 || acked.stacks.empty()) {
            const QString name = QStringLiteral("s%1").arg(++serial);
            inFlight = QStringLiteral("stack:") + name;
            const Answer a = call("POST", QStringLiteral("/v1/grids/%1/stacks").arg(kGrid),
                                  QJsonObject{{QStringLiteral("name"), name}, {QStringLiteral("source"), stackSource(name, 2)}});
            if (a.status == 201) acked.stacks[name] = 2;
        } else if (pick < 7) {
            auto it = acked.stacks.begin();
            std::advance(it, QRandomGenerator::global()->bounded(int(acked.stacks.size())));
            const int n = 1 + QRandomGenerator::global()->bounded(6);
            inFlight = QStringLiteral("stack:") + it->first;
            const Answer a = call("POST", QStringLiteral("/v1/services/%1/%2/app/scale").arg(kGrid, it->first), QJsonObject{{QStringLiteral("instances"), n}});
            if (a.status == 200 || a.status == 201) it->second = n;
        } else if (pick < 8) {
            const QString name = acked.stacks.begin()->first;
            inFlight = QStringLiteral("stack:") + name;
            const Answer a = call("DELETE", QStringLiteral("/v1/stacks/%1/%2").arg(kGrid, name));
            if (a.status == 200) {
                acked.stacks.erase(name);
                acked.removedStacks.insert(name);
            }
        } else {
            const QString name = QStringLiteral("v%1").arg(++serial);
            inFlight = QStringLiteral("volume:") + name;
            const Answer a = call("POST", QStringLiteral("/v1/volumes/%1").arg(kGrid),
                                  QJsonObject{{QStringLiteral("name"), name}, {QStringLiteral("scope"), QStringLiteral("grid")}});
            if (a.status == 201) acked.volumes.insert(name);
        }
    }

    // After a restart: every acknowledged write is there (the one in flight
    // when the master died may have gone either way: the test learns it).
    void verify(Acked& acked, const QString& inFlight) {
        const Answer stacks = call("GET", QStringLiteral("/v1/grids/%1/services").arg(kGrid));
        QCOMPARE(stacks.status, 200);
        std::map<QString, int> found;
        for (const auto& v : stacks.body.value(QStringLiteral("services")).toArray()) {
            const QJsonObject s = v.toObject();
            found[s.value(QStringLiteral("stack")).toString()] = s.value(QStringLiteral("instances")).toInt();
        }
        const QString flightStack = inFlight.startsWith(QStringLiteral("stack:")) ? inFlight.mid(6) : QString();
        for (const auto& [name, n] : acked.stacks) {
            if (name == flightStack) continue;
            QVERIFY2(found.count(name), qPrintable(QStringLiteral("acknowledged stack %1 lost").arg(name)));
            QVERIFY2(found[name] == n, qPrintable(QStringLiteral("stack %1: %2 instances, acknowledged %3").arg(name).arg(found[name]).arg(n)));
        }
        for (const QString& name : acked.removedStacks) {
            if (name != flightStack) QVERIFY2(!found.count(name), qPrintable(QStringLiteral("removed stack %1 is back").arg(name)));
        }
        // The one in flight: whatever the master stored is now what counts.
        if (!flightStack.isEmpty()) {
            if (found.count(flightStack)) acked.stacks[flightStack] = found[flightStack];
            else acked.stacks.erase(flightStack);
        }
        const Answer vols = call("GET", QStringLiteral("/v1/volumes/%1").arg(kGrid));
        std::set<QString> volumes;
        for (const auto& v : vols.body.value(QStringLiteral("volumes")).toArray()) volumes.insert(v.toObject().value(QStringLiteral("name")).toString());
        for (const QString& name : acked.volumes) QVERIFY2(volumes.count(name), qPrintable(QStringLiteral("acknowledged volume %1 lost").arg(name)));
        if (inFlight.startsWith(QStringLiteral("volume:")) && volumes.count(inFlight.mid(7))) acked.volumes.insert(inFlight.mid(7));
    }

    // Nodes whose agent connected at least `marginMs` before `killedAt` are known.
    void verifyNodes(qint64 killedAt, qint64 marginMs) {
        const Answer nodes = call("GET", QStringLiteral("/v1/grids/%1/nodes").arg(kGrid));
        std::set<QString> known;
        for (const auto& v : nodes.body.value(QStringLiteral("nodes")).toArray()) known.insert(v.toObject().value(QStringLiteral("name")).toString());
        for (const auto& [name, at] : connectedAt_) {
            if (at + marginMs <= killedAt) QVERIFY2(known.count(name), qPrintable(QStringLiteral("node %1 (connected %2 ms before the kill) lost").arg(name).arg(killedAt - at)));
        }
    }

private slots:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        clock_.start();
    }

    void killNineDuringLoadLosesNothingAcknowledged() {
        MasterProcess master(dir_.filePath(QStringLiteral("kill")));
        QVERIFY2(master.start(QStringLiteral("code-1")), qPrintable(master.log()));
        api_.url = master.url();
        QVERIFY(login());
        QCOMPARE(call("POST", QStringLiteral("/v1/grids"), QJsonObject{{QStringLiteral("name"), kGrid}, {QStringLiteral("initial_size"), 1}}).status, 201);
        const QString gridToken = call("GET", QStringLiteral("/v1/grids/%1/token").arg(kGrid)).body.value(QStringLiteral("token")).toString();
        QVERIFY(!gridToken.isEmpty());
        Acked acked;
        int serial = 0, node = 0, writes = 0;
        const int rounds = 12;
        for (int round = 0; round < rounds; ++round) {
            // Agents (re)connect: the ones of earlier rounds and two new ones.
            agents_.clear();
            for (int i = 0; i < node; ++i) connectAgent(master.wsUrl(), gridToken, QStringLiteral("n%1").arg(i));
            for (int k = 0; k < 2; ++k, ++node) connectAgent(master.wsUrl(), gridToken, QStringLiteral("n%1").arg(node));
            // The kill comes at a random moment while writes go on.
            const auto delay = std::chrono::milliseconds(300 + QRandomGenerator::global()->bounded(1500));
            const pid_t pid = static_cast<pid_t>(master.pid());
            std::atomic<qint64> killedAt{0};
            std::thread killer([&] {
                std::this_thread::sleep_for(delay);
                ::kill(pid, SIGKILL);
                killedAt = clock_.elapsed();
            });
            QString inFlight;
            while (killedAt == 0) {
                randomWrite(acked, inFlight, serial);
                ++writes;
            }
            killer.join();
            master.kill9();   // reaps it
            agents_.clear();
            QVERIFY2(master.start(QStringLiteral("code-1")), qPrintable(master.log()));
            verify(acked, inFlight);
            if (QTest::currentTestFailed()) return;
            verifyNodes(killedAt, 1000);
            if (QTest::currentTestFailed()) return;
        }
        qInfo("%d kills, %d writes, %zu stacks and %zu volumes acknowledged, %d nodes", rounds, writes, acked.stacks.size(), acked.volumes.size(), node);
        QVERIFY(acked.stacks.size() + acked.volumes.size() > 10);
    }

    // A store from before rows: the grid as one document is migrated at the
    // first start (the document goes in the same transaction) and reads back.
    void oldSingleDocumentIsMigrated() {
        const QString data = dir_.filePath(QStringLiteral("legacy"));
        {
            master::Store store;
            QString error;
            QVERIFY2(store.open(data, &error), qPrintable(error));
            const QJsonObject doc = QJsonDocument::fromJson(R"({
              "name": "old", "token": "old-grid-token", "created_at": 1700000000000, "initial_size": 1, "max_nodes": 254,
              "default_affinity": [], "settings": {}, "oneshot_hooks": {}, "forwarded_line_id": 0,
              "stack_docs": {"web": {"source": "stack: t/web\nservices: {}\n", "stack": "t/web", "version": "1.0.0", "variables": {}}},
              "state": {"next_deploy_id": 7, "next_rev": 1,
                "nodes": [{"name": "n1", "node_id": "id-n1", "number": 1, "labels": ["az=a"], "availability": "active", "cpus": 2, "memory": 4294967296}],
                "services": [], "instances": [], "stacks": [{"name": "web", "services": [], "depends_on": [], "revision": 1}],
                "volumes": [{"name": "data", "scope": "grid", "driver": "local", "driver_opts": {}, "created_at": "2026-01-01T00:00:00.000Z"}]}
            })").object();
            QVERIFY(store.put(QStringLiteral("grid"), QStringLiteral("old"), doc));
        }
        MasterProcess master(data);
        QVERIFY2(master.start(QStringLiteral("code-1")), qPrintable(master.log()));
        api_.url = master.url();
        QVERIFY(login());
        for (int run = 0; run < 2; ++run) {   // after the migration, and after kill -9 on rows alone
            const Answer nodes = call("GET", QStringLiteral("/v1/grids/old/nodes"));
            QCOMPARE(nodes.status, 200);
            const QJsonArray list = nodes.body.value(QStringLiteral("nodes")).toArray();
            QCOMPARE(list.size(), 1);
            QCOMPARE(list.first().toObject().value(QStringLiteral("name")).toString(), QStringLiteral("n1"));
            QCOMPARE(call("GET", QStringLiteral("/v1/volumes/old/data")).status, 200);
            const Answer stack = call("GET", QStringLiteral("/v1/stacks/old/web"));
            QCOMPARE(stack.status, 200);
            QCOMPARE(stack.body.value(QStringLiteral("version")).toString(), QStringLiteral("1.0.0"));
            QCOMPARE(call("GET", QStringLiteral("/v1/grids/old/token")).body.value(QStringLiteral("token")).toString(), QStringLiteral("old-grid-token"));
            master.kill9();
            {
                master::Store store;
                QString error;
                QVERIFY2(store.open(data, &error), qPrintable(error));
                QVERIFY2(store.all(QStringLiteral("grid")).isEmpty(), "the old document is still there");
                const auto rows = store.gridRows();
                QCOMPARE(int(rows.count(QStringLiteral("old"))), 1);
                std::set<QString> kinds;
                for (const auto& r : rows.at(QStringLiteral("old"))) kinds.insert(r.kind);
                QVERIFY(kinds.count(QStringLiteral("grid")) && kinds.count(QStringLiteral("node")) && kinds.count(QStringLiteral("volume")) &&
                        kinds.count(QStringLiteral("stack")) && kinds.count(QStringLiteral("stack_doc")));
            }
            QVERIFY2(master.start(QStringLiteral("code-1")), qPrintable(master.log()));
        }
    }
};

QTEST_GUILESS_MAIN(TestMasterPersistence)
#include "tst_master_persistence.moc"
