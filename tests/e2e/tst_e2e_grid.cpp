// The platform for real: kontena-master, two kontena-agents each with its
// own private dockerd, everything done through the kontena CLI (the engines
// are only read, to see what really runs). Shortened timers: keepalive 2 s,
// ha offline grace 5 s.
#include <QFile>
#include <QtTest>

#include <memory>

#include "tests/docker/test_image.h"
#include "tests/master/platform_harness.h"

using namespace kontena::testing;

namespace {

// Names of the running containers of stack `web` on an engine.
QStringList running(const PrivateDockerd& d) { return runningContainersOfStack(d, QStringLiteral("web")); }

}  // namespace

class TestE2eGrid : public QObject {
    Q_OBJECT

    QTemporaryDir dir_;
    EngineFixture engineA_, engineB_;
    std::unique_ptr<MasterProcess> master_;
    std::unique_ptr<Cli> cli_;
    std::unique_ptr<AgentProcess> agent1_, agent2_;

    CliResult kontena(const QStringList& args) { return cli_->run(args); }

    // instance number -> node, as the master reports it.
    QMap<int, QString> placement() {
        QMap<int, QString> out;
        const auto r = kontena({QStringLiteral("service"), QStringLiteral("containers"), QStringLiteral("web/app"), QStringLiteral("-o"), QStringLiteral("json")});
        for (const auto& v : r.json().toArray()) out.insert(v.toObject().value(QStringLiteral("instance_number")).toInt(), v.toObject().value(QStringLiteral("node")).toString());
        return out;
    }
    QMap<int, QString> afterDrain_, afterReturn_;

