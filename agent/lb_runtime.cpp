#include "agent/lb_runtime.h"

#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QLoggingCategory>

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

#include "protocol/pod_spec.h"

Q_LOGGING_CATEGORY(lcLb, "kontena.agent.lb")

namespace kontena::agentd {

namespace {

QString q(const std::string& s) { return QString::fromStdString(s); }

bool makePrivateDir(const QString& path) {
    return QDir().mkpath(path) && ::chmod(QFile::encodeName(path).constData(), 0700) == 0;
}

bool isCertificateEnv(const std::string& e) { return e.rfind("SSL_CERTS=", 0) == 0 || e.rfind("SSL_CERT_", 0) == 0; }

std::string safeFileName(std::string s) {
    for (char& c : s)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-') c = '_';
    return s;
}

long fdHardLimit() {
    rlimit r{};
    return ::getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_max != RLIM_INFINITY ? long(r.rlim_max) : 1048576;
}

}  // namespace

struct LbRuntime::Instance {
    InstanceDesc desc;                      // secretEnv: the secret settings that are not certificates
    QString dir;
    std::unique_ptr<lb::HaproxyProcess> proc;
    std::vector<std::string> certificates;  // PEM files in `dir`
    std::vector<lb::Backend> backends;
    qint64 lastPid = 0;

    std::string name() const { return desc.containerName(); }
    lb::LbSettings settings() const {
        std::vector<std::string> env = desc.spec.env;
        env.insert(env.end(), desc.secretEnv.begin(), desc.secretEnv.end());
        lb::LbSettings s = lb::settingsFromEnv(env, certificates);
        s.bindAddress = lb::loopbackAddress(name());
        s.published = lb::publishedBinds(desc.spec.ports);
        s.maxconn = lb::maxconnFor(fdHardLimit());
        return s;
    }
    std::string config() const { return lb::render(lb::LbConfig{settings(), backends}); }
};

LbRuntime::LbRuntime(std::shared_ptr<NodeRuntime> engine, QString stateDir) : engine_(std::move(engine)), stateDir_(std::move(stateDir)) {
    rediscover();
}

LbRuntime::~LbRuntime() = default;

LbRuntime::Instance* LbRuntime::find(const std::string& name) const {
    auto it = lbs_.find(name);
    return it == lbs_.end() ? nullptr : it->second.get();
}

OwnedContainer LbRuntime::ownedOf(const Instance& lb) {
    OwnedContainer o;
    const bool running = lb.proc->running();
    // A new id for each run of HAProxy, as a container's run is told apart.
    o.id = lb.lastPid > 0 ? "haproxy-" + std::to_string(lb.lastPid) : "haproxy-" + lb.name();
    o.name = lb.name();
    o.serviceId = lb.desc.serviceId();
    o.stack = lb.desc.spec.stack;
    o.serviceName = lb.desc.spec.name;
    o.instanceNumber = lb.desc.instanceNumber;
    o.deployRev = lb.desc.deployRev;
    o.serviceRevision = lb.desc.serviceRevision;
    o.state = running ? ObservedState::Running : lb.lastPid > 0 ? ObservedState::Exited : ObservedState::Created;
    return o;
}

// instance.json holds the pod without secrets; secrets.env the secret
// settings, one per line (mode 0600); certificates one file each (0600).
RuntimeResult<OwnedContainer> LbRuntime::createLocked(const InstanceDesc& desc) {
    auto lb = std::make_unique<Instance>();
    lb->desc = desc;
    lb->desc.secretEnv.clear();
    lb->desc.registryAuth.clear();
    lb->dir = stateDir_ + QStringLiteral("/lb/") + q(desc.containerName());
    if (!makePrivateDir(stateDir_ + QStringLiteral("/lb")) || !makePrivateDir(lb->dir))
        return RuntimeError{500, "cannot make the load balancer's directory " + lb->dir.toStdString()};
    const protocol::PodSpec pod{desc.spec, desc.instanceNumber, DesiredState::Running, desc.deployRev, desc.serviceRevision};
    std::string secrets;
    std::vector<std::string> env = desc.spec.env;
    env.insert(env.end(), desc.secretEnv.begin(), desc.secretEnv.end());
    for (const std::string& e : env) {
        const auto eq = e.find('=');
        if (eq == std::string::npos || !isCertificateEnv(e)) continue;
        const std::string key = e.substr(0, eq);
        const std::vector<std::string> bundles = lb::splitCertificates(e.substr(eq + 1));
        if (bundles.empty()) qCWarning(lcLb).noquote() << q(desc.containerName()) << "skips" << q(key) << ": no certificate with its key in it";
        for (std::size_t i = 0; i < bundles.size(); ++i) {
            const QString file = lb->dir + QLatin1Char('/') +
                                 q(key == "SSL_CERTS" ? "cert" + std::to_string(i + 1) + "_gen.pem" : safeFileName(key) + "_" + std::to_string(i + 1) + ".pem");
            if (!lb::writePrivateFile(file, bundles[i])) return RuntimeError{500, "cannot write a certificate file in " + lb->dir.toStdString()};
            lb->certificates.push_back(file.toStdString());
        }
    }
    for (const std::string& e : desc.secretEnv) {
        if (!isCertificateEnv(e) && e.find('\n') == std::string::npos) {
            secrets += e + "\n";
            lb->desc.secretEnv.push_back(e);
        }
    }
    if (!lb::writePrivateFile(lb->dir + QStringLiteral("/secrets.env"), secrets) ||
        !lb::writePrivateFile(lb->dir + QStringLiteral("/instance.json"), QJsonDocument(protocol::toJson(pod)).toJson().toStdString()))
        return RuntimeError{500, "cannot write the load balancer's files in " + lb->dir.toStdString()};
    lb->proc = std::make_unique<lb::HaproxyProcess>(lb->dir, nullptr, false);
    const OwnedContainer owned = ownedOf(*lb);
    lbs_[desc.containerName()] = std::move(lb);
    return owned;
}

RuntimeStatus LbRuntime::startLocked(Instance& lb) {
    if (lb.proc->running()) return RuntimeDone{};
    auto applied = lb.proc->apply(lb.config());
    if (!applied) return RuntimeError{500, lb.name() + ": " + applied.error().message};
    lb.lastPid = lb.proc->masterPid();
    qCInfo(lcLb).noquote() << q(lb.name()) << "HAProxy runs, master pid" << lb.lastPid;
    return RuntimeDone{};
}

void LbRuntime::removeLocked(const std::string& name, Duration grace) {
    Instance* lb = find(name);
    if (!lb) return;
    lb->proc->stop(int(std::clamp<std::int64_t>(grace.ms, 0, 600000)));
    QDir(lb->dir).removeRecursively();
    lbs_.erase(name);
}

void LbRuntime::rediscover() {
    const QDir root(stateDir_ + QStringLiteral("/lb"));
    for (const QString& entry : root.entryList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name)) {
        QFile f(root.filePath(entry) + QStringLiteral("/instance.json"));
        if (!f.open(QIODevice::ReadOnly)) continue;
        const auto pod = protocol::podFromJson(QJsonDocument::fromJson(f.readAll()).object());
        if (!pod) continue;
        auto lb = std::make_unique<Instance>();
        lb->desc.spec = pod->spec;
        lb->desc.instanceNumber = pod->instanceNumber;
        lb->desc.deployRev = pod->deployRev;
        lb->desc.serviceRevision = pod->serviceRevision;
        lb->dir = root.filePath(entry);
        QFile secrets(lb->dir + QStringLiteral("/secrets.env"));
        if (secrets.open(QIODevice::ReadOnly)) {
            for (const QByteArray& line : secrets.readAll().split('\n'))
                if (!line.isEmpty()) lb->desc.secretEnv.push_back(line.toStdString());
        }
        for (const QString& cert : QDir(lb->dir).entryList({QStringLiteral("*.pem")}, QDir::Files, QDir::Name))
            lb->certificates.push_back(QString(lb->dir + QLatin1Char('/') + cert).toStdString());
        lb->proc = std::make_unique<lb::HaproxyProcess>(lb->dir, nullptr, false);
        if (lb->proc->adopt()) lb->lastPid = lb->proc->masterPid();
        lbs_[lb->name()] = std::move(lb);
    }
}

