// The grid network for real (issue 15): three nodes, each a network
// namespace of the test's own with its own private dockerd and a
// kontena-agent running inside it (--etcd on --overlay on, dnsmasq on its
// Docker bridge); kontena-master lives in the underlay namespace, so the
// agents reach it across the underlay like real nodes. Through the CLI:
//  * the three initial nodes form one real etcd cluster over the overlay;
//  * a stack whose `web` (pinned to n1) fetches from
//    db.<stack>.<grid>.kontena.local (pinned to n2): the name resolves on
//    n1 to db's grid address, and the bytes cross the VXLAN overlay;
//  * addresses come from IPAM in etcd: all distinct, in the pool;
//  * one etcd member frozen: quorum kept (2 of 3, as the core says); a
//    second: no quorum in etcd and in the master, a new deploy refused with
//    the core's message, the running web still fetches from db; thawed:
//    quorum back;
//  * a load balancer on the overlay (issue 16): `kontena/lb` on n3, three
//    web instances on n1 and n2; requests through the LB reach all three
//    at their grid addresses across VXLAN; one instance killed leaves the
//    pool and comes back, and a client loop on n3 sees no failed request.
//  * a multi-service stack with names, in the manner of the corpus's
//    wordpress-cluster: `app` (ha, one instance per node) reaches `db` by
//    its short name and etcd by etcd.kontena.local; `app` and `app-N`
//    answer with the instances' overlay addresses on every node;
//  * a node lost (agent killed, its underlay link cut): after the ha
//    offline grace its app instance runs on another node, and the names
//    answer with the new overlay address, never the lost one, from
//    containers on both remaining nodes; the wp stack then runs across two
//    namespace nodes.
// Master and agents run at --time-scale 0.1 (issue 20): the re-scheduler
// passes every 2 s; the grid's keepalive is 3 s and its ha grace 4 s.
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QSet>
#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>
#include <QtTest>

#include <csignal>

#include "tests/docker/dockerd_harness.h"
#include "tests/e2e/http_probe.h"
#include "tests/master/platform_harness.h"
#include "tests/overlay/netns_nodes.h"

using namespace kontena::testing;
using namespace Qt::StringLiterals;

namespace {

constexpr int kNodes = 3;
constexpr char kImage[] = "kontena-test/net:1";
// busybox httpd serving its instance's name, so a fetch says who answered.
constexpr char kCmd[] =
    R"(["/bin/sh","-c","mkdir -p /www && echo $KONTENA_SERVICE_NAME-$KONTENA_SERVICE_INSTANCE_NUMBER > /www/index.html && exec httpd -f -p 80 -h /www"])";

// wordpress-cluster's shape: the app reaches the database by its short
// name (WORDPRESS_DB_HOST=mariadb-lb there) and etcd by etcd.kontena.local
// (galera's DISCOVERY_SERVICE); db stays off n3, the node the test loses.
QString wpStackFile() {
    return QStringLiteral(
        "stack: test/wp\nversion: 1.0.0\nservices:\n"
        "  db:\n    image: %1\n    affinity:\n      - node!=n3\n"
        "  app:\n    image: %1\n    instances: 3\n    deploy:\n      strategy: ha\n"
        "    links:\n      - db\n    environment:\n      - DB_HOST=db\n      - DISCOVERY_SERVICE=etcd.kontena.local:2379\n")
        .arg(QLatin1String(kImage));
}

QString stackFile() {
    return QStringLiteral(
        "stack: test/net\nversion: 1.0.0\nservices:\n"
        "  db:\n    image: %1\n    affinity:\n      - node==n2\n"
        "  web:\n    image: %1\n    affinity:\n      - node==n1\n")
        .arg(QLatin1String(kImage));
}

// The load-balanced stack: the LB on n3, web on the other nodes. A web
// restarted after a crash waits 3 s before it listens (wait_for_port keeps it
// out of the pool meanwhile), so its time out of the pool can be seen.
constexpr char kLbStatsPassword[] = "Stats-Pass-Lark-2291";
QString lbStackFile(int httpPort, int statsPort) {
    return QStringLiteral(
        "stack: test/lbx\nversion: 1.0.0\nservices:\n"
        "  lb:\n    image: kontena/lb:latest\n    affinity:\n      - node==n3\n"
        "    ports:\n      - \"%2:80\"\n      - \"%3:1000\"\n    environment:\n      - STATS_PASSWORD=%4\n"
        "  web:\n    image: %1\n    instances: 3\n    stop_grace_period: 1s\n    affinity:\n      - node!=n3\n"
        "    command: sh -c 'mkdir -p /www; [ -f /www/index.html ] && sleep 3; env | sed -n s/^KONTENA_SERVICE_INSTANCE_NUMBER=/web-/p"
        " > /www/index.html; exec httpd -f -p 8080 -h /www'\n"
        "    deploy:\n      wait_for_port: 8080\n    links:\n      - lb\n"
        "    environment:\n      - KONTENA_LB_INTERNAL_PORT=8080\n      - KONTENA_LB_VIRTUAL_HOSTS=web.lbx.test\n")
        .arg(QLatin1String(kImage))
        .arg(httpPort)
        .arg(statsPort)
        .arg(QLatin1String(kLbStatsPassword));
}

// A script that runs `program` inside network namespace `ns` (same pid: exec all the way).
QString wrapper(const QString& dir, const QString& name, const std::string& ns, const QString& program, const QString& extra = {}) {
    const QString path = dir + u'/' + name;
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly)) return {};
    f.write(QStringLiteral("#!/bin/sh\nexec ip netns exec %1 %2 \"$@\" %3\n").arg(QString::fromStdString(ns), program, extra).toUtf8());
    f.close();
    f.setPermissions(QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
    return path;
}

