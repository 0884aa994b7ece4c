#pragma once
// EngineCpuMeter: CPU time used by the processes of one private Docker
// Engine (dockerd, containerd, the per-container shims and what they
// waited for, such as runc), found by their command line mentioning the
// engine's root directory. A sampling thread reads /proc every 250 ms, so a
// process that exits is counted up to its last sample: a lower bound.

#include <QString>

#include <atomic>
#include <map>
#include <mutex>
#include <thread>

namespace kontena::bench {

class EngineCpuMeter {
public:
    explicit EngineCpuMeter(QString engineRoot);
    ~EngineCpuMeter();

    void start();
    // Milliseconds of CPU (user + system, with reaped children) since start().
    double stopMs();
    // CPU the sampling thread itself used (it runs inside this process).
    double samplerCpuMs() const { return samplerCpuMs_; }

private:
    void sample();

    QString root_;
    std::thread sampler_;
    std::atomic<bool> running_{false};
    double samplerCpuMs_ = 0;
    std::mutex mutex_;
    std::map<qint64, qint64> baseline_;   // pid -> ticks at start()
    std::map<qint64, qint64> latest_;     // pid -> ticks at the last sample
    std::map<qint64, bool> known_;        // pid -> is one of the engine's
};

// This process's own CPU time (user + system), milliseconds: includes the
// meter's sampling thread.
double ownCpuMs();
// The calling thread's CPU time, milliseconds. The runtime is synchronous,
// so on the thread that drives it this is the agent-side cost alone.
double callingThreadCpuMs();

}  // namespace kontena::bench
