// Several masters for real: three kontena-masters on one PostgreSQL (started
// by the test), two kontena-agents each on its own private dockerd, given
// all three masters' URLs. The leader is killed with SIGKILL during a stack
// deploy: another master takes over within the lease, the agents come back
// to it, the deploy completes, every write acknowledged before, during and
// after is stored, no instance ever runs on both engines, and the
// followers' copies show the nodes as their leader sees them. Reads and
// streams only the leader can answer go there; the containers' logs
// outlive the leader that was sent them.
#include <QFile>
#include <QProcess>
#include <QtTest>

#include <map>
#include <memory>
#include <set>

#include "client/stream.h"
#include "tests/docker/test_image.h"
#include "tests/ha/ha_client.h"
#include "tests/ha/postgres_harness.h"
#include "tests/master/platform_harness.h"

using namespace kontena::testing;

namespace {

const QString kGrid = QStringLiteral("ha");
constexpr int kInstances = 6;
constexpr int kLeaseMs = 2000;

// Names of the running containers of stack `web` on an engine.
QStringList running(const PrivateDockerd& d) { return runningContainersOfStack(d, QStringLiteral("web")); }

QString wsOf(const MasterProcess& m) { return m.wsUrl(); }

}  // namespace

class TestMasterHa : public QObject {
    Q_OBJECT
    QTemporaryDir dir_;
    PostgresServer pg_;
    EngineFixture engineA_, engineB_;
    std::vector<std::unique_ptr<MasterProcess>> masters_;
    std::unique_ptr<AgentProcess> agent1_, agent2_;
    HaClient api_;

    QString diagnose() {
        QString s = QStringLiteral("\nA: %1\nB: %2\n").arg(running(engineA_.dockerd).join(u','), running(engineB_.dockerd).join(u','));
        for (const auto& m : masters_) {
            const auto nodes = api_.once("GET", m->url() + QStringLiteral("/v1/grids/%1/nodes").arg(kGrid), {});
            s += QStringLiteral("---- master %1 (nodes: %2)\n%3\n").arg(m->url(), QString::fromUtf8(QJsonDocument(nodes.body).toJson(QJsonDocument::Compact)).left(1500), m->log().right(2500));
        }
        if (agent1_) s += QStringLiteral("---- agent 1\n") + agent1_->log(2000);
        if (agent2_) s += QStringLiteral("---- agent 2\n") + agent2_->log(2000);
        return s;
    }
    int onlineNodes(int first) {
        const auto a = api_.send("GET", QStringLiteral("/v1/grids/%1/nodes").arg(kGrid), {}, first, 3000);
        int online = 0;
        for (const auto& n : a.body.value(QStringLiteral("nodes")).toArray()) online += n.toObject().value(QStringLiteral("status")).toString() == QStringLiteral("online");
        return online;
    }
    // Online nodes as master `i` itself answers (a follower from its copy).
    int onlineNodesAt(int i) {
        const auto a = api_.once("GET", masters_[size_t(i)]->url() + QStringLiteral("/v1/grids/%1/nodes").arg(kGrid), {});
        int online = 0;
        for (const auto& n : a.body.value(QStringLiteral("nodes")).toArray()) online += n.toObject().value(QStringLiteral("status")).toString() == QStringLiteral("online");
        return online;
    }
    // Who leads, as master `i` sees it.
    QJsonObject leaderAt(int i) { return api_.once("GET", masters_[size_t(i)]->url() + QStringLiteral("/v1/grids/%1/leader").arg(kGrid), {}).body; }

private slots:
    void initTestCase() {
        if (PostgresServer::binDir().isEmpty()) QSKIP("no PostgreSQL server binaries (scripts/install-deps.sh installs postgresql)");
        QVERIFY(dir_.isValid());
        if (qEnvironmentVariableIsSet("KONTENA_KEEP_TEST_DIR")) dir_.setAutoRemove(false);
        const QString error = pg_.start(dir_.filePath(QStringLiteral("pg")));
        QVERIFY2(error.isEmpty(), qPrintable(error));
        if (QString e = engineA_.setUp(); !e.isEmpty()) QFAIL(qPrintable(e));
        if (QString e = engineB_.setUp(); !e.isEmpty()) QFAIL(qPrintable(e));
        for (int i = 0; i < 3; ++i) {
            masters_.push_back(std::make_unique<MasterProcess>(
                dir_.filePath(QStringLiteral("master-%1").arg(i)),
                QStringList{QStringLiteral("--store"), pg_.url(), QStringLiteral("--lease"), QString::number(kLeaseMs / 1000.0)}));
            QVERIFY2(masters_.back()->start(QStringLiteral("ha-code")), qPrintable(masters_.back()->log()));
            api_.masters << masters_.back()->url();
        }
    }

