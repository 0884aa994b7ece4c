// kontena-admin's live mode against a real master in process, with two
// agents (in-memory container runtime) connected over loopback WebSockets:
// the overview shows the grid, a node is drained and a service scaled from
// the GUI's actions, a refused action shows the API's message, a cancelled
// one changes nothing. The live models under QAbstractItemModelTester.
#include <QAbstractItemModelTester>
#include <QDir>
#include <QTemporaryDir>
#include <QtTest>

#include "agent/agent.h"
#include "agent/version.h"
#include "client/client.h"
#include "gui/live_window.h"
#include "gui/main_window.h"
#include "gui/models/live.h"
#include "master/api_server.h"
#include "tests/agent/fake_runtime.h"
#include "protocol/node_stats.h"
#include "simulator/engine/engine.h"
#include "simulator/scenario.h"

using namespace kontena;

namespace {

constexpr int kWait = 30000;

const char* kStack = "stack: test/web\nversion: 1.0.0\nservices:\n  app:\n    image: busybox:1\n    instances: 2\n";

QJsonObject node(const QString& name, const QString& status) {
    return QJsonObject{{QStringLiteral("name"), name}, {QStringLiteral("status"), status}, {QStringLiteral("node_number"), 1},
                       {QStringLiteral("labels"), QJsonArray{QStringLiteral("az=a")}}, {QStringLiteral("mem_total"), 4.0 * 1024 * 1024 * 1024}};
}

}  // namespace

class TestGuiLive : public QObject {
    Q_OBJECT

    QTemporaryDir dir_;
    std::unique_ptr<master::Master> master_;
    QString url_, token_;
    std::vector<std::unique_ptr<agentd::Agent>> agents_;

    QJsonObject get(const QString& path) {
        client::ApiClient c(url_, token_);
        const auto r = c.get(path);
        return r.ok() ? r.object() : QJsonObject{};
    }

