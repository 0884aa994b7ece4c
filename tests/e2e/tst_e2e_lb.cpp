// The load balancer for real (issue 16, reference §9): kontena-master, one
// kontena-agent on a private dockerd, everything through the kontena CLI.
// A `kontena/lb` service runs as the agent's HAProxy on the node; a web
// service of 3 busybox httpd instances linked to it behind a virtual host.
// - the LB is that service's running instance for the master (service show);
// - requests to the LB's published port on 127.0.0.1 reach all three, each
//   answering its own name; the stats page on :1000 wants STATS_PASSWORD;
// - the web server of one instance killed: it leaves the pool (stats page)
//   within its health check's interval + timeout, and comes back after the
//   agent restarts it;
// - a scale to 5 adds two; a client loop runs throughout and no request
//   fails (a failed GET is retried once, as the issue allows);
// - a KONTENA_LB_CUSTOM_SETTINGS HAProxy refuses (stack upgrade): the old
//   config keeps running and HAProxy's reason is in the grid's event log;
// - basic auth from the vault: `admin` (linked to the LB behind its own
//   virtual host) takes KONTENA_LB_BASIC_AUTH_SECRETS from a vault secret
//   (`secrets:`): 401 without or with wrong credentials, 200 with them; the
//   rendered config holding them is 0600 and neither the master's nor the
//   agent's log has the passwords; a `vault update` is followed;
// - the stack removed: HAProxy stops, the port closes.
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSet>
#include <QtTest>

#include <csignal>
#include <memory>

#include "tests/docker/test_image.h"
#include "tests/e2e/http_probe.h"
#include "tests/master/platform_harness.h"

using namespace kontena::testing;

namespace {

QString opt(const char* s) { return QString::fromLatin1(s); }

const QByteArray kStatsPassword = "Stats-Pass-Heron-7731";
// The vault secret behind `admin`: an insecure password and a SHA-512 crypt
// (openssl passwd -6 -salt Kv3xQ9pL 'Heron-Pass-4417').
const QByteArray kAlicePassword = "Wren-Pass-0913", kBobPassword = "Heron-Pass-4417";
const QByteArray kUsers = "user alice insecure-password " + kAlicePassword +
                          "\nuser bob password $6$Kv3xQ9pL$xcb6GBvC9rFtk8nnxZtJH1SZXLcAWRAEhELDuO2iZQnfY7ZBBVhVMpOAJPgn6Gt4Mvfad/MlARKDeEpX94mKZ1\n";
constexpr int kHealthIntervalMs = 1000, kHealthTimeoutMs = 1000;

QString docker(const PrivateDockerd& d, const QStringList& args, int* exitCode = nullptr) {
    QProcess p;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(opt("DOCKER_HOST"), d.dockerHost());
    p.setProcessEnvironment(env);
    p.setProcessChannelMode(QProcess::MergedChannels);
    p.start(opt("docker"), args);
    p.waitForFinished(60000);
    if (exitCode) *exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    return QString::fromUtf8(p.readAllStandardOutput()).trimmed();
}

}  // namespace

class TestE2eLb : public QObject {
    Q_OBJECT

    QTemporaryDir dir_;
    EngineFixture engine_;
    std::unique_ptr<MasterProcess> master_;
    std::unique_ptr<Cli> cli_;
    std::unique_ptr<AgentProcess> agent_;
    std::unique_ptr<ClientLoop> clients_;
    int httpPort_ = 0, statsPort_ = 0;

    CliResult kontena(const QStringList& args) { return cli_->run(args, 120000); }
    QString diagnose() {
        const QString containers = docker(engine_.dockerd, {opt("ps"), opt("-a"), opt("--format"), opt("{{.Names}} {{.Status}}")});
        QFile cfg(agent_ ? agent_->stateDir() + opt("/lb/lbtest.lb-1/haproxy.cfg") : QString());
        const QString config = cfg.open(QIODevice::ReadOnly) ? QString::fromUtf8(cfg.readAll()) : opt("(no haproxy.cfg)");
        return QStringLiteral("\ncontainers:\n%1\nhaproxy.cfg:\n%2\nagent log:\n%3\nmaster log:\n%4")
            .arg(containers, config, agent_ ? agent_->log(3000) : QString(), master_->log().right(2000));
    }
    // The servers of backend `backend` in the LB's stats (CSV), by name.
    QStringList servers(const QByteArray& backend) {
        const HttpAnswer a = httpGet(statsPort_, "stats", "/;csv", "stats:" + kStatsPassword);
        QStringList out;
        for (const QByteArray& line : a.body.split('\n')) {
            const QList<QByteArray> f = line.split(',');
            if (f.size() > 2 && f[0] == backend && f[1] != "BACKEND" && f[1] != "FRONTEND") out << QString::fromUtf8(f[1]);
        }
        out.sort();
        return out;
    }
    // The distinct answers of `n` requests.
    QSet<QString> answers(int n) {
        QSet<QString> out;
        for (int i = 0; i < n; ++i) {
            const HttpAnswer a = httpGet(httpPort_, "web.lb.test");
            if (a.status == 200) out.insert(QString::fromUtf8(a.body.trimmed()));
        }
        return out;
    }
    QJsonArray events() { return kontena({opt("grid"), opt("events"), opt("-l"), opt("1000"), opt("-o"), opt("json")}).json().toArray(); }

