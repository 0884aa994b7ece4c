#pragma once
// LbRuntime: the node runtime the agent drives, with load balancers in it.
// A pod whose service is a load balancer (lb::isLoadBalancer — the one
// place that decides it) runs as a supervised HAProxy 2.6 (lb/haproxy_process.h)
// instead of a Docker container; every other pod, and every call about a
// name that is not a load balancer, goes to the engine's runtime unchanged.
// The pod supervisor and the pure agent step cannot tell the two apart: an
// LB instance is listed, created, started, stopped, restarted after a crash
// and removed like a container, and reported to the master the same way.
//
//   PodSupervisor ──NodeRuntime──▶ LbRuntime ──LB pods──▶ HaproxyProcess (one per instance)
//                                      └──────other pods──▶ DockerRuntime
//
// Each LB instance has a private directory <stateDir>/lb/<container name>
// (mode 0700): instance.json (its pod, no secrets), haproxy.cfg, the pid
// file, the master socket and the certificates from SSL_CERTS / SSL_CERT_*
// (mode 0600). HAProxy is a daemon: it keeps running when the agent stops,
// and a new LbRuntime on the same directory adopts it.
//
// Ports: HAProxy runs in the node's network namespace. Each port of the LB
// "container" (80, 443, 1000, tcp external ports) is bound on the
// instance's own loopback address (lb::loopbackAddress), and a published
// port also on `ip:node_port`, as Docker would publish it.
//
// Threads: every method may be called from any thread; calls are serialised.

#include <QString>

#include <memory>
#include <mutex>

#include "backends/docker/node_runtime.h"
#include "lb/haproxy_process.h"
#include "lb/lb_model.h"

namespace kontena::agentd {

class LbRuntime final : public NodeRuntime {
public:
    LbRuntime(std::shared_ptr<NodeRuntime> engine, QString stateDir);
    ~LbRuntime() override;   // HAProxy keeps running, as containers do

    RuntimeResult<EnsureOutcome> ensure(const InstanceDesc& instance, DesiredState desired) override;
    RuntimeResult<OwnedContainer> create(const InstanceDesc& instance) override;
    RuntimeStatus start(const std::string& containerName) override;
    RuntimeStatus stop(const std::string& containerName, Duration grace) override;
    RuntimeStatus restart(const std::string& containerName, Duration grace) override;
    RuntimeStatus remove(const std::string& containerName, Duration grace, bool removeData) override;
    RuntimeResult<std::vector<OwnedContainer>> listOwned() override;
    RuntimeStatus ensureVolume(const std::string& name, const std::string& driver,
                               const std::map<std::string, std::string>& driverOpts) override;
    RuntimeStatus removeVolume(const std::string& name) override;
    RuntimeResult<CommandOutcome> exec(const std::string& containerName, const std::vector<std::string>& cmd) override;
    RuntimeResult<CommandOutcome> runOnce(const InstanceDesc& instance, const std::vector<std::string>& cmd) override;

    // An LB instance on this node.
    struct LoadBalancer {
        std::string name;        // its container name
        std::string serviceId;   // "stack/lb"
        int instanceNumber = 0;
        bool running = false;
    };
    std::vector<LoadBalancer> loadBalancers() const;
    bool isLoadBalancer(const std::string& containerName) const;
    // Renders the instance's configuration with the backends of `linked`
    // and applies it (haproxy -c, then a seamless reload). Unchanged text:
    // nothing happens. Invalid: the running configuration stays, the error
    // says why. Stopped: kept for its next start. Not an LB: an error.
    Result<lb::Applied> updateBackends(const std::string& containerName, const std::vector<lb::LinkedService>& linked);
    // The directory of an LB instance (for tests and diagnostics).
    QString directoryOf(const std::string& containerName) const;

private:
    struct Instance;
    Instance* find(const std::string& name) const;
    RuntimeResult<OwnedContainer> createLocked(const InstanceDesc& desc);
    RuntimeStatus startLocked(Instance& lb);
    void removeLocked(const std::string& name, Duration grace);
    void rediscover();
    static OwnedContainer ownedOf(const Instance& lb);

    std::shared_ptr<NodeRuntime> engine_;
    QString stateDir_;
    mutable std::mutex mutex_;
    std::map<std::string, std::unique_ptr<Instance>> lbs_;
};

}  // namespace kontena::agentd