    // The rehearsal's scenario puts each instance where the master runs it
    // now (node-2 is drained: all on node-1), and its simulation starts so.
    void rehearsalStartsFromTheLivePlacement(const QString& file) {
        const auto scenario = sim::loadScenarioFile(file.toStdString());
        QVERIFY(scenario.ok());
        std::map<std::string, std::string> rehearsed, running;
        for (const auto& p : scenario.value().stacks.at("web").placement) rehearsed[p.instance.name()] = p.node;
        for (const auto& [key, inst] : master_->grid(QStringLiteral("live"))->state().instances) {
            if (inst.node) running[instanceName(key.service, key.number)] = *inst.node;
        }
        QCOMPARE(rehearsed.size(), std::size_t(3));
        QCOMPARE(rehearsed, running);
        sim::EngineOptions spans;
        spans.recordSpans = true;
        const sim::RunReport report = sim::runScenario(scenario.value(), spans);
        std::map<std::string, const sim::InstanceSpan*> first;   // each instance's earliest container
        for (const auto& x : report.instanceSpans) {
            const sim::InstanceSpan*& f = first[x.instance];
            if (!f || x.from < f->from) f = &x;
        }
        for (const auto& [instance, node] : running) {
            QVERIFY(first.count(instance));
            QCOMPARE(first.at(instance)->node, node);
        }
    }

private slots:
    void modelsTakeSnapshots() {
        gui::LiveNodeModel m;
        QAbstractItemModelTester tester(&m, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QSignalSpy resets(&m, &QAbstractItemModel::modelReset);
        QSignalSpy changes(&m, &QAbstractItemModel::dataChanged);
        m.setRows(QJsonArray{node(QStringLiteral("node-1"), QStringLiteral("online")), node(QStringLiteral("node-2"), QStringLiteral("online"))});
        QCOMPARE(m.rowCount(), 2);
        QCOMPARE(resets.size(), 1);
        QCOMPARE(m.index(1, gui::LiveNodeModel::Name).data().toString(), QStringLiteral("node-2"));
        QCOMPARE(m.index(0, gui::LiveNodeModel::Memory).data().toString(), QStringLiteral("4.0 GiB"));
        QCOMPARE(m.index(0, gui::LiveNodeModel::Labels).data().toString(), QStringLiteral("az=a"));
        // The same rows again: cells refresh in place (a selection survives the poll).
        m.setRows(QJsonArray{node(QStringLiteral("node-1"), QStringLiteral("online")), node(QStringLiteral("node-2"), QStringLiteral("offline"))});
        QCOMPARE(resets.size(), 1);
        QCOMPARE(changes.size(), 1);
        QCOMPARE(m.index(1, gui::LiveNodeModel::Status).data().toString(), QStringLiteral("offline"));
        QCOMPARE(m.rowOf(QStringLiteral("node-2")), 1);
        // Another set of rows: a reset.
        m.setRows(QJsonArray{node(QStringLiteral("node-3"), QStringLiteral("online"))});
        QCOMPARE(resets.size(), 2);
        QCOMPARE(m.rowOf(QStringLiteral("node-1")), -1);
        m.setRows(QJsonArray{QStringLiteral("not an object")});
        QCOMPARE(m.rowCount(), 0);

        gui::LiveServiceModel s;
        QAbstractItemModelTester serviceTester(&s, QAbstractItemModelTester::FailureReportingMode::QtTest);
        s.setRows(QJsonArray{QJsonObject{{QStringLiteral("id"), QStringLiteral("g/web/app")}, {QStringLiteral("stack"), QStringLiteral("web")},
                                         {QStringLiteral("name"), QStringLiteral("app")}, {QStringLiteral("instances"), 3},
                                         {QStringLiteral("instance_counts"), QJsonObject{{QStringLiteral("running"), 2}}}}});
        QCOMPARE(s.index(0, gui::LiveServiceModel::Service).data().toString(), QStringLiteral("web/app"));
        QCOMPARE(s.index(0, gui::LiveServiceModel::Instances).data().toString(), QStringLiteral("2 / 3"));
        QCOMPARE(s.index(0, gui::LiveServiceModel::Health).data().toString(), QStringLiteral("-"));

        const QJsonArray logs{QJsonObject{{QStringLiteral("created_at"), QStringLiteral("t1")}, {QStringLiteral("name"), QStringLiteral("web.app-1")},
                                          {QStringLiteral("data"), QStringLiteral("GET /health 200\n")}},
                              QJsonObject{{QStringLiteral("created_at"), QStringLiteral("t2")}, {QStringLiteral("name"), QStringLiteral("web.app-2")},
                                          {QStringLiteral("data"), QStringLiteral("ERROR disk full")}}};
        QCOMPARE(gui::formatLogLines(logs, QStringLiteral("error")), QStringLiteral("t2 web.app-2: ERROR disk full"));
        QCOMPARE(gui::formatLogLines(logs, QString()).count(QLatin1Char('\n')), 1);
    }

    void initTestCase() {
        QVERIFY(dir_.isValid());
        qputenv("KONTENA_CONFIG_DIR", dir_.filePath(QStringLiteral("config")).toUtf8());
        master_ = std::make_unique<master::Master>();
        QString code, error;
        QVERIFY2(master_->open(dir_.filePath(QStringLiteral("master")), QStringLiteral("admin-code"), &code, &error), qPrintable(error));
        const quint16 port = master_->listen(QHostAddress::LocalHost, 0);
        QVERIFY(port);
        url_ = QStringLiteral("http://127.0.0.1:%1").arg(port);
        client::ApiClient anon(url_, QString());
        const auto auth = anon.post(QStringLiteral("/v1/auth"), QJsonObject{{QStringLiteral("code"), QStringLiteral("admin-code")}});
        QVERIFY(auth.ok());
        token_ = auth.object().value(QStringLiteral("access_token")).toString();
        client::ApiClient admin(url_, token_);
        QVERIFY(admin.post(QStringLiteral("/v1/grids"), QJsonObject{{QStringLiteral("name"), QStringLiteral("live")}}).ok());
        const QString gridToken = admin.get(QStringLiteral("/v1/grids/live/token")).object().value(QStringLiteral("token")).toString();
        QVERIFY(!gridToken.isEmpty());

        for (const QString& name : {QStringLiteral("node-1"), QStringLiteral("node-2")}) {
            agentd::AgentConfig c;
            c.masterUrl = QUrl(QStringLiteral("ws://127.0.0.1:%1").arg(port));
            c.token = gridToken;
            c.nodeId = QStringLiteral("ID:") + name;
            c.nodeName = name;
            c.grid = QStringLiteral("live");
            c.version = QString::fromLatin1(agentd::kAgentVersion);
            c.labels = {QStringLiteral("az=a")};
            c.timers.reconnectDelay = [](int) { return agentd::Millis(100); };
            agents_.push_back(std::make_unique<agentd::Agent>(c, std::make_shared<testing::FakeRuntime>(), std::nullopt));
            agents_.back()->start();
        }
        QTRY_COMPARE_WITH_TIMEOUT(get(QStringLiteral("/v1/grids/live/nodes")).value(QStringLiteral("nodes")).toArray().size(), 2, kWait);
        const auto install = admin.post(QStringLiteral("/v1/grids/live/stacks"),
                                        QJsonObject{{QStringLiteral("name"), QStringLiteral("web")}, {QStringLiteral("stack"), QStringLiteral("test/web")},
                                                    {QStringLiteral("version"), QStringLiteral("1.0.0")}, {QStringLiteral("source"), QString::fromLatin1(kStack)},
                                                    {QStringLiteral("variables"), QJsonObject{}}});
        QVERIFY2(install.ok(), qPrintable(install.error ? install.error->message : QString()));

        client::Config config;
        config.upsert(client::MasterEntry{QStringLiteral("local"), url_, token_, QStringLiteral("live"), QStringLiteral("admin")});
        config.current = QStringLiteral("local");
        QString why;
        QVERIFY2(config.save(&why), qPrintable(why));
    }

    void notLoggedInSaysHow() {
        gui::MainWindow w;
        QString error;
        QVERIFY(!w.openLive(QStringLiteral("elsewhere"), QString(), &error));
        QVERIFY2(error.contains(QStringLiteral("no master named elsewhere")), qPrintable(error));
    }

    void overviewDrainAndScale() {
        gui::MainWindow w;
        QString error;
        gui::LiveWindow* live = w.openLive(QString(), QString(), &error);
        QVERIFY2(live, qPrintable(error));
        std::unique_ptr<gui::LiveWindow> owner(live);
        live->show();
        QStringList asked;
        live->confirm = [&](const QString& q) {
            asked << q;
            return true;
        };
        // The overview: both nodes, the stack, the service running 2 of 2.
        QTRY_COMPARE_WITH_TIMEOUT(live->nodeModel().rowCount(), 2, kWait);
        QTRY_COMPARE_WITH_TIMEOUT(live->stackModel().rowCount(), 1, kWait);
        QTRY_COMPARE_WITH_TIMEOUT(live->serviceModel().rowCount(), 1, kWait);
        const int row = live->serviceModel().rowOf(QStringLiteral("live/web/app"));
        QVERIFY(row >= 0);
        QTRY_COMPARE_WITH_TIMEOUT(live->serviceModel().index(live->serviceModel().rowOf(QStringLiteral("live/web/app")), gui::LiveServiceModel::Instances).data().toString(),
                                  QStringLiteral("2 / 2"), kWait);
        QVERIFY2(live->gridSummary().contains(QStringLiteral("2 nodes")), qPrintable(live->gridSummary()));
        const int n2 = live->nodeModel().rowOf(QStringLiteral("node-2"));
        QCOMPARE(live->nodeModel().index(n2, gui::LiveNodeModel::Status).data().toString(), QStringLiteral("online"));

        // Drain node-2 from the GUI: asked first, then the master has it drained and the view shows it.
        QVERIFY(live->selectNode(QStringLiteral("node-2")));
        live->drainSelectedNode();
        QCOMPARE(asked.size(), 1);
        QVERIFY(asked.first().contains(QStringLiteral("Drain node node-2")));
        QTRY_COMPARE_WITH_TIMEOUT(get(QStringLiteral("/v1/nodes/live/node-2")).value(QStringLiteral("availability")).toString(), QStringLiteral("drain"), kWait);
        QTRY_COMPARE_WITH_TIMEOUT(live->nodeModel().index(live->nodeModel().rowOf(QStringLiteral("node-2")), gui::LiveNodeModel::Availability).data().toString(),
                                  QStringLiteral("drain"), kWait);
        QCOMPARE(live->lastMessage(), QStringLiteral("Node node-2 drained."));

        // Cancelled: nothing changes.
        live->confirm = [](const QString&) { return false; };
        QVERIFY(live->selectNode(QStringLiteral("node-2")));
        live->activateSelectedNode();
        QCOMPARE(live->lastMessage(), QStringLiteral("Cancelled."));
        QTest::qWait(300);
        QCOMPARE(get(QStringLiteral("/v1/nodes/live/node-2")).value(QStringLiteral("availability")).toString(), QStringLiteral("drain"));

        // Scale to 3 from the GUI.
        live->confirm = [](const QString&) { return true; };
        live->askInstances = [](int current) -> std::optional<int> { return current + 1; };
        QVERIFY(live->selectService(QStringLiteral("live/web/app")));
        live->scaleSelectedService();
        QTRY_COMPARE_WITH_TIMEOUT(get(QStringLiteral("/v1/services/live/web/app")).value(QStringLiteral("instances")).toInt(), 3, kWait);
        QTRY_COMPARE_WITH_TIMEOUT(live->serviceModel().index(live->serviceModel().rowOf(QStringLiteral("live/web/app")), gui::LiveServiceModel::Instances).data().toString(),
                                  QStringLiteral("3 / 3"), kWait);

        // A refused action shows the master's answer.
        live->askInstances = [](int) -> std::optional<int> { return -4; };
        QSignalSpy finished(live, &gui::LiveWindow::actionFinished);
        live->scaleSelectedService();
        QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, kWait);
        QCOMPARE(finished.first().first().toBool(), false);
        QVERIFY2(live->lastMessage().contains(QStringLiteral("HTTP 4")), qPrintable(live->lastMessage()));
        QCOMPARE(get(QStringLiteral("/v1/services/live/web/app")).value(QStringLiteral("instances")).toInt(), 3);

        // Nothing selected: said so, nothing sent.
        live->removeSelectedStack();
        QCOMPARE(live->lastMessage(), QStringLiteral("Select a stack first."));

        // The screenshot CI keeps.
        const QString shots = qEnvironmentVariable("KONTENA_SCREENSHOT_DIR");
        if (!shots.isEmpty()) {
            QDir().mkpath(shots);
            QVERIFY(live->grab().save(QDir(shots).filePath(QStringLiteral("live-overview.png"))));
        }

        // What if node-1 goes offline: the rehearsal opens in the offline views.
        QSignalSpy rehearse(live, &gui::LiveWindow::rehearse);
        QVERIFY(live->selectNode(QStringLiteral("node-1")));
        live->whatIfSelectedNodesOffline();
        QTRY_COMPARE_WITH_TIMEOUT(rehearse.size(), 1, kWait);
        QVERIFY(w.rehearsal());
        QVERIFY(w.nodeModel().rowCount() >= 2);
        rehearsalStartsFromTheLivePlacement(rehearse.first().first().toString());
    }