// Engine calls are made without the lock: a Docker stop may take the grace
// period, and backends must not wait for it.
RuntimeResult<EnsureOutcome> LbRuntime::ensure(const InstanceDesc& instance, DesiredState desired) {
    const std::string name = instance.containerName();
    if (!lb::isLoadBalancer(instance.spec)) {
        {
            std::lock_guard lock(mutex_);
            if (find(name)) removeLocked(name, instance.spec.stopGracePeriod);   // it was a load balancer before
        }
        return engine_->ensure(instance, desired);
    }
    if (!isLoadBalancer(name)) {   // a container of an earlier spec goes first
        if (auto gone = engine_->remove(name, instance.spec.stopGracePeriod, false); !gone) return gone.error();
    }
    std::lock_guard lock(mutex_);
    EnsureOutcome out;
    Instance* lb = find(name);
    if (lb && (lb->desc.serviceRevision < instance.serviceRevision || lb->desc.spec.image != instance.spec.image)) {
        removeLocked(name, instance.spec.stopGracePeriod);
        out.recreated = true;
    } else if (!lb) {
        out.created = true;
    }
    if (out.created || out.recreated) {
        if (auto made = createLocked(instance); !made) return made.error();
    }
    lb = find(name);
    if (desired == DesiredState::Running && !lb->proc->running()) {
        if (auto started = startLocked(*lb); !started) return started.error();
        out.started = true;
    } else if (desired == DesiredState::Stopped && lb->proc->running()) {
        lb->proc->stop(int(std::clamp<std::int64_t>(instance.spec.stopGracePeriod.ms, 0, 600000)));
        out.stopped = true;
    }
    out.container = ownedOf(*lb);
    return out;
}