    // The stack file; `customSettings` goes into the web service's KONTENA_LB_CUSTOM_SETTINGS.
    QString stackFile(const QByteArray& customSettings = {}) {
        const QByteArray stack =
            "stack: e2e/lbtest\nversion: 1.0.0\nservices:\n"
            "  lb:\n    image: kontena/lb:latest\n    ports:\n"
            "      - \"" + QByteArray::number(httpPort_) + ":80\"\n      - \"" + QByteArray::number(statsPort_) + ":1000\"\n"
            "    environment:\n      - STATS_PASSWORD=" + kStatsPassword + "\n"
            "  web:\n    image: " + kTestImage.toUtf8() + "\n    instances: 3\n    stop_grace_period: 1s\n"
            "    command: sh -c 'mkdir -p /www && env | sed -n s/^KONTENA_SERVICE_INSTANCE_NUMBER=/web-/p > /www/index.html && httpd -f -p 8080 -h /www; sleep 3600'\n"
            "    links:\n      - lb\n"
            "    environment:\n      - KONTENA_LB_INTERNAL_PORT=8080\n      - KONTENA_LB_VIRTUAL_HOSTS=web.lb.test\n" +
            (customSettings.isEmpty() ? QByteArray() : "      - KONTENA_LB_CUSTOM_SETTINGS=" + customSettings + "\n") +
            "    health_check:\n      protocol: http\n      port: 8080\n      uri: /\n      interval: 1\n      timeout: 1\n      initial_delay: 1\n"
            "  admin:\n    image: " + kTestImage.toUtf8() + "\n    stop_grace_period: 1s\n"
            "    command: sh -c 'mkdir -p /www && echo admin > /www/index.html && httpd -f -p 8080 -h /www; sleep 3600'\n"
            "    links:\n      - lb\n"
            "    environment:\n      - KONTENA_LB_INTERNAL_PORT=8080\n      - KONTENA_LB_VIRTUAL_HOSTS=admin.lb.test\n"
            "    secrets:\n      - secret: lbtest-users\n        name: KONTENA_LB_BASIC_AUTH_SECRETS\n        type: env\n";
        QFile f(dir_.filePath(opt("lbtest.yml")));
        if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate)) return QString();
        f.write(stack);
        return f.fileName();
    }

