// What operators reach for daily, for real (reference 6.5 hooks, 11.4
// exec, 11.5 logs): kontena-master, one kontena-agent on a private dockerd,
// everything through the kontena CLI.
// - hooks: pre_start runs in a throw-away container and its failure stops
//   the instance with the hook named; post_start runs inside the new
//   container; a oneshot hook runs once per instance number even across a
//   re-create; pre_stop runs before the container goes (it writes into a
//   bind-mounted directory the test reads).
// - exec: `kontena service exec` prints the command's output and exits
//   with its exit code; with -i the input reaches the command.
// - logs -f: a line the container writes is printed within a second.
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSet>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QWebSocket>
#include <QtTest>

#include <memory>

#include "tests/docker/test_image.h"
#include "tests/e2e/fluentd_receiver.h"
#include "tests/master/platform_harness.h"

using namespace kontena::testing;

namespace {

QString opt(const char* s) { return QString::fromLatin1(s); }

// `docker args...` against the private engine; stdout, or "" on failure.
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

// A file's text inside a container ("" when it is not there).
QString fileInside(const PrivateDockerd& d, const QString& container, const QString& path) {
    int rc = -1;
    const QString out = docker(d, {opt("exec"), container, opt("cat"), path}, &rc);
    return rc == 0 ? out : QString();
}

// "" when there is no such container.
QString containerId(const PrivateDockerd& d, const QString& name) {
    int rc = -1;
    const QString id = docker(d, {opt("inspect"), opt("-f"), opt("{{.Id}}"), name}, &rc);
    return rc == 0 ? id : QString();
}

}  // namespace

class TestE2eOps : public QObject {
    Q_OBJECT

    QTemporaryDir dir_;
    EngineFixture engine_;
    std::unique_ptr<MasterProcess> master_;
    std::unique_ptr<Cli> cli_;
    std::unique_ptr<AgentProcess> agent_;

