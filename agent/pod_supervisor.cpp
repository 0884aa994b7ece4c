#include "agent/pod_supervisor.h"

#include <QDateTime>
#include <QLoggingCategory>
#include <QPointer>
#include <QTcpSocket>
#include <QTimer>

Q_LOGGING_CATEGORY(lcPods, "kontena.agent.pods")

namespace kontena::agentd {

namespace {

Instant now() { return Instant(QDateTime::currentMSecsSinceEpoch()); }
QString q(const std::string& s) { return QString::fromStdString(s); }

InstanceDesc descOf(const protocol::PodSpec& p) {
    InstanceDesc d;
    d.spec = p.spec;
    d.instanceNumber = p.instanceNumber;
    d.deployRev = p.deployRev;
    d.serviceRevision = p.serviceRevision;
    return d;
}

}  // namespace

struct PodSupervisor::Job {
    enum Kind { Ensure, Start, Stop, Remove } kind = Start;
    InstanceRef key;
    QString name;
    InstanceDesc desc;      // Ensure
    QString secretError;    // Ensure: the secrets could not be had; not run
    bool replaces = false;  // Ensure: a container of the instance exists (re-create)
    std::vector<Hook> preStop;   // Ensure replacing, Stop, Remove: run in the old container first
    DesiredState desired = DesiredState::Running;
    Duration grace;
    bool removeData = false;
};

struct PodSupervisor::JobResult {
    InstanceRef key;
    QString error;
    std::vector<protocol::PodEvent> events;          // hooks that ran or failed
    std::vector<protocol::OneshotHookDone> oneshots;  // oneshot hooks that ran
};

// The agent's side of agent::Runtime: each op becomes a job for the worker
// thread (reports go out at once).
class PodSupervisor::JobPlanner final : public agent::Runtime {
public:
    explicit JobPlanner(PodSupervisor& s) : s_(s) {}
    std::vector<Job> jobs;

