#include "backends/docker/engine_types.h"

#include <QJsonArray>
#include <QJsonValue>

namespace kontena::docker {

namespace {

QString str(const QJsonObject& o, const char* key) {
    return o.value(QLatin1String(key)).toString();
}

qint64 num(const QJsonObject& o, const char* key) {
    return static_cast<qint64>(o.value(QLatin1String(key)).toDouble());
}

QJsonObject obj(const QJsonObject& o, const char* key) {
    return o.value(QLatin1String(key)).toObject();
}

QString withoutSlash(QString name) {
    if (name.startsWith(u'/'))
        name.remove(0, 1);
    return name;
}

QStringList stringList(const QJsonValue& v) {
    QStringList out;
    const QJsonArray a = v.toArray();
    for (const QJsonValue& e : a)
        out.append(e.toString());
    return out;
}

QMap<QString, QString> stringMap(const QJsonValue& v) {
    QMap<QString, QString> out;
    const QJsonObject o = v.toObject();
    for (auto it = o.begin(); it != o.end(); ++it)
        out.insert(it.key(), it.value().toString());
    return out;
}

}  // namespace

Labels parseLabels(const QJsonValue& v) {
    return stringMap(v);
}

ContainerSummary parseContainerSummary(const QJsonObject& o) {
    ContainerSummary s;
    s.id = str(o, "Id");
    const QStringList names = stringList(o.value(QLatin1String("Names")));
    s.name = names.isEmpty() ? QString() : withoutSlash(names.first());
    s.image = str(o, "Image");
    s.imageId = str(o, "ImageID");
    s.state = str(o, "State");
    s.status = str(o, "Status");
    s.labels = parseLabels(o.value(QLatin1String("Labels")));
    s.created = num(o, "Created");
    return s;
}

ContainerInfo parseContainerInfo(const QJsonObject& o) {
    ContainerInfo c;
    c.id = str(o, "Id");
    c.name = withoutSlash(str(o, "Name"));
    c.imageId = str(o, "Image");
    const QJsonObject config = obj(o, "Config");
    c.image = str(config, "Image");
    c.labels = parseLabels(config.value(QLatin1String("Labels")));
    c.env = stringList(config.value(QLatin1String("Env")));
    const QJsonObject st = obj(o, "State");
    c.state.status = str(st, "Status");
    c.state.running = st.value(QLatin1String("Running")).toBool();
    c.state.restarting = st.value(QLatin1String("Restarting")).toBool();
    c.state.oomKilled = st.value(QLatin1String("OOMKilled")).toBool();
    c.state.exitCode = static_cast<int>(num(st, "ExitCode"));
    c.state.pid = num(st, "Pid");
    c.state.error = str(st, "Error");
    c.state.startedAt = str(st, "StartedAt");
    c.state.finishedAt = str(st, "FinishedAt");
    c.restartCount = static_cast<int>(num(o, "RestartCount"));
    c.ipAddress = str(obj(o, "NetworkSettings"), "IPAddress");
    if (c.ipAddress.isEmpty()) {   // a user network (the grid overlay's): its address
        const QJsonObject networks = obj(obj(o, "NetworkSettings"), "Networks");
        for (auto it = networks.begin(); it != networks.end() && c.ipAddress.isEmpty(); ++it)
            c.ipAddress = it.value().toObject().value(QLatin1String("IPAddress")).toString();
    }
    c.raw = o;
    return c;
}

ImageInfo parseImageInfo(const QJsonObject& o) {
    return ImageInfo{str(o, "Id"), stringList(o.value(QLatin1String("RepoTags"))), num(o, "Size"), o};
}

VolumeInfo parseVolumeInfo(const QJsonObject& o) {
    VolumeInfo v;
    v.name = str(o, "Name");
    v.driver = str(o, "Driver");
    v.mountpoint = str(o, "Mountpoint");
    v.labels = parseLabels(o.value(QLatin1String("Labels")));
    v.options = stringMap(o.value(QLatin1String("Options")));
    v.raw = o;
    return v;
}

NetworkInfo parseNetworkInfo(const QJsonObject& o) {
    NetworkInfo n;
    n.id = str(o, "Id");
    n.name = str(o, "Name");
    n.driver = str(o, "Driver");
    n.internal = o.value(QLatin1String("Internal")).toBool();
    n.labels = parseLabels(o.value(QLatin1String("Labels")));
    const QJsonArray ipam = obj(o, "IPAM").value(QLatin1String("Config")).toArray();
    if (!ipam.isEmpty()) {
        n.subnet = str(ipam.first().toObject(), "Subnet");
        n.gateway = str(ipam.first().toObject(), "Gateway");
    }
    n.containerIds = obj(o, "Containers").keys();
    n.raw = o;
    return n;
}

EngineInfo parseEngineInfo(const QJsonObject& o) {
    EngineInfo i;
    i.id = str(o, "ID");
    i.name = str(o, "Name");
    i.serverVersion = str(o, "ServerVersion");
    i.storageDriver = str(o, "Driver");
    i.cpus = static_cast<int>(num(o, "NCPU"));
    i.memTotal = num(o, "MemTotal");
    i.containers = static_cast<int>(num(o, "Containers"));
    i.containersRunning = static_cast<int>(num(o, "ContainersRunning"));
    i.volumeDrivers = stringList(obj(o, "Plugins").value(QLatin1String("Volume")));
    i.raw = o;
    return i;
}

VersionInfo parseVersionInfo(const QJsonObject& o) {
    return VersionInfo{str(o, "Version"), str(o, "ApiVersion"), str(o, "MinAPIVersion"), o};
}

EngineEvent parseEngineEvent(const QJsonObject& o) {
    EngineEvent e;
    e.type = str(o, "Type");
    e.action = str(o, "Action");
    const QJsonObject actor = obj(o, "Actor");
    e.actorId = str(actor, "ID");
    e.attributes = stringMap(actor.value(QLatin1String("Attributes")));
    e.timeNano = num(o, "timeNano");
    e.raw = o;
    return e;
}

StatsSample parseStatsSample(const QJsonObject& o) {
    StatsSample s;
    s.read = str(o, "read");
    const QJsonObject cpu = obj(o, "cpu_stats");
    const QJsonObject pre = obj(o, "precpu_stats");
    s.cpuTotalNs = num(obj(cpu, "cpu_usage"), "total_usage");
    s.preCpuTotalNs = num(obj(pre, "cpu_usage"), "total_usage");
    s.systemCpuNs = num(cpu, "system_cpu_usage");
    s.preSystemCpuNs = num(pre, "system_cpu_usage");
    s.onlineCpus = static_cast<int>(num(cpu, "online_cpus"));
    const QJsonObject mem = obj(o, "memory_stats");
    s.memoryUsage = num(mem, "usage");
    s.memoryLimit = num(mem, "limit");
    const QJsonObject nets = obj(o, "networks");
    for (auto it = nets.begin(); it != nets.end(); ++it) {
        s.rxBytes += num(it.value().toObject(), "rx_bytes");
        s.txBytes += num(it.value().toObject(), "tx_bytes");
    }
    s.pids = num(obj(o, "pids_stats"), "current");
    s.raw = o;
    return s;
}

bool StatsSample::fromRunningContainer() const {
    return !read.startsWith(QLatin1String("0001-01-01")) && (memoryUsage > 0 || pids > 0);
}

double StatsSample::cpuPercent() const {
    const double cpuDelta = static_cast<double>(cpuTotalNs - preCpuTotalNs);
    const double systemDelta = static_cast<double>(systemCpuNs - preSystemCpuNs);
    if (cpuDelta <= 0 || systemDelta <= 0)
        return 0.0;
    return cpuDelta / systemDelta * (onlineCpus > 0 ? onlineCpus : 1) * 100.0;
}

}  // namespace kontena::docker
