#pragma once
// Agent: the whole kontena-agent, wired. It moves messages between the
// master connection, the pod supervisor (which runs the pure agent step),
// the health monitor and the container streams, and keeps the periodic
// timers of reference 13 (node info 60 s, pod poll 30 s).
//
//   master --notify_update--> fetch /node_service_pods/list --> supervisor.sync
//   supervisor --report--> /node_service_pods/set_state
//   streams --die--> supervisor (crash backoff); --events/logs/stats--> master
//   supervisor --running--> health monitor --result--> /containers/health
//                                                 \-- unhealthy --> supervisor restart

#include <QObject>
#include <QTimer>

#include <map>
#include <memory>
#include <optional>

#include "agent/config.h"
#include "agent/container_streams.h"
#include "agent/dns_supervisor.h"
#include "agent/etcd_supervisor.h"
#include "agent/overlay_network.h"
#include "agent/exec_runner.h"
#include "agent/health_monitor.h"
#include "agent/lb_runtime.h"
#include "agent/lb_supervisor.h"
#include "agent/master_connection.h"
#include "agent/node_stats.h"
#include "agent/pod_supervisor.h"
#include "backends/docker/client.h"

namespace kontena::agentd {

class Agent : public QObject {
    Q_OBJECT
public:
    // `engine` (optional) gives node facts, container addresses and the
    // events/logs/stats streams; without it only `runtime` is driven. With
    // it, load balancers run as HAProxy beside `runtime` (LbRuntime, in
    // config.stateDir).
    Agent(AgentConfig config, std::shared_ptr<NodeRuntime> runtime, std::optional<docker::DockerClient> engine,
          QObject* parent = nullptr);
    ~Agent() override;

    void start();
    void stop();

    MasterConnection& connection() { return conn_; }
    PodSupervisor& supervisor() { return supervisor_; }
    LbSupervisor* loadBalancers() { return lbs_.get(); }
    HealthMonitor& health() { return health_; }
    // The node's DNS server; null when config.dns is off.
    DnsSupervisor* dns() { return dns_.get(); }
    // The node's etcd member; null when config.etcd is off.
    EtcdSupervisor* etcd() { return etcd_.get(); }
    // The grid overlay; null when config.overlay is off or there is no engine.
    OverlayNetwork* overlay() { return overlay_.get(); }
    // Containers of `runtime` (the one given to the constructor) get grid
    // addresses from IPAM in etcd; call before start() when the overlay is on.
    void useGridAddresses(docker::DockerRuntime& runtime);
    const std::optional<protocol::MasterInfo>& masterInfo() const { return masterInfo_; }
    const std::optional<protocol::NodeInfo>& nodeInfo() const { return nodeInfo_; }

signals:
    // The master refused the node for good (protocol::afterClose == Stop).
    void fatal(int code, const QString& reason);
    void podsFetched(int count);

private:
    // The constructor's wiring: engine streams and address lookup, the
    // supervisor's signals to health checks and streams, the master's calls.
    void wireEngine();
    void wireSupervisor();
    void wireMaster();
    void wireLoadBalancers();
    void useNodeInfo();
    // etcd health to the master, the master's DNS records to dnsmasq,
    // container addresses to the master (agent/grid_network.cpp).
    void wireGridNetwork();
    void sendEtcdHealth();
    void onConnected();
    void fetchPods();
    void sendNodeUpdate();
    bool report(const protocol::PodState& state);

    AgentConfig config_;
    std::optional<docker::DockerClient> engine_;
    MasterConnection conn_;
    std::shared_ptr<LbRuntime> lbRuntime_;   // before supervisor_: it drives it
    PodSupervisor supervisor_;
    std::unique_ptr<LbSupervisor> lbs_;
    HealthMonitor health_;
    std::unique_ptr<ContainerStreams> streams_;
    std::unique_ptr<ExecRunner> exec_;
    std::unique_ptr<NodeStatsSampler> nodeStats_;   // with an engine: a real host to sample
    std::unique_ptr<DnsSupervisor> dns_;
    std::unique_ptr<EtcdSupervisor> etcd_;
    std::unique_ptr<OverlayNetwork> overlay_;
    QTimer orphanTimer_;   // reference §7.1: addresses of vanished containers, every 3 min
    std::map<QString, protocol::PodAddress> podAddresses_;   // container -> what the master was told (again after a reconnect)
    QTimer nodeInfoTimer_, pollTimer_;
    QThreadPool infoWorker_;
    std::optional<protocol::MasterInfo> masterInfo_;
    std::optional<protocol::NodeInfo> nodeInfo_;
    bool fetching_ = false;
    bool fetchAgain_ = false;
};

}  // namespace kontena::agentd
