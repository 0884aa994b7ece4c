// The real kontena-master and kontena programs, no Docker: logging in, the
// configuration file, grids and stacks through the CLI, clear errors, and
// everything acknowledged surviving kill -9 of the master.
#include <QFile>
#include <QtTest>

#include "tests/master/platform_harness.h"

using namespace kontena::testing;

class TestMasterProcess : public QObject {
    Q_OBJECT

    QTemporaryDir dir_;

    QString stackFile(const QString& name, const QString& text) {
        const QString path = dir_.filePath(name);
        QFile f(path);
        f.open(QIODevice::WriteOnly);
        f.write(text.toUtf8());
        return path;
    }

private slots:
    void cliAgainstARealMaster() {
        QVERIFY(dir_.isValid());
        MasterProcess master(dir_.filePath(QStringLiteral("data")));
        QVERIFY2(master.start(QStringLiteral("code-1")), qPrintable(master.log()));
        Cli cli(dir_.filePath(QStringLiteral("cfg")));

        // Not logged in yet: a clear message, exit 1.
        auto r = cli.run({QStringLiteral("grid"), QStringLiteral("ls")});
        QCOMPARE(r.exit, 1);
        QVERIFY2(r.err.contains(QStringLiteral("not logged in")), qPrintable(r.err));
        // A wrong code.
        r = cli.run({QStringLiteral("master"), QStringLiteral("login"), QStringLiteral("--code"), QStringLiteral("nope"), master.url()});
        QCOMPARE(r.exit, 1);
        QVERIFY2(r.err.contains(QStringLiteral("401")), qPrintable(r.err));
        r = cli.run({QStringLiteral("master"), QStringLiteral("login"), QStringLiteral("--name"), QStringLiteral("local"), QStringLiteral("--code"), QStringLiteral("code-1"), master.url()});
        QVERIFY2(r.exit == 0, qPrintable(r.err));
        // The configuration holds a token: owner-only.
        const QFileInfo cfg(cli.configDir() + QStringLiteral("/config.json"));
        QVERIFY(cfg.exists());
        QCOMPARE(cfg.permissions() & (QFileDevice::ReadGroup | QFileDevice::ReadOther | QFileDevice::WriteGroup | QFileDevice::WriteOther), QFileDevice::Permissions());

        r = cli.run({QStringLiteral("grid"), QStringLiteral("create"), QStringLiteral("--initial-size"), QStringLiteral("3"), QStringLiteral("prod")});
        QVERIFY2(r.exit == 0, qPrintable(r.err));
        r = cli.run({QStringLiteral("grid"), QStringLiteral("ls"), QStringLiteral("-o"), QStringLiteral("json")});
        QCOMPARE(r.exit, 0);
        QCOMPARE(r.json().toArray().size(), 1);
        QCOMPARE(r.json().toArray().first().toObject().value(QStringLiteral("initial_size")).toInt(), 3);

        // An invalid stack file: file:line:column from the CLI, nothing installed.
        const QString broken = stackFile(QStringLiteral("broken.yml"), QStringLiteral("stack: t/b\nservices:\n  app:\n    image: busybox:1\n    instancez: 2\n"));
        r = cli.run({QStringLiteral("stack"), QStringLiteral("install"), broken});
        QCOMPARE(r.exit, 1);
        QVERIFY2(r.err.contains(QStringLiteral("broken.yml:5:5")), qPrintable(r.err));

        const QString web = stackFile(QStringLiteral("web.yml"), QStringLiteral(
            "stack: t/web\nversion: 1.2.0\nvariables:\n  n:\n    type: integer\n    default: 3\nservices:\n  app:\n    image: busybox:1\n    instances: ${n}\n"));
        r = cli.run({QStringLiteral("stack"), QStringLiteral("install"), QStringLiteral("--no-deploy"), QStringLiteral("-v"), QStringLiteral("n=5"), web});
        QVERIFY2(r.exit == 0, qPrintable(r.err));
        r = cli.run({QStringLiteral("service"), QStringLiteral("ls"), QStringLiteral("-o"), QStringLiteral("json")});
        QCOMPARE(r.exit, 0);
        QCOMPARE(r.json().toArray().first().toObject().value(QStringLiteral("instances")).toInt(), 5);
        // No node: no etcd quorum, so a deploy is refused with the reason.
        r = cli.run({QStringLiteral("stack"), QStringLiteral("deploy"), QStringLiteral("web")});
        QCOMPARE(r.exit, 1);
        QVERIFY2(r.err.contains(QStringLiteral("quorum")), qPrintable(r.err));

        r = cli.run({QStringLiteral("master"), QStringLiteral("token"), QStringLiteral("create"), QStringLiteral("--description"), QStringLiteral("ci")});
        QCOMPARE(r.exit, 0);
        const QString ciToken = r.out.trimmed();
        QCOMPARE(ciToken.size(), 43);

        // Users: an invited user sees nothing until given access.
        r = cli.run({QStringLiteral("master"), QStringLiteral("user"), QStringLiteral("invite"), QStringLiteral("bob@example.com")});
        QVERIFY2(r.exit == 0, qPrintable(r.err));
        const QString invite = r.out.trimmed();
        Cli bob(dir_.filePath(QStringLiteral("cfg-bob")));
        r = bob.run({QStringLiteral("master"), QStringLiteral("login"), QStringLiteral("--code"), invite, master.url()});
        QVERIFY2(r.exit == 0, qPrintable(r.err));
        r = bob.run({QStringLiteral("grid"), QStringLiteral("ls"), QStringLiteral("-o"), QStringLiteral("json")});
        QCOMPARE(r.json().toArray().size(), 0);
        r = bob.run({QStringLiteral("grid"), QStringLiteral("create"), QStringLiteral("mine")});
        QCOMPARE(r.exit, 1);
        QVERIFY2(r.err.contains(QStringLiteral("403")), qPrintable(r.err));
        r = cli.run({QStringLiteral("master"), QStringLiteral("user"), QStringLiteral("role"), QStringLiteral("add"), QStringLiteral("master_admin"), QStringLiteral("bob@example.com")});
        QVERIFY2(r.exit == 0, qPrintable(r.err));
        r = bob.run({QStringLiteral("grid"), QStringLiteral("ls"), QStringLiteral("-o"), QStringLiteral("json")});
        QCOMPARE(r.json().toArray().size(), 1);
        r = cli.run({QStringLiteral("master"), QStringLiteral("user"), QStringLiteral("ls"), QStringLiteral("-o"), QStringLiteral("json")});
        QCOMPARE(r.json().toArray().size(), 2);

        // Volumes: created once, listed, refused while a service mounts one.
        r = cli.run({QStringLiteral("volume"), QStringLiteral("create"), QStringLiteral("--scope"), QStringLiteral("stack"), QStringLiteral("pgdata")});
        QVERIFY2(r.exit == 0, qPrintable(r.err));
        r = cli.run({QStringLiteral("volume"), QStringLiteral("create"), QStringLiteral("pgdata")});
        QCOMPARE(r.exit, 1);
        QVERIFY2(r.err.contains(QStringLiteral("exists already")) && r.err.contains(QStringLiteral("409")), qPrintable(r.err));
        r = cli.run({QStringLiteral("volume"), QStringLiteral("create"), QStringLiteral("--scope"), QStringLiteral("planet"), QStringLiteral("x")});
        QCOMPARE(r.exit, 1);
        const QString db = stackFile(QStringLiteral("db.yml"), QStringLiteral(
            "stack: t/db\nservices:\n  pg:\n    image: busybox:1\n    stateful: true\n    volumes:\n      - pgdata:/data\nvolumes:\n  pgdata:\n    external: true\n"));
        r = cli.run({QStringLiteral("stack"), QStringLiteral("install"), QStringLiteral("--no-deploy"), db});
        QVERIFY2(r.exit == 0, qPrintable(r.err));
        r = cli.run({QStringLiteral("volume"), QStringLiteral("rm"), QStringLiteral("pgdata")});
        QCOMPARE(r.exit, 1);
        QVERIFY2(r.err.contains(QStringLiteral("in use by service db/pg")), qPrintable(r.err));
        r = cli.run({QStringLiteral("volume"), QStringLiteral("ls"), QStringLiteral("-o"), QStringLiteral("json")});
        QCOMPARE(r.json().toArray().size(), 1);
        QCOMPARE(r.json().toArray().first().toObject().value(QStringLiteral("scope")).toString(), QStringLiteral("stack"));

        // kill -9 and restart on the same data: everything acknowledged is there.
        master.kill9();
        QVERIFY2(master.start(QStringLiteral("code-1")), qPrintable(master.log()));
        r = cli.run({QStringLiteral("stack"), QStringLiteral("ls"), QStringLiteral("-o"), QStringLiteral("json")});
        QVERIFY2(r.exit == 0, qPrintable(r.err));
        QCOMPARE(r.json().toArray().size(), 2);   // web and db
        QString webVersion;
        for (const auto& st : r.json().toArray()) {
            if (st.toObject().value(QStringLiteral("name")).toString() == QStringLiteral("web")) webVersion = st.toObject().value(QStringLiteral("version")).toString();
        }
        QCOMPARE(webVersion, QStringLiteral("1.2.0"));
        r = cli.run({QStringLiteral("service"), QStringLiteral("show"), QStringLiteral("web/app"), QStringLiteral("-o"), QStringLiteral("json")});
        QCOMPARE(r.exit, 0);
        QCOMPARE(r.json().toObject().value(QStringLiteral("instances")).toInt(), 5);
        r = cli.run({QStringLiteral("master"), QStringLiteral("token"), QStringLiteral("ls"), QStringLiteral("-o"), QStringLiteral("json")});
        QCOMPARE(r.exit, 0);
        bool found = false;
        for (const auto& t : r.json().toArray()) found = found || t.toObject().value(QStringLiteral("token_last4")).toString() == ciToken.right(4);
        QVERIFY(found);
        // The audit log saw the grid and the stack.
        r = cli.run({QStringLiteral("grid"), QStringLiteral("audit-log"), QStringLiteral("-o"), QStringLiteral("json")});
        QCOMPARE(r.exit, 0);
        QStringList events;
        for (const auto& e : r.json().toArray()) events << e.toObject().value(QStringLiteral("resource_type")).toString() + QLatin1Char(' ') + e.toObject().value(QStringLiteral("event_name")).toString();
        QVERIFY2(events.contains(QStringLiteral("Grid create")) && events.contains(QStringLiteral("Stack create")), qPrintable(events.join(u',')));

        r = cli.run({QStringLiteral("volume"), QStringLiteral("show"), QStringLiteral("pgdata"), QStringLiteral("-o"), QStringLiteral("json")});
        QCOMPARE(r.exit, 0);
        QCOMPARE(r.json().toObject().value(QStringLiteral("services")).toArray().first().toString(), QStringLiteral("db/pg"));
        QVERIFY(cli.run({QStringLiteral("stack"), QStringLiteral("rm"), QStringLiteral("db")}).exit == 0);
        r = cli.run({QStringLiteral("volume"), QStringLiteral("rm"), QStringLiteral("pgdata")});
        QVERIFY2(r.exit == 0, qPrintable(r.err));
        r = cli.run({QStringLiteral("stack"), QStringLiteral("rm"), QStringLiteral("web")});
        QVERIFY2(r.exit == 0, qPrintable(r.err));
        r = cli.run({QStringLiteral("stack"), QStringLiteral("ls"), QStringLiteral("-o"), QStringLiteral("json")});
        QCOMPARE(r.json().toArray().size(), 0);
        r = cli.run({QStringLiteral("node"), QStringLiteral("update"), QStringLiteral("nope"), QStringLiteral("--availability"), QStringLiteral("drain")});
        QCOMPARE(r.exit, 1);
        QVERIFY2(r.err.contains(QStringLiteral("not found")), qPrintable(r.err));
        r = cli.run({QStringLiteral("node"), QStringLiteral("update"), QStringLiteral("x")});
        QCOMPARE(r.exit, 2);
    }

