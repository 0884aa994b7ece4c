// The agent's pure step (scheduler/agent_step.h): table tests for what
// kontena-agent and the simulated node both decide -- IPAM, crash backoff,
// listings, exits, wait_for_port, unhealthy restarts.
#include <QTest>

#include "scheduler/agent_step.h"

using namespace kontena;
using namespace kontena::agent;

namespace {

const Instant t0 = Instant(1'000'000);

Container container(ContainerState state, int serviceRevision = 1) {
    Container c = discovered("web/api", 1);
    c.state = state;
    c.serviceRevision = serviceRevision;
    c.deployRev = 7;
    if (state == ContainerState::Running) c.runningSince = t0;
    return c;
}

Container waitingForPort() {
    Container c = container(ContainerState::Stopped);
    onUp(c, t0, true, Duration::seconds(300));
    return c;
}

Pod pod(DesiredState desired = DesiredState::Running, int serviceRevision = 1) {
    return Pod{"web/api", 1, desired, 7, serviceRevision};
}

template <typename T>
int count(const std::vector<Op>& ops) {
    int n = 0;
    for (const auto& op : ops) n += std::holds_alternative<T>(op) ? 1 : 0;
    return n;
}

const op::Report* firstReport(const std::vector<Op>& ops) {
    for (const auto& op : ops)
        if (const auto* r = std::get_if<op::Report>(&op)) return r;
    return nullptr;
}

// Records what the step hands a runtime, as "create web/api-1" etc.
struct RecordingRuntime final : Runtime {
    std::vector<std::string> calls;
    void note(const std::string& what, const std::string& service, int number) { calls.push_back(what + " " + service + "-" + std::to_string(number)); }
    void create(const op::Create& o) override { note(o.start ? "create+start" : "create", o.service, o.number); }
    void start(const op::Start& o) override { note("start", o.service, o.number); }
    void stop(const op::Stop& o) override { note("stop", o.service, o.number); }
    void remove(const op::Remove& o) override { note(o.removeData ? "remove+data" : "remove", o.service, o.number); }
    void report(const op::Report& o) override { note(o.error.empty() ? "report" : "report-error", o.service, o.number); }
};

}  // namespace

class TestAgentStep : public QObject {
    Q_OBJECT

private slots:
    // Reference 6.5: `instances` is "*" or a comma-separated list of numbers.
    void hookInstances_data() {
        QTest::addColumn<QString>("instances");
        QTest::addColumn<int>("number");
        QTest::addColumn<bool>("applies");
        QTest::newRow("star") << "*" << 7 << true;
        QTest::newRow("empty is every instance") << "" << 2 << true;
        QTest::newRow("one") << "1" << 1 << true;
        QTest::newRow("not one") << "1" << 2 << false;
        QTest::newRow("list") << "1,3" << 3 << true;
        QTest::newRow("list, blanks") << " 1 , 3 " << 3 << true;
        QTest::newRow("list miss") << "1,3" << 2 << false;
        QTest::newRow("prefix is not a number") << "13" << 1 << false;
        QTest::newRow("garbage") << "x,2y" << 2 << false;
        QTest::newRow("star in a list") << "2,*" << 5 << true;
    }
    void hookInstances() {
        QFETCH(QString, instances);
        QFETCH(int, number);
        QFETCH(bool, applies);
        Hook h{"post_start", "h", "true", instances.toStdString(), false};
        QCOMPARE(agent::hookAppliesTo(h, number), applies);
    }

    void hooksForKeepsTheServiceOrder() {
        ServiceSpec s;
        s.hooks = {Hook{"post_start", "a", "x", "*", false}, Hook{"pre_start", "b", "y", "*", false},
                   Hook{"post_start", "c", "z", "2", true}, Hook{"post_start", "d", "w", "1", false}};
        const auto two = agent::hooksFor(s, "post_start", 2);
        QCOMPARE(two.size(), std::size_t(2));
        QCOMPARE(two[0].name, std::string("a"));
        QCOMPARE(two[1].name, std::string("c"));
        QCOMPARE(agent::hookCommand(two[1]), (std::vector<std::string>{"/bin/sh", "-c", "z"}));
        QCOMPARE(agent::hookFailureMessage(two[1], 3, std::string(500, 'x') + "end\n"),
                 "post_start hook c failed (exit 3): " + std::string(396, 'x') + "end");
        QCOMPARE(agent::hookFailureMessage(Hook{"pre_start", "", "exit 1", "*", false}, 1, ""), std::string("pre_start hook exit 1 failed (exit 1)"));
    }

