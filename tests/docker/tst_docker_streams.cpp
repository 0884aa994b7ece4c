// The reconnecting streams against a real, private dockerd: events, follow
// logs, streamed stats, and all three across a daemon restart.
#include <QElapsedTimer>
#include <QtTest>

#include "backends/docker/event_stream.h"
#include "backends/docker/log_stream.h"
#include "backends/docker/stats_stream.h"
#include "tests/docker/test_image.h"

using namespace kontena::docker;
using kontena::testing::EngineFixture;
using kontena::testing::kTestImage;

namespace {

// Generous: CI runs the engine on 2 busy cores.
constexpr int kEngineWaitMs = 20000;

ContainerConfig shell(const QString& script, const QString& suite = {}) {
    ContainerConfig c;
    c.image = kTestImage;
    c.cmd = {QStringLiteral("/bin/sh"), QStringLiteral("-c"), script};
    c.stopTimeoutSeconds = 2;
    if (!suite.isEmpty())
        c.labels = {{QStringLiteral("kt.suite"), suite}};
    return c;
}

EngineFilters suiteFilter(const QString& suite) {
    return {{QStringLiteral("type"), {QStringLiteral("container")}},
            {QStringLiteral("label"), {QStringLiteral("kt.suite=") + suite}}};
}

const ReconnectPolicy kFast{std::chrono::milliseconds(50), std::chrono::milliseconds(500)};

// Everything a stream said, in order.
struct Lifecycle {
    int opened = 0;
    QStringList interrupted;
    QList<StreamGap> resumed;
    QStringList finished;
    QStringList order;   // signal names as they came

    void watch(EngineStream& s) {
        QObject::connect(&s, &EngineStream::opened, &s, [this] { ++opened; order.append(QStringLiteral("opened")); });
        QObject::connect(&s, &EngineStream::interrupted, &s, [this](const QString& r) {
            interrupted.append(r);
            order.append(QStringLiteral("interrupted"));
        });
        QObject::connect(&s, &EngineStream::resumed, &s, [this](const StreamGap& g) {
            resumed.append(g);
            order.append(QStringLiteral("resumed"));
        });
        QObject::connect(&s, &EngineStream::finished, &s, [this](const QString& r) {
            finished.append(r);
            order.append(QStringLiteral("finished"));
        });
    }
};

// "tick1".."tickN" in order, without holes or repeats.
bool consecutiveTicks(const QByteArrayList& lines) {
    for (qsizetype i = 0; i < lines.size(); ++i)
        if (lines[i] != "tick" + QByteArray::number(i + 1))
            return false;
    return true;
}

}  // namespace

class TestDockerStreams : public QObject {
    Q_OBJECT
    EngineFixture fx;
    DockerClient client{QString()};

private slots:
    void initTestCase() {
        const QString failure = fx.setUp();
        QVERIFY2(failure.isEmpty(), qPrintable(failure));
        client = fx.dockerd.client();
    }
    void cleanupTestCase() {
        auto stopped = fx.dockerd.stop();
        QVERIFY2(stopped, stopped ? "" : qPrintable(stopped.error().message));
    }

