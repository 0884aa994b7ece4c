// The agent's load-balancer runtime with a real HAProxy (no Docker: an LB
// pod never reaches the engine, so the engine here holds no containers).
// An LB pod is created and started like a container; its SSL_CERTS (a
// self-signed bundle made by openssl) become private files HAProxy serves
// TLS with; backends given to it are routed to (busybox httpd on loopback);
// a new runtime on the same directory adopts the running HAProxy; a crash
// is seen by listing; removal stops HAProxy and deletes its directory.
// The LbSupervisor on top of it, given the master's answer: other nodes'
// instances are backends only with the overlay, the vault's basic-auth
// users reach the (0600) config, a withheld secret leaves no upstreams.
#include <QDir>
#include <QFile>
#include <QProcess>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>

#include "agent/lb_runtime.h"
#include "agent/lb_supervisor.h"

using namespace kontena;
using namespace kontena::agentd;

namespace {

// The node's engine as far as these pods go: no containers at all.
class NoContainers final : public NodeRuntime {
public:
    RuntimeResult<EnsureOutcome> ensure(const InstanceDesc&, DesiredState) override { return RuntimeError{500, "not an LB"}; }
    RuntimeResult<OwnedContainer> create(const InstanceDesc&) override { return RuntimeError{500, "not an LB"}; }
    RuntimeStatus start(const std::string&) override { return RuntimeError{404, "no such container"}; }
    RuntimeStatus stop(const std::string&, Duration) override { return RuntimeError{404, "no such container"}; }
    RuntimeStatus restart(const std::string&, Duration) override { return RuntimeError{404, "no such container"}; }
    RuntimeStatus remove(const std::string&, Duration, bool) override { return RuntimeDone{}; }   // missing: success
    RuntimeResult<std::vector<OwnedContainer>> listOwned() override { return std::vector<OwnedContainer>{}; }
    RuntimeStatus ensureVolume(const std::string&, const std::string&, const std::map<std::string, std::string>&) override { return RuntimeDone{}; }
    RuntimeStatus removeVolume(const std::string&) override { return RuntimeDone{}; }
};

int freePort() {
    QTcpServer s;
    s.listen(QHostAddress::LocalHost, 0);
    return s.serverPort();
}

// curl's status code for `url` ("000" when nothing answered).
QByteArray curl(const QStringList& args) {
    QProcess p;
    p.start(QStringLiteral("curl"), QStringList{QStringLiteral("-s"), QStringLiteral("-o"), QStringLiteral("/dev/null"), QStringLiteral("-w"),
                                                QStringLiteral("%{http_code}"), QStringLiteral("--max-time"), QStringLiteral("3")} + args);
    p.waitForFinished(5000);
    return p.readAllStandardOutput().trimmed();
}

QByteArray selfSignedBundle(const QString& dir) {
    QProcess p;
    p.start(QStringLiteral("openssl"), {QStringLiteral("req"), QStringLiteral("-x509"), QStringLiteral("-newkey"), QStringLiteral("rsa:2048"),
                                        QStringLiteral("-nodes"), QStringLiteral("-subj"), QStringLiteral("/CN=lb.test"), QStringLiteral("-days"),
                                        QStringLiteral("2"), QStringLiteral("-keyout"), dir + QStringLiteral("/key.pem"), QStringLiteral("-out"),
                                        dir + QStringLiteral("/cert.pem")});
    p.waitForFinished(30000);
    QFile cert(dir + QStringLiteral("/cert.pem")), key(dir + QStringLiteral("/key.pem"));
    if (!cert.open(QIODevice::ReadOnly) || !key.open(QIODevice::ReadOnly)) return {};
    return cert.readAll() + key.readAll();
}

// HAProxy daemons a failed test leaves are stopped when it ends.
struct StopLeftovers {
    QString stateDir;
    ~StopLeftovers() {
        const QDir lbs(stateDir + QStringLiteral("/lb"));
        for (const QString& d : lbs.entryList(QDir::Dirs | QDir::NoDotAndDotDot)) {
            QFile pid(lbs.filePath(d) + QStringLiteral("/haproxy.pid"));
            if (pid.open(QIODevice::ReadOnly) && pid.readAll().trimmed().toInt() > 0) {
                pid.seek(0);
                ::kill(pid_t(pid.readAll().trimmed().toInt()), SIGTERM);
            }
        }
    }
};

}  // namespace

