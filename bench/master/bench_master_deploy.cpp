// A deploy of many instances over many simulated agents (issue 19): one
// kontena-master on loopback, agents/250 grids (node numbers stop at 254)
// with Kontena's default keepalive (30 s), one stack per grid whose
// services (strategy `ha`, Kontena's default min_health 0.8) total
// instances/grids instances, all stacks deployed at once.
//
// The agents are simulated at protocol level in W worker processes (this
// program again, --worker): each announces itself (/nodes/update), lists
// its pods (/node_service_pods/list) once connected, on every
// /service_pods/notify_update and every 30 s (the agent's poll), and
// reports each pod as the real agent would once its container ran
// (/node_service_pods/set_state: running, or stopped for a pod to stop,
// with the pod's deploy_rev and service revision), only when that changed.
// No containers. An agent whose connection closes connects again 1-5 s
// later (counted: deploy_connect_drops, deploy_agent_drops).
//   bench_master_deploy [--agents 10000] [--instances 100000] [--workers 4]
//                       [--services 4] [--timeout 300] [--keepalive 30] [--keep-logs DIR]
// Prints BENCH lines: time from the first deploy request until every
// instance is reported running, and until every stack deploy is finished
// (per the API); the master's write volume (/proc/PID/io write_bytes, and
// wchar) per second during the deploy and in total; its RSS and CPU time;
// the connections held. Exits 1 when not all run within the timeout.
// KONTENA_MASTER_BIN in the environment runs another build's master.
#include <QCoreApplication>
#include <QDateTime>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QJsonDocument>
#include <QSocketNotifier>
#include <QTimer>

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <random>
#include <utility>

#include "bench/master/bench_master.h"
#include "protocol/pod_spec.h"

using namespace kontena;