    void cleanupTestCase() {
        agent1_.reset();
        agent2_.reset();
        masters_.clear();
        for (EngineFixture* e : {&engineA_, &engineB_}) (void)e->dockerd.stop();
        pg_.stop();
    }

    // The grid is created on master 0, which leads it; the others follow,
    // redirect writes to it and send agents to it.
    void gridLedByOneFollowedByTwo() {
        const auto login = api_.send("POST", QStringLiteral("/v1/auth"), QJsonObject{{QStringLiteral("code"), QStringLiteral("ha-code")}});
        api_.token = login.body.value(QStringLiteral("access_token")).toString();
        QVERIFY2(!api_.token.isEmpty(), qPrintable(diagnose()));
        const auto created = api_.send("POST", QStringLiteral("/v1/grids"),
                                       QJsonObject{{QStringLiteral("name"), kGrid}, {QStringLiteral("initial_size"), 1}});
        QCOMPARE(created.status, 201);
        QVERIFY(leaderAt(0).value(QStringLiteral("leading")).toBool());
        for (int i : {1, 2}) {
            QVERIFY2(eventually([&] { return leaderAt(i).value(QStringLiteral("leader")).toString() == masters_[0]->url(); }, 5000), qPrintable(diagnose()));
        }
        QVERIFY(!leaderAt(1).value(QStringLiteral("leading")).toBool());
        QCOMPARE(leaderAt(1).value(QStringLiteral("term")).toInt(), 1);
        // A write on a follower: 307 to the same path on the leader; a read: served there.
        QByteArray location;
        const auto redirected = api_.once("POST", masters_[2]->url() + QStringLiteral("/v1/volumes/") + kGrid, "{\"name\":\"first\",\"scope\":\"grid\"}", &location);
        QCOMPARE(redirected.status, 307);
        QCOMPARE(QString::fromUtf8(location), masters_[0]->url() + QStringLiteral("/v1/volumes/") + kGrid);
        QCOMPARE(api_.once("GET", masters_[2]->url() + QStringLiteral("/v1/grids/") + kGrid, {}).status, 200);
        // Qt's default redirect policy (the one client/ and so the CLI use) follows it with method, body and token.
        {
            QNetworkAccessManager net;
            QNetworkRequest req{QUrl(masters_[2]->url() + QStringLiteral("/v1/volumes/") + kGrid)};
            req.setHeader(QNetworkRequest::ContentTypeHeader, QStringLiteral("application/json"));
            req.setRawHeader("Authorization", "Bearer " + api_.token.toLatin1());
            QNetworkReply* reply = net.post(req, QByteArray("{\"name\":\"followed\",\"scope\":\"grid\"}"));
            QVERIFY(QTest::qWaitFor([&] { return reply->isFinished(); }, 10000));
            QCOMPARE(reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 201);
            QCOMPARE(reply->url().port(), QUrl(masters_[0]->url()).port());
            reply->deleteLater();
        }

        const QString token = api_.send("GET", QStringLiteral("/v1/grids/%1/token").arg(kGrid)).body.value(QStringLiteral("token")).toString();
        QVERIFY(!token.isEmpty());
        // Followers first in the list: each agent is refused by one naming the leader.
        const QString urls = QStringList{wsOf(*masters_[1]), wsOf(*masters_[2]), wsOf(*masters_[0])}.join(u',');
        agent1_ = std::make_unique<AgentProcess>(QStringLiteral("node-1"), kGrid, engineA_.dockerd.dockerHost(), dir_.filePath(QStringLiteral("agent-1.log")));
        agent2_ = std::make_unique<AgentProcess>(QStringLiteral("node-2"), kGrid, engineB_.dockerd.dockerHost(), dir_.filePath(QStringLiteral("agent-2.log")));
        QVERIFY(agent1_->start(urls, token, {QStringLiteral("--dns"), QStringLiteral("off")}));
        QVERIFY(eventually([&] { return onlineNodes(0) == 1; }, 20000));   // node-1 first: the initial node
        QVERIFY(agent2_->start(urls, token, {QStringLiteral("--dns"), QStringLiteral("off")}));
        QVERIFY2(eventually([&] { return onlineNodes(0) == 2; }, 20000), qPrintable(diagnose()));
        QVERIFY2(agent1_->log(-1).contains(QLatin1String("not the leader of this grid; leader: ") + wsOf(*masters_[0])), qPrintable(agent1_->log()));
        // The followers' copies show the nodes as the leader sees them:
        // status, since when, the agents' version and addresses.
        const auto nodesAt = [&](int i) {
            std::map<QString, QJsonObject> out;
            const auto a = api_.once("GET", masters_[size_t(i)]->url() + QStringLiteral("/v1/grids/%1/nodes").arg(kGrid), {});
            for (const auto& n : a.body.value(QStringLiteral("nodes")).toArray()) {
                QJsonObject o = n.toObject();
                for (const char* local : {"last_seen_at", "mem_used", "load"}) o.remove(QLatin1String(local));   // the leader's alone
                out[o.value(QStringLiteral("name")).toString()] = o;
            }
            return out;
        };
        for (int i : {1, 2}) QVERIFY2(eventually([&] { return onlineNodesAt(i) == 2; }, 5000), qPrintable(diagnose()));
        const auto atLeader = nodesAt(0);
        QCOMPARE(int(atLeader.size()), 2);
        for (const auto& [name, n] : atLeader) {
            QVERIFY2(!n.value(QStringLiteral("agent_version")).toString().isEmpty() && !n.value(QStringLiteral("private_ip")).toString().isEmpty(),
                     QJsonDocument(n).toJson().constData());
        }
        for (int i : {1, 2}) {
            QVERIFY2(eventually([&] { return nodesAt(i) == atLeader; }, 5000),
                     qPrintable(QStringLiteral("master %1's nodes differ from the leader's:\n%2\n%3").arg(i).arg(
                         QString::fromUtf8(QJsonDocument(nodesAt(i).begin()->second).toJson()), QString::fromUtf8(QJsonDocument(atLeader.begin()->second).toJson()))));
        }
    }

