#include "protocol/pod_spec.h"

#include <QJsonArray>

namespace kontena::protocol {

namespace {

QString q(const std::string& s) { return QString::fromStdString(s); }
std::string s(const QJsonValue& v) { return v.toString().toStdString(); }
QString k(const char* key) { return QString::fromLatin1(key); }

QJsonArray strings(const std::vector<std::string>& v) {
    QJsonArray a;
    for (const auto& x : v) a.append(q(x));
    return a;
}

std::vector<std::string> strings(const QJsonValue& v) {
    std::vector<std::string> out;
    for (const auto& x : v.toArray()) out.push_back(x.toString().toStdString());
    return out;
}

QJsonValue optInt(const std::optional<std::int64_t>& v) { return v ? QJsonValue(qint64(*v)) : QJsonValue(); }
std::optional<std::int64_t> optInt(const QJsonValue& v) {
    if (!v.isDouble()) return std::nullopt;
    return std::int64_t(v.toDouble());
}

QJsonObject toJson(const PortSpec& p) {
    return {{k("ip"), q(p.ip)}, {k("node_port"), p.nodePort}, {k("container_port"), p.containerPort}, {k("protocol"), q(p.protocol)}};
}

PortSpec portFromJson(const QJsonObject& o) {
    PortSpec p;
    p.ip = o.value(k("ip")).toString(QStringLiteral("0.0.0.0")).toStdString();
    p.nodePort = o.value(k("node_port")).toInt();
    p.containerPort = o.value(k("container_port")).toInt();
    p.protocol = o.value(k("protocol")).toString(QStringLiteral("tcp")).toStdString();
    return p;
}

QString volumeKind(VolumeKind kind) {
    switch (kind) {
    case VolumeKind::Bind: return QStringLiteral("bind");
    case VolumeKind::Named: return QStringLiteral("named");
    case VolumeKind::Anonymous: break;
    }
    return QStringLiteral("anonymous");
}

VolumeKind volumeKind(const QString& s) {
    if (s == QLatin1String("bind")) return VolumeKind::Bind;
    if (s == QLatin1String("named")) return VolumeKind::Named;
    return VolumeKind::Anonymous;
}

// A Kontena volume as a mount carries it: {name, scope, driver, driver_opts}.
QJsonObject toJson(const Volume& v) {
    QJsonObject opts;
    for (const auto& [key, val] : v.driverOpts) opts[q(key)] = q(val);
    return QJsonObject{{k("name"), q(v.name)}, {k("scope"), q(toString(v.scope))}, {k("driver"), q(v.driver)}, {k("driver_opts"), opts}};
}

Volume volumeFromJson(const QJsonObject& o) {
    Volume v;
    v.name = s(o.value(k("name")));
    const QString scope = o.value(k("scope")).toString();
    v.scope = scope == QLatin1String("grid") ? VolumeScope::Grid : scope == QLatin1String("stack") ? VolumeScope::Stack : VolumeScope::Instance;
    v.driver = o.value(k("driver")).toString(QStringLiteral("local")).toStdString();
    const QJsonObject opts = o.value(k("driver_opts")).toObject();
    for (auto it = opts.begin(); it != opts.end(); ++it) v.driverOpts[it.key().toStdString()] = it.value().toString().toStdString();
    return v;
}

QJsonObject toJson(const HealthCheck& h) {
    return {{k("protocol"), q(h.protocol)}, {k("port"), h.port}, {k("uri"), q(h.uri)},
            {k("timeout"), qint64(h.timeout.ms / 1000)}, {k("interval"), qint64(h.interval.ms / 1000)},
            {k("initial_delay"), qint64(h.initialDelay.ms / 1000)},
            {k("timeout_ms"), qint64(h.timeout.ms)}, {k("interval_ms"), qint64(h.interval.ms)},
            {k("initial_delay_ms"), qint64(h.initialDelay.ms)}};
}

// Seconds on the wire as in Kontena; *_ms (ours) keeps sub-second test values exact.
Duration durationField(const QJsonObject& o, const char* key, Duration fallback) {
    const QString ms = QString::fromLatin1(key) + QStringLiteral("_ms");
    if (o.value(ms).isDouble()) return Duration::millis(qint64(o.value(ms).toDouble()));
    if (o.value(k(key)).isDouble()) return Duration::millis(qint64(o.value(k(key)).toDouble() * 1000));
    return fallback;
}

HealthCheck healthFromJson(const QJsonObject& o) {
    HealthCheck h;
    h.protocol = s(o.value(k("protocol")));
    h.port = o.value(k("port")).toInt();
    h.uri = o.value(k("uri")).toString(QStringLiteral("/")).toStdString();
    h.timeout = durationField(o, "timeout", h.timeout);
    h.interval = durationField(o, "interval", h.interval);
    h.initialDelay = durationField(o, "initial_delay", h.initialDelay);
    return h;
}

// A service's `secrets:` or `certificates:` entries; `what` names the
// vault entry ("secret", or "subject" for a certificate) as stack files do.
QJsonArray secretRefs(const std::vector<SecretRef>& refs, const char* what) {
    QJsonArray out;
    for (const SecretRef& r : refs)
        out.append(QJsonObject{{QLatin1String(what), q(r.secret)}, {k("name"), q(r.name)}, {k("type"), q(r.type)}});
    return out;
}

std::vector<SecretRef> secretRefs(const QJsonValue& v, const char* what) {
    std::vector<SecretRef> out;
    for (const auto& e : v.toArray()) {
        const QJsonObject o = e.toObject();
        out.push_back(SecretRef{s(o.value(QLatin1String(what))), s(o.value(k("name"))), o.value(k("type")).toString(QStringLiteral("env")).toStdString()});
    }
    return out;
}

}  // namespace

QString toWire(DesiredState st) {
    switch (st) {
    case DesiredState::Running: return QStringLiteral("running");
    case DesiredState::Stopped: return QStringLiteral("stopped");
    case DesiredState::Initialized: break;
    }
    return QStringLiteral("initialized");
}

DesiredState desiredFromWire(const QString& st) {
    if (st == QLatin1String("running")) return DesiredState::Running;
    if (st == QLatin1String("initialized")) return DesiredState::Initialized;
    return DesiredState::Stopped;
}

QString toWire(ObservedState st) {
    switch (st) {
    case ObservedState::Created: return QStringLiteral("created");
    case ObservedState::Running: return QStringLiteral("running");
    case ObservedState::Stopped: return QStringLiteral("stopped");
    case ObservedState::Restarting: return QStringLiteral("restarting");
    case ObservedState::Exited: return QStringLiteral("exited");
    case ObservedState::Missing: break;
    }
    return QStringLiteral("missing");
}

ObservedState observedFromWire(const QString& st) {
    for (ObservedState o : {ObservedState::Created, ObservedState::Running, ObservedState::Stopped,
                            ObservedState::Restarting, ObservedState::Exited})
        if (toWire(o) == st) return o;
    return ObservedState::Missing;
}

QJsonObject toJson(const ServiceSpec& sp) {
    QJsonObject o;
    o[k("stack")] = q(sp.stack);
    o[k("name")] = q(sp.name);
    o[k("image")] = q(sp.image);
    o[k("stateful")] = sp.stateful;
    QJsonArray ports;
    for (const auto& p : sp.ports) ports.append(toJson(p));
    o[k("ports")] = ports;
    o[k("cpus")] = sp.cpus ? QJsonValue(*sp.cpus) : QJsonValue();
    o[k("memory")] = optInt(sp.memory);
    o[k("memory_swap")] = optInt(sp.memorySwap);
    o[k("shm_size")] = optInt(sp.shmSize);
    o[k("cpu_shares")] = sp.cpuShares ? QJsonValue(*sp.cpuShares) : QJsonValue();
    QJsonArray volumes;
    for (const auto& v : sp.volumes) {
        QJsonObject m{{k("kind"), volumeKind(v.kind)}, {k("source"), q(v.source)}, {k("path"), q(v.path)}, {k("flags"), q(v.flags)}};
        if (v.volume) m[k("volume")] = toJson(*v.volume);
        volumes.append(m);
    }
    o[k("volumes")] = volumes;
    o[k("volumes_from")] = strings(sp.volumesFrom);
    o[k("net")] = q(sp.net);
    if (sp.healthCheck) o[k("health_check")] = toJson(*sp.healthCheck);
    o[k("wait_for_port")] = sp.deploy.waitForPort ? QJsonValue(*sp.deploy.waitForPort) : QJsonValue();
    o[k("stop_grace_period")] = qint64(sp.stopGracePeriod.ms / 1000);
    o[k("stop_grace_period_ms")] = qint64(sp.stopGracePeriod.ms);
    o[k("stop_signal")] = q(sp.stopSignal);
    o[k("env")] = strings(sp.env);
    o[k("cmd")] = strings(sp.cmd);
    o[k("entrypoint")] = strings(sp.entrypoint);
    o[k("privileged")] = sp.privileged;
    o[k("cap_add")] = strings(sp.capAdd);
    o[k("cap_drop")] = strings(sp.capDrop);
    o[k("user")] = q(sp.user);
    o[k("read_only")] = sp.readOnly;
    o[k("pid")] = q(sp.pid);
    o[k("log_driver")] = q(sp.logDriver);
    QJsonObject logOpts;
    for (const auto& [key, val] : sp.logOpts) logOpts[q(key)] = q(val);
    o[k("log_opts")] = logOpts;
    QJsonArray hooks;
    for (const auto& h : sp.hooks)
        hooks.append(QJsonObject{{k("type"), q(h.kind)}, {k("name"), q(h.name)}, {k("cmd"), q(h.cmd)},
                                 {k("instances"), q(h.instances)}, {k("oneshot"), h.oneshot}});
    o[k("hooks")] = hooks;
    // References only: the agent asks for values (kPodsSecrets) when it creates the container.
    o[k("secrets")] = secretRefs(sp.secrets, "secret");
    o[k("certificates")] = secretRefs(sp.certificates, "subject");
    return o;
}

ServiceSpec serviceSpecFromJson(const QJsonObject& o) {
    ServiceSpec sp;
    sp.stack = o.value(k("stack")).toString(QStringLiteral("null")).toStdString();
    sp.name = s(o.value(k("name")));
    sp.image = s(o.value(k("image")));
    sp.stateful = o.value(k("stateful")).toBool();
    for (const auto& p : o.value(k("ports")).toArray()) sp.ports.push_back(portFromJson(p.toObject()));
    if (o.value(k("cpus")).isDouble()) sp.cpus = o.value(k("cpus")).toDouble();
    sp.memory = optInt(o.value(k("memory")));
    sp.memorySwap = optInt(o.value(k("memory_swap")));
    sp.shmSize = optInt(o.value(k("shm_size")));
    if (o.value(k("cpu_shares")).isDouble()) sp.cpuShares = o.value(k("cpu_shares")).toInt();
    for (const auto& v : o.value(k("volumes")).toArray()) {
        const QJsonObject vo = v.toObject();
        sp.volumes.push_back(VolumeMount{volumeKind(vo.value(k("kind")).toString()), s(vo.value(k("source"))),
                                         s(vo.value(k("path"))), s(vo.value(k("flags")))});
        if (vo.value(k("volume")).isObject()) sp.volumes.back().volume = volumeFromJson(vo.value(k("volume")).toObject());
    }
    sp.volumesFrom = strings(o.value(k("volumes_from")));
    sp.net = o.value(k("net")).toString(QStringLiteral("bridge")).toStdString();
    if (o.value(k("health_check")).isObject()) sp.healthCheck = healthFromJson(o.value(k("health_check")).toObject());
    if (o.value(k("wait_for_port")).isDouble()) sp.deploy.waitForPort = o.value(k("wait_for_port")).toInt();
    sp.stopGracePeriod = durationField(o, "stop_grace_period", sp.stopGracePeriod);
    sp.stopSignal = s(o.value(k("stop_signal")));
    sp.env = strings(o.value(k("env")));
    sp.cmd = strings(o.value(k("cmd")));
    sp.entrypoint = strings(o.value(k("entrypoint")));
    sp.privileged = o.value(k("privileged")).toBool();
    sp.capAdd = strings(o.value(k("cap_add")));
    sp.capDrop = strings(o.value(k("cap_drop")));
    sp.user = s(o.value(k("user")));
    sp.readOnly = o.value(k("read_only")).toBool();
    sp.pid = s(o.value(k("pid")));
    sp.logDriver = s(o.value(k("log_driver")));
    const QJsonObject logOpts = o.value(k("log_opts")).toObject();
    for (auto it = logOpts.begin(); it != logOpts.end(); ++it) sp.logOpts[it.key().toStdString()] = it.value().toString().toStdString();
    for (const auto& h : o.value(k("hooks")).toArray()) {
        const QJsonObject ho = h.toObject();
        sp.hooks.push_back(Hook{s(ho.value(k("type"))), s(ho.value(k("name"))), s(ho.value(k("cmd"))),
                                ho.value(k("instances")).toString(QStringLiteral("*")).toStdString(), ho.value(k("oneshot")).toBool()});
    }
    sp.secrets = secretRefs(o.value(k("secrets")), "secret");
    sp.certificates = secretRefs(o.value(k("certificates")), "subject");
    return sp;
}

QString PodSpec::id() const { return q(spec.key()) + QLatin1Char('/') + QString::number(instanceNumber); }

QJsonObject toJson(const PodSpec& pod) {
    return podJson(pod.spec, toJson(pod.spec), pod.instanceNumber, pod.desired, pod.deployRev, pod.serviceRevision);
}

QJsonObject podJson(const ServiceSpec& spec, const QJsonObject& specJson, int instanceNumber, DesiredState desired, std::int64_t deployRev,
                    int serviceRevision) {
    const QString key = q(spec.key());
    return {{k("id"), QString(key + QLatin1Char('/') + QString::number(instanceNumber))},
            {k("service_id"), key},
            {k("service_name"), q(spec.stack == "null" ? spec.name : spec.stack + "." + spec.name)},
            {k("instance_number"), instanceNumber},
            {k("desired_state"), toWire(desired)},
            {k("deploy_rev"), qint64(deployRev)},
            {k("service_revision"), serviceRevision},
            {k("spec"), specJson}};
}

std::optional<PodSpec> podFromJson(const QJsonObject& o, QString* why) {
    PodSpec pod;
    pod.spec = serviceSpecFromJson(o.value(k("spec")).toObject());
    pod.instanceNumber = o.value(k("instance_number")).toInt();
    pod.desired = desiredFromWire(o.value(k("desired_state")).toString());
    pod.deployRev = qint64(o.value(k("deploy_rev")).toDouble());
    pod.serviceRevision = o.value(k("service_revision")).toInt(1);
    QString problem;
    if (pod.spec.name.empty()) problem = QStringLiteral("pod without a service name");
    else if (pod.spec.image.empty()) problem = QStringLiteral("pod %1 without an image").arg(pod.id());
    else if (pod.instanceNumber < 1) problem = QStringLiteral("pod %1: instance number must be >= 1").arg(pod.id());
    if (!problem.isEmpty()) {
        if (why) *why = problem;
        return std::nullopt;
    }
    return pod;
}

agent::Pod toAgentPod(const PodSpec& pod) {
    return agent::Pod{pod.spec.key(), pod.instanceNumber, pod.desired, pod.deployRev, pod.serviceRevision};
}

QString registryHost(const QString& image) {
    const qsizetype slash = image.indexOf(QLatin1Char('/'));
    if (slash < 0) return {};
    const QString first = image.left(slash);
    if (first == QLatin1String("localhost") || first.contains(QLatin1Char('.')) || first.contains(QLatin1Char(':'))) return first;
    return {};
}

}  // namespace kontena::protocol