namespace {

constexpr int kPerGrid = 250;
constexpr int kPollMs = 30'000;   // the agent's /node_service_pods/list poll (agent/config.h)

struct Options {
    int agents = 10000, instances = 100000, workers = 4, services = 4, timeout = 300, keepalive = 30;
    bool worker = false;
    quint16 port = 0;
    QStringList tokens;
    int first = 0, count = 0;
    QString keepLogs;   // a directory to copy the master's log into at the end
};

Options parse(const QStringList& args) {
    Options o;
    for (int i = 1; i < args.size(); ++i) {
        const QString& a = args[i];
        const QString v = i + 1 < args.size() ? args[i + 1] : QString();
        if (a == QLatin1String("--worker")) { o.worker = true; continue; }
        ++i;
        if (a == QLatin1String("--agents")) o.agents = v.toInt();
        else if (a == QLatin1String("--instances")) o.instances = v.toInt();
        else if (a == QLatin1String("--workers")) o.workers = std::max(1, v.toInt());
        else if (a == QLatin1String("--services")) o.services = std::max(1, v.toInt());
        else if (a == QLatin1String("--timeout")) o.timeout = v.toInt();
        else if (a == QLatin1String("--keepalive")) o.keepalive = v.toInt();
        else if (a == QLatin1String("--port")) o.port = quint16(v.toUInt());
        else if (a == QLatin1String("--tokens")) o.tokens = v.split(u',');
        else if (a == QLatin1String("--first")) o.first = v.toInt();
        else if (a == QLatin1String("--count")) o.count = v.toInt();
        else if (a == QLatin1String("--keep-logs")) o.keepLogs = v;
        else std::fprintf(stderr, "unknown option %s\n", qPrintable(a));
    }
    return o;
}

// ------------------------------------------------------------ the simulated agents

// What a worker's agents have: counted over all of them.
struct Tally {
    int open = 0, ready = 0;   // connected; got node_info (announced and stored), now
    qint64 running = 0;        // pods last reported running
    qint64 lists = 0, reports = 0, notifies = 0;
    qint64 drops = 0;          // connections that closed (the agent connects again, as a real one)
};

// Where an agent connects: the master's port, its node and grid token.
struct AgentAddress {
    quint16 port = 0;
    QString nodeId, name, token;
};

class SimAgent {
public:
    SimAgent(Tally& tally, AgentAddress address) : tally_(tally), address_(std::move(address)) {
        QObject::connect(&ws_, &QWebSocket::connected, &ws_, [this] {
            ++tally_.open;
            open_ = true;
            ws_.sendTextMessage(bench::BenchMaster::nodeUpdate(address_.nodeId));
            fetch();
        });
        QObject::connect(&ws_, &QWebSocket::disconnected, &ws_, [this] { onClosed(); });
        QObject::connect(&ws_, &QWebSocket::textMessageReceived, &ws_, [this](const QString& text) { onText(text); });
    }
    ~SimAgent() { ws_.disconnect(); }   // no close events into a half-destroyed agent
    // Connects (again), with a handshake of now.
    void open() { ws_.open(bench::agentRequest(address_.port, address_.nodeId, address_.name, address_.token)); }
    bool connected() const { return ws_.state() == QAbstractSocket::ConnectedState; }
    // The agent's poll: lists its pods again.
    void poll() {
        if (connected()) fetch();
    }

private:
    struct Reported {
        qint64 rev = 0;
        int serviceRevision = 0;
        bool running = false;
    };
    // Forgets what it reported (a real agent's reports go with its
    // connection too) and connects again 1-5 s later.
    void onClosed() {
        if (std::exchange(open_, false)) {
            --tally_.open;
            ++tally_.drops;
        }
        if (std::exchange(ready_, false)) --tally_.ready;
        tally_.running -= running();
        reported_.clear();
        listId_ = 0;
        fetchAgain_ = false;
        QTimer::singleShot(1000 + int(std::rand() % 4000), &ws_, [this] { open(); });
    }
    qint64 running() const {
        qint64 n = 0;
        for (const auto& [id, r] : reported_) n += r.running ? 1 : 0;
        return n;
    }
    void fetch() {
        if (listId_) {
            fetchAgain_ = true;
            return;
        }
        listId_ = nextId_++;
        ++tally_.lists;
        ws_.sendTextMessage(QString::fromUtf8(protocol::encode(protocol::Frame::request(
            listId_, QString::fromLatin1(protocol::method::kPodsList), QJsonArray{address_.nodeId}))));
    }
    void onText(const QString& text) {
        const auto f = protocol::decode(text.toUtf8());
        if (!f) return;
        if (f->kind == protocol::FrameKind::Notification) {
            if (f->method == QLatin1String(protocol::method::kNotifyUpdate)) {
                ++tally_.notifies;
                fetch();
            } else if (f->method == QLatin1String(protocol::method::kNodeInfo) && !ready_) {
                ready_ = true;
                ++tally_.ready;
            }
            return;
        }
        if (f->kind != protocol::FrameKind::Response || f->id != listId_) return;
        listId_ = 0;
        if (!f->error) sync(f->result.toObject().value(QStringLiteral("service_pods")).toArray());
        if (std::exchange(fetchAgain_, false)) fetch();
    }
    // What the agent step does once the containers are as the pods say:
    // a report for each pod whose state or revision changed.
    void sync(const QJsonArray& pods) {
        std::map<QString, Reported> now;
        for (const QJsonValue& v : pods) {
            const QJsonObject p = v.toObject();
            const QString service = p.value(QStringLiteral("service_id")).toString();
            const int number = p.value(QStringLiteral("instance_number")).toInt();
            const DesiredState desired = protocol::desiredFromWire(p.value(QStringLiteral("desired_state")).toString());
            const Reported r{qint64(p.value(QStringLiteral("deploy_rev")).toDouble()), p.value(QStringLiteral("service_revision")).toInt(1),
                             desired == DesiredState::Running};
            const QString id = service + QLatin1Char('/') + QString::number(number);
            const auto old = reported_.find(id);
            if (old == reported_.end() || old->second.rev != r.rev || old->second.serviceRevision != r.serviceRevision ||
                old->second.running != r.running) {
                report(service, number, r);
            }
            now.emplace(id, r);
        }
        tally_.running += [&] {
            qint64 n = 0;
            for (const auto& [id, r] : now) n += r.running ? 1 : 0;
            return n;
        }() - running();
        reported_ = std::move(now);
    }
    void report(const QString& service, int number, const Reported& r) {
        const protocol::PodState st{service, number, r.rev, r.serviceRevision, r.running ? ObservedState::Running : ObservedState::Stopped, {}};
        ++tally_.reports;
        ws_.sendTextMessage(QString::fromUtf8(protocol::encode(protocol::Frame::request(
            nextId_++, QString::fromLatin1(protocol::method::kPodsSetState), protocol::params(protocol::toJson(st))))));
    }

