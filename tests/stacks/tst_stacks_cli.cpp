// `kontena stack validate` and `kontena version` as a user runs them:
// exit codes, output formats, values, and no prompting without a terminal.
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

namespace {

struct Run {
    int code = -1;
    QString out, err;
};

QString cli() { return qEnvironmentVariable("KONTENA_CLI"); }
QString corpus(const QString& name) {
    return qEnvironmentVariable("KONTENA_SHARED_DIR") + QStringLiteral("/corpus/") + name;
}

// Runs the CLI with stdin closed (not a terminal) and a clean environment.
Run run(const QStringList& args, const QByteArray& stdinData = {}) {
    QProcess p;
    QProcessEnvironment env;
    env.insert(QStringLiteral("PATH"), qEnvironmentVariable("PATH"));
    p.setProcessEnvironment(env);
    p.start(cli(), args);
    p.write(stdinData);
    p.closeWriteChannel();
    Run r;
    if (!p.waitForFinished(30000)) {
        p.kill();
        return r;
    }
    r.code = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -2;
    r.out = QString::fromUtf8(p.readAllStandardOutput());
    r.err = QString::fromUtf8(p.readAllStandardError());
    return r;
}

}  // namespace

class TestStacksCli : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() { QVERIFY2(QFile::exists(cli()), qPrintable(cli())); }

    void version() {
        Run r = run({QStringLiteral("version")});
        QCOMPARE(r.code, 0);
        QVERIFY(r.out.startsWith(QStringLiteral("kontena-cli ")));
    }

    void usageErrors() {
        QCOMPARE(run({}).code, 2);
        QCOMPARE(run({QStringLiteral("bogus")}).code, 2);
        QCOMPARE(run({QStringLiteral("stack"), QStringLiteral("validate")}).code, 2);
        QCOMPARE(run({QStringLiteral("stack"), QStringLiteral("validate"), QStringLiteral("x.yml"), QStringLiteral("--format"),
                      QStringLiteral("xml")}).code, 2);
        QCOMPARE(run({QStringLiteral("stack"), QStringLiteral("validate"), QStringLiteral("x.yml"), QStringLiteral("-v"),
                      QStringLiteral("novalue")}).code, 2);
    }

    void validStackPrintsYaml() {
        Run r = run({QStringLiteral("stack"), QStringLiteral("validate"), corpus(QStringLiteral("kontena-stacks/redis_kontena.yml"))});
        QCOMPARE(r.code, 0);
        QVERIFY(r.out.contains(QStringLiteral("image: redis:3.2-alpine")));
        QVERIFY(r.out.contains(QStringLiteral("name: redis")));
    }

    void jsonFormatAndName() {
        Run r = run({QStringLiteral("stack"), QStringLiteral("validate"), corpus(QStringLiteral("kontena-stacks/redis_kontena.yml")),
                     QStringLiteral("--format"), QStringLiteral("json"), QStringLiteral("-n"), QStringLiteral("cache"),
                     QStringLiteral("-v"), QStringLiteral("version=4.0")});
        QCOMPARE(r.code, 0);
        const QJsonObject o = QJsonDocument::fromJson(r.out.toUtf8()).object();
        QCOMPARE(o.value(QStringLiteral("name")).toString(), QStringLiteral("cache"));
        QVERIFY(r.out.contains(QStringLiteral("\"image\": \"redis:4.0\"")));
    }

    void invalidStackExitsOne() {
        Run r = run({QStringLiteral("stack"), QStringLiteral("validate"), corpus(QStringLiteral("fixtures/e2e_stack_simple_invalid.yml"))});
        QCOMPARE(r.code, 1);
        QVERIFY(r.err.contains(QStringLiteral("e2e_stack_simple_invalid.yml:5:5: services.redis.omg: key not expected")));
        QVERIFY(r.out.isEmpty());
    }

    // Without a terminal nothing is asked: the missing variable is named.
    void neverPromptsWithoutTerminal() {
        Run r = run({QStringLiteral("stack"), QStringLiteral("validate"), corpus(QStringLiteral("kontena-stacks/drone_github.yml"))},
                    "answer\nanswer\nanswer\n");
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains(QStringLiteral("no value for variable 'drone_host'")), qPrintable(r.err));
        QVERIFY(!r.err.contains(QStringLiteral("Drone hostname")));  // the prompt text was never shown
    }

    void placeholdersFillTheGaps() {
        Run r = run({QStringLiteral("stack"), QStringLiteral("validate"), QStringLiteral("--placeholders"),
                     corpus(QStringLiteral("kontena-stacks/drone_github.yml"))});
        QCOMPARE(r.code, 0);
        QVERIFY(r.out.contains(QStringLiteral("DRONE_HOST=https://placeholder")));
    }

    void valuesFromFile() {
        QTemporaryDir dir;
        QFile f(dir.filePath(QStringLiteral("values.yml")));
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("drone_host: ci.example.com\nloadbalancer: infra/lb\ngh_client_id: id\ngh_client_secret: secret\nagent_instances: 4\n");
        f.close();
        Run r = run({QStringLiteral("stack"), QStringLiteral("validate"), QStringLiteral("--values-from"), f.fileName(),
                     QStringLiteral("-v"), QStringLiteral("agent_instances=2"), corpus(QStringLiteral("kontena-stacks/drone_github.yml"))});
        QCOMPARE(r.code, 0);
        QVERIFY2(r.out.contains(QStringLiteral("DRONE_HOST=https://ci.example.com")), qPrintable(r.err));
        QVERIFY(r.out.contains(QStringLiteral("name: infra/lb")));
        QVERIFY(r.out.contains(QStringLiteral("instances: 2")));  // -v beats the values file
    }

    void everyLibraryStackValidatesWithPlaceholders() {
        const QDir dir(qEnvironmentVariable("KONTENA_SHARED_DIR") + QStringLiteral("/corpus/kontena-stacks"));
        const QStringList files = dir.entryList({QStringLiteral("*.yml")}, QDir::Files);
        QVERIFY(!files.isEmpty());
        for (const QString& f : files) {
            Run r = run({QStringLiteral("stack"), QStringLiteral("validate"), QStringLiteral("--placeholders"), dir.filePath(f)});
            QVERIFY2(r.code == 0, qPrintable(f + QStringLiteral(": ") + r.err));
        }
    }
};

QTEST_GUILESS_MAIN(TestStacksCli)
#include "tst_stacks_cli.moc"
