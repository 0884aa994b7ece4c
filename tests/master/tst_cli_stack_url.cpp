// `kontena stack install|upgrade|validate` from a URL and from a stack
// registry (issue 18), through the real kontena and kontena-master programs
// and an HTTP server this test runs on loopback: a stack whose child stack,
// `extends: {file}` and env_file are relative to its URL installs and
// deploys (the env reaches the pod spec of an agent this test speaks for);
// registry stacks by `user/stack[:version]` with `--registry` or
// KONTENA_STACK_REGISTRY, a registry child stack installed through the
// master; and clear errors that install nothing: HTTP 404 (top file and a
// child), YAML with URL:line:column, no registry configured, an unreachable
// host, a timeout, a file over 16 MiB, a scheme that is not http(s), an
// absolute local path named by a file from a URL.
#include <QMutex>
#include <QRegularExpression>
#include <QTcpServer>
#include <QTcpSocket>
#include <QtTest>

#include <atomic>

#include "tests/master/platform_harness.h"
#include "tests/master/protocol_agent.h"

using namespace kontena;
using namespace kontena::testing;
using namespace Qt::StringLiterals;

namespace {

// An HTTP server on 127.0.0.1 in its own thread (the test's thread is blocked
// while the CLI runs): answers each GET from a table of pages, 404 for
// anything else, one connection at a time, and records the paths asked.
class PageServer : public QThread {
public:
    struct Page {
        int status = 200;
        QByteArray body;
    };
    ~PageServer() override {
        stop_ = true;
        wait();
    }
    bool begin() {
        start();
        return QTest::qWaitFor([this] { return port_.load() != 0; }, 5000) && port_.load() != 1;
    }
    QString url(const QString& path) const { return u"http://127.0.0.1:%1%2"_s.arg(port_.load()).arg(path); }
    void set(const QString& path, const QByteArray& body, int status = 200) {
        QMutexLocker lock(&mutex_);
        pages_[path] = Page{status, body};
    }
    QStringList asked() const {
        QMutexLocker lock(&mutex_);
        return asked_;
    }

protected:
    void run() override {
        QTcpServer server;
        if (!server.listen(QHostAddress::LocalHost, 0)) {
            port_ = 1;
            return;
        }
        port_ = server.serverPort();
        while (!stop_) {
            if (!server.waitForNewConnection(50)) continue;
            std::unique_ptr<QTcpSocket> s(server.nextPendingConnection());
            answer(*s);
        }
    }

private:
    void answer(QTcpSocket& s) {
        QByteArray head;
        while (!head.contains("\r\n\r\n") && s.waitForReadyRead(2000)) head += s.readAll();
        const QList<QByteArray> first = head.left(head.indexOf("\r\n")).split(' ');
        const QString path = first.size() > 1 ? QString::fromLatin1(first[1]) : QString();
        Page page{404, "404 page not found\n"};
        {
            QMutexLocker lock(&mutex_);
            asked_.append(path);
            if (pages_.contains(path)) page = pages_[path];
        }
        const QByteArray reason = page.status == 200 ? "OK" : page.status == 404 ? "Not Found" : "Error";
        s.write("HTTP/1.1 " + QByteArray::number(page.status) + ' ' + reason + "\r\nContent-Type: text/plain\r\nContent-Length: " +
                QByteArray::number(page.body.size()) + "\r\nConnection: close\r\n\r\n" + page.body);
        while (s.bytesToWrite() > 0 && s.state() == QAbstractSocket::ConnectedState && s.waitForBytesWritten(5000)) {
        }
        s.disconnectFromHost();
        if (s.state() != QAbstractSocket::UnconnectedState) s.waitForDisconnected(1000);
    }

    std::atomic<bool> stop_{false};
    std::atomic<int> port_{0};
    mutable QMutex mutex_;
    QMap<QString, Page> pages_;
    QStringList asked_;
};

}  // namespace

class TestCliStackUrl : public QObject, public CliFixture {
    Q_OBJECT