    void create(const agent::op::Create& o) override {
        Job& j = add(Job::Ensure, {o.service, o.number});
        j.desc = descOf(s_.pods_.at(j.key));
        j.replaces = s_.containers_.count(j.key) > 0;
        if (j.replaces) j.preStop = s_.preStopHooks(j.key);
        j.desired = o.start ? DesiredState::Running : DesiredState::Stopped;
    }
    void start(const agent::op::Start& o) override { add(Job::Start, {o.service, o.number}); }
    void stop(const agent::op::Stop& o) override { add(Job::Stop, {o.service, o.number}); }
    void remove(const agent::op::Remove& o) override { add(Job::Remove, {o.service, o.number}).removeData = o.removeData; }
    void report(const agent::op::Report& r) override { s_.applyReport(r); }

private:
    Job& add(Job::Kind kind, const InstanceRef& key) {
        Job& j = jobs.emplace_back();
        j.kind = kind;
        j.key = key;
        j.name = s_.nameOf(key);
        j.grace = s_.graceOf(key);
        if (kind == Job::Stop || kind == Job::Remove) {
            j.preStop = s_.preStopHooks(key);
            s_.stopping(key);
        }
        s_.busy_.insert(key);
        return j;
    }
    PodSupervisor& s_;
};

PodSupervisor::PodSupervisor(std::shared_ptr<NodeRuntime> runtime, GridSettings settings, QObject* parent)
    : QObject(parent), runtime_(std::move(runtime)), settings_(settings) {
    worker_.setMaxThreadCount(1);
    worker_.setExpiryTimeout(-1);
}

PodSupervisor::~PodSupervisor() { worker_.waitForDone(); }

template <typename Work, typename Done>
void PodSupervisor::onWorker(Work work, Done done) {
    QPointer<PodSupervisor> self(this);
    worker_.start([self, work = std::move(work), done = std::move(done)]() mutable {
        auto result = work();
        if (!self) return;
        QMetaObject::invokeMethod(self.data(), [done = std::move(done), result = std::move(result)]() mutable { done(result); },
                                  Qt::QueuedConnection);
    });
}

void PodSupervisor::rediscover() {
    if (passRunning_) return;
    passRunning_ = true;
    auto rt = runtime_;
    onWorker([rt] { return rt->listOwned(); }, [this](const RuntimeResult<std::vector<OwnedContainer>>& listed) {
        if (listed) merge(listed.value());
        else emit runtimeError(q(listed.error().message));
        finishPass(0);
    });
}

void PodSupervisor::sync(const QList<protocol::PodSpec>& pods, bool etcdQuorum) {
    pods_.clear();
    for (const auto& p : pods) {
        pods_[{p.spec.key(), p.instanceNumber}] = p;
        specs_[{p.spec.key(), p.instanceNumber}] = p.spec;
    }
    ipamAvailable_ = etcdQuorum;
    havePods_ = true;
    runPass();
}

void PodSupervisor::resync() {
    if (havePods_) runPass();
    else rediscover();
}

void PodSupervisor::runPass() {
    if (passRunning_) {
        passAgain_ = true;
        return;
    }
    passRunning_ = true;
    auto rt = runtime_;
    onWorker([rt] { return rt->listOwned(); },
             [this](const RuntimeResult<std::vector<OwnedContainer>>& listed) { afterList(listed, false, 0); });
}

void PodSupervisor::afterList(const RuntimeResult<std::vector<OwnedContainer>>& listed, bool reportOnly, int doneOps) {
    if (!listed) {
        emit runtimeError(QStringLiteral("cannot list containers: ") + q(listed.error().message));
        finishPass(doneOps);
        return;
    }
    merge(listed.value());
    if (!havePods_) {
        finishPass(doneOps);
        return;
    }
    JobPlanner planner(*this);
    const std::vector<agent::Op> ops = agent::reconcile(stepPods(), stepContainers(), ipamAvailable_);
    if (reportOnly) agent::reportChanges(ops, planner);
    else agent::execute(ops, planner);
    std::vector<Job> jobs = std::move(planner.jobs);
    if (jobs.empty()) {
        finishPass(doneOps);
        return;
    }
    const int count = int(jobs.size());
    withSecrets(std::move(jobs), [this, count](std::vector<Job> ready) {
        auto rt = runtime_;
        onWorker(
            [rt, jobs = std::move(ready)] { return runJobs(*rt, jobs); },
            [this, count](const std::vector<JobResult>& results) {
                afterJobs(results);
                auto rt2 = runtime_;
                // Containers that just changed report on a second look (as the simulated node does).
                onWorker([rt2] { return rt2->listOwned(); }, [this, count](const RuntimeResult<std::vector<OwnedContainer>>& again) {
                    afterList(again, true, count);
                });
            });
    });
}

void PodSupervisor::withSecrets(std::vector<Job> jobs, std::function<void(std::vector<Job>)> then) {
    struct Pending {
        std::vector<Job> jobs;
        int waiting = 0;
        std::function<void(std::vector<Job>)> then;
    };
    auto pending = std::make_shared<Pending>(Pending{std::move(jobs), 0, std::move(then)});
    std::vector<std::size_t> asking;
    for (std::size_t i = 0; i < pending->jobs.size(); ++i) {
        const Job& j = pending->jobs[i];
        const bool needs = !j.desc.spec.secrets.empty() || !j.desc.spec.certificates.empty() ||
                           !protocol::registryHost(q(j.desc.spec.image)).isEmpty();
        if (j.kind == Job::Ensure && needs) asking.push_back(i);
    }
    pending->waiting = int(asking.size());
    if (asking.empty()) {
        pending->then(std::move(pending->jobs));
        return;
    }
    QPointer<PodSupervisor> self(this);
    for (std::size_t i : asking) {
        Job& j = pending->jobs[i];
        if (!secretSource_) {
            j.secretError = QStringLiteral("no master to ask for the secrets of ") + nameOf(j.key);
            if (--pending->waiting == 0) pending->then(std::move(pending->jobs));
            continue;
        }
        secretSource_(protocol::PodSecretsRequest{q(j.key.first), j.key.second}, [self, pending, i](const QString& error, const protocol::PodSecrets& answer) {
            Job& job = pending->jobs[i];
            if (!error.isEmpty()) job.secretError = error;
            for (const QString& e : answer.env) job.desc.secretEnv.push_back(e.toStdString());
            job.desc.registryAuth = answer.registryAuth.toStdString();
            if (--pending->waiting == 0 && self) pending->then(std::move(pending->jobs));
        });
    }
}

namespace {

// Runs `hooks` of an instance (`inside` a container, else each in a
// throw-away container of `desc`), noting each in `r`; false at the first
// failure of a hook that must succeed (pre_start).
template <typename Run>
bool runHooks(const std::vector<Hook>& hooks, const InstanceRef& key, Run run, bool mustSucceed, std::vector<protocol::PodEvent>& events,
              std::vector<protocol::OneshotHookDone>& oneshots, std::string& error) {
    for (const Hook& h : hooks) {
        const RuntimeResult<CommandOutcome> r = run(agent::hookCommand(h));
        const bool ok = r && r.value().exitCode == 0;
        const std::string message = !r ? agent::hookFailureMessage(h, -1, r.error().message)
                                       : ok ? h.kind + " hook " + (h.name.empty() ? h.cmd : h.name) + " ran"
                                            : agent::hookFailureMessage(h, r.value().exitCode, r.value().output);
        events.push_back(protocol::PodEvent{q(key.first), key.second, ok ? QStringLiteral("hook") : QStringLiteral("hook_failed"), q(message)});
        if (ok && h.oneshot) oneshots.push_back(protocol::OneshotHookDone{q(key.first), key.second, q(h.kind), q(h.name)});
        if (!ok) qCWarning(lcPods).noquote() << q(key.first) << key.second << q(message);
        if (!ok && mustSucceed) {
            error = message;
            return false;
        }
    }
    return true;
}

}  // namespace

// pre_stop in the old container, pre_start (a failure stops here), the
// container made and started, post_start (reference 6.5).
void PodSupervisor::runEnsure(NodeRuntime& rt, const Job& j, JobResult& out) {
    std::string error;
    const std::string name = j.name.toStdString();
    auto inside = [&](const std::vector<std::string>& cmd) { return rt.exec(name, cmd); };
    auto throwAway = [&](const std::vector<std::string>& cmd) { return rt.runOnce(j.desc, cmd); };
    if (j.replaces) runHooks(j.preStop, j.key, inside, false, out.events, out.oneshots, error);
    const int n = j.desc.instanceNumber;
    if (!runHooks(agent::hooksFor(j.desc.spec, "pre_start", n), j.key, throwAway, true, out.events, out.oneshots, error)) {
        out.error = q(error);
        return;
    }
    const auto r = rt.ensure(j.desc, j.desired);
    if (!r) {
        out.error = q(r.error().message.empty() ? "runtime error " + std::to_string(r.error().code) : r.error().message);
        return;
    }
    if ((r.value().created || r.value().recreated) && j.desired == DesiredState::Running)
        runHooks(agent::hooksFor(j.desc.spec, "post_start", n), j.key, inside, false, out.events, out.oneshots, error);
}

std::vector<PodSupervisor::JobResult> PodSupervisor::runJobs(NodeRuntime& rt, const std::vector<Job>& jobs) {
    std::vector<JobResult> results;
    for (const Job& j : jobs) {
        JobResult& out = results.emplace_back(JobResult{j.key, {}, {}, {}});
        std::string error, ignored;
        auto fail = [&](const RuntimeError& e) { error = e.message.empty() ? "runtime error " + std::to_string(e.code) : e.message; };
        const std::string name = j.name.toStdString();
        auto inside = [&](const std::vector<std::string>& cmd) { return rt.exec(name, cmd); };
        switch (j.kind) {
        case Job::Ensure:
            if (!j.secretError.isEmpty()) error = j.secretError.toStdString();
            else runEnsure(rt, j, out);
            break;
        case Job::Start:
            if (auto r = rt.start(name); !r) fail(r.error());
            break;
        case Job::Stop:
            runHooks(j.preStop, j.key, inside, false, out.events, out.oneshots, ignored);
            if (auto r = rt.stop(name, j.grace); !r) fail(r.error());
            break;
        case Job::Remove:
            runHooks(j.preStop, j.key, inside, false, out.events, out.oneshots, ignored);
            if (auto r = rt.remove(name, j.grace, j.removeData); !r) fail(r.error());
            break;
        }
        if (!error.empty()) out.error = q(error);
    }
    return results;
}

std::vector<Hook> PodSupervisor::preStopHooks(const InstanceRef& key) const {
    const auto it = specs_.find(key);
    // Only a container that runs can run a command.
    const auto c = containers_.find(key);
    if (it == specs_.end() || c == containers_.end() || !agent::isUp(c->second)) return {};
    return agent::hooksFor(it->second, "pre_stop", key.second);
}

void PodSupervisor::stopping(const InstanceRef& key) {
    portWaiting_.erase(key);
    // Ours, not a crash: the die event this causes is ignored.
    if (auto it = containers_.find(key); it != containers_.end()) agent::onStopping(it->second);
    emit containerGone(nameOf(key));
}

void PodSupervisor::afterJobs(const std::vector<JobResult>& results) {
    for (const JobResult& r : results) {
        busy_.erase(r.key);
        for (const auto& e : r.events) emit podEvent(e);
        for (const auto& o : r.oneshots) emit oneshotHookDone(o);
        if (r.error.isEmpty()) {
            lastError_.erase(r.key);
            continue;
        }
        qCWarning(lcPods).noquote() << nameOf(r.key) << r.error;
        emit runtimeError(nameOf(r.key) + QStringLiteral(": ") + r.error);
        reportError(r.key, r.error);
    }
}

void PodSupervisor::finishPass(int runtimeOps) {
    passRunning_ = false;
    emit passFinished(runtimeOps);
    if (passAgain_) {
        passAgain_ = false;
        runPass();
    }
}

void PodSupervisor::merge(const std::vector<OwnedContainer>& owned) {
    std::set<InstanceRef> seen;
    std::vector<InstanceRef> cameUp, crashed;
    for (const OwnedContainer& o : owned) {
        if (o.role != ContainerRole::Service) continue;
        const InstanceRef key{o.serviceId, o.instanceNumber};
        seen.insert(key);
        const QString id = q(o.id);
        const bool newRun = ids_[key] != id;
        names_[key] = q(o.name);
        ids_[key] = id;
        agent::Container& c = containers_.try_emplace(key, agent::discovered(o.serviceId, o.instanceNumber)).first->second;
        c.deployRev = o.deployRev;
        c.serviceRevision = o.serviceRevision;
        if (busy_.count(key)) continue;   // in flux: the call's own result tells
        switch (agent::onListed(c, o.state == ObservedState::Running, newRun)) {
        case agent::Seen::CameUp: cameUp.push_back(key); break;
        case agent::Seen::Crashed: crashed.push_back(key); break;
        case agent::Seen::Nothing: break;
        }
    }
    forgetUnlisted(seen);
    for (const InstanceRef& key : cameUp) becameRunning(key);
    for (const InstanceRef& key : crashed) noteCrash(key);
}

void PodSupervisor::forgetUnlisted(const std::set<InstanceRef>& seen) {
    for (auto it = containers_.begin(); it != containers_.end();) {
        if (seen.count(it->first) || busy_.count(it->first)) {
            ++it;
            continue;
        }
        if (it->second.state == agent::ContainerState::Running) emit containerGone(nameOf(it->first));
        names_.erase(it->first);
        ids_.erase(it->first);
        if (!pods_.count(it->first)) specs_.erase(it->first);
        portWaiting_.erase(it->first);
        it = containers_.erase(it);
    }
}

void PodSupervisor::becameRunning(const InstanceRef& key) {
    auto pod = pods_.find(key);
    const bool waitForPort = pod != pods_.end() && pod->second.spec.deploy.waitForPort && addressOf_;
    agent::Container& c = containers_.at(key);
    if (agent::onUp(c, now(), waitForPort, Duration::millis(portWaitMax_.count())) == agent::Up::Running) {
        portWaiting_.erase(key);
        announceRunning(key);
        return;
    }
    const QString id = ids_[key];
    portWaiting_[key] = id;
    const int port = *pod->second.spec.deploy.waitForPort;
    auto lookup = addressOf_;
    const QString name = nameOf(key);
    onWorker([lookup, name] { return lookup(name); },
             [this, key, id, port](const QString& address) { probePort(key, id, address, port); });
}

bool PodSupervisor::probing(const InstanceRef& key, const QString& id) const {
    auto w = portWaiting_.find(key);
    return w != portWaiting_.end() && w->second == id && containers_.count(key);
}

void PodSupervisor::probePort(const InstanceRef& key, const QString& id, const QString& address, int port) {
    if (!probing(key, id)) return;   // re-created, stopped or crashed meanwhile
    auto* socket = new QTcpSocket(this);
    auto* deadline = new QTimer(socket);
    deadline->setSingleShot(true);
    auto finish = [this, socket, deadline, key, id, address, port](bool open, bool abort) {
        deadline->stop();
        socket->disconnect();
        if (abort) socket->abort();
        socket->deleteLater();
        portProbed(key, id, address, port, open);
    };
    connect(socket, &QTcpSocket::connected, this, [finish] { finish(true, true); });
    connect(socket, &QTcpSocket::errorOccurred, this, [finish](QAbstractSocket::SocketError) { finish(false, false); });
    connect(deadline, &QTimer::timeout, this, [finish] { finish(false, true); });
    deadline->start(std::min<std::chrono::milliseconds>(portProbeEvery_, std::chrono::milliseconds(1000)));
    socket->connectToHost(address, quint16(port));
}

void PodSupervisor::portProbed(const InstanceRef& key, const QString& id, const QString& address, int port, bool open) {
    if (!probing(key, id)) return;
    switch (agent::onPortProbe(containers_.at(key), now(), open)) {
    case agent::Probe::Stale:
        return;
    case agent::Probe::Retry:
        QTimer::singleShot(portProbeEvery_, this, [this, key, id, address, port] { probePort(key, id, address, port); });
        return;
    case agent::Probe::TimedOut:
        qCWarning(lcPods).noquote() << nameOf(key) << "wait_for_port: the port did not open in time";
        reportError(key, q(agent::waitForPortTimeoutMessage()));
        break;
    case agent::Probe::Open:
        break;
    }
    portWaiting_.erase(key);
    announceRunning(key);
    reportFromStep();
}

void PodSupervisor::announceRunning(const InstanceRef& key) {
    const QString name = nameOf(key);
    const QString id = ids_[key];
    if (!addressOf_) {
        emit containerRunning(name, id, QString());
        return;
    }
    auto lookup = addressOf_;
    onWorker([lookup, name] { return lookup(name); },
             [this, name, id](const QString& address) { emit containerRunning(name, id, address); });
}

void PodSupervisor::containerDied(const std::string& serviceId, int number, qint64 atMs) {
    const InstanceRef key{serviceId, number};
    auto it = containers_.find(key);
    if (it == containers_.end() || busy_.count(key)) return;
    const std::optional<Instant> at = atMs > 0 ? std::optional<Instant>(Instant(atMs)) : std::nullopt;
    if (agent::isCrash(it->second, at)) noteCrash(key);
}

void PodSupervisor::noteCrash(const InstanceRef& key) {
    portWaiting_.erase(key);
    agent::Container& c = containers_.at(key);
    const QString name = nameOf(key);
    emit containerGone(name);
    auto pod = pods_.find(key);
    const bool wantRunning = pod != pods_.end() && pod->second.desired == DesiredState::Running;
    const std::optional<Duration> delay = agent::onExit(c, wantRunning, now(), settings_);
    if (!delay) return;
    qCInfo(lcPods).noquote() << QStringLiteral("%1 exited, restarting (delay: %2 s)").arg(name).arg(delay->ms / 1000.0);
    emit crashDetected(name, delay->ms, c.consecutiveCrashes);
    const Instant due = *c.restartAt;
    QTimer::singleShot(std::chrono::milliseconds(delay->ms), this, [this, key, due] { crashRestartDue(key, due); });
    reportFromStep();
}

void PodSupervisor::crashRestartDue(const InstanceRef& key, Instant due) {
    auto it = containers_.find(key);
    if (it == containers_.end() || !agent::restartDue(it->second, due) || busy_.count(key)) return;
    busy_.insert(key);
    const std::string name = nameOf(key).toStdString();
    auto rt = runtime_;
    onWorker([rt, name] { return rt->start(name); }, [this, key](const RuntimeStatus& started) {
        busy_.erase(key);
        auto it2 = containers_.find(key);
        if (it2 == containers_.end()) return;
        if (!started) {
            emit runtimeError(nameOf(key) + QStringLiteral(": crash restart failed: ") + q(started.error().message));
            agent::onStartFailed(it2->second);
            return;
        }
        emit restarted(nameOf(key), QStringLiteral("crash"));
        becameRunning(key);
        reportFromStep();
    });
}

void PodSupervisor::restartUnhealthy(const QString& containerName) {
    for (auto& [key, c] : containers_) {
        if (nameOf(key) != containerName) continue;
        if (busy_.count(key) || !agent::restartsWhenUnhealthy(c)) return;   // re-created or restarted meanwhile
        qCInfo(lcPods).noquote() << QStringLiteral("restarting %1 because it's reported as unhealthy").arg(containerName);
        busy_.insert(key);
        const InstanceRef k = key;
        const Duration grace = graceOf(key);
        auto rt = runtime_;
        const std::string name = containerName.toStdString();
        onWorker([rt, name, grace] { return rt->restart(name, grace); }, [this, k](const RuntimeStatus& done) {
            busy_.erase(k);
            if (!containers_.count(k)) return;
            if (!done) {
                emit runtimeError(nameOf(k) + QStringLiteral(": restart failed: ") + q(done.error().message));
                return;
            }
            emit restarted(nameOf(k), QStringLiteral("unhealthy"));
            becameRunning(k);
        });
        return;
    }
}

std::vector<agent::Pod> PodSupervisor::stepPods() const {
    std::vector<agent::Pod> pods;
    for (const auto& [key, p] : pods_) pods.push_back(protocol::toAgentPod(p));
    return pods;
}

std::vector<agent::Container> PodSupervisor::stepContainers() const {
    std::vector<agent::Container> out;
    for (const auto& [key, c] : containers_) out.push_back(c);
    return out;
}

void PodSupervisor::reportFromStep() {
    if (!havePods_) return;
    for (const auto& op : agent::reconcile(stepPods(), stepContainers(), ipamAvailable_))
        if (const auto* r = std::get_if<agent::op::Report>(&op)) applyReport(*r);
}

void PodSupervisor::applyReport(const agent::op::Report& r) {
    const protocol::PodState st{q(r.service), r.number, r.rev, r.serviceRevision, r.state, q(r.error)};
    if (!reporter_ || !reporter_(st)) return;
    auto it = containers_.find({r.service, r.number});
    if (it == containers_.end()) return;
    it->second.reportedRev = r.rev;
    it->second.reportedState = r.state;
}

void PodSupervisor::reportError(const InstanceRef& key, const QString& error) {
    auto pod = pods_.find(key);
    if (pod == pods_.end()) return;
    const auto report = agent::errorReport(protocol::toAgentPod(pod->second), error.toStdString(), lastError_[key]);
    if (!report) return;
    const protocol::PodState st{q(report->service), report->number, report->rev, report->serviceRevision, report->state, error};
    if (reporter_ && reporter_(st)) lastError_[key] = report->error;
}

QString PodSupervisor::nameOf(const InstanceRef& key) const {
    if (auto it = names_.find(key); it != names_.end()) return it->second;
    if (auto it = pods_.find(key); it != pods_.end()) return q(containerName(it->second.spec, key.second));
    return q(key.first) + QLatin1Char('-') + QString::number(key.second);
}

Duration PodSupervisor::graceOf(const InstanceRef& key) const {
    if (auto it = pods_.find(key); it != pods_.end()) return it->second.spec.stopGracePeriod;
    return Duration::seconds(10);
}

std::optional<protocol::PodSpec> PodSupervisor::podFor(const QString& containerName) const {
    for (const auto& [key, p] : pods_)
        if (nameOf(key) == containerName) return p;
    return std::nullopt;
}

}  // namespace kontena::agentd