    // What only the leader has (container logs, the event log, statistics,
    // service deploys; exec and followed logs) a follower sends there: a
    // REST read answers 307, a stream closes with 4050 naming the leader,
    // and the client library follows both.
    void followerSendsLeaderOnlyReadsAndStreams() {
        const QString leader = masters_[0]->url(), path = QStringLiteral("/v1/grids/%1/event_logs?limit=5").arg(kGrid);
        QByteArray location;
        QCOMPARE(api_.once("GET", masters_[2]->url() + path, {}, &location).status, 307);
        QCOMPARE(QString::fromUtf8(location), leader + path);
        QCOMPARE(api_.once("GET", masters_[2]->url() + QStringLiteral("/v1/nodes/%1/node-1/stats").arg(kGrid), {}, &location).status, 307);
        QCOMPARE(api_.once("GET", masters_[2]->url() + QStringLiteral("/v1/grids/%1/container_logs").arg(kGrid), {}, &location).status, 307);
        const auto followed = api_.send("GET", path, {}, 2);
        QCOMPARE(followed.status, 200);
        QCOMPARE(followed.by, leader + path);
        QCOMPARE(api_.once("GET", masters_[2]->url() + QStringLiteral("/v1/grids/%1/nodes").arg(kGrid), {}).status, 200);   // from its copy

        // The stream of followed logs, opened on follower 2: refused there, then open on the leader until we close it.
        const QString streamPath = QStringLiteral("/v1/grids/%1/container_logs?after=0").arg(kGrid);
        const QNetworkRequest request = kontena::client::streamRequest(masters_[2]->url(), streamPath, api_.token, QStringLiteral("tst_master_ha"));
        QList<int> openedOn;
        const auto end = kontena::client::runStream(
            request, [&](QWebSocket& ws) { openedOn << ws.requestUrl().port(); }, [](const QJsonObject&) { return true; },
            [](QWebSocket& ws) { QTimer::singleShot(1500, &ws, [&ws] { ws.close(); }); });
        QCOMPARE(openedOn, (QList<int>{QUrl(masters_[2]->url()).port(), QUrl(leader).port()}));
        QVERIFY2(end.closeCode != 4050, qPrintable(end.reason));
        // What the follower said, and where the library went from it.
        kontena::client::StreamEnd refused;
        refused.closeCode = 4050;
        refused.reason = QStringLiteral("not the leader of this grid; leader: ") + wsOf(*masters_[0]);
        const auto next = kontena::client::leaderOf(refused, request.url());
        QVERIFY(next);
        QCOMPARE(next->port(), QUrl(leader).port());
        QCOMPARE(next->path() + u'?' + next->query(), streamPath);
        refused.reason = QStringLiteral("not the leader of this grid; no leader at the moment");
        QVERIFY(!kontena::client::leaderOf(refused, request.url()));
        QUrl tls = request.url();
        tls.setScheme(QStringLiteral("wss"));
        refused.reason = QStringLiteral("not the leader of this grid; leader: ") + wsOf(*masters_[0]);
        QVERIFY(!kontena::client::leaderOf(refused, tls));   // never from wss to ws
    }