    // The charts of live mode get their points from the master's stats
    // routes: samples the master keeps (put straight into its grid, the
    // in-memory agents sample nothing) show as one line per container, and
    // as the node's line when a node is selected instead.
    void chartsShowStats() {
        master::GridRuntime* g = master_->grid(QStringLiteral("live"));
        QVERIFY(g);
        const Service* svc = g->state().service("web/app");
        QVERIFY(svc);
        const Instant now = g->now();
        for (int n : {1, 2}) {
            const QString name = QString::fromStdString(containerName(svc->spec, n));
            const auto inst = g->state().instances.find(InstanceKey{"web/app", n});
            QVERIFY(inst != g->state().instances.end() && inst->second.node);
            for (int minute = 3; minute >= 1; --minute) {
                stats::Sample s;
                s.at = Instant(now.ms - minute * 60'000);
                s.cpuPercent = 10.0 * n + minute;
                s.memory = (20LL + n) << 20;
                g->stats().addContainer("web/app", n, name, QString::fromStdString(*inst->second.node), s);
            }
        }
        protocol::NodeStatsReport report;
        report.memTotal = 4LL << 30;
        report.memUsed = 1LL << 30;
        report.cpuPercent = 30;
        report.at = QDateTime::currentDateTimeUtc();
        g->stats().addNode(QStringLiteral("node-1"), report);

        gui::MainWindow w;
        QString error;
        gui::LiveWindow* live = w.openLive(QString(), QString(), &error);
        QVERIFY2(live, qPrintable(error));
        std::unique_ptr<gui::LiveWindow> owner(live);
        live->show();
        QTRY_VERIFY_WITH_TIMEOUT(live->serviceModel().rowOf(QStringLiteral("live/web/app")) >= 0, kWait);
        QVERIFY(live->selectService(QStringLiteral("live/web/app")));
        QTRY_COMPARE_WITH_TIMEOUT(live->charts().cpuPoints(), 6, kWait);
        QCOMPARE(live->charts().memoryPoints(), 6);
        QCOMPARE(live->charts().lineNames(), (QStringList{QString::fromStdString(containerName(svc->spec, 1)),
                                                           QString::fromStdString(containerName(svc->spec, 2))}));
        QVERIFY2(live->charts().title().contains(QStringLiteral("web/app")), qPrintable(live->charts().title()));
        const QString shots = qEnvironmentVariable("KONTENA_SCREENSHOT_DIR");
        if (!shots.isEmpty()) {
            QDir().mkpath(shots);
            QVERIFY(live->grab().save(QDir(shots).filePath(QStringLiteral("live-stats.png"))));
        }

        live->selectService(QString());   // no service: the selected node's line
        QVERIFY(live->selectNode(QStringLiteral("node-1")));
        QTRY_COMPARE_WITH_TIMEOUT(live->charts().lineNames(), QStringList{QStringLiteral("node-1")}, kWait);
        QCOMPARE(live->charts().cpuPoints(), 1);
    }

    void cleanupTestCase() {
        agents_.clear();
        master_.reset();
    }
};

QTEST_MAIN(TestGuiLive)
#include "tst_gui_live.moc"