    PageServer web_;

    QStringList stacks() { return names(run({u"stack"_s, u"ls"_s, u"-o"_s, u"json"_s}).json()); }
    // `kontena stack install ARGS` fails with `message` in its errors and installs nothing.
    void refused(const QStringList& args, const QString& message) {
        const QStringList before = stacks();
        const CliResult r = run(QStringList{u"stack"_s, u"install"_s, u"--no-deploy"_s} + args);
        QVERIFY2(r.exit == 1 && r.err.contains(message), qPrintable(args.join(u' ') + u" -> "_s + QString::number(r.exit) + u": "_s + r.err));
        QCOMPARE(stacks(), before);
    }

private slots:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        QVERIFY(web_.begin());
        master_ = std::make_unique<MasterProcess>(path(u"data"_s));
        QVERIFY2(master_->start(u"code-1"_s), qPrintable(master_->log()));
        cli_ = std::make_unique<Cli>(path(u"cfg"_s));
        QCOMPARE(run({u"master"_s, u"login"_s, u"--name"_s, u"m1"_s, u"--code"_s, u"code-1"_s, master_->url()}).exit, 0);
        QCOMPARE(run({u"grid"_s, u"create"_s, u"prod"_s}).exit, 0);
        qunsetenv("KONTENA_STACK_REGISTRY");
        qunsetenv("KONTENA_STACK_FETCH_TIMEOUT");

