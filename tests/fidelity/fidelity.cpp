#include "tests/fidelity/fidelity.h"

#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonObject>
#include <QRegularExpression>
#include <QSet>
#include <QThread>

#include <algorithm>
#include <csignal>
#include <fcntl.h>
#include <sched.h>
#include <unistd.h>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "backends/docker/kontena_labels.h"
#include "client/client.h"
#include "simulator/engine/engine.h"
#include "tests/docker/dockerd_harness.h"
#include "tests/master/platform_harness.h"
#include "tests/overlay/netns_nodes.h"
#include "scheduler/overloaded.h"

namespace kontena::fidelity {

using namespace kontena::sim;
using testing::AgentProcess;
using testing::MasterProcess;
using testing::PrivateDockerd;

std::vector<Instant> observationTimes(const Scenario& s) {
    std::set<Instant> times;
    for (const Check& c : s.expect) {
        times.insert(c.when.from);
        times.insert(c.when.to);
    }
    return {times.begin(), times.end()};
}

// ---------------------------------------------------------------- simulated

namespace {

Observation observe(Instant at, const ClusterState& st, const std::map<InstanceKey, int>& runningOnline) {
    Observation o;
    o.at = at;
    for (const auto& [key, count] : runningOnline) {
        const Instance* inst = st.instance(key.service, key.number);
        if (count > 0 && inst && inst->node) o.running[key.service + "-" + std::to_string(key.number)] = *inst->node;
    }
    for (const auto& [name, node] : st.nodes) o.nodes[name] = toString(node.status());
    o.quorum = st.quorum;
    return o;
}

}  // namespace

Story simulatedStory(const Scenario& scaled, std::uint64_t seed, Duration tolerance) {
    const std::vector<Instant> times = observationTimes(scaled);
    Story story;
    std::vector<Observation> all;   // every instant's state, for `nearby`
    std::size_t next = 0;
    Observation last;
    EngineOptions eo;
    eo.seed = seed;
    eo.decisionSeed = seed;
    // Called at the end of every simulated instant: an observation at T is
    // the state after the last instant at or before T.
    eo.observer = [&](Instant now, const ClusterState& st, const std::map<InstanceKey, int>& running) {
        for (; next < times.size() && times[next] < now; ++next) {
            last.at = times[next];
            story.observations.push_back(last);
        }
        last = observe(now, st, running);
        if (tolerance.ms > 0 && (all.empty() || !(all.back() == last))) all.push_back(last);
        if (next < times.size() && times[next] == now) story.observations.push_back(last), ++next;
    };
    const RunReport report = runScenario(scaled, eo);
    for (; next < times.size(); ++next) {
        last.at = times[next];
        story.observations.push_back(last);
    }
    story.nearby.resize(story.observations.size());
    for (std::size_t i = 0; i < story.observations.size() && tolerance.ms > 0; ++i) {
        const Instant at = story.observations[i].at;
        for (std::size_t k = 0; k < all.size(); ++k) {
            // State k holds from all[k].at until all[k+1].at.
            const Instant until = k + 1 < all.size() ? all[k + 1].at : Instant(INT64_MAX);
            if (until > at - tolerance && all[k].at <= at + tolerance) story.nearby[i].push_back(all[k]);
        }
    }
    for (const TimelineEntry& t : report.timeline) {
        if (t.kind != "event_refused") continue;   // detail: "event N: message"
        const auto colon = t.detail.find(": ");
        const int index = std::atoi(t.detail.c_str() + 6);
        story.refused[index] = colon == std::string::npos ? std::string() : t.detail.substr(colon + 2);
    }
    return story;
}

std::string unsupportedOnRealHosts(const Scenario& s) {
    // Settings the master's API does not take must be the core's defaults
    // (scaled alike on both sides by --time-scale).
    const GridSettings d, &g = s.grid.settings;
    if (g.schedulerInterval != d.schedulerInterval || g.staleSweepInterval != d.staleSweepInterval || g.staleThreshold != d.staleThreshold ||
        g.agentPollInterval != d.agentPollInterval || g.reconnectBackoffMax != d.reconnectBackoffMax ||
        g.crashBackoffCap != d.crashBackoffCap || g.crashResetAfter != d.crashResetAfter ||
        g.massOfflineEvictionInterval != d.massOfflineEvictionInterval || g.massOfflineFraction != d.massOfflineFraction) {
        return "settings beyond the API's five (online_grace, offline_grace, ping_*) cannot be given to a real master";
    }
    if (g.containerStart != d.containerStart) return "container_start is the simulator's model; real containers start when they start";
    for (const sim::Event& e : s.events) {
        const std::string a = actionName(e.action);
        if (a == "instance_unhealthy" || a == "instance_healthy") {
            return "event " + std::to_string(e.index) + ": " + a + " is not carried out on real hosts yet";
        }
    }
    return {};
}

// --------------------------------------------------------------------- real

namespace {

QString q(const std::string& s) { return QString::fromStdString(s); }

// A busybox container that ends at once on SIGTERM (sh as PID 1 ignores it).
const QString kImageCmd = QStringLiteral(R"(["/bin/sh","-c","trap 'exit 0' TERM; while true; do sleep 1; done"])");

// The image names a stack's text mentions (`image: NAME`).
QSet<QString> imagesOf(const std::string& yaml) {
    static const QRegularExpression re(QStringLiteral(R"(image:\s*["']?([^"'\s#{},\[\]]+))"));
    QSet<QString> out;
    for (auto it = re.globalMatch(q(yaml)); it.hasNext();) out.insert(it.next().captured(1));
    return out;
}

std::string stackText(const StackSource& src) {
    if (const auto* in = std::get_if<StackInline>(&src)) return in->yaml;
    std::ifstream f(std::get<StackFile>(src).path);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

// Scenarios with etcd events run real etcd members (agents' --etcd on) on
// loopback addresses of their own, 127.X.Y.N for member N.
bool usesEtcd(const Scenario& s) {
    return std::any_of(s.events.begin(), s.events.end(), [](const sim::Event& e) {
        return std::holds_alternative<EtcdMemberFail>(e.action) || std::holds_alternative<EtcdMemberRecover>(e.action);
    });
}

// The etcd member an agent runs: the etcd process whose command line names
// a directory under the agent's data directory `dataDir`.
qint64 etcdPidUnder(const QString& dataDir) {
    for (const QString& pid : QDir(QStringLiteral("/proc")).entryList(QDir::Dirs)) {
        QFile cmd(QStringLiteral("/proc/") + pid + QStringLiteral("/cmdline"));
        if (!cmd.open(QIODevice::ReadOnly)) continue;
        const QList<QByteArray> args = cmd.readAll().split('\0');
        if (args.isEmpty() || !args.first().endsWith("etcd")) continue;
        for (const QByteArray& a : args)
            if (QString::fromLocal8Bit(a).contains(dataDir + QLatin1Char('/'))) return pid.toLongLong();
    }
    return 0;
}

// Scenarios whose events cut the network (partitions, unresponsive nodes)
// run on namespace nodes: each node's agent and dockerd in a network
// namespace of its own on one underlay bridge, the master (and this
// runner) in the underlay's namespace, and a cut is a blackhole route on
// both sides: traffic is dropped, connections stay open, agents keep
// retrying, as on a real network.
bool cutsTheNetwork(const Scenario& s) {
    return std::any_of(s.events.begin(), s.events.end(), [](const sim::Event& e) {
        return std::holds_alternative<Partition>(e.action) || std::holds_alternative<Heal>(e.action) ||
               std::holds_alternative<NodeUnresponsive>(e.action) || std::holds_alternative<NodeResponsive>(e.action);
    });
}

constexpr int kMasterEnd = 0;   // the master's end of a cut; nodes are 1..N

struct RealNode {
    ScenarioNode spec;
    std::unique_ptr<PrivateDockerd> dockerd;
    std::unique_ptr<AgentProcess> agent;
    bool stopped = false;          // SIGSTOP (unresponsive)
    bool everConnected = false;    // has its node number: reconnects need no turn
    int end = 0;                   // with namespace nodes: its number there (1..N)
};

class RealGrid {
public:
    RealGrid(const Scenario& s, double timeScale, Duration tolerance, QString dir)
        : sc_(s), scale_(timeScale), tolerance_(tolerance), dir_(std::move(dir)) {}
    // A frozen member would not get its SIGTERM when its agent dies.
    ~RealGrid() {
        for (const std::string& n : std::set<std::string>(frozen_)) (void)etcdSignal(n, SIGCONT);
        tearDownNodes();
    }

    bool setUp(std::vector<std::string>& notes);
    // With etcd members: waits until the master says the grid has its quorum.
    bool etcdFormed();
    // Carries out event `e`; the platform's refusal message, or "" when accepted.
    std::optional<std::string> apply(const sim::Event& e, std::vector<std::string>& notes);
    Observation observe(Instant at);
    bool connect(const std::string& node);
    bool startAgent(const std::string& node);
    bool awaitOnline(const std::vector<std::string>& names);
    // After the events of one instant: waits for the nodes they reconnected.
    void settle(std::vector<std::string>& notes);

private:
    // A node's dockerd: launched (every node's at once), then ready with the images.
    bool launchDockerd(RealNode& n, std::vector<std::string>& notes);
    // Agents first (nothing restarts a container), then every node's engine
    // emptied and stopped at once instead of one node after the other.
    void tearDownNodes();
    bool readyDockerd(RealNode& n, std::vector<std::string>& notes);
    std::optional<std::string> answer(const client::ApiResult& r) {
        if (r.ok()) return std::nullopt;
        return r.error ? r.error->message.toStdString() : std::string("failed");
    }
    std::optional<std::string> stackInstall(const std::string& stack, const StackSource& src,
                                            const std::map<std::string, std::string>& vars, bool upgrade);
    std::optional<std::string> nodeLabels(const NodeLabel& x);
    std::optional<std::string> crash(const InstanceRef& i, std::vector<std::string>& notes);
    std::optional<std::string> etcdSignal(const std::string& node, int sig);
    QString agentDataDir(const std::string& node) const { return dir_ + QStringLiteral("/agent-") + q(node) + QStringLiteral(".log.data"); }
    RealNode* node(const std::string& name) {
        auto it = nodes_.find(name);
        return it == nodes_.end() ? nullptr : &it->second;
    }
    QString grid() const { return q(sc_.grid.name); }
    QString masterUrl() const { return port_ ? QStringLiteral("http://127.0.0.1:%1").arg(port_) : master_->url(); }
    QString masterWsUrl() const { return port_ ? QStringLiteral("ws://192.0.2.254:%1").arg(port_) : master_->wsUrl(); }

    // Namespace nodes (cutsTheNetwork): the underlay address of end `i`.
    std::string address(int end) const { return end == kMasterEnd ? "192.0.2.254" : net_->underlayAddress(end); }
    std::string netnsOf(int end) const { return end == kMasterEnd ? net_->underlay() : net_->node(end); }
    bool setUpNamespaces(std::vector<std::string>& notes);
    void cut(int a, int b, bool on);
    std::optional<std::string> partition(const std::vector<std::vector<std::string>>& groups);
    int endOf(const std::string& name) const { return name == "master" ? kMasterEnd : nodes_.at(name).end; }

    std::unique_ptr<testing::NetnsNodes> net_;   // first: it goes last
    std::set<std::pair<int, int>> cuts_;
    quint16 port_ = 0;                           // the master's, with namespace nodes
    const Scenario& sc_;
    double scale_;
    Duration tolerance_;
    QString dir_;
    std::unique_ptr<MasterProcess> master_;
    std::unique_ptr<client::ApiClient> api_;
    QString token_;
    std::map<std::string, RealNode> nodes_;
    QString agentBin_ = qEnvironmentVariable("KONTENA_AGENT_BIN");
    std::set<std::string> installed_;
    std::vector<std::string> pending_;   // reconnected at this instant, not yet seen online
    std::set<std::string> frozen_;       // nodes whose etcd member is SIGSTOPped
    QSet<QString> images_;
};

void RealGrid::tearDownNodes() {
    for (auto& [name, n] : nodes_) n.agent.reset();   // SIGKILL: also a stopped (unresponsive) one
    std::vector<std::thread> emptying;
    for (auto& [name, n] : nodes_)
        if (n.dockerd) emptying.emplace_back([d = n.dockerd.get()] { d->emptyEngine(); });
    for (std::thread& t : emptying) t.join();
    for (auto& [name, n] : nodes_)
        if (n.dockerd) n.dockerd->terminate();
    for (auto& [name, n] : nodes_) n.dockerd.reset();
}

bool RealGrid::launchDockerd(RealNode& n, std::vector<std::string>& notes) {
    n.dockerd = std::make_unique<PrivateDockerd>();
    if (net_) n.dockerd->setNetns(q(net_->node(n.end)));
    if (auto r = n.dockerd->launch(); !r) {
        notes.push_back(n.spec.name + ": dockerd: " + r.error().message.toStdString());
        return false;
    }
    return true;
}

bool RealGrid::readyDockerd(RealNode& n, std::vector<std::string>& notes) {
    if (auto r = n.dockerd->ready(); !r) {
        notes.push_back(n.spec.name + ": dockerd: " + r.error().message.toStdString());
        return false;
    }
    auto id = n.dockerd->buildBusyboxImage(QStringLiteral("fidelity:busybox"), kImageCmd);
    if (!id) {
        notes.push_back(n.spec.name + ": image: " + id.error().message.toStdString());
        return false;
    }
    for (const QString& image : images_) {
        auto t = testing::runTool(QStringLiteral("docker"), {QStringLiteral("-H"), n.dockerd->dockerHost(), QStringLiteral("tag"), id.value(), image});
        if (!t) notes.push_back(n.spec.name + ": tag " + image.toStdString() + ": " + t.error().message.toStdString());
    }
    return true;
}

bool RealGrid::setUp(std::vector<std::string>& notes) {
    QDir().mkpath(dir_);
    for (const auto& [name, st] : sc_.stacks) images_.unite(imagesOf(stackText(st.source)));
    for (const sim::Event& e : sc_.events)
        if (const auto* u = std::get_if<Upgrade>(&e.action)) images_.unite(imagesOf(stackText(u->source)));
    QStringList masterArgs{QStringLiteral("--time-scale"), QString::number(scale_), QStringLiteral("--rehearsal-seed"), QString::number(sc_.seed)};
    if (cutsTheNetwork(sc_)) {
        if (!setUpNamespaces(notes)) return false;
        port_ = testing::freeLoopbackPort();   // in the underlay's namespace now
        masterArgs << QStringLiteral("--listen") << QStringLiteral("0.0.0.0:%1").arg(port_) << QStringLiteral("--allow-insecure");
    }
    master_ = std::make_unique<MasterProcess>(dir_ + QStringLiteral("/master"), masterArgs);
    if (!master_->start(QStringLiteral("fidelity-code"))) {
        notes.push_back("the master did not start: " + master_->log().right(2000).toStdString());
        return false;
    }
    client::ApiClient anon(masterUrl(), QString());
    const auto auth = anon.post(QStringLiteral("/v1/auth"), QJsonObject{{QStringLiteral("code"), QStringLiteral("fidelity-code")}});
    if (!auth.ok()) return notes.push_back("cannot log in to the master"), false;
    api_ = std::make_unique<client::ApiClient>(masterUrl(), auth.object().value(QStringLiteral("access_token")).toString());
    QJsonArray affinity;
    for (const auto& a : sc_.grid.defaultAffinity) affinity.append(q(a));
    const GridSettings& gs = sc_.grid.settings;
    auto sec = [](Duration d) { return static_cast<double>(d.ms) / 1000.0; };
    const QJsonObject settings{{QStringLiteral("online_grace"), sec(gs.onlineGrace)},
                               {QStringLiteral("keepalive_interval"), sec(gs.pingInterval)},
                               {QStringLiteral("keepalive_timeout"), sec(gs.pingTimeout)},
                               {QStringLiteral("offline_grace"), QJsonObject{{QStringLiteral("daemon"), sec(gs.offlineGraceDaemon)},
                                                                             {QStringLiteral("ha"), sec(gs.offlineGraceHa)},
                                                                             {QStringLiteral("random"), sec(gs.offlineGraceRandom)}}}};
    QJsonObject create{{QStringLiteral("name"), grid()}, {QStringLiteral("initial_size"), sc_.grid.initialSize}, {QStringLiteral("settings"), settings}};
    if (!affinity.isEmpty()) create.insert(QStringLiteral("default_affinity"), affinity);
    if (auto e = answer(api_->post(QStringLiteral("/v1/grids"), create))) return notes.push_back("grid: " + *e), false;
    token_ = api_->get(QStringLiteral("/v1/grids/%1/token").arg(grid())).object().value(QStringLiteral("token")).toString();
    std::vector<ScenarioNode> all = sc_.nodes;
    for (const sim::Event& e : sc_.events)
        if (const auto* add = std::get_if<NodeAdd>(&e.action)) all.insert(all.end(), add->nodes.begin(), add->nodes.end());
    for (const ScenarioNode& n : all) {
        RealNode& rn = nodes_[n.name];
        rn.spec = n;
        rn.end = int(nodes_.size());
        if (!launchDockerd(rn, notes)) return false;
    }
    for (auto& [name, rn] : nodes_)
        if (!readyDockerd(rn, notes)) return false;
    // Nodes there from the start connect in order (their node numbers).
    std::vector<ScenarioNode> first = sc_.nodes;
    std::stable_sort(first.begin(), first.end(), [](const auto& a, const auto& b) { return a.connectAt < b.connectAt; });
    for (const ScenarioNode& n : first) {
        if (n.connectAt.ms == 0 && !connect(n.name)) return notes.push_back(n.name + ": the agent did not come online"), false;
    }
    if (usesEtcd(sc_) && !etcdFormed()) return notes.push_back("the etcd members did not form a cluster with quorum"), false;
    return true;
}

// The namespaces, and this runner moved into the underlay's (its own
// process only: each scenario runs in a child process of kontena-fidelity).
bool RealGrid::setUpNamespaces(std::vector<std::string>& notes) {
    std::size_t count = sc_.nodes.size();
    for (const sim::Event& e : sc_.events)
        if (const auto* add = std::get_if<NodeAdd>(&e.action)) count += add->nodes.size();
    net_ = std::make_unique<testing::NetnsNodes>(int(count));
    if (!net_->ok() || !net_->addUnderlayAddress("192.0.2.254/24")) return notes.push_back("cannot create network namespaces"), false;
    const int fd = ::open(("/var/run/netns/" + net_->underlay()).c_str(), O_RDONLY | O_CLOEXEC);
    const bool moved = fd >= 0 && ::setns(fd, CLONE_NEWNET) == 0;
    if (fd >= 0) ::close(fd);
    if (!moved) notes.push_back("cannot enter the underlay's network namespace");
    return moved;
}

// Cuts (or mends) the path between ends a and b: a blackhole route on each side.
void RealGrid::cut(int a, int b, bool on) {
    const std::pair<int, int> key{std::min(a, b), std::max(a, b)};
    if (on == (cuts_.count(key) > 0)) return;
    for (const auto& [from, to] : {std::pair{a, b}, std::pair{b, a}})
        testing::NetnsNodes::sh({"ip", "-n", netnsOf(from), "route", on ? "add" : "del", "blackhole", address(to) + "/32"});
    if (on) cuts_.insert(key);
    else cuts_.erase(key);
}

// Only members of the same group reach each other (`master` names the
// master; ends in no group form one group of their own, as in the simulator).
std::optional<std::string> RealGrid::partition(const std::vector<std::vector<std::string>>& groups) {
    if (!net_) return std::nullopt;
    std::map<int, int> groupOf;
    for (std::size_t g = 0; g < groups.size(); ++g)
        for (const std::string& m : groups[g])
            if (m == "master" || nodes_.count(m)) groupOf[endOf(m)] = int(g);
    std::vector<int> ends{kMasterEnd};
    for (const auto& [name, n] : nodes_) ends.push_back(n.end);
    auto group = [&](int e) { return groupOf.count(e) ? groupOf.at(e) : -1; };
    for (int a : ends)
        for (int b : ends)
            if (a < b) cut(a, b, group(a) != group(b));
    return std::nullopt;
}

// Every member reachable and the quorum held for 3 s (until an agent's
// first report the master counts its member healthy: a quorum seen at once
// may be that, not a formed cluster).
bool RealGrid::etcdFormed() {
    QElapsedTimer held;
    return testing::eventually([&] {
        const QJsonObject etcd = api_->get(QStringLiteral("/v1/grids/%1").arg(grid())).object().value(QStringLiteral("etcd")).toObject();
        const bool formed = etcd.value(QStringLiteral("quorum")).toBool() && etcd.value(QStringLiteral("reachable")).toInt() >= etcd.value(QStringLiteral("members")).toInt();
        if (!formed) held.invalidate();
        else if (!held.isValid()) held.start();
        return held.isValid() && held.elapsed() >= 3000;
    }, 60000);
}

// SIGSTOP (a member that answers nobody) or SIGCONT to the node's etcd member.
std::optional<std::string> RealGrid::etcdSignal(const std::string& node, int sig) {
    if (const qint64 pid = etcdPidUnder(agentDataDir(node))) {
        ::kill(pid_t(pid), sig);
        if (sig == SIGSTOP) frozen_.insert(node);
        else frozen_.erase(node);
    }
    return std::nullopt;   // no member there (its agent is gone, and it with it): nothing to do, as in the simulator
}

// Starts the node's agent and waits until the master has it online.
bool RealGrid::connect(const std::string& name) {
    return startAgent(name) && awaitOnline({name});
}

// Waits until the master has every node of `names` online (or drained).
bool RealGrid::awaitOnline(const std::vector<std::string>& names) {
    QElapsedTimer t;
    t.start();
    for (const std::string& name : names) {
        for (;;) {
            const QString status = api_->get(QStringLiteral("/v1/nodes/%1/%2").arg(grid(), q(name))).object().value(QStringLiteral("status")).toString();
            if (status == QLatin1String("online") || status == QLatin1String("drain")) break;
            if (t.elapsed() > 20000) return false;
            QThread::msleep(50);
        }
    }
    return true;
}

// Nodes that reconnect at the same instant come back together: their
// agents start at once, and the runner waits for them all afterwards
// (waiting for each in turn would give the master a window with only the
// first back, which the simulator never has).
void RealGrid::settle(std::vector<std::string>& notes) {
    if (!pending_.empty() && !awaitOnline(pending_)) notes.push_back("reconnecting nodes did not all come online");
    pending_.clear();
}

bool RealGrid::startAgent(const std::string& name) {
    RealNode* n = node(name);
    if (!n) return false;
    if (n->agent) return true;
    n->everConnected = true;
    n->agent = std::make_unique<AgentProcess>(q(name), grid(), n->dockerd->dockerHost(), dir_ + QStringLiteral("/agent-") + q(name) + QStringLiteral(".log"));
    QStringList labels;
    for (const auto& l : n->spec.labels) labels << q(l);
    QStringList args{QStringLiteral("--labels"), labels.join(u','), QStringLiteral("--time-scale"), QString::number(scale_)};
    if (usesEtcd(sc_)) {
        const qint64 pid = QCoreApplication::applicationPid();
        args << QStringLiteral("--etcd") << QStringLiteral("on") << QStringLiteral("--etcd-address")
             << QStringLiteral("127.%1.%2.%n").arg(100 + pid % 100).arg(pid % 250 + 1);
    }
    if (net_) {   // the agent (and what it runs: dnsmasq, etcd) in the node's namespace
        const QString wrapper = dir_ + QStringLiteral("/agent-") + q(name) + QStringLiteral(".sh");
        QFile f(wrapper);
        if (!f.open(QIODevice::WriteOnly)) return false;
        f.write(QStringLiteral("#!/bin/sh\nexec nsenter --net=/var/run/netns/%1 %2 \"$@\"\n").arg(q(net_->node(n->end)), agentBin_).toUtf8());
        f.close();
        f.setPermissions(QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
        qputenv("KONTENA_AGENT_BIN", wrapper.toLocal8Bit());
    }
    return n->agent->start(masterWsUrl(), token_, args);
}

std::optional<std::string> RealGrid::stackInstall(const std::string& stack, const StackSource& src,
                                                  const std::map<std::string, std::string>& vars, bool upgrade) {
    QJsonObject variables;
    for (const auto& [k, v] : vars) variables.insert(q(k), q(v));
    const QJsonObject body{{QStringLiteral("name"), q(stack)}, {QStringLiteral("source"), q(stackText(src))},
                           {QStringLiteral("variables"), variables}, {QStringLiteral("deploy"), true}};
    if (upgrade) return answer(api_->put(QStringLiteral("/v1/stacks/%1/%2").arg(grid(), q(stack)), body));
    auto r = answer(api_->post(QStringLiteral("/v1/grids/%1/stacks").arg(grid()), body));
    if (!r) installed_.insert(stack);
    return r;
}

std::optional<std::string> RealGrid::nodeLabels(const NodeLabel& x) {
    const QString path = QStringLiteral("/v1/nodes/%1/%2").arg(grid(), q(x.node));
    const auto got = api_->get(path);
    if (!got.ok()) return answer(got);
    QStringList labels;
    for (const auto& l : got.object().value(QStringLiteral("labels")).toArray()) labels << l.toString();
    for (const auto& r : x.remove) labels.removeAll(q(r));
    for (const auto& a : x.add)
        if (!labels.contains(q(a))) labels << q(a);
    return answer(api_->put(path, QJsonObject{{QStringLiteral("labels"), QJsonArray::fromStringList(labels)}}));
}

// SIGKILL to the instance's container on whichever node runs it. An
// instance that is not running yet (restarting after the last crash) is
// waited for up to the tolerance: real restarts take real time. A crash
// is never the platform's refusal; one the runner cannot carry out is a note.
std::optional<std::string> RealGrid::crash(const InstanceRef& i, std::vector<std::string>& notes) {
    QElapsedTimer waited;
    waited.start();
    Observation now = observe(Instant());
    for (; !now.running.count(i.name()) && waited.elapsed() < tolerance_.ms; now = observe(Instant())) QThread::msleep(50);
    auto it = now.running.find(i.name());
    if (it == now.running.end()) {
        notes.push_back("instance_crash: " + i.name() + " was not running");
        return std::nullopt;
    }
    RealNode* n = node(it->second);
    const QString name = q(i.service.stack + "." + i.service.service + "-" + std::to_string(i.number));
    auto r = testing::runTool(QStringLiteral("docker"), {QStringLiteral("-H"), n->dockerd->dockerHost(), QStringLiteral("kill"), name});
    if (!r) notes.push_back("docker kill " + name.toStdString() + ": " + r.error().message.toStdString());
    return std::nullopt;
}

std::optional<std::string> RealGrid::apply(const sim::Event& e, std::vector<std::string>& notes) {
    const QString g = grid();
    auto service = [&](const ServiceRef& s, const char* verb) {
        return answer(api_->post(QStringLiteral("/v1/services/%1/%2/%3/%4").arg(g, q(s.stack), q(s.service), QLatin1String(verb))));
    };
    auto nodeUpdate = [&](const std::string& n, QJsonObject body) { return answer(api_->put(QStringLiteral("/v1/nodes/%1/%2").arg(g, q(n)), body)); };
    return std::visit(
        Overloaded{
            [&](const Deploy& x) -> std::optional<std::string> {
                if (installed_.count(x.stack)) return answer(api_->post(QStringLiteral("/v1/stacks/%1/%2/deploy").arg(g, q(x.stack))));
                const ScenarioStack& st = sc_.stacks.at(x.stack);
                return stackInstall(x.stack, st.source, st.variables, false);
            },
            [&](const Upgrade& x) { return stackInstall(x.stack, x.source, x.variables, true); },
            [&](const Remove& x) {
                installed_.erase(x.stack);
                return answer(api_->del(QStringLiteral("/v1/stacks/%1/%2").arg(g, q(x.stack))));
            },
            [&](const Scale& x) {
                return answer(api_->post(QStringLiteral("/v1/services/%1/%2/%3/scale").arg(g, q(x.service.stack), q(x.service.service)),
                                         QJsonObject{{QStringLiteral("instances"), x.instances}}));
            },
            [&](const Stop& x) { return service(x.service, "stop"); },
            [&](const Start& x) { return service(x.service, "start"); },
            [&](const Restart& x) { return service(x.service, "restart"); },
            [&](const NodeConnect& x) -> std::optional<std::string> {
                RealNode* n = node(x.node);
                if (n && n->everConnected) {   // back with its number: together with the others of this instant
                    if (startAgent(x.node)) pending_.push_back(x.node);
                    else notes.push_back(x.node + ": the agent did not start");
                } else if (!connect(x.node)) {   // a first connection: in turn, so node numbers follow the file
                    notes.push_back(x.node + ": the agent did not come online");
                }
                return std::nullopt;
            },
            [&](const NodeDisconnect& x) -> std::optional<std::string> {
                if (RealNode* n = node(x.node)) n->agent.reset();   // SIGKILL: its connection closes, containers stay
                return std::nullopt;
            },
            [&](const NodeUnresponsive& x) {   // its traffic to and from the master dropped
                if (net_ && nodes_.count(x.node)) cut(endOf(x.node), kMasterEnd, true);
                return std::optional<std::string>();
            },
            [&](const NodeResponsive& x) {
                if (net_ && nodes_.count(x.node)) cut(endOf(x.node), kMasterEnd, false);
                return std::optional<std::string>();
            },
            [&](const Partition& x) { return partition(x.groups); },
            [&](const Heal&) {
                for (const auto& [a, b] : std::set<std::pair<int, int>>(cuts_)) cut(a, b, false);
                return std::optional<std::string>();
            },
            [&](const NodeDrain& x) { return nodeUpdate(x.node, {{QStringLiteral("availability"), QStringLiteral("drain")}}); },
            [&](const NodeActivate& x) { return nodeUpdate(x.node, {{QStringLiteral("availability"), QStringLiteral("active")}}); },
            [&](const NodeRemove& x) {
                auto refused = answer(api_->del(QStringLiteral("/v1/nodes/%1/%2").arg(g, q(x.node))));
                // The removed node's machine is gone. A member frozen by
                // etcd_member_fail never took its dead agent's SIGTERM and
                // would hold the address its number's replacement needs.
                if (!refused) (void)etcdSignal(x.node, SIGKILL);
                return refused;
            },
            [&](const NodeAdd& x) -> std::optional<std::string> {
                for (const ScenarioNode& n : x.nodes)
                    if (!connect(n.name)) notes.push_back(n.name + ": the agent did not come online");
                return std::nullopt;
            },
            [&](const NodeLabel& x) { return nodeLabels(x); },
            [&](const InstanceCrash& x) { return crash(x.instance, notes); },
            [&](const EtcdMemberFail& x) { return etcdSignal(x.node, SIGSTOP); },
            [&](const EtcdMemberRecover& x) { return etcdSignal(x.node, SIGCONT); },
            [&](const auto&) -> std::optional<std::string> {
                notes.push_back("event " + std::to_string(e.index) + ": " + actionName(e.action) + " not carried out");
                return std::nullopt;
            }},
        e.action);
}

Observation RealGrid::observe(Instant at) {
    Observation o;
    o.at = at;
    const auto nodes = api_->get(QStringLiteral("/v1/grids/%1/nodes").arg(grid())).object().value(QStringLiteral("nodes")).toArray();
    o.quorum = api_->get(QStringLiteral("/v1/grids/%1").arg(grid())).object().value(QStringLiteral("etcd")).toObject().value(QStringLiteral("quorum")).toBool(true);
    for (const auto& v : nodes) {
        const QJsonObject n = v.toObject();
        o.nodes[n.value(QStringLiteral("name")).toString().toStdString()] = n.value(QStringLiteral("status")).toString().toStdString();
    }
    for (auto& [name, n] : nodes_) {
        const auto st = o.nodes.find(name);
        if (st == o.nodes.end() || (st->second != "online" && st->second != "drain") || !n.dockerd) continue;
        auto list = n.dockerd->client().listContainers({{QStringLiteral("label"), {QString::fromLatin1(docker::label::kContainerType) + QStringLiteral("=container")}}}, false);
        if (!list) continue;
        for (const auto& c : list.value()) {
            const QString stack = c.labels.value(QString::fromLatin1(docker::label::kStackName));
            QString svc = c.labels.value(QString::fromLatin1(docker::label::kServiceName));
            if (svc.startsWith(stack + QLatin1Char('.'))) svc = svc.mid(stack.size() + 1);
            const QString number = c.labels.value(QString::fromLatin1(docker::label::kInstanceNumber));
            o.running[QString(stack + QLatin1Char('/') + svc + QLatin1Char('-') + number).toStdString()] = name;
        }
    }
    return o;
}

}  // namespace

Story realStory(const Scenario& scaled, double timeScale, const Story& expected, Duration tolerance, const QString& workDir) {
    Story story;
    RealGrid grid(scaled, timeScale, tolerance, workDir);
    if (!grid.setUp(story.notes)) return story;
    // Events and observations in time order; at equal times events first
    // (the simulator observes the end of an instant).
    struct Item { Instant at; const sim::Event* event; std::size_t obs; };
    std::vector<Item> items;
    for (const sim::Event& e : scaled.events) items.push_back({e.at, &e, 0});
    // A node with `connect_at` starts its agent then (index 0: not a file event).
    std::vector<sim::Event> connects;
    connects.reserve(scaled.nodes.size());
    for (const ScenarioNode& n : scaled.nodes)
        if (n.connectAt.ms > 0) connects.push_back(sim::Event{0, n.connectAt, sim::NodeConnect{n.name}, {}});
    for (const sim::Event& e : connects) items.push_back({e.at, &e, 0});
    for (std::size_t i = 0; i < expected.observations.size(); ++i) items.push_back({expected.observations[i].at, nullptr, i});
    std::stable_sort(items.begin(), items.end(), [](const Item& a, const Item& b) {
        return a.at < b.at || (a.at == b.at && a.event && !b.event);
    });
    QElapsedTimer clock;
    clock.start();
    for (const Item& it : items) {
        while (clock.elapsed() < it.at.ms) QThread::msleep(static_cast<unsigned long>(std::min<qint64>(20, it.at.ms - clock.elapsed())));
        if (it.event) {
            if (auto refusal = grid.apply(*it.event, story.notes)) story.refused[it.event->index] = *refusal;
            const std::size_t k = std::size_t(&it - items.data());
            if (k + 1 == items.size() || !items[k + 1].event || items[k + 1].at != it.at) grid.settle(story.notes);
            continue;
        }
        // Sample until the real grid shows what the simulator saw, or the tolerance passes.
        Observation got = grid.observe(it.at);
        while (!agrees(expected, it.obs, got) && clock.elapsed() < it.at.ms + tolerance.ms) {
            QThread::msleep(100);
            got = grid.observe(it.at);
        }
        story.observations.push_back(got);
    }
    return story;
}

bool agrees(const Story& simulated, std::size_t i, const Observation& real) {
    if (simulated.observations.at(i) == real) return true;
    if (i >= simulated.nearby.size()) return false;
    return std::any_of(simulated.nearby[i].begin(), simulated.nearby[i].end(), [&](const Observation& o) { return o == real; });
}

std::string compareStories(const Story& sim, const Story& real) {
    std::ostringstream out;
    for (const std::string& n : real.notes) out << "real run: " << n << "\n";
    const std::size_t n = std::min(sim.observations.size(), real.observations.size());
    if (sim.observations.size() != real.observations.size())
        out << "observations: simulated " << sim.observations.size() << ", real " << real.observations.size() << "\n";
    auto side = [&](const std::string& what, const std::map<std::string, std::string>& a, const std::map<std::string, std::string>& b, Instant at) {
        std::set<std::string> keys;
        for (const auto& [k, v] : a) keys.insert(k);
        for (const auto& [k, v] : b) keys.insert(k);
        for (const std::string& k : keys) {
            const auto x = a.find(k), y = b.find(k);
            const std::string sv = x == a.end() ? "-" : x->second, rv = y == b.end() ? "-" : y->second;
            if (sv != rv) out << "at " << formatDuration(at - Instant()) << " " << what << " " << k << ": simulated " << sv << " | real " << rv << "\n";
        }
    };
    for (std::size_t i = 0; i < n; ++i) {
        if (agrees(sim, i, real.observations[i])) continue;
        side("instance", sim.observations[i].running, real.observations[i].running, sim.observations[i].at);
        side("node", sim.observations[i].nodes, real.observations[i].nodes, sim.observations[i].at);
        if (sim.observations[i].quorum != real.observations[i].quorum)
            out << "at " << formatDuration(sim.observations[i].at - Instant()) << " etcd quorum: simulated " << (sim.observations[i].quorum ? "yes" : "no")
                << " | real " << (real.observations[i].quorum ? "yes" : "no") << "\n";
    }
    std::set<int> events;
    for (const auto& [k, v] : sim.refused) events.insert(k);
    for (const auto& [k, v] : real.refused) events.insert(k);
    for (int e : events) {
        const bool s = sim.refused.count(e) > 0, r = real.refused.count(e) > 0;
        if (s != r)
            out << "event " << e << ": simulated " << (s ? "refused (" + sim.refused.at(e) + ")" : "accepted") << " | real "
                << (r ? "refused (" + real.refused.at(e) + ")" : "accepted") << "\n";
    }
    return out.str();
}

}  // namespace kontena::fidelity

// ------------------------------------------------------------------ picture

namespace kontena::fidelity {

namespace {

constexpr int kLabelWidth = 220, kPlotWidth = 900, kLane = 14, kRowGap = 8, kTop = 40;

std::string escapeXml(const std::string& s) {
    std::string out;
    for (char c : s) {
        if (c == '<') out += "&lt;";
        else if (c == '>') out += "&gt;";
        else if (c == '&') out += "&amp;";
        else if (c == '"') out += "&quot;";
        else out += c;
    }
    return out;
}

// A stable colour per value (node name or status); "-" (absent) is white.
std::string colourOf(const std::string& value) {
    static const char* palette[] = {"#4e79a7", "#f28e2b", "#59a14f", "#b07aa1", "#76b7b2", "#edc948", "#9c755f", "#bab0ac", "#e15759", "#ff9da7"};
    if (value == "-") return "#ffffff";
    if (value == "online") return "#59a14f";
    if (value == "offline") return "#e15759";
    if (value == "drain") return "#edc948";
    return palette[std::hash<std::string>{}(value) % (sizeof palette / sizeof *palette)];
}

// One lane: cell i spans observation i to i+1 (the last one a fixed width).
void lane(std::ostringstream& svg, int y, const std::vector<Instant>& at, const std::vector<std::string>& values,
          const std::vector<bool>& wrong, double msToPx) {
    for (std::size_t i = 0; i < values.size(); ++i) {
        const double x0 = kLabelWidth + double(at[i].ms - at.front().ms) * msToPx;
        const double x1 = i + 1 < at.size() ? kLabelWidth + double(at[i + 1].ms - at.front().ms) * msToPx : x0 + 40;
        svg << "<rect x=\"" << x0 << "\" y=\"" << y << "\" width=\"" << std::max(1.0, x1 - x0) << "\" height=\"" << kLane << "\" fill=\""
            << colourOf(values[i]) << "\" stroke=\"" << (wrong[i] ? "#d00000" : "#ffffff") << "\" stroke-width=\"" << (wrong[i] ? 2 : 0.5)
            << "\"><title>" << escapeXml(values[i]) << "</title></rect>\n";
        if (x1 - x0 > 7.0 * double(values[i].size()))
            svg << "<text x=\"" << x0 + 2 << "\" y=\"" << y + kLane - 3 << "\" font-size=\"10\" fill=\"#000\">" << escapeXml(values[i]) << "</text>\n";
    }
}

using Pick = std::map<std::string, std::string> Observation::*;

std::set<std::string> keysOf(const Story& a, const Story& b, Pick pick) {
    std::set<std::string> keys;
    for (const Story* s : {&a, &b})
        for (const Observation& o : s->observations)
            for (const auto& [k, v] : o.*pick) keys.insert(k);
    return keys;
}

}  // namespace

std::string storiesSvg(const std::string& scenario, const Story& sim, const Story& real) {
    const std::size_t n = std::min(sim.observations.size(), real.observations.size());
    std::vector<Instant> at;
    std::vector<bool> wrong;
    for (std::size_t i = 0; i < n; ++i) at.push_back(sim.observations[i].at), wrong.push_back(!agrees(sim, i, real.observations[i]));
    const std::set<std::string> instances = keysOf(sim, real, &Observation::running), nodes = keysOf(sim, real, &Observation::nodes);
    const int rows = int(instances.size() + nodes.size());
    const int height = kTop + rows * (2 * kLane + kRowGap) + 30;
    const double span = n > 1 ? double(at.back().ms - at.front().ms) : 1.0;
    const double msToPx = (kPlotWidth - 40) / std::max(1.0, span);
    std::ostringstream svg;
    svg << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << kLabelWidth + kPlotWidth + 20 << "\" height=\"" << height
        << "\" font-family=\"sans-serif\">\n<rect width=\"100%\" height=\"100%\" fill=\"#fafafa\"/>\n"
        << "<text x=\"10\" y=\"20\" font-size=\"14\">" << escapeXml(scenario)
        << ": simulated (upper lane) and real (lower lane) at each check instant; red: the real run disagrees</text>\n";
    int y = kTop;
    auto rowsOf = [&](const std::set<std::string>& keys, Pick pick, const char* kind) {
        for (const std::string& k : keys) {
            std::vector<std::string> s, r;
            for (std::size_t i = 0; i < n; ++i) {
                const auto& a = sim.observations[i].*pick;
                const auto& b = real.observations[i].*pick;
                s.push_back(a.count(k) ? a.at(k) : "-");
                r.push_back(b.count(k) ? b.at(k) : "-");
            }
            svg << "<text x=\"10\" y=\"" << y + kLane + 4 << "\" font-size=\"11\">" << kind << " " << escapeXml(k) << "</text>\n";
            lane(svg, y, at, s, std::vector<bool>(n, false), msToPx);
            lane(svg, y + kLane, at, r, wrong, msToPx);
            y += 2 * kLane + kRowGap;
        }
    };
    rowsOf(instances, &Observation::running, "instance");
    rowsOf(nodes, &Observation::nodes, "node");
    for (std::size_t i = 0; i < n; ++i) {
        const double x = kLabelWidth + double(at[i].ms - at.front().ms) * msToPx;
        svg << "<text x=\"" << x << "\" y=\"" << height - 10 << "\" font-size=\"9\" transform=\"rotate(0)\">"
            << (i % 2 == 0 ? formatDuration(at[i] - Instant()) : std::string()) << "</text>\n";
    }
    svg << "</svg>\n";
    return svg.str();
}

QJsonArray storyJson(const Story& story) {
    auto object = [](const std::map<std::string, std::string>& m) {
        QJsonObject o;
        for (const auto& [k, v] : m) o.insert(QString::fromStdString(k), QString::fromStdString(v));
        return o;
    };
    QJsonArray out;
    for (const Observation& o : story.observations)
        out.append(QJsonObject{{QStringLiteral("at_ms"), double(o.at.ms)}, {QStringLiteral("running"), object(o.running)},
                               {QStringLiteral("nodes"), object(o.nodes)}, {QStringLiteral("quorum"), o.quorum}});
    return out;
}

}  // namespace kontena::fidelity
