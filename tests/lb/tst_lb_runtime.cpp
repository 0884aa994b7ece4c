// The agent's load-balancer runtime with a real HAProxy (no Docker: an LB
// pod never reaches the engine, so the engine here holds no containers).
// An LB pod is created and started like a container; its SSL_CERTS (a
// self-signed bundle made by openssl) become private files HAProxy serves
// TLS with; backends given to it are routed to (busybox httpd on loopback);
// a new runtime on the same directory adopts the running HAProxy; a crash
// is seen by listing; removal stops HAProxy and deletes its directory.
#include <QDir>
#include <QFile>
#include <QProcess>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>

#include "agent/lb_runtime.h"

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
        QTRY_COMPARE_WITH_TIMEOUT(curl({QStringLiteral("-k"), QStringLiteral("https://127.0.0.1:%1/").arg(https)}), QByteArray("200"), 5000);
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
        QTRY_COMPARE_WITH_TIMEOUT(curl({QStringLiteral("http://127.0.0.1:%1/").arg(http)}), QByteArray("200"), 5000);

        // Removed: HAProxy gone, the certificate with its directory.
        QVERIFY(rt->remove("shop.lb-1", Duration::seconds(1), false).ok());
        QVERIFY(!QDir(dir).exists());
        QVERIFY(rt->listOwned().value().empty());
        QCOMPARE(curl({QStringLiteral("http://127.0.0.1:%1/").arg(http)}), QByteArray("000"));
        httpd.kill();
        httpd.waitForFinished(2000);
    }
};

QTEST_GUILESS_MAIN(TstLbRuntime)
#include "tst_lb_runtime.moc"