    // ---- IPAM: without etcd quorum nothing new gets an address
    void ipamUnavailableReportsInsteadOfCreating_data() {
        QTest::addColumn<bool>("haveContainer");
        QTest::addColumn<int>("podRevision");
        QTest::addColumn<int>("creates");
        QTest::addColumn<int>("removes");
        QTest::addColumn<int>("reported");   // ObservedState
        QTest::newRow("missing") << false << 1 << 0 << 0 << int(ObservedState::Missing);
        QTest::newRow("older revision is not removed") << true << 2 << 0 << 0 << int(ObservedState::Running);
    }
    void ipamUnavailableReportsInsteadOfCreating() {
        QFETCH(bool, haveContainer);
        QFETCH(int, podRevision);
        QFETCH(int, creates);
        QFETCH(int, removes);
        QFETCH(int, reported);
        std::vector<Container> cs;
        if (haveContainer) cs.push_back(container(ContainerState::Running));
        const auto ops = reconcile({pod(DesiredState::Running, podRevision)}, cs, false);
        QCOMPARE(count<op::Create>(ops), creates);
        QCOMPARE(count<op::Remove>(ops), removes);
        const op::Report* r = firstReport(ops);
        QVERIFY(r);
        QCOMPARE(int(r->state), reported);
        QCOMPARE(r->error, ipamUnavailableMessage());
        QCOMPARE(r->rev, std::int64_t(7));
        // With quorum the same pod is created (a re-create removes first).
        const auto with = reconcile({pod(DesiredState::Running, podRevision)}, cs, true);
        QCOMPARE(count<op::Create>(with), 1);
        QCOMPARE(count<op::Remove>(with), haveContainer ? 1 : 0);
        QCOMPARE(count<op::Report>(with), 0);
    }
    void ipamUnavailableKeepsRunningContainers() {
        const auto ops = reconcile({pod()}, {container(ContainerState::Running)}, false);
        QCOMPARE(ops.size(), std::size_t(1));
        QCOMPARE(firstReport(ops)->state, ObservedState::Running);
        QVERIFY(firstReport(ops)->error.empty());
    }

    // ---- carrying out ops through agent::Runtime, and the second look
    void executeHandsEveryOpInOrder() {
        Container gone = container(ContainerState::Running);
        gone.number = 9;
        Container stopped = container(ContainerState::Stopped);
        stopped.number = 2;
        const std::vector<Pod> pods = {pod(), Pod{"web/api", 2, DesiredState::Running, 7, 1}, Pod{"web/api", 3, DesiredState::Stopped, 7, 1}};
        RecordingRuntime rt;
        QCOMPARE(execute(reconcile(pods, {stopped, gone}, true), rt), 4);
        QCOMPARE(rt.calls, (std::vector<std::string>{"create+start web/api-1", "start web/api-2", "create web/api-3", "remove+data web/api-9"}));
    }
    void secondLookSendsOnlyReportsWithoutError() {
        Container running = container(ContainerState::Running);
        const std::vector<Pod> pods = {pod(), Pod{"web/api", 2, DesiredState::Running, 7, 1}};
        RecordingRuntime first, second;
        const auto ops = reconcile(pods, {running}, false);
        QCOMPARE(execute(ops, first), 0);
        QCOMPARE(first.calls, (std::vector<std::string>{"report web/api-1", "report-error web/api-2"}));
        reportChanges(ops, second);
        QCOMPARE(second.calls, (std::vector<std::string>{"report web/api-1"}));
    }

