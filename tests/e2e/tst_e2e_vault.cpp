// Secrets for real (reference §10.1): kontena-master with a vault key, one
// kontena-agent on a private dockerd, everything through the kontena CLI.
// A service's `secrets:` arrive as environment variables inside its
// container (read there with `docker exec`); a missing secret refuses the
// install naming it; a changed value re-creates the stateless service; the
// corpus's mariadb stack installs with its `to: vault` values written and
// set in its container; no value is on the master's disk or in any log.
#include <QDirIterator>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QtTest>

#include <memory>

#include "tests/docker/test_image.h"
#include "tests/e2e/docker_proxy.h"
#include "tests/master/platform_harness.h"

using namespace kontena::testing;

namespace {

const QByteArray kSecret = "Vault-Test-Value-Okapi-5519";   // distinctive: grepped for everywhere
const QByteArray kRegistryPassword = "Registry-Pass-Quokka-8812";

QString opt(const char* s) { return QString::fromLatin1(s); }

// `docker args...` against the private engine; stdout, or "" on failure.
QString docker(const PrivateDockerd& d, const QStringList& args, int* exitCode = nullptr) {
    QProcess p;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(opt("DOCKER_HOST"), d.dockerHost());
    env.insert(opt("DOCKER_BUILDKIT"), opt("0"));   // the classic builder: no registry, no buildx
    p.setProcessEnvironment(env);
    p.setProcessChannelMode(QProcess::MergedChannels);
    p.start(opt("docker"), args);
    p.waitForFinished(60000);
    if (exitCode) *exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    return QString::fromUtf8(p.readAllStandardOutput()).trimmed();
}

// The value of `name` in the environment of the running container, read inside it.
QString envInside(const PrivateDockerd& d, const QString& container, const QString& name) {
    int rc = -1;
    // The test image has no printenv: its shell says whether the name is set.
    const QString script = QStringLiteral("[ -n \"${%1+set}\" ] && printf '%s' \"$%1\"").arg(name);
    const QString out = docker(d, {opt("exec"), container, opt("sh"), opt("-c"), script}, &rc);
    return rc == 0 ? out : QString();
}

bool runningContainer(const PrivateDockerd& d, const QString& name) {
    return docker(d, {opt("inspect"), opt("-f"), opt("{{.State.Running}}"), name}) == QLatin1String("true");
}

}  // namespace

class TestE2eVault : public QObject {
    Q_OBJECT

    QTemporaryDir dir_;
    EngineFixture engine_;
    std::unique_ptr<MasterProcess> master_;
    std::unique_ptr<Cli> cli_;
    std::unique_ptr<DockerProxy> proxy_;
    std::unique_ptr<AgentProcess> agent_;