    Tally& tally_;
    AgentAddress address_;
    QWebSocket ws_;
    qint64 nextId_ = 2;   // 1: the /nodes/update
    qint64 listId_ = 0;   // the /node_service_pods/list awaiting its answer
    bool fetchAgain_ = false, ready_ = false, open_ = false;
    std::map<QString, Reported> reported_;   // pod id -> last report
};

// A worker: agents [first, first + count); prints its tally every 250 ms
// ("T open ready running lists reports notifies drops") until its stdin closes.
int runWorker(const Options& o) {
    Tally tally;
    std::vector<std::unique_ptr<SimAgent>> agents;
    for (int i = o.first; i < o.first + o.count; ++i) {
        agents.push_back(std::make_unique<SimAgent>(
            tally, AgentAddress{o.port, QStringLiteral("bench-node-%1").arg(i), QStringLiteral("n%1").arg(i % kPerGrid), o.tokens[i / kPerGrid]}));
        agents.back()->open();
        if (i % 50 == 49) QCoreApplication::processEvents();
    }
    QTimer print;
    QObject::connect(&print, &QTimer::timeout, [&] {
        std::printf("T %d %d %lld %lld %lld %lld %lld\n", tally.open, tally.ready, tally.running, tally.lists, tally.reports, tally.notifies,
                    tally.drops);
        std::fflush(stdout);
    });
    print.start(250);
    // The agents' polls, spread over the poll interval (100 slices).
    QTimer poll;
    std::size_t next = std::mt19937(unsigned(o.first))() % std::max<std::size_t>(1, agents.size());
    QObject::connect(&poll, &QTimer::timeout, [&] {
        const std::size_t batch = std::max<std::size_t>(1, agents.size() / 100);
        for (std::size_t k = 0; k < batch && !agents.empty(); ++k, next = (next + 1) % agents.size()) agents[next]->poll();
    });
    poll.start(kPollMs / 100);
    QSocketNotifier stdinClosed(STDIN_FILENO, QSocketNotifier::Read);
    QObject::connect(&stdinClosed, &QSocketNotifier::activated, [&] {
        char buf[64];
        if (::read(STDIN_FILENO, buf, sizeof buf) <= 0) QCoreApplication::quit();
    });
    return QCoreApplication::exec();
}

// ------------------------------------------------------------ the parent

struct ProcIo {
    qint64 writeBytes = 0, wchar = 0, rchar = 0;
};

ProcIo procIo(qint64 pid) {
    ProcIo io;
    QFile f(QStringLiteral("/proc/%1/io").arg(pid));
    if (!f.open(QIODevice::ReadOnly)) return io;
    for (const QByteArray& line : f.readAll().split('\n')) {
        const QList<QByteArray> kv = line.split(':');
        if (kv.size() != 2) continue;
        const qint64 v = kv[1].trimmed().toLongLong();
        if (kv[0] == "write_bytes") io.writeBytes = v;
        else if (kv[0] == "wchar") io.wchar = v;
        else if (kv[0] == "rchar") io.rchar = v;
    }
    return io;
}

// The worker processes and the sum of their tallies.
class Workers {
public:
    void start(const Options& o, quint16 port, const QStringList& tokens) {
        const int per = (o.agents + o.workers - 1) / o.workers;
        for (int w = 0; w < o.workers; ++w) {
            const int first = w * per, count = std::min(per, o.agents - first);
            if (count <= 0) break;
            auto p = std::make_unique<QProcess>();
            p->setProcessChannelMode(QProcess::SeparateChannels);
            p->setReadChannel(QProcess::StandardOutput);
            p->setProcessEnvironment(QProcessEnvironment::systemEnvironment());
            QProcess* raw = p.get();
            const std::size_t index = procs_.size();
            tallies_.emplace_back();
            QObject::connect(raw, &QProcess::readyReadStandardOutput, raw, [this, raw, index] { read(raw, index); });
            QObject::connect(raw, &QProcess::readyReadStandardError, raw, [raw] {
                std::fputs(raw->readAllStandardError().constData(), stderr);
            });
            p->start(QCoreApplication::applicationFilePath(),
                     {QStringLiteral("--worker"), QStringLiteral("--port"), QString::number(port), QStringLiteral("--tokens"), tokens.join(u','),
                      QStringLiteral("--first"), QString::number(first), QStringLiteral("--count"), QString::number(count)});
            procs_.push_back(std::move(p));
        }
    }
    Tally sum() const {
        Tally t;
        for (const Tally& x : tallies_) {
            t.open += x.open;
            t.ready += x.ready;
            t.running += x.running;
            t.lists += x.lists;
            t.reports += x.reports;
            t.notifies += x.notifies;
            t.drops += x.drops;
        }
        return t;
    }
    void stop() {
        for (auto& p : procs_) p->closeWriteChannel();
        for (auto& p : procs_) {
            if (!p->waitForFinished(10000)) p->kill();
        }
    }

private:
    void read(QProcess* p, std::size_t index) {
        while (p->canReadLine()) {
            const QList<QByteArray> f = p->readLine().trimmed().split(' ');
            if (f.size() != 8 || f[0] != "T") continue;
            Tally& t = tallies_[index];
            t.open = f[1].toInt();
            t.ready = f[2].toInt();
            t.running = f[3].toLongLong();
            t.lists = f[4].toLongLong();
            t.reports = f[5].toLongLong();
            t.notifies = f[6].toLongLong();
            t.drops = f[7].toLongLong();
        }
    }
    std::vector<std::unique_ptr<QProcess>> procs_;
    std::vector<Tally> tallies_;
};

// Waits in the event loop up to `ms` for `done`, checking every 100 ms.
bool waitFor(int ms, const std::function<bool()>& done) {
    QElapsedTimer t;
    t.start();
    while (!done()) {
        if (t.elapsed() >= ms) return false;
        QEventLoop loop;
        QTimer::singleShot(100, &loop, &QEventLoop::quit);
        loop.exec();
    }
    return true;
}

// The stack of grid `g`: `services` services of strategy ha totalling `instances`.
QString stackSource(int instances, int services) {
    QString y = QStringLiteral("stack: bench/app\nversion: 1.0.0\nservices:\n");
    for (int s = 0; s < services; ++s) {
        const int n = instances / services + (s == services - 1 ? instances % services : 0);
        y += QStringLiteral("  s%1:\n    image: bench/app:1\n    instances: %2\n    deploy:\n      strategy: ha\n").arg(s).arg(n);
    }
    return y;
}

// Makes the grids (keepalive `keepalive` s) with their stack installed, not
// deployed; their tokens (empty on failure).
QStringList makeGrids(bench::BenchMaster& master, const Options& o, int grids) {
    QStringList tokens;
    for (int g = 0; g < grids; ++g) {
        const QString name = QStringLiteral("g%1").arg(g);
        const int instances = o.instances / grids + (g < o.instances % grids ? 1 : 0);
        auto r = master.api().post(QStringLiteral("/v1/grids"),
                                   QJsonObject{{QStringLiteral("name"), name}, {QStringLiteral("initial_size"), 3},
                                               {QStringLiteral("settings"), QJsonObject{{QStringLiteral("keepalive_interval"), o.keepalive}}}});
        if (r.ok()) {
            r = master.api().post(QStringLiteral("/v1/grids/%1/stacks").arg(name),
                                  QJsonObject{{QStringLiteral("name"), QStringLiteral("app")}, {QStringLiteral("source"), stackSource(instances, o.services)},
                                              {QStringLiteral("deploy"), false}});
        }
        if (!r.ok()) {
            std::fprintf(stderr, "grid %s: %s\n", qPrintable(name), qPrintable(r.error->message));
            return {};
        }
        tokens << master.api().get(QStringLiteral("/v1/grids/%1/token").arg(name)).object().value(QStringLiteral("token")).toString();
    }
    return tokens;
}

// The deploys' states by grid: how many are "success"; false when one failed.
bool deploysState(bench::BenchMaster& master, const QStringList& ids, int* succeeded) {
    *succeeded = 0;
    for (int g = 0; g < ids.size(); ++g) {
        const auto r = master.api().get(QStringLiteral("/v1/stacks/g%1/app/deploys/%2").arg(g).arg(ids[g]));
        const QString state = r.object().value(QStringLiteral("state")).toString();
        if (!r.ok()) std::fprintf(stderr, "deploy of g%d: %s\n", g, qPrintable(r.error->message));
        if (state == QLatin1String("error")) {
            std::fprintf(stderr, "deploy of g%d failed: %s\n", g, qPrintable(r.object().value(QStringLiteral("error")).toString()));
            return false;
        }
        *succeeded += state == QLatin1String("success") ? 1 : 0;
    }
    return true;
}

struct DeployRun {
    double allRunning = -1, finished = -1;   // s from the first deploy request
    std::vector<double> writeRate;           // write_bytes per second, each second of the deploy
    ProcIo io;                               // during the deploy
    double cpu = 0;
};

// Deploys every grid's stack and waits until every instance runs and every deploy finished.
DeployRun deploy(bench::BenchMaster& master, Workers& workers, const Options& o, int grids) {
    DeployRun run;
    const ProcIo io0 = procIo(master.pid());
    const double cpu0 = bench::cpuSeconds(master.pid());
    QElapsedTimer t;
    t.start();
    QStringList ids;
    for (int g = 0; g < grids; ++g) {
        const auto r = master.api().post(QStringLiteral("/v1/stacks/g%1/app/deploy").arg(g));
        if (!r.ok()) {
            std::fprintf(stderr, "deploy g%d: %s\n", g, qPrintable(r.error->message));
            return run;
        }
        ids << r.object().value(QStringLiteral("id")).toVariant().toString();   // a string in the API
    }
    std::printf("# %d deploys requested in %.2f s\n", grids, double(t.elapsed()) / 1000.0);
    qint64 lastWrite = io0.writeBytes, lastMs = 0, lastCheck = 0;
    bool failed = false;
    waitFor(o.timeout * 1000, [&] {
        const qint64 ms = t.elapsed();
        if (ms - lastMs >= 1000) {
            const ProcIo now = procIo(master.pid());
            run.writeRate.push_back(double(now.writeBytes - lastWrite) * 1000.0 / double(ms - lastMs));
            lastWrite = now.writeBytes;
            lastMs = ms;
            const Tally s = workers.sum();
            std::printf("# %5.1f s running %lld/%d lists %lld reports %lld notifies %lld connected %d drops %lld\n", double(ms) / 1000.0, s.running,
                        o.instances, s.lists, s.reports, s.notifies, s.open, s.drops);
            std::fflush(stdout);
        }
        if (run.allRunning < 0 && workers.sum().running >= o.instances) run.allRunning = double(t.elapsed()) / 1000.0;
        if (ms - lastCheck >= (run.allRunning < 0 ? 5000 : 250)) {
            lastCheck = ms;
            int ok = 0;
            failed = !deploysState(master, ids, &ok);
            if (ok == grids && run.allRunning >= 0) run.finished = double(t.elapsed()) / 1000.0;
        }
        return failed || run.finished >= 0;
    });
    const ProcIo io1 = procIo(master.pid());
    run.io = ProcIo{io1.writeBytes - io0.writeBytes, io1.wchar - io0.wchar, io1.rchar - io0.rchar};
    run.cpu = bench::cpuSeconds(master.pid()) - cpu0;
    return run;
}

void printRun(const DeployRun& run, const Tally& tally, const Options& o, double seconds, qint64 pid) {
    const double mib = 1024.0 * 1024.0;
    const double peak = run.writeRate.empty() ? 0 : *std::max_element(run.writeRate.begin(), run.writeRate.end());
    std::printf("BENCH deploy_instances %d count\n", o.instances);
    std::printf("BENCH deploy_agents_connected %d count\n", tally.open);
    std::printf("BENCH deploy_all_running %.1f s\n", run.allRunning);
    std::printf("BENCH deploy_finished %.1f s\n", run.finished);
    std::printf("BENCH deploy_master_write_bytes %.1f MiB\n", double(run.io.writeBytes) / mib);
    std::printf("BENCH deploy_master_write_rate %.2f MiB/s\n", double(run.io.writeBytes) / mib / std::max(seconds, 0.001));
    std::printf("BENCH deploy_master_write_rate_peak %.2f MiB/s\n", peak / mib);
    std::printf("BENCH deploy_master_wchar %.1f MiB\n", double(run.io.wchar) / mib);
    std::printf("BENCH deploy_master_rchar %.1f MiB\n", double(run.io.rchar) / mib);
    std::printf("BENCH deploy_master_cpu %.1f s\n", run.cpu);
    std::printf("BENCH deploy_master_rss %.1f MiB\n", bench::rssMiB(pid));
    std::printf("BENCH deploy_pod_lists %lld count\n", tally.lists);
    std::printf("BENCH deploy_pod_reports %lld count\n", tally.reports);
    std::printf("BENCH deploy_notifies %lld count\n", tally.notifies);
    std::printf("BENCH deploy_agent_drops %lld count\n", tally.drops);
}

}  // namespace

