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
#include <fstream>
#include <set>
#include <sstream>

#include "backends/docker/kontena_labels.h"
#include "client/client.h"
#include "simulator/engine/engine.h"
#include "tests/docker/dockerd_harness.h"
#include "tests/master/platform_harness.h"

namespace kontena::fidelity {

using namespace kontena::sim;
using testing::AgentProcess;
using testing::MasterProcess;
using testing::PrivateDockerd;

template <class... Ts>
struct Overloaded : Ts... {
    using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

bool etcdStory(const Scenario& s) {
    return std::any_of(s.events.begin(), s.events.end(), [](const sim::Event& e) {
        return std::holds_alternative<EtcdMemberFail>(e.action) || std::holds_alternative<EtcdMemberRecover>(e.action);
    });
}

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

Observation observe(Instant at, const ClusterState& st, const std::map<InstanceKey, int>& runningOnline, bool etcd) {
    Observation o;
    o.at = at;
    for (const auto& [key, count] : runningOnline) {
        const Instance* inst = st.instance(key.service, key.number);
        if (count > 0 && inst && inst->node) o.running[key.service + "-" + std::to_string(key.number)] = *inst->node;
    }
    for (const auto& [name, node] : st.nodes) o.nodes[name] = toString(node.status());
    if (etcd) o.quorum = st.quorum;
    return o;
}

}  // namespace

Story simulatedStory(const Scenario& scaled, std::uint64_t seed, Duration tolerance) {
    const std::vector<Instant> times = observationTimes(scaled);
    Story story;
    std::vector<Observation> all;   // every instant's state, for `nearby`
    std::size_t next = 0;
    Observation last;
    const bool etcd = etcdStory(scaled);
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
        last = observe(now, st, running, etcd);
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
        if (a == "partition" || a == "heal" || a == "instance_unhealthy" || a == "instance_healthy") {
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

struct RealNode {
    ScenarioNode spec;
    std::unique_ptr<PrivateDockerd> dockerd;
    std::unique_ptr<AgentProcess> agent;
    bool stopped = false;   // SIGSTOP (unresponsive)
};

class RealGrid {
public:
    RealGrid(const Scenario& s, double timeScale, QString dir) : sc_(s), scale_(timeScale), dir_(std::move(dir)), etcd_(etcdStory(s)) {}
    // A frozen member would not get its SIGTERM when its agent dies.
    ~RealGrid() {
        for (const std::string& n : frozen_) (void)etcdSignal(n, SIGCONT);
    }

    bool setUp(std::vector<std::string>& notes);
    // Carries out event `e`; the platform's refusal message, or "" when accepted.
    std::optional<std::string> apply(const sim::Event& e, std::vector<std::string>& notes);
    Observation observe(Instant at);
    bool connect(const std::string& node);

private:
    bool startDockerd(RealNode& n, std::vector<std::string>& notes);
    bool etcdQuorum();
    std::optional<std::string> etcdSignal(const std::string& node, int sig);
    std::optional<std::string> answer(const client::ApiResult& r) {
        if (r.ok()) return std::nullopt;
        return r.error ? r.error->message.toStdString() : std::string("failed");
    }
    std::optional<std::string> stackInstall(const std::string& stack, const StackSource& src,
                                            const std::map<std::string, std::string>& vars, bool upgrade);
    std::optional<std::string> nodeLabels(const NodeLabel& x);
    std::optional<std::string> crash(const InstanceRef& i);
    RealNode* node(const std::string& name) {
        auto it = nodes_.find(name);
        return it == nodes_.end() ? nullptr : &it->second;
    }
    QString grid() const { return q(sc_.grid.name); }

    const Scenario& sc_;
    double scale_;
    QString dir_;
    std::unique_ptr<MasterProcess> master_;
    std::unique_ptr<client::ApiClient> api_;
    QString token_;
    std::map<std::string, RealNode> nodes_;
    std::set<std::string> installed_;
    QSet<QString> images_;
    bool etcd_ = false;                // an etcd story: agents run real members
    std::set<std::string> frozen_;     // nodes whose member is SIGSTOPped
};

// What the master reports of the grid's etcd (from its agents' members).
bool RealGrid::etcdQuorum() {
    const auto r = api_->get(QStringLiteral("/v1/grids/%1").arg(grid()));
    return r.ok() && r.object().value(QStringLiteral("etcd")).toObject().value(QStringLiteral("quorum")).toBool();
}

// SIGSTOP / SIGCONT to the node's etcd member (the agent's child `etcd`).
std::optional<std::string> RealGrid::etcdSignal(const std::string& name, int sig) {
    RealNode* n = node(name);
    const qint64 pid = n && n->agent ? testing::childProcessPid(n->agent->pid(), QStringLiteral("etcd")) : 0;
    if (pid <= 0) return name + " runs no etcd member";
    ::kill(static_cast<pid_t>(pid), sig);
    if (sig == SIGSTOP) frozen_.insert(name);
    else frozen_.erase(name);
    return std::nullopt;
}

bool RealGrid::startDockerd(RealNode& n, std::vector<std::string>& notes) {
    n.dockerd = std::make_unique<PrivateDockerd>();
    if (auto r = n.dockerd->start(); !r) {
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
    master_ = std::make_unique<MasterProcess>(dir_ + QStringLiteral("/master"), QStringList{QStringLiteral("--time-scale"), QString::number(scale_), QStringLiteral("--rehearsal-seed"), QString::number(sc_.seed)});
    if (!master_->start(QStringLiteral("fidelity-code"))) {
        notes.push_back("the master did not start: " + master_->log().right(2000).toStdString());
        return false;
    }
    client::ApiClient anon(master_->url(), QString());
    const auto auth = anon.post(QStringLiteral("/v1/auth"), QJsonObject{{QStringLiteral("code"), QStringLiteral("fidelity-code")}});
    if (!auth.ok()) return notes.push_back("cannot log in to the master"), false;
    api_ = std::make_unique<client::ApiClient>(master_->url(), auth.object().value(QStringLiteral("access_token")).toString());
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
        if (!startDockerd(rn, notes)) return false;
    }
    // Nodes there from the start connect in order (their node numbers).
    std::vector<ScenarioNode> first = sc_.nodes;
    std::stable_sort(first.begin(), first.end(), [](const auto& a, const auto& b) { return a.connectAt < b.connectAt; });
    for (const ScenarioNode& n : first) {
        if (n.connectAt.ms == 0 && !connect(n.name)) return notes.push_back(n.name + ": the agent did not come online"), false;
    }
    // The initial nodes' members form their cluster before the story starts:
    // the master's quorum held for 3 s (a node's first report may still say
    // its member is starting; until then the master counts it as healthy).
    if (etcd_) {
        QElapsedTimer held;
        const bool formed = testing::eventually([&] {
            if (!etcdQuorum()) held.invalidate();
            else if (!held.isValid()) held.start();
            return held.isValid() && held.elapsed() >= 3000;
        }, 60000);
        if (!formed) return notes.push_back("etcd formed no quorum"), false;
    }
    return true;
}

// Starts the node's agent and waits until the master has it online.
bool RealGrid::connect(const std::string& name) {
    RealNode* n = node(name);
    if (!n) return false;
    if (n->agent) return true;
    n->agent = std::make_unique<AgentProcess>(q(name), grid(), n->dockerd->dockerHost(), dir_ + QStringLiteral("/agent-") + q(name) + QStringLiteral(".log"));
    QStringList labels;
    for (const auto& l : n->spec.labels) labels << q(l);
    QStringList args{QStringLiteral("--labels"), labels.join(u','), QStringLiteral("--time-scale"), QString::number(scale_)};
    // Members on loopback addresses of this run's own (127.A.B.<node number>).
    const qint64 p = QCoreApplication::applicationPid();
    if (etcd_) args << QStringLiteral("--etcd") << QStringLiteral("on") << QStringLiteral("--etcd-address") << QStringLiteral("127.%1.%2.%n").arg(150 + p % 100).arg(p / 100 % 250 + 1);
    if (!n->agent->start(master_->wsUrl(), token_, args)) return false;
    return testing::eventually([&] {
        const auto r = api_->get(QStringLiteral("/v1/nodes/%1/%2").arg(grid(), q(name)));
        const QString status = r.object().value(QStringLiteral("status")).toString();
        return r.ok() && (status == QLatin1String("online") || status == QLatin1String("drain"));
    }, 20000);
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

// SIGKILL to the instance's container on whichever node runs it.
std::optional<std::string> RealGrid::crash(const InstanceRef& i) {
    const Observation now = observe(Instant());
    auto it = now.running.find(i.name());
    if (it == now.running.end()) return "instance " + i.name() + " is not running";
    RealNode* n = node(it->second);
    const QString name = q(i.service.stack + "." + i.service.service + "-" + std::to_string(i.number));
    auto r = testing::runTool(QStringLiteral("docker"), {QStringLiteral("-H"), n->dockerd->dockerHost(), QStringLiteral("kill"), name});
    if (!r) return "docker kill " + name.toStdString() + ": " + r.error().message.toStdString();
    return std::nullopt;
}

std::optional<std::string> RealGrid::apply(const sim::Event& e, std::vector<std::string>& notes) {
    const QString g = grid();
    auto service = [&](const ServiceRef& s, const char* verb) {
        return answer(api_->post(QStringLiteral("/v1/services/%1/%2/%3/%4").arg(g, q(s.stack), q(s.service), QLatin1String(verb))));
    };
    auto nodeUpdate = [&](const std::string& n, QJsonObject body) { return answer(api_->put(QStringLiteral("/v1/nodes/%1/%2").arg(g, q(n)), body)); };
    auto signal = [&](const std::string& n, int sig) -> std::optional<std::string> {
        RealNode* rn = node(n);
        if (rn && rn->agent) ::kill(static_cast<pid_t>(rn->agent->pid()), sig);
        return std::nullopt;
    };
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
                if (!connect(x.node)) notes.push_back(x.node + ": the agent did not come online");
                return std::nullopt;
            },
            [&](const NodeDisconnect& x) -> std::optional<std::string> {
                if (RealNode* n = node(x.node)) n->agent.reset();   // SIGKILL: its connection closes, containers stay
                return std::nullopt;
            },
            [&](const NodeUnresponsive& x) { return signal(x.node, SIGSTOP); },
            [&](const NodeResponsive& x) { return signal(x.node, SIGCONT); },
            [&](const NodeDrain& x) { return nodeUpdate(x.node, {{QStringLiteral("availability"), QStringLiteral("drain")}}); },
            [&](const NodeActivate& x) { return nodeUpdate(x.node, {{QStringLiteral("availability"), QStringLiteral("active")}}); },
            [&](const NodeRemove& x) { return answer(api_->del(QStringLiteral("/v1/nodes/%1/%2").arg(g, q(x.node)))); },
            [&](const NodeAdd& x) -> std::optional<std::string> {
                for (const ScenarioNode& n : x.nodes)
                    if (!connect(n.name)) notes.push_back(n.name + ": the agent did not come online");
                return std::nullopt;
            },
            [&](const NodeLabel& x) { return nodeLabels(x); },
            [&](const InstanceCrash& x) { return crash(x.instance); },
            [&](const EtcdMemberFail& x) -> std::optional<std::string> {
                if (auto why = etcdSignal(x.node, SIGSTOP)) notes.push_back("event " + std::to_string(e.index) + ": " + *why);
                return std::nullopt;
            },
            [&](const EtcdMemberRecover& x) -> std::optional<std::string> {
                if (auto why = etcdSignal(x.node, SIGCONT)) notes.push_back("event " + std::to_string(e.index) + ": " + *why);
                return std::nullopt;
            },
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
    for (const auto& v : nodes) {
        const QJsonObject n = v.toObject();
        o.nodes[n.value(QStringLiteral("name")).toString().toStdString()] = n.value(QStringLiteral("status")).toString().toStdString();
    }
    if (etcd_) o.quorum = etcdQuorum();
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
    RealGrid grid(scaled, timeScale, workDir);
    if (!grid.setUp(story.notes)) return story;
    // Events and observations in time order; at equal times events first
    // (the simulator observes the end of an instant).
    struct Item { Instant at; const sim::Event* event; std::size_t obs; };
    std::vector<Item> items;
    for (const sim::Event& e : scaled.events) items.push_back({e.at, &e, 0});
    for (const ScenarioNode& n : scaled.nodes)
        if (n.connectAt.ms > 0) story.notes.push_back(n.name + ": connect_at > 0 is not carried out yet");
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
        const auto yesNo = [](std::optional<bool> q) { return q ? (*q ? "yes" : "no") : "-"; };
        if (sim.observations[i].quorum != real.observations[i].quorum)
            out << "at " << formatDuration(sim.observations[i].at - Instant()) << " quorum: simulated " << yesNo(sim.observations[i].quorum)
                << " | real " << yesNo(real.observations[i].quorum) << "\n";
        side("instance", sim.observations[i].running, real.observations[i].running, sim.observations[i].at);
        side("node", sim.observations[i].nodes, real.observations[i].nodes, sim.observations[i].at);
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