    void eventsFilteredByLabel() {
        EventStream events(client, suiteFilter(QStringLiteral("events")));
        Lifecycle life;
        life.watch(events);
        QList<EngineEvent> seen;
        connect(&events, &EventStream::event, this, [&](const EngineEvent& e) { seen.append(e); });
        events.start();
        QTRY_COMPARE_WITH_TIMEOUT(life.opened, 1, kEngineWaitMs);

        const auto mine = client.createContainer(QStringLiteral("kt-ev"), shell(QStringLiteral("exit 3"), QStringLiteral("events")));
        const auto other = client.createContainer(QStringLiteral("kt-ev-other"), shell(QStringLiteral("exit 0")));
        QVERIFY(mine && other);
        QVERIFY(client.startContainer(QStringLiteral("kt-ev")) && client.startContainer(QStringLiteral("kt-ev-other")));
        QTRY_VERIFY_WITH_TIMEOUT(!client.inspectContainer(QStringLiteral("kt-ev")).value().state.running, kEngineWaitMs);
        QVERIFY(client.removeContainer(QStringLiteral("kt-ev")) && client.removeContainer(QStringLiteral("kt-ev-other"), true));

        QStringList actions;
        QTRY_VERIFY_WITH_TIMEOUT(!seen.isEmpty() && seen.last().action == QLatin1String("destroy"), kEngineWaitMs);
        for (const EngineEvent& e : seen) {
            QCOMPARE(e.actorId, mine.value());
            QCOMPARE(e.type, QStringLiteral("container"));
            QVERIFY(e.timeNano > 0);
            actions.append(e.action);
            if (e.action == QLatin1String("die"))
                QCOMPARE(e.attributes.value(QStringLiteral("exitCode")), QStringLiteral("3"));
            QCOMPARE(e.attributes.value(QStringLiteral("name")), QStringLiteral("kt-ev"));
        }
        QCOMPARE(actions, (QStringList{QStringLiteral("create"), QStringLiteral("start"), QStringLiteral("die"),
                                       QStringLiteral("destroy")}));
        QVERIFY(life.interrupted.isEmpty() && life.finished.isEmpty());

        QElapsedTimer t;
        t.start();
        events.stop();
        QVERIFY2(t.elapsed() < 3000, "stop() shuts the socket instead of waiting for data");
        QVERIFY(!events.isActive());
    }

    void followLogsOfBothStreams() {
        const QString script = QStringLiteral(
            "for i in 1 2 3 4 5; do echo out$i; echo err$i >&2; sleep 0.2; done; printf last");
        QVERIFY(client.createContainer(QStringLiteral("kt-follow"), shell(script)));
        QVERIFY(client.startContainer(QStringLiteral("kt-follow")));
        LogStream logs(client, QStringLiteral("kt-follow"), {}, kFast);
        Lifecycle life;
        life.watch(logs);
        QByteArrayList out, err;
        qint64 lastStamp[2] = {0, 0};   // per stream: each has its own reader in the engine
        bool ordered = true;
        connect(&logs, &LogStream::line, this, [&](const LogLine& l) {
            const bool isOut = l.source == LogSource::Stdout;
            (isOut ? out : err).append(l.text);
            ordered = ordered && l.timeNano >= lastStamp[isOut];
            lastStamp[isOut] = l.timeNano;
        });
        logs.start();
        QTRY_COMPARE_WITH_TIMEOUT(life.finished.size(), 1, kEngineWaitMs);
        QVERIFY2(out == (QByteArrayList{"out1", "out2", "out3", "out4", "out5", "last"}),
                 QByteArray(out.join(' ') + " | " + life.finished.join(QStringLiteral(",")).toUtf8() + " | " +
                  client.containerLogs(QStringLiteral("kt-follow"), {}).value().back().text).constData());
        QCOMPARE(err, (QByteArrayList{"err1", "err2", "err3", "err4", "err5"}));
        QVERIFY(ordered);
        QVERIFY(life.interrupted.isEmpty());
        QVERIFY(client.removeContainer(QStringLiteral("kt-follow")));

        LogStream none(client, QStringLiteral("kt-nope"), {}, kFast);
        Lifecycle noneLife;
        noneLife.watch(none);
        none.start();
        QTRY_COMPARE_WITH_TIMEOUT(noneLife.finished.size(), 1, kEngineWaitMs);
        QVERIFY2(noneLife.finished.first().startsWith(QStringLiteral("404")), qPrintable(noneLife.finished.first()));

        // A log driver the engine cannot read back: refused once, not retried.
        ContainerConfig silent = shell(QStringLiteral("sleep 100"));
        silent.logDriver = QStringLiteral("none");
        QVERIFY(client.createContainer(QStringLiteral("kt-nolog"), silent));
        QVERIFY(client.startContainer(QStringLiteral("kt-nolog")));
        LogStream unreadable(client, QStringLiteral("kt-nolog"), {}, kFast);
        Lifecycle unreadableLife;
        unreadableLife.watch(unreadable);
        unreadable.start();
        QTRY_COMPARE_WITH_TIMEOUT(unreadableLife.finished.size(), 1, kEngineWaitMs);
        qInfo() << "log driver none:" << unreadableLife.finished.first();
        QVERIFY(unreadableLife.interrupted.isEmpty());
        QVERIFY(client.removeContainer(QStringLiteral("kt-nolog"), true));
    }

