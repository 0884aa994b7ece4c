#include "protocol/messages.h"

#include <map>

namespace kontena::protocol {

namespace {

QString k(const char* key) { return QString::fromLatin1(key); }

QJsonArray list(const QStringList& l) { return QJsonArray::fromStringList(l); }
QStringList list(const QJsonValue& v) {
    QStringList out;
    for (const auto& x : v.toArray()) out.append(x.toString());
    return out;
}

QString time(const QDateTime& t) { return t.isValid() ? t.toUTC().toString(Qt::ISODateWithMs) : QString(); }
QDateTime time(const QJsonValue& v) {
    QDateTime t = QDateTime::fromString(v.toString(), Qt::ISODateWithMs);
    return t.isValid() ? t.toUTC() : QDateTime();
}

}  // namespace

QJsonArray params(const QJsonObject& payload) { return QJsonArray{payload}; }

QJsonObject payloadOf(const QJsonValue& p) {
    if (p.isArray()) return p.toArray().at(0).toObject();
    return p.toObject();
}

QJsonObject toJson(const MasterInfo& m) { return {{k("version"), m.version}, {k("protocol"), m.protocolVersion}}; }
MasterInfo masterInfoFromJson(const QJsonObject& o) {
    return MasterInfo{o.value(k("version")).toString(), o.value(k("protocol")).toInt()};
}

namespace {
QJsonArray peersJson(const QList<GridPeer>& peers) {
    QJsonArray out;
    for (const GridPeer& p : peers) {
        out.append(QJsonObject{{k("node_number"), p.number}, {k("name"), p.name}, {k("private_ip"), p.underlay},
                               {k("public_ip"), p.publicIp}, {k("overlay_ip"), p.overlayIp}, {k("initial_member"), p.initial}});
    }
    return out;
}
QList<GridPeer> peersFromJson(const QJsonValue& v) {
    QList<GridPeer> out;
    for (const auto& e : v.toArray()) {
        const QJsonObject p = e.toObject();
        out.append(GridPeer{p.value(k("node_number")).toInt(), p.value(k("name")).toString(), p.value(k("private_ip")).toString(),
                            p.value(k("public_ip")).toString(), p.value(k("overlay_ip")).toString(), p.value(k("initial_member")).toBool()});
    }
    return out;
}
}  // namespace

QJsonObject toJson(const NodeInfo& n) {
    QJsonObject o = nodeFactsJson(n);
    o.insert(k("peer_ips"), list(n.peerIps));
    o.insert(k("peers"), peersJson(n.peers));
    return o;
}
QJsonObject nodeFactsJson(const NodeInfo& n) {
    return {{k("id"), n.nodeId}, {k("name"), n.name}, {k("grid"), n.grid}, {k("node_number"), n.nodeNumber},
            {k("initial_member"), n.initialMember}, {k("overlay_ip"), n.overlayIp}, {k("labels"), list(n.labels)},
            {k("initial_size"), n.initialSize}, {k("grid_subnet"), n.gridSubnet}};
}
QJsonObject toJson(const GridPeers& p) {
    if (!p.delta) return {{k("peers"), peersJson(p.peers)}};
    QJsonArray removed;
    for (const int n : p.removed) removed.append(n);
    return {{k("changed"), peersJson(p.changed)}, {k("removed"), removed}};
}
GridPeers gridPeersFromJson(const QJsonObject& o) {
    GridPeers p;
    if (o.contains(k("peers")) || !o.contains(k("changed"))) {
        p.peers = peersFromJson(o.value(k("peers")));
        return p;
    }
    p.delta = true;
    p.changed = peersFromJson(o.value(k("changed")));
    for (const auto& n : o.value(k("removed")).toArray()) p.removed.append(n.toInt());
    return p;
}
GridPeers peersDelta(const QList<GridPeer>& from, const QList<GridPeer>& to) {
    GridPeers d;
    d.delta = true;
    std::map<int, const GridPeer*> before;
    for (const GridPeer& p : from) before[p.number] = &p;
    for (const GridPeer& p : to) {
        const auto it = before.find(p.number);
        if (it == before.end() || !(*it->second == p)) d.changed.append(p);
        if (it != before.end()) before.erase(it);
    }
    for (const auto& gone : before) d.removed.append(gone.first);
    return d;
}
QList<GridPeer> applyPeers(const QList<GridPeer>& have, const GridPeers& p) {
    if (!p.delta) return p.peers;
    std::map<int, GridPeer> by;
    for (const GridPeer& x : have) by[x.number] = x;
    for (const int n : p.removed) by.erase(n);
    for (const GridPeer& x : p.changed) by[x.number] = x;
    QList<GridPeer> out;
    out.reserve(qsizetype(by.size()));
    for (auto& entry : by) out.append(std::move(entry.second));
    return out;
}
NodeInfo withPeers(NodeInfo info, const QList<GridPeer>& peers) {
    info.peers = peers;
    info.peerIps.clear();
    for (const GridPeer& p : info.peers) {
        if (p.number != info.nodeNumber) info.peerIps.append(p.underlay);
    }
    return info;
}
NodeInfo nodeInfoFromJson(const QJsonObject& o) {
    NodeInfo n;
    n.nodeId = o.value(k("id")).toString();
    n.name = o.value(k("name")).toString();
    n.grid = o.value(k("grid")).toString();
    n.nodeNumber = o.value(k("node_number")).toInt();
    n.initialMember = o.value(k("initial_member")).toBool();
    n.overlayIp = o.value(k("overlay_ip")).toString();
    n.peerIps = list(o.value(k("peer_ips")));
    n.labels = list(o.value(k("labels")));
    n.initialSize = o.value(k("initial_size")).toInt();
    n.gridSubnet = o.value(k("grid_subnet")).toString();
    n.peers = peersFromJson(o.value(k("peers")));
    return n;
}

QJsonObject toJson(const EtcdHealth& h) {
    return {{k("member"), h.member}, {k("quorum"), h.quorum}, {k("leader"), h.leader}, {k("detail"), h.detail}};
}
EtcdHealth etcdHealthFromJson(const QJsonObject& o) {
    return EtcdHealth{o.value(k("member")).toBool(), o.value(k("quorum")).toBool(), o.value(k("leader")).toString(),
                      o.value(k("detail")).toString()};
}

QJsonObject toJson(const DnsRecords& r) {
    QJsonArray endpoints;
    for (const DnsEndpoint& e : r.endpoints) {
        endpoints.append(QJsonObject{{k("node"), e.node}, {k("stack"), e.stack}, {k("service"), e.service}, {k("instance_number"), e.number},
                                     {k("address"), e.address}, {k("unhealthy"), e.unhealthy}});
    }
    return {{k("endpoints"), endpoints}, {k("exposed"), list(r.exposed)}, {k("etcd_members"), list(r.etcdMembers)}};
}
DnsRecords dnsRecordsFromJson(const QJsonObject& o) {
    DnsRecords r;
    for (const auto& v : o.value(k("endpoints")).toArray()) {
        const QJsonObject e = v.toObject();
        r.endpoints.append(DnsEndpoint{e.value(k("node")).toString(), e.value(k("stack")).toString(), e.value(k("service")).toString(),
                                       e.value(k("instance_number")).toInt(), e.value(k("address")).toString(),
                                       e.value(k("unhealthy")).toBool()});
    }
    r.exposed = list(o.value(k("exposed")));
    r.etcdMembers = list(o.value(k("etcd_members")));
    return r;
}

QJsonObject toJson(const NodeUpdate& n) {
    return {{k("id"), n.nodeId}, {k("name"), n.name}, {k("cpus"), n.cpus}, {k("mem_total"), n.memTotal},
            {k("engine_version"), n.engineVersion}, {k("volume_drivers"), list(n.volumeDrivers)},
            {k("public_ip"), n.publicIp}, {k("private_ip"), n.privateIp}, {k("labels"), list(n.labels)},
            {k("etcd_reports"), n.etcdReports}};
}
NodeUpdate nodeUpdateFromJson(const QJsonObject& o) {
    NodeUpdate n;
    n.nodeId = o.value(k("id")).toString();
    n.name = o.value(k("name")).toString();
    n.cpus = o.value(k("cpus")).toInt();
    n.memTotal = qint64(o.value(k("mem_total")).toDouble());
    n.engineVersion = o.value(k("engine_version")).toString();
    n.volumeDrivers = list(o.value(k("volume_drivers")));
    n.publicIp = o.value(k("public_ip")).toString();
    n.privateIp = o.value(k("private_ip")).toString();
    n.labels = list(o.value(k("labels")));
    n.etcdReports = o.value(k("etcd_reports")).toBool();
    return n;
}

QJsonObject toJson(const NotifyUpdate& n) { return {{k("reason"), n.reason}}; }
NotifyUpdate notifyUpdateFromJson(const QJsonObject& o) { return NotifyUpdate{o.value(k("reason")).toString()}; }

QJsonObject toJson(const RestartPod& r) { return {{k("service_id"), r.serviceId}, {k("instance_number"), r.instanceNumber}}; }
RestartPod restartPodFromJson(const QJsonObject& o) {
    return RestartPod{o.value(k("service_id")).toString(), o.value(k("instance_number")).toInt()};
}

QJsonObject toJson(const ExecFrame& f) {
    QJsonObject o{{k("id"), f.id}};
    auto text = [&](const char* key, const QString& v) {
        if (!v.isEmpty()) o.insert(k(key), v);
    };
    text("container", f.container);
    if (!f.cmd.isEmpty()) o.insert(k("cmd"), QJsonArray::fromStringList(f.cmd));
    if (f.tty) o.insert(k("tty"), true);
    if (f.interactive) o.insert(k("interactive"), true);
    text("stdin", f.stdinData);
    if (f.eof) o.insert(k("eof"), true);
    if (f.width > 0 || f.height > 0) {
        o.insert(k("width"), f.width);
        o.insert(k("height"), f.height);
    }
    text("stream", f.stream);
    text("chunk", f.chunk);
    if (f.exitCode) o.insert(k("exit_code"), *f.exitCode);
    text("error", f.error);
    return o;
}
ExecFrame execFrameFromJson(const QJsonObject& o) {
    ExecFrame f;
    f.id = o.value(k("id")).toString();
    f.container = o.value(k("container")).toString();
    for (const auto& v : o.value(k("cmd")).toArray()) f.cmd.append(v.toString());
    f.tty = o.value(k("tty")).toBool();
    f.interactive = o.value(k("interactive")).toBool();
    f.stdinData = o.value(k("stdin")).toString();
    f.eof = o.value(k("eof")).toBool();
    f.width = o.value(k("width")).toInt();
    f.height = o.value(k("height")).toInt();
    f.stream = o.value(k("stream")).toString();
    f.chunk = o.value(k("chunk")).toString();
    if (o.value(k("exit_code")).isDouble()) f.exitCode = o.value(k("exit_code")).toInt();
    f.error = o.value(k("error")).toString();
    return f;
}

QJsonObject toJson(const PodEvent& e) {
    return {{k("service_id"), e.serviceId}, {k("instance_number"), e.instanceNumber}, {k("type"), e.type}, {k("message"), e.message}};
}
PodEvent podEventFromJson(const QJsonObject& o) {
    return PodEvent{o.value(k("service_id")).toString(), o.value(k("instance_number")).toInt(), o.value(k("type")).toString(),
                    o.value(k("message")).toString()};
}

QJsonObject toJson(const OneshotHookDone& d) {
    return {{k("service_id"), d.serviceId}, {k("instance_number"), d.instanceNumber}, {k("type"), d.kind}, {k("name"), d.name}};
}
OneshotHookDone oneshotHookDoneFromJson(const QJsonObject& o) {
    return OneshotHookDone{o.value(k("service_id")).toString(), o.value(k("instance_number")).toInt(), o.value(k("type")).toString(),
                           o.value(k("name")).toString()};
}

QJsonObject toJson(const LbBackendsRequest& r) {
    return {{k("service_id"), r.serviceId}, {k("instance_number"), r.instanceNumber}};
}
LbBackendsRequest lbBackendsRequestFromJson(const QJsonObject& o) {
    return LbBackendsRequest{o.value(k("service_id")).toString(), o.value(k("instance_number")).toInt()};
}

QJsonObject toJson(const LbBackends& b) {
    QJsonArray services;
    for (const LbLinkedService& s : b.services) {
        QJsonArray instances;
        for (const LbBackendInstance& i : s.instances) {
            QJsonObject o{{k("instance_number"), i.instanceNumber}, {k("node"), i.node}, {k("container"), i.container},
                          {k("state"), toWire(i.state)}, {k("health"), i.health}};
            if (!i.address.isEmpty()) o.insert(k("address"), i.address);
            instances.append(o);
        }
        QJsonObject service{{k("service"), toJson(s.spec)}, {k("instances"), instances}};
        if (!s.secretEnv.isEmpty()) service.insert(k("secret_env"), QJsonArray::fromStringList(s.secretEnv));
        if (!s.secretError.isEmpty()) service.insert(k("secret_error"), s.secretError);
        services.append(service);
    }
    return {{k("services"), services}};
}
LbBackends lbBackendsFromJson(const QJsonObject& o) {
    LbBackends b;
    for (const auto& v : o.value(k("services")).toArray()) {
        LbLinkedService s;
        const QJsonObject service = v.toObject();
        s.spec = serviceSpecFromJson(service.value(k("service")).toObject());
        for (const auto& iv : service.value(k("instances")).toArray()) {
            const QJsonObject i = iv.toObject();
            s.instances.append(LbBackendInstance{i.value(k("instance_number")).toInt(), i.value(k("node")).toString(),
                                                 i.value(k("container")).toString(), observedFromWire(i.value(k("state")).toString()),
                                                 i.value(k("health")).toString(), i.value(k("address")).toString()});
        }
        for (const auto& e : service.value(k("secret_env")).toArray()) s.secretEnv.append(e.toString());
        s.secretError = service.value(k("secret_error")).toString();
        b.services.append(std::move(s));
    }
    return b;
}

QJsonObject toJson(const PodList& l) {
    QJsonArray pods;
    for (const auto& p : l.pods) pods.append(toJson(p));
    return podListJson(pods, l.etcdQuorum);
}
QJsonObject podListJson(const QJsonArray& pods, bool etcdQuorum) { return {{k("service_pods"), pods}, {k("etcd_quorum"), etcdQuorum}}; }
PodList podListFromJson(const QJsonObject& o, QStringList* problems) {
    PodList l;
    for (const auto& v : o.value(k("service_pods")).toArray()) {
        QString why;
        if (auto pod = podFromJson(v.toObject(), &why)) l.pods.append(*pod);
        else if (problems) problems->append(why);
    }
    l.etcdQuorum = o.value(k("etcd_quorum")).toBool(true);
    return l;
}

QJsonObject toJson(const PodState& s) {
    QJsonObject o{{k("service_id"), s.serviceId}, {k("instance_number"), s.instanceNumber}, {k("rev"), qint64(s.rev)},
                  {k("service_revision"), s.serviceRevision}, {k("state"), toWire(s.state)},
                  {k("error"), s.error.isEmpty() ? QJsonValue() : QJsonValue(s.error)}};
    return o;
}
PodState podStateFromJson(const QJsonObject& o) {
    PodState s;
    s.serviceId = o.value(k("service_id")).toString();
    s.instanceNumber = o.value(k("instance_number")).toInt();
    s.rev = qint64(o.value(k("rev")).toDouble());
    s.serviceRevision = o.value(k("service_revision")).toInt();
    s.state = observedFromWire(o.value(k("state")).toString());
    s.error = o.value(k("error")).toString();
    return s;
}

QJsonObject toJson(const PodAddress& a) {
    return {{k("service_id"), a.serviceId}, {k("instance_number"), a.instanceNumber}, {k("address"), a.address}};
}
PodAddress podAddressFromJson(const QJsonObject& o) {
    return PodAddress{o.value(k("service_id")).toString(), o.value(k("instance_number")).toInt(), o.value(k("address")).toString()};
}

QJsonObject toJson(const PodSecretsRequest& r) {
    return {{k("service_id"), r.serviceId}, {k("instance_number"), r.instanceNumber}};
}
PodSecretsRequest podSecretsRequestFromJson(const QJsonObject& o) {
    return PodSecretsRequest{o.value(k("service_id")).toString(), o.value(k("instance_number")).toInt()};
}

QJsonObject toJson(const PodSecrets& p) {
    QJsonObject o{{k("env"), list(p.env)}};
    if (!p.registryAuth.isEmpty()) o.insert(k("registry_auth"), p.registryAuth);
    return o;
}
PodSecrets podSecretsFromJson(const QJsonObject& o) {
    return PodSecrets{list(o.value(k("env"))), o.value(k("registry_auth")).toString()};
}

QJsonObject toJson(const ContainerHealth& h) {
    return {{k("id"), h.containerId}, {k("name"), h.name},
            {k("status"), h.status == HealthStatus::Healthy ? QStringLiteral("healthy") : QStringLiteral("unhealthy")},
            {k("status_code"), h.statusCode}, {k("detail"), h.detail}, {k("time"), time(h.at)}};
}
ContainerHealth containerHealthFromJson(const QJsonObject& o) {
    ContainerHealth h;
    h.containerId = o.value(k("id")).toString();
    h.name = o.value(k("name")).toString();
    h.status = o.value(k("status")).toString() == QLatin1String("healthy") ? HealthStatus::Healthy : HealthStatus::Unhealthy;
    h.statusCode = o.value(k("status_code")).toInt();
    h.detail = o.value(k("detail")).toString();
    h.at = time(o.value(k("time")));
    return h;
}

QJsonObject toJson(const ContainerEvent& e) {
    return {{k("id"), e.containerId}, {k("name"), e.name}, {k("status"), e.status}, {k("time"), time(e.at)}};
}
ContainerEvent containerEventFromJson(const QJsonObject& o) {
    return ContainerEvent{o.value(k("id")).toString(), o.value(k("name")).toString(), o.value(k("status")).toString(),
                          time(o.value(k("time")))};
}

QJsonObject toJson(const LogBatch& b) {
    QJsonArray logs;
    for (const auto& e : b.entries)
        logs.append(QJsonObject{{k("id"), e.containerId}, {k("name"), e.name}, {k("type"), e.stream},
                                {k("data"), e.data}, {k("time"), time(e.at)}});
    return {{k("logs"), logs}};
}
LogBatch logBatchFromJson(const QJsonObject& o) {
    LogBatch b;
    for (const auto& v : o.value(k("logs")).toArray()) {
        const QJsonObject e = v.toObject();
        b.entries.append(LogEntry{e.value(k("id")).toString(), e.value(k("name")).toString(), e.value(k("type")).toString(),
                                  e.value(k("data")).toString(), time(e.value(k("time")))});
    }
    return b;
}

QJsonObject toJson(const ContainerStat& s) {
    return {{k("id"), s.containerId}, {k("name"), s.name}, {k("cpu_percent"), s.cpuPercent},
            {k("memory_usage"), s.memoryUsage}, {k("memory_limit"), s.memoryLimit},
            {k("rx_bytes"), s.rxBytes}, {k("tx_bytes"), s.txBytes}, {k("time"), time(s.at)}};
}
ContainerStat containerStatFromJson(const QJsonObject& o) {
    ContainerStat s;
    s.containerId = o.value(k("id")).toString();
    s.name = o.value(k("name")).toString();
    s.cpuPercent = o.value(k("cpu_percent")).toDouble();
    s.memoryUsage = qint64(o.value(k("memory_usage")).toDouble());
    s.memoryLimit = qint64(o.value(k("memory_limit")).toDouble());
    s.rxBytes = qint64(o.value(k("rx_bytes")).toDouble());
    s.txBytes = qint64(o.value(k("tx_bytes")).toDouble());
    s.at = time(o.value(k("time")));
    return s;
}

}  // namespace kontena::protocol