// `docker <args>` against one private engine; stdout (stderr appended on failure).
QString docker(const PrivateDockerd& d, const QStringList& args, int* exit = nullptr) {
    QProcess p;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(u"DOCKER_HOST"_s, d.dockerHost());
    p.setProcessEnvironment(env);
    p.start(u"docker"_s, args);
    p.waitForFinished(20000);
    if (exit) *exit = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    return QString::fromUtf8(p.readAllStandardOutput()).trimmed();
}

// The pids of etcd members whose data dir is under `root`, by member name.
qint64 etcdPid(const QString& root, int number) {
    const QString name = u"--name=node-%1"_s.arg(number);
    for (const QString& pid : QDir(u"/proc"_s).entryList(QDir::Dirs)) {
        QFile cmd(u"/proc/"_s + pid + u"/cmdline"_s);
        if (!cmd.open(QIODevice::ReadOnly)) continue;
        const QList<QByteArray> args = cmd.readAll().split('\0');
        bool named = false, ours = false;
        for (const QByteArray& a : args) {
            named = named || QString::fromUtf8(a) == name;
            ours = ours || (a.startsWith("--data-dir=") && QString::fromUtf8(a).contains(root));
        }
        if (named && ours && args.value(0).endsWith("etcd")) return pid.toLongLong();
    }
    return 0;
}

}  // namespace

class TestE2eNetwork : public QObject {
    Q_OBJECT
    QTemporaryDir dir_;
    std::unique_ptr<NetnsNodes> nodes_;
    std::vector<std::unique_ptr<PrivateDockerd>> engines_;
    std::unique_ptr<MasterProcess> master_;
    std::unique_ptr<Cli> cli_;
    std::vector<std::unique_ptr<AgentProcess>> agents_;
    QElapsedTimer sinceAgents_;   // since the agents were started (initTestCase)
    quint16 port_ = 0;
    QString agentBin_;

    CliResult kontena(const QStringList& args) { return cli_->run(args); }
    QJsonObject gridEtcd() { return kontena({u"grid"_s, u"show"_s, u"e2e"_s, u"-o"_s, u"json"_s}).json().toObject().value(u"etcd"_s).toObject(); }
    QString diagnose() {
        QString out = u"master log:\n"_s + master_->log().right(2500);
        for (std::size_t i = 0; i < agents_.size(); ++i) out += u"\nagent n%1 log:\n"_s.arg(i + 1) + agents_[i]->log(1500);
        return out;
    }
    // What web on n1 gets from http://<name>/ (empty: nothing).
    QString fetchFromWeb(const QString& name) {
        return docker(*engines_[0], {u"exec"_s, u"net.web-1"_s, u"timeout"_s, u"3"_s, u"wget"_s, u"-q"_s, u"-O"_s, u"-"_s, u"http://"_s + name + u"/"_s});
    }