        web_.set(u"/app/kontena.yml"_s, "stack: test/app\nversion: 1.0.0\n"
                                        "depends:\n  cache:\n    stack: lib/cache.yml\n"
                                        "services:\n  web:\n    extends:\n      file: lib/base.yml\n      service: base\n"
                                        "    env_file: web.env\n    environment:\n      - REDIS_HOST=redis.${cache}\n"
                                        "    links:\n      - ${cache}/redis\n");
        web_.set(u"/app/lib/cache.yml"_s, "stack: test/cache\nversion: 1.0.0\nservices:\n  redis:\n    image: redis:7\n"
                                          "    env_file: ../../common.env\n");   // above the stack file's directory
        web_.set(u"/app/lib/base.yml"_s, "services:\n  base:\n    image: busybox:1\n    instances: 2\n");
        web_.set(u"/app/web.env"_s, "# comment\nFROM_FILE=yes\n");
        web_.set(u"/common.env"_s, "SHARED=1\n");
    }

    // The child stack, the extended file and both env_files come from beside
    // the URL, reach the master as the request's files, and the deploy.
    void installFromUrl() {
        ProtocolAgent agent;
        QVERIFY(agent.open(master_->wsUrl(), run({u"grid"_s, u"token"_s}).out.trimmed()));
        QTRY_VERIFY_WITH_TIMEOUT(run({u"grid"_s, u"health"_s}).exit == 0, 10000);   // online, etcd quorum: deploys are taken
        const CliResult r = run({u"stack"_s, u"install"_s, u"--no-wait"_s, web_.url(u"/app/kontena.yml"_s)});   // the agent answers from this thread
        QVERIFY2(r.exit == 0, qPrintable(r.out + r.err));
        QCOMPARE(stacks(), (QStringList{u"app"_s, u"app-cache"_s}));
        for (const QString& p : {u"/app/kontena.yml"_s, u"/app/lib/cache.yml"_s, u"/app/lib/base.yml"_s, u"/app/web.env"_s, u"/common.env"_s}) {
            QVERIFY2(web_.asked().contains(p), qPrintable(p + u" not asked: "_s + web_.asked().join(u' ')));
        }
        const QJsonValue web = run({u"service"_s, u"show"_s, u"app/web"_s, u"-o"_s, u"json"_s}).json();
        QCOMPARE(web[u"image"_s].toString(), u"busybox:1"_s);
        QCOMPARE(web[u"instances"_s].toInt(), 2);
        QTRY_VERIFY_WITH_TIMEOUT(agent.env.contains(u"app.web-2"_s) && agent.env.contains(u"app-cache.redis-1"_s), 15000);
        QVERIFY2(agent.env[u"app.web-1"_s].contains(u"FROM_FILE=yes"_s) && agent.env[u"app.web-1"_s].contains(u"REDIS_HOST=redis.app-cache"_s),
                 qPrintable(agent.env[u"app.web-1"_s].join(u' ')));
        QVERIFY(agent.env[u"app-cache.redis-1"_s].contains(u"SHARED=1"_s));
        QVERIFY(run({u"stack"_s, u"inspect"_s, u"app"_s}).out.startsWith(u"stack: test/app\n"_s));   // the file as fetched
        agent.ws.close();

        // upgrade and validate take the URL too.
        web_.set(u"/app/v2.yml"_s, "stack: test/app\nversion: 1.1.0\ndepends:\n  cache:\n    stack: lib/cache.yml\n"
                                   "services:\n  web:\n    image: busybox:2\n    env_file: web.env\n");
        CliResult u = run({u"stack"_s, u"upgrade"_s, u"--no-deploy"_s, u"app"_s, web_.url(u"/app/v2.yml"_s)});
        QVERIFY2(u.exit == 0, qPrintable(u.err));
        QCOMPARE(run({u"service"_s, u"show"_s, u"app/web"_s, u"-o"_s, u"json"_s}).json()[u"image"_s].toString(), u"busybox:2"_s);
        u = run({u"stack"_s, u"validate"_s, u"--format"_s, u"json"_s, web_.url(u"/app/kontena.yml"_s)});
        QVERIFY2(u.exit == 0 && u.out.contains(u"FROM_FILE"_s) && u.out.contains(u"SHARED"_s), qPrintable(u.out + u.err));
        QCOMPARE(run({u"stack"_s, u"rm"_s, u"app"_s}).exit, 0);
        QCOMPARE(stacks(), QStringList());
    }

    void httpErrors() {
        refused({web_.url(u"/nope.yml"_s)}, u"GET %1: HTTP 404 Not Found"_s.arg(web_.url(u"/nope.yml"_s)));
        web_.set(u"/broken/kontena.yml"_s, "stack: test/broken\nversion: 1.0.0\ndepends:\n  db:\n    stack: db.yml\n"
                                           "services:\n  web:\n    image: busybox:1\n");
        refused({web_.url(u"/broken/kontena.yml"_s)}, u"GET %1: HTTP 404 Not Found"_s.arg(web_.url(u"/broken/db.yml"_s)));
        web_.set(u"/oops.yml"_s, "server error\n", 500);
        refused({web_.url(u"/oops.yml"_s)}, u"GET %1: HTTP 500"_s.arg(web_.url(u"/oops.yml"_s)));
        const CliResult r = run({u"stack"_s, u"validate"_s, web_.url(u"/nope.yml"_s)});
        QVERIFY2(r.exit == 1 && r.err.contains(u"HTTP 404"_s), qPrintable(r.err));
    }

    void notYaml() {
        web_.set(u"/bad.yml"_s, "stack: test/bad\nversion: 1.0.0\nservices:\n  web:\n    image: [busybox\n");
        const QString url = web_.url(u"/bad.yml"_s);
        const QStringList before = stacks();
        const CliResult r = run({u"stack"_s, u"install"_s, u"--no-deploy"_s, url});
        QVERIFY2(r.exit == 1 && QRegularExpression(QRegularExpression::escape(url) + u":\\d+:\\d+"_s).match(r.err).hasMatch(), qPrintable(r.err));
        QCOMPARE(stacks(), before);
        web_.set(u"/page.yml"_s, "<html><body>a web page</body></html>\n");
        refused({web_.url(u"/page.yml"_s)}, web_.url(u"/page.yml"_s) + u":1:1"_s);
    }

    void otherFailures() {
        const quint16 closed = freeLoopbackPort();   // nobody listens there
        refused({u"http://127.0.0.1:%1/x.yml"_s.arg(closed)}, u"cannot reach 127.0.0.1:%1"_s.arg(closed));
        refused({u"ftp://127.0.0.1/x.yml"_s}, u"not an http:// or https:// URL"_s);
        web_.set(u"/big.yml"_s, QByteArray("stack: test/big\n") + QByteArray(17 << 20, '#'));
        refused({web_.url(u"/big.yml"_s)}, u"larger than 16 MiB"_s);
        // A file from a URL never reads the local disk.
        const QString local = path(u"local.env"_s);
        QFile f(local);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("LOCAL=1\n");
        f.close();
        web_.set(u"/abs.yml"_s, "stack: test/abs\nversion: 1.0.0\nservices:\n  web:\n    image: busybox:1\n    env_file: " + local.toUtf8() + "\n");
        refused({web_.url(u"/abs.yml"_s)}, u"reads only files beside it"_s);

        // A server that takes the connection and never answers.
        QTcpServer silent;
        QVERIFY(silent.listen(QHostAddress::LocalHost, 0));
        qputenv("KONTENA_STACK_FETCH_TIMEOUT", "1");
        QElapsedTimer t;
        t.start();
        refused({u"http://127.0.0.1:%1/slow.yml"_s.arg(silent.serverPort())}, u"no answer within 1 s"_s);
        QVERIFY(t.elapsed() < 20000);
        qunsetenv("KONTENA_STACK_FETCH_TIMEOUT");
    }

    // Kontena's stack registry paths: /stack/USER/NAME and /stack/USER/NAME/version/VERSION.
    void registryStacks() {
        refused({u"test/redis"_s}, u"no stack registry is configured"_s);
        const QString registry = web_.url(u"/reg"_s);
        web_.set(u"/reg/stack/test/redis"_s, "stack: test/redis\nversion: 2.0.0\nservices:\n  redis:\n    image: redis:7\n");
        web_.set(u"/reg/stack/test/web/version/1.0.0"_s, "stack: test/web\nversion: 1.0.0\ndepends:\n  cache:\n    stack: test/redis\n"
                                                         "services:\n  web:\n    image: busybox:1\n    links:\n      - ${cache}/redis\n");
        CliResult r = run({u"stack"_s, u"install"_s, u"--no-deploy"_s, u"--registry"_s, registry, u"test/redis"_s});
        QVERIFY2(r.exit == 0, qPrintable(r.err));
        QVERIFY(web_.asked().contains(u"/reg/stack/test/redis"_s));
        QCOMPARE(stacks(), QStringList{u"redis"_s});
        // The child stack from the registry reaches the master with the request.
        qputenv("KONTENA_STACK_REGISTRY", registry.toUtf8());
        r = run({u"stack"_s, u"install"_s, u"--no-deploy"_s, u"test/web:1.0.0"_s});
        QVERIFY2(r.exit == 0, qPrintable(r.err));
        QCOMPARE(stacks(), (QStringList{u"redis"_s, u"web"_s, u"web-cache"_s}));
        QCOMPARE(run({u"stack"_s, u"show"_s, u"web-cache"_s, u"-o"_s, u"json"_s}).json()[u"version"_s].toString(), u"2.0.0"_s);
        refused({u"test/web:9.9.9"_s}, u"GET %1: HTTP 404"_s.arg(web_.url(u"/reg/stack/test/web/version/9.9.9"_s)));
        r = run({u"stack"_s, u"validate"_s, u"test/redis"_s});
        QVERIFY2(r.exit == 0 && r.out.contains(u"redis:7"_s), qPrintable(r.err));
        qunsetenv("KONTENA_STACK_REGISTRY");
        r = run({u"stack"_s, u"validate"_s, u"test/redis"_s});
        QVERIFY2(r.exit == 1 && r.err.contains(u"KONTENA_STACK_REGISTRY"_s), qPrintable(r.err));
    }
};

QTEST_GUILESS_MAIN(TestCliStackUrl)
#include "tst_cli_stack_url.moc"
