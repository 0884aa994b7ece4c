#pragma once
// DnsSupervisor: the node's service discovery (reference §7.2). It runs a
// real dnsmasq (backends/dns: hosts directory, never forwards
// *.kontena.local) and keeps it answering the names the core's pure
// function gives (scheduler/dns.h: dns::records) for the instances that
// run here with an address and are not unhealthy, plus etcd.kontena.local.
//
//   PodSupervisor --containerRunning(name, address)--> endpoint in
//                 --containerGone(name)--------------> endpoint out
//   HealthMonitor --result(unhealthy / healthy)------> name out / back
//        |
//        v  (coalesced: one write per event-loop turn)
//   dns::records(GridNames) -> HostsPublisher -> <dir>/hosts/kontena.hosts
//                                                  | inotify
//                                               dnsmasq (restarted if it exits)
//
// A name leaves as soon as the supervisor stops the container, sees it die
// or a health check fails: one file replacement, which dnsmasq reads at
// once (answers carry a TTL of 1 s).
//
// Other nodes' instances come from the master (/agent/dns_records, see
// agent/grid_network.cpp: setRemoteEndpoints), so every node answers the
// names of the whole grid; this node's own follow its containers directly.

#include <QObject>
#include <QProcess>
#include <QTimer>

#include <map>
#include <memory>

#include "agent/config.h"
#include "agent/kept_process.h"
#include "backends/dns/hosts_publisher.h"
#include "backends/docker/client.h"
#include "backends/docker/docker_runtime.h"
#include "scheduler/dns.h"

namespace kontena::agentd {

class PodSupervisor;
class HealthMonitor;

class DnsSupervisor : public QObject {
    Q_OBJECT
public:
    // `dir` holds the hosts directory (created, made readable by dnsmasq's
    // unprivileged user); `options.address` must be set (see listenAddressOf).
    DnsSupervisor(QString grid, DnsOptions options, QString dir, QObject* parent = nullptr);
    ~DnsSupervisor() override;

    // Writes the (empty) records and starts dnsmasq. False with `error` when
    // the directory cannot be made; a dnsmasq that will not start is retried
    // with a backoff (warnings logged), the agent goes on.
    bool start(QString* error = nullptr);
    void stop();
    // Names follow the supervisor's containers and the health checks.
    void follow(PodSupervisor& pods, HealthMonitor& health);

    // etcd.kontena.local: the overlay addresses of the healthy members.
    void setEtcdMembers(const std::vector<std::string>& addresses);
    // Instances of other nodes (from the grid's shared state), replacing the last set given.
    void setRemoteEndpoints(std::vector<dns::Endpoint> endpoints);

    const dns::Records& published() const { return published_; }
    bool dnsmasqRunning() const { return dnsmasq_.running(); }
    int dnsmasqStarts() const { return dnsmasq_.starts(); }
    QString address() const { return options_.address; }
    int port() const { return options_.port; }

signals:
    // The records were written (dnsmasq reads them at once).
    void publishedRecords(int names);

private:
    // Names the container from its pod; false if the supervisor has no pod for it.
    bool name(const PodSupervisor& pods, const QString& container, const QString& address);
    void launch();
    void schedulePublish();
    void publish();
    dns::GridNames gridNames() const;

    QString grid_;
    DnsOptions options_;
    QString dir_;
    dns::HostsPublisher publisher_;
    KeptProcess dnsmasq_;
    QTimer publishTimer_;
    bool stopping_ = false;
    // Local instances by container name; `unhealthy` set by health checks.
    std::map<QString, dns::Endpoint> local_;
    std::map<QString, QString> unnamed_;   // running, address known, pod not yet
    std::vector<dns::Endpoint> remote_;
    std::vector<std::string> etcdMembers_;
    dns::Records published_;
};

// Where the node's DNS server listens when not told: the gateway of the
// engine's default bridge network (what every bridge container reaches);
// empty with `error` when the engine does not say.
QString defaultDnsAddress(docker::DockerClient& engine, QString* error);

// Readies `config.dns` for a node on `runtime`'s engine: fills in the
// default address and makes the runtime's containers resolve through it.
// False with `error` (DNS then stays off) when no address can be found.
bool prepareDns(AgentConfig& config, docker::DockerRuntime& runtime, QString* error);

}  // namespace kontena::agentd
