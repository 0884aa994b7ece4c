// bench_docker_runtime [COUNT]: COUNT (200) busybox containers created and
// started through DockerRuntime against a private dockerd, one after the
// other as an agent converges, then torn down. Prints BENCH lines: the rate
// of each phase, and this process's CPU time against wall time and against
// the engine's own CPU time for the same work.
#include <QCoreApplication>
#include <QElapsedTimer>

#include <cstdio>

#include "backends/docker/docker_runtime.h"
#include "bench/docker/engine_cpu_meter.h"
#include "tests/docker/dockerd_harness.h"

using namespace kontena;

namespace {

const QString kImage = QStringLiteral("kontena-bench/busybox:1");

InstanceDesc sleeper(int n) {
    InstanceDesc in;
    in.spec.stack = "bench";
    in.spec.name = "sleeper";
    in.spec.image = kImage.toStdString();
    in.spec.cmd = {"sleep", "3600"};
    in.spec.stopGracePeriod = Duration::seconds(10);
    in.instanceNumber = n;
    in.deployRev = 1;
    return in;
}

void report(const char* name, double value, const char* unit) {
    std::printf("BENCH %s %.2f %s\n", name, value, unit);
    std::fflush(stdout);
}

struct Phase {
    double wallMs = 0, ownCpuMs = 0, driverCpuMs = 0, engineCpuMs = 0;
};

template <typename Step>
bool runPhase(int count, const QString& engineRoot, Phase& phase, Step step) {
    bench::EngineCpuMeter engine(engineRoot);
    engine.start();
    const double cpu0 = bench::ownCpuMs();
    const double driver0 = bench::callingThreadCpuMs();
    QElapsedTimer wall;
    wall.start();
    for (int n = 1; n <= count; ++n) {
        if (!step(n))
            return false;
    }
    phase.wallMs = double(wall.nsecsElapsed()) / 1e6;
    phase.ownCpuMs = bench::ownCpuMs() - cpu0;
    phase.driverCpuMs = bench::callingThreadCpuMs() - driver0;
    phase.engineCpuMs = engine.stopMs();
    return true;
}

int fail(const QString& what) {
    std::fprintf(stderr, "bench_docker_runtime: %s\n", qPrintable(what));
    return 1;
}

}  // namespace

int main(int argc, char** argv) {
    QCoreApplication app(argc, argv);
    const int count = argc > 1 ? std::atoi(argv[1]) : 200;
    testing::PrivateDockerd dockerd;
    if (auto s = dockerd.start(); !s)
        return fail(s.error().message);
    if (auto image = dockerd.buildBusyboxImage(kImage); !image)
        return fail(image.error().message);
    docker::DockerRuntime runtime(dockerd.client(), NodeIdentity{"bench", "node-1"});

    Phase up, down;
    QString error;
    const bool upOk = runPhase(count, dockerd.root(), up, [&](int n) {
        const auto r = runtime.ensure(sleeper(n), DesiredState::Running);
        if (!r)
            error = QString::fromStdString(r.error().message);
        return bool(r);
    });
    if (!upOk)
        return fail(QStringLiteral("create+start: ") + error);
    const bool downOk = runPhase(count, dockerd.root(), down, [&](int n) {
        const auto r = runtime.remove(sleeper(n).containerName(), Duration::seconds(10), true);
        if (!r)
            error = QString::fromStdString(r.error().message);
        return bool(r);
    });
    if (!downOk)
        return fail(QStringLiteral("teardown: ") + error);
    (void)dockerd.stop();

    report("docker_create_start_rate", count / (up.wallMs / 1000.0), "containers/s");
    report("docker_teardown_rate", count / (down.wallMs / 1000.0), "containers/s");
    report("docker_create_start_wall", up.wallMs, "ms");
    report("docker_teardown_wall", down.wallMs, "ms");
    const double driverCpu = up.driverCpuMs + down.driverCpuMs;
    const double processCpu = up.ownCpuMs + down.ownCpuMs;
    const double wall = up.wallMs + down.wallMs;
    const double engineCpu = up.engineCpuMs + down.engineCpuMs;
    report("docker_agent_cpu", driverCpu, "ms");                 // the thread driving the runtime
    report("docker_process_cpu", processCpu, "ms");              // plus the CPU meter's sampling
    report("docker_wall", wall, "ms");
    report("docker_agent_cpu_of_wall", 100.0 * driverCpu / wall, "%");
    report("docker_engine_cpu", engineCpu, "ms");
    report("docker_agent_cpu_of_engine_cpu", 100.0 * driverCpu / engineCpu, "%");
    report("docker_create_start_agent_cpu_per_container", up.driverCpuMs / count, "ms");
    return 0;
}