    void streamedStats() {
        ContainerConfig c = shell(QStringLiteral("sleep 100"));
        c.memory = 32 << 20;
        QVERIFY(client.createContainer(QStringLiteral("kt-stream-stats"), c));
        QVERIFY(client.startContainer(QStringLiteral("kt-stream-stats")));
        StatsStream stats(client, QStringLiteral("kt-stream-stats"), kFast);
        Lifecycle life;
        life.watch(stats);
        QList<StatsSample> samples;
        connect(&stats, &StatsStream::sample, this, [&](const StatsSample& s) { samples.append(s); });
        stats.start();
        QTRY_VERIFY_WITH_TIMEOUT(samples.size() >= 3, kEngineWaitMs);
        QCOMPARE(samples.last().memoryLimit, qint64(32 << 20));
        QVERIFY(samples.last().memoryUsage > 0);
        QVERIFY(samples.last().preCpuTotalNs > 0);   // the engine's previous reading
        QVERIFY(samples.last().read != samples.first().read);
        QVERIFY(client.stopContainer(QStringLiteral("kt-stream-stats")));
        QTRY_COMPARE_WITH_TIMEOUT(life.finished.size(), 1, kEngineWaitMs);
        QVERIFY(client.removeContainer(QStringLiteral("kt-stream-stats")));
    }

    void daemonRestartMidStream_data() {
        QTest::addColumn<bool>("crash");
        QTest::newRow("graceful restart (SIGTERM)") << false;
        QTest::newRow("crash (SIGKILL) and restart") << true;
    }

