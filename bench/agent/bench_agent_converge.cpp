// bench_agent_converge [COUNT]: one kontena-agent (the Agent object, with
// its WebSocket to an in-process master, pure step, Docker runtime, event
// and log streams) converges COUNT (200) busybox containers on a private
// dockerd, create + start, then tears them down after an empty pod list.
// Prints BENCH lines: containers per second each way, the agent's CPU time
// as a share of wall time and of the engine's CPU time for the same work.
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QTimer>

#include <cstdio>
#include <functional>

#include "agent/agent.h"
#include "backends/docker/docker_runtime.h"
#include "bench/docker/engine_cpu_meter.h"
#include "tests/agent/test_master.h"
#include "tests/docker/dockerd_harness.h"

using namespace kontena;
using namespace kontena::agentd;

namespace {

const QString kImage = QStringLiteral("kontena-bench/busybox:1");

void report(const char* name, double value, const char* unit) {
    std::printf("BENCH %s %.2f %s\n", name, value, unit);
    std::fflush(stdout);
}

// Runs the event loop until `done()` or `timeoutMs`; false on timeout.
bool runUntil(const std::function<bool()>& done, int timeoutMs) {
    QElapsedTimer t;
    t.start();
    while (!done()) {
        if (t.elapsed() > timeoutMs) return false;
        QEventLoop loop;
        QTimer::singleShot(20, &loop, &QEventLoop::quit);
        loop.exec();
    }
    return true;
}

struct Phase {
    double wallMs = 0, agentCpuMs = 0, engineCpuMs = 0;
};

bool measure(const QString& root, Phase& phase, const std::function<void()>& begin, const std::function<bool()>& done) {
    bench::EngineCpuMeter engine(root);
    engine.start();
    const double cpu0 = bench::ownCpuMs();
    QElapsedTimer wall;
    wall.start();
    begin();
    const bool ok = runUntil(done, 15 * 60 * 1000);
    phase.wallMs = double(wall.nsecsElapsed()) / 1e6;
    phase.engineCpuMs = engine.stopMs();
    phase.agentCpuMs = bench::ownCpuMs() - cpu0 - engine.samplerCpuMs();
    return ok;
}

void print(const char* phase, int count, const Phase& p) {
    const std::string n(phase);
    report(("agent_" + n + "_rate").c_str(), count / (p.wallMs / 1000.0), "containers/s");
    report(("agent_" + n + "_wall").c_str(), p.wallMs, "ms");
    report(("agent_" + n + "_agent_cpu").c_str(), p.agentCpuMs, "ms");
    report(("agent_" + n + "_engine_cpu").c_str(), p.engineCpuMs, "ms");
    report(("agent_" + n + "_agent_cpu_share_of_wall").c_str(), 100.0 * p.agentCpuMs / p.wallMs, "%");
    report(("agent_" + n + "_agent_cpu_vs_engine").c_str(), p.engineCpuMs > 0 ? 100.0 * p.agentCpuMs / p.engineCpuMs : 0.0, "%");
}

int fail(const QString& what) {
    std::fprintf(stderr, "bench_agent_converge: %s\n", qPrintable(what));
    return 1;
}

}  // namespace

int main(int argc, char** argv) {
    QCoreApplication app(argc, argv);
    const int count = argc > 1 ? std::atoi(argv[1]) : 200;

    kontena::testing::PrivateDockerd dockerd;
    if (auto s = dockerd.start(); !s) return fail(s.error().message);
    if (auto image = dockerd.buildBusyboxImage(kImage); !image) return fail(image.error().message);

    kontena::testing::TestMaster master;
    if (!master.listen()) return fail(QStringLiteral("cannot listen on loopback"));
    AgentConfig config;
    config.masterUrl = master.url();
    config.token = QStringLiteral("bench");
    config.nodeId = QStringLiteral("BENCH:1");
    config.nodeName = QStringLiteral("bench-node");
    config.grid = QStringLiteral("bench");
    config.version = QStringLiteral("0.1.0");
    auto client = dockerd.client();
    auto runtime = std::make_shared<docker::DockerRuntime>(client, NodeIdentity{"bench", "bench-node"});
    int result = 0;
    {
        Agent agent(config, runtime, client);
        agent.start();
        if (!runUntil([&] { return agent.connection().isConnected(); }, 60'000)) return fail(QStringLiteral("agent did not connect"));

        QList<protocol::PodSpec> pods;
        for (int n = 1; n <= count; ++n) {
            protocol::PodSpec p;
            p.spec.stack = "bench";
            p.spec.name = "sleeper";
            p.spec.image = kImage.toStdString();
            p.spec.cmd = {"sleep", "3600"};
            p.instanceNumber = n;
            p.deployRev = 1;
            pods.append(p);
        }
        auto runningReports = [&] {
            int running = 0;
            for (int n = 1; n <= count; ++n) {
                auto r = master.lastReportOf(QStringLiteral("bench/sleeper"), n);
                running += r && r->state == ObservedState::Running;
            }
            return running;
        };
        Phase up, down;
        const bool upOk = measure(dockerd.root(), up, [&] {
            master.pods.pods = pods;
            master.notifyUpdate();
        }, [&] { return runningReports() == count; });
        if (!upOk) result = fail(QStringLiteral("converging up timed out (%1 of %2 running)").arg(runningReports()).arg(count));
        const bool downOk = measure(dockerd.root(), down, [&] {
            master.pods.pods.clear();
            master.notifyUpdate();
        }, [&] { return agent.supervisor().containers().empty() && !agent.supervisor().passRunning(); });
        if (!downOk) result = fail(QStringLiteral("tearing down timed out"));
        if (upOk) print("up", count, up);
        if (downOk) print("down", count, down);
        agent.stop();
    }
    dockerd.stop();
    return result;
}