RuntimeResult<OwnedContainer> LbRuntime::create(const InstanceDesc& instance) {
    if (!lb::isLoadBalancer(instance.spec)) return engine_->create(instance);
    std::lock_guard lock(mutex_);
    if (find(instance.containerName())) return RuntimeError{409, instance.containerName() + " exists already"};
    return createLocked(instance);
}

RuntimeStatus LbRuntime::start(const std::string& containerName) {
    if (!isLoadBalancer(containerName)) return engine_->start(containerName);
    std::lock_guard lock(mutex_);
    Instance* lb = find(containerName);
    return lb ? startLocked(*lb) : RuntimeStatus(RuntimeError{404, containerName + " is gone"});
}

RuntimeStatus LbRuntime::stop(const std::string& containerName, Duration grace) {
    if (!isLoadBalancer(containerName)) return engine_->stop(containerName, grace);
    std::lock_guard lock(mutex_);
    if (Instance* lb = find(containerName)) lb->proc->stop(int(std::clamp<std::int64_t>(grace.ms, 0, 600000)));
    return RuntimeDone{};
}

RuntimeStatus LbRuntime::restart(const std::string& containerName, Duration grace) {
    if (!isLoadBalancer(containerName)) return engine_->restart(containerName, grace);
    std::lock_guard lock(mutex_);
    Instance* lb = find(containerName);
    if (!lb) return RuntimeError{404, containerName + " is gone"};
    lb->proc->stop(int(std::clamp<std::int64_t>(grace.ms, 0, 600000)));
    return startLocked(*lb);
}

RuntimeStatus LbRuntime::remove(const std::string& containerName, Duration grace, bool removeData) {
    if (!isLoadBalancer(containerName)) return engine_->remove(containerName, grace, removeData);
    std::lock_guard lock(mutex_);
    removeLocked(containerName, grace);
    return RuntimeDone{};
}

RuntimeResult<std::vector<OwnedContainer>> LbRuntime::listOwned() {
    auto listed = engine_->listOwned();
    if (!listed) return listed;
    std::vector<OwnedContainer> all = std::move(listed.value());
    {
        std::lock_guard lock(mutex_);
        for (const auto& [name, lb] : lbs_) all.push_back(ownedOf(*lb));
    }
    std::sort(all.begin(), all.end(), [](const OwnedContainer& a, const OwnedContainer& b) { return a.name < b.name; });
    return all;
}

RuntimeStatus LbRuntime::ensureVolume(const std::string& name, const std::string& driver,
                                      const std::map<std::string, std::string>& driverOpts) {
    return engine_->ensureVolume(name, driver, driverOpts);
}

RuntimeStatus LbRuntime::removeVolume(const std::string& name) { return engine_->removeVolume(name); }

RuntimeResult<CommandOutcome> LbRuntime::exec(const std::string& containerName, const std::vector<std::string>& cmd) {
    if (isLoadBalancer(containerName))
        return RuntimeError{501, containerName + " is a load balancer run by HAProxy on the node: no container to run commands in"};
    return engine_->exec(containerName, cmd);
}

RuntimeResult<CommandOutcome> LbRuntime::runOnce(const InstanceDesc& instance, const std::vector<std::string>& cmd) {
    if (lb::isLoadBalancer(instance.spec))
        return RuntimeError{501, instance.containerName() + " is a load balancer run by HAProxy on the node: no container to run commands in"};
    return engine_->runOnce(instance, cmd);
}

std::vector<LbRuntime::LoadBalancer> LbRuntime::loadBalancers() const {
    std::lock_guard lock(mutex_);
    std::vector<LoadBalancer> out;
    for (const auto& [name, lb] : lbs_) out.push_back({name, lb->desc.serviceId(), lb->desc.instanceNumber, lb->proc->running()});
    return out;
}

bool LbRuntime::isLoadBalancer(const std::string& containerName) const {
    std::lock_guard lock(mutex_);
    return find(containerName) != nullptr;
}

QString LbRuntime::directoryOf(const std::string& containerName) const {
    std::lock_guard lock(mutex_);
    const Instance* lb = find(containerName);
    return lb ? lb->dir : QString();
}

Result<lb::Applied> LbRuntime::updateBackends(const std::string& containerName, const std::vector<lb::LinkedService>& linked) {
    std::lock_guard lock(mutex_);
    Instance* lb = find(containerName);
    if (!lb) return Error{containerName + " is not a load balancer of this node"};
    if (!lb->proc->running()) {   // kept for when it starts again
        lb->backends = lb::backendsFor(linked);
        return lb::Applied{};
    }
    std::vector<lb::Backend> previous = std::exchange(lb->backends, lb::backendsFor(linked));
    auto applied = lb->proc->apply(lb->config());
    if (!applied) lb->backends = std::move(previous);   // what runs is what we remember
    return applied;
}

}  // namespace kontena::agentd