    CliResult kontena(const QStringList& args, const QByteArray& input = {}) { return cli_->run(args, 120000, input); }
    QString diagnose() {
        const QString containers = docker(engine_.dockerd, {opt("ps"), opt("-a"), opt("--format"), opt("{{.Names}} {{.Status}}")});
        return QStringLiteral("\ncontainers:\n%1\nagent log:\n%2\nmaster log:\n%3")
            .arg(containers, agent_ ? agent_->log(2500) : QString(), master_->log().right(2500));
    }
    QString writeFile(const QString& name, const QByteArray& text) {
        QFile f(dir_.filePath(name));
        if (!f.open(QIODevice::WriteOnly)) return QString();
        f.write(text);
        return f.fileName();
    }
    QByteArray token() {
        QFile cfg(dir_.filePath(opt("cfg/config.json")));
        if (!cfg.open(QIODevice::ReadOnly)) return {};
        const QJsonArray masters = QJsonDocument::fromJson(cfg.readAll()).object().value(opt("masters")).toArray();
        return masters.isEmpty() ? QByteArray() : masters.first().toObject().value(opt("token")).toString().toUtf8();
    }
    QJsonArray events() { return kontena({opt("grid"), opt("events"), opt("-l"), opt("1000"), opt("-o"), opt("json")}).json().toArray(); }
    bool hasEvent(const QString& type, const QString& subject, const QString& text) {
        for (const auto& v : events()) {
            const QJsonObject e = v.toObject();
            if (e.value(opt("type")).toString() == type && e.value(opt("subject")).toString() == subject &&
                e.value(opt("msg")).toString().contains(text))
                return true;
        }
        return false;
    }

private slots:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        if (qEnvironmentVariableIsSet("KONTENA_KEEP_TEST_DIR")) dir_.setAutoRemove(false);
        if (QString e = engine_.setUp(); !e.isEmpty()) QFAIL(qPrintable(e));
        master_ = std::make_unique<MasterProcess>(dir_.filePath(opt("master")));
        QVERIFY2(master_->start(opt("ops-admin-code")), qPrintable(master_->log()));
        cli_ = std::make_unique<Cli>(dir_.filePath(opt("cfg")));
        agent_ = std::make_unique<AgentProcess>(opt("node-1"), opt("ops"), engine_.dockerd.dockerHost(), dir_.filePath(opt("agent.log")));
        const QString failed = startOneNodeGrid(*master_, *cli_, opt("ops-admin-code"), opt("ops"), *agent_);
        QVERIFY2(failed.isEmpty(), qPrintable(failed + diagnose()));
    }

    void cleanupTestCase() {
        agent_.reset();
        if (master_) master_->kill9();
        (void)engine_.dockerd.stop();
    }

    void serviceExecRunsTheCommand() {
        const QByteArray stack = "stack: test/ex\nversion: 1.0.0\nservices:\n  app:\n    image: " + kTestImage.toUtf8() +
                                 "\n    command: sh -c 'echo ready; sleep 100000'\n    stop_grace_period: 1s\n";
        auto r = kontena({opt("stack"), opt("install"), opt("-n"), opt("ex"), writeFile(opt("ex.yml"), stack)});
        QVERIFY2(r.exit == 0, qPrintable(r.err + diagnose()));
        // Output to ours, both streams, and the command's exit code as ours;
        // options after the service belong to the command.
        r = kontena({opt("service"), opt("exec"), opt("ex/app"), opt("sh"), opt("-c"), opt("echo to-out; echo to-err >&2; exit 7")});
        QCOMPARE(r.exit, 7);
        QCOMPARE(r.out, opt("to-out\n"));
        QCOMPARE(r.err, opt("to-err\n"));
        r = kontena({opt("service"), opt("exec"), opt("--instance"), opt("1"), opt("ex/app"), opt("ls"), opt("-d"), opt("/tmp")});
        QCOMPARE(r.exit, 0);
        QCOMPARE(r.out, opt("/tmp\n"));
        // -i: our input reaches the command, and its end ends the command.
        r = kontena({opt("service"), opt("exec"), opt("-i"), opt("ex/app"), opt("sh"), opt("-c"), opt("tr a-z A-Z")}, "hello exec\n");
        QCOMPARE(r.exit, 0);
        QCOMPARE(r.out, opt("HELLO EXEC\n"));
        // -t: the command gets a terminal (its output then comes as a terminal writes it).
        r = kontena({opt("service"), opt("exec"), opt("-t"), opt("ex/app"), opt("sh"), opt("-c"), opt("test -t 0 && echo is-a-tty")});
        QVERIFY2(r.exit == 0 && r.out.contains(opt("is-a-tty")), qPrintable(QStringLiteral("exit %1: %2 %3").arg(r.exit).arg(r.out, r.err)));
        // -it: typed input reaches it, and the end of ours is a Ctrl-D to it.
        r = kontena({opt("service"), opt("exec"), opt("-i"), opt("-t"), opt("ex/app"), opt("sh"), opt("-c"), opt("read line; echo got-$line")},
                    "typed\n");
        QVERIFY2(r.exit == 0 && r.out.contains(opt("got-typed")), qPrintable(QStringLiteral("exit %1: %2 %3").arg(r.exit).arg(r.out, r.err)));
        // The same through the container's id.
        r = kontena({opt("container"), opt("exec"), opt("node-1/ex.app-1"), opt("sh"), opt("-c"), opt("echo $KONTENA_SERVICE_NAME")});
        QCOMPARE(r.exit, 0);
        QCOMPARE(r.out, opt("app\n"));
        r = kontena({opt("container"), opt("exec"), opt("node-1/ex.nope-1"), opt("true")});
        QVERIFY2(r.exit != 0 && r.err.contains(opt("not found")), qPrintable(r.err));
        // What cannot run says why.
        r = kontena({opt("service"), opt("exec"), opt("ex/app"), opt("/no/such/program")});
        QVERIFY2(r.exit != 0, qPrintable(r.out + r.err));
        r = kontena({opt("service"), opt("exec"), opt("--instance"), opt("9"), opt("ex/app"), opt("true")});
        QVERIFY2(r.exit != 0 && r.err.contains(opt("no placed instance 9")), qPrintable(r.err));
        // Audited, without the command.
        const QString audit = kontena({opt("grid"), opt("audit-log")}).out;
        QVERIFY2(audit.contains(opt("exec")) && !audit.contains(opt("tr a-z")), qPrintable(audit));
    }

    void streamsAreAuthorised() {
        const QString host = master_->wsUrl();
        auto closeOf = [&](const QString& path, const QByteArray& token) {
            QNetworkRequest req(QUrl(host + path));
            if (!token.isEmpty()) req.setRawHeader("Authorization", "Bearer " + token);
            QWebSocket ws;
            QEventLoop loop;
            connect(&ws, &QWebSocket::disconnected, &loop, &QEventLoop::quit);
            QTimer::singleShot(10000, &loop, &QEventLoop::quit);
            ws.open(req);
            loop.exec();
            return std::pair{int(ws.closeCode()), ws.closeReason()};
        };
        QCOMPARE(closeOf(opt("/v1/containers/ops/node-1/ex.app-1/exec"), {}).first, 4401);
        QCOMPARE(closeOf(opt("/v1/grids/ops/container_logs"), "not-a-token").first, 4401);
        // The CLI's own token, from its configuration.
        QFile cfg(dir_.filePath(opt("cfg/config.json")));
        QVERIFY(cfg.open(QIODevice::ReadOnly));
        const QJsonArray masters = QJsonDocument::fromJson(cfg.readAll()).object().value(opt("masters")).toArray();
        QVERIFY(!masters.isEmpty());
        const QByteArray token = masters.first().toObject().value(opt("token")).toString().toUtf8();
        QVERIFY(!token.isEmpty());
        {
            QCOMPARE(closeOf(opt("/v1/containers/ops/node-1/somebody-else/exec"), token).first, 4404);
            const auto bad = closeOf(opt("/v1/grids/ops/container_logs?since=yesterday"), token);
            QCOMPARE(bad.first, 4400);
            QVERIFY2(bad.second.contains(opt("since")), qPrintable(bad.second));
        }
    }

    void logsFollowStreamsNewLines() {
        QProcess follow;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(opt("KONTENA_CONFIG_DIR"), dir_.filePath(opt("cfg")));
        follow.setProcessEnvironment(env);
        follow.start(qEnvironmentVariable("KONTENA_CLI_BIN"), {opt("service"), opt("logs"), opt("-f"), opt("--tail"), opt("5"), opt("ex/app")});
        QVERIFY(follow.waitForStarted(5000));
        QByteArray seen;
        auto waitFor = [&](const QByteArray& text, int ms) {
            return eventually([&] {
                follow.waitForReadyRead(50);
                seen += follow.readAllStandardOutput();
                return seen.contains(text);
            }, ms);
        };
        QVERIFY2(waitFor("ready", 20000), qPrintable(QString::fromUtf8(seen + follow.readAllStandardError()) + diagnose()));
        // A line the container writes now (on its PID 1's stdout) reaches us.
        QElapsedTimer t;
        t.start();
        int rc = -1;
        docker(engine_.dockerd, {opt("exec"), opt("ex.app-1"), opt("sh"), opt("-c"), opt("echo followed-marker-42 > /proc/1/fd/1")}, &rc);
        QCOMPARE(rc, 0);
        QVERIFY2(waitFor("followed-marker-42", 10000), qPrintable(QString::fromUtf8(seen) + diagnose()));
        qInfo("logs -f: a new line printed %lld ms after the container wrote it", static_cast<long long>(t.elapsed()));
        follow.kill();
        follow.waitForFinished(5000);
        // The stack's and the grid's logs carry it too.
        auto r = kontena({opt("stack"), opt("logs"), opt("--tail"), opt("5"), opt("ex")});
        QVERIFY2(r.exit == 0 && r.out.contains(opt("followed-marker-42")), qPrintable(r.out + r.err));
        r = kontena({opt("grid"), opt("logs"), opt("-o"), opt("json")});
        QVERIFY2(r.exit == 0 && r.json().toArray().size() >= 2, qPrintable(r.out + r.err));
        r = kontena({opt("stack"), opt("logs"), opt("nope")});
        QVERIFY2(r.exit != 0 && r.err.contains(opt("nope")), qPrintable(r.err));
    }

    // Reference 11.5: the grid's lines to fluentd, tagged node.grid.stack.service.instance;
    // delivered at least once: a line written while fluentd is away arrives after its return.
    void logsForwardedToFluentd() {
        FluentdReceiver fluent;
        QVERIFY(fluent.listen());
        const quint16 port = fluent.port();
        auto put = [&](const QJsonObject& logs) {
            QNetworkAccessManager nam;
            QNetworkRequest req(QUrl(master_->url() + opt("/v1/grids/ops")));
            req.setHeader(QNetworkRequest::ContentTypeHeader, opt("application/json"));
            req.setRawHeader("Authorization", "Bearer " + token());
            QNetworkReply* reply = nam.put(req, QJsonDocument(QJsonObject{{opt("logs"), logs}}).toJson());
            QEventLoop loop;
            connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
            loop.exec();
            reply->deleteLater();
            return std::pair{reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), QString::fromUtf8(reply->readAll())};
        };
        auto bad = put(QJsonObject{{opt("forwarder"), opt("fluentd")}, {opt("opts"), QJsonObject{{opt("fluentd-server"), opt("x:1")}}}});
        QCOMPARE(bad.first, 422);
        QVERIFY2(bad.second.contains(opt("fluentd-address")), qPrintable(bad.second));
        const QString address = QStringLiteral("127.0.0.1:%1").arg(port);
        QCOMPARE(put(QJsonObject{{opt("forwarder"), opt("fluentd")}, {opt("opts"), QJsonObject{{opt("fluentd-address"), address}}}}).first, 200);
        auto write = [&](const char* text) {
            int rc = -1;
            docker(engine_.dockerd, {opt("exec"), opt("ex.app-1"), opt("sh"), opt("-c"), QStringLiteral("echo %1 > /proc/1/fd/1").arg(opt(text))}, &rc);
            return rc == 0;
        };
        auto received = [&](const char* text) {
            for (const FluentRecord& r : fluent.records)
                if (r.log.contains(opt(text))) return r;
            return FluentRecord{};
        };
        QVERIFY(write("fluent-one"));
        QVERIFY2(eventually([&] { QCoreApplication::processEvents(); return !received("fluent-one").tag.isEmpty(); }, 15000), qPrintable(diagnose()));
        const FluentRecord one = received("fluent-one");
        QCOMPARE(one.tag, opt("node-1.ops.ex.app.1"));
        QCOMPARE(one.type, opt("stdout"));
        QVERIFY(one.time > 1700000000);
        // fluentd goes away; a line written meanwhile waits in the master.
        fluent.close();
        QVERIFY(write("fluent-two"));
        QThread::msleep(1500);
        QVERIFY(fluent.listen(port));
        QVERIFY2(eventually([&] { QCoreApplication::processEvents(); return !received("fluent-two").tag.isEmpty(); }, 40000), qPrintable(diagnose()));
        QCOMPARE(put(QJsonObject{{opt("forwarder"), opt("none")}}).first, 200);
    }

    void hooksRunInKontenasOrder() {
        const QString out = dir_.filePath(opt("hook-out"));
        QVERIFY(QDir().mkpath(out));
        const QByteArray stack = "stack: test/hooks\nversion: 1.0.0\nservices:\n  app:\n    image: " + kTestImage.toUtf8() +
                                 "\n    command: sh -c 'sleep 100000'\n    instances: 2\n    stop_grace_period: 1s\n"
                                 "    volumes:\n      - " + out.toUtf8() + ":/out\n"
                                 "    hooks:\n"
                                 "      pre_start:\n        - name: check\n          cmd: test -d /out\n          instances: '*'\n"
                                 "      post_start:\n"
                                 "        - name: mark\n          cmd: echo started-$$KONTENA_SERVICE_INSTANCE_NUMBER > /tmp/post_start\n"
                                 "          instances: '*'\n"
                                 "        - name: seed\n          cmd: echo seeded >> /out/seed-$$KONTENA_SERVICE_INSTANCE_NUMBER\n"
                                 "          instances: 1\n          oneshot: true\n"
                                 "      pre_stop:\n        - name: bye\n          cmd: echo bye >> /out/bye-$$KONTENA_SERVICE_INSTANCE_NUMBER\n"
                                 "          instances: '*'\n";
        auto r = kontena({opt("stack"), opt("install"), opt("-n"), opt("hooks"), writeFile(opt("hooks.yml"), stack)});
        QVERIFY2(r.exit == 0, qPrintable(r.err + diagnose()));
        // post_start ran inside each new container, with its instance number.
        for (int n : {1, 2}) {
            const QString name = QStringLiteral("hooks.app-%1").arg(n);
            QVERIFY2(eventually([&] { return fileInside(engine_.dockerd, name, opt("/tmp/post_start")) == QStringLiteral("started-%1").arg(n); }, 60000),
                     qPrintable(diagnose()));
        }
        QVERIFY2(eventually([&] { return hasEvent(opt("hook"), opt("hooks/app-1"), opt("pre_start hook check ran")); }, 10000), qPrintable(diagnose()));
        QVERIFY(hasEvent(opt("hook"), opt("hooks/app-2"), opt("post_start hook mark ran")));
        // The oneshot hook: instance 1 only.
        QFile seed(out + opt("/seed-1"));
        QVERIFY2(eventually([&] { return seed.exists(); }, 10000), qPrintable(diagnose()));
        QVERIFY(!QFile::exists(out + opt("/seed-2")));

        // A forced deploy re-creates both: pre_stop ran in each old
        // container, post_start in each new one, the oneshot hook not again.
        const QString before = containerId(engine_.dockerd, opt("hooks.app-1"));
        r = kontena({opt("service"), opt("deploy"), opt("--force"), opt("hooks/app")});
        QVERIFY2(r.exit == 0, qPrintable(r.err + diagnose()));
        QVERIFY2(eventually([&] {
            const QString now = containerId(engine_.dockerd, opt("hooks.app-1"));
            return !now.isEmpty() && now != before && fileInside(engine_.dockerd, opt("hooks.app-1"), opt("/tmp/post_start")) == opt("started-1");
        }, 60000), qPrintable(diagnose()));
        QVERIFY2(eventually([&] { return QFile::exists(out + opt("/bye-1")) && QFile::exists(out + opt("/bye-2")); }, 30000), qPrintable(diagnose()));
        QVERIFY(seed.open(QIODevice::ReadOnly));
        QCOMPARE(seed.readAll(), QByteArray("seeded\n"));

        // Scaled down: the instance that goes says goodbye (once more).
        r = kontena({opt("service"), opt("scale"), opt("hooks/app"), opt("1")});
        QVERIFY2(r.exit == 0, qPrintable(r.err + diagnose()));
        QVERIFY2(eventually([&] { return containerId(engine_.dockerd, opt("hooks.app-2")).isEmpty(); }, 30000), qPrintable(diagnose()));
        QFile bye2(out + opt("/bye-2"));
        QVERIFY(bye2.open(QIODevice::ReadOnly));
        QCOMPARE(bye2.readAll(), QByteArray("bye\nbye\n"));

        // The service's events: its deploys and its instances' hooks, nobody else's.
        const QJsonArray mine = kontena({opt("service"), opt("events"), opt("hooks/app"), opt("-o"), opt("json")}).json().toArray();
        QSet<QString> types, subjects;
        for (const auto& v : mine) {
            types.insert(v.toObject().value(opt("type")).toString());
            subjects.insert(v.toObject().value(opt("subject")).toString());
        }
        QVERIFY2(types.contains(opt("hook")) && types.contains(opt("deploy_started")) && types.contains(opt("service_scaled")),
                 qPrintable(QStringList(types.values()).join(u' ')));
        for (const QString& subject : subjects)
            QVERIFY2(subject == opt("hooks/app") || subject.startsWith(opt("hooks/app-")), qPrintable(subject));
        const auto stackEvents = kontena({opt("stack"), opt("events"), opt("hooks")});
        QVERIFY2(stackEvents.exit == 0 && stackEvents.out.contains(opt("stack_applied")) && stackEvents.out.contains(opt("hooks/app-2")),
                 qPrintable(stackEvents.out + stackEvents.err));
        QVERIFY(!kontena({opt("service"), opt("events"), opt("ex/app")}).out.contains(opt("hooks/")));
    }

    void failingPreStartStopsTheInstance() {
        const QByteArray stack = "stack: test/broken\nversion: 1.0.0\nservices:\n  app:\n    image: " + kTestImage.toUtf8() +
                                 "\n    command: sh -c 'sleep 100000'\n    stop_grace_period: 1s\n"
                                 "    hooks:\n      pre_start:\n        - name: migrate\n          cmd: echo schema too new; exit 3\n"
                                 "          instances: '*'\n";
        // The install's deploy fails, naming the hook and what it printed.
        auto r = kontena({opt("stack"), opt("install"), opt("-n"), opt("broken"), writeFile(opt("broken.yml"), stack)});
        QVERIFY2(r.exit != 0 && r.err.contains(opt("pre_start hook migrate failed (exit 3): schema too new")), qPrintable(r.err + diagnose()));
        // The instance carries the hook's failure; no container was made.
        QString error;
        QVERIFY2(eventually([&] {
            const QJsonObject s = kontena({opt("service"), opt("show"), opt("broken/app"), opt("-o"), opt("json")}).json().toObject();
            const QJsonArray inst = s.value(opt("instances_detail")).toArray();
            error = inst.isEmpty() ? QString() : inst.first().toObject().value(opt("error")).toString();
            return !error.isEmpty();
        }, 60000), qPrintable(diagnose()));
        QVERIFY2(error.contains(opt("pre_start hook migrate failed (exit 3)")) && error.contains(opt("schema too new")), qPrintable(error));
        QVERIFY(containerId(engine_.dockerd, opt("broken.app-1")).isEmpty());
        QVERIFY(hasEvent(opt("hook_failed"), opt("broken/app-1"), opt("exit 3")));
        // No throw-away container is left behind.
        const QString all = docker(engine_.dockerd, {opt("ps"), opt("-aq"), opt("--filter"), opt("status=exited")});
        QVERIFY2(all.isEmpty(), qPrintable(all));
    }
};

QTEST_GUILESS_MAIN(TestE2eOps)
#include "tst_e2e_ops.moc"
