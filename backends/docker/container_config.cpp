#include "backends/docker/container_config.h"

#include <QJsonArray>

#include <cmath>

namespace kontena::docker {

namespace {

QJsonArray toArray(const QStringList& list) {
    return QJsonArray::fromStringList(list);
}

QJsonObject toObject(const QMap<QString, QString>& map) {
    QJsonObject o;
    for (auto it = map.cbegin(); it != map.cend(); ++it)
        o.insert(it.key(), it.value());
    return o;
}

QString portKey(const PortBinding& p) {
    return QString::number(p.containerPort) + u'/' + p.protocol;
}

// ExposedPorts and HostConfig.PortBindings for the published ports.
void addPorts(const ContainerConfig& c, QJsonObject& body, QJsonObject& host) {
    QJsonObject exposed, bindings;
    for (const PortBinding& p : c.ports) {
        exposed.insert(portKey(p), QJsonObject{});
        QJsonArray list = bindings.value(portKey(p)).toArray();
        list.append(QJsonObject{
            {QStringLiteral("HostIp"), p.hostIp},
            {QStringLiteral("HostPort"), p.hostPort > 0 ? QString::number(p.hostPort) : QString()}});
        bindings.insert(portKey(p), list);
    }
    if (!exposed.isEmpty()) {
        body.insert(QStringLiteral("ExposedPorts"), exposed);
        host.insert(QStringLiteral("PortBindings"), bindings);
    }
}

void addOptionalInt(QJsonObject& o, const QString& key, const std::optional<qint64>& v) {
    if (v)
        o.insert(key, static_cast<double>(*v));   // JSON numbers; exact below 2^53
}

QJsonObject hostConfig(const ContainerConfig& c) {
    QJsonObject h;
    h.insert(QStringLiteral("Init"), c.init);
    h.insert(QStringLiteral("Binds"), toArray(c.binds));
    h.insert(QStringLiteral("VolumesFrom"), toArray(c.volumesFrom));
    if (!c.networkMode.isEmpty())
        h.insert(QStringLiteral("NetworkMode"), c.networkMode);
    addOptionalInt(h, QStringLiteral("Memory"), c.memory);
    addOptionalInt(h, QStringLiteral("MemorySwap"), c.memorySwap);
    addOptionalInt(h, QStringLiteral("ShmSize"), c.shmSize);
    if (c.cpus)
        h.insert(QStringLiteral("NanoCpus"), static_cast<double>(std::llround(*c.cpus * 1e9)));
    if (c.cpuShares)
        h.insert(QStringLiteral("CpuShares"), *c.cpuShares);
    h.insert(QStringLiteral("Privileged"), c.privileged);
    h.insert(QStringLiteral("CapAdd"), toArray(c.capAdd));
    h.insert(QStringLiteral("CapDrop"), toArray(c.capDrop));
    h.insert(QStringLiteral("ReadonlyRootfs"), c.readOnlyRootfs);
    if (!c.pidMode.isEmpty())
        h.insert(QStringLiteral("PidMode"), c.pidMode);
    if (!c.dns.isEmpty())
        h.insert(QStringLiteral("Dns"), toArray(c.dns));
    if (!c.dnsSearch.isEmpty())
        h.insert(QStringLiteral("DnsSearch"), toArray(c.dnsSearch));
    if (!c.logDriver.isEmpty())
        h.insert(QStringLiteral("LogConfig"), QJsonObject{{QStringLiteral("Type"), c.logDriver},
                                                           {QStringLiteral("Config"), toObject(c.logOptions)}});
    return h;
}

}  // namespace

QJsonObject toCreateBody(const ContainerConfig& c) {
    QJsonObject body;
    body.insert(QStringLiteral("Image"), c.image);
    if (!c.cmd.isEmpty())
        body.insert(QStringLiteral("Cmd"), toArray(c.cmd));
    if (!c.entrypoint.isEmpty())
        body.insert(QStringLiteral("Entrypoint"), toArray(c.entrypoint));
    body.insert(QStringLiteral("Env"), toArray(c.env));
    body.insert(QStringLiteral("Labels"), toObject(c.labels));
    if (!c.hostname.isEmpty())
        body.insert(QStringLiteral("Hostname"), c.hostname);
    if (!c.user.isEmpty())
        body.insert(QStringLiteral("User"), c.user);
    if (!c.stopSignal.isEmpty())
        body.insert(QStringLiteral("StopSignal"), c.stopSignal);
    if (c.stopTimeoutSeconds)
        body.insert(QStringLiteral("StopTimeout"), *c.stopTimeoutSeconds);
    QJsonObject volumes;
    for (const QString& path : c.anonymousVolumes)
        volumes.insert(path, QJsonObject{});
    if (!volumes.isEmpty())
        body.insert(QStringLiteral("Volumes"), volumes);
    QJsonObject host = hostConfig(c);
    addPorts(c, body, host);
    body.insert(QStringLiteral("HostConfig"), host);
    if (!c.ipv4Address.isEmpty() && !c.networkMode.isEmpty()) {
        const QJsonObject endpoint{{QStringLiteral("IPAMConfig"), QJsonObject{{QStringLiteral("IPv4Address"), c.ipv4Address}}}};
        body.insert(QStringLiteral("NetworkingConfig"),
                    QJsonObject{{QStringLiteral("EndpointsConfig"), QJsonObject{{c.networkMode, endpoint}}}});
    }
    return body;
}

}  // namespace kontena::docker
