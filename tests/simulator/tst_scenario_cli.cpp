// The kontena-sim command line: argument parsing (scenario_args.h) and the
// program's exit codes and messages.
#include <QDir>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include "simulator/scenario_args.h"

using namespace kontena;
using namespace kontena::sim;

namespace {

Result<Command> parse(const std::vector<std::string>& args) { return parseCommandLine(args); }

struct Outcome {
    int code = -1;
    QString out;
    QString err;
};

Outcome runSim(const QStringList& args) {
    QProcess p;
    p.start(qEnvironmentVariable("KONTENA_SIM"), args);
    if (!p.waitForFinished(30'000) || p.exitStatus() != QProcess::NormalExit) return {};
    return {p.exitCode(), QString::fromUtf8(p.readAllStandardOutput()), QString::fromUtf8(p.readAllStandardError())};
}

QString writeFile(const QTemporaryDir& dir, const QString& name, const QByteArray& text) {
    const QString path = dir.filePath(name);
    QFile f(path);
    if (f.open(QIODevice::WriteOnly)) f.write(text);
    return path;
}

const QByteArray kValid = "scenario: ok\nnodes: [{name: n1}]\nexpect: [{at: 1m, quorum: true}]\n";

}  // namespace

class TestScenarioCli : public QObject {
    Q_OBJECT

private slots:
    void parseCheck() {
        const auto c = parse({"check", "a.yaml", "b.yaml", "--quiet"});
        QVERIFY(c.ok());
        const auto& o = std::get<CheckOptions>(c.value());
        QCOMPARE(o.files, (std::vector<std::string>{"a.yaml", "b.yaml"}));
        QVERIFY(o.quiet);
    }

    void parseRun() {
        const auto c = parse({"run", "--seed", "9", "a.yaml", "--report=r.json", "--timeline", "t.svg", "--quiet"});
        QVERIFY2(c.ok(), c.ok() ? "" : c.error().message.c_str());
        const auto& o = std::get<RunOptions>(c.value());
        QCOMPARE(o.files, std::vector<std::string>{"a.yaml"});
        QCOMPARE(o.seed, std::optional<std::uint64_t>(9));
        QCOMPARE(o.report, std::optional<std::string>("r.json"));
        QCOMPARE(o.timeline, std::optional<std::string>("t.svg"));
        QVERIFY(o.quiet);
        const auto plain = parse({"run", "a.yaml"});
        QVERIFY(plain.ok());
        QVERIFY(!std::get<RunOptions>(plain.value()).seed);
    }

    void parseExplore() {
        const auto c = parse({"explore", "a.yaml", "--seeds", "1000", "--from-seed=50"});
        QVERIFY(c.ok());
        const auto& o = std::get<ExploreOptions>(c.value());
        QCOMPARE(o.file, std::string("a.yaml"));
        QCOMPARE(o.seeds, std::uint64_t(1000));
        QCOMPARE(o.fromSeed, std::uint64_t(50));
        QCOMPARE(std::get<ExploreOptions>(parse({"explore", "a.yaml", "--seeds", "3"}).value()).fromSeed, std::uint64_t(1));
        QVERIFY(!o.report && !o.timeline);
        const auto files = parse({"explore", "a.yaml", "--seeds", "3", "--report", "r.json", "--timeline=t.png"});
        QVERIFY(files.ok());
        QCOMPARE(*std::get<ExploreOptions>(files.value()).report, std::string("r.json"));
        QCOMPARE(*std::get<ExploreOptions>(files.value()).timeline, std::string("t.png"));
    }

    void parseHelp() {
        QVERIFY(std::holds_alternative<HelpRequest>(parse({"--help"}).value()));
        QVERIFY(std::holds_alternative<HelpRequest>(parse({"run", "--help"}).value()));
        QVERIFY(usageText().find("kontena-sim explore FILE --seeds N") != std::string::npos);
    }

    void parseErrors_data() {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("message");
        QTest::newRow("nothing") << QStringList{} << QStringLiteral("no command");
        QTest::newRow("unknown command") << QStringList{QStringLiteral("simulate")} << QStringLiteral("unknown command");
        QTest::newRow("check without files") << QStringList{QStringLiteral("check")} << QStringLiteral("at least one");
        QTest::newRow("check --seed") << QStringList{QStringLiteral("check"), QStringLiteral("a"), QStringLiteral("--seed"),
                                                     QStringLiteral("1")}
                                      << QStringLiteral("unknown option --seed");
        QTest::newRow("run bad seed") << QStringList{QStringLiteral("run"), QStringLiteral("a"), QStringLiteral("--seed"),
                                                     QStringLiteral("x")}
                                      << QStringLiteral("--seed");
        QTest::newRow("run seed missing value") << QStringList{QStringLiteral("run"), QStringLiteral("a"),
                                                               QStringLiteral("--seed")}
                                                << QStringLiteral("needs a value");
        QTest::newRow("run timeline ext") << QStringList{QStringLiteral("run"), QStringLiteral("a"),
                                                         QStringLiteral("--timeline=t.pdf")}
                                          << QStringLiteral(".svg or .png");
        QTest::newRow("run quiet value") << QStringList{QStringLiteral("run"), QStringLiteral("a"),
                                                        QStringLiteral("--quiet=1")}
                                         << QStringLiteral("takes no value");
        QTest::newRow("explore no seeds") << QStringList{QStringLiteral("explore"), QStringLiteral("a")}
                                          << QStringLiteral("--seeds N is required");
        QTest::newRow("explore zero seeds") << QStringList{QStringLiteral("explore"), QStringLiteral("a"),
                                                           QStringLiteral("--seeds=0")}
                                            << QStringLiteral("out of range");
        QTest::newRow("explore timeline format") << QStringList{QStringLiteral("explore"), QStringLiteral("a"), QStringLiteral("--seeds=2"),
                                                                QStringLiteral("--timeline=t.pdf")}
                                                 << QStringLiteral(".svg or .png");
        QTest::newRow("explore two files") << QStringList{QStringLiteral("explore"), QStringLiteral("a"), QStringLiteral("b"),
                                                          QStringLiteral("--seeds=2")}
                                           << QStringLiteral("exactly one");
    }
    void parseErrors() {
        QFETCH(QStringList, args);
        QFETCH(QString, message);
        std::vector<std::string> v;
        for (const QString& a : args) v.push_back(a.toStdString());
        const auto c = parse(v);
        QVERIFY(!c.ok());
        QVERIFY2(c.error().message.find(message.toStdString()) != std::string::npos, c.error().message.c_str());
    }

    void checkValidExitsZero() {
        QTemporaryDir dir;
        const QString file = writeFile(dir, QStringLiteral("ok.yaml"), kValid);
        const Outcome o = runSim({QStringLiteral("check"), file});
        QCOMPARE(o.code, 0);
        QVERIFY(o.err.isEmpty());
        QCOMPARE(o.out, file + QStringLiteral(": ok: ok (1 nodes, 0 events, 1 checks)\n"));
    }

    void checkInvalidExitsTwoWithPositions() {
        QTemporaryDir dir;
        const QString good = writeFile(dir, QStringLiteral("ok.yaml"), kValid);
        const QString bad = writeFile(dir, QStringLiteral("bad.yaml"),
                                      "scenario: bad\nuntil: 30\nnodes:\n  - name: n1\n    colour: red\n");
        const Outcome o = runSim({QStringLiteral("check"), good, bad});
        QCOMPARE(o.code, 2);
        const QStringList lines = o.err.split(QLatin1Char('\n'), Qt::SkipEmptyParts);
        QCOMPARE(lines.size(), 2);
        QVERIFY2(lines[0].startsWith(bad + QStringLiteral(":2:8: until: duration '30' has no unit")), qPrintable(o.err));
        QVERIFY2(lines[1].startsWith(bad + QStringLiteral(":5:5: unknown key 'colour'")), qPrintable(o.err));
    }

    void checkMissingFileExitsTwo() {
        const Outcome o = runSim({QStringLiteral("check"), QStringLiteral("/nonexistent/x.yaml")});
        QCOMPARE(o.code, 2);
        QVERIFY(o.err.startsWith(QStringLiteral("/nonexistent/x.yaml:1:1: cannot read the file")));
    }

    // run and explore reach the engine for a valid file: the exit status is
    // the checks' verdict (0 or 1), never a usage or validation error.
    void runAndExploreDispatchValidFiles() {
        QTemporaryDir dir;
        const QString file = writeFile(dir, QStringLiteral("ok.yaml"), kValid);
        for (const QStringList& args : {QStringList{QStringLiteral("run"), file, QStringLiteral("--quiet")},
                                        QStringList{QStringLiteral("explore"), file, QStringLiteral("--seeds"),
                                                    QStringLiteral("2")}}) {
            const Outcome o = runSim(args);
            QVERIFY2(o.code == 0 || o.code == 1, qPrintable(args.join(QLatin1Char(' ')) + QStringLiteral(": ") + o.err));
            QVERIFY2(!o.err.contains(QStringLiteral("usage:")), qPrintable(o.err));
        }
    }

    void runInvalidScenarioExitsTwoBeforeRunning() {
        QTemporaryDir dir;
        const QString bad = writeFile(dir, QStringLiteral("bad.yaml"), "scenario: bad\n");
        const Outcome o = runSim({QStringLiteral("run"), bad});
        QCOMPARE(o.code, 2);
        QVERIFY(o.err.startsWith(bad + QStringLiteral(":1:1: missing key 'nodes'")));
        QVERIFY2(o.out.isEmpty(), qPrintable(o.out));   // nothing was run
    }

    // `what-if` from a state file with the live placement: the written
    // scenario finds both instances on node-2, and the failure moves both.
    void whatIfFromTheLivePlacement() {
        QTemporaryDir dir;
        const QByteArray state = R"({"grid": {"name": "gone", "initial_size": 1},
            "nodes": [{"name": "node-1", "node_number": 1, "status": "online"}, {"name": "node-2", "node_number": 2, "status": "online"}],
            "stacks": [{"name": "web", "source": "stack: a/web\nservices:\n  app:\n    image: busybox:1\n    instances: 2\n    deploy:\n      strategy: random\n",
                        "services": [{"name": "app", "instances": 2, "state": "running"}]}],
            "instances": [{"service_id": "gone/web/app", "instance_number": 1, "node": "node-2", "desired": "running"},
                          {"service_id": "gone/web/app", "instance_number": 2, "node": "node-2", "desired": "running"}]})";
        const QString file = writeFile(dir, QStringLiteral("state.json"), state);
        const QString written = dir.filePath(QStringLiteral("rehearsal.yaml"));
        const QString report = dir.filePath(QStringLiteral("report.json"));
        const Outcome o = runSim({QStringLiteral("what-if"), file, QStringLiteral("--offline"), QStringLiteral("node-2"), QStringLiteral("--write"),
                                  written, QStringLiteral("--report"), report});
        QVERIFY2(o.code == 0, qPrintable(o.out + o.err));
        QFile y(written);
        QVERIFY(y.open(QIODevice::ReadOnly));
        const QByteArray yaml = y.readAll();
        QVERIFY2(yaml.contains("placement:\n      web/app-1: node-2\n      web/app-2: node-2\n"), yaml.constData());
        QFile r(report);
        QVERIFY(r.open(QIODevice::ReadOnly));
        const QByteArray json = r.readAll();
        QCOMPARE(json.count("found on node-2 (placement)"), 2);
        QCOMPARE(json.count("moved from node-2 to node-1"), 2);
    }

    void usageErrorsExitTwo() {
        const Outcome none = runSim({});
        QCOMPARE(none.code, 2);
        QVERIFY(none.err.contains(QStringLiteral("usage:")));
        QCOMPARE(runSim({QStringLiteral("frobnicate")}).code, 2);
        const Outcome help = runSim({QStringLiteral("help")});
        QCOMPARE(help.code, 0);
        QVERIFY(help.out.contains(QStringLiteral("kontena-sim check FILE")));
    }
};

QTEST_GUILESS_MAIN(TestScenarioCli)
#include "tst_scenario_cli.moc"
