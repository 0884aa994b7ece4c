// Kontena's CLI as users type it (issue 18), through the real kontena and
// kontena-master programs: `kontena --help` shows the command tree; the
// global --grid option and the list/remove aliases; grid env, grid user
// ls/add/rm, grid health, grid update --log-forwarder; node label ls, node
// health (a node from this test speaking the agent protocol); stack files
// that read other files (a child stack, extends: file, env_file) installed
// through the master end to end, stack rm with and without
// --keep-dependencies, --skip-dependencies, --values-to, --reuse-values,
// --dry-run and --force on upgrade, stack inspect; master token
// show/current and master rm.
#include <QtTest>

#include "tests/master/platform_harness.h"
#include "tests/master/protocol_agent.h"

using namespace kontena;
using namespace kontena::testing;
using namespace Qt::StringLiterals;

namespace {

void writeFile(const QString& path, const QByteArray& text) {
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
    f.write(text);
}

}  // namespace

class TestCliCompat : public QObject, public CliFixture {
    Q_OBJECT

private slots:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        master_ = std::make_unique<MasterProcess>(path(u"data"_s));
        QVERIFY2(master_->start(u"code-1"_s), qPrintable(master_->log()));
        cli_ = std::make_unique<Cli>(path(u"cfg"_s));
        QCOMPARE(run({u"master"_s, u"login"_s, u"--name"_s, u"m1"_s, u"--code"_s, u"code-1"_s, master_->url()}).exit, 0);
        QCOMPARE(run({u"grid"_s, u"create"_s, u"other"_s}).exit, 0);
        QCOMPARE(run({u"grid"_s, u"create"_s, u"prod"_s}).exit, 0);   // the current grid
    }

    void helpShowsKontenasTree() {
        const CliResult r = run({u"--help"_s});
        QCOMPARE(r.exit, 0);
        // Kontena's order of groups, each followed by its commands (indented).
        const qsizetype grid = r.out.indexOf(u"\n  grid "_s), stack = r.out.indexOf(u"\n  stack "_s), service = r.out.indexOf(u"\n  service "_s),
                        node = r.out.indexOf(u"\n  node "_s), master = r.out.indexOf(u"\n  master "_s);
        QVERIFY2(grid >= 0 && grid < stack && stack < service && service < node && node < master, qPrintable(r.out));
        QVERIFY2(r.out.contains(u"\n    health "_s) && r.out.contains(u"\n      add "_s) && r.out.contains(u"\n    inspect "_s), qPrintable(r.out));
        QVERIFY(!r.out.contains(u"cloud"_s) && !r.out.contains(u"plugin"_s));
        QVERIFY(r.out.contains(u"--grid GRID"_s));
        QVERIFY(r.err.isEmpty());
    }

    void globalGridOptionAndAliases() {
        writeFile(path(u"one.yml"_s), "stack: test/one\nversion: 1.0.0\nservices:\n  app:\n    image: busybox:1\n");
        CliResult r = run({u"--grid"_s, u"other"_s, u"stack"_s, u"install"_s, u"--no-deploy"_s, path(u"one.yml"_s)});
        QVERIFY2(r.exit == 0, qPrintable(r.err));
        QCOMPARE(names(run({u"stack"_s, u"ls"_s, u"-o"_s, u"json"_s}).json()), QStringList());            // prod: none
        QCOMPARE(names(run({u"stack"_s, u"list"_s, u"--grid=other"_s, u"-o"_s, u"json"_s}).json()), QStringList{u"one"_s});
        QCOMPARE(names(run({u"stack"_s, u"list"_s, u"-o"_s, u"json"_s, u"--grid"_s, u"other"_s}).json()), QStringList{u"one"_s});
        QCOMPARE(run({u"--grid"_s, u"other"_s, u"stack"_s, u"remove"_s, u"one"_s}).exit, 0);
        QCOMPARE(names(run({u"--grid"_s, u"other"_s, u"stack"_s, u"ls"_s, u"-o"_s, u"json"_s}).json()), QStringList());
        QCOMPARE(run({u"stack"_s, u"ls"_s, u"--grid"_s}).exit, 2);
        QCOMPARE(run({u"--grid"_s, u"nope"_s, u"stack"_s, u"ls"_s}).exit, 1);
    }

    void gridEnvUsersAndLogForwarding() {
        const QString token = run({u"grid"_s, u"token"_s}).out.trimmed();
        CliResult r = run({u"grid"_s, u"env"_s});
        QCOMPARE(r.exit, 0);
        QCOMPARE(r.out, u"KONTENA_URI=%1\nKONTENA_TOKEN=%2\n"_s.arg(master_->wsUrl(), token));

        QCOMPARE(run({u"master"_s, u"user"_s, u"invite"_s, u"bob@example.com"_s}).exit, 0);
        QCOMPARE(run({u"grid"_s, u"user"_s, u"add"_s, u"bob@example.com"_s}).exit, 0);
        r = run({u"grid"_s, u"user"_s, u"ls"_s});
        QVERIFY2(r.out.startsWith(u"EMAIL"_s) && r.out.contains(u"bob@example.com"_s), qPrintable(r.out));
        QVERIFY(!run({u"grid"_s, u"user"_s, u"list"_s, u"--grid"_s, u"other"_s}).out.contains(u"bob@"_s));
        QCOMPARE(run({u"grid"_s, u"user"_s, u"remove"_s, u"bob@example.com"_s}).exit, 0);
        QVERIFY(!run({u"grid"_s, u"user"_s, u"ls"_s, u"-o"_s, u"json"_s}).out.contains(u"bob@"_s));
        r = run({u"grid"_s, u"user"_s, u"add"_s, u"nobody@example.com"_s});
        QVERIFY2(r.exit == 1 && r.err.contains(u"User not found"_s), qPrintable(r.err));

        const QString fluentd = u"127.0.0.1:%1"_s.arg(freeLoopbackPort());
        r = run({u"grid"_s, u"update"_s, u"--log-forwarder"_s, u"fluentd"_s, u"--log-opt"_s, u"fluentd-address="_s + fluentd});
        QVERIFY2(r.exit == 0 && r.out.contains(u"forwards container logs to fluentd at "_s + fluentd), qPrintable(r.out + r.err));
        const QJsonValue grid = run({u"grid"_s, u"show"_s, u"-o"_s, u"json"_s}).json();
        QCOMPARE(grid[u"logs"_s][u"forwarder"_s].toString(), u"fluentd"_s);
        QCOMPARE(grid[u"logs"_s][u"opts"_s][u"fluentd-address"_s].toString(), fluentd);
        r = run({u"grid"_s, u"update"_s, u"--log-forwarder"_s, u"fluentd"_s});
        QVERIFY2(r.exit == 1 && r.err.contains(u"422"_s), qPrintable(r.err));
        QCOMPARE(run({u"grid"_s, u"update"_s, u"--log-forwarder"_s, u"syslog"_s}).exit, 2);
        QCOMPARE(run({u"grid"_s, u"update"_s, u"--log-opt"_s, u"a=b"_s}).exit, 2);
        QCOMPARE(run({u"grid"_s, u"update"_s}).exit, 2);
        r = run({u"grid"_s, u"update"_s, u"--no-log-forwarder"_s});
        QVERIFY2(r.exit == 0 && r.out.contains(u"forwards no logs"_s), qPrintable(r.out + r.err));
        QVERIFY(!run({u"grid"_s, u"show"_s, u"-o"_s, u"json"_s}).json().toObject().contains(u"logs"_s));
    }

    void healthAndNodeLabels() {
        CliResult r = run({u"grid"_s, u"health"_s});
        QVERIFY2(r.exit == 1 && r.out.contains(u"0/1 initial nodes online"_s), qPrintable(r.out));
        ProtocolAgent agent;
        QVERIFY(agent.open(master_->wsUrl(), run({u"grid"_s, u"token"_s}).out.trimmed()));
        QTRY_VERIFY_WITH_TIMEOUT(run({u"node"_s, u"ls"_s}).out.contains(u"online"_s), 10000);
        r = run({u"grid"_s, u"health"_s});
        QVERIFY2(r.exit == 0 && r.out.contains(u"1/1 initial nodes online"_s) && r.out.contains(u"etcd"_s), qPrintable(r.out));
        r = run({u"node"_s, u"health"_s, u"n1"_s});
        QVERIFY2(r.exit == 0 && r.out.contains(u"Node n1 is online"_s), qPrintable(r.out));
        QCOMPARE(run({u"node"_s, u"label"_s, u"add"_s, u"n1"_s, u"az=a"_s, u"ssd"_s}).exit, 0);
        r = run({u"node"_s, u"label"_s, u"ls"_s, u"n1"_s});
        QCOMPARE(r.out, u"az=a\nssd\n"_s);
        QCOMPARE(run({u"node"_s, u"label"_s, u"list"_s, u"n1"_s, u"-o"_s, u"json"_s}).json().toArray().size(), 2);
        QCOMPARE(run({u"node"_s, u"label"_s, u"rm"_s, u"n1"_s, u"ssd"_s}).exit, 0);   // alias of remove
        QCOMPARE(run({u"node"_s, u"label"_s, u"ls"_s, u"n1"_s}).out, u"az=a\n"_s);
        QCOMPARE(run({u"node"_s, u"health"_s, u"nope"_s}).exit, 1);

        stacksReadingFiles(agent);

        agent.ws.close();
        QTRY_VERIFY_WITH_TIMEOUT(run({u"node"_s, u"health"_s, u"n1"_s}).exit == 1, 15000);
        QCOMPARE(run({u"grid"_s, u"health"_s}).exit, 1);
    }

    void upgradeOptionsAndInspect() {
        writeFile(path(u"vars.yml"_s), "stack: test/vars\nversion: 1.0.0\nvariables:\n  replicas:\n    type: integer\n    default: 1\n"
                                       "services:\n  web:\n    image: busybox:1\n    instances: ${replicas}\n");
        CliResult r = run({u"stack"_s, u"install"_s, u"--no-deploy"_s, u"-n"_s, u"vars"_s, u"-v"_s, u"replicas=3"_s, u"--values-to"_s,
                           path(u"values.yml"_s), path(u"vars.yml"_s)});
        QVERIFY2(r.exit == 0, qPrintable(r.err));
        QFile values(path(u"values.yml"_s));
        QVERIFY(values.open(QIODevice::ReadOnly));
        QCOMPARE(values.readAll().trimmed(), QByteArray("replicas: 3"));
        auto instances = [&] { return run({u"service"_s, u"show"_s, u"vars/web"_s, u"-o"_s, u"json"_s}).json()[u"instances"_s].toInt(); };
        QCOMPARE(instances(), 3);

        r = run({u"stack"_s, u"inspect"_s, u"vars"_s});
        QVERIFY2(r.exit == 0 && r.out.startsWith(u"stack: test/vars\n"_s) && r.out.contains(u"${replicas}"_s), qPrintable(r.out));
        QCOMPARE(run({u"stack"_s, u"inspect"_s, u"--values"_s, u"vars"_s}).out.trimmed(), u"replicas: 3"_s);

        // --dry-run shows the change and makes none; --reuse-values keeps 3 where the default is 1.
        r = run({u"stack"_s, u"upgrade"_s, u"--dry-run"_s, u"-v"_s, u"replicas=5"_s, u"vars"_s, path(u"vars.yml"_s)});
        QVERIFY2(r.exit == 0 && r.out.contains(u"~ web: image busybox:1 -> busybox:1, instances 3 -> 5"_s), qPrintable(r.out + r.err));
        QCOMPARE(instances(), 3);
        r = run({u"stack"_s, u"upgrade"_s, u"--no-deploy"_s, u"--reuse-values"_s, u"vars"_s, path(u"vars.yml"_s)});
        QVERIFY2(r.exit == 0, qPrintable(r.err));
        QCOMPARE(instances(), 3);
        QCOMPARE(run({u"stack"_s, u"upgrade"_s, u"--no-deploy"_s, u"vars"_s, path(u"vars.yml"_s)}).exit, 0);
        QCOMPARE(instances(), 1);

        // Another stack's file replaces this one only with --force.
        writeFile(path(u"other.yml"_s), "stack: test/other\nversion: 2.0.0\nservices:\n  web:\n    image: busybox:2\n");
        r = run({u"stack"_s, u"upgrade"_s, u"--no-deploy"_s, u"vars"_s, path(u"other.yml"_s)});
        QVERIFY2(r.exit == 1 && r.err.contains(u"stack vars is test/vars, the file is test/other: give --force"_s), qPrintable(r.err));
        QCOMPARE(run({u"stack"_s, u"show"_s, u"vars"_s, u"-o"_s, u"json"_s}).json()[u"stack"_s].toString(), u"test/vars"_s);
        QCOMPARE(run({u"stack"_s, u"upgrade"_s, u"--no-deploy"_s, u"--force"_s, u"vars"_s, path(u"other.yml"_s)}).exit, 0);
        QCOMPARE(run({u"stack"_s, u"show"_s, u"vars"_s, u"-o"_s, u"json"_s}).json()[u"stack"_s].toString(), u"test/other"_s);
        QCOMPARE(run({u"stack"_s, u"upgrade"_s, u"--dry-run"_s, u"nope"_s, path(u"vars.yml"_s)}).exit, 1);
    }

    // Services outside stack files (Kontena's null stack), kept by the CLI as stack `null`.
    void servicesOutsideStacks() {
        CliResult r = run({u"service"_s, u"create"_s, u"--instances"_s, u"2"_s, u"-e"_s, u"A=1"_s, u"-e"_s, u"PRICE=$5"_s, u"-p"_s,
                           u"8080:80"_s, u"web"_s, u"busybox:1"_s});
        QVERIFY2(r.exit == 0, qPrintable(r.err));
        QCOMPARE(run({u"service"_s, u"create"_s, u"db"_s, u"busybox:1"_s}).exit, 0);
        QCOMPARE(run({u"service"_s, u"create"_s, u"db"_s, u"busybox:1"_s}).exit, 1);   // exists
        QJsonValue web = run({u"service"_s, u"show"_s, u"web"_s, u"-o"_s, u"json"_s}).json();
        QCOMPARE(web[u"stack"_s].toString(), u"null"_s);
        QCOMPARE(web[u"instances"_s].toInt(), 2);
        QCOMPARE(web[u"ports"_s].toArray().first()[u"node_port"_s].toInt(), 8080);
        QCOMPARE(names(run({u"service"_s, u"ls"_s, u"--stack"_s, u"null"_s, u"-o"_s, u"json"_s}).json()), (QStringList{u"db"_s, u"web"_s}));
        QVERIFY(!names(run({u"stack"_s, u"ls"_s, u"-o"_s, u"json"_s}).json()).contains(u"null"_s));

        QCOMPARE(run({u"service"_s, u"link"_s, u"web"_s, u"db"_s}).exit, 0);
        QVERIFY(run({u"stack"_s, u"inspect"_s, u"null"_s}).out.contains(u"- db"_s));
        r = run({u"service"_s, u"link"_s, u"web"_s, u"nope"_s});
        QVERIFY2(r.exit == 1 && r.err.contains(u"nope"_s), qPrintable(r.err));   // the core: the target must exist
        r = run({u"service"_s, u"rm"_s, u"db"_s});
        QVERIFY2(r.exit == 1, qPrintable(r.err));                                  // web links to it
        QCOMPARE(run({u"service"_s, u"unlink"_s, u"web"_s, u"db"_s}).exit, 0);
        QVERIFY(!run({u"stack"_s, u"inspect"_s, u"null"_s}).out.contains(u"- db"_s));

        QCOMPARE(run({u"service"_s, u"update"_s, u"-e"_s, u"A="_s, u"-e"_s, u"B=2"_s, u"--image"_s, u"busybox:2"_s, u"web"_s}).exit, 0);
        QCOMPARE(run({u"service"_s, u"env"_s, u"web"_s}).out, u"A=1\nPRICE=$5\nB=2\n"_s);
        web = run({u"service"_s, u"show"_s, u"web"_s, u"-o"_s, u"json"_s}).json();
        QCOMPARE(web[u"image"_s].toString(), u"busybox:2"_s);
        QCOMPARE(web[u"instances"_s].toInt(), 2);
        r = run({u"service"_s, u"update"_s, u"--instances"_s, u"1"_s, u"vars/web"_s});
        QVERIFY2(r.exit == 1 && r.err.contains(u"stack upgrade vars"_s), qPrintable(r.err));

        QCOMPARE(run({u"service"_s, u"rm"_s, u"db"_s}).exit, 0);
        QCOMPARE(run({u"service"_s, u"remove"_s, u"web"_s}).exit, 0);
        QCOMPARE(names(run({u"service"_s, u"ls"_s, u"--stack"_s, u"null"_s, u"-o"_s, u"json"_s}).json()), QStringList());
        QCOMPARE(run({u"service"_s, u"env"_s, u"web"_s}).exit, 1);
    }

    void masterTokensAndRemove() {
        CliResult r = run({u"master"_s, u"token"_s, u"current"_s, u"-o"_s, u"json"_s});
        QVERIFY2(r.exit == 0, qPrintable(r.err));
        const QString id = r.json()[u"id"_s].toString();
        QVERIFY(!id.isEmpty());
        const QString token = run({u"master"_s, u"token"_s, u"current"_s, u"--token"_s}).out.trimmed();
        QVERIFY(token.endsWith(r.json()[u"token_last4"_s].toString()));
        r = run({u"master"_s, u"token"_s, u"show"_s, id});
        QVERIFY2(r.exit == 0 && r.out.startsWith(id + u":\n"_s) && !r.out.contains(token), qPrintable(r.out));
        QCOMPARE(run({u"master"_s, u"token"_s, u"show"_s, u"no-such-id"_s}).exit, 1);
        QCOMPARE(run({u"master"_s, u"rm"_s, u"nope"_s}).exit, 1);
        QCOMPARE(run({u"master"_s, u"remove"_s, u"m1"_s}).exit, 0);
        QVERIFY(run({u"master"_s, u"ls"_s, u"-o"_s, u"json"_s}).json().toArray().isEmpty());
        QCOMPARE(run({u"stack"_s, u"ls"_s}).exit, 1);   // no master any more
    }