    // SIGKILL of the leader during a deploy of six instances.
    void killLeaderDuringDeploy() {
        const QString source = QStringLiteral("stack: ha/web\nservices:\n  app:\n    image: ") + kTestImage +
                               QStringLiteral("\n    instances: %1\n    command: sh -c 'while true; do echo tick; sleep 1; done'\n    stop_grace_period: 1s\n").arg(kInstances);
        std::set<QString> acked;   // volumes whose creation was acknowledged
        int serial = 0;
        auto writeVolume = [&](int first) {
            const QString name = QStringLiteral("v%1").arg(++serial);
            const auto a = api_.send("POST", QStringLiteral("/v1/volumes/") + kGrid,
                                     QJsonObject{{QStringLiteral("name"), name}, {QStringLiteral("scope"), QStringLiteral("grid")}}, first, 3000);
            if (a.status == 201) acked.insert(name);
            return a;
        };
        for (int i = 0; i < 5; ++i) {   // through the redirect
            const auto a = writeVolume(1);
            QVERIFY2(a.status == 201, qPrintable(QStringLiteral("%1 %2").arg(a.status).arg(QString::fromUtf8(QJsonDocument(a.body).toJson()))));
        }
        // Installing starts the deploy; the leader dies once its first instance runs (or 1.5 s).
        QCOMPARE(api_.send("POST", QStringLiteral("/v1/grids/%1/stacks").arg(kGrid), QJsonObject{{QStringLiteral("name"), QStringLiteral("web")},
                                                                                                  {QStringLiteral("source"), source}}).status, 201);
        eventually([&] { return !running(engineA_.dockerd).isEmpty() || !running(engineB_.dockerd).isEmpty(); }, 1500);
        const int before = running(engineA_.dockerd).size() + running(engineB_.dockerd).size();
        QElapsedTimer sinceKill;
        sinceKill.start();
        const QDateTime killedAt = QDateTime::currentDateTimeUtc();
        masters_[0]->kill9();
        qInfo("leader killed with %d of %d instances running", before, kInstances);

        // Until the deploy completed on the new leader: writes go on, the engines are watched.
        qint64 firstWriteMs = -1, agentsBackMs = -1;
        int samples = 0;
        bool done = false;
        while (!done && sinceKill.elapsed() < 45000) {
            const auto w = writeVolume(1 + serial % 2);
            if (w.status == 201 && firstWriteMs < 0) firstWriteMs = sinceKill.elapsed();
            QStringList all = running(engineA_.dockerd) + running(engineB_.dockerd);
            ++samples;
            const std::set<QString> unique(all.begin(), all.end());
            QVERIFY2(int(unique.size()) == all.size(), qPrintable(QStringLiteral("an instance runs twice: ") + all.join(u',') + diagnose()));
            QVERIFY2(all.size() <= kInstances, qPrintable(all.join(u',') + diagnose()));
            if (agentsBackMs < 0 && firstWriteMs >= 0 && onlineNodes(1) == 2) agentsBackMs = sinceKill.elapsed();
            done = agentsBackMs >= 0 && all.size() == kInstances;
        }
        QVERIFY2(done, qPrintable(diagnose()));
        qInfo("first write accepted %lld ms after the kill, both agents back after %lld ms, deploy complete after %lld ms (%d samples)",
              firstWriteMs, agentsBackMs, sinceKill.elapsed(), samples);
        QVERIFY2(firstWriteMs < kLeaseMs + 4000, qPrintable(diagnose()));   // within the lease, plus a round of polling

        // A new leader with the next term; every acknowledged write is there, on the leader and on the follower.
        const QJsonObject l1 = leaderAt(1), l2 = leaderAt(2);
        QVERIFY(l1.value(QStringLiteral("leading")).toBool() != l2.value(QStringLiteral("leading")).toBool());
        QCOMPARE(std::max(l1.value(QStringLiteral("term")).toInt(), l2.value(QStringLiteral("term")).toInt()), 2);
        const int follower = l1.value(QStringLiteral("leading")).toBool() ? 2 : 1;
        for (int at : {3 - follower, follower}) {
            QVERIFY2(eventually([&] {
                const auto vols = api_.once("GET", masters_[size_t(at)]->url() + QStringLiteral("/v1/volumes/") + kGrid, {});
                std::set<QString> found;
                for (const auto& v : vols.body.value(QStringLiteral("volumes")).toArray()) found.insert(v.toObject().value(QStringLiteral("name")).toString());
                for (const QString& name : acked) {
                    if (!found.count(name)) return false;
                }
                return true;
            }, 5000), qPrintable(QStringLiteral("acknowledged volumes missing at master %1").arg(at)));
        }
        // The new leader and its follower both show the two nodes online (the follower from the rows the leader wrote).
        for (int at : {1, 2}) QVERIFY2(eventually([&] { return onlineNodesAt(at) == 2; }, 5000), qPrintable(diagnose()));
        // The grid's event log from before the kill is at the new leader (read back from the store).
        const auto events = api_.send("GET", QStringLiteral("/v1/grids/%1/event_logs?limit=1000").arg(kGrid), {}, 1);
        QCOMPARE(events.status, 200);
        int earlier = 0;
        for (const auto& e : events.body.value(QStringLiteral("logs")).toArray())
            earlier += QDateTime::fromString(e.toObject().value(QStringLiteral("created_at")).toString(), Qt::ISODateWithMs) < killedAt.addMSecs(-500);
        QVERIFY2(earlier > 0, QJsonDocument(events.body).toJson().left(3000).constData());
        QVERIFY(api_.redirects > 0);
        qInfo("%zu acknowledged writes, %d redirects followed", acked.size(), api_.redirects);
        // The deploy stays complete: six, each once.
        QTest::qWait(1000);
        QStringList all = running(engineA_.dockerd) + running(engineB_.dockerd);
        QCOMPARE(int(all.size()), kInstances);
        QCOMPARE(int(std::set<QString>(all.begin(), all.end()).size()), kInstances);
    }