    // The daemon goes away and comes back: every stream says so,
    // reconnects, and resyncs; nothing is delivered twice. After a graceful
    // stop the engine stops the container first, so the container streams
    // usually just end; after a crash they must bridge the gap.
    void daemonRestartMidStream() {
        QFETCH(bool, crash);
        const QString suite = QStringLiteral("restart");
        ContainerConfig ticker = shell(QStringLiteral("i=0; while true; do i=$((i+1)); echo tick$i; sleep 0.1; done"), suite);
        QVERIFY(client.createContainer(QStringLiteral("kt-ticker"), ticker));
        QVERIFY(client.startContainer(QStringLiteral("kt-ticker")));

        EventStream events(client, suiteFilter(suite), kFast);
        LogStream logs(client, QStringLiteral("kt-ticker"), {}, kFast);
        StatsStream stats(client, QStringLiteral("kt-ticker"), kFast);
        Lifecycle eventLife, logLife, statsLife;
        eventLife.watch(events);
        logLife.watch(logs);
        statsLife.watch(stats);
        QStringList actions;
        QList<QList<ContainerSummary>> resyncs;
        QByteArrayList ticks;
        int samples = 0;
        connect(&events, &EventStream::event, this, [&](const EngineEvent& e) { actions.append(e.action); });
        connect(&events, &EventStream::resynced, this, [&](const QList<ContainerSummary>& c) {
            resyncs.append(c);
            eventLife.order.append(QStringLiteral("resynced"));
        });
        connect(&logs, &LogStream::line, this, [&](const LogLine& l) { ticks.append(l.text); });
        connect(&stats, &StatsStream::sample, this, [&] { ++samples; });
        events.start();
        logs.start();
        stats.start();
        QTRY_VERIFY_WITH_TIMEOUT(ticks.size() >= 5 && samples >= 1 && eventLife.opened == 1, kEngineWaitMs);

        auto restarted = crash ? fx.dockerd.crashDaemon() : fx.dockerd.stopDaemon();
        if (restarted)
            restarted = fx.dockerd.startDaemon();
        QVERIFY2(restarted, restarted ? "" : qPrintable(restarted.error().message));

        // events: one gap, a snapshot, then live again
        QTRY_COMPARE_WITH_TIMEOUT(eventLife.resumed.size(), 1, kEngineWaitMs);
        QCOMPARE(eventLife.interrupted.size(), 1);
        QVERIFY(eventLife.resumed.first().lostAt <= eventLife.resumed.first().resumedAt);
        QTRY_COMPARE_WITH_TIMEOUT(resyncs.size(), 1, kEngineWaitMs);
        QCOMPARE(eventLife.order, (QStringList{QStringLiteral("opened"), QStringLiteral("interrupted"),
                                               QStringLiteral("resumed"), QStringLiteral("opened"),
                                               QStringLiteral("resynced")}));
        QCOMPARE(resyncs.first().size(), 1);
        QCOMPARE(resyncs.first().first().name, QStringLiteral("kt-ticker"));
        QCOMPARE(resyncs.first().first().state, QStringLiteral("exited"));
        QVERIFY(client.createContainer(QStringLiteral("kt-after"), shell(QStringLiteral("true"), suite)));
        QTRY_VERIFY_WITH_TIMEOUT(actions.contains(QStringLiteral("create")), kEngineWaitMs);
        QCOMPARE(actions.count(QStringLiteral("create")), 1);

        // logs: every line the container wrote, once, then the end. (The
        // engine stops the container before it goes away, so the response
        // usually ends cleanly and there is no gap to report.)
        QTRY_COMPARE_WITH_TIMEOUT(logLife.finished.size(), 1, kEngineWaitMs);
        QVERIFY(crash ? logLife.interrupted.size() == 1 : logLife.interrupted.size() <= 1);
        QCOMPARE(logLife.resumed.size(), logLife.interrupted.size());
        QVERIFY2(consecutiveTicks(ticks), ticks.join(' ').constData());
        LogOptions all;
        all.stderrStream = false;
        QCOMPARE(qsizetype(client.containerLogs(QStringLiteral("kt-ticker"), all).value().size()), ticks.size());

        // stats: told of the gap, then finished (the container is stopped now)
        QTRY_COMPARE_WITH_TIMEOUT(statsLife.finished.size(), 1, kEngineWaitMs);
        QVERIFY(crash ? statsLife.interrupted.size() == 1 : statsLife.interrupted.size() <= 1);
        QCOMPARE(statsLife.resumed.size(), statsLife.interrupted.size());
        QVERIFY(client.removeContainer(QStringLiteral("kt-ticker"), true));
        QVERIFY(client.removeContainer(QStringLiteral("kt-after"), true));
    }

    // An agent that starts before its engine: the stream waits, retrying.
    void streamStartedWhileTheEngineIsDown() {
        auto stopped = fx.dockerd.stopDaemon();
        QVERIFY2(stopped, stopped ? "" : qPrintable(stopped.error().message));
        EventStream events(client, suiteFilter(QStringLiteral("late")), kFast);
        Lifecycle life;
        life.watch(events);
        int resyncs = 0;
        connect(&events, &EventStream::resynced, this, [&] { ++resyncs; });
        events.start();
        QTRY_COMPARE_WITH_TIMEOUT(life.interrupted.size(), 1, kEngineWaitMs);
        QVERIFY2(life.interrupted.first().startsWith(QStringLiteral("engine unreachable")),
                 qPrintable(life.interrupted.first()));
        QTest::qWait(500);
        QCOMPARE(life.opened, 0);
        auto started = fx.dockerd.startDaemon();
        QVERIFY2(started, started ? "" : qPrintable(started.error().message));
        QTRY_COMPARE_WITH_TIMEOUT(life.resumed.size(), 1, kEngineWaitMs);
        QVERIFY2(life.resumed.first().attempts >= 2, "retried with backoff while the engine was down");
        QTRY_COMPARE_WITH_TIMEOUT(resyncs, 1, kEngineWaitMs);
        QCOMPARE(life.opened, 1);
        QCOMPARE(life.interrupted.size(), 1);
    }
};

QTEST_GUILESS_MAIN(TestDockerStreams)
#include "tst_docker_streams.moc"