private:
    // A stack whose file reads a child stack, a file it extends and an
    // env_file: the master gets them all from the CLI.
    void stacksReadingFiles(ProtocolAgent& agent) {
        QVERIFY(QDir(dir_.path()).mkpath(u"app/lib"_s));
        writeFile(path(u"app/kontena.yml"_s), "stack: test/app\nversion: 1.0.0\n"
                                              "depends:\n  cache:\n    stack: lib/cache.yml\n"
                                              "services:\n  web:\n    extends:\n      file: lib/base.yml\n      service: base\n"
                                              "    env_file: web.env\n    environment:\n      - REDIS_HOST=redis.${cache}\n"
                                              "    links:\n      - ${cache}/redis\n");
        writeFile(path(u"app/lib/cache.yml"_s), "stack: test/cache\nversion: 1.0.0\nservices:\n  redis:\n    image: redis:7\n"
                                                "    env_file: ../../common.env\n");   // above the stack file's directory
        writeFile(path(u"app/lib/base.yml"_s), "services:\n  base:\n    image: busybox:1\n    instances: 2\n");
        writeFile(path(u"app/web.env"_s), "# comment\nFROM_FILE=yes\n");
        writeFile(path(u"common.env"_s), "SHARED=1\n");
        CliResult r = run({u"stack"_s, u"install"_s, u"--no-wait"_s, path(u"app/kontena.yml"_s)});   // the agent answers from this thread
        QVERIFY2(r.exit == 0, qPrintable(r.out + r.err));
        QCOMPARE(names(run({u"stack"_s, u"ls"_s, u"-o"_s, u"json"_s}).json()), (QStringList{u"app"_s, u"app-cache"_s}));
        const QJsonValue web = run({u"service"_s, u"show"_s, u"app/web"_s, u"-o"_s, u"json"_s}).json();
        QCOMPARE(web[u"image"_s].toString(), u"busybox:1"_s);
        QCOMPARE(web[u"instances"_s].toInt(), 2);
        QTRY_VERIFY_WITH_TIMEOUT(agent.env.contains(u"app.web-2"_s) && agent.env.contains(u"app-cache.redis-1"_s), 15000);
        QVERIFY2(agent.env[u"app.web-1"_s].contains(u"FROM_FILE=yes"_s) && agent.env[u"app.web-1"_s].contains(u"REDIS_HOST=redis.app-cache"_s),
                 qPrintable(agent.env[u"app.web-1"_s].join(u' ')));
        QVERIFY(agent.env[u"app-cache.redis-1"_s].contains(u"SHARED=1"_s));
        QCOMPARE(run({u"stack"_s, u"show"_s, u"app"_s, u"-o"_s, u"json"_s}).json()[u"children"_s].toArray().size(), 1);

        // The child goes with its parent unless --keep-dependencies.
        r = run({u"stack"_s, u"rm"_s, u"app-cache"_s});
        QVERIFY2(r.exit == 1 && r.err.contains(u"linked from another stack"_s), qPrintable(r.err));
        QCOMPARE(run({u"stack"_s, u"rm"_s, u"--keep-dependencies"_s, u"app"_s}).exit, 0);
        QCOMPARE(names(run({u"stack"_s, u"ls"_s, u"-o"_s, u"json"_s}).json()), QStringList{u"app-cache"_s});
        QCOMPARE(run({u"stack"_s, u"rm"_s, u"app-cache"_s}).exit, 0);
        QCOMPARE(run({u"stack"_s, u"install"_s, u"--no-deploy"_s, path(u"app/kontena.yml"_s)}).exit, 0);
        QCOMPARE(names(run({u"stack"_s, u"ls"_s, u"-o"_s, u"json"_s}).json()), (QStringList{u"app"_s, u"app-cache"_s}));
        QCOMPARE(run({u"stack"_s, u"rm"_s, u"app"_s}).exit, 0);
        QCOMPARE(names(run({u"stack"_s, u"ls"_s, u"-o"_s, u"json"_s}).json()), QStringList());

        // --skip-dependencies installs the stack alone.
        writeFile(path(u"app/solo.yml"_s), "stack: test/solo\nversion: 1.0.0\ndepends:\n  cache:\n    stack: lib/cache.yml\n"
                                           "services:\n  web:\n    image: busybox:1\n    environment:\n      - CACHE=${cache}\n");
        r = run({u"stack"_s, u"install"_s, u"--no-deploy"_s, u"--skip-dependencies"_s, path(u"app/solo.yml"_s)});
        QVERIFY2(r.exit == 0, qPrintable(r.err));
        QCOMPARE(names(run({u"stack"_s, u"ls"_s, u"-o"_s, u"json"_s}).json()), QStringList{u"solo"_s});
        QCOMPARE(run({u"stack"_s, u"rm"_s, u"solo"_s}).exit, 0);
    }
};

QTEST_GUILESS_MAIN(TestCliCompat)
#include "tst_cli_compat.moc"