    CliResult kontena(const QStringList& args, const QByteArray& input = {}) { return cli_->run(args, 120000, input); }
    QString diagnose() {
        const QString containers = docker(engine_.dockerd, {opt("ps"), opt("-a"), opt("--format"), opt("{{.Names}} {{.Status}}")});
        return QStringLiteral("\ncontainers:\n%1\nagent log:\n%2\nmaster log:\n%3")
            .arg(containers, agent_ ? agent_->log(1500) : QString(), master_->log().right(1500));
    }
    QString writeFile(const char* name, const QByteArray& text) {
        QFile f(dir_.filePath(opt(name)));
        if (!f.open(QIODevice::WriteOnly)) return QString();
        f.write(text);
        return f.fileName();
    }

private slots:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        if (qEnvironmentVariableIsSet("KONTENA_KEEP_TEST_DIR")) dir_.setAutoRemove(false);
        if (QString e = engine_.setUp(); !e.isEmpty()) QFAIL(qPrintable(e));
        // The vault key: made by the master program itself.
        const QString keyFile = makeVaultKeyFile(dir_.filePath(opt("vault.key")));
        QVERIFY(!keyFile.isEmpty());
        master_ = std::make_unique<MasterProcess>(dir_.filePath(opt("master")), QStringList{opt("--vault-key-file"), keyFile});
        QVERIFY2(master_->start(opt("vault-admin-code")), qPrintable(master_->log()));
        cli_ = std::make_unique<Cli>(dir_.filePath(opt("cfg")));
        auto r = kontena({opt("master"), opt("login"), opt("--code"), opt("vault-admin-code"), master_->url()});
        QVERIFY2(r.exit == 0, qPrintable(r.err));
        r = kontena({opt("grid"), opt("create"), opt("--initial-size"), opt("1"), opt("vlt")});
        QVERIFY2(r.exit == 0, qPrintable(r.err));
        const QString token = kontena({opt("grid"), opt("token")}).out.trimmed();
        // The agent reaches its dockerd through a proxy that keeps what it sent.
        proxy_ = std::make_unique<DockerProxy>(dir_.filePath(opt("docker-proxy.sock")), engine_.dockerd.socketPath());
        QVERIFY(proxy_->start());
        agent_ = std::make_unique<AgentProcess>(opt("node-1"), opt("vlt"), proxy_->dockerHost(), dir_.filePath(opt("agent.log")));
        QVERIFY(agent_->start(master_->wsUrl(), token));
        QVERIFY2(eventually([&] {
            const auto n = kontena({opt("node"), opt("ls"), opt("-o"), opt("json")}).json().toArray();
            return n.size() == 1 && n.first().toObject().value(opt("status")).toString() == opt("online");
        }, 20000), qPrintable(diagnose()));
    }

    void cleanupTestCase() {
        agent_.reset();
        proxy_.reset();
        master_.reset();
        (void)engine_.dockerd.stop();
    }

    void secretReachesTheContainer() {
        auto r = kontena({opt("vault"), opt("write"), opt("APP_TOKEN")}, kSecret + "\n");   // from stdin
        QVERIFY2(r.exit == 0, qPrintable(r.err));
        r = kontena({opt("vault"), opt("ls")});
        QVERIFY2(r.exit == 0 && r.out.contains(opt("APP_TOKEN")) && !r.out.contains(QString::fromLatin1(kSecret)), qPrintable(r.out + r.err));

        const QByteArray service = "    image: " + kTestImage.toUtf8() +
                                   "\n    command: sh -c 'sleep 100000'\n    stop_grace_period: 1s\n    secrets:\n";
        const QString missing = writeFile("missing.yml", "stack: test/sec\nversion: 1.0.0\nservices:\n  app:\n" + service +
                                                             "      - secret: NOPE\n        name: TOKEN\n        type: env\n");
        r = kontena({opt("stack"), opt("install"), opt("-n"), opt("sec"), missing});
        QVERIFY(r.exit != 0);
        QVERIFY2(r.err.contains(opt("Secret NOPE does not exist")), qPrintable(r.err));

        const QString file = writeFile("sec.yml", "stack: test/sec\nversion: 1.0.0\nservices:\n  app:\n" + service +
                                                      "      - secret: APP_TOKEN\n        name: TOKEN\n        type: env\n");
        r = kontena({opt("stack"), opt("install"), opt("-n"), opt("sec"), file});
        QVERIFY2(r.exit == 0, qPrintable(r.err + diagnose()));
        QVERIFY2(eventually([&] { return envInside(engine_.dockerd, opt("sec.app-1"), opt("TOKEN")) == QString::fromLatin1(kSecret); }, 60000),
                 qPrintable(diagnose()));

        // A new value: the stateless service is re-created with it (the re-scheduler's next pass).
        r = kontena({opt("vault"), opt("update"), opt("APP_TOKEN"), QString::fromLatin1(kSecret) + opt("-2")});
        QVERIFY2(r.exit == 0, qPrintable(r.err));
        QVERIFY2(eventually([&] { return envInside(engine_.dockerd, opt("sec.app-1"), opt("TOKEN")) == QString::fromLatin1(kSecret) + opt("-2"); }, 90000),
                 qPrintable(diagnose()));
        r = kontena({opt("vault"), opt("read"), opt("APP_TOKEN"), opt("--value")});
        QCOMPARE(r.out.trimmed(), QString::fromLatin1(kSecret) + opt("-2"));
    }

    // The corpus's mariadb stack, its image stood in for by busybox with a
    // `mysqld` that listens on 3306: `to: vault` values (a random root
    // password among them) are written by the CLI and set in the container.
    void corpusMariadbInstallsWithItsSecrets() {
        const QString context = dir_.filePath(opt("mariadb-image"));
        QVERIFY(QDir().mkpath(context));
        QFile script(context + opt("/mysqld"));
        QVERIFY(script.open(QIODevice::WriteOnly));
        script.write("#!/bin/sh\n# stands in for mysqld: accepts connections on 3306\n"
                     "while true; do nc -l -p 3306 </dev/null >/dev/null 2>&1 || sleep 1; done\n");
        script.close();
        QVERIFY(script.setPermissions(QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner | QFile::ReadOther | QFile::ExeOther));
        QFile dockerfile(context + opt("/Dockerfile"));
        QVERIFY(dockerfile.open(QIODevice::WriteOnly));
        dockerfile.write("FROM " + kTestImage.toUtf8() + "\nCOPY mysqld /usr/bin/mysqld\n");
        dockerfile.close();
        int rc = -1;
        const QString built = docker(engine_.dockerd, {opt("build"), opt("-t"), opt("mariadb:10.2"), context}, &rc);
        QVERIFY2(rc == 0, qPrintable(built));

        auto r = kontena({opt("volume"), opt("create"), opt("--scope"), opt("instance"), opt("mdb-data")});
        QVERIFY2(r.exit == 0, qPrintable(r.err));
        const QString corpus = qEnvironmentVariable("KONTENA_SHARED_DIR") + opt("/corpus/kontena-stacks/mariadb_kontena.yml");
        QVERIFY2(QFile::exists(corpus), qPrintable(corpus));
        r = kontena({opt("stack"), opt("install"), opt("--no-wait"), opt("-n"), opt("mdb"), corpus});
        QVERIFY2(r.exit == 0, qPrintable(r.err + diagnose()));
        r = kontena({opt("vault"), opt("ls"), opt("-o"), opt("json")});
        QStringList names;
        for (const auto& v : r.json().toArray()) names.append(v.toObject().value(opt("name")).toString());
        for (const char* n : {"mdb-root-password", "mdb-user", "mdb-password", "mdb-database"}) QVERIFY2(names.contains(opt(n)), qPrintable(names.join(u',')));
        const QString rootPassword = kontena({opt("vault"), opt("read"), opt("mdb-root-password"), opt("--value")}).out.trimmed();
        QCOMPARE(rootPassword.size(), 16);   // random_string: 16
        QVERIFY2(eventually([&] { return runningContainer(engine_.dockerd, opt("mdb.server-1")); }, 60000), qPrintable(diagnose()));
        QCOMPARE(envInside(engine_.dockerd, opt("mdb.server-1"), opt("MYSQL_ROOT_PASSWORD")), rootPassword);
        QCOMPARE(envInside(engine_.dockerd, opt("mdb.server-1"), opt("MYSQL_USER")), opt("mariadb"));
        QCOMPARE(envInside(engine_.dockerd, opt("mdb.server-1"), opt("MYSQL_DATABASE")), opt("mariadb"));
        QCOMPARE(envInside(engine_.dockerd, opt("mdb.server-1"), opt("MYSQL_PASSWORD")).size(), 16);

        // An upgrade reads the values back from the vault: nothing changes.
        r = kontena({opt("stack"), opt("upgrade"), opt("--no-wait"), opt("mdb"), corpus});
        QVERIFY2(r.exit == 0, qPrintable(r.err + diagnose()));
        QCOMPARE(kontena({opt("vault"), opt("read"), opt("mdb-root-password"), opt("--value")}).out.trimmed(), rootPassword);
        const QString secret = rootPassword;
        noValueAnywhere({kSecret, secret.toUtf8()});
    }

    // An imported certificate reaches a service naming its subject as
    // SSL_CERTS (certificate, then key: what HAProxy reads); the key is in
    // no file of the master or agent.
    void certificateReachesTheContainer() {
        const QString certs = dir_.filePath(opt("certs"));
        QVERIFY(QDir().mkpath(certs));
        QProcess openssl;
        openssl.setProcessChannelMode(QProcess::MergedChannels);
        openssl.start(opt("openssl"), {opt("req"), opt("-x509"), opt("-newkey"), opt("rsa:2048"), opt("-nodes"), opt("-days"), opt("30"),
                                       opt("-subj"), opt("/CN=www.vault.test"), opt("-keyout"), certs + opt("/key.pem"), opt("-out"),
                                       certs + opt("/cert.pem")});
        QVERIFY2(openssl.waitForFinished(60000) && openssl.exitCode() == 0, openssl.readAll().constData());
        auto r = kontena({opt("certificate"), opt("import"), opt("--private-key"), certs + opt("/key.pem"), certs + opt("/cert.pem")});
        QVERIFY2(r.exit == 0, qPrintable(r.out + r.err));
        QVERIFY2(kontena({opt("certificate"), opt("ls")}).out.contains(opt("www.vault.test")), qPrintable(r.out));

        const QString file = writeFile("tls.yml", "stack: test/tls\nversion: 1.0.0\nservices:\n  lb:\n    image: " + kTestImage.toUtf8() +
                                                      "\n    command: sh -c 'sleep 100000'\n    stop_grace_period: 1s\n    certificates:\n"
                                                      "      - subject: www.vault.test\n        name: SSL_CERTS\n        type: env\n");
        r = kontena({opt("stack"), opt("install"), opt("-n"), opt("tls"), file});
        QVERIFY2(r.exit == 0, qPrintable(r.err + diagnose()));
        QString bundle;
        QVERIFY2(eventually([&] { return !(bundle = envInside(engine_.dockerd, opt("tls.lb-1"), opt("SSL_CERTS"))).isEmpty(); }, 60000),
                 qPrintable(diagnose()));
        QVERIFY(bundle.contains(opt("-----BEGIN CERTIFICATE-----")));
        QVERIFY(bundle.indexOf(opt("PRIVATE KEY-----")) > bundle.indexOf(opt("-----END CERTIFICATE-----")));
        QFile key(certs + opt("/key.pem"));
        QVERIFY(key.open(QIODevice::ReadOnly));
        const QList<QByteArray> lines = key.readAll().split('\n');
        QVERIFY(lines.size() > 4);
        QVERIFY(bundle.contains(QString::fromLatin1(lines.at(2))));
        noValueAnywhere({lines.at(2), lines.at(3)});   // two lines of the private key
        QCOMPARE(kontena({opt("stack"), opt("rm"), opt("tls")}).exit, 0);
    }

    // Credentials of an external registry go with the pull of an image from
    // it, as Docker's X-Registry-Auth header (read off the bytes the agent
    // sent its dockerd). The registry is a loopback port nobody serves: the
    // pull fails, the header was sent.
    void registryCredentialsGoWithThePull() {
        auto r = kontena({opt("external-registry"), opt("add"), opt("-u"), opt("puller"), opt("-e"), opt("ops@vault.test"), opt("-p"),
                          QString::fromLatin1(kRegistryPassword), opt("http://127.0.0.1:5999")});
        QVERIFY2(r.exit == 0, qPrintable(r.out + r.err));
        r = kontena({opt("external-registry"), opt("ls")});
        QVERIFY2(r.out.contains(opt("127.0.0.1:5999")) && !r.out.contains(QString::fromLatin1(kRegistryPassword)), qPrintable(r.out));
        const QString file = writeFile("reg.yml", "stack: test/reg\nversion: 1.0.0\nservices:\n  app:\n    image: 127.0.0.1:5999/team/app:1\n");
        r = kontena({opt("stack"), opt("install"), opt("--no-wait"), opt("-n"), opt("reg"), file});
        QVERIFY2(r.exit == 0, qPrintable(r.err + diagnose()));
        QByteArray header;
        QVERIFY2(eventually([&] {
            const QByteArray sent = proxy_->requests();
            const qsizetype at = sent.indexOf("\r\nX-Registry-Auth: ");
            if (at < 0) return false;
            const qsizetype start = at + qsizetype(sizeof("\r\nX-Registry-Auth: ") - 1);
            header = sent.mid(start, sent.indexOf("\r\n", start) - start);
            return true;
        }, 60000), qPrintable(diagnose()));
        const QJsonObject auth =
            QJsonDocument::fromJson(QByteArray::fromBase64(header, QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals)).object();
        QCOMPARE(auth.value(opt("username")).toString(), opt("puller"));
        QCOMPARE(auth.value(opt("password")).toString(), QString::fromLatin1(kRegistryPassword));
        QVERIFY2(auth.value(opt("serveraddress")).toString().contains(opt("127.0.0.1:5999")), header.constData());
        const QByteArray sent = proxy_->requests();
        QVERIFY(sent.contains("/images/create?fromImage=127.0.0.1%3A5999%2Fteam%2Fapp&tag=1") ||
                sent.contains("/images/create?fromImage=127.0.0.1:5999/team/app&tag=1"));
        // An image of Docker Hub goes without: only the one pull carried it.
        QCOMPARE(sent.count("X-Registry-Auth:"), sent.count("fromImage=127.0.0.1"));
        noValueAnywhere({kRegistryPassword});
        QCOMPARE(kontena({opt("stack"), opt("rm"), opt("reg")}).exit, 0);
    }

    // The corpus's wordpress-cluster stack (images stood in for by busybox:
    // a galera "mysqld" on 3306, the others asleep), linked to a load
    // balancer stack: vault variables read, generated and written by the
    // CLI, and every service's secrets set inside its containers.
    void corpusWordpressClusterInstallsWithItsSecrets() {
        buildStandIn("severalnines/mariadb:latest", "[\"/usr/bin/mysqld\"]");
        for (const char* tag : {"kontena/lb:latest", "nimmis/resilio-sync:latest", "wordpress:4.8"}) buildStandIn(tag, "[\"sleep\", \"1000000\"]");
        const QString lb = writeFile("ingress.yml", "stack: test/ingress\nversion: 1.0.0\nservices:\n  lb:\n    image: kontena/lb:latest\n"
                                                     "    stop_grace_period: 1s\n");
        auto r = kontena({opt("stack"), opt("install"), opt("-n"), opt("ingress"), lb});
        QVERIFY2(r.exit == 0, qPrintable(r.err + diagnose()));
        for (const char* v : {"wp-mysql", "wp-data"}) {
            r = kontena({opt("volume"), opt("create"), opt("--scope"), opt(v) == opt("wp-mysql") ? opt("instance") : opt("stack"), opt(v)});
            QVERIFY2(r.exit == 0, qPrintable(r.err));
        }
        const QByteArray resilio = "Resilio-Secret-Wombat-3141";
        qputenv("LOADBALANCER", "ingress/lb");
        qputenv("VIRTUALHOST", "wp.vault.test");
        qputenv("RESILIO_SECRET", resilio);
        const QString corpus = qEnvironmentVariable("KONTENA_SHARED_DIR") + opt("/corpus/kontena-stacks/wordpress-cluster_kontena.yml");
        r = kontena({opt("stack"), opt("install"), opt("--no-wait"), opt("-n"), opt("wp"), corpus});
        for (const char* e : {"LOADBALANCER", "VIRTUALHOST", "RESILIO_SECRET"}) qunsetenv(e);
        QVERIFY2(r.exit == 0, qPrintable(r.out + r.err + diagnose()));
        const auto value = [&](const char* name) { return kontena({opt("vault"), opt("read"), opt(name), opt("--value")}).out.trimmed(); };
        const QString rootPassword = value("wp-mysql-pwd"), wpSecret = value("wp-secret");
        QCOMPARE(rootPassword.size(), 24);   // random_string: 24, written `to: vault`
        QCOMPARE(wpSecret.size(), 24);
        QCOMPARE(value("wp-resilio-secret"), QString::fromLatin1(resilio));
        QCOMPARE(value("wp-xtrabackup-pwd").size(), 24);
        for (const char* c : {"wp.mariadb-galera-1", "wp.mariadb-galera-3", "wp.resilio-1", "wp.wordpress-1", "wp.wordpress-3"}) {
            QVERIFY2(eventually([&] { return runningContainer(engine_.dockerd, opt(c)); }, 120000), qPrintable(opt(c) + diagnose()));
        }
        QCOMPARE(envInside(engine_.dockerd, opt("wp.mariadb-galera-2"), opt("MYSQL_ROOT_PASSWORD")), rootPassword);
        QCOMPARE(envInside(engine_.dockerd, opt("wp.mariadb-galera-2"), opt("XTRABACKUP_PASSWORD")), value("wp-xtrabackup-pwd"));
        QCOMPARE(envInside(engine_.dockerd, opt("wp.resilio-1"), opt("RSLSYNC_SECRET")), QString::fromLatin1(resilio));
        QCOMPARE(envInside(engine_.dockerd, opt("wp.wordpress-1"), opt("WORDPRESS_DB_PASSWORD")), rootPassword);
        for (const char* e : {"WORDPRESS_AUTH_KEY", "WORDPRESS_NONCE_SALT"}) QCOMPARE(envInside(engine_.dockerd, opt("wp.wordpress-3"), opt(e)), wpSecret);
        QCOMPARE(envInside(engine_.dockerd, opt("wp.wordpress-1"), opt("KONTENA_LB_VIRTUAL_HOSTS")), opt("wp.vault.test"));
        noValueAnywhere({rootPassword.toUtf8(), wpSecret.toUtf8(), resilio});
    }