    // A rehearsal master (--time-scale): a grid created without settings gets
    // the core's defaults scaled like every other timing of the grid, and a
    // setting given keeps its value.
    void timeScaledGridDefaults() {
        MasterProcess master(dir_.filePath(QStringLiteral("scaled")), {QStringLiteral("--time-scale"), QStringLiteral("0.1")});
        QVERIFY2(master.start(QStringLiteral("code-2")), qPrintable(master.log()));
        Cli cli(dir_.filePath(QStringLiteral("cfg-scaled")));
        QVERIFY(cli.run({QStringLiteral("master"), QStringLiteral("login"), QStringLiteral("--code"), QStringLiteral("code-2"), master.url()}).exit == 0);
        auto r = cli.run({QStringLiteral("grid"), QStringLiteral("create"), QStringLiteral("plain")});
        QVERIFY2(r.exit == 0, qPrintable(r.err));
        r = cli.run({QStringLiteral("grid"), QStringLiteral("show"), QStringLiteral("plain"), QStringLiteral("-o"), QStringLiteral("json")});
        const QJsonObject settings = r.json().toObject().value(QStringLiteral("settings")).toObject();
        QVERIFY2(!settings.isEmpty(), qPrintable(r.out + r.err));
        QCOMPARE(settings.value(QStringLiteral("keepalive_interval")).toDouble(), 3.0);    // Kontena's 30 s × 0.1
        QCOMPARE(settings.value(QStringLiteral("online_grace")).toDouble(), 2.0);           // 20 s × 0.1
        QCOMPARE(settings.value(QStringLiteral("offline_grace")).toObject().value(QStringLiteral("daemon")).toDouble(), 60.0);
        r = cli.run({QStringLiteral("grid"), QStringLiteral("create"), QStringLiteral("--keepalive"), QStringLiteral("7"), QStringLiteral("given")});
        QVERIFY2(r.exit == 0, qPrintable(r.err));
        r = cli.run({QStringLiteral("grid"), QStringLiteral("show"), QStringLiteral("given"), QStringLiteral("-o"), QStringLiteral("json")});
        const QJsonObject given = r.json().toObject().value(QStringLiteral("settings")).toObject();
        QCOMPARE(given.value(QStringLiteral("keepalive_interval")).toDouble(), 7.0);
        QCOMPARE(given.value(QStringLiteral("online_grace")).toDouble(), 2.0);
    }
};

QTEST_GUILESS_MAIN(TestMasterProcess)
#include "tst_master_process.moc"
