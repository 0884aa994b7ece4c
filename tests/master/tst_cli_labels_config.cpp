// The last of issue 18, through the real kontena and kontena-master
// programs: `kontena stack label add|remove|ls` (labels from the stack file
// on install and upgrade, PATCH in between, shown by stack ls/show, kept
// across a master restart, bad labels refused with 422), and `kontena master
// config get|set|unset|import|load|export|dump` over /v1/config (master_admin
// only: 403 with a JSON message for others, bad input 4xx with a message,
// kept across a restart, audited with secrets hidden and never in the
// master's log, `server.name` naming the master at login).
#include <QNetworkAccessManager>

#include <algorithm>
#include <QtTest>

#include "api_client.h"
#include "platform_harness.h"

using namespace kontena::testing;
using namespace Qt::StringLiterals;

namespace {

void writeFile(const QString& path, const QByteArray& text) {
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
    f.write(text);
}

QString readFile(const QString& path) {
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? QString::fromUtf8(f.readAll()) : QString();
}

}  // namespace

class TestCliLabelsConfig : public QObject, public CliFixture {
    Q_OBJECT

    ApiClient api_;
    QString admin_, bob_;   // access tokens: the admin, a plain user in no grid

    void restartMaster() {
        master_->kill9();
        QVERIFY2(master_->start(u"code-1"_s), qPrintable(master_->log()));
    }

private slots:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        const QString key = makeVaultKeyFile(path(u"vault.key"_s));   // secret configuration values are sealed with it
        QVERIFY(!key.isEmpty());
        master_ = std::make_unique<MasterProcess>(path(u"data"_s), QStringList{u"--vault-key-file"_s, key});
        QVERIFY2(master_->start(u"code-1"_s), qPrintable(master_->log()));
        api_.url = master_->url();
        cli_ = std::make_unique<Cli>(path(u"cfg"_s));
        QCOMPARE(run({u"master"_s, u"login"_s, u"--name"_s, u"m1"_s, u"--code"_s, u"code-1"_s, master_->url()}).exit, 0);
        QCOMPARE(run({u"grid"_s, u"create"_s, u"prod"_s}).exit, 0);
        admin_ = run({u"master"_s, u"token"_s, u"current"_s, u"--token"_s}).out.trimmed();
        const QString invite = run({u"master"_s, u"user"_s, u"invite"_s, u"bob@example.com"_s}).out.trimmed();
        bob_ = api_.send("POST", u"/v1/auth"_s, QString(), QJsonObject{{u"code"_s, invite}}).body.value(u"access_token"_s).toString();
        QVERIFY(!admin_.isEmpty() && !bob_.isEmpty());
    }

    void helpShowsTheNewCommands() {
        const CliResult r = run({u"--help"_s});
        const qsizetype stack = r.out.indexOf(u"\n  stack "_s), service = r.out.indexOf(u"\n  service "_s);
        const qsizetype label = r.out.indexOf(u"\n    label "_s, stack), config = r.out.indexOf(u"\n    config "_s);
        QVERIFY2(label > stack && label < service, qPrintable(r.out));   // stack label, within the stack group
        QVERIFY2(config > r.out.indexOf(u"\n  master "_s) && r.out.indexOf(u"\n      unset "_s, config) > config, qPrintable(r.out));
    }

    void stackLabels() {
        writeFile(path(u"web.yml"_s), "stack: test/web\nversion: 1.0.0\nlabels:\n  - fqdn=about.me\nservices:\n  app:\n    image: busybox:1\n");
        CliResult r = run({u"stack"_s, u"install"_s, u"--no-deploy"_s, path(u"web.yml"_s)});
        QVERIFY2(r.exit == 0, qPrintable(r.err));
        QCOMPARE(run({u"stack"_s, u"label"_s, u"ls"_s, u"web"_s}).out, u"fqdn=about.me\n"_s);   // from the file

        QCOMPARE(run({u"stack"_s, u"label"_s, u"add"_s, u"web"_s, u"env=prod"_s, u"fqdn=about.me"_s}).exit, 0);
        QCOMPARE(run({u"stack"_s, u"label"_s, u"ls"_s, u"web"_s}).out, u"fqdn=about.me\nenv=prod\n"_s);
        QCOMPARE(run({u"stack"_s, u"label"_s, u"list"_s, u"web"_s, u"-o"_s, u"json"_s}).json().toArray(),
                 (QJsonArray{u"fqdn=about.me"_s, u"env=prod"_s}));
        r = run({u"stack"_s, u"ls"_s});
        QVERIFY2(r.out.startsWith(u"NAME"_s) && r.out.section(u'\n', 0, 0).endsWith(u"LABELS"_s) && r.out.contains(u"fqdn=about.me,env=prod"_s),
                 qPrintable(r.out));
        QVERIFY2(run({u"stack"_s, u"show"_s, u"web"_s}).out.contains(u"  labels: fqdn=about.me,env=prod\n"_s), "stack show");

        r = run({u"stack"_s, u"label"_s, u"add"_s, u"web"_s, u"Bad"_s});
        QVERIFY2(r.exit == 1 && r.err.contains(u"labels[2]"_s) && r.err.contains(u"422"_s), qPrintable(r.err));
        QCOMPARE(run({u"stack"_s, u"label"_s, u"remove"_s, u"web"_s, u"fqdn=about.me"_s}).exit, 0);
        QCOMPARE(run({u"stack"_s, u"label"_s, u"rm"_s, u"web"_s, u"not=there"_s}).exit, 0);
        QCOMPARE(run({u"stack"_s, u"label"_s, u"ls"_s, u"web"_s}).out, u"env=prod\n"_s);
        QCOMPARE(run({u"stack"_s, u"label"_s, u"ls"_s, u"nope"_s}).exit, 1);
        QCOMPARE(run({u"stack"_s, u"label"_s, u"add"_s, u"web"_s}).exit, 2);   // no LABEL

        restartMaster();
        QCOMPARE(run({u"stack"_s, u"label"_s, u"ls"_s, u"web"_s}).out, u"env=prod\n"_s);

        // An upgrade sets them to the file's, as Kontena's did.
        r = run({u"stack"_s, u"upgrade"_s, u"--no-deploy"_s, u"web"_s, path(u"web.yml"_s)});
        QVERIFY2(r.exit == 0, qPrintable(r.err));
        QCOMPARE(run({u"stack"_s, u"label"_s, u"ls"_s, u"web"_s}).out, u"fqdn=about.me\n"_s);
    }

    void stackPatchRefusals() {
        const QString web = u"/v1/stacks/prod/web"_s;
        Answer a = api_.send("PATCH", web, admin_, QJsonObject{{u"labels"_s, u"a=b"_s}});
        QVERIFY2(a.status == 400 && a.error().contains(u"labels"_s), qPrintable(a.error()));
        a = api_.send("PATCH", web, admin_, QByteArray("{not json"));
        QVERIFY2(a.status == 400 && !a.error().isEmpty(), qPrintable(a.error()));
        a = api_.send("PATCH", web, bob_, QJsonObject{{u"labels"_s, QJsonArray{}}});
        QCOMPARE(a.status, 403);
        QCOMPARE(a.error(), u"Access denied"_s);
        a = api_.send("PATCH", u"/v1/stacks/prod/nope"_s, admin_, QJsonObject{{u"labels"_s, QJsonArray{}}});
        QCOMPARE(a.status, 404);
        QCOMPARE(run({u"service"_s, u"create"_s, u"solo"_s, u"busybox:1"_s}).exit, 0);   // the null stack
        a = api_.send("PATCH", u"/v1/stacks/prod/null"_s, admin_, QJsonObject{{u"labels"_s, QJsonArray{u"a=b"_s}}});
        QVERIFY2(a.status == 422 && a.error() == u"Cannot update null stack"_s, qPrintable(a.error()));
        a = api_.send("PATCH", web, admin_, QJsonObject{{u"labels"_s, QJsonArray{}}});   // [] removes them
        QCOMPARE(a.status, 200);
        QCOMPARE(a.body.value(u"labels"_s).toArray(), QJsonArray());
        QVERIFY(run({u"stack"_s, u"ls"_s}).out.contains(u" -\n"_s));
        const QJsonArray audit = api_.send("GET", u"/v1/audit_logs"_s, admin_).body.value(u"logs"_s).toArray();
        QVERIFY(std::any_of(audit.begin(), audit.end(), [](const QJsonValue& e) {
            return e[u"resource_type"_s].toString() == u"Stack"_s && e[u"event_name"_s].toString() == u"patch"_s && e[u"resource_name"_s].toString() == u"web"_s;
        }));
    }

    void masterConfig() {
        QCOMPARE(run({u"master"_s, u"config"_s, u"set"_s, u"server.name=prod-master"_s, u"oauth2.client_secret=s3cr3t-value"_s}).exit, 0);
        QCOMPARE(run({u"master"_s, u"config"_s, u"get"_s, u"server.name"_s}).out, u"prod-master\n"_s);
        QCOMPARE(run({u"master"_s, u"config"_s, u"get"_s, u"-p"_s, u"server.name"_s}).out, u"server.name=prod-master\n"_s);
        CliResult r = run({u"master"_s, u"config"_s, u"get"_s, u"nope"_s});
        QVERIFY2(r.exit == 1 && r.err.contains(u"not found"_s), qPrintable(r.err));
        QCOMPARE(run({u"master"_s, u"config"_s, u"set"_s, u"novalue"_s}).exit, 2);

        r = run({u"master"_s, u"config"_s, u"export"_s});
        QCOMPARE(r.json().toObject(), (QJsonObject{{u"oauth2.client_secret"_s, u"s3cr3t-value"_s}, {u"server.name"_s, u"prod-master"_s}}));
        QCOMPARE(run({u"master"_s, u"config"_s, u"dump"_s, u"--filter"_s, u"oauth2.*"_s}).json().toObject().keys(), QStringList{u"oauth2.client_secret"_s});
        QCOMPARE(run({u"master"_s, u"config"_s, u"export"_s, u"--filter"_s, u"name"_s}).json().toObject().keys(), QStringList{u"server.name"_s});
        QCOMPARE(run({u"master"_s, u"config"_s, u"export"_s, path(u"saved.yml"_s)}).exit, 0);
        QVERIFY2(readFile(path(u"saved.yml"_s)).contains(u"server.name: prod-master"_s), qPrintable(readFile(path(u"saved.yml"_s))));

        // import merges (numbers and booleans kept as such); --full replaces.
        writeFile(path(u"more.json"_s), R"({"limits.max": 5, "feature.on": true})");
        QCOMPARE(run({u"master"_s, u"config"_s, u"import"_s, path(u"more.json"_s)}).exit, 0);
        QCOMPARE(run({u"master"_s, u"config"_s, u"get"_s, u"limits.max"_s}).out, u"5\n"_s);
        QCOMPARE(run({u"master"_s, u"config"_s, u"get"_s, u"feature.on"_s}).out, u"true\n"_s);
        QCOMPARE(run({u"master"_s, u"config"_s, u"export"_s}).json().toObject().size(), 4);
        QCOMPARE(run({u"master"_s, u"config"_s, u"load"_s, u"--full"_s, path(u"saved.yml"_s)}).exit, 0);
        QCOMPARE(run({u"master"_s, u"config"_s, u"export"_s}).json().toObject().keys(), (QStringList{u"oauth2.client_secret"_s, u"server.name"_s}));
        writeFile(path(u"bad.json"_s), R"({"a": [1]})");
        r = run({u"master"_s, u"config"_s, u"import"_s, path(u"bad.json"_s)});
        QVERIFY2(r.exit == 1 && r.err.contains(u"a: expected a string, number or boolean"_s), qPrintable(r.err));
        QCOMPARE(run({u"master"_s, u"config"_s, u"import"_s, path(u"missing.json"_s)}).exit, 1);

        restartMaster();
        QCOMPARE(run({u"master"_s, u"config"_s, u"get"_s, u"server.name"_s}).out, u"prod-master\n"_s);

        // server.name names the master when one logs in without --name.
        Cli other(path(u"cfg2"_s));
        QCOMPARE(other.run({u"master"_s, u"login"_s, u"--code"_s, u"code-1"_s, master_->url()}).exit, 0);
        QCOMPARE(other.run({u"master"_s, u"current"_s}).out.section(u' ', 0, 0), u"prod-master"_s);

        QCOMPARE(run({u"master"_s, u"config"_s, u"unset"_s, u"server.name"_s}).exit, 0);
        QCOMPARE(run({u"master"_s, u"config"_s, u"get"_s, u"server.name"_s}).exit, 1);
        QCOMPARE(run({u"master"_s, u"config"_s, u"unset"_s, u"server.name"_s}).exit, 1);   // 404
    }

    void configRefusalsAuditAndLog() {
        // Not a master admin: 403 with a JSON message, on every config route.
        for (const QByteArray& method : {QByteArray("GET"), QByteArray("PATCH"), QByteArray("PUT"), QByteArray("DELETE")}) {
            const Answer a = api_.send(method, u"/v1/config"_s, bob_, QJsonObject{{u"x"_s, u"1"_s}});
            QCOMPARE(a.status, 403);
            QCOMPARE(a.error(), u"Access denied"_s);
        }
        QCOMPARE(api_.send("GET", u"/v1/config/oauth2.client_secret"_s, bob_).status, 403);
        Cli bob(path(u"cfg-bob"_s));
        QCOMPARE(bob.run({u"master"_s, u"login"_s, u"--name"_s, u"m1"_s, u"--token"_s, bob_, master_->url()}).exit, 0);
        CliResult r = bob.run({u"master"_s, u"config"_s, u"export"_s});
        QVERIFY2(r.exit == 1 && r.err.contains(u"Access denied"_s) && !r.out.contains(u"s3cr3t"_s), qPrintable(r.err));
        QCOMPARE(api_.send("GET", u"/v1/config"_s, QString()).status, 401);

        // Bad input: 4xx with a message, nothing written.
        const QJsonObject before = api_.send("GET", u"/v1/config"_s, admin_).body;
        struct Bad {
            QByteArray method, body;
            int status;
            QString message;
        };
        const QList<Bad> bad{{"PATCH", R"({"x": {"y": 1}})", 422, u"x: expected a string, number or boolean, got an object"_s},
                             {"PATCH", R"({"ok": "1", "bad key!": "1"})", 422, u"bad key!: a key is"_s},
                             {"PUT", R"({"x": null})", 422, u"x: expected"_s},
                             {"PATCH", R"({"server.salt": "s"})", 422, u"server.salt"_s},
                             {"PATCH", "[1, 2]", 400, u"not a JSON object"_s},
                             {"PATCH", "{", 400, u"not a JSON object"_s}};
        for (const Bad& b : bad) {
            const Answer a = api_.send(b.method, u"/v1/config"_s, admin_, b.body);
            QVERIFY2(a.status == b.status && a.error().contains(b.message), qPrintable(QString::fromUtf8(b.body) + u" -> "_s + a.error()));
        }
        QCOMPARE(api_.send("PATCH", u"/v1/config"_s, admin_, QJsonObject{{u"v"_s, QString(65537, u'x')}}).status, 422);
        QCOMPARE(api_.send("GET", u"/v1/config"_s, admin_).body, before);
        QCOMPARE(api_.send("POST", u"/v1/config"_s, admin_, QJsonObject{}).status, 405);

        // Audited, the secret hidden; the value is in no log line.
        const QJsonArray audit = api_.send("GET", u"/v1/audit_logs?limit=3000"_s, admin_).body.value(u"logs"_s).toArray();
        bool secretAudited = false;
        for (const QJsonValue& e : audit) {
            if (e[u"resource_type"_s].toString() != u"Config"_s || e[u"resource_name"_s].toString() != u"oauth2.client_secret"_s) continue;
            secretAudited = e[u"request_body"_s][u"oauth2.client_secret"_s].toString() == u"<hidden>"_s;
        }
        QVERIFY(secretAudited);
        QVERIFY(!QJsonDocument(audit).toJson().contains("s3cr3t-value"));
        QVERIFY(std::any_of(audit.begin(), audit.end(), [](const QJsonValue& e) { return e[u"event_name"_s].toString() == u"destroy_all"_s; }));   // --full
        QVERIFY(!master_->log().contains(u"s3cr3t-value"_s));

        QCOMPARE(api_.send("DELETE", u"/v1/config"_s, admin_).status, 200);
        QCOMPARE(api_.send("GET", u"/v1/config"_s, admin_).body, QJsonObject());
    }
};

QTEST_GUILESS_MAIN(TestCliLabelsConfig)
#include "tst_cli_labels_config.moc"