private:
    // An image named `tag` made from the test image, with `cmd` (JSON form)
    // and a `mysqld` that accepts connections on 3306.
    void buildStandIn(const char* tag, const char* cmd) {
        const QString context = dir_.filePath(opt("standins/") + opt(tag).replace(QRegularExpression(opt("[^a-z0-9]")), opt("_")));
        QVERIFY(QDir().mkpath(context));
        QFile script(context + opt("/mysqld"));
        QVERIFY(script.open(QIODevice::WriteOnly));
        script.write("#!/bin/sh\nwhile true; do nc -l -p 3306 </dev/null >/dev/null 2>&1 || sleep 1; done\n");
        script.close();
        QVERIFY(script.setPermissions(QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner | QFile::ReadOther | QFile::ExeOther));
        QFile dockerfile(context + opt("/Dockerfile"));
        QVERIFY(dockerfile.open(QIODevice::WriteOnly));
        dockerfile.write("FROM " + kTestImage.toUtf8() + "\nCOPY mysqld /usr/bin/mysqld\nCMD " + QByteArray(cmd) + "\n");
        dockerfile.close();
        int rc = -1;
        const QString built = docker(engine_.dockerd, {opt("build"), opt("-t"), opt(tag), context}, &rc);
        QVERIFY2(rc == 0, qPrintable(built));
    }

    // Neither value is in any file of the master's data directory, the
    // master's log, the agent's log or the CLI's configuration.
    void noValueAnywhere(const QList<QByteArray>& values) {
        int files = 0;
        for (QDirIterator it(dir_.path(), QDir::Files | QDir::Hidden, QDirIterator::Subdirectories); it.hasNext();) {
            const QString path = it.next();
            if (path.startsWith(dir_.filePath(opt("mariadb-image"))) || path.startsWith(dir_.filePath(opt("certs"))) ||
                path.startsWith(dir_.filePath(opt("standins"))))
                continue;
            QFile f(path);
            if (!f.open(QIODevice::ReadOnly)) continue;
            const QByteArray bytes = f.readAll();
            for (const QByteArray& v : values) QVERIFY2(!bytes.contains(v) && !bytes.contains(v.toBase64()), qPrintable(path));
            ++files;
        }
        QVERIFY(files >= 4);   // master.db, its log, the agent's log, the CLI's config at least
        QVERIFY(QFile::exists(dir_.filePath(opt("master/master.db"))));
    }
};

QTEST_GUILESS_MAIN(TestE2eVault)
#include "tst_e2e_vault.moc"
