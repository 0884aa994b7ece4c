#include "backends/docker/kontena_labels.h"

namespace kontena::docker {

namespace {

QString q(const std::string& s) {
    return QString::fromStdString(s);
}

QString seconds(Duration d) {
    return QString::number(d.ms / 1000);
}

QStringList toQList(const std::vector<std::string>& v) {
    QStringList out;
    out.reserve(static_cast<qsizetype>(v.size()));
    for (const std::string& s : v)
        out.append(q(s));
    return out;
}

void addHealthCheckLabels(const HealthCheck& hc, Labels& labels) {
    const QString p = QLatin1String(label::kHealthCheckPrefix);
    labels.insert(p + QLatin1String("protocol"), q(hc.protocol));
    labels.insert(p + QLatin1String("port"), QString::number(hc.port));
    labels.insert(p + QLatin1String("interval"), seconds(hc.interval));
    labels.insert(p + QLatin1String("timeout"), seconds(hc.timeout));
    labels.insert(p + QLatin1String("initial_delay"), seconds(hc.initialDelay));
    if (hc.protocol == "http")
        labels.insert(p + QLatin1String("uri"), q(hc.uri));
}

QString volumeEntry(const VolumeMount& v, const InstanceDesc& in) {
    QString entry = q(dockerVolumeName(v, in)) + u':' + q(v.path);
    if (!v.flags.empty())
        entry += u':' + q(v.flags);
    return entry;
}

QList<PortBinding> portBindings(const std::vector<PortSpec>& ports) {
    QList<PortBinding> out;
    for (const PortSpec& p : ports)
        out.append(PortBinding{p.containerPort, q(p.protocol), p.ip == "0.0.0.0" ? QString() : q(p.ip), p.nodePort});
    return out;
}

// Limits, privileges and logging: the settings copied as they are.
void copyEngineSettings(const ServiceSpec& s, ContainerConfig& c) {
    c.memory = s.memory;
    c.memorySwap = s.memorySwap;
    c.shmSize = s.shmSize;
    c.cpus = s.cpus;
    c.cpuShares = s.cpuShares;
    c.privileged = s.privileged;
    c.capAdd = toQList(s.capAdd);
    c.capDrop = toQList(s.capDrop);
    c.user = q(s.user);
    c.readOnlyRootfs = s.readOnly;
    c.pidMode = q(s.pid);
    c.logDriver = q(s.logDriver);
    for (const auto& [k, v] : s.logOpts)
        c.logOptions.insert(q(k), q(v));
}

}  // namespace

Labels instanceLabels(const InstanceDesc& in, const NodeIdentity& node, ContainerRole role) {
    const bool data = role == ContainerRole::Data;
    Labels l;
    l.insert(QLatin1String(label::kServiceId), q(in.serviceId()));
    l.insert(QLatin1String(label::kServiceName), q(in.spec.name));
    l.insert(QLatin1String(label::kInstanceNumber), QString::number(in.instanceNumber));
    l.insert(QLatin1String(label::kStackName), q(in.spec.stack));
    l.insert(QLatin1String(label::kGridName), q(node.grid));
    l.insert(QLatin1String(label::kPlatformName), q(node.grid));
    l.insert(QLatin1String(label::kContainerType), data ? QStringLiteral("volume") : QStringLiteral("container"));
    l.insert(QLatin1String(label::kContainerName), q(data ? in.dataContainerName() : in.containerName()));
    l.insert(QLatin1String(label::kContainerPod), q(in.serviceId()) + u'/' + QString::number(in.instanceNumber));
    l.insert(QLatin1String(label::kDeployRev), QString::number(in.deployRev));
    l.insert(QLatin1String(label::kServiceRevision), QString::number(in.serviceRevision));
    l.insert(QLatin1String(label::kStopGracePeriod), seconds(in.spec.stopGracePeriod));
    if (in.spec.healthCheck && !data)
        addHealthCheckLabels(*in.spec.healthCheck, l);
    return l;
}

QStringList instanceEnv(const InstanceDesc& in, const NodeIdentity& node) {
    QStringList env = toQList(in.spec.env);
    env << toQList(in.secretEnv);
    env << u"KONTENA_SERVICE_ID=" + q(in.serviceId())
        << u"KONTENA_SERVICE_NAME=" + q(in.spec.name)
        << u"KONTENA_GRID_NAME=" + q(node.grid)
        << u"KONTENA_PLATFORM_NAME=" + q(node.grid)
        << u"KONTENA_STACK_NAME=" + q(in.spec.stack)
        << u"KONTENA_NODE_NAME=" + q(node.node)
        << u"KONTENA_SERVICE_INSTANCE_NUMBER=" + QString::number(in.instanceNumber);
    return env;
}

std::string dockerVolumeName(const VolumeMount& v, const InstanceDesc& in) {
    if (v.kind == VolumeKind::Named && v.volume)
        return volumeNameForService(*v.volume, in.spec, in.instanceNumber);
    return v.source;
}

QStringList resolveVolumesFrom(const ServiceSpec& spec, int n) {
    QStringList out;
    const QString number = QString::number(n);
    for (const std::string& entry : spec.volumesFrom) {
        QString name = q(entry);
        name.replace(QLatin1String("%s"), number).replace(QLatin1String("%d"), number)
            .replace(QLatin1String("%i"), number);
        if (spec.stack != "null" && !name.contains(u'.'))
            name = q(spec.stack) + u'.' + name;
        out.append(name);
    }
    return out;
}

ContainerConfig serviceContainerConfig(const InstanceDesc& in, const NodeIdentity& node) {
    const ServiceSpec& s = in.spec;
    ContainerConfig c;
    c.image = q(s.image);
    c.cmd = toQList(s.cmd);
    c.entrypoint = toQList(s.entrypoint);
    c.env = instanceEnv(in, node);
    c.labels = instanceLabels(in, node, ContainerRole::Service);
    c.ports = portBindings(s.ports);
    for (const VolumeMount& v : s.volumes) {
        if (v.kind != VolumeKind::Anonymous)
            c.binds.append(volumeEntry(v, in));
        else if (!s.stateful)
            c.anonymousVolumes.append(q(v.path));
    }
    c.volumesFrom = s.stateful ? QStringList{q(in.dataContainerName())} : resolveVolumesFrom(s, in.instanceNumber);
    c.networkMode = q(s.net);
    c.stopSignal = q(s.stopSignal);
    c.stopTimeoutSeconds = static_cast<int>(s.stopGracePeriod.ms / 1000);
    c.init = true;
    copyEngineSettings(s, c);
    return c;
}

ContainerConfig dataContainerConfig(const InstanceDesc& in, const NodeIdentity& node) {
    ContainerConfig c;
    c.image = q(in.spec.image);
    c.entrypoint = QStringList{QStringLiteral("/bin/true")};   // never started
    c.labels = instanceLabels(in, node, ContainerRole::Data);
    c.networkMode = QStringLiteral("none");
    c.init = false;
    for (const VolumeMount& v : in.spec.volumes)
        if (v.kind == VolumeKind::Anonymous)
            c.anonymousVolumes.append(q(v.path));
    return c;
}

ObservedState observedStateOf(const QString& s) {
    if (s == QLatin1String("created"))
        return ObservedState::Created;
    if (s == QLatin1String("running") || s == QLatin1String("paused"))
        return ObservedState::Running;
    if (s == QLatin1String("restarting"))
        return ObservedState::Restarting;
    return ObservedState::Exited;   // exited, dead, removing
}

std::optional<OwnedContainer> ownedFromSummary(const ContainerSummary& c) {
    const Labels& l = c.labels;
    const QString type = l.value(QLatin1String(label::kContainerType));
    if (!l.contains(QLatin1String(label::kServiceId)) || type.isEmpty())
        return std::nullopt;
    OwnedContainer o;
    o.id = c.id.toStdString();
    o.name = c.name.toStdString();
    o.role = type == QLatin1String("volume") ? ContainerRole::Data : ContainerRole::Service;
    o.serviceId = l.value(QLatin1String(label::kServiceId)).toStdString();
    o.stack = l.value(QLatin1String(label::kStackName)).toStdString();
    o.serviceName = l.value(QLatin1String(label::kServiceName)).toStdString();
    o.instanceNumber = l.value(QLatin1String(label::kInstanceNumber)).toInt();
    o.deployRev = l.value(QLatin1String(label::kDeployRev)).toLongLong();
    o.serviceRevision = l.value(QLatin1String(label::kServiceRevision)).toInt();
    o.state = observedStateOf(c.state);
    return o;
}

}  // namespace kontena::docker