    // `docker exec CONTAINER ARGS...` on node `node` (1-based); stdout.
    QString execOn(int node, const QString& container, const QStringList& args) {
        return docker(*engines_[node - 1], QStringList{u"exec"_s, container, u"timeout"_s, u"3"_s} + args);
    }
    QString fetchOn(int node, const QString& container, const QString& url) {
        return execOn(node, container, {u"wget"_s, u"-q"_s, u"-O"_s, u"-"_s, url});
    }
    // The IPv4 addresses `name` resolves to inside `container` on `node`, sorted.
    QStringList lookupOn(int node, const QString& container, const QString& name) {
        static const QRegularExpression address(u"^Address:\\s*(\\d+\\.\\d+\\.\\d+\\.\\d+)\\s*$"_s, QRegularExpression::MultilineOption);
        const QString out = execOn(node, container, {u"nslookup"_s, u"-type=a"_s, name});
        QStringList ips;
        const auto answers = out.indexOf(u"Name:"_s);   // the server's own address comes first
        for (auto it = address.globalMatch(out.mid(std::max<qsizetype>(answers, 0))); answers >= 0 && it.hasNext();) ips << it.next().captured(1);
        ips.removeDuplicates();
        ips.sort();
        return ips;
    }
    // Which node (1-based) runs container `name` (0: none of the live ones).
    int nodeOf(const QString& name, int skip = 0) {
        for (int i = 1; i <= kNodes; ++i) {
            if (i != skip && !docker(*engines_[i - 1], {u"ps"_s, u"-q"_s, u"--filter"_s, u"name=^"_s + name + u"$"_s}).isEmpty()) return i;
        }
        return 0;
    }
    QString gridIp(int node, const QString& name) {
        return docker(*engines_[node - 1], {u"inspect"_s, u"-f"_s, u"{{.NetworkSettings.Networks.kontena.IPAddress}}"_s, name});
    }
    // app-1..3: node -> instance number, and every instance's grid address.
    std::map<int, int> appNodes_;
    QStringList appIps_;
    bool readApps(int skip = 0) {
        appNodes_.clear();
        appIps_.clear();
        for (int k = 1; k <= 3; ++k) {
            const int n = nodeOf(u"wp.app-%1"_s.arg(k), skip);
            const QString ip = n ? gridIp(n, u"wp.app-%1"_s.arg(k)) : QString();
            if (!n || ip.isEmpty()) return false;
            appNodes_[n] = k;   // (two on one node after a loss: either one)
            appIps_ << ip;
        }
        appIps_.sort();
        return true;
    }

private slots:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        if (qEnvironmentVariableIsSet("KONTENA_KEEP_TEST_DIR")) {
            dir_.setAutoRemove(false);
            qInfo("logs in %s", qPrintable(dir_.path()));
        }
        nodes_ = std::make_unique<NetnsNodes>(kNodes);
        QVERIFY2(nodes_->ok(), "could not create network namespaces (needs root and iproute2)");
        QVERIFY(nodes_->addUnderlayAddress("192.0.2.254/24"));
        for (int i = 1; i <= kNodes; ++i) {
            auto d = std::make_unique<PrivateDockerd>();
            d->setNetns(QString::fromStdString(nodes_->node(i)));
            auto started = d->start();
            QVERIFY2(started, started ? "" : qPrintable(started.error().message));
            auto image = d->buildBusyboxImage(QLatin1String(kImage), QLatin1String(kCmd));
            QVERIFY2(image, image ? "" : qPrintable(image.error().message));
            engines_.push_back(std::move(d));
        }
        // The master in the underlay namespace, on every address there (agents come at 192.0.2.254).
        port_ = freeLoopbackPort();
        qputenv("KONTENA_MASTER_BIN", wrapper(dir_.path(), u"master.sh"_s, nodes_->underlay(), qEnvironmentVariable("KONTENA_MASTER_BIN")).toUtf8());
        qputenv("KONTENA_CLI_BIN", wrapper(dir_.path(), u"cli.sh"_s, nodes_->underlay(), qEnvironmentVariable("KONTENA_CLI_BIN")).toUtf8());
        master_ = std::make_unique<MasterProcess>(dir_.filePath(u"master"_s), QStringList{u"--listen"_s, u"0.0.0.0:%1"_s.arg(port_), u"--allow-insecure"_s,
                                                                                            u"--time-scale"_s, u"0.1"_s});
        QVERIFY2(master_->start(u"code-1"_s), qPrintable(master_->log()));
        cli_ = std::make_unique<Cli>(dir_.filePath(u"cli"_s));
        auto r = kontena({u"master"_s, u"login"_s, u"--code"_s, u"code-1"_s, u"http://127.0.0.1:%1"_s.arg(port_)});
        QVERIFY2(r.exit == 0, qPrintable(r.out + r.err + master_->log()));
        // At --time-scale the API's settings are taken as given (unscaled):
        // keepalive 3 s to go with the scaled 6 s stale threshold; ha grace 4 s.
        r = kontena({u"grid"_s, u"create"_s, u"--initial-size"_s, u"3"_s, u"--keepalive"_s, u"3"_s, u"--offline-grace"_s, u"4"_s, u"e2e"_s});
        QVERIFY2(r.exit == 0, qPrintable(r.out + r.err));
        const QString token = kontena({u"grid"_s, u"token"_s}).out.trimmed();
        QVERIFY(!token.isEmpty());
        agentBin_ = qEnvironmentVariable("KONTENA_AGENT_BIN");
        for (int i = 1; i <= kNodes; ++i) {
            const QString extra = u"--private-ip 192.0.2.%1 --etcd on --overlay on --time-scale 0.1"_s.arg(i);
            qputenv("KONTENA_AGENT_BIN", wrapper(dir_.path(), u"agent%1.sh"_s.arg(i), nodes_->node(i), agentBin_, extra).toUtf8());
            agents_.push_back(std::make_unique<AgentProcess>(u"n%1"_s.arg(i), u"e2e"_s, engines_[i - 1]->dockerHost(),
                                                             dir_.filePath(u"agent%1.log"_s.arg(i))));
            QVERIFY(agents_.back()->start(u"ws://192.0.2.254:%1"_s.arg(port_), token));
        }
        sinceAgents_.start();
    }

    void cleanupTestCase() {
        agents_.clear();
        master_.reset();
        for (auto& e : engines_) (void)e->stop();
        engines_.clear();
        nodes_.reset();
    }

    // The initial nodes' members form one cluster over the overlay; the master hears it from them.
    void etcdClusterOverTheOverlay() {
        // Until an agent's first etcd report the master counts a connected
        // initial node's member as healthy: the members' processes first,
        // then the quorum the agents report.
        const auto formed = [&] {
            for (int i = 1; i <= kNodes; ++i) {
                if (etcdPid(dir_.path(), i) <= 0) return false;
            }
            const QJsonObject e = gridEtcd();
            return e.value(u"quorum"_s).toBool() && e.value(u"reachable"_s).toInt() == 3;
        };
        QTRY_VERIFY2_WITH_TIMEOUT(formed(), qPrintable(diagnose()), 60000);
        qInfo("etcd cluster formed %lld ms after the agents started", static_cast<long long>(sinceAgents_.elapsed()));
        for (int from = 1; from <= kNodes; ++from) {
            for (int to = 1; to <= kNodes; ++to) QVERIFY2(nodes_->ping(from, "10.81.0." + std::to_string(to)), qPrintable(diagnose()));
        }
    }

    void webFetchesFromDbAcrossTheOverlay() {
        QFile file(dir_.filePath(u"kontena.yml"_s));
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(stackFile().toUtf8());
        file.close();
        auto r = kontena({u"stack"_s, u"install"_s, u"-n"_s, u"net"_s, file.fileName()});
        QVERIFY2(r.exit == 0, qPrintable(r.out + r.err + diagnose()));
        QTRY_VERIFY2_WITH_TIMEOUT(!docker(*engines_[1], {u"ps"_s, u"-q"_s, u"--filter"_s, u"name=net.db-1"_s}).isEmpty(), qPrintable(diagnose()), 30000);
        QTRY_VERIFY2_WITH_TIMEOUT(!docker(*engines_[0], {u"ps"_s, u"-q"_s, u"--filter"_s, u"name=net.web-1"_s}).isEmpty(), qPrintable(diagnose()), 30000);
        // Grid addresses from IPAM: in the pool's upper half, one each.
        const QString dbIp = docker(*engines_[1], {u"inspect"_s, u"-f"_s, u"{{.NetworkSettings.Networks.kontena.IPAddress}}"_s, u"net.db-1"_s});
        const QString webIp = docker(*engines_[0], {u"inspect"_s, u"-f"_s, u"{{.NetworkSettings.Networks.kontena.IPAddress}}"_s, u"net.web-1"_s});
        QVERIFY2(dbIp.startsWith(u"10.81."_s) && dbIp.section(u'.', 2, 2).toInt() >= 128, qPrintable(dbIp));
        QVERIFY2(webIp.startsWith(u"10.81."_s) && webIp != dbIp, qPrintable(webIp));
        // The name on n1 resolves to db's address on n2, and the page crosses the overlay.
        QTRY_COMPARE_WITH_TIMEOUT(fetchFromWeb(u"db.net.e2e.kontena.local"_s), u"db-1"_s, 20000);
        QCOMPARE(fetchFromWeb(u"db"_s), u"db-1"_s);   // the stack's short name (search domain)
        QCOMPARE(fetchFromWeb(dbIp), u"db-1"_s);
    }

    void loadBalancerReachesOtherNodesOnTheOverlay() {
        const int httpPort = freeLoopbackPort(), statsPort = freeLoopbackPort();
        const std::string n3 = nodes_->node(3);
        QFile file(dir_.filePath(u"lbx.yml"_s));
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(lbStackFile(httpPort, statsPort).toUtf8());
        file.close();
        auto r = kontena({u"stack"_s, u"install"_s, u"-n"_s, u"lbx"_s, file.fileName()});
        QVERIFY2(r.exit == 0, qPrintable(r.out + r.err + diagnose()));
        const auto servers = [&] {   // the pool, as the LB's stats page on n3 lists it
            QStringList out;
            const HttpAnswer a = httpGetIn(n3, statsPort, "stats", "/;csv", QByteArray("stats:") + kLbStatsPassword);
            for (const QByteArray& line : a.body.split('\n')) {
                const QList<QByteArray> f = line.split(',');
                if (f.size() > 2 && f[0] == "lbx-web" && f[1] != "BACKEND" && f[1] != "FRONTEND") out << QString::fromUtf8(f[1]);
            }
            out.sort();
            return out;
        };
        const QStringList all{u"lbx.web-1"_s, u"lbx.web-2"_s, u"lbx.web-3"_s};
        QTRY_VERIFY2_WITH_TIMEOUT(servers() == all, qPrintable(servers().join(u' ') + diagnose()), 40000);
        // None of them on n3: every backend is another node's container, at its grid address.
        QCOMPARE(docker(*engines_[2], {u"ps"_s, u"-q"_s, u"--filter"_s, u"name=lbx.web"_s}), QString());
        QFile cfg(agents_[2]->stateDir() + u"/lb/lbx.lb-1/haproxy.cfg"_s);
        QVERIFY(cfg.open(QIODevice::ReadOnly));
        const QByteArray config = cfg.readAll();
        QCOMPARE(config.count("server lbx.web-"), 3);
        QCOMPARE(config.count(" 10.81."), 3);
        QSet<QString> seen;
        for (int i = 0; i < 30 && seen.size() < 3; ++i) seen.insert(QString::fromUtf8(httpGetIn(n3, httpPort, "web.lbx.test").body.trimmed()));
        QCOMPARE(seen, (QSet<QString>{u"web-1"_s, u"web-2"_s, u"web-3"_s}));

        // web-2 killed on its node: it leaves the pool, comes back; no request fails meanwhile.
        int victim = 0;
        for (int i = 1; i <= 2 && !victim; ++i)
            if (!docker(*engines_[i - 1], {u"ps"_s, u"-q"_s, u"--filter"_s, u"name=lbx.web-2"_s}).isEmpty()) victim = i;
        QVERIFY(victim > 0);
        ClientLoop clients(httpPort, "web.lbx.test", n3);
        clients.start();
        QTest::qWait(500);
        QElapsedTimer t;
        t.start();
        int rc = -1;
        docker(*engines_[victim - 1], {u"kill"_s, u"lbx.web-2"_s}, &rc);
        QCOMPARE(rc, 0);
        qint64 leftAfter = -1;
        while (t.elapsed() < 10000 && leftAfter < 0) {
            if (!servers().contains(u"lbx.web-2"_s)) leftAfter = t.elapsed();
            else QTest::qWait(25);
        }
        qInfo("lbx.web-2 (on n%d) left the pool on n3 %lld ms after it was killed", victim, leftAfter);
        QVERIFY2(leftAfter >= 0 && leftAfter <= 3000, qPrintable(QString::number(leftAfter) + diagnose()));
        QTRY_VERIFY2_WITH_TIMEOUT(servers() == all, qPrintable(servers().join(u' ') + diagnose()), 20000);
        qInfo("lbx.web-2 back in the pool %lld ms after it was killed", t.elapsed());
        clients.clearSeen();
        QTRY_VERIFY_WITH_TIMEOUT(clients.seen().contains(u"web-2"_s), 10000);
        clients.stop();
        qInfo("client loop on n3: %ld requests, %ld retried once, %ld failed", clients.requests(), clients.retried(), clients.failed());
        QVERIFY(clients.requests() > 50);
        QVERIFY2(clients.failed() == 0, clients.lastFailure().constData());
    }

    void etcdMembersDownAsTheCoreSays() {
        const qint64 pid3 = etcdPid(dir_.path(), 3), pid2 = etcdPid(dir_.path(), 2);
        QVERIFY(pid3 > 0 && pid2 > 0);
        ::kill(pid_t(pid3), SIGSTOP);   // frozen: it answers nobody, its agent says so
        QTRY_COMPARE_WITH_TIMEOUT(gridEtcd().value(u"reachable"_s).toInt(), 2, 20000);
        QVERIFY(gridEtcd().value(u"quorum"_s).toBool());   // 2 of 3 >= 2
        ::kill(pid_t(pid2), SIGSTOP);
        QTRY_VERIFY2_WITH_TIMEOUT(!gridEtcd().value(u"quorum"_s).toBool(), qPrintable(diagnose()), 20000);
        const auto refused = kontena({u"service"_s, u"scale"_s, u"net/web"_s, u"2"_s});
        QVERIFY2(refused.exit != 0 && QString(refused.out + refused.err).contains(u"etcd has no quorum (1 of 3"_s), qPrintable(refused.out + refused.err));
        QCOMPARE(fetchFromWeb(u"db.net.e2e.kontena.local"_s), u"db-1"_s);   // running ones untouched
        ::kill(pid_t(pid2), SIGCONT);
        ::kill(pid_t(pid3), SIGCONT);
        QTRY_VERIFY2_WITH_TIMEOUT(gridEtcd().value(u"quorum"_s).toBool() && gridEtcd().value(u"reachable"_s).toInt() == 3,
                                  qPrintable(diagnose()), 20000);
    }

    // Names across nodes for a stack of several services (wordpress-cluster's shape).
    void multiServiceStackWithNames() {
        QFile file(dir_.filePath(u"wp.yml"_s));
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(wpStackFile().toUtf8());
        file.close();
        auto r = kontena({u"stack"_s, u"install"_s, u"-n"_s, u"wp"_s, file.fileName()});
        QVERIFY2(r.exit == 0, qPrintable(r.out + r.err + diagnose()));
        QTRY_VERIFY2_WITH_TIMEOUT(readApps() && appNodes_.size() == 3 && nodeOf(u"wp.db-1"_s) > 0, qPrintable(diagnose()), 40000);
        QVERIFY(nodeOf(u"wp.db-1"_s) != 3);
        const QString app1 = u"wp.app-%1"_s.arg(appNodes_.at(1));   // the app on n1
        // The service's name answers with every instance's overlay address, on every node.
        for (int n = 1; n <= kNodes; ++n) {
            const QString app = u"wp.app-%1"_s.arg(appNodes_.at(n));
            QTRY_COMPARE_WITH_TIMEOUT(lookupOn(n, app, u"app.wp.e2e.kontena.local"_s), appIps_, 20000);
        }
        // app on n1 reaches db by the stack's short name and etcd by its name.
        QTRY_COMPARE_WITH_TIMEOUT(fetchOn(1, app1, u"http://db/"_s), u"db-1"_s, 20000);
        QVERIFY2(fetchOn(1, app1, u"http://etcd.kontena.local:2379/version"_s).contains(u"etcdserver"_s), qPrintable(diagnose()));
        // and the instance on n3 by its own name, across the overlay.
        const int k3 = appNodes_.at(3);
        QCOMPARE(lookupOn(1, app1, u"app-%1.wp.e2e.kontena.local"_s.arg(k3)), QStringList{gridIp(3, u"wp.app-%1"_s.arg(k3))});
        QCOMPARE(fetchOn(1, app1, u"http://app-%1.wp.e2e.kontena.local/"_s.arg(k3)), u"app-%1"_s.arg(k3));
    }

    // n3 is lost: its instance moves after the grace, and its names with it.
    void lostNodesNamesMove() {
        QVERIFY(readApps() && appNodes_.size() == 3);
        const int k = appNodes_.at(3);
        const QString moved = u"wp.app-%1"_s.arg(k);
        const QString oldIp = gridIp(3, moved);
        const QStringList before = appIps_;
        QVERIFY(before.contains(oldIp));
        agents_[2]->kill9();              // the agent goes ...
        QVERIFY(nodes_->setLink(3, false));   // ... and the node's network with it
        QElapsedTimer lost;
        lost.start();
        QTRY_VERIFY2_WITH_TIMEOUT(nodeOf(moved, 3) > 0 && !gridIp(nodeOf(moved, 3), moved).isEmpty(), qPrintable(diagnose()), 45000);
        const qint64 movedAfter = lost.elapsed();
        const int to = nodeOf(moved, 3);
        const QString newIp = gridIp(to, moved);
        QVERIFY2(newIp != oldIp && newIp.startsWith(u"10.81."_s), qPrintable(newIp));
        QVERIFY(readApps(3));
        QVERIFY(!appIps_.contains(oldIp));
        // From containers on both remaining nodes: the new address, never the lost one.
        for (int n = 1; n <= 2; ++n) {
            const QString from = n == 1 ? u"net.web-1"_s : u"net.db-1"_s;
            QTRY_COMPARE_WITH_TIMEOUT(lookupOn(n, from, u"app-%1.wp.e2e.kontena.local"_s.arg(k)), QStringList{newIp}, 10000);
            QTRY_COMPARE_WITH_TIMEOUT(lookupOn(n, from, u"app.wp.e2e.kontena.local"_s), appIps_, 10000);
            QCOMPARE(fetchOn(n, from, u"http://app-%1.wp.e2e.kontena.local/"_s.arg(k)), u"app-%1"_s.arg(k));
        }
        // The stack runs across the two remaining nodes, names and all.
        QCOMPARE(fetchOn(to, moved, u"http://db/"_s), u"db-1"_s);
        qInfo("app-%d moved to n%d %lld ms after n3 was lost", k, to, movedAfter);
    }
};

QTEST_MAIN(TestE2eNetwork)
#include "tst_e2e_network.moc"
