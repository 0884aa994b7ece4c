// bench_docker_runtime [COUNT [WORKERS]]: COUNT (200) busybox containers
// created and started through DockerRuntime against a private dockerd, by
// WORKERS (1) threads each converging its share of instances one after the
// other, then torn down. Prints BENCH lines: the rate
// of each phase, and this process's CPU time against wall time and against
// the engine's own CPU time for the same work.
#include <QCoreApplication>
#include <QElapsedTimer>

#include <cstdio>
#include <mutex>
#include <thread>
#include <vector>

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
    double wallMs = 0, processCpuMs = 0, agentCpuMs = 0, engineCpuMs = 0;
};

// Runs step(1..count) on `workers` threads (instance n on thread n % workers)
// and measures the phase; false with `error` set when a step failed.
template <typename Step>
bool runPhase(int count, int workers, const QString& engineRoot, Phase& phase, QString& error, Step step) {
    bench::EngineCpuMeter engine(engineRoot);
    engine.start();
    const double cpu0 = bench::ownCpuMs();
    QElapsedTimer wall;
    wall.start();
    std::mutex errorMutex;
    std::vector<std::thread> threads;
    for (int t = 0; t < workers; ++t) {
        threads.emplace_back([&, t] {
            for (int n = t + 1; n <= count; n += workers) {
                if (QString e = step(n); !e.isEmpty()) {
                    std::lock_guard lock(errorMutex);
                    error = e;
                    return;
                }
            }
        });
    }
    for (std::thread& th : threads)
        th.join();
    phase.wallMs = double(wall.nsecsElapsed()) / 1e6;
    phase.engineCpuMs = engine.stopMs();
    // The runtime's cost: the whole process minus the meter's own sampling.
    phase.processCpuMs = bench::ownCpuMs() - cpu0;
    phase.agentCpuMs = phase.processCpuMs - engine.samplerCpuMs();
    return error.isEmpty();
}

int fail(const QString& what) {
    std::fprintf(stderr, "bench_docker_runtime: %s\n", qPrintable(what));
    return 1;
}

}  // namespace

int main(int argc, char** argv) {
    QCoreApplication app(argc, argv);
    const int count = argc > 1 ? std::max(1, std::atoi(argv[1])) : 200;
    const int workers = argc > 2 ? std::max(1, std::atoi(argv[2])) : 1;
    testing::PrivateDockerd dockerd;
    if (auto s = dockerd.start(); !s)
        return fail(s.error().message);
    if (auto image = dockerd.buildBusyboxImage(kImage); !image)
        return fail(image.error().message);
    docker::DockerRuntime runtime(dockerd.client(), NodeIdentity{"bench", "node-1"});

    Phase up, down;
    QString error;
    if (!runPhase(count, workers, dockerd.root(), up, error, [&](int n) {
            const auto r = runtime.ensure(sleeper(n), DesiredState::Running);
            return r ? QString() : QString::fromStdString(r.error().message);
        }))
        return fail(QStringLiteral("create+start: ") + error);
    if (!runPhase(count, workers, dockerd.root(), down, error, [&](int n) {
            const auto r = runtime.remove(sleeper(n).containerName(), Duration::seconds(10), true);
            return r ? QString() : QString::fromStdString(r.error().message);
        }))
        return fail(QStringLiteral("teardown: ") + error);
    (void)dockerd.stop();

    report("docker_create_start_rate", count / (up.wallMs / 1000.0), "containers/s");
    report("docker_teardown_rate", count / (down.wallMs / 1000.0), "containers/s");
    report("docker_create_start_wall", up.wallMs, "ms");
    report("docker_teardown_wall", down.wallMs, "ms");
    const double agentCpu = up.agentCpuMs + down.agentCpuMs;
    const double wall = up.wallMs + down.wallMs;
    const double engineCpu = up.engineCpuMs + down.engineCpuMs;
    report("docker_workers", workers, "threads");
    report("docker_process_cpu", up.processCpuMs + down.processCpuMs, "ms");   // with the meter's sampling
    report("docker_agent_cpu", agentCpu, "ms");                                 // without it
    report("docker_wall", wall, "ms");
    report("docker_agent_cpu_of_wall", 100.0 * agentCpu / wall, "%");
    report("docker_engine_cpu", engineCpu, "ms");
    report("docker_agent_cpu_of_engine_cpu", 100.0 * agentCpu / engineCpu, "%");
    report("docker_create_start_agent_cpu_per_container", up.agentCpuMs / count, "ms");
    return 0;
}