    // Containers' logs are in the shared store: the lines the leader was
    // sent are there at the next leader after a kill -9.
    void logsOutliveTheirLeader() {
        const QString path = QStringLiteral("/v1/grids/%1/container_logs?limit=1000").arg(kGrid);
        const auto linesAt = [&](const QJsonObject& body) {
            std::set<QString> lines;   // by what they are (each master numbers its own log from 1)
            for (const auto& v : body.value(QStringLiteral("logs")).toArray()) {
                const QJsonObject l = v.toObject();
                lines.insert(l.value(QStringLiteral("created_at")).toString() + u' ' + l.value(QStringLiteral("name")).toString() + u' ' +
                             l.value(QStringLiteral("data")).toString());
            }
            return lines;
        };
        std::set<QString> before;
        QString leaderUrl;
        QVERIFY2(eventually([&] {
            const auto a = api_.send("GET", path, {}, 1, 3000);
            before = linesAt(a.body);
            leaderUrl = a.by;
            return a.status == 200 && before.size() >= 6;
        }, 20000), qPrintable(QStringLiteral("%1 lines at the leader").arg(before.size()) + diagnose()));
        const int leader = QUrl(leaderUrl).port() == QUrl(masters_[1]->url()).port() ? 1 : 2;
        masters_[size_t(leader)]->kill9();
        qInfo("master %d (leading, %zu lines) killed", leader, before.size());
        std::set<QString> after;
        QVERIFY2(eventually([&] {
            const auto a = api_.once("GET", masters_[size_t(3 - leader)]->url() + path, {});
            after = linesAt(a.body);
            return a.status == 200 && std::includes(after.begin(), after.end(), before.begin(), before.end());
        }, 15000), qPrintable(QStringLiteral("%1 of %2 lines at the next leader").arg(after.size()).arg(before.size()) + diagnose()));
    }
};

QTEST_GUILESS_MAIN(TestMasterHa)
#include "tst_master_ha.moc"
