// The admin GUI's offline mode: models checked by QAbstractItemModelTester,
// and the window itself under the offscreen platform.
#include <QAbstractItemModelTester>
#include <QFile>
#include <QFont>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QLabel>
#include <QListWidget>
#include <QSlider>
#include <QtTest>

#include "gui/main_window.h"

using namespace kontena;
using namespace kontena::gui;

namespace {

QString scenarioPath(const char* name) {
    return qEnvironmentVariable("KONTENA_SOURCE_DIR") + QStringLiteral("/scenarios/") + QString::fromLatin1(name);
}

QString statusOf(NodeModel& m, const QString& node) {
    for (int r = 0; r < m.rowCount(); ++r) {
        if (m.index(r, NodeModel::Name).data().toString() == node) return m.index(r, NodeModel::Status).data().toString();
    }
    return QStringLiteral("(absent)");
}

}  // namespace

class TestGui : public QObject {
    Q_OBJECT

private slots:
    void modelsPassTheTester() {
        auto loaded = sim::loadScenarioFile(scenarioPath("initial-size-3-lose-two.yaml").toStdString());
        QVERIFY(loaded.ok());
        const Rehearsal r = Rehearsal::run(loaded.value());
        QVERIFY(!r.frames().empty());
        QVERIFY(r.svg().find("<svg") != std::string::npos);
        NodeModel nodes;
        CheckModel checks;
        EventModel events;
        QAbstractItemModelTester t1(&nodes, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QAbstractItemModelTester t2(&checks, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QAbstractItemModelTester t3(&events, QAbstractItemModelTester::FailureReportingMode::QtTest);
        for (const auto& f : r.frames()) nodes.setFrame(f);
        checks.setChecks(r.report().checks);
        events.setEntries(r.report().timeline);
        QCOMPARE(checks.rowCount(), static_cast<int>(r.report().checks.size()));
        QCOMPARE(events.rowCount(), static_cast<int>(r.report().timeline.size()));
        QCOMPARE(nodes.rowCount(), 5);
        // frameAt picks the last frame at or before the time.
        QVERIFY(r.frameAt(Instant(0)).at <= r.frameAt(Instant(600'000)).at);
        QVERIFY(r.frameAt(Instant(600'000)).at.ms <= 600'000);
    }

    void windowShowsTheGridAtAnyInstant() {
        MainWindow w;
        QString error;
        QVERIFY2(w.openScenario(scenarioPath("initial-size-3-lose-two.yaml"), &error), qPrintable(error));
        QVERIFY(w.rehearsal()->report().passed);
        // Two of the three initial nodes are cut off from 5m to 12m.
        w.setTime(Instant(8 * 60 * 1000));
        QCOMPARE(w.slider()->value(), 8 * 60 * 1000);
        QCOMPARE(statusOf(w.nodeModel(), QStringLiteral("node-2")), QStringLiteral("offline"));
        QCOMPARE(statusOf(w.nodeModel(), QStringLiteral("node-1")), QStringLiteral("online"));
        QVERIFY2(w.quorumLabel()->text().contains(QStringLiteral("NO")), qPrintable(w.quorumLabel()->text()));
        w.setTime(Instant(16 * 60 * 1000));
        QCOMPARE(statusOf(w.nodeModel(), QStringLiteral("node-2")), QStringLiteral("online"));
        QVERIFY(w.quorumLabel()->text().contains(QStringLiteral("yes")));
        // Every check is listed, passed.
        QCOMPARE(w.checkModel().rowCount(), 6);
        for (int r = 0; r < 6; ++r) QCOMPARE(w.checkModel().index(r, CheckModel::Result).data().toString(), QStringLiteral("ok"));
    }

    // Edit what happens: a node failure added at the slider's time, moved,
    // removed; each edit runs again and the previous run is kept to compare.
    void editEventsRerunAndCompare() {
        MainWindow w;
        QString error;
        QVERIFY2(w.openScenario(scenarioPath("initial-size-3-lose-two.yaml"), &error), qPrintable(error));
        QAbstractItemModelTester eventsTester(&w.scenarioEventModel(), QAbstractItemModelTester::FailureReportingMode::QtTest);
        QAbstractItemModelTester compareTester(&w.compareModel(), QAbstractItemModelTester::FailureReportingMode::QtTest);
        QCOMPARE(w.scenarioEventModel().rowCount(), 9);
        QCOMPARE(w.compareModel().differences(), 0);
        QCOMPARE(w.compareModel().index(0, CompareModel::Before).data().toString(), QStringLiteral("-"));
        w.setTime(Instant(8 * 60 * 1000));
        QCOMPARE(statusOf(w.nodeModel(), QStringLiteral("worker-1")), QStringLiteral("online"));

        const int added = w.addEvent(Instant(3 * 60 * 1000), sim::Action{sim::NodeDisconnect{"worker-1"}});
        QCOMPARE(added, 10);
        QCOMPARE(w.scenarioEventModel().rowCount(), 10);
        QCOMPARE(w.scenarioEventModel().index(1, ScenarioEventModel::Action).data().toString(), QStringLiteral("node_disconnect"));   // in time order
        QCOMPARE(w.scenarioEventModel().index(1, ScenarioEventModel::Subject).data().toString(), QStringLiteral("worker-1"));
        QCOMPARE(w.time().ms, 8 * 60 * 1000);   // the slider stays where it was
        QCOMPARE(statusOf(w.nodeModel(), QStringLiteral("worker-1")), QStringLiteral("offline"));
        QVERIFY(w.compareModel().differences() > 0);
        auto figure = [&](const char* name, int column) {
            for (int r = 0; r < w.compareModel().rowCount(); ++r) {
                if (w.compareModel().index(r, CompareModel::Figure).data().toString() == QLatin1String(name)) return w.compareModel().index(r, column).data().toLongLong();
            }
            return -1LL;
        };
        QVERIFY(figure("node-minutes offline", CompareModel::After) > figure("node-minutes offline", CompareModel::Before));

        // Moved to 14m: worker-1 is online at 8m again, offline at 15m.
        QVERIFY(w.moveEvent(added, Instant(14 * 60 * 1000)));
        QCOMPARE(w.scenarioEventModel().index(9, ScenarioEventModel::Index).data().toInt(), added);
        QCOMPARE(statusOf(w.nodeModel(), QStringLiteral("worker-1")), QStringLiteral("online"));
        w.setTime(Instant(15 * 60 * 1000));
        QCOMPARE(statusOf(w.nodeModel(), QStringLiteral("worker-1")), QStringLiteral("offline"));

        // Removed: the run is the original again; no such event twice.
        QVERIFY(w.removeEvent(added));
        QVERIFY(!w.removeEvent(added));
        QVERIFY(!w.moveEvent(added, Instant(0)));
        QCOMPARE(w.scenarioEventModel().rowCount(), 9);
        QCOMPARE(statusOf(w.nodeModel(), QStringLiteral("worker-1")), QStringLiteral("online"));
        QVERIFY(w.rehearsal()->report().passed);
    }

    void failedCheckJumpsToItsTime() {
        // The lose-two scenario with one more check that cannot hold: quorum at 8m.
        QFile src(scenarioPath("initial-size-3-lose-two.yaml"));
        QVERIFY(src.open(QIODevice::ReadOnly));
        QByteArray text = src.readAll();
        text.replace("expect:\n", "expect:\n  - at: 8m\n    quorum: true\n");
        QTemporaryDir dir;
        QFile f(dir.filePath(QStringLiteral("failing.yaml")));
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(text);
        f.close();
        MainWindow w;
        QString error;
        QVERIFY2(w.openScenario(f.fileName(), &error), qPrintable(error));
        QVERIFY(!w.rehearsal()->report().passed);
        int failedRow = -1;
        for (int r = 0; r < w.checkModel().rowCount(); ++r) {
            if (w.checkModel().index(r, CheckModel::Result).data().toString().startsWith(QStringLiteral("FAILED"))) failedRow = r;
        }
        QVERIFY(failedRow >= 0);
        const qlonglong t = w.checkModel().index(failedRow, 0).data(CheckModel::TimeRole).toLongLong();
        QCOMPARE(t, 8 * 60 * 1000);
        w.slider()->setValue(static_cast<int>(t));
        QCOMPARE(w.time().ms, t);
        QVERIFY(w.quorumLabel()->text().contains(QStringLiteral("NO")));
    }

    void badScenarioIsAClearError() {
        MainWindow w;
        QTemporaryFile f;
        QVERIFY(f.open());
        f.write("scenario: x\nnodes: 3\n");
        f.close();
        QString error;
        QVERIFY(!w.openScenario(f.fileName(), &error));
        QVERIFY2(error.contains(QRegularExpression(QStringLiteral(":\\d+:\\d+: "))), qPrintable(error));
        QVERIFY(!w.rehearsal());
    }

    // A real run's report (kontena-fidelity --reports) beside its simulated run.
    void realRunReportBesideTheSimulatedRun() {
        QTemporaryDir dir;
        const QString scenario = QString::fromUtf8(qgetenv("KONTENA_SOURCE_DIR")) + QStringLiteral("/scenarios/drain-stateless.yaml");
        auto observation = [](double at, const QString& node, bool quorum) {
            return QJsonObject{{QStringLiteral("at_ms"), at},
                               {QStringLiteral("running"), QJsonObject{{QStringLiteral("web/api-1"), node}}},
                               {QStringLiteral("nodes"), QJsonObject{{QStringLiteral("worker-1"), QStringLiteral("online")}}},
                               {QStringLiteral("quorum"), quorum}};
        };
        const QJsonObject report{{QStringLiteral("scenario"), QStringLiteral("drain-stateless")},
                                 {QStringLiteral("file"), scenario},
                                 {QStringLiteral("time_scale"), 0.1},
                                 {QStringLiteral("agreed"), false},
                                 {QStringLiteral("differences"), QJsonArray{QStringLiteral("at 36s instance web/api-1: simulated worker-1 | real worker-3")}},
                                 {QStringLiteral("picture"), QStringLiteral("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"100\" height=\"40\"/>")},
                                 {QStringLiteral("simulated"), QJsonArray{observation(6000, QStringLiteral("worker-1"), true), observation(36000, QStringLiteral("worker-1"), true)}},
                                 {QStringLiteral("real"), QJsonArray{observation(6000, QStringLiteral("worker-1"), true), observation(36000, QStringLiteral("worker-3"), false)}}};
        const QString path = dir.filePath(QStringLiteral("drain-stateless.json"));
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(QJsonDocument(report).toJson());
        f.close();

        MainWindow w;
        QString error;
        QVERIFY2(w.openRealRun(path, &error), qPrintable(error));
        QVERIFY(w.rehearsal());   // the scenario itself, simulated as usual
        QCOMPARE(QString::fromStdString(w.scenario().name), QStringLiteral("drain-stateless"));
        QVERIFY(w.realRunDock());
        QAbstractItemModelTester tester(&w.realRunModel(), QAbstractItemModelTester::FailureReportingMode::QtTest);
        RealRunModel& m = w.realRunModel();
        QCOMPARE(m.rowCount(), 6);   // two instants × (one instance, one node, the quorum)
        int differing = 0;
        for (int r = 0; r < m.rowCount(); ++r) {
            const bool bold = m.index(r, 0).data(Qt::FontRole).value<QFont>().bold();
            differing += bold ? 1 : 0;
            if (m.index(r, RealRunModel::Subject).data().toString() == QStringLiteral("instance web/api-1") && m.index(r, 0).data().toString() == QStringLiteral("36s")) {
                QVERIFY(bold);
                QCOMPARE(m.index(r, RealRunModel::Simulated).data().toString(), QStringLiteral("worker-1"));
                QCOMPARE(m.index(r, RealRunModel::Real).data().toString(), QStringLiteral("worker-3"));
            }
        }
        QCOMPARE(differing, 2);   // the instance and the quorum at 36 s

        // Not a report: a clear message, nothing opened.
        QFile bad(dir.filePath(QStringLiteral("bad.json")));
        QVERIFY(bad.open(QIODevice::WriteOnly));
        bad.write("{\"scenario\": \"x\"}");
        bad.close();
        MainWindow other;
        QVERIFY(!other.openRealRun(bad.fileName(), &error));
        QVERIFY2(error.contains(QStringLiteral("not a real run's report")), qPrintable(error));
        QVERIFY(!other.realRunDock());
    }
};

QTEST_MAIN(TestGui)
#include "tst_gui.moc"