private slots:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        if (qEnvironmentVariableIsSet("KONTENA_KEEP_TEST_DIR")) dir_.setAutoRemove(false);
        if (QString e = engine_.setUp(); !e.isEmpty()) QFAIL(qPrintable(e));
        const QString keyFile = makeVaultKeyFile(dir_.filePath(opt("vault.key")));
        QVERIFY(!keyFile.isEmpty());
        master_ = std::make_unique<MasterProcess>(dir_.filePath(opt("master")), QStringList{opt("--vault-key-file"), keyFile});
        QVERIFY2(master_->start(opt("lb-admin-code")), qPrintable(master_->log()));
        cli_ = std::make_unique<Cli>(dir_.filePath(opt("cfg")));
        agent_ = std::make_unique<AgentProcess>(opt("node-1"), opt("lbgrid"), engine_.dockerd.dockerHost(), dir_.filePath(opt("agent.log")));
        const QString failed = startOneNodeGrid(*master_, *cli_, opt("lb-admin-code"), opt("lbgrid"), *agent_);
        QVERIFY2(failed.isEmpty(), qPrintable(failed + diagnose()));
        const auto written = cli_->run({opt("vault"), opt("write"), opt("lbtest-users")}, 120000, kUsers);   // from stdin
        QVERIFY2(written.exit == 0, qPrintable(written.out + written.err));
    }

    void cleanupTestCase() {
        clients_.reset();
        agent_.reset();   // also stops an HAProxy the test left behind
        if (master_) master_->kill9();
        (void)engine_.dockerd.stop();
    }

    void lbServiceRunsHaproxyAndBalancesThreeInstances() {
        httpPort_ = freeLoopbackPort();
        statsPort_ = freeLoopbackPort();
        auto r = kontena({opt("stack"), opt("install"), stackFile()});
        QVERIFY2(r.exit == 0, qPrintable(r.out + r.err + diagnose()));

        // The LB is the service's one running instance, and no container.
        QVERIFY2(eventually([&] {
            const auto s = kontena({opt("service"), opt("show"), opt("lbtest/lb"), opt("-o"), opt("json")}).json().toObject();
            return s.value(opt("instance_counts")).toObject().value(opt("running")).toInt() == 1;
        }, 30000), qPrintable(diagnose()));
        const auto containers = kontena({opt("service"), opt("containers"), opt("lbtest/lb"), opt("-o"), opt("json")}).json().toArray();
        QCOMPARE(containers.size(), 1);
        QCOMPARE(containers.first().toObject().value(opt("state")).toString(), opt("running"));
        QCOMPARE(docker(engine_.dockerd, {opt("ps"), opt("-a"), opt("-q"), opt("--filter"), opt("name=lbtest.lb")}), QString());

        QVERIFY2(eventually([&] { return answers(9) == QSet<QString>{opt("web-1"), opt("web-2"), opt("web-3")}; }, 30000), qPrintable(diagnose()));
        QCOMPARE(httpGet(httpPort_, "other.host").status, 503);   // no backend for that host

        // Stats on :1000 (published), behind STATS_PASSWORD.
        QCOMPARE(httpGet(statsPort_, "stats", "/;csv").status, 401);
        QCOMPARE(httpGet(statsPort_, "stats", "/;csv", "stats:wrong").status, 401);
        QCOMPARE(servers("lbtest-web"), (QStringList{opt("lbtest.web-1"), opt("lbtest.web-2"), opt("lbtest.web-3")}));
        // The certificate-free LB keeps no secret on disk but its config; the directory is private.
        QCOMPARE(QFileInfo(agent_->stateDir() + opt("/lb/lbtest.lb-1")).permissions() & (QFile::ReadOther | QFile::ReadGroup), QFile::Permissions());
    }

    // KONTENA_LB_BASIC_AUTH_SECRETS from the vault, to the LB only, 0600, never logged.
    void basicAuthFromTheVault() {
        QVERIFY2(eventually([&] { return httpGet(httpPort_, "admin.lb.test", "/", "alice:" + kAlicePassword).status == 200; }, 30000),
                 qPrintable(diagnose()));
        const HttpAnswer alice = httpGet(httpPort_, "admin.lb.test", "/", "alice:" + kAlicePassword);
        QCOMPARE(alice.status, 200);
        QCOMPARE(alice.body.trimmed(), QByteArray("admin"));
        QCOMPARE(httpGet(httpPort_, "admin.lb.test", "/", "bob:" + kBobPassword).status, 200);   // behind its crypt
        QCOMPARE(httpGet(httpPort_, "admin.lb.test").status, 401);
        QCOMPARE(httpGet(httpPort_, "admin.lb.test", "/", "alice:wrong").status, 401);
        QCOMPARE(httpGet(httpPort_, "admin.lb.test", "/", "bob:" + kAlicePassword).status, 401);
        QCOMPARE(httpGet(httpPort_, "web.lb.test").status, 200);   // other backends ask nothing

        const QString cfgPath = agent_->stateDir() + opt("/lb/lbtest.lb-1/haproxy.cfg");
        QFile cfg(cfgPath);
        QVERIFY(cfg.open(QIODevice::ReadOnly));
        QVERIFY(cfg.readAll().contains(QByteArray("user alice insecure-password " + kAlicePassword)));
        QCOMPARE(QFileInfo(cfgPath).permissions() & ~(QFile::ReadOwner | QFile::WriteOwner | QFile::ReadUser | QFile::WriteUser),
                 QFile::Permissions());

        // A new value in the vault: the LB follows it.
        const QByteArray rotated = "Kite-Pass-5526";
        const auto updated = cli_->run({opt("vault"), opt("update"), opt("lbtest-users"), opt("user alice insecure-password ") + QString::fromLatin1(rotated)});
        QVERIFY2(updated.exit == 0, qPrintable(updated.out + updated.err));
        QVERIFY2(eventually([&] { return httpGet(httpPort_, "admin.lb.test", "/", "alice:" + rotated).status == 200; }, 30000),
                 qPrintable(diagnose()));
        QCOMPARE(httpGet(httpPort_, "admin.lb.test", "/", "alice:" + kAlicePassword).status, 401);
        QCOMPARE(httpGet(httpPort_, "admin.lb.test", "/", "bob:" + kBobPassword).status, 401);

        // Neither program wrote a password to its log.
        const QString logs = master_->log() + agent_->log(-1);
        for (const QByteArray& secret : {kAlicePassword, kBobPassword, rotated}) QVERIFY2(!logs.contains(QString::fromLatin1(secret)), secret.constData());
    }

    void killedInstanceLeavesThePoolAndScaleAddsTwo() {
        clients_ = std::make_unique<ClientLoop>(httpPort_, "web.lb.test");
        clients_->start();
        QTest::qWait(500);

        // web-2's server dies; its container stays up until the health check says so.
        QElapsedTimer t;
        t.start();
        int rc = -1;
        docker(engine_.dockerd, {opt("exec"), opt("lbtest.web-2"), opt("killall"), opt("httpd")}, &rc);
        QCOMPARE(rc, 0);
        qint64 leftAfter = -1;
        while (t.elapsed() < 10000) {
            if (!servers("lbtest-web").contains(opt("lbtest.web-2"))) {
                leftAfter = t.elapsed();
                break;
            }
            QTest::qWait(25);
        }
        qInfo("web-2 left the pool %lld ms after its server was killed (interval %d ms, timeout %d ms)", leftAfter, kHealthIntervalMs,
              kHealthTimeoutMs);
        QVERIFY2(leftAfter >= 0, qPrintable(diagnose()));
        QVERIFY2(leftAfter <= kHealthIntervalMs + kHealthTimeoutMs + 500, qPrintable(QString::number(leftAfter)));
        // Restarted by the agent (unhealthy), it serves again.
        clients_->clearSeen();
        QVERIFY2(eventually([&] { return clients_->seen().contains(opt("web-2")); }, 20000), qPrintable(diagnose()));

        t.restart();
        auto r = kontena({opt("service"), opt("scale"), opt("lbtest/web"), opt("5")});
        QVERIFY2(r.exit == 0, qPrintable(r.out + r.err));
        clients_->clearSeen();
        QVERIFY2(eventually([&] { return clients_->seen().contains(opt("web-4")) && clients_->seen().contains(opt("web-5")); }, 30000),
                 qPrintable(diagnose()));
        qInfo("web-4 and web-5 served %lld ms after the scale command", t.elapsed());
        QCOMPARE(servers("lbtest-web").size(), 5);

        clients_->stop();
        qInfo("client loop: %ld requests, %ld retried once, %ld failed", clients_->requests(), clients_->retried(), clients_->failed());
        QVERIFY(clients_->requests() > 100);
        QVERIFY2(clients_->failed() == 0, clients_->lastFailure().constData());
    }

    void refusedConfigKeepsTheOldOneAndSaysWhy() {
        const QString cfgPath = agent_->stateDir() + opt("/lb/lbtest.lb-1/haproxy.cfg");
        auto r = kontena({opt("stack"), opt("upgrade"), opt("--no-wait"), opt("lbtest"), stackFile("no-such-keyword 1")});
        QVERIFY2(r.exit == 0, qPrintable(r.out + r.err));
        QVERIFY2(eventually([&] {
            for (const auto& v : events()) {
                const QJsonObject e = v.toObject();
                if (e.value(opt("type")).toString() == opt("lb_config_invalid") && e.value(opt("msg")).toString().contains(opt("no-such-keyword")))
                    return true;
            }
            return false;
        }, 30000), qPrintable(diagnose()));
        QFile cfg(cfgPath);
        QVERIFY(cfg.open(QIODevice::ReadOnly));
        QVERIFY(!cfg.readAll().contains("no-such-keyword"));   // the old config runs on
        QVERIFY(httpGet(statsPort_, "stats", "/;csv", "stats:" + kStatsPassword).status == 200);
    }

    void removedStackStopsHaproxy() {
        QFile pidFile(agent_->stateDir() + opt("/lb/lbtest.lb-1/haproxy.pid"));
        QVERIFY(pidFile.open(QIODevice::ReadOnly));
        const pid_t pid = pid_t(pidFile.readAll().trimmed().toInt());
        QVERIFY(pid > 0 && ::kill(pid, 0) == 0);
        auto r = kontena({opt("stack"), opt("rm"), opt("lbtest")});
        QVERIFY2(r.exit == 0, qPrintable(r.out + r.err));
        QVERIFY2(eventually([&] { return ::kill(pid, 0) != 0 && httpGet(httpPort_, "web.lb.test").status == 0; }, 30000), qPrintable(diagnose()));
        QVERIFY(!QDir(agent_->stateDir() + opt("/lb/lbtest.lb-1")).exists());
    }
};

QTEST_GUILESS_MAIN(TestE2eLb)
#include "tst_e2e_lb.moc"