    // ---- removing: a re-create keeps a stateful instance's data, a pod gone takes it
    void removeKeepsDataOnlyForARecreate() {
        Container other = container(ContainerState::Running);
        other.number = 2;
        const auto ops = reconcile({pod(DesiredState::Running, 2)}, {container(ContainerState::Running), other}, true);
        std::vector<op::Remove> removes;
        for (const auto& op : ops)
            if (const auto* r = std::get_if<op::Remove>(&op)) removes.push_back(*r);
        QCOMPARE(removes.size(), std::size_t(2));
        QCOMPARE(removes[0].number, 1);
        QVERIFY(!removes[0].removeData);
        QCOMPARE(removes[1].number, 2);
        QVERIFY(removes[1].removeData);
    }

    // ---- crash backoff: n² s for the n-th crash from 0, capped, reset after staying up
    void crashBackoff_data() {
        QTest::addColumn<int>("crashesBefore");
        QTest::addColumn<qint64>("upForMs");
        QTest::addColumn<qint64>("delayMs");
        QTest::addColumn<int>("crashesAfter");
        QTest::newRow("first") << 0 << qint64(1000) << qint64(0) << 1;
        QTest::newRow("second") << 1 << qint64(1000) << qint64(1000) << 2;
        QTest::newRow("third") << 2 << qint64(1000) << qint64(4000) << 3;
        QTest::newRow("fifth") << 4 << qint64(1000) << qint64(16000) << 5;
        QTest::newRow("capped") << 6 << qint64(1000) << qint64(30000) << 7;
        QTest::newRow("up 9.999 s keeps the count") << 3 << qint64(9999) << qint64(9000) << 4;
        QTest::newRow("up 10 s resets") << 5 << qint64(10000) << qint64(0) << 1;
    }
    void crashBackoff() {
        QFETCH(int, crashesBefore);
        QFETCH(qint64, upForMs);
        QFETCH(qint64, delayMs);
        QFETCH(int, crashesAfter);
        Container c = container(ContainerState::Running);
        c.consecutiveCrashes = crashesBefore;
        const Instant now = t0 + Duration::millis(upForMs);
        QVERIFY(isCrash(c, now));
        const auto delay = onExit(c, true, now, GridSettings{});
        QVERIFY(delay);
        QCOMPARE(delay->ms, delayMs);
        QCOMPARE(c.consecutiveCrashes, crashesAfter);
        QCOMPARE(c.state, ContainerState::Exited);
        QCOMPARE(*c.restartAt, now + *delay);
        QVERIFY(restartDue(c, now + *delay));
        QVERIFY(!restartDue(c, now + *delay + Duration::millis(1)));   // a timer of an earlier crash
        // Reported as restarting while it waits.
        QCOMPARE(firstReport(reconcile({pod()}, {c}, true))->state, ObservedState::Restarting);
    }
    void exitOfAPodNotWantedRunningIsNoRestart() {
        Container c = container(ContainerState::Running);
        QVERIFY(!onExit(c, false, t0, GridSettings{}));
        QCOMPARE(c.state, ContainerState::Stopped);
        QVERIFY(!c.restartAt);
        QCOMPARE(c.consecutiveCrashes, 0);
    }
    void restartNoLongerDueAfterStopOrStart() {
        Container c = container(ContainerState::Running);
        const Duration d = *onExit(c, true, t0, GridSettings{});
        Container stopped = c;
        onStopping(stopped);
        QVERIFY(!restartDue(stopped, t0 + d));
        Container up = c;
        onUp(up, t0, false, kWaitForPortMax);
        QVERIFY(!restartDue(up, t0 + d));
        Container failed = c;
        onStartFailed(failed);
        QCOMPARE(failed.state, ContainerState::Stopped);
        QCOMPARE(reconcile({pod()}, {failed}, true).size(), std::size_t(1));   // the next pass starts it
        QCOMPARE(count<op::Start>(reconcile({pod()}, {failed}, true)), 1);
    }