    QJsonObject service() {
        const auto r = kontena({QStringLiteral("service"), QStringLiteral("show"), QStringLiteral("web/app"), QStringLiteral("-o"), QStringLiteral("json")});
        return r.exit == 0 ? r.json().toObject() : QJsonObject();
    }
    int runningPerApi() { return service().value(QStringLiteral("instance_counts")).toObject().value(QStringLiteral("running")).toInt(); }
    QString diagnose() {
        return QStringLiteral("engine A: %1; engine B: %2\nmaster log tail:\n%3")
            .arg(running(engineA_.dockerd).join(u','), running(engineB_.dockerd).join(u','), master_->log().right(3000));
    }

private slots:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        if (qEnvironmentVariableIsSet("KONTENA_KEEP_TEST_DIR")) {
            dir_.setAutoRemove(false);
            qInfo("logs in %s", qPrintable(dir_.path()));
        }
        // Agents sample statistics every second (Kontena's 60 s would outlast the suite).
        qputenv("KONTENA_STATS_INTERVAL", "1");
        if (QString e = engineA_.setUp(); !e.isEmpty()) QFAIL(qPrintable(e));
        if (QString e = engineB_.setUp(); !e.isEmpty()) QFAIL(qPrintable(e));
        master_ = std::make_unique<MasterProcess>(dir_.filePath(QStringLiteral("master")));
        QVERIFY2(master_->start(QStringLiteral("e2e-admin-code")), qPrintable(master_->log()));
        cli_ = std::make_unique<Cli>(dir_.filePath(QStringLiteral("cfg")));
    }

    void cleanupTestCase() {
        agent1_.reset();
        agent2_.reset();
        master_.reset();
        for (EngineFixture* e : {&engineA_, &engineB_}) (void)e->dockerd.stop();
    }

    void gridWithTwoAgents() {
        auto r = kontena({QStringLiteral("master"), QStringLiteral("login"), QStringLiteral("--code"), QStringLiteral("e2e-admin-code"), master_->url()});
        QVERIFY2(r.exit == 0, qPrintable(r.err));
        r = kontena({QStringLiteral("grid"), QStringLiteral("create"), QStringLiteral("--initial-size"), QStringLiteral("1"), QStringLiteral("--offline-grace"),
                     QStringLiteral("5"), QStringLiteral("--keepalive"), QStringLiteral("2"), QStringLiteral("e2e")});
        QVERIFY2(r.exit == 0, qPrintable(r.err));
        r = kontena({QStringLiteral("grid"), QStringLiteral("token")});
        QCOMPARE(r.exit, 0);
        const QString token = r.out.trimmed();
        agent1_ = std::make_unique<AgentProcess>(QStringLiteral("node-1"), QStringLiteral("e2e"), engineA_.dockerd.dockerHost(), dir_.filePath(QStringLiteral("agent-1.log")));
        agent2_ = std::make_unique<AgentProcess>(QStringLiteral("node-2"), QStringLiteral("e2e"), engineB_.dockerd.dockerHost(), dir_.filePath(QStringLiteral("agent-2.log")));
        QVERIFY(agent1_->start(master_->wsUrl(), token));
        QVERIFY(eventually([&] {   // node-1 first: it becomes node number 1, the initial node
            const auto n = kontena({QStringLiteral("node"), QStringLiteral("ls"), QStringLiteral("-o"), QStringLiteral("json")}).json().toArray();
            return n.size() == 1 && n.first().toObject().value(QStringLiteral("status")).toString() == QStringLiteral("online");
        }, 20000));
        QVERIFY(agent2_->start(master_->wsUrl(), token));
        QVERIFY2(eventually([&] {
            const auto n = kontena({QStringLiteral("node"), QStringLiteral("ls"), QStringLiteral("-o"), QStringLiteral("json")}).json().toArray();
            int online = 0;
            for (const auto& x : n) online += x.toObject().value(QStringLiteral("status")).toString() == QStringLiteral("online");
            return online == 2;
        }, 20000), qPrintable(agent2_->log()));
        const auto nodes = kontena({QStringLiteral("node"), QStringLiteral("ls"), QStringLiteral("-o"), QStringLiteral("json")}).json().toArray();
        QCOMPARE(nodes.at(0).toObject().value(QStringLiteral("name")).toString(), QStringLiteral("node-1"));
        QVERIFY(nodes.at(0).toObject().value(QStringLiteral("initial_member")).toBool());
        QVERIFY(!nodes.at(1).toObject().value(QStringLiteral("initial_member")).toBool());
    }

    void installScaleDrain() {
        // A corpus-style stack (variables, command, stop grace) on the local busybox image.
        const QString file = dir_.filePath(QStringLiteral("kontena.yml"));
        QFile f(file);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("stack: e2e/web\nversion: 1.0.0\nvariables:\n  replicas:\n    type: integer\n    default: 4\n"
                "services:\n  app:\n    image: " + kTestImage.toUtf8() + "\n    instances: ${replicas}\n"
                "    command: sh -c 'while true; do echo serving; sleep 1; done'\n    stop_grace_period: 1s\n");
        f.close();
        auto r = kontena({QStringLiteral("stack"), QStringLiteral("install"), QStringLiteral("-n"), QStringLiteral("web"), file});
        QVERIFY2(r.exit == 0, qPrintable(r.err + diagnose()));
        QVERIFY2(eventually([&] { return runningPerApi() == 4 && running(engineA_.dockerd).size() + running(engineB_.dockerd).size() == 4; }, 60000), qPrintable(diagnose()));
        // ha spreads: both nodes have instances.
        QCOMPARE(running(engineA_.dockerd).size(), 2);
        QCOMPARE(running(engineB_.dockerd).size(), 2);

        r = kontena({QStringLiteral("service"), QStringLiteral("scale"), QStringLiteral("web/app"), QStringLiteral("2")});
        QVERIFY2(r.exit == 0, qPrintable(r.err));
        QVERIFY2(eventually([&] { return running(engineA_.dockerd).size() + running(engineB_.dockerd).size() == 2; }, 60000), qPrintable(diagnose()));

        r = kontena({QStringLiteral("node"), QStringLiteral("update"), QStringLiteral("node-1"), QStringLiteral("--availability"), QStringLiteral("drain")});
        QVERIFY2(r.exit == 0, qPrintable(r.err));
        QVERIFY2(eventually([&] { return running(engineA_.dockerd).isEmpty() && running(engineB_.dockerd).size() == 2; }, 60000), qPrintable(diagnose()));
        afterDrain_ = placement();
        r = kontena({QStringLiteral("node"), QStringLiteral("update"), QStringLiteral("node-1"), QStringLiteral("--availability"), QStringLiteral("active")});
        QCOMPARE(r.exit, 0);
    }

    void lostAgentAndItsReturn() {
        // node-2 holds both instances; its agent dies (its containers keep running).
        agent2_->kill9();
        QVERIFY2(eventually([&] {
            const auto n = kontena({QStringLiteral("node"), QStringLiteral("show"), QStringLiteral("node-2"), QStringLiteral("-o"), QStringLiteral("json")}).json().toObject();
            return n.value(QStringLiteral("status")).toString() == QStringLiteral("offline");
        }, 20000), qPrintable(diagnose()));
        // After the 5 s grace the instances run on node-1.
        QVERIFY2(eventually([&] { return running(engineA_.dockerd).size() == 2; }, 60000), qPrintable(diagnose()));
        QCOMPARE(running(engineB_.dockerd).size(), 2);   // nobody stops them while the agent is gone
        // The agent comes back: its surplus containers are removed.
        const QString token = kontena({QStringLiteral("grid"), QStringLiteral("token")}).out.trimmed();
        QVERIFY(agent2_->start(master_->wsUrl(), token));
        QVERIFY2(eventually([&] { return running(engineB_.dockerd).isEmpty(); }, 60000), qPrintable(diagnose() + agent2_->log()));
        QStringList both = running(engineA_.dockerd) + running(engineB_.dockerd);
        both.sort();
        QCOMPARE(both, (QStringList{QStringLiteral("web.app-1"), QStringLiteral("web.app-2")}));
        // Once node-2 is past its online grace, ha spreads the two instances again.
        QVERIFY2(eventually([&] { return running(engineA_.dockerd).size() == 1 && running(engineB_.dockerd).size() == 1; }, 90000), qPrintable(diagnose()));
        afterReturn_ = placement();
    }

    // Statistics of the running service (one instance per node now) and of a
    // node, through the CLI: the agents' Docker samples as the master keeps them.
    void statsOfARunningService() {
        QJsonArray stats;
        QVERIFY2(eventually([&] {
            stats = kontena({QStringLiteral("service"), QStringLiteral("stats"), QStringLiteral("web/app"), QStringLiteral("-o"), QStringLiteral("json")}).json().toArray();
            if (stats.size() != 2) return false;
            for (const auto& s : stats) {
                if (!s[QStringLiteral("latest")].isObject() || s[QStringLiteral("latest")][QStringLiteral("memory")].toDouble() <= 0) return false;
            }
            return true;
        }, 20000), qPrintable(QString::fromUtf8(QJsonDocument(stats).toJson()) + diagnose()));
        QCOMPARE(stats[0][QStringLiteral("container")].toString(), QStringLiteral("web.app-1"));
        QCOMPARE(stats[1][QStringLiteral("container")].toString(), QStringLiteral("web.app-2"));
        const auto r = kontena({QStringLiteral("service"), QStringLiteral("stats"), QStringLiteral("web/app")});
        QCOMPARE(r.exit, 0);
        const QStringList lines = r.out.split(u'\n', Qt::SkipEmptyParts);
        QCOMPARE(lines.size(), 3);
        QVERIFY2(lines[0].startsWith(QStringLiteral("CONTAINER")) && lines[0].contains(QStringLiteral("MEM USAGE/LIMIT")), qPrintable(r.out));
        for (int i : {1, 2}) {
            QVERIFY2(lines[i].startsWith(QStringLiteral("web.app-%1").arg(i)) && lines[i].contains(u'%') && lines[i].contains(QStringLiteral("iB / ")),
                     qPrintable(r.out));
        }
        QJsonObject node;
        QVERIFY2(eventually([&] {
            node = kontena({QStringLiteral("node"), QStringLiteral("stats"), QStringLiteral("node-1"), QStringLiteral("-o"), QStringLiteral("json")}).json().toObject();
            return node[QStringLiteral("memory")][QStringLiteral("total")].toDouble() > 0 && node[QStringLiteral("latest")].isObject();
        }, 20000), qPrintable(QString::fromUtf8(QJsonDocument(node).toJson())));
    }

    // The same story in the simulator ends with each instance on the same
    // node: the real placements become the scenario's checks.
    void simulationAgrees() {
        QCOMPARE(afterDrain_.size(), 2);
        QCOMPARE(afterReturn_.size(), 2);
        QByteArray y = "scenario: e2e-agreement\nuntil: 10m\ngrid: {name: e2e, initial_size: 1}\n"
                       "settings: {ping_interval: 2s, offline_grace: {ha: 5s}}\n"
                       "nodes:\n  - {name: node-1}\n  - {name: node-2, connect_at: 5s}\n"
                       "stacks:\n  web:\n    inline: {stack: e2e/web, version: 1.0.0, services: {app: {image: busybox:1, instances: 4}}}\n"
                       "events:\n  - {at: 30s, deploy: web}\n  - {at: 2m, scale: {service: web/app, instances: 2}}\n"
                       "  - {at: 3m, node_drain: node-1}\n  - {at: 4m, node_activate: node-1}\n"
                       "  - {at: 4m10s, node_disconnect: node-2}\n  - {at: 6m, node_connect: node-2}\nexpect:\n";
        for (auto it = afterDrain_.begin(); it != afterDrain_.end(); ++it) y += "  - {at: 3m50s, instance: web/app-" + QByteArray::number(it.key()) + ", on: " + it.value().toUtf8() + "}\n";
        // After the return both runs spread the instances one per node; which
        // number moves back is a tie the two runs may break differently.
        QMap<QString, int> perNode;
        for (const QString& n : afterReturn_) ++perNode[n];
        for (const char* n : {"node-1", "node-2"}) y += "  - {at: 9m, node: " + QByteArray(n) + ", instances: " + QByteArray::number(perNode.value(QString::fromLatin1(n))) + "}\n";
        QFile f(dir_.filePath(QStringLiteral("agreement.yaml")));
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(y);
        f.close();
        QProcess sim;
        sim.start(qEnvironmentVariable("KONTENA_SIM_BIN"), {QStringLiteral("run"), f.fileName()});
        QVERIFY(sim.waitForFinished(60000));
        const QString out = QString::fromUtf8(sim.readAllStandardOutput() + sim.readAllStandardError());
        QVERIFY2(sim.exitCode() == 0, qPrintable(out));
        QVERIFY2(out.contains(QStringLiteral("4 of 4 checks hold")), qPrintable(out));
    }

    void masterKilledDuringADeploy() {
        auto r = kontena({QStringLiteral("service"), QStringLiteral("scale"), QStringLiteral("--no-wait"), QStringLiteral("web/app"), QStringLiteral("6")});
        QVERIFY2(r.exit == 0, qPrintable(r.err));
        // The containers' output reached the master (the app prints "serving" every second).
        QString before;
        QVERIFY2(eventually([&] {
            before = kontena({QStringLiteral("service"), QStringLiteral("logs"), QStringLiteral("--tail"), QStringLiteral("3"), QStringLiteral("web/app")}).out.trimmed();
            return before.contains(QStringLiteral("serving"));
        }, 30000), qPrintable(before + diagnose()));
        const QString lastLine = before.split(QLatin1Char('\n')).last();
        const QString one = kontena({QStringLiteral("service"), QStringLiteral("logs"), QStringLiteral("-i"), QStringLiteral("1"), QStringLiteral("--tail"),
                                     QStringLiteral("20"), QStringLiteral("web/app")}).out.trimmed();
        QVERIFY2(!one.isEmpty(), "no line of instance 1");
        for (const QString& line : one.split(QLatin1Char('\n'))) QVERIFY2(line.contains(QStringLiteral(" web.app-1: ")), qPrintable(line));
        const auto future = kontena({QStringLiteral("service"), QStringLiteral("logs"), QStringLiteral("--since"), QStringLiteral("2099-01-01T00:00:00Z"),
                                     QStringLiteral("web/app")});
        QVERIFY2(future.exit == 0 && future.out.trimmed().isEmpty(), qPrintable(future.out + future.err));
        master_->kill9();
        QVERIFY2(master_->start(QStringLiteral("e2e-admin-code")), qPrintable(master_->log()));
        // Lines kept before the kill are there after it (logs.db, not memory).
        const QString after = kontena({QStringLiteral("service"), QStringLiteral("logs"), QStringLiteral("--tail"), QStringLiteral("10000"),
                                       QStringLiteral("web/app")}).out;
        QVERIFY2(after.contains(lastLine), qPrintable(lastLine));
        // The agents reconnect; the deploy completes; each instance runs exactly once.
        QVERIFY2(eventually([&] { return running(engineA_.dockerd).size() + running(engineB_.dockerd).size() == 6; }, 120000), qPrintable(diagnose()));
        QStringList all = running(engineA_.dockerd) + running(engineB_.dockerd);
        all.sort();
        QCOMPARE(all, (QStringList{QStringLiteral("web.app-1"), QStringLiteral("web.app-2"), QStringLiteral("web.app-3"), QStringLiteral("web.app-4"),
                                   QStringLiteral("web.app-5"), QStringLiteral("web.app-6")}));
        QCOMPARE(service().value(QStringLiteral("instances")).toInt(), 6);
        QVERIFY2(eventually([&] { return runningPerApi() == 6; }, 30000), qPrintable(diagnose()));
    }

    void removeTheStack() {
        auto r = kontena({QStringLiteral("stack"), QStringLiteral("rm"), QStringLiteral("web")});
        QVERIFY2(r.exit == 0, qPrintable(r.err));
        QVERIFY2(eventually([&] { return running(engineA_.dockerd).isEmpty() && running(engineB_.dockerd).isEmpty(); }, 60000), qPrintable(diagnose()));
    }
};

QTEST_GUILESS_MAIN(TestE2eGrid)
#include "tst_e2e_grid.moc"