class TstLbRuntime : public QObject {
    Q_OBJECT
private slots:
    void lbPodRunsHaproxyWithItsCertificates() {
        QTemporaryDir state, work;
        const StopLeftovers leftovers{state.path()};
        const QByteArray bundle = selfSignedBundle(work.path());
        QVERIFY(bundle.contains("PRIVATE KEY"));
        const int http = freePort(), https = freePort(), stats = freePort();
        InstanceDesc d;
        d.spec.stack = "shop";
        d.spec.name = "lb";
        d.spec.image = "kontena/lb:latest";
        d.spec.env = {"STATS_PASSWORD=pw-1"};
        d.spec.stopGracePeriod = Duration::seconds(1);
        d.spec.ports = {PortSpec{"127.0.0.1", http, 80, "tcp"}, PortSpec{"127.0.0.1", https, 443, "tcp"}, PortSpec{"127.0.0.1", stats, 1000, "tcp"}};
        d.secretEnv = {"SSL_CERTS=" + bundle.toStdString()};
        d.serviceRevision = 1;
        auto rt = std::make_unique<LbRuntime>(std::make_shared<NoContainers>(), state.path());
        auto made = rt->ensure(d, DesiredState::Running);
        QVERIFY2(made.ok(), made.ok() ? "" : made.error().message.c_str());
        QVERIFY(made.value().created && made.value().started);
        QCOMPARE(made.value().container.state, ObservedState::Running);
        QVERIFY(rt->isLoadBalancer("shop.lb-1"));

        // The certificate: a private file, referenced (never copied) by the config.
        const QString dir = rt->directoryOf("shop.lb-1");
        QFile cert(dir + QStringLiteral("/cert1_gen.pem"));
        QVERIFY(cert.open(QIODevice::ReadOnly));
        QCOMPARE(cert.readAll(), bundle);
        QCOMPARE(cert.permissions() & ~(QFile::ReadUser | QFile::WriteUser), QFile::ReadOwner | QFile::WriteOwner);
        QCOMPARE(QFileInfo(dir).permissions() & (QFile::ReadGroup | QFile::ReadOther | QFile::ExeOther), QFile::Permissions());
        QFile cfg(dir + QStringLiteral("/haproxy.cfg"));
        QCOMPARE(cfg.permissions() & ~(QFile::ReadUser | QFile::WriteUser), QFile::ReadOwner | QFile::WriteOwner);   // it holds passwords
        QVERIFY(cfg.open(QIODevice::ReadOnly));
        const QByteArray config = cfg.readAll();
        QVERIFY(!config.contains("PRIVATE KEY"));
        QVERIFY(config.contains(QByteArray("crt " + dir.toUtf8() + "/cert1_gen.pem")));

        // TLS ends at the LB (no backend yet: 503); stats want the password.
        QCOMPARE(curl({QStringLiteral("-k"), QStringLiteral("https://127.0.0.1:%1/").arg(https)}), QByteArray("503"));
        QCOMPARE(curl({QStringLiteral("http://127.0.0.1:%1/").arg(stats)}), QByteArray("401"));
        QCOMPARE(curl({QStringLiteral("-u"), QStringLiteral("stats:pw-1"), QStringLiteral("http://127.0.0.1:%1/").arg(stats)}), QByteArray("200"));

        // A backend: busybox httpd on loopback, as a linked service's instance.
        QTemporaryDir www;
        QFile index(www.path() + QStringLiteral("/index.html"));
        QVERIFY(index.open(QIODevice::WriteOnly));
        index.write("hello\n");
        index.close();
        const int upstream = freePort();
        QProcess httpd;
        httpd.start(QStringLiteral("busybox"), {QStringLiteral("httpd"), QStringLiteral("-f"), QStringLiteral("-p"),
                                                 QStringLiteral("127.0.0.1:%1").arg(upstream), QStringLiteral("-h"), www.path()});
        QVERIFY(httpd.waitForStarted(3000));
        lb::LinkedService web{"shop", "web", {"KONTENA_LB_INTERNAL_PORT=" + std::to_string(upstream)}, std::nullopt,
                              {{"shop.web-1", "127.0.0.1", true, false}, {"shop.web-2", "127.0.0.9", true, true}}};
        auto applied = rt->updateBackends("shop.lb-1", {web});
        QVERIFY2(applied.ok(), applied.ok() ? "" : applied.error().message.c_str());
        QVERIFY(applied.value().reloaded);
        cfg.seek(0);
        QFile live(dir + QStringLiteral("/haproxy.cfg"));
        QVERIFY(live.open(QIODevice::ReadOnly));
        const QByteArray reloaded = live.readAll();
        QVERIFY(reloaded.contains(QByteArray("server shop.web-1 127.0.0.1:" + QByteArray::number(upstream))));
        QVERIFY(!reloaded.contains("shop.web-2"));   // unhealthy: not a backend
        QTRY_COMPARE_WITH_TIMEOUT(curl({QStringLiteral("-k"), QStringLiteral("https://127.0.0.1:%1/").arg(https)}), QByteArray("200"), 20000);
        QCOMPARE(curl({QStringLiteral("http://127.0.0.1:%1/").arg(http)}), QByteArray("200"));

        // Refused settings keep the running config.
        web.env.push_back("KONTENA_LB_CUSTOM_SETTINGS=no-such-keyword");
        auto refused = rt->updateBackends("shop.lb-1", {web});
        QVERIFY(!refused.ok());
        QVERIFY2(refused.error().message.find("no-such-keyword") != std::string::npos, refused.error().message.c_str());
        QCOMPARE(curl({QStringLiteral("http://127.0.0.1:%1/").arg(http)}), QByteArray("200"));

        // An agent restarted: the new runtime adopts the running HAProxy (same run).
        const std::string id = made.value().container.id;
        rt.reset();
        rt = std::make_unique<LbRuntime>(std::make_shared<NoContainers>(), state.path());
        auto listed = rt->listOwned();
        QVERIFY(listed.ok());
        QCOMPARE(listed.value().size(), std::size_t(1));
        QCOMPARE(listed.value().front().state, ObservedState::Running);
        QCOMPARE(listed.value().front().id, id);
        QCOMPARE(listed.value().front().serviceId, std::string("shop/lb"));

        // A crash is seen by listing; start() brings it back as a new run.
        QFile pidFile(dir + QStringLiteral("/haproxy.pid"));
        QVERIFY(pidFile.open(QIODevice::ReadOnly));
        const pid_t pid = pid_t(pidFile.readAll().trimmed().toInt());
        ::kill(pid, SIGKILL);
        QTRY_COMPARE_WITH_TIMEOUT(rt->listOwned().value().front().state, ObservedState::Exited, 3000);
        QVERIFY(rt->start("shop.lb-1").ok());
        QCOMPARE(rt->listOwned().value().front().state, ObservedState::Running);
        QVERIFY(rt->listOwned().value().front().id != id);
        web.env.pop_back();   // the adopting runtime learns its backends again (the agent's LbSupervisor does, each second)
        QVERIFY(rt->updateBackends("shop.lb-1", {web}).ok());
        // 20 s, not 5: a wait, not a speed target. The new HAProxy's reload
        // and first checks took over 5 s twice in a full `ctest -j2` beside
        // tst_fidelity (loaded machine); alone the whole test takes ~4 s.
        QTRY_COMPARE_WITH_TIMEOUT(curl({QStringLiteral("http://127.0.0.1:%1/").arg(http)}), QByteArray("200"), 20000);

        // Removed: HAProxy gone, the certificate with its directory.
        QVERIFY(rt->remove("shop.lb-1", Duration::seconds(1), false).ok());
        QVERIFY(!QDir(dir).exists());
        QVERIFY(rt->listOwned().value().empty());
        QCOMPARE(curl({QStringLiteral("http://127.0.0.1:%1/").arg(http)}), QByteArray("000"));
        httpd.kill();
        httpd.waitForFinished(2000);
    }