    // ---- what a die event means
    void dieIsACrash_data() {
        QTest::addColumn<int>("kind");   // 0 running, 1 stopped by us, 2 exited already, 3 waiting for port
        QTest::addColumn<qint64>("atOffsetMs");   // relative to runningSince; 0: unknown
        QTest::addColumn<bool>("crash");
        QTest::newRow("running") << 0 << qint64(5000) << true;
        QTest::newRow("running, time unknown") << 0 << qint64(0) << true;
        QTest::newRow("end of an earlier run") << 0 << qint64(-1) << false;
        QTest::newRow("stopped by the agent") << 1 << qint64(5000) << false;
        QTest::newRow("crash known already") << 2 << qint64(5000) << false;
        QTest::newRow("waiting for its port") << 3 << qint64(5000) << true;
    }
    void dieIsACrash() {
        QFETCH(int, kind);
        QFETCH(qint64, atOffsetMs);
        QFETCH(bool, crash);
        Container c = kind == 3 ? waitingForPort() : container(ContainerState::Running);
        if (kind == 1) onStopping(c);
        if (kind == 2) onExit(c, true, t0, GridSettings{});
        const std::optional<Instant> at = atOffsetMs ? std::optional<Instant>(t0 + Duration::millis(atOffsetMs)) : std::nullopt;
        QCOMPARE(isCrash(c, at), crash);
    }

    // ---- merging a listing into what the agent knows
    void listing_data() {
        QTest::addColumn<int>("state");          // ContainerState
        QTest::addColumn<bool>("pendingRestart");
        QTest::addColumn<bool>("waitingPort");
        QTest::addColumn<bool>("running");
        QTest::addColumn<bool>("newRun");
        QTest::addColumn<int>("seen");           // Seen
        QTest::addColumn<int>("stateAfter");
        const int st = int(ContainerState::Stopped), ru = int(ContainerState::Running), ex = int(ContainerState::Exited),
                  sg = int(ContainerState::Starting);
        QTest::newRow("discovered running") << st << false << false << true << true << int(Seen::CameUp) << st;
        QTest::newRow("still running") << ru << false << false << true << false << int(Seen::Nothing) << ru;
        QTest::newRow("re-created behind our back") << ru << false << false << true << true << int(Seen::CameUp) << ru;
        QTest::newRow("crash seen by listing") << ru << false << false << false << false << int(Seen::Crashed) << ru;
        QTest::newRow("exited while waiting for port") << sg << false << true << false << false << int(Seen::Crashed) << sg;
        QTest::newRow("still waiting for port") << sg << false << true << true << false << int(Seen::Nothing) << sg;
        QTest::newRow("waiting, but another container") << sg << false << true << true << true << int(Seen::CameUp) << sg;
        QTest::newRow("restart pending stays exited") << ex << true << false << false << false << int(Seen::Nothing) << ex;
        QTest::newRow("exited without restart: stopped") << ex << false << false << false << false << int(Seen::Nothing) << st;
        QTest::newRow("exited, started by the engine") << ex << true << false << true << false << int(Seen::CameUp) << ex;
    }
    void listing() {
        QFETCH(int, state);
        QFETCH(bool, pendingRestart);
        QFETCH(bool, waitingPort);
        QFETCH(bool, running);
        QFETCH(bool, newRun);
        QFETCH(int, seen);
        QFETCH(int, stateAfter);
        Container c = waitingPort ? waitingForPort() : container(ContainerState(state));
        if (pendingRestart) c.restartAt = t0 + Duration::seconds(4);
        QCOMPARE(int(onListed(c, running, newRun)), seen);
        QCOMPARE(int(c.state), stateAfter);
    }