int main(int argc, char** argv) {
    bench::useEpollLoop();
    QCoreApplication app(argc, argv);
    bench::raiseFileLimit();
    const Options o = parse(app.arguments());
    if (o.worker) return runWorker(o);

    bench::BenchMaster master;
    if (!master.start()) return 2;
    const int grids = (o.agents + kPerGrid - 1) / kPerGrid;
    QElapsedTimer t;
    t.start();
    const QStringList tokens = makeGrids(master, o, grids);
    if (tokens.size() != grids) return 2;
    std::printf("# %d grids with their stacks in %.1f s\n", grids, double(t.elapsed()) / 1000.0);
    t.restart();
    Workers workers;
    workers.start(o, master.port(), tokens);
    if (!waitFor(std::max(60, o.agents / 50) * 1000, [&] { return workers.sum().ready >= o.agents; })) {
        std::fprintf(stderr, "only %d of %d agents announced (%lld connections closed)\n", workers.sum().ready, o.agents, workers.sum().drops);
        workers.stop();
        return 2;
    }
    std::printf("BENCH deploy_connect_all %.1f s\n", double(t.elapsed()) / 1000.0);
    std::printf("BENCH deploy_connect_drops %lld count\n", workers.sum().drops);
    std::fflush(stdout);
    const DeployRun run = deploy(master, workers, o, grids);
    const double seconds = run.finished >= 0 ? run.finished : o.timeout;
    printRun(run, workers.sum(), o, seconds, master.pid());
    workers.stop();
    if (!o.keepLogs.isEmpty()) {   // the master's log and stderr, for a run that went wrong
        const QString from = QFileInfo(master.dataDir()).path();
        for (const char* f : {"master.log", "master.err"}) QFile::copy(from + u'/' + QLatin1String(f), o.keepLogs + u'/' + QLatin1String(f));
    }
    return run.allRunning >= 0 && run.finished >= 0 ? 0 : 1;
}
