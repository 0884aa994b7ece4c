#include "agent/dns_supervisor.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QLoggingCategory>

#include <algorithm>

#include "agent/health_monitor.h"
#include "agent/pod_supervisor.h"
#include "backends/dns/dnsmasq.h"

Q_LOGGING_CATEGORY(lcDns, "kontena.agent.dns")

namespace kontena::agentd {

namespace {

// dnsmasq run with another --user (a packager's choice) must read the hosts directory.
void makeReadable(const QString& path) {
    QFile::setPermissions(path, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner | QFile::ReadGroup |
                                    QFile::ExeGroup | QFile::ReadOther | QFile::ExeOther);
}

}  // namespace

DnsSupervisor::DnsSupervisor(QString grid, DnsOptions options, QString dir, QObject* parent)
    : QObject(parent), grid_(std::move(grid)), options_(std::move(options)), dir_(std::move(dir)),
      publisher_(dir_ + QStringLiteral("/hosts")) {
    connect(&dnsmasq_, &KeptProcess::restartDue, this, &DnsSupervisor::launch);
    connect(&dnsmasq_, &KeptProcess::exited, this, [](const QString& error, int delayMs) {
        qCWarning(lcDns).noquote() << "dnsmasq exited:" << error << "- starting it again in" << delayMs << "ms";
    });
    // Zero: every change of one event-loop turn (100 containers listed at once) is one write.
    publishTimer_.setSingleShot(true);
    publishTimer_.setInterval(0);
    connect(&publishTimer_, &QTimer::timeout, this, &DnsSupervisor::publish);
}

DnsSupervisor::~DnsSupervisor() { stop(); }

bool DnsSupervisor::start(QString* error) {
    const QString hosts = dir_ + QStringLiteral("/hosts");
    if (!QDir().mkpath(hosts)) {
        if (error) *error = QStringLiteral("cannot create %1").arg(hosts);
        return false;
    }
    // Every directory from the agent's data dir to the hosts file must be
    // searchable by dnsmasq's user (the data dir is the agent's own).
    makeReadable(QFileInfo(dir_).path());
    makeReadable(dir_);
    makeReadable(hosts);
    stopping_ = false;
    // No publication yet: dnsmasq answers from the last file until the first
    // pass with the master's pods says what runs (an agent restart keeps the names).
    launch();
    return true;
}

void DnsSupervisor::stop() {
    stopping_ = true;
    dnsmasq_.stop();
}

void DnsSupervisor::launch() {
    if (stopping_) return;
    dns::DnsmasqConfig c;
    c.listenAddress = options_.address.toStdString();
    c.port = options_.port;
    c.hostsDir = QString(dir_ + QStringLiteral("/hosts")).toStdString();
    c.pidFile = QString(dir_ + QStringLiteral("/dnsmasq.pid")).toStdString();
    // Kept as the agent's user and group: a process that changes either
    // loses PR_SET_PDEATHSIG, and dnsmasq must die with an agent killed outright.
    c.user = "root";
    c.group = "root";
    QStringList args;
    for (const std::string& a : dns::dnsmasqArguments(c)) args << QString::fromStdString(a);
    // An agent killed outright must not leave dnsmasq holding the port (KeptProcess: PDEATHSIG).
    dnsmasq_.start(options_.program, args, [](QProcess& p) {
        p.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        p.setStandardOutputFile(QProcess::nullDevice());
    });
    qCInfo(lcDns).noquote() << "dnsmasq for" << grid_ << "on" << options_.address << "port" << options_.port;
}

bool DnsSupervisor::name(const PodSupervisor& pods, const QString& container, const QString& address) {
    const auto pod = pods.podFor(container);
    if (!pod) return false;
    dns::Endpoint e;
    e.stack = pod->spec.stack;
    e.service = pod->spec.name;
    e.number = pod->instanceNumber;
    e.address = address.toStdString();
    e.running = true;
    e.hostNetwork = pod->spec.net == "host";
    local_[container] = e;
    schedulePublish();
    return true;
}

void DnsSupervisor::follow(PodSupervisor& pods, HealthMonitor& health) {
    connect(&pods, &PodSupervisor::containerRunning, this,
            [this, p = &pods](const QString& container, const QString&, const QString& address) {
                // Running before the master's pods arrived (an agent restart): named after the next pass.
                if (!name(*p, container, address)) unnamed_[container] = address;
            });
    connect(&pods, &PodSupervisor::containerGone, this, [this](const QString& container) {
        unnamed_.erase(container);
        if (local_.erase(container)) schedulePublish();
    });
    connect(&pods, &PodSupervisor::passFinished, this, [this, p = &pods](int) {
        if (!p->hasPods()) return;
        for (auto it = unnamed_.begin(); it != unnamed_.end();)
            it = name(*p, it->first, it->second) ? unnamed_.erase(it) : std::next(it);
        schedulePublish();
    });
    connect(&health, &HealthMonitor::result, this, [this](const protocol::ContainerHealth& h) {
        const auto it = local_.find(h.name);
        if (it == local_.end()) return;
        const bool unhealthy = h.status == protocol::HealthStatus::Unhealthy;
        if (it->second.unhealthy == unhealthy) return;
        it->second.unhealthy = unhealthy;
        schedulePublish();
    });
}

void DnsSupervisor::setEtcdMembers(const std::vector<std::string>& addresses) {
    if (addresses == etcdMembers_) return;
    etcdMembers_ = addresses;
    schedulePublish();
}

void DnsSupervisor::setRemoteEndpoints(std::vector<dns::Endpoint> endpoints) {
    remote_ = std::move(endpoints);
    schedulePublish();
}

void DnsSupervisor::schedulePublish() {
    if (!publishTimer_.isActive()) publishTimer_.start();
}

dns::GridNames DnsSupervisor::gridNames() const {
    dns::GridNames g;
    g.grid = grid_.toStdString();
    for (const auto& [name, e] : local_) g.endpoints.push_back(e);
    g.endpoints.insert(g.endpoints.end(), remote_.begin(), remote_.end());
    g.etcdMembers = etcdMembers_;
    return g;
}

void DnsSupervisor::publish() {
    dns::Records r = dns::records(gridNames());
    QString error;
    if (!publisher_.publish(r, &error)) {
        qCWarning(lcDns).noquote() << "cannot publish the DNS records:" << error;
        return;
    }
    published_ = std::move(r);
    emit publishedRecords(int(published_.size()));
}

QString defaultDnsAddress(docker::DockerClient& engine, QString* error) {
    auto bridge = engine.inspectNetwork(QStringLiteral("bridge"));
    if (!bridge) {
        if (error) *error = QStringLiteral("cannot read the engine's bridge network: ") + bridge.error().message;
        return {};
    }
    if (bridge.value().gateway.isEmpty() && error) *error = QStringLiteral("the engine's bridge network has no gateway");
    return bridge.value().gateway;
}

bool prepareDns(AgentConfig& config, docker::DockerRuntime& runtime, QString* error) {
    if (!config.dns.enabled) return true;
    if (config.dns.address.isEmpty()) config.dns.address = defaultDnsAddress(runtime.client(), error);
    if (config.dns.address.isEmpty()) {
        config.dns.enabled = false;
        return false;
    }
    runtime.setServiceDns({config.dns.address}, config.grid + QLatin1Char('.') + QLatin1String(dns::kDomain));
    return true;
}

}  // namespace kontena::agentd