    // ---- wait_for_port: Starting (no report) until open or timed out
    void waitForPort() {
        Container c = container(ContainerState::Stopped);
        QCOMPARE(onUp(c, t0, true, Duration::seconds(300)), Up::WaitForPort);
        QCOMPARE(c.state, ContainerState::Starting);
        QCOMPARE(count<op::Report>(reconcile({pod()}, {c}, true)), 0);
        QCOMPARE(count<op::Stop>(reconcile({pod(DesiredState::Stopped)}, {c}, true)), 1);
        QCOMPARE(onPortProbe(c, t0 + Duration::seconds(1), false), Probe::Retry);
        QCOMPARE(onPortProbe(c, t0 + Duration::seconds(2), true), Probe::Open);
        QCOMPARE(c.state, ContainerState::Running);
        QCOMPARE(*c.runningSince, t0 + Duration::seconds(2));
        QCOMPARE(onPortProbe(c, t0 + Duration::seconds(3), true), Probe::Stale);   // a late probe
        QCOMPARE(firstReport(reconcile({pod()}, {c}, true))->state, ObservedState::Running);
    }
    void waitForPortTimesOut_data() {
        QTest::addColumn<qint64>("probeAtMs");
        QTest::addColumn<int>("probe");
        QTest::newRow("before the limit") << qint64(299'999) << int(Probe::Retry);
        QTest::newRow("at the limit") << qint64(300'000) << int(Probe::TimedOut);
        QTest::newRow("after the limit") << qint64(301'000) << int(Probe::TimedOut);
    }
    void waitForPortTimesOut() {
        QFETCH(qint64, probeAtMs);
        QFETCH(int, probe);
        Container c = waitingForPort();
        QCOMPARE(int(onPortProbe(c, t0 + Duration::millis(probeAtMs), false)), probe);
        QCOMPARE(c.state, probe == int(Probe::Retry) ? ContainerState::Starting : ContainerState::Running);
    }
    void withoutWaitForPortItRunsAtOnce() {
        Container c = container(ContainerState::Starting);
        c.restartAt = t0;
        QCOMPARE(onUp(c, t0, false, kWaitForPortMax), Up::Running);
        QCOMPARE(c.state, ContainerState::Running);
        QVERIFY(!c.restartAt);
        QCOMPARE(onPortProbe(c, t0, true), Probe::Stale);
    }
    void stoppingEndsThePortWait() {
        Container c = waitingForPort();
        onStopping(c);
        QCOMPARE(onPortProbe(c, t0 + Duration::seconds(1), true), Probe::Stale);
        QVERIFY(!isCrash(c, std::nullopt));
    }

    // ---- a failed runtime call is reported once per distinct error
    void errorReportNotRepeated_data() {
        QTest::addColumn<QString>("lastError");
        QTest::addColumn<bool>("reported");
        QTest::newRow("first error") << QString() << true;
        QTest::newRow("same error again") << QStringLiteral("no such image") << false;
        QTest::newRow("another error") << QStringLiteral("conflict") << true;
    }
    void errorReportNotRepeated() {
        QFETCH(QString, lastError);
        QFETCH(bool, reported);
        const auto r = errorReport(pod(DesiredState::Running, 3), "no such image", lastError.toStdString());
        QCOMPARE(r.has_value(), reported);
        if (!r) return;
        QCOMPARE(r->state, ObservedState::Missing);
        QCOMPARE(r->rev, std::int64_t(7));
        QCOMPARE(r->serviceRevision, 3);
        QCOMPARE(r->error, std::string("no such image"));
    }

    // ---- one unhealthy result restarts a running container
    void unhealthyRestart_data() {
        QTest::addColumn<int>("kind");   // 0 running, 1 starting, 2 waiting for port, 3 stopped, 4 exited
        QTest::addColumn<bool>("restart");
        QTest::newRow("running") << 0 << true;
        QTest::newRow("starting") << 1 << false;
        QTest::newRow("waiting for port") << 2 << false;
        QTest::newRow("stopped") << 3 << false;
        QTest::newRow("exited (crash restart pending)") << 4 << false;
    }
    void unhealthyRestart() {
        QFETCH(int, kind);
        QFETCH(bool, restart);
        const ContainerState states[] = {ContainerState::Running, ContainerState::Starting, ContainerState::Starting,
                                         ContainerState::Stopped, ContainerState::Exited};
        const Container c = kind == 2 ? waitingForPort() : container(states[kind]);
        QCOMPARE(restartsWhenUnhealthy(c), restart);
    }
};

QTEST_APPLESS_MAIN(TestAgentStep)
#include "tst_agent_step.moc"
