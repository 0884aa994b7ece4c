#pragma once
// OverlayNetwork: the grid overlay on this node and the grid addresses of
// its containers (reference §7.1; backends/overlay/README.md says why).
//
//   master --node_info (number, peers)--> configure() on a worker:
//       Docker network `kontena` (bridge `kontena`, subnet 10.81.0.0/16,
//       gateway = the node's overlay address 10.81.0.N)   [once]
//       + VXLAN `vxkontena` on that bridge                 [once]
//       + flood entries = the other peers' underlay addresses [each time]
//   DockerRuntime::create --allocate(container)--> Ipam in etcd (one key per
//       address, create_revision == 0) --> IPv4Address on `kontena`
//   DockerRuntime::removeOne --release(container)--> key deleted
//
// Without etcd quorum allocate() fails with the agent step's message: no
// container is made (the master refuses such deploys before that).

#include <QObject>
#include <QThreadPool>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "agent/config.h"
#include "backends/docker/client.h"
#include "backends/docker/docker_runtime.h"
#include "backends/etcd/etcd_client.h"
#include "backends/etcd/ipam.h"
#include "protocol/messages.h"

namespace kontena::agentd {

class OverlayNetwork : public QObject {
    Q_OBJECT
public:
    OverlayNetwork(OverlayOptions options, QString nodeName, docker::DockerClient engine, QObject* parent = nullptr);
    ~OverlayNetwork() override;

    // The master's node info and where etcd's members answer: builds the
    // overlay (first time) and follows the peers, on a worker thread.
    void configure(const protocol::NodeInfo& info, std::vector<std::string> etcdEndpoints);
    // Makes `runtime`'s bridge containers take grid addresses from here.
    void attach(docker::DockerRuntime& runtime);

    // Thread-safe (the runtime's worker calls them).
    RuntimeResult<std::string> allocate(const std::string& container);
    void release(const std::string& container);
    // The owner written beside an address in etcd: "<node>/<container>".
    std::string ownerOf(const std::string& container) const;
    // Releases the addresses of this node's containers not in `live`.
    int releaseOrphans(const std::set<std::string>& liveContainers);

    bool ready() const { return ready_; }
    QString lastError() const { return lastError_; }

signals:
    // One configure pass ended; `error` empty when the overlay is up.
    void applied(const QString& error);

private:
    QString apply(const protocol::NodeInfo& info);
    std::shared_ptr<etcd::EtcdClient> client() const;

    OverlayOptions options_;
    QString node_;
    docker::DockerClient engine_;
    QThreadPool worker_;
    mutable std::mutex mutex_;
    std::shared_ptr<etcd::EtcdClient> etcd_;   // guarded by mutex_
    std::vector<std::string> endpoints_;        // guarded by mutex_
    etcd::Pool pool_;
    bool poolReserved_ = false;                 // guarded by mutex_
    bool ready_ = false;
    QString lastError_;
};

}  // namespace kontena::agentd
