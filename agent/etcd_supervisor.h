#pragma once
// EtcdSupervisor: the node's etcd member (reference §1.3). On an initial
// node the agent runs a real etcd (Debian's etcd-server) named node-<N>,
// its data under <data dir>/etcd, the cluster formed from the master's
// initial-node list (node-1..node-<initial size>, member N at the address
// --etcd-address gives N, by default its overlay address). It is restarted
// with a backoff if it exits, and dies with the agent.
//
//   master --node_info (number, initial size)--> configure() --> etcd node-N
//   every checkInterval (worker thread):
//       serializable status   -> member serves      } --healthChanged-->
//       linearizable get      -> etcd has a quorum  }    /nodes/etcd_health
//
// A replacement initial node (no data dir yet) asks the live members
// first: a member of its name that had started is removed and it is added
// again; it then joins with --initial-cluster-state=existing. When no
// member answers, it bootstraps the cluster (state new).

#include <QObject>
#include <QProcess>
#include <QThreadPool>
#include <QTimer>

#include <memory>
#include <string>
#include <vector>

#include "agent/config.h"
#include "agent/kept_process.h"
#include "protocol/messages.h"

namespace kontena::agentd {

class EtcdSupervisor : public QObject {
    Q_OBJECT
public:
    EtcdSupervisor(EtcdOptions options, QString dataDir, QObject* parent = nullptr);
    ~EtcdSupervisor() override;

    // The master's node info: on an initial node, starts the member (once;
    // the cluster is fixed at the first start). On other nodes nothing runs.
    void configure(const protocol::NodeInfo& info);
    // Only learns the cluster's size, the subnet and this node's number.
    void configureAddresses(const protocol::NodeInfo& info);
    void stop();

    // The member's address for node `number` (pattern or subnet | number).
    QString memberAddress(int number) const;
    // The client URLs of every member of the cluster (IPAM talks to them).
    std::vector<std::string> endpoints() const;
    bool isMember() const { return number_ > 0; }
    bool running() const { return etcd_.running(); }
    int starts() const { return etcd_.starts(); }
    const protocol::EtcdHealth& health() const { return health_; }
    qint64 pid() const { return etcd_.pid(); }

signals:
    // The member's health or etcd's quorum changed (also the first reading).
    void healthChanged(const kontena::protocol::EtcdHealth& health);

private:
    void prepareAndLaunch();
    void launch(bool joinExisting);
    void check();

    EtcdOptions options_;
    QString dir_;
    int number_ = 0;        // this node's member number; 0: not a member
    int initialSize_ = 0;
    QString subnet_;
    KeptProcess etcd_;
    QThreadPool worker_;
    QTimer checkTimer_;
    protocol::EtcdHealth health_;
    bool checked_ = false;
    bool checking_ = false;
    bool stopping_ = false;
};

// The client URLs of the grid's etcd members as `options` places them
// (member N at the pattern's or the overlay's address for N), for a node
// given `info`: its own member first when it is one.
std::vector<std::string> etcdClientUrls(const EtcdOptions& options, const protocol::NodeInfo& info);

}  // namespace kontena::agentd
