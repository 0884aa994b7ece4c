#include "agent/lb_supervisor.h"

#include <QLoggingCategory>
#include <QPointer>

Q_LOGGING_CATEGORY(lcLbSup, "kontena.agent.lb")

namespace kontena::agentd {

namespace {
QString q(const std::string& s) { return QString::fromStdString(s); }
}  // namespace

LbSupervisor::LbSupervisor(std::shared_ptr<LbRuntime> runtime, QString nodeName, QObject* parent)
    : QObject(parent), runtime_(std::move(runtime)), nodeName_(std::move(nodeName)) {
    worker_.setMaxThreadCount(1);
    worker_.setExpiryTimeout(-1);
    connect(&poll_, &QTimer::timeout, this, &LbSupervisor::poll);
}

LbSupervisor::~LbSupervisor() { worker_.waitForDone(); }

void LbSupervisor::start(std::chrono::milliseconds interval) {
    poll_.start(interval);
    poll();
}

void LbSupervisor::containerRunning(const QString& name, const QString& serviceKey, const QString& address) {
    local_[name] = Local{serviceKey, address, true, false};
    scheduleUpdate();
}

void LbSupervisor::containerGone(const QString& name) {
    auto it = local_.find(name);
    if (it == local_.end() || !it->second.running) return;
    it->second.running = false;
    scheduleUpdate();
}

void LbSupervisor::healthChecked(const QString& name, bool healthy) {
    auto it = local_.find(name);
    if (it == local_.end() || it->second.unhealthy == !healthy) return;
    it->second.unhealthy = !healthy;
    scheduleUpdate();
}

const std::vector<lb::LinkedService>* LbSupervisor::lastLinked(const std::string& lbName) const {
    auto it = applied_.find(lbName);
    return it == applied_.end() ? nullptr : &it->second;
}

// Asks the master about each running LB of this node; notices an HAProxy
// that exited by itself.
void LbSupervisor::poll() {
    std::set<std::string> running;
    bool exited = false;
    for (const auto& lb : runtime_->loadBalancers()) {
        if (lb.running) running.insert(lb.name);
        else exited = exited || running_.count(lb.name);
        if (!lb.running || !source_) continue;
        QPointer<LbSupervisor> self(this);
        const std::string name = lb.name;
        source_(protocol::LbBackendsRequest{q(lb.serviceId), lb.instanceNumber}, [self, name](const QString& error, const protocol::LbBackends& answer) {
            if (!self) return;
            if (!error.isEmpty()) {
                qCWarning(lcLbSup).noquote() << q(name) << "cannot get its backends from the master:" << error;
                return;
            }
            self->noteSecrets(answer);
            self->answers_[name] = answer;
            self->scheduleUpdate();
        });
    }
    std::erase_if(answers_, [&](const auto& a) { return !running.count(a.first); });
    running_ = std::move(running);
    if (exited) emit loadBalancerExited();
}

// Several changes in one turn of the event loop make one update.
void LbSupervisor::scheduleUpdate() {
    if (scheduled_) return;
    scheduled_ = true;
    QTimer::singleShot(0, this, [this] {
        scheduled_ = false;
        runUpdate();
    });
}

std::vector<lb::LinkedService> LbSupervisor::linkedFor(const protocol::LbBackends& answer) const {
    std::vector<lb::LinkedService> out;
    for (const protocol::LbLinkedService& s : answer.services) {
        lb::LinkedService l;
        l.stack = s.spec.stack;
        l.name = s.spec.name;
        l.env = s.spec.env;
        for (const QString& e : s.secretEnv) l.env.push_back(e.toStdString());   // after the plain env: the vault's value wins
        l.secretsWithheld = !s.secretError.isEmpty();
        l.healthCheck = s.spec.healthCheck;
        const QString key = q(s.spec.key());
        // This node's containers, with the agent's own (newer) facts.
        for (const auto& [name, local] : local_) {
            if (local.serviceKey == key) l.instances.push_back({name.toStdString(), local.address.toStdString(), local.running, local.unhealthy});
        }
        // Other nodes' containers on the overlay, as the master knows them.
        for (const protocol::LbBackendInstance& i : s.instances) {
            if (!remote_ || i.node.isEmpty() || i.node == nodeName_) continue;
            if (const auto mine = local_.find(i.container); mine != local_.end() && mine->second.running) continue;
            l.instances.push_back({i.container.toStdString(), i.address.toStdString(), i.state == ObservedState::Running,
                                   i.health == QLatin1String("unhealthy")});
        }
        out.push_back(std::move(l));
    }
    return out;
}

// Says once per change what is wrong with a linked service's secrets: by
// the secret's name or a count of lines, never a value.
void LbSupervisor::noteSecrets(const protocol::LbBackends& answer) {
    for (const protocol::LbLinkedService& s : answer.services) {
        QString note = s.secretError;
        for (const QString& e : s.secretEnv) {
            if (!e.startsWith(QLatin1String("KONTENA_LB_BASIC_AUTH_SECRETS="))) continue;
            int dropped = 0;
            const auto users = lb::userlistLines(e.mid(e.indexOf(QLatin1Char('=')) + 1).toStdString(), &dropped);
            if (dropped > 0) note = QStringLiteral("%1 line(s) of KONTENA_LB_BASIC_AUTH_SECRETS left out: not `user NAME password|insecure-password VALUE` nor `group NAME`").arg(dropped);
            if (users.empty()) note += QStringLiteral(" (no user left: every request gets 401)");
        }
        const QString key = q(s.spec.key());
        if (secretNotes_[key] == note) continue;
        secretNotes_[key] = note;
        if (!note.isEmpty()) qCWarning(lcLbSup).noquote() << key << "as a backend:" << note;
    }
}

void LbSupervisor::runUpdate() {
    if (updating_) {
        updateAgain_ = true;
        return;
    }
    struct Work {
        LbRuntime::LoadBalancer lb;
        std::vector<lb::LinkedService> linked;
    };
    std::vector<Work> work;
    for (const auto& lb : runtime_->loadBalancers()) {
        auto a = answers_.find(lb.name);
        if (lb.running && a != answers_.end()) work.push_back({lb, linkedFor(a->second)});
    }
    if (work.empty()) return;
    for (const Work& w : work) applied_[w.lb.name] = w.linked;
    updating_ = true;
    QPointer<LbSupervisor> self(this);
    auto runtime = runtime_;
    worker_.start([self, runtime, work = std::move(work)] {
        std::vector<Outcome> outcomes;
        for (const Work& w : work) {
            const auto r = runtime->updateBackends(w.lb.name, w.linked);
            outcomes.push_back({w.lb.name, w.lb.serviceId, w.lb.instanceNumber, r ? QString() : q(r.error().message), r && r.value().reloaded});
        }
        if (!self) return;
        QMetaObject::invokeMethod(self.data(), [self, outcomes] {
            if (self) self->afterUpdate(outcomes);
        }, Qt::QueuedConnection);
    });
}

void LbSupervisor::afterUpdate(const std::vector<Outcome>& outcomes) {
    updating_ = false;
    int applied = 0;
    for (const Outcome& o : outcomes) {
        if (o.error.isEmpty()) {
            applied += o.reloaded ? 1 : 0;
            if (o.reloaded) qCInfo(lcLbSup).noquote() << q(o.name) << "reloaded with new backends";
            lastError_.erase(o.name);
            continue;
        }
        if (lastError_[o.name] == o.error) continue;   // said once
        lastError_[o.name] = o.error;
        qCWarning(lcLbSup).noquote() << q(o.name) << "keeps its configuration:" << o.error;
        emit configRejected(protocol::PodEvent{q(o.serviceId), o.number, QStringLiteral("lb_config_invalid"),
                                               QStringLiteral("load balancer kept its configuration: ") + o.error});
    }
    emit updated(applied);
    if (updateAgain_) {
        updateAgain_ = false;
        runUpdate();
    }
}

}  // namespace kontena::agentd
