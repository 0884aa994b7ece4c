#include "bench/docker/engine_cpu_meter.h"

#include <sys/resource.h>
#include <unistd.h>

#include <QDir>
#include <QFile>

#include <chrono>

namespace kontena::bench {

namespace {

// utime + stime + cutime + cstime of /proc/<pid>/stat, in clock ticks.
qint64 cpuTicks(const QString& pid) {
    QFile f(QStringLiteral("/proc/") + pid + QStringLiteral("/stat"));
    if (!f.open(QIODevice::ReadOnly))
        return -1;
    const QByteArray line = f.readAll();
    const QList<QByteArray> fields = line.mid(line.lastIndexOf(')') + 2).split(' ');
    if (fields.size() < 15)
        return -1;
    // Fields after "(comm)": state is index 0, utime 11, stime 12, cutime 13, cstime 14.
    return fields[11].toLongLong() + fields[12].toLongLong() + fields[13].toLongLong() + fields[14].toLongLong();
}

// `known` caches which pids belong to the engine: a command line never changes.
std::map<qint64, qint64> readEngineTicks(const QString& root, std::map<qint64, bool>& known) {
    std::map<qint64, qint64> ticks;
    const QByteArray needle = root.toLocal8Bit();
    const QStringList entries = QDir(QStringLiteral("/proc")).entryList(QDir::Dirs | QDir::NoDotAndDotDot);
    for (const QString& e : entries) {
        bool isPid = false;
        const qint64 pid = e.toLongLong(&isPid);
        if (!isPid || pid == ::getpid())
            continue;
        auto it = known.find(pid);
        if (it == known.end()) {
            QFile cmd(QStringLiteral("/proc/") + e + QStringLiteral("/cmdline"));
            it = known.emplace(pid, cmd.open(QIODevice::ReadOnly) && cmd.readAll().contains(needle)).first;
        }
        if (!it->second)
            continue;
        if (const qint64 t = cpuTicks(e); t >= 0)
            ticks[pid] = t;
    }
    return ticks;
}

}  // namespace

namespace {

double cpuMs(int who) {
    rusage u{};
    ::getrusage(who, &u);
    const auto ms = [](const timeval& t) { return double(t.tv_sec) * 1000.0 + double(t.tv_usec) / 1000.0; };
    return ms(u.ru_utime) + ms(u.ru_stime);
}

}  // namespace

double ownCpuMs() {
    return cpuMs(RUSAGE_SELF);
}

double callingThreadCpuMs() {
    return cpuMs(RUSAGE_THREAD);
}

EngineCpuMeter::EngineCpuMeter(QString engineRoot) : root_(std::move(engineRoot)) {}

EngineCpuMeter::~EngineCpuMeter() {
    running_ = false;
    if (sampler_.joinable())
        sampler_.join();
}

void EngineCpuMeter::sample() {
    const auto now = readEngineTicks(root_, known_);
    std::lock_guard lock(mutex_);
    for (const auto& [pid, ticks] : now)
        latest_[pid] = ticks;
}

void EngineCpuMeter::start() {
    baseline_ = readEngineTicks(root_, known_);
    latest_ = baseline_;
    running_ = true;
    sampler_ = std::thread([this] {
        while (running_) {
            sample();
            std::this_thread::sleep_for(std::chrono::milliseconds(250));
        }
        samplerCpuMs_ = callingThreadCpuMs();
    });
}

double EngineCpuMeter::stopMs() {
    running_ = false;
    if (sampler_.joinable())
        sampler_.join();
    sample();
    qint64 ticks = 0;
    for (const auto& [pid, t] : latest_) {
        const auto base = baseline_.find(pid);
        ticks += t - (base == baseline_.end() ? 0 : base->second);
    }
    return double(ticks) * 1000.0 / double(::sysconf(_SC_CLK_TCK));
}

}  // namespace kontena::bench
