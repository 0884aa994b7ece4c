#include "backends/etcd/member.h"

namespace kontena::etcd {

std::vector<std::string> memberArguments(const MemberConfig& c) {
    std::string cluster;
    for (const auto& [name, url] : c.initialCluster) {
        if (!cluster.empty()) cluster += ",";
        cluster += name + "=" + url;
    }
    return {"--name=" + c.name,
            "--data-dir=" + c.dataDir,
            "--listen-client-urls=" + c.clientUrl,
            "--advertise-client-urls=" + c.clientUrl,
            "--listen-peer-urls=" + c.peerUrl,
            "--initial-advertise-peer-urls=" + c.peerUrl,
            "--initial-cluster=" + cluster,
            "--initial-cluster-state=" + std::string(c.joinExisting ? "existing" : "new"),
            "--initial-cluster-token=" + c.clusterToken,
            "--heartbeat-interval=" + std::to_string(c.heartbeatMs),
            "--election-timeout=" + std::to_string(c.electionMs),
            "--logger=zap",
            "--log-level=warn"};
}

}  // namespace kontena::etcd