    void supervisorMergesTheMastersAnswer() {
        QTemporaryDir state;
        const StopLeftovers leftovers{state.path()};
        InstanceDesc d;
        d.spec.stack = "shop";
        d.spec.name = "lb";
        d.spec.image = "kontena/lb:latest";
        d.spec.stopGracePeriod = Duration::seconds(1);
        d.spec.ports = {PortSpec{"127.0.0.1", freePort(), 80, "tcp"}, PortSpec{"127.0.0.1", freePort(), 1000, "tcp"}};
        d.serviceRevision = 1;
        auto rt = std::make_shared<LbRuntime>(std::make_shared<NoContainers>(), state.path());
        QVERIFY(rt->ensure(d, DesiredState::Running).ok());

        // What the master says (addresses on loopback: HAProxy's checks go nowhere else).
        protocol::LbLinkedService web, admin;
        web.spec.stack = admin.spec.stack = "shop";
        web.spec.name = "web";
        admin.spec.name = "admin";
        web.spec.env = {"KONTENA_LB_VIRTUAL_HOSTS=web.test", "KONTENA_LB_BASIC_AUTH_SECRETS=user plain insecure-password from-env"};
        web.secretEnv = {QStringLiteral("KONTENA_LB_BASIC_AUTH_SECRETS=user alice insecure-password Vault-Pass-7\nserver evil 127.0.0.66:80")};
        web.instances = {{1, QStringLiteral("n1"), QStringLiteral("shop.web-1"), ObservedState::Running, QStringLiteral("healthy"), QStringLiteral("127.0.0.5")},
                         {2, QStringLiteral("n2"), QStringLiteral("shop.web-2"), ObservedState::Running, QStringLiteral("unhealthy"), QStringLiteral("127.0.0.6")},
                         {3, QStringLiteral("n3"), QStringLiteral("shop.web-3"), ObservedState::Running, QStringLiteral("healthy"), QStringLiteral("127.0.0.99")},
                         {4, QStringLiteral("n1"), QStringLiteral("shop.web-4"), ObservedState::Exited, QStringLiteral("unknown"), {}}};
        admin.spec.env = {"KONTENA_LB_VIRTUAL_HOSTS=admin.test"};
        admin.secretError = QStringLiteral("shop/admin: secret admin-users does not exist");
        admin.instances = {{1, QStringLiteral("n1"), QStringLiteral("shop.admin-1"), ObservedState::Running, QStringLiteral("healthy"), QStringLiteral("127.0.0.8")}};
        const protocol::LbBackends answer{{web, admin}};

        const auto upstreamsAfterAnUpdate = [&](bool overlay) {
            LbSupervisor sup(rt, QStringLiteral("n3"));
            sup.setRemoteBackends(overlay);
            sup.setSource([&](const protocol::LbBackendsRequest& r, LbSupervisor::Answer done) {
                QCOMPARE(r.serviceId, QStringLiteral("shop/lb"));
                done(QString(), answer);
            });
            sup.containerRunning(QStringLiteral("shop.web-3"), QStringLiteral("shop/web"), QStringLiteral("127.0.0.7"));   // this node's own fact
            QSignalSpy updated(&sup, &LbSupervisor::updated);
            sup.start(std::chrono::milliseconds(60000));
            std::map<std::string, std::vector<std::string>> out;
            if (!updated.wait(5000) || !sup.lastLinked("shop.lb-1")) return out;
            for (const lb::Backend& b : lb::backendsFor(*sup.lastLinked("shop.lb-1"))) {
                const auto& h = std::get<lb::HttpBackend>(b);
                for (const lb::Upstream& u : h.upstreams) out[h.name].push_back(u.name + "@" + u.address);
            }
            return out;
        };
        // Without the overlay: this node's instance only, at its own (newer) address.
        auto local = upstreamsAfterAnUpdate(false);
        QCOMPARE(local["shop-web"], (std::vector<std::string>{"shop.web-3@127.0.0.7:80"}));
        QVERIFY(local["shop-admin"].empty());   // withheld secrets: 503, not an open door
        // With it: other nodes' running, healthy instances at their reported addresses too.
        auto all = upstreamsAfterAnUpdate(true);
        QCOMPARE(all["shop-web"], (std::vector<std::string>{"shop.web-1@127.0.0.5:80", "shop.web-3@127.0.0.7:80"}));
        QVERIFY(all["shop-admin"].empty());

        QFile cfg(rt->directoryOf("shop.lb-1") + QStringLiteral("/haproxy.cfg"));
        QCOMPARE(cfg.permissions() & ~(QFile::ReadUser | QFile::WriteUser), QFile::ReadOwner | QFile::WriteOwner);
        QVERIFY(cfg.open(QIODevice::ReadOnly));
        const QByteArray config = cfg.readAll();
        QVERIFY(config.contains("userlist auth_shop-web\n    user alice insecure-password Vault-Pass-7\n"));   // the vault's value wins
        QVERIFY(!config.contains("from-env") && !config.contains("evil"));
        QVERIFY(config.contains("server shop.web-1 127.0.0.5:80 check"));
        QVERIFY(rt->remove("shop.lb-1", Duration::seconds(1), false).ok());
    }
};

QTEST_GUILESS_MAIN(TstLbRuntime)
#include "tst_lb_runtime.moc"
